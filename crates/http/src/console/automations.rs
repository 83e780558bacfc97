//! Shared automations in the console. Everyone sees the automations shared with them and
//! where they stand, checks them (diagnostics) and activates one — consenting that it acts
//! on their behalf — and reads their own runs. Global admins (`settings: write`) see every
//! automation, share it with users, deactivate it for a user (temporarily or permanently),
//! end access, and read everyone's runs filtered by user, status and time. Automations are
//! defined through the API (`/v1/automations`): their definition is structured JSON.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use tessera_access::{Level, SETTINGS};
use tessera_automations::{AccessState, AutomationError, RunFilter, RunStatus, Step};
use tessera_core::{UserId, Uuid};
use tessera_service::ServiceError;
use tessera_service::automations::{AutomationView, MailboxInput};

use super::pages::{Form, Signed, form_error, merge, redirect, signed_form, signed_page};
use super::users::{error_status, parse_id};
use crate::{ApiError, AppState};

/// The wire name of a serde enum value (`deactivated_temporarily`, `succeeded`).
fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A state as people read it.
fn state_text(state: AccessState) -> &'static str {
    match state {
        AccessState::Shared => "shared with you, not active",
        AccessState::Active => "active",
        AccessState::DeactivatedTemporarily => {
            "deactivated by an admin (you may activate it again)"
        }
        AccessState::DeactivatedPermanently => "deactivated permanently by an admin",
        AccessState::Paused => "paused after failing runs",
    }
}

/// What one step does, in a line.
fn step_text(step: &Step) -> String {
    match step {
        Step::SendEmail { to, subject, .. } => {
            format!("Send an e-mail from your address to {to} — “{subject}”")
        }
        Step::CreateTask { title, .. } => format!("Create a task as you — “{title}”"),
        Step::CallWebhook { url } => format!("Call the webhook {url}"),
    }
}

/// The page for an account without automations: what it lacks.
fn unavailable(error: &ApiError) -> Option<String> {
    match error {
        ApiError::Service(ServiceError::Automation(gate @ AutomationError::GateClosed { .. })) => {
            Some(gate.to_string())
        }
        _ => None,
    }
}

/// `GET /console/automations`.
pub(super) async fn list(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let caller = signed.caller.clone();
        let found = state.run(move |t| t.automations(&caller)).await;
        let views = match found {
            Ok(views) => views,
            Err(error) => match unavailable(&error) {
                Some(why) => {
                    let data = json!({ "title": "Automations", "unavailable": why, "automations": [], "count": 0, "admin": false });
                    return signed.render(&request, &state, StatusCode::FORBIDDEN, "automations", "automations", data);
                }
                None => return Err(error),
            },
        };
        let admin = signed.level(SETTINGS).allows(Level::Write);
        let rows: Vec<_> = views
            .iter()
            .map(|view| {
                let a = &view.automation;
                json!({
                    "id": a.id.to_string(),
                    "name": a.definition.name,
                    "event_type": a.definition.trigger.event_type,
                    "mode": wire(&a.definition.mode),
                    "on": a.active,
                    "activated": view.counts.activated,
                    "shared": view.counts.shared,
                    "mine": view.my_access.map(state_text),
                    "mine_state": view.my_access.map(|s| wire(&s)),
                })
            })
            .collect();
        let data = json!({
            "title": "Automations",
            "unavailable": null,
            "count": rows.len(),
            "automations": rows,
            "admin": admin,
        });
        signed.render(&request, &state, StatusCode::OK, "automations", "automations", data)
    })
    .await
}

/// Reads the history filter from the query: `user`, `status`, `from`, `to` (dates), `cursor`.
fn history_filter(query: &Form) -> Result<(RunFilter, Option<String>), ApiError> {
    let day =
        |field: &'static str, text: &str, end: bool| -> Result<Option<DateTime<Utc>>, ApiError> {
            if text.is_empty() {
                return Ok(None);
            }
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid(field, "a date such as 2026-11-30"))?;
            let date = if end {
                date.succ_opt().unwrap_or(date)
            } else {
                date
            };
            Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
        };
    let user = match query.get("user") {
        "" => None,
        text => Some(
            text.parse::<UserId>()
                .map_err(|_| ApiError::invalid("user", "choose a user"))?,
        ),
    };
    let status = match query.get("status") {
        "" => None,
        text => Some(
            RunStatus::ALL
                .into_iter()
                .find(|s| wire(s) == text)
                .ok_or_else(|| ApiError::invalid("status", "choose a status"))?,
        ),
    };
    let filter = RunFilter {
        user,
        from: day("from", query.get("from"), false)?,
        to: day("to", query.get("to"), true)?,
        status,
    };
    let cursor = Some(query.get("cursor").to_owned()).filter(|c| !c.is_empty());
    Ok((filter, cursor))
}

