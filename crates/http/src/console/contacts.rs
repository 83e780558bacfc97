//! Contacts in the console: the companies and people outside the account (`workspace:
//! read`), added and removed with `workspace: modify`; their access — none (e-mail only),
//! basic (a limited portal) or advanced — granted and changed only by admins and by
//! employees whose card carries "may grant client access". Granting access sends the
//! activation e-mail; it can be sent again.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tessera_access::{Level, WORKSPACE};
use tessera_contacts::{Access, ContactKind};
use tessera_core::Uuid;
use tessera_service::contacts::{ContactSummary, NewContact};

use super::pages::{Signed, form_error, merge, redirect, signed_form, signed_page};
use super::users::{error_status, parse_id};
use crate::{ApiError, AppState};

/// The three access types, with what each gives.
const ACCESS: [(&str, &str); 3] = [
    (
        "none",
        "None — e-mail only: notifications about their tasks; replies become comments",
    ),
    (
        "basic",
        "Basic — a limited client portal: their projects and tasks",
    ),
    (
        "advanced",
        "Advanced — near-employee access with fixed limits",
    ),
];

/// What the list and the detail page show of a contact.
fn contact_data(contact: &ContactSummary, companies: &HashMap<Uuid, String>) -> Value {
    let activation = if contact.access == Access::None {
        "—".to_owned()
    } else if contact.activated {
        "signed up".to_owned()
    } else {
        contact.activation_expires_at.map_or_else(
            || "no activation pending".to_owned(),
            |at| {
                format!(
                    "activation e-mail sent, valid until {}",
                    at.format("%Y-%m-%d")
                )
            },
        )
    };
    json!({
        "id": contact.id.to_string(),
        "name": contact.name,
        "kind": contact.kind.as_str(),
        "is_company": contact.kind == ContactKind::Company,
        "company": contact.company.and_then(|c| companies.get(&c).cloned()),
        "email": contact.email,
        "access": contact.access.as_str(),
        "activation": activation,
        "awaiting": contact.access != Access::None && !contact.activated,
        "locale": contact.locale,
    })
}

async fn all_contacts(
    signed: &Signed,
    state: &AppState,
) -> Result<(Vec<ContactSummary>, HashMap<Uuid, String>), ApiError> {
    let caller = signed.caller.clone();
    let contacts = state.run(move |t| t.contacts(&caller)).await?;
    let companies = contacts
        .iter()
        .filter(|c| c.kind == ContactKind::Company)
        .map(|c| (c.id, c.name.clone()))
        .collect();
    Ok((contacts, companies))
}

async fn list_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    signed.require(WORKSPACE, Level::Read)?;
    let (contacts, companies) = all_contacts(&signed, &state).await?;
    let rows: Vec<_> = contacts
        .iter()
        .map(|c| contact_data(c, &companies))
        .collect();
    let mut company_options: Vec<_> = companies
        .iter()
        .map(|(id, name)| json!({ "id": id.to_string(), "name": name }))
        .collect();
    company_options.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut data = json!({
        "title": "Contacts",
        "contacts": rows,
        "count": rows.len(),
        "companies": company_options,
        "may_add": signed.level(WORKSPACE).allows(Level::Modify),
        "notice": null,
        "error": null,
        "typed": { "kind": "person", "name": "", "email": "", "company": "" },
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "contacts", "contacts", data)
}

