//! Apps and cases in the console: the apps the caller sees (all of them with `workspace:
//! read`, else those they are a user of) with the account's billable seats (`settings:
//! read`); a new app (`workspace: write`) with its first case; an app's users with their
//! type, the bulk import, its cases and its case roles; a case with its assignments. Managing
//! an app — its users, cases, case roles, assignments, imports — is for its Administrator and
//! Managers and for anyone with `workspace: write`; the service decides, the pages only offer
//! the forms to those it would allow.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tessera_access::{FeaturePath, Level, Role, SETTINGS, Setting, USER_MANAGEMENT, WORKSPACE};
use tessera_contacts::cases::{AppUserType, CaseError, CaseFeature, CaseKind};
use tessera_contacts::import::RowStatus;
use tessera_core::{RoleId, UserId, Uuid};
use tessera_service::ServiceError;
use tessera_service::apps::FIRST_CASE;
use tessera_service::import::{ImportReport, Importer};
use tessera_service::records::{App, AppUser, Case};

use super::pages::{Signed, form_error, merge, redirect, signed_form, signed_page};
use super::users::{error_status, parse_id};
use crate::{ApiError, AppState};

/// The types a user can be given in an app (Administrator is the creator's alone), with
/// what each means.
const USER_TYPES: [(AppUserType, &str); 4] = [
    (
        AppUserType::Manager,
        "Manager — manages the app like its Administrator (billable)",
    ),
    (AppUserType::Staff, "Staff — an employee (billable)"),
    (AppUserType::User, "User — a client member (not billed)"),
    (
        AppUserType::Bot,
        "Bot — read-only, for automations and integrations (not billed)",
    ),
];

/// The case features a case role sets, with the form field of each.
const FEATURES: [(CaseFeature, &str, &str); 4] = [
    (CaseFeature::Feed, "feed", "Feed"),
    (CaseFeature::Convo, "convo", "Conversation"),
    (CaseFeature::Events, "events", "Events"),
    (CaseFeature::Notes, "notes", "Notes"),
];

fn date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// The message a refused form shows beside it, naming the field (renamed to the form's own
/// where the service names it otherwise): the refusals [`form_error`] shows, and the seat
/// limit (402). `None` for anything else, which gets its own page.
fn refusal(error: &ApiError, renames: &[(&str, Option<&str>)]) -> Option<Value> {
    let mut shown = form_error(error).or_else(|| {
        matches!(
            error,
            ApiError::Service(ServiceError::Case(CaseError::SeatLimitReached { .. }))
        )
        .then(|| json!({ "field": "user_type", "detail": error.to_string() }))
    })?;
    let field = shown["field"].as_str().map(str::to_owned);
    if let Some(field) = field
        && let Some((_, to)) = renames.iter().find(|(from, _)| *from == field)
    {
        shown["field"] = json!(to);
    }
    Some(shown)
}

/// Refuses with `workspace: write` unless the caller manages `app`: `workspace: write` on
/// the account, or the Administrator or Manager type in the app. Checked before the input
/// is read, so a caller without the right learns nothing from their input.
async fn require_manager(signed: &Signed, state: &AppState, app: Uuid) -> Result<(), ApiError> {
    if signed.level(WORKSPACE).allows(Level::Write) {
        return Ok(());
    }
    let caller = signed.caller.clone();
    let users = state.run(move |t| t.app_users(&caller, app)).await?;
    manager_or_forbidden(signed, &users)
}

fn manages(signed: &Signed, users: &[AppUser]) -> bool {
    signed.level(WORKSPACE).allows(Level::Write)
        || users
            .iter()
            .any(|u| u.user == signed.caller.user && u.user_type.manages())
}

fn manager_or_forbidden(signed: &Signed, users: &[AppUser]) -> Result<(), ApiError> {
    if manages(signed, users) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden {
            feature: WORKSPACE.to_owned(),
            level: Level::Write,
        }
        .into())
    }
}

