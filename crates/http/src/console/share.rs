//! Sharing from the console: the Share dialog (recipients and groups, a personal message,
//! workflows grouped by business domain, wish lists that add their workflows and say which
//! tasks they leave out), and the invitations with their states, resend and revoke.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tessera_access::{Level, WORKSPACE, app_feature};
use tessera_core::Uuid;
use tessera_invitations::ItemKind;
use tessera_service::sharing::{InvitationAction, InvitationQuery, ShareRequest};

use super::pages::{Form, Signed, form_error, redirect, signed_form, signed_page};
use super::users::{error_status, parse_id};
use crate::{ApiError, AppState};

/// The languages an invitation e-mail can be written in, with their names.
const LANGUAGES: [(&str, &str); 4] = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("ro", "Română"),
];

/// Invitations per page of the invitations list, newest first.
const INVITATIONS_PER_PAGE: usize = 100;

/// What the dialog keeps of a refused submission, to show it again.
#[derive(Default)]
struct Typed {
    items: Vec<String>,
    groups: Vec<String>,
    recipients: String,
    message: String,
    locale: String,
}

/// Whether the caller may read the app an item belongs to (the item's feature).
fn readable(signed: &Signed, app: &str) -> bool {
    let feature = if app.is_empty() {
        WORKSPACE.to_owned()
    } else {
        app_feature(app)
    };
    signed
        .policy
        .feature(&feature)
        .ok()
        .and_then(|id| signed.policy.level(signed.caller.user, id).ok())
        .is_some_and(|level| level.allows(Level::Read))
}

async fn dialog_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    status: StatusCode,
    typed: Typed,
    error: Option<Value>,
) -> Result<HttpResponse, ApiError> {
    signed.require(WORKSPACE, Level::Read)?;
    let caller = signed.caller.clone();
    let (items, groups) = state
        .run(move |t| Ok((t.items(&caller)?, t.groups(&caller)?)))
        .await?;
    let titles: HashMap<Uuid, (&str, ItemKind)> = items
        .iter()
        .map(|i| (i.item.id, (i.item.title.as_str(), i.item.kind)))
        .collect();
    let ticked: HashSet<&str> = typed.items.iter().map(String::as_str).collect();
    let mut domains: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for item in items.iter().filter(|i| readable(&signed, &i.app)) {
        let id = item.item.id.to_string();
        let (kind, adds, leaves_out) = match item.item.kind {
            ItemKind::Workflow => ("workflow", Vec::new(), Vec::new()),
            ItemKind::Task => ("task", Vec::new(), Vec::new()),
            ItemKind::WishList => {
                let mut adds = Vec::new();
                let mut leaves_out = Vec::new();
                for entry in &item.item.entries {
                    match titles.get(entry) {
                        Some((title, ItemKind::Task)) => leaves_out.push(*title),
                        Some((title, _)) => adds.push(*title),
                        None => {}
                    }
                }
                ("wish list", adds, leaves_out)
            }
        };
        let domain = if item.business_domain.is_empty() {
            "Other"
        } else {
            item.business_domain.as_str()
        };
        domains.entry(domain).or_default().push(json!({
            "id": id,
            "title": item.item.title,
            "kind": kind,
            "slug": kind.replace(' ', "-"),
            "adds": adds,
            "leaves_out": leaves_out,
            "checked": ticked.contains(id.as_str()),
        }));
    }
    let domains: Vec<_> = domains
        .into_iter()
        .map(|(name, items)| json!({ "name": name, "items": items }))
        .collect();
    let groups: Vec<_> = groups
        .iter()
        .map(|g| {
            let id = g.id.to_string();
            json!({
                "id": id,
                "name": g.name,
                "size": g.emails.len(),
                "checked": typed.groups.contains(&id),
            })
        })
        .collect();
    let locale = if typed.locale.is_empty() {
        "en"
    } else {
        typed.locale.as_str()
    };
    let languages: Vec<_> = LANGUAGES
        .iter()
        .map(|(code, name)| json!({ "code": code, "name": name, "selected": *code == locale }))
        .collect();
    let data = json!({
        "title": "Share",
        "domains": domains,
        "groups": groups,
        "languages": languages,
        "recipients": typed.recipients,
        "message": typed.message,
        "error": error,
    });
    signed.render(&request, &state, status, "share", "share", data)
}

/// `GET /console/share`: the Share dialog.
pub(super) async fn dialog(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        dialog_page(
            signed,
            request,
            state,
            StatusCode::OK,
            Typed::default(),
            None,
        )
        .await
    })
    .await
}

