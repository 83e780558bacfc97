//! The roles page: every role with its holders, a new custom role, the explain panel ("why
//! can Ana publish to production?") and who-can (`user_management: read`); the matrix of one
//! role — features down, levels across, each `inherit` showing the level it resolves to and
//! where from — editable for custom roles (`user_management: write`), read-only for the
//! predefined ones.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use tessera_access::{FeaturePath, Level, Role, Setting, USER_MANAGEMENT};
use tessera_core::{RoleId, UserId};
use tessera_service::checks;

use super::pages::{Form, Signed, form_error, merge, redirect, signed_form, signed_page};
use super::users::{error_status, parse_id};
use crate::{ApiError, AppState};

/// The settings a matrix cell can hold, in column order.
const SETTINGS: [Setting; 5] = [
    Setting::Inherit,
    Setting::None,
    Setting::Read,
    Setting::Modify,
    Setting::Write,
];

/// Every feature path of the account, parents first.
fn feature_paths(signed: &Signed) -> Vec<String> {
    signed
        .policy
        .tree()
        .paths()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Renders the roles page with `extra` (a notice, errors, explain and who-can answers).
async fn roles_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    signed.require(USER_MANAGEMENT, Level::Read)?;
    let caller = signed.caller.clone();
    let users = state.run(move |t| t.users(&caller)).await?;
    let mut holders: HashMap<RoleId, usize> = HashMap::new();
    for user in &users {
        *holders.entry(user.role).or_default() += 1;
    }
    let roles: Vec<_> = signed
        .policy
        .roles()
        .map(|role| {
            json!({
                "id": role.id.to_string(),
                "name": role.name,
                "predefined": role.predefined,
                "holders": holders.get(&role.id).copied().unwrap_or(0),
            })
        })
        .collect();
    let people: Vec<_> = users
        .iter()
        .map(|user| json!({ "id": user.id.to_string(), "email": user.email }))
        .collect();
    let mut data = json!({
        "title": "Roles",
        "roles": roles,
        "users": people,
        "features": feature_paths(&signed),
        "levels": ["read", "modify", "write"],
        "may_write": signed.level(USER_MANAGEMENT).allows(Level::Write),
        "notice": null,
        "error": null,
        "explained": null,
        "who_can": null,
        "asked": { "user": "", "feature": "", "level": "" },
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "roles", "roles", data)
}

/// `GET /console/roles`.
pub(super) async fn list(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let notice = match request.query_string() {
            "notice=deleted" => Some("The role was deleted."),
            _ => None,
        };
        roles_page(
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

/// `POST /console/roles`: a new custom role, empty or starting from another role's settings;
/// then its matrix.
pub(super) async fn create(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let settings = match form.get("start_from") {
            "" => Ok(BTreeMap::new()),
            id => match id.parse::<RoleId>() {
                Ok(id) => signed
                    .policy
                    .role(id)
                    .map(|role| role.settings)
                    .map_err(|_| ApiError::invalid("start_from", "no such role")),
                Err(_) => Err(ApiError::invalid("start_from", "no such role")),
            },
        };
        let name = form.get("name").to_owned();
        let outcome = match settings {
            Ok(settings) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.create_role(&caller, name, settings))
                    .await
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(saved) => Ok(redirect(
                &request,
                &format!("/roles/{}?notice=created", saved.role.id),
            )),
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = json!({ "error": shown });
                    roles_page(signed, request, state, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `GET /console/roles/explain?user=…&feature=…`: why the user has their level there.
pub(super) async fn explain(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let query = Form::parse(request.query_string().as_bytes());
        let asked = json!({ "user": query.get("user"), "feature": query.get("feature"), "level": "" });
        let user = query
            .get("user")
            .parse::<UserId>()
            .map_err(|_| ApiError::invalid("user", "choose a user"));
        let feature = query.get("feature").to_owned();
        let outcome = match user {
            Ok(user) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.explain(&caller, user, &feature, None))
                    .await
            }
            Err(error) => Err(error),
        };
        let extra = match outcome {
            Ok(named) => {
                let path = |p: &FeaturePath| p.to_string();
                json!({
                    "asked": asked,
                    "explained": {
                        "summary": named.summary,
                        "who": named.who,
                        "level": named.explanation.level.as_str(),
                        "feature": named.explanation.feature.to_string(),
                        "set_on": named.explanation.set_on.as_ref().map(path),
                        "through": named.explanation.inherited_through.iter().map(path).collect::<Vec<_>>(),
                    },
                })
            }
            Err(error) => match form_error(&error) {
                Some(shown) => json!({ "asked": asked, "error": shown }),
                None => return Err(error),
            },
        };
        roles_page(signed, request, state, StatusCode::OK, extra).await
    })
    .await
}

/// `GET /console/roles/who-can?feature=…&level=…`: every user with at least that level.
pub(super) async fn who_can(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let query = Form::parse(request.query_string().as_bytes());
        let asked =
            json!({ "user": "", "feature": query.get("feature"), "level": query.get("level") });
        let level = query
            .get("level")
            .parse::<Level>()
            .map_err(|_| ApiError::invalid("level", "choose a level"));
        let outcome = level.and_then(|level| {
            checks::who_can(&signed.policy, &signed.caller, query.get("feature"), level)
                .map_err(ApiError::from)
        });
        let extra = match outcome {
            Ok(found) => {
                let caller = signed.caller.clone();
                let users = state.run(move |t| t.users(&caller)).await?;
                let emails: HashMap<UserId, &str> =
                    users.iter().map(|u| (u.id, u.email.as_str())).collect();
                let mut names: Vec<&str> = found
                    .iter()
                    .map(|id| emails.get(id).copied().unwrap_or("(unknown user)"))
                    .collect();
                names.sort_unstable();
                json!({ "asked": asked, "who_can": { "users": names, "count": names.len() } })
            }
            Err(error) => match form_error(&error) {
                Some(shown) => json!({ "asked": asked, "error": shown }),
                None => return Err(error),
            },
        };
        roles_page(signed, request, state, StatusCode::OK, extra).await
    })
    .await
}

