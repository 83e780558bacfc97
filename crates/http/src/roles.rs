//! Roles of the caller's account: list and read (`read` on `user_management`), create,
//! update and delete custom roles (`write`). Predefined roles are refused; so is deleting a
//! role still assigned.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_access::{FeaturePath, Level, Role, Setting};
use tessera_core::RoleId;
use tessera_store::policies;

use crate::auth::Caller;
use crate::users::Written;
use crate::{ApiError, AppState, Audited, change_policy};

/// Lists every role with its settings.
#[utoipa::path(
    get,
    path = "/v1/roles",
    responses((status = 200, body = Vec<crate::openapi::RoleSchema>), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "roles",
    security(("session" = []), ("token" = []))
)]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let policy = state
        .clone()
        .into_inner()
        .authorized(&caller, "user_management", Level::Read)
        .await?;
    Ok(HttpResponse::Ok().json(policy.export().roles))
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
    caller: Caller,
    id: web::Path<RoleId>,
) -> Result<HttpResponse, ApiError> {
    let policy = state
        .clone()
        .into_inner()
        .authorized(&caller, "user_management", Level::Read)
        .await?;
    let role = policy
        .role(id.into_inner())
        .map_err(|_| ApiError::NotFound { what: "role" })?;
    Ok(HttpResponse::Ok().json(role))
}

/// `POST /v1/roles` and `PUT /v1/roles/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// Display name, unique in the account.
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
    caller: Caller,
    body: web::Json<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    state
        .clone()
        .into_inner()
        .authorized(&caller, "user_management", Level::Write)
        .await?;
    let body = body.into_inner();
    let role = Role {
        id: RoleId::from_uuid(crate::new_uuid()),
        name: body.name,
        predefined: false,
        settings: body.settings,
    };
    let now = state.clock.now();
    let account = caller.account;
    let (role, version) = change_policy(
        &state,
        &caller,
        Audited::new("role.create", role.id),
        move |tx, policy| {
            policy.add_role(role.clone())?;
            policies::insert_role(tx, account, &role, now)?;
            Ok(policy.role(role.id)?)
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(SavedRole {
        role,
        policy_version: version,
    }))
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
    caller: Caller,
    id: web::Path<RoleId>,
    body: web::Json<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    state
        .clone()
        .into_inner()
        .authorized(&caller, "user_management", Level::Write)
        .await?;
    let body = body.into_inner();
    let role = Role {
        id: id.into_inner(),
        name: body.name,
        predefined: false,
        settings: body.settings,
    };
    let account = caller.account;
    let (role, version) = change_policy(
        &state,
        &caller,
        Audited::new("role.update", role.id),
        move |tx, policy| {
            policy
                .role(role.id)
                .map_err(|_| ApiError::NotFound { what: "role" })?;
            policy.update_role(role.clone())?;
            let stored = policy.role(role.id)?;
            policies::replace_role(tx, account, &stored)?;
            Ok(stored)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(SavedRole {
        role,
        policy_version: version,
    }))
}

/// Deletes a custom role that no user holds.
#[utoipa::path(
    delete,
    path = "/v1/roles/{id}",
    params(("id" = String, Path, description = "Role id")),
    responses((status = 200, body = crate::users::Written), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such role in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Role still assigned", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "roles",
    security(("session" = []), ("token" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RoleId>,
) -> Result<HttpResponse, ApiError> {
    state
        .clone()
        .into_inner()
        .authorized(&caller, "user_management", Level::Write)
        .await?;
    let role = id.into_inner();
    let account = caller.account;
    let ((), version) = change_policy(
        &state,
        &caller,
        Audited::new("role.delete", role),
        move |tx, policy| {
            policy
                .role(role)
                .map_err(|_| ApiError::NotFound { what: "role" })?;
            policy.delete_role(role)?;
            policies::delete_role(tx, account, role)?;
            Ok(())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Written {
        policy_version: version,
    }))
}
