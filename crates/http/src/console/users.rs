//! The users page: the list (`user_management: read`); adding a user with a role, changing a
//! role and deleting with confirmation (`user_management: write`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tessera_access::{Level, USER_MANAGEMENT};
use tessera_core::{RoleId, UserId};
use tessera_service::NewUser;

use super::pages::{Signed, form_error, merge, redirect, signed_form, signed_page};
use crate::{ApiError, AppState};

/// Parses a path id, else "not found" (a malformed id names nothing).
pub(super) fn parse_id<T: std::str::FromStr>(
    text: &str,
    what: &'static str,
) -> Result<T, ApiError> {
    text.parse()
        .map_err(|_| tessera_service::ServiceError::NotFound { what }.into())
}

/// Role ids with their names and whether they are predefined, in the policy's order.
fn role_names(signed: &Signed) -> Vec<(RoleId, String, bool)> {
    signed
        .policy
        .roles()
        .map(|role| (role.id, role.name.to_owned(), role.predefined))
        .collect()
}

/// Renders the users page, with `extra` (a notice, a form error and the values typed).
async fn users_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    signed.require(USER_MANAGEMENT, Level::Read)?;
    let caller = signed.caller.clone();
    let users = state.run(move |t| t.users(&caller)).await?;
    let roles = role_names(&signed);
    let names: HashMap<RoleId, &str> = roles
        .iter()
        .map(|(id, name, _)| (*id, name.as_str()))
        .collect();
    let may_write = signed.level(USER_MANAGEMENT).allows(Level::Write);
    let rows: Vec<_> = users
        .iter()
        .map(|user| {
            json!({
                "id": user.id.to_string(),
                "email": user.email,
                "name": user.display_name,
                "role": names.get(&user.role).copied().unwrap_or("—"),
                "must_change_password": user.must_change_password,
                "is_me": user.id == signed.caller.user,
            })
        })
        .collect();
    let role_options: Vec<_> = roles
        .iter()
        .map(|(id, name, _)| json!({ "id": id.to_string(), "name": name }))
        .collect();
    let mut data = json!({
        "title": "Users",
        "users": rows,
        "count": users.len(),
        "roles": role_options,
        "may_write": may_write,
        "notice": null,
        "added": null,
        "error": null,
        "typed": { "email": "", "display_name": "", "role": "" },
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "users", "users", data)
}

/// `GET /console/users`.
pub(super) async fn list(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let notice = match request.query_string() {
            "notice=role" => Some("The role was changed."),
            "notice=deleted" => Some("The user was deleted."),
            "notice=flag" => Some("The user's card was updated."),
            _ => None,
        };
        users_page(
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

/// `POST /console/users`: adds a user with the role chosen (required); shows a generated
/// initial password once.
pub(super) async fn add(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let typed = json!({
            "email": form.get("email"),
            "display_name": form.get("display_name"),
            "role": form.get("role"),
        });
        let role = match form.get("role") {
            "" => Err(ApiError::invalid("role", "choose the new user's role")),
            text => text
                .parse::<RoleId>()
                .map_err(|_| ApiError::invalid("role", "no such role")),
        };
        let display_name =
            Some(form.get("display_name").trim().to_owned()).filter(|n| !n.is_empty());
        let initial_password =
            Some(form.get("initial_password").to_owned()).filter(|p| !p.is_empty());
        let outcome = match role {
            Ok(role) => {
                let new = NewUser {
                    email: form.get("email").trim().to_owned(),
                    role,
                    initial_password,
                    display_name,
                };
                let caller = signed.caller.clone();
                state.run(move |t| t.add_user(&caller, new)).await
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(added) => {
                let extra = json!({
                    "added": {
                        "email": added.user.email,
                        "initial_password": added.initial_password,
                    },
                });
                users_page(signed, request, state, StatusCode::OK, extra).await
            }
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let extra = json!({ "error": shown, "typed": typed });
                    users_page(signed, request, state, error_status(&error), extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// The status a refused form answers with.
pub(super) fn error_status(error: &ApiError) -> StatusCode {
    actix_web::ResponseError::status_code(error)
}

/// The user `id` names, with their role, for the role and delete pages.
async fn one_user(
    signed: &Signed,
    state: &AppState,
    id: &str,
) -> Result<tessera_service::UserSummary, ApiError> {
    let id: UserId = parse_id(id, "user")?;
    let caller = signed.caller.clone();
    state.run(move |t| t.user(&caller, id)).await
}

/// `GET /console/users/{id}/delete`: asks to confirm.
pub(super) async fn confirm_delete(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let user = one_user(&signed, &state, &id).await?;
        let data = json!({
            "title": "Delete user",
            "user": { "id": user.id.to_string(), "email": user.email, "may_grant": false },
            "role": null,
            "roles": [],
            "error": null,
        });
        signed.render(&request, &state, StatusCode::OK, "user_edit", "users", data)
    })
    .await
}

/// `POST /console/users/{id}/delete`: deletes the user at once, ending all their access.
pub(super) async fn delete(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, _form, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let user: UserId = parse_id(&id, "user")?;
        let caller = signed.caller.clone();
        state.run(move |t| t.delete_user(&caller, user)).await?;
        Ok(redirect(&request, "/users?notice=deleted"))
    })
    .await
}

/// `GET /console/users/{id}/role`: the role form for one user.
pub(super) async fn role_form(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        role_page(signed, request, state, &id, StatusCode::OK, None).await
    })
    .await
}

async fn role_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: &str,
    status: StatusCode,
    error: Option<Value>,
) -> Result<HttpResponse, ApiError> {
    signed.require(USER_MANAGEMENT, Level::Write)?;
    let user = one_user(&signed, &state, id).await?;
    let roles: Vec<_> = role_names(&signed)
        .into_iter()
        .map(|(role, name, _)| {
            json!({ "id": role.to_string(), "name": name, "selected": role == user.role })
        })
        .collect();
    let data = json!({
        "title": "Edit user",
        "user": {
            "id": user.id.to_string(),
            "email": user.email,
            "may_grant": user.may_grant_client_access,
        },
        "role": true,
        "roles": roles,
        "error": error,
    });
    signed.render(&request, &state, status, "user_edit", "users", data)
}

/// `POST /console/users/{id}/role`: gives the user another role.
pub(super) async fn change_role(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let user: UserId = parse_id(&id, "user")?;
        let outcome = match form.get("role").parse::<RoleId>() {
            Ok(role) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.change_user_role(&caller, user, role))
                    .await
                    .map(drop)
            }
            Err(_) => Err(ApiError::invalid("role", "choose a role")),
        };
        match outcome {
            Ok(()) => Ok(redirect(&request, "/users?notice=role")),
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let status = error_status(&error);
                    role_page(signed, request, state, &id, status, Some(shown)).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `POST /console/users/{id}/may-grant`: sets or clears the card's "may grant client
/// access" flag (`user_management: write`).
pub(super) async fn set_may_grant(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let user: UserId = parse_id(&id, "user")?;
        let may_grant = form.get("may_grant") == "yes";
        let caller = signed.caller.clone();
        state
            .run(move |t| t.set_may_grant_client_access(&caller, user, may_grant))
            .await?;
        Ok(redirect(&request, "/users?notice=flag"))
    })
    .await
}
