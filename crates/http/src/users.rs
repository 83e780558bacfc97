//! Users of the caller's account: list, add (unique e-mail, required role), change role,
//! delete. Listing needs `read` on `user_management`, changes need `write`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_access::{Level, PolicyVersion};
use tessera_core::{RoleId, UserId};
use tessera_store::users::{self, User};
use tessera_store::{StoreError, sessions};

use crate::auth::{self, Caller};
use crate::{ApiError, AppState, Audited, change_policy, normalize_email};

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
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            id: user.id,
            email: user.email,
            role_id: user.role,
            must_change_password: user.must_change_password,
            created_at: user.created_at,
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
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    app.authorized(&caller, "user_management", Level::Read)
        .await?;
    let found = web::block(move || -> Result<Vec<User>, ApiError> {
        Ok(users::list(&mut *app.db()?, caller.account)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(found.into_iter().map(UserView::from).collect::<Vec<_>>()))
}

/// `POST /v1/users` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Sign-in e-mail, unique in the account.
    pub email: String,
    /// The account-wide role (required).
    #[schema(value_type = String, format = Uuid)]
    pub role_id: RoleId,
    /// The initial password; generated (and returned once) when absent.
    #[serde(default)]
    pub initial_password: Option<String>,
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
    caller: Caller,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let app = state.clone().into_inner();
    app.authorized(&caller, "user_management", Level::Write)
        .await?;
    let email = normalize_email(&body.email)?;
    let generated = body.initial_password.is_none();
    let password = match body.initial_password {
        Some(password) => {
            auth::validate_new_password("initial_password", &password)?;
            password
        }
        None => app.new_secret().to_string(),
    };
    let hash = web::block(move || auth::hash_password(&password).map(|h| (h, password))).await??;
    let (hash, password) = hash;
    let user = User {
        id: UserId::from_uuid(crate::new_uuid()),
        email,
        password_hash: hash,
        must_change_password: true,
        role: body.role_id,
        created_at: app.clock.now(),
    };
    let account = caller.account;
    let (stored, version) = change_policy(
        &state,
        &caller,
        Audited::new("user.add", user.id),
        move |tx, policy| {
            policy.assign(user.id, user.role)?;
            users::insert(tx, account, &user).map_err(|error| match error {
                StoreError::Conflict { .. } => ApiError::Conflict {
                    field: Some("email".into()),
                    detail: format!("a user with e-mail `{}` already exists", user.email),
                },
                other => other.into(),
            })
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(AddedUser {
        user: stored.into(),
        initial_password: generated.then_some(password),
        policy_version: version,
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
    responses((status = 200, body = Written), (status = 400, description = "Unknown role", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such user in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn change_role(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<UserId>,
    body: web::Json<ChangeRole>,
) -> Result<HttpResponse, ApiError> {
    let (user, role) = (id.into_inner(), body.role_id);
    if user == caller.user {
        return Err(ApiError::Conflict {
            field: Some("id".into()),
            detail: "you cannot change your own role".into(),
        });
    }
    state
        .clone()
        .into_inner()
        .authorized(&caller, "user_management", Level::Write)
        .await?;
    let account = caller.account;
    let ((), version) = change_policy(
        &state,
        &caller,
        Audited::new("user.change_role", user),
        move |tx, policy| {
            policy
                .role_of(user)
                .map_err(|_| ApiError::NotFound { what: "user" })?;
            policy.assign(user, role)?;
            users::set_role(tx, account, user, role)?;
            Ok(())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Written {
        policy_version: version,
    }))
}

/// Deletes a user: their sessions and tokens end in the same transaction. Deleting oneself
/// is refused (it could leave the account without an administrator).
#[utoipa::path(
    delete,
    path = "/v1/users/{id}",
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = Written), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such user in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Deleting yourself", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "users",
    security(("session" = []), ("token" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let user = id.into_inner();
    state
        .clone()
        .into_inner()
        .authorized(&caller, "user_management", Level::Write)
        .await?;
    if user == caller.user {
        return Err(ApiError::Conflict {
            field: Some("id".into()),
            detail: "you cannot delete yourself".into(),
        });
    }
    let account = caller.account;
    let ((), version) = change_policy(
        &state,
        &caller,
        Audited::new("user.delete", user),
        move |tx, policy| {
            policy
                .remove_user(user)
                .map_err(|_| ApiError::NotFound { what: "user" })?;
            sessions::delete_for_user(tx, account, user)?;
            users::delete(tx, account, user)?;
            Ok(())
        },
    )
    .await?;
    state.forget_user(caller.account, user);
    Ok(HttpResponse::Ok().json(Written {
        policy_version: version,
    }))
}