// ---------------------------------------------------------------------------------------
// The list of apps.

async fn list_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    let sees_seats = signed.level(SETTINGS).allows(Level::Read);
    let caller = signed.caller.clone();
    let (apps, seats) = state
        .run(move |t| {
            let apps = t.apps(&caller)?;
            let seats = if sees_seats {
                Some(t.seats(&caller)?)
            } else {
                None
            };
            Ok((apps, seats))
        })
        .await?;
    let billable: HashMap<Uuid, u32> = seats
        .as_ref()
        .map(|s| s.apps.iter().map(|a| (a.app, a.billable)).collect())
        .unwrap_or_default();
    let rows: Vec<_> = apps
        .iter()
        .map(|app| {
            json!({
                "id": app.id.to_string(),
                "name": app.name,
                "created": date(app.created_at),
                "billable": billable.get(&app.id),
            })
        })
        .collect();
    let mut data = json!({
        "title": "Apps",
        "apps": rows,
        "count": rows.len(),
        "seats": seats.map(|s| json!({ "used": s.used, "limit": s.limit, "has_limit": s.limit.is_some() })),
        "may_create": signed.level(WORKSPACE).allows(Level::Write),
        "notice": null,
        "error": null,
        "typed": { "name": "" },
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "apps", "apps", data)
}

/// `GET /console/apps`: the apps the caller sees (the service decides which).
pub(super) async fn list(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        list_page(signed, request, state, StatusCode::OK, json!({})).await
    })
    .await
}