/// The detail page's data: the automation, the caller's standing, and for admins who has it.
async fn detail_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: Uuid,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    let query = Form::parse(request.query_string().as_bytes());
    let caller = signed.caller.clone();
    let view: AutomationView = state.run(move |t| t.automation(&caller, id)).await?;
    let admin = view.may_manage;
    let caller = signed.caller.clone();
    let users = if admin {
        state.run(move |t| t.users(&caller)).await?
    } else {
        Vec::new()
    };
    let emails: HashMap<UserId, String> = users.iter().map(|u| (u.id, u.email.clone())).collect();
    let name_of = |user: UserId| {
        if user == signed.caller.user {
            signed.email.clone()
        } else {
            emails
                .get(&user)
                .cloned()
                .unwrap_or_else(|| user.to_string())
        }
    };
    let access = if admin {
        let caller = signed.caller.clone();
        state.run(move |t| t.automation_access(&caller, id)).await?
    } else {
        Vec::new()
    };
    let holders: Vec<_> = access
        .iter()
        .map(|record| {
            json!({
                "id": record.user.to_string(),
                "email": name_of(record.user),
                "state": wire(&record.state),
                "reason": record.reason,
                "since": record.changed_at.format("%Y-%m-%d %H:%M").to_string(),
                "may_deactivate": matches!(record.state, AccessState::Active | AccessState::Shared | AccessState::Paused | AccessState::DeactivatedTemporarily),
            })
        })
        .collect();
    let shared_with: Vec<UserId> = access.iter().map(|r| r.user).collect();
    let candidates: Vec<_> = users
        .iter()
        .filter(|u| !shared_with.contains(&u.id))
        .map(|u| json!({ "id": u.id.to_string(), "email": u.email }))
        .collect();
    let (filter, cursor) = history_filter(&query)?;
    let typed_filter = json!({
        "user": query.get("user"),
        "status": query.get("status"),
        "from": query.get("from"),
        "to": query.get("to"),
    });
    let caller = signed.caller.clone();
    let page = state
        .run(move |t| t.automation_runs(&caller, id, filter, cursor.as_deref(), Some(25)))
        .await?;
    let runs: Vec<_> = page
        .runs
        .iter()
        .map(|run| {
            json!({
                "id": run.id.to_string(),
                "user": name_of(run.user),
                "status": wire(&run.status),
                "queued": run.queued_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "error": run.error,
            })
        })
        .collect();
    let next = page.next_cursor.map(|cursor| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for key in ["user", "status", "from", "to"] {
            query.append_pair(key, typed_filter[key].as_str().unwrap_or_default());
        }
        query.append_pair("cursor", &cursor);
        query.finish()
    });
    let a = &view.automation;
    let mine = view.my_access;
    let conditions: Vec<_> = a
        .definition
        .trigger
        .conditions
        .iter()
        .map(|c| {
            json!({
                "field": c.field,
                "op": wire(&c.op),
                "value": c.value.as_ref().and_then(|v| serde_json::to_string(v).ok()),
            })
        })
        .collect();
    let statuses: Vec<_> = RunStatus::ALL
        .iter()
        .map(|s| json!({ "value": wire(s), "selected": wire(s) == query.get("status") }))
        .collect();
    let people: Vec<_> = users
        .iter()
        .map(|u| json!({ "id": u.id.to_string(), "email": u.email, "selected": u.id.to_string() == query.get("user") }))
        .collect();
    let mut data = json!({
        "title": format!("Automation {}", a.definition.name),
        "automation": {
            "id": a.id.to_string(),
            "name": a.definition.name,
            "on": a.active,
            "mode": wire(&a.definition.mode),
            "event_type": a.definition.trigger.event_type,
            "conditions": conditions,
            "steps": a.definition.steps.iter().map(step_text).collect::<Vec<_>>(),
            "owner": name_of(a.owner),
        },
        "mine": mine.map(|s| json!({
            "state": wire(&s),
            "text": state_text(s),
            "may_activate": matches!(s, AccessState::Shared | AccessState::DeactivatedTemporarily | AccessState::Paused),
        })),
        "admin": admin,
        "holders": holders,
        "candidates": candidates,
        "runs": runs,
        "next": next,
        "filter": typed_filter,
        "statuses": statuses,
        "people": people,
        "problems": null,
        "checked": false,
        "notice": null,
        "error": null,
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "automation", "automations", data)
}

