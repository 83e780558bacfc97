//! Users of the caller's account: list, add (unique e-mail, required role), change role,
//! delete. Listing needs `read` on `user_management`, changes need `write`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_access::PolicyVersion;
use tessera_core::{RoleId, UserId};
use tessera_service::{NewUser as NewUserInput, UserSummary};

use crate::auth::User;
use crate::{ApiError, AppState};

/// A user on the wire (never the password hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    /// Sign-in e-mail.
    pub email: String,
    /// Account-wide role.
    #[schema(value_type = String, format = Uuid)]
    pub role_id: RoleId,
    /// True until the initial password was replaced.
    pub must_change_password: bool,
    /// When added.
    pub created_at: DateTime<Utc>,
    /// A name people recognise, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The card's "may grant client access" flag.
    pub may_grant_client_access: bool,
}

impl From<UserSummary> for UserView {
    fn from(user: UserSummary) -> Self {
        UserView {
            id: user.id,
            email: user.email,
            role_id: user.role,
            must_change_password: user.must_change_password,
            created_at: user.created_at,
            display_name: user.display_name,
            may_grant_client_access: user.may_grant_client_access,
        }
    }
}

/// Lists the account's users.
#[utoipa::path(
    get,
    path = "/v1/users",
    responses((status = 200, body = Vec<UserView>), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let users = state.run(move |t| t.users(&caller)).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(UserView::from).collect::<Vec<_>>()))
}

/// `POST /v1/users` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Sign-in e-mail, unique in the account.
    #[schema(format = "email", max_length = 254)]
    pub email: String,
    /// The account-wide role (required).
    #[schema(value_type = String, format = Uuid)]
    pub role_id: RoleId,
    /// The initial password; generated (and returned once) when absent.
    #[serde(default)]
    #[schema(min_length = 12, max_length = 1024)]
    pub initial_password: Option<String>,
    /// A name people recognise (shown in e-mails the user sends and in explanations).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
}

/// The added user, the initial password when it was generated, and the new policy version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AddedUser {
    /// The user.
    pub user: UserView,
    /// The generated initial password (shown once); absent when the caller chose it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
    /// The policy version that includes the user.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// Adds a user who must change the initial password at first sign-in.
#[utoipa::path(
    post,
    path = "/v1/users",
    request_body = NewUser,
    responses((status = 201, body = AddedUser), (status = 400, description = "Invalid e-mail, password or role", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "E-mail taken", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn add(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewUserInput {
        email: body.email,
        role: body.role_id,
        initial_password: body.initial_password,
        display_name: body.display_name,
    };
    let added = state.run(move |t| t.add_user(&caller, new)).await?;
    Ok(HttpResponse::Created().json(AddedUser {
        user: added.user.into(),
        initial_password: added.initial_password,
        policy_version: added.policy_version,
    }))
}

/// `PUT /v1/users/{id}/role` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    /// The new account-wide role.
    #[schema(value_type = String, format = Uuid)]
    pub role_id: RoleId,
}

/// The policy version a write produced.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Written {
    /// Checks passing `at_least_version` with this value see the change.
    #[schema(value_type = u64)]
    pub policy_version: PolicyVersion,
}

/// Gives a user another account-wide role. Changing one's own role is refused, like deleting
/// oneself: it could leave the account without an administrator.
#[utoipa::path(
    put,
    path = "/v1/users/{id}/role",
    request_body = ChangeRole,
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = Written), (status = 400, description = "Unknown role", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such user in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Changing one's own role", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn change_role(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<UserId>,
    body: crate::Json<ChangeRole>,
) -> Result<HttpResponse, ApiError> {
    let (user, role) = (id.into_inner(), body.into_inner().role_id);
    let policy_version = state
        .run(move |t| t.change_user_role(&caller, user, role))
        .await?;
    Ok(HttpResponse::Ok().json(Written { policy_version }))
}

/// Deletes a user: their sessions and tokens end in the same transaction. Deleting oneself
/// is refused (it could leave the account without an administrator).
#[utoipa::path(
    delete,
    path = "/v1/users/{id}",
    params(("id" = String, Path, format = Uuid, description = "User id")),
    responses((status = 204, description = "Deleted; the `Tessera-Policy-Version` header carries the policy version without the user"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such user in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Deleting yourself", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let user = id.into_inner();
    let version = state.run(move |t| t.delete_user(&caller, user)).await?;
    Ok(crate::deleted(Some(version)))
}

/// One user: oneself, or anyone with `user_management: read`.
#[utoipa::path(
    get,
    path = "/v1/users/{id}",
    params(("id" = String, Path, format = Uuid, description = "User id")),
    responses((status = 200, body = UserView), (status = 400, description = "Not a user id", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or another user without `user_management: read`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such user in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn get_one(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = state.run(move |t| t.user(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

/// `PATCH /v1/users/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The display name; `null` clears it.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: Option<String>,
}

/// Sets or clears a user's display name: one's own, or anyone's with
/// `user_management: write`.
#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    request_body = UserPatch,
    params(("id" = String, Path, format = Uuid, description = "User id")),
    responses((status = 200, body = UserView), (status = 400, description = "Invalid name or user id", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or another user without `user_management: write`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such user in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn rename(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<UserId>,
    body: crate::Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = (id.into_inner(), body.into_inner().display_name);
    let user = state
        .run(move |t| t.rename_user(&caller, id, name.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}