/// `POST /console/apps`: creates an app with its first case (`workspace: write`); the
/// caller becomes its Administrator.
pub(super) async fn create(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(WORKSPACE, Level::Write)?;
        let name = form.get("name").to_owned();
        let typed = json!({ "name": name });
        let caller = signed.caller.clone();
        match state.run(move |t| t.create_app(&caller, &name)).await {
            Ok(created) => Ok(redirect(
                &request,
                &format!("/apps/{}?notice=created", created.app.id),
            )),
            Err(error) => match refusal(&error, &[("user_type", None)]) {
                Some(shown) => {
                    let extra = json!({ "error": shown, "typed": typed });
                    list_page(signed, request, state, error_status(&error), extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------
// One app.

/// The effective level a case role gives `feature`: its setting there, else the one on
/// `case`, else none.
fn role_level(role: &Role, feature: CaseFeature) -> Level {
    role.setting(feature.path())
        .level()
        .or_else(|| role.setting("case").level())
        .unwrap_or(Level::None)
}

fn role_data(role: &Role) -> Value {
    let levels: Vec<_> = FEATURES
        .iter()
        .map(|(feature, _, _)| role_level(role, *feature).as_str())
        .collect();
    json!({
        "id": role.id.to_string(),
        "name": role.name,
        "predefined": role.predefined,
        "levels": levels,
    })
}

fn type_options(current: &str) -> Vec<Value> {
    USER_TYPES
        .iter()
        .map(|(user_type, text)| {
            json!({
                "value": user_type.as_str(),
                "text": text,
                "selected": current == user_type.as_str(),
            })
        })
        .collect()
}

/// What the import report shows.
fn report_data(report: &ImportReport) -> Value {
    let rows: Vec<_> = report
        .rows
        .iter()
        .map(|row| {
            let (reason, detail) = match &row.status {
                RowStatus::Skipped(reason) => (Some(reason.code()), Some(reason.to_string())),
                _ => (None, None),
            };
            json!({
                "line": row.line,
                "email": row.email,
                "status": row.status.as_str(),
                "reason": reason,
                "detail": detail,
            })
        })
        .collect();
    json!({
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "invited": report.invited,
        "seats_used": report.seats_used,
        "seat_limit": report.seat_limit,
        "has_seat_limit": report.seat_limit.is_some(),
        "rows": rows,
    })
}

/// Everything the app page reads, in one trip.
struct AppView {
    app: App,
    users: Vec<AppUser>,
    cases: Vec<Case>,
    roles: Vec<Role>,
    /// The account's users not in the app (`None`: the caller may not list them).
    candidates: Option<Vec<(UserId, String)>>,
}

/// The values the app page's forms start with (a refused form keeps what was typed).
fn default_typed() -> Value {
    json!({
        "user": "",
        "type": "staff",
        "csv": "",
        "account_role": "",
        "title": "",
        "kind": "project",
        "role_name": "",
        "feed": "read",
        "convo": "read",
        "events": "read",
        "notes": "none",
    })
}

async fn app_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: Uuid,
    status: StatusCode,
    mut extra: Value,
) -> Result<HttpResponse, ApiError> {
    let lists_users = signed.level(USER_MANAGEMENT).allows(Level::Read);
    let caller = signed.caller.clone();
    let view = state
        .run(move |t| {
            let app = t.app(&caller, id)?;
            let users = t.app_users(&caller, id)?;
            let cases = t.cases(&caller, id)?;
            let roles = t.case_roles(&caller, id)?;
            let candidates = if lists_users {
                let present: HashSet<UserId> = users.iter().map(|u| u.user).collect();
                Some(
                    t.users(&caller)?
                        .into_iter()
                        .filter(|u| !present.contains(&u.id))
                        .map(|u| (u.id, u.email))
                        .collect(),
                )
            } else {
                None
            };
            Ok(AppView {
                app,
                users,
                cases,
                roles,
                candidates,
            })
        })
        .await?;
    let mut typed = default_typed();
    if let Some(Value::Object(given)) = extra.as_object_mut().and_then(|e| e.remove("typed")) {
        merge(&mut typed, Value::Object(given));
    }
    let typed_of = |field: &str| typed[field].as_str().unwrap_or_default().to_owned();
    let may_manage = manages(&signed, &view.users);
    let users: Vec<_> = view
        .users
        .iter()
        .map(|u| {
            let user_type = u.user_type.as_str();
            json!({
                "id": u.user.to_string(),
                "email": u.email,
                "name": u.display_name,
                "type": user_type,
                "billable": u.user_type.billable(),
                "is_admin": u.user_type == AppUserType::Administrator,
                "options": type_options(user_type),
            })
        })
        .collect();
    let cases: Vec<_> = view
        .cases
        .iter()
        .map(|case| {
            json!({
                "id": case.id.to_string(),
                "title": case.title,
                "kind": case.kind.as_str(),
                "created": date(case.created_at),
            })
        })
        .collect();
    let roles: Vec<_> = view.roles.iter().map(role_data).collect();
    let chosen_user = typed_of("user");
    let candidates = view.candidates.map(|list| {
        list.into_iter()
            .map(|(id, email)| {
                let id = id.to_string();
                json!({ "selected": id == chosen_user, "id": id, "email": email })
            })
            .collect::<Vec<_>>()
    });
    let chosen_role = typed_of("account_role");
    let account_roles: Vec<_> = if signed.level(USER_MANAGEMENT).allows(Level::Write) {
        signed
            .policy
            .roles()
            .map(|role| {
                let id = role.id.to_string();
                json!({ "selected": id == chosen_role, "id": id, "name": role.name })
            })
            .collect()
    } else {
        Vec::new()
    };
    let features: Vec<_> = FEATURES
        .iter()
        .map(|(_, field, label)| {
            let chosen = typed_of(field);
            let options: Vec<_> = Level::ALL
                .iter()
                .map(|level| json!({ "value": level.as_str(), "selected": level.as_str() == chosen }))
                .collect();
            json!({ "field": field, "label": label, "options": options })
        })
        .collect();
    let chosen_kind = typed_of("kind");
    let kinds: Vec<_> = [CaseKind::Project, CaseKind::Incident]
        .iter()
        .map(|kind| json!({ "value": kind.as_str(), "selected": kind.as_str() == chosen_kind }))
        .collect();
    let mut data = json!({
        "title": format!("App {}", view.app.name),
        "app": {
            "id": view.app.id.to_string(),
            "name": view.app.name,
            "created": date(view.app.created_at),
        },
        "may_manage": may_manage,
        "users": users,
        "user_count": users.len(),
        "candidates": candidates,
        "type_options": type_options(&typed_of("type")),
        "cases": cases,
        "case_count": cases.len(),
        "kinds": kinds,
        "roles": roles,
        "features": features,
        "account_roles": account_roles,
        "report": null,
        "notice": null,
        "errors": { "users": null, "import": null, "cases": null, "roles": null },
        "typed": typed,
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "app", "apps", data)
}

/// What the app page adds for a refused form of section `section` (`users`, `import`,
/// `cases`, `roles`): its message, and what was typed.
fn refused_in(section: &str, shown: Value, typed: Value) -> Value {
    let mut errors = json!({ "users": null, "import": null, "cases": null, "roles": null });
    errors[section] = shown;
    json!({ "errors": errors, "typed": typed })
}

/// `GET /console/apps/{app}`.
pub(super) async fn detail(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let app: Uuid = parse_id(&id, "app")?;
        let notice = match request.query_string() {
            "notice=created" => Some(format!(
                "The app was created with its first case, “{FIRST_CASE}”; you are its Administrator."
            )),
            "notice=user-saved" => Some("The user's type in the app was saved.".to_owned()),
            "notice=user-removed" => Some(
                "The user was taken out of the app; their assignments in its cases ended."
                    .to_owned(),
            ),
            "notice=role-created" => Some("The case role was created.".to_owned()),
            "notice=role-deleted" => Some("The case role was deleted.".to_owned()),
            "notice=case-deleted" => {
                Some("The case was deleted with its assignments.".to_owned())
            }
            _ => None,
        };
        let extra = json!({ "notice": notice });
        app_page(signed, request, state, app, StatusCode::OK, extra).await
    })
    .await
}

/// `POST /console/apps/{app}/users`: adds a user of the account with a type, or changes
/// their type (`user`, `type`).
pub(super) async fn set_user(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let app: Uuid = parse_id(&id, "app")?;
        require_manager(&signed, &state, app).await?;
        let typed = json!({ "user": form.get("user"), "type": form.get("type") });
        let user = match form.get("user") {
            "" => Err(ApiError::invalid("user", "choose a user of the account")),
            text => text
                .parse::<UserId>()
                .map_err(|_| ApiError::invalid("user", "no such user in the account")),
        };
        let user_type = match AppUserType::parse(form.get("type")) {
            Some(user_type) => Ok(user_type),
            None => Err(ApiError::invalid(
                "type",
                "manager, staff, user or bot (administrator is the app's creator alone)",
            )),
        };
        let outcome = match (user, user_type) {
            (Ok(user), Ok(user_type)) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.set_app_user(&caller, app, user, user_type))
                    .await
                    .map_err(|error| match error {
                        ApiError::Service(ServiceError::NotFound { what: "user" }) => {
                            ApiError::invalid("user", "no such user in the account")
                        }
                        other => other,
                    })
            }
            (Err(error), _) | (_, Err(error)) => Err(error),
        };
        match outcome {
            Ok(_) => Ok(redirect(
                &request,
                &format!("/apps/{app}?notice=user-saved"),
            )),
            Err(error) => match refusal(&error, &[("user_type", Some("type"))]) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = refused_in("users", shown, typed);
                    app_page(signed, request, state, app, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `POST /console/apps/{app}/users/{user}/remove`: takes a user out of the app.
pub(super) async fn remove_user(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, _form, request, state| async move {
        let app: Uuid = parse_id(&path.0, "app")?;
        let user: UserId = parse_id(&path.1, "app user")?;
        require_manager(&signed, &state, app).await?;
        let caller = signed.caller.clone();
        match state
            .run(move |t| t.remove_app_user(&caller, app, user))
            .await
        {
            Ok(()) => Ok(redirect(
                &request,
                &format!("/apps/{app}?notice=user-removed"),
            )),
            Err(error) => match refusal(&error, &[("user_type", Some("user"))]) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = refused_in("users", shown, json!({}));
                    app_page(signed, request, state, app, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `POST /console/apps/{app}/import`: imports users from the CSV text (`csv`); with
/// `account_role`, people new to the account join it with that role and are invited.
/// Answers the app page with a report of every row.
pub(super) async fn import(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let app: Uuid = parse_id(&id, "app")?;
        require_manager(&signed, &state, app).await?;
        // Browsers send a textarea's lines ending in CRLF, and the CSV reader counts a
        // CRLF file's lines one short: the report's line numbers would not match the text.
        let csv = form.get("csv").replace("\r\n", "\n");
        let account_role = Some(form.get("account_role").to_owned()).filter(|r| !r.is_empty());
        let typed = json!({ "csv": csv, "account_role": account_role.clone().unwrap_or_default() });
        let outcome = if csv.trim().is_empty() {
            Err(ApiError::invalid(
                "csv",
                "paste the CSV text, starting with its header line (email,name,user_type)",
            ))
        } else {
            let caller = signed.caller.clone();
            state
                .run(move |t| {
                    t.import_app_users(
                        Importer::Caller(&caller),
                        app,
                        csv.as_bytes(),
                        account_role.as_deref(),
                        &mut |_, _| {},
                    )
                })
                .await
        };
        match outcome {
            Ok(report) => {
                let extra = json!({ "report": report_data(&report) });
                app_page(signed, request, state, app, StatusCode::OK, extra).await
            }
            Err(error) => match refusal(&error, &[]) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = refused_in("import", shown, typed);
                    app_page(signed, request, state, app, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `POST /console/apps/{app}/cases`: adds a case (`title`, `kind`).
pub(super) async fn create_case(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let app: Uuid = parse_id(&id, "app")?;
        require_manager(&signed, &state, app).await?;
        let typed = json!({ "title": form.get("title"), "kind": form.get("kind") });
        let outcome = match CaseKind::parse(form.get("kind")) {
            Some(kind) => {
                let title = form.get("title").to_owned();
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.create_case(&caller, app, &title, kind))
                    .await
            }
            None => Err(ApiError::invalid("kind", "an incident or a project")),
        };
        match outcome {
            Ok(case) => Ok(redirect(
                &request,
                &format!("/cases/{}?notice=created", case.id),
            )),
            Err(error) => match refusal(&error, &[]) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = refused_in("cases", shown, typed);
                    app_page(signed, request, state, app, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `POST /console/apps/{app}/case-roles`: creates a custom case role (`name`, and a level
/// for each of `feed`, `convo`, `events`, `notes`).
pub(super) async fn create_case_role(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let app: Uuid = parse_id(&id, "app")?;
        require_manager(&signed, &state, app).await?;
        let mut typed = json!({ "role_name": form.get("name") });
        let settings = || -> Result<BTreeMap<FeaturePath, Setting>, ApiError> {
            let mut settings = BTreeMap::new();
            settings.insert(
                FeaturePath::parse("case").map_err(ServiceError::from)?,
                Setting::None,
            );
            for (feature, field, _) in FEATURES {
                let level = form
                    .get(field)
                    .parse::<Level>()
                    .map_err(|_| ApiError::invalid(field, "choose none, read, modify or write"))?;
                let path = FeaturePath::parse(feature.path()).map_err(ServiceError::from)?;
                settings.insert(path, Setting::from(level));
            }
            Ok(settings)
        };
        for (_, field, _) in FEATURES {
            typed[field] = json!(form.get(field));
        }
        let outcome = match settings() {
            Ok(settings) => {
                let name = form.get("name").to_owned();
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.create_case_role(&caller, app, &name, settings))
                    .await
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(_) => Ok(redirect(
                &request,
                &format!("/apps/{app}?notice=role-created"),
            )),
            Err(error) => match refusal(&error, &[]) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = refused_in("roles", shown, typed);
                    app_page(signed, request, state, app, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `POST /console/apps/{app}/case-roles/{id}/delete`: deletes a custom case role (refused
/// while assigned, saying how many assignments hold it).
pub(super) async fn delete_case_role(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, _form, request, state| async move {
        let app: Uuid = parse_id(&path.0, "app")?;
        let role: RoleId = parse_id(&path.1, "case role")?;
        require_manager(&signed, &state, app).await?;
        let caller = signed.caller.clone();
        match state
            .run(move |t| t.delete_case_role(&caller, app, role))
            .await
        {
            Ok(()) => Ok(redirect(
                &request,
                &format!("/apps/{app}?notice=role-deleted"),
            )),
            Err(error) => match refusal(&error, &[]) {
                Some(mut shown) => {
                    // "Still assigned" names no field: it is about the role itself.
                    if shown["field"].is_null() {
                        shown["field"] = json!("role");
                    }
                    let status = error_status(&error);
                    let extra = refused_in("roles", shown, json!({}));
                    app_page(signed, request, state, app, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------
// One case.

async fn case_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: Uuid,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    let caller = signed.caller.clone();
    let (case, assignments, app, users, roles) = state
        .run(move |t| {
            let (case, assignments) = t.case(&caller, id)?;
            let app = t.app(&caller, case.app)?;
            let users = t.app_users(&caller, case.app)?;
            let roles = t.case_roles(&caller, case.app)?;
            Ok((case, assignments, app, users, roles))
        })
        .await?;
    let emails: HashMap<UserId, &str> = users.iter().map(|u| (u.user, u.email.as_str())).collect();
    let role_names: HashMap<RoleId, &str> = roles.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut rows: Vec<_> = assignments
        .iter()
        .map(|a| {
            json!({
                "user": a.user.to_string(),
                "email": emails.get(&a.user).copied().unwrap_or("—"),
                "role": role_names.get(&a.role).copied().unwrap_or("—"),
            })
        })
        .collect();
    rows.sort_by(|a, b| a["email"].as_str().cmp(&b["email"].as_str()));
    let user_options: Vec<_> = users
        .iter()
        .map(
            |u| json!({ "id": u.user.to_string(), "email": u.email, "type": u.user_type.as_str() }),
        )
        .collect();
    let role_options: Vec<_> = roles
        .iter()
        .map(|r| json!({ "id": r.id.to_string(), "name": r.name }))
        .collect();
    let mut data = json!({
        "title": format!("Case {}", case.title),
        "case": {
            "id": case.id.to_string(),
            "title": case.title,
            "kind": case.kind.as_str(),
            "created": date(case.created_at),
        },
        "app": { "id": app.id.to_string(), "name": app.name },
        "may_manage": manages(&signed, &users),
        "assignments": rows,
        "count": rows.len(),
        "users": user_options,
        "roles": role_options,
        "notice": null,
        "error": null,
        "typed": { "user": "", "role": "" },
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "case", "apps", data)
}

/// The case's app, after checking the caller manages it.
async fn managed_case(signed: &Signed, state: &AppState, case: Uuid) -> Result<Uuid, ApiError> {
    let caller = signed.caller.clone();
    let (app, users) = state
        .run(move |t| {
            let (found, _) = t.case(&caller, case)?;
            let users = t.app_users(&caller, found.app)?;
            Ok((found.app, users))
        })
        .await?;
    manager_or_forbidden(signed, &users)?;
    Ok(app)
}

/// A refused case form: the case page with the error, or the error page.
async fn case_refused(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    case: Uuid,
    error: ApiError,
    typed: Value,
) -> Result<HttpResponse, ApiError> {
    match refusal(&error, &[]) {
        Some(shown) => {
            let extra = json!({ "error": shown, "typed": typed });
            case_page(signed, request, state, case, error_status(&error), extra).await
        }
        None => Err(error),
    }
}

/// `GET /console/cases/{case}`.
pub(super) async fn case(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let case: Uuid = parse_id(&id, "case")?;
        let notice = match request.query_string() {
            "notice=created" => Some("The case was created."),
            "notice=assigned" => Some("The assignment was saved."),
            "notice=unassigned" => Some("The assignment ended."),
            _ => None,
        };
        let extra = json!({ "notice": notice });
        case_page(signed, request, state, case, StatusCode::OK, extra).await
    })
    .await
}

/// `POST /console/cases/{case}/assignments`: gives a user of the app a case role in the
/// case (`user`, `role`; both required), replacing the one they had.
pub(super) async fn assign(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let case: Uuid = parse_id(&id, "case")?;
        managed_case(&signed, &state, case).await?;
        let typed = json!({ "user": form.get("user"), "role": form.get("role") });
        let user = match form.get("user") {
            "" => Err(ApiError::invalid("user", "choose a user of the app")),
            text => text
                .parse::<UserId>()
                .map_err(|_| ApiError::invalid("user", "the user is not in the case's app")),
        };
        let role = match form.get("role") {
            "" => Err(ApiError::invalid(
                "role",
                "choose a case role: assigning needs one",
            )),
            text => text
                .parse::<RoleId>()
                .map_err(|_| ApiError::invalid("role", "no such case role in this app")),
        };
        let outcome = match (user, role) {
            (Ok(user), Ok(role)) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.assign_to_case(&caller, case, user, role))
                    .await
                    .map_err(|error| match error {
                        ApiError::Service(ServiceError::NotFound { what: "user" }) => {
                            ApiError::invalid("user", "the user is not in the case's app")
                        }
                        other => other,
                    })
            }
            (Err(error), _) | (_, Err(error)) => Err(error),
        };
        match outcome {
            Ok(_) => Ok(redirect(
                &request,
                &format!("/cases/{case}?notice=assigned"),
            )),
            Err(error) => case_refused(signed, request, state, case, error, typed).await,
        }
    })
    .await
}

/// `POST /console/cases/{case}/assignments/{user}/remove`: ends a user's assignment.
pub(super) async fn unassign(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, _form, request, state| async move {
        let case: Uuid = parse_id(&path.0, "case")?;
        let user: UserId = parse_id(&path.1, "case assignment")?;
        managed_case(&signed, &state, case).await?;
        let caller = signed.caller.clone();
        match state
            .run(move |t| t.unassign_from_case(&caller, case, user))
            .await
        {
            Ok(()) => Ok(redirect(
                &request,
                &format!("/cases/{case}?notice=unassigned"),
            )),
            Err(error) => {
                let typed = json!({ "user": "", "role": "" });
                case_refused(signed, request, state, case, error, typed).await
            }
        }
    })
    .await
}

/// `POST /console/cases/{case}/delete`: deletes the case with its assignments, once the
/// box is ticked.
pub(super) async fn delete_case(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let case: Uuid = parse_id(&id, "case")?;
        let app = managed_case(&signed, &state, case).await?;
        if form.get("confirm") != "yes" {
            let error =
                json!({ "field": "confirm", "detail": "tick the box to confirm the deletion" });
            let extra = json!({ "error": error });
            return case_page(signed, request, state, case, StatusCode::BAD_REQUEST, extra).await;
        }
        let caller = signed.caller.clone();
        match state.run(move |t| t.delete_case(&caller, case)).await {
            Ok(()) => Ok(redirect(
                &request,
                &format!("/apps/{app}?notice=case-deleted"),
            )),
            Err(error) => {
                let typed = json!({ "user": "", "role": "" });
                case_refused(signed, request, state, case, error, typed).await
            }
        }
    })
    .await
}