/// The addresses typed in the recipients box: separated by commas, semicolons, spaces or
/// new lines.
fn addresses(text: &str) -> Vec<String> {
    text.split([',', ';', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses each value as a UUID, naming `field` when one is not.
fn ids(values: &[&str], field: &str) -> Result<Vec<Uuid>, ApiError> {
    values
        .iter()
        .map(|v| {
            Uuid::parse_str(v).map_err(|_| ApiError::invalid(field, format!("`{v}` is not an id")))
        })
        .collect()
}

/// `POST /console/share`: shares; the answer lists what was shared, what was left out, and
/// the invitations.
pub(super) async fn share(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(WORKSPACE, Level::Read)?;
        let typed = Typed {
            items: form.all("item").into_iter().map(str::to_owned).collect(),
            groups: form.all("group").into_iter().map(str::to_owned).collect(),
            recipients: form.get("recipients").to_owned(),
            message: form.get("message").to_owned(),
            locale: form.get("locale").to_owned(),
        };
        let request_of = || -> Result<ShareRequest, ApiError> {
            let message = form.get("message").trim();
            Ok(ShareRequest {
                items: ids(&form.all("item"), "items")?,
                recipients: addresses(form.get("recipients")),
                groups: ids(&form.all("group"), "groups")?,
                message: (!message.is_empty()).then(|| message.to_owned()),
                locale: Some(form.get("locale").to_owned()).filter(|l| !l.is_empty()),
            })
        };
        let outcome = match request_of() {
            Ok(share) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| Ok((t.share(&caller, share)?, t.items(&caller)?)))
                    .await
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok((created, items)) => {
                let titles: HashMap<Uuid, &str> = items
                    .iter()
                    .map(|i| (i.item.id, i.item.title.as_str()))
                    .collect();
                let title = |id: &Uuid| titles.get(id).copied().unwrap_or("(removed item)");
                let invitations: Vec<_> = created
                    .invitations
                    .iter()
                    .map(|i| json!({ "recipient": i.recipient, "state": i.state.as_str() }))
                    .collect();
                let data = json!({
                    "title": "Shared",
                    "workflows": created.workflows.iter().map(title).collect::<Vec<_>>(),
                    "left_out": created.left_out_tasks.iter().map(title).collect::<Vec<_>>(),
                    "invitations": invitations,
                });
                signed.render(&request, &state, StatusCode::OK, "shared", "share", data)
            }
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let status = error_status(&error);
                    dialog_page(signed, request, state, status, typed, Some(shown)).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `GET /console/invitations`: the caller's invitations (every one of the account for
/// admins), newest first, with their states.
pub(super) async fn invitations(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let caller = signed.caller.clone();
        let mut found = state
            .run(move |t| t.invitations(&caller, InvitationQuery::default()))
            .await?;
        found.sort_by_key(|i| std::cmp::Reverse(i.issued_at));
        let query = Form::parse(request.query_string().as_bytes());
        let pages = found.len().div_ceil(INVITATIONS_PER_PAGE).max(1);
        let page = query
            .get("page")
            .parse::<usize>()
            .unwrap_or(1)
            .clamp(1, pages);
        let rows: Vec<_> = found
            .iter()
            .skip((page - 1) * INVITATIONS_PER_PAGE)
            .take(INVITATIONS_PER_PAGE)
            .map(|i| {
                let state = i.state.as_str();
                let ended = matches!(state, "revoked");
                json!({
                    "id": i.id.to_string(),
                    "recipient": i.recipient,
                    "state": state,
                    "issued": i.issued_at.format("%Y-%m-%d %H:%M").to_string(),
                    "expires": i.expires_at.format("%Y-%m-%d %H:%M").to_string(),
                    "may_resend": !ended,
                    "may_revoke": !ended && state != "expired",
                })
            })
            .collect();
        let notice = match query.get("notice") {
            "resend" => Some("A new link and code were sent; the old ones no longer work."),
            "revoke" => {
                Some("The invitation was revoked: its link, code and sessions no longer work.")
            }
            _ => None,
        };
        let data = json!({
            "title": "Invitations",
            "invitations": rows,
            "count": found.len(),
            "page": page,
            "pages": pages,
            "newer": (page > 1).then(|| page - 1),
            "older": (page < pages).then(|| page + 1),
            "notice": notice,
        });
        signed.render(
            &request,
            &state,
            StatusCode::OK,
            "invitations",
            "invitations",
            data,
        )
    })
    .await
}

/// `POST /console/invitations/{id}/{action}`: `resend` or `revoke`.
pub(super) async fn act(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, _form, request, state| async move {
        let (id, action) = path.into_inner();
        let id: Uuid = parse_id(&id, "invitation")?;
        let (action, notice) = match action.as_str() {
            "resend" => (InvitationAction::Resend, "resend"),
            "revoke" => (InvitationAction::Revoke, "revoke"),
            _ => {
                return Err(tessera_service::ServiceError::NotFound { what: "action" }.into());
            }
        };
        let caller = signed.caller.clone();
        state
            .run(move |t| t.act_on_invitation(&caller, id, action))
            .await?;
        Ok(redirect(&request, &format!("/invitations?notice={notice}")))
    })
    .await
}