/// The diagnostics' problems as the page lists them.
fn problems_data(problems: &[tessera_automations::Problem]) -> Value {
    json!(
        problems
            .iter()
            .map(|p| json!({
                "step": p.step.map(|s| s + 1),
                "field": p.field,
                "message": p.message,
                "fix": p.fix,
            }))
            .collect::<Vec<_>>()
    )
}

/// `GET /console/automations/{id}` (with `?check=1`: the diagnostics for the caller).
pub(super) async fn detail(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let id: Uuid = parse_id(&id, "automation")?;
        let query = Form::parse(request.query_string().as_bytes());
        let mut extra = json!({
            "notice": match query.get("notice") {
                "activated" => Some("Activated: it now runs for you, as you."),
                "shared" => Some("Shared. Each user must activate it before it runs for them."),
                "deactivated" => Some("Deactivated for that user."),
                "removed" => Some("That user's access ended."),
                _ => None,
            },
        });
        if query.get("check") == "1" {
            let caller = signed.caller.clone();
            let found = state
                .run(move |t| t.diagnose_automation(&caller, id, None))
                .await?;
            extra["checked"] = json!(true);
            extra["problems"] = problems_data(&found.problems);
        }
        detail_page(signed, request, state, id, StatusCode::OK, extra).await
    })
    .await
}

/// `POST /console/automations/{id}/activate`: the caller consents and activates it for
/// themselves; the diagnostics run first and a problem refuses it, listing each with its fix.
pub(super) async fn activate(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let id: Uuid = parse_id(&id, "automation")?;
        if form.get("consent") != "yes" {
            let error = json!({ "field": "consent", "detail": "tick the box to agree that it acts on your behalf" });
            return detail_page(signed, request, state, id, StatusCode::BAD_REQUEST, json!({ "error": error })).await;
        }
        let caller = signed.caller.clone();
        match state.run(move |t| t.activate_automation(&caller, id)).await {
            Ok(_) => Ok(redirect(&request, &format!("/automations/{id}?notice=activated"))),
            Err(ApiError::Service(ServiceError::Automation(AutomationError::DiagnosticsFailed {
                problems,
            }))) => {
                let extra = json!({ "checked": true, "problems": problems_data(&problems) });
                detail_page(signed, request, state, id, StatusCode::CONFLICT, extra).await
            }
            Err(error) => automation_form_error(signed, request, state, id, error).await,
        }
    })
    .await
}

/// A refused admin form: the detail page with the error, or the error page.
async fn automation_form_error(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: Uuid,
    error: ApiError,
) -> Result<HttpResponse, ApiError> {
    let shown = match &error {
        ApiError::Service(ServiceError::Automation(
            AutomationError::NotShareable | AutomationError::PermanentlyDeactivated,
        )) => Some(json!({ "field": null, "detail": error.to_string() })),
        other => form_error(other),
    };
    match shown {
        Some(shown) => {
            let status = error_status(&error);
            detail_page(
                signed,
                request,
                state,
                id,
                status,
                json!({ "error": shown }),
            )
            .await
        }
        None => Err(error),
    }
}

/// `POST /console/automations/{id}/share`: shares with the users ticked (admin).
pub(super) async fn share(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let id: Uuid = parse_id(&id, "automation")?;
        let users: Result<Vec<UserId>, _> = form.all("user").iter().map(|u| u.parse()).collect();
        let outcome = match users {
            Ok(users) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.share_automation(&caller, id, &users))
                    .await
                    .map(drop)
            }
            Err(_) => Err(ApiError::invalid("users", "choose users from the list")),
        };
        match outcome {
            Ok(()) => Ok(redirect(
                &request,
                &format!("/automations/{id}?notice=shared"),
            )),
            Err(error) => automation_form_error(signed, request, state, id, error).await,
        }
    })
    .await
}

