//! Roles of the caller's account: list and read (`read` on `user_management`), create,
//! update and delete custom roles (`write`). Predefined roles are refused; so is deleting a
//! role still assigned.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_access::{FeaturePath, Role, Setting};
use tessera_core::RoleId;

use crate::auth::User;
use crate::{ApiError, AppState};

/// Lists every role with its settings.
#[utoipa::path(
    get,
    path = "/v1/roles",
    responses((status = 200, body = Vec<crate::openapi::RoleSchema>), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "roles",
    security(("session" = []), ("token" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.run(move |t| t.roles(&caller)).await?))
}

/// One role.
#[utoipa::path(
    get,
    path = "/v1/roles/{id}",
    params(("id" = String, Path, description = "Role id")),
    responses((status = 200, body = crate::openapi::RoleSchema), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such role in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "roles",
    security(("session" = []), ("token" = []))
)]
pub async fn get(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<RoleId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.run(move |t| t.role(&caller, id)).await?))
}

/// `POST /v1/roles` and `PUT /v1/roles/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// Display name, unique in the account (ignoring case and look-alike characters).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Setting per feature path; unlisted features inherit.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, crate::openapi::SettingName>)]
    pub settings: BTreeMap<FeaturePath, Setting>,
}

/// A created or updated role with the policy version that includes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedRole {
    /// The role as stored.
    #[schema(value_type = crate::openapi::RoleSchema)]
    pub role: Role,
    /// The policy version that includes it.
    #[schema(value_type = u64)]
    pub policy_version: tessera_access::PolicyVersion,
}

impl From<tessera_service::SavedRole> for SavedRole {
    fn from(saved: tessera_service::SavedRole) -> Self {
        SavedRole {
            role: saved.role,
            policy_version: saved.policy_version,
        }
    }
}

/// Creates a custom role.
#[utoipa::path(
    post,
    path = "/v1/roles",
    request_body = RoleBody,
    responses((status = 201, body = SavedRole), (status = 400, description = "Invalid name or feature path", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "roles",
    security(("session" = []), ("token" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let saved = state
        .run(move |t| t.create_role(&caller, body.name, body.settings))
        .await?;
    Ok(HttpResponse::Created().json(SavedRole::from(saved)))
}

/// Replaces a custom role's name and settings.
#[utoipa::path(
    put,
    path = "/v1/roles/{id}",
    request_body = RoleBody,
    params(("id" = String, Path, description = "Role id")),
    responses((status = 200, body = SavedRole), (status = 400, description = "Invalid name or feature path", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such role in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "roles",
    security(("session" = []), ("token" = []))
)]
pub async fn update(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<RoleId>,
    body: crate::Json<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let saved = state
        .run(move |t| t.update_role(&caller, id, body.name, body.settings))
        .await?;
    Ok(HttpResponse::Ok().json(SavedRole::from(saved)))
}

/// Deletes a custom role that no user holds.
#[utoipa::path(
    delete,
    path = "/v1/roles/{id}",
    params(("id" = String, Path, description = "Role id")),
    responses((status = 204, description = "Deleted; the `Tessera-Policy-Version` header carries the policy version without the role"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such role in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Role still assigned", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "roles",
    security(("session" = []), ("token" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<RoleId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let version = state.run(move |t| t.delete_role(&caller, id)).await?;
    Ok(crate::deleted(Some(version)))
}