/// `GET /console/contacts`.
pub(super) async fn list(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let notice = match request.query_string() {
            "notice=deleted" => Some("The contact was deleted."),
            _ => None,
        };
        list_page(
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

/// `POST /console/contacts`: adds a company or a person (`workspace: modify`).
pub(super) async fn create(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(WORKSPACE, Level::Modify)?;
        let typed = json!({
            "kind": form.get("kind"),
            "name": form.get("name"),
            "email": form.get("email"),
            "company": form.get("company"),
        });
        let new = || -> Result<NewContact, ApiError> {
            let kind = match form.get("kind") {
                "company" => ContactKind::Company,
                "person" => ContactKind::Person,
                _ => return Err(ApiError::invalid("kind", "a company or a person")),
            };
            let company = match form.get("company") {
                "" => None,
                id => Some(
                    Uuid::parse_str(id)
                        .map_err(|_| ApiError::invalid("company", "no such company"))?,
                ),
            };
            let email = form.get("email").trim();
            Ok(NewContact {
                kind,
                company,
                name: form.get("name").trim().to_owned(),
                email: (!email.is_empty()).then(|| email.to_owned()),
                locale: None,
            })
        };
        let outcome = match new() {
            Ok(new) => {
                let caller = signed.caller.clone();
                state.run(move |t| t.create_contact(&caller, new)).await
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(created) => Ok(redirect(
                &request,
                &format!("/contacts/{}?notice=created", created.id),
            )),
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = json!({ "error": shown, "typed": typed });
                    list_page(signed, request, state, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

async fn detail_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    signed.require(WORKSPACE, Level::Read)?;
    let id: Uuid = parse_id(id, "contact")?;
    let caller = signed.caller.clone();
    let contact = state.run(move |t| t.contact(&caller, id)).await?;
    let (_, companies) = all_contacts(&signed, &state).await?;
    let options: Vec<_> = ACCESS
        .iter()
        .map(|(value, text)| json!({ "value": value, "text": text, "checked": *value == contact.access.as_str() }))
        .collect();
    let mut data = json!({
        "title": format!("Contact {}", contact.name),
        "contact": contact_data(&contact, &companies),
        "access_options": options,
        "may_grant": signed.may_grant_client_access(),
        "may_delete": signed.level(WORKSPACE).allows(Level::Modify),
        "notice": null,
        "warnings": [],
        "error": null,
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "contact", "contacts", data)
}

/// `GET /console/contacts/{id}`.
pub(super) async fn detail(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let notice = match request.query_string() {
            "notice=created" => Some("The contact was added."),
            "notice=resent" => {
                Some("A new activation e-mail was sent; the previous link no longer works.")
            }
            _ => None,
        };
        detail_page(
            signed,
            request,
            state,
            &id,
            StatusCode::OK,
            json!({ "notice": notice }),
        )
        .await
    })
    .await
}

/// A refused contact form: the detail page with the error, or the error page.
async fn refused(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: &str,
    error: ApiError,
) -> Result<HttpResponse, ApiError> {
    let shown = match &error {
        ApiError::Service(tessera_service::ServiceError::Contact(_)) => {
            Some(json!({ "field": null, "detail": error.to_string() }))
        }
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

/// `POST /console/contacts/{id}/access`: sets the access type (who may grant it only).
pub(super) async fn set_access(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        let contact: Uuid = parse_id(&id, "contact")?;
        let outcome = match Access::parse(form.get("access")) {
            Some(access) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.set_contact_access(&caller, contact, access))
                    .await
            }
            None => Err(ApiError::invalid("access", "none, basic or advanced")),
        };
        match outcome {
            Ok(done) => {
                let notice = match done.change {
                    "granted" => "Access granted: the activation e-mail is on its way.",
                    "revoked" => "Access ended: their sessions ended at once.",
                    "unchanged" => "Nothing changed.",
                    _ => "Access changed.",
                };
                let warnings: Vec<_> = done.warnings.iter().map(|w| w.message()).collect();
                let extra = json!({ "notice": notice, "warnings": warnings });
                detail_page(signed, request, state, &id, StatusCode::OK, extra).await
            }
            Err(error) => refused(signed, request, state, &id, error).await,
        }
    })
    .await
}

/// `POST /console/contacts/{id}/activation`: sends the activation e-mail again.
pub(super) async fn resend(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, _form, request, state| async move {
        let contact: Uuid = parse_id(&id, "contact")?;
        let caller = signed.caller.clone();
        match state
            .run(move |t| t.resend_contact_activation(&caller, contact))
            .await
        {
            Ok(_) => Ok(redirect(
                &request,
                &format!("/contacts/{contact}?notice=resent"),
            )),
            Err(error) => refused(signed, request, state, &id, error).await,
        }
    })
    .await
}

/// `POST /console/contacts/{id}/delete`: deletes the contact (`workspace: modify`).
pub(super) async fn delete(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(WORKSPACE, Level::Modify)?;
        let contact: Uuid = parse_id(&id, "contact")?;
        if form.get("confirm") != "yes" {
            let error =
                json!({ "field": "confirm", "detail": "tick the box to confirm the deletion" });
            return detail_page(
                signed,
                request,
                state,
                &id,
                StatusCode::BAD_REQUEST,
                json!({ "error": error }),
            )
            .await;
        }
        let caller = signed.caller.clone();
        match state.run(move |t| t.delete_contact(&caller, contact)).await {
            Ok(()) => Ok(redirect(&request, "/contacts?notice=deleted")),
            Err(error) => refused(signed, request, state, &id, error).await,
        }
    })
    .await
}