/// `POST /console/automations/{id}/access/{user}`: `action` = `deactivate`,
/// `deactivate_permanently` or `remove` (admin).
pub(super) async fn change_access(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let (id, user) = path.into_inner();
        let id: Uuid = parse_id(&id, "automation")?;
        let user: UserId = parse_id(&user, "user")?;
        let caller = signed.caller.clone();
        let (outcome, notice) = match form.get("action") {
            "deactivate" | "deactivate_permanently" => {
                let permanently = form.get("action") == "deactivate_permanently";
                let done = state
                    .run(move |t| t.deactivate_automation_for(&caller, id, user, permanently))
                    .await
                    .map(drop);
                (done, "deactivated")
            }
            "remove" => {
                let done = state
                    .run(move |t| t.unshare_automation(&caller, id, &[user]))
                    .await
                    .map(drop);
                (done, "removed")
            }
            _ => (Err(ApiError::invalid("action", "choose an action")), ""),
        };
        match outcome {
            Ok(()) => Ok(redirect(
                &request,
                &format!("/automations/{id}?notice={notice}"),
            )),
            Err(error) => automation_form_error(signed, request, state, id, error).await,
        }
    })
    .await
}

/// `GET /console/runs/{id}`: one run with each step's result.
pub(super) async fn run(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let id: Uuid = parse_id(&id, "run")?;
        let caller = signed.caller.clone();
        let detail = state.run(move |t| t.automation_run(&caller, id)).await?;
        let automation = detail.run.automation;
        let caller = signed.caller.clone();
        let view = state.run(move |t| t.automation(&caller, automation)).await?;
        let steps: Vec<_> = detail
            .steps
            .iter()
            .map(|s| {
                json!({
                    "n": s.index + 1,
                    "what": view.automation.definition.steps.get(s.index).map(step_text),
                    "status": wire(&s.status),
                    "output": s.output,
                    "error": s.error,
                    "at": s.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                })
            })
            .collect();
        let data = json!({
            "title": "Run",
            "automation": { "id": automation.to_string(), "name": view.automation.definition.name },
            "run": {
                "id": detail.run.id.to_string(),
                "status": wire(&detail.run.status),
                "queued": detail.run.queued_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                "finished": detail.run.finished_at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
                "error": detail.run.error,
            },
            "steps": steps,
        });
        signed.render(&request, &state, StatusCode::OK, "run", "automations", data)
    })
    .await
}

async fn mailbox_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    let caller = signed.caller.clone();
    let mailbox = state.run(move |t| t.my_mailbox(&caller)).await?;
    let mut data = json!({
        "title": "Your mailbox",
        "mailbox": mailbox.as_ref().map(|m| json!({
            "address": m.address,
            "display_name": m.display_name,
            "signature": m.signature,
            "own_smtp": m.own_smtp,
        })),
        "typed": {
            "address": mailbox.as_ref().map_or(signed.email.as_str(), |m| m.address.as_str()),
            "display_name": mailbox.as_ref().map_or("", |m| m.display_name.as_str()),
            "signature": mailbox.as_ref().map_or("", |m| m.signature.as_str()),
        },
        "notice": null,
        "error": null,
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "mailbox", "automations", data)
}

/// `GET /console/mailbox`: the identity automations send the caller's e-mail from.
pub(super) async fn mailbox(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let notice = match request.query_string() {
            "notice=saved" => Some("Saved. Automations now send your e-mail from this identity."),
            "notice=removed" => Some(
                "Removed. Automations that send e-mail cannot run for you until you set one again.",
            ),
            _ => None,
        };
        mailbox_page(
            signed,
            request,
            state,
            StatusCode::OK,
            json!({ "notice": notice }),
        )
        .await
    })
    .await
}

/// `POST /console/mailbox`: saves the identity (`action=save`) or removes it (`remove`). The
/// SMTP URL, which holds a password, is never shown back.
pub(super) async fn save_mailbox(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let caller = signed.caller.clone();
        if form.get("action") == "remove" {
            state.run(move |t| t.delete_my_mailbox(&caller)).await?;
            return Ok(redirect(&request, "/mailbox?notice=removed"));
        }
        let smtp = form.get("smtp_url").trim();
        let input = MailboxInput {
            address: form.get("address").trim().to_owned(),
            display_name: form.get("display_name").trim().to_owned(),
            signature: form.get("signature").to_owned(),
            smtp_url: (!smtp.is_empty()).then(|| smtp.to_owned()),
        };
        let typed = json!({
            "address": input.address,
            "display_name": input.display_name,
            "signature": input.signature,
        });
        match state.run(move |t| t.set_my_mailbox(&caller, input)).await {
            Ok(_) => Ok(redirect(&request, "/mailbox?notice=saved")),
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = json!({ "error": shown, "typed": typed });
                    mailbox_page(signed, request, state, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}