/// The matrix rows of `role`: each feature with its setting and what it resolves to.
fn matrix_rows(signed: &Signed, role: &Role, editable: bool) -> Vec<Value> {
    let tree = signed.policy.tree();
    let resolved = role.resolve(tree);
    tree.iter()
        .map(|(id, path, _)| {
            let setting = role.setting(path.as_str());
            let here = resolved.get(id.index());
            let level = here.map_or(Level::None, |r| r.level);
            let from = here
                .and_then(|r| r.set_on)
                .filter(|&on| on != id)
                .and_then(|on| tree.path(on).ok())
                .map(ToString::to_string);
            let cells: Vec<_> = SETTINGS
                .iter()
                .map(|s| json!({ "value": s.as_str(), "checked": *s == setting }))
                .collect();
            let text = path.as_str();
            json!({
                "path": text,
                "depth": text.matches('/').count(),
                "label": text.rsplit('/').next().unwrap_or(text),
                "setting": setting.as_str(),
                "inherits": setting == Setting::Inherit,
                "level": level.as_str(),
                "from": from,
                "cells": cells,
                "editable": editable,
            })
        })
        .collect()
}

async fn matrix_page(
    signed: Signed,
    request: HttpRequest,
    state: web::Data<AppState>,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<HttpResponse, ApiError> {
    signed.require(USER_MANAGEMENT, Level::Read)?;
    let id: RoleId = parse_id(id, "role")?;
    let caller = signed.caller.clone();
    let role = state.run(move |t| t.role(&caller, id)).await?;
    let editable = !role.predefined && signed.level(USER_MANAGEMENT).allows(Level::Write);
    let mut data = json!({
        "title": format!("Role {}", role.name),
        "role": { "id": role.id.to_string(), "name": role.name, "predefined": role.predefined },
        "editable": editable,
        "may_write": signed.level(USER_MANAGEMENT).allows(Level::Write),
        "rows": matrix_rows(&signed, &role, editable),
        "columns": SETTINGS.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "notice": null,
        "error": null,
    });
    merge(&mut data, extra);
    signed.render(&request, &state, status, "role", "roles", data)
}

/// `GET /console/roles/{id}`: the role's matrix.
pub(super) async fn matrix(request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let notice = match request.query_string() {
            "notice=created" => Some("The role was created. Set its levels below."),
            "notice=saved" => Some("The role was saved."),
            _ => None,
        };
        let extra = json!({ "notice": notice });
        matrix_page(signed, request, state, &id, StatusCode::OK, extra).await
    })
    .await
}

/// Reads the matrix form: `name` and one `s.<feature>` per row.
fn submitted_settings(form: &Form) -> Result<BTreeMap<FeaturePath, Setting>, ApiError> {
    let mut settings = BTreeMap::new();
    for (path, value) in form.prefixed("s.") {
        let feature = FeaturePath::parse(path)
            .map_err(|e| ApiError::invalid(format!("settings.{path}"), e.to_string()))?;
        let setting = match value {
            "inherit" => Setting::Inherit,
            level => Setting::from(
                level
                    .parse::<Level>()
                    .map_err(|e| ApiError::invalid(format!("settings.{path}"), e.to_string()))?,
            ),
        };
        if setting != Setting::Inherit {
            settings.insert(feature, setting);
        }
    }
    Ok(settings)
}

/// `POST /console/roles/{id}`: saves a custom role's name and matrix.
pub(super) async fn save(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, form, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let role: RoleId = parse_id(&id, "role")?;
        let name = form.get("name").to_owned();
        let outcome = match submitted_settings(&form) {
            Ok(settings) => {
                let caller = signed.caller.clone();
                state
                    .run(move |t| t.update_role(&caller, role, name, settings))
                    .await
                    .map(drop)
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => Ok(redirect(&request, &format!("/roles/{role}?notice=saved"))),
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = json!({ "error": shown });
                    matrix_page(signed, request, state, &id, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}

/// `POST /console/roles/{id}/delete`: deletes a custom role no one holds.
pub(super) async fn delete(
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    signed_form(request, body, |signed, _form, request, state| async move {
        signed.require(USER_MANAGEMENT, Level::Write)?;
        let role: RoleId = parse_id(&id, "role")?;
        let caller = signed.caller.clone();
        match state.run(move |t| t.delete_role(&caller, role)).await {
            Ok(_) => Ok(redirect(&request, "/roles?notice=deleted")),
            Err(error) => match form_error(&error) {
                Some(shown) => {
                    let status = error_status(&error);
                    let extra = json!({ "error": shown });
                    matrix_page(signed, request, state, &id, status, extra).await
                }
                None => Err(error),
            },
        }
    })
    .await
}
