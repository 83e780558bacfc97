//! Signing in and out, changing one's password, API tokens.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{AccountId, UserId, Uuid};

use crate::auth::{AnyUser, User, client_addr, session_cookie, session_cookie_removal};
use crate::{ApiError, AppState};

/// `POST /v1/session` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Sign-in e-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Who signed in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    /// The account.
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    /// The user.
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// When true, every call but `POST /v1/session/password` answers 403
    /// `password-change-required`.
    pub must_change_password: bool,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// Signs in with e-mail and password and sets the session cookie. A wrong e-mail and a wrong
/// password get the same answer, after the same work. Past 10 failures for an e-mail within
/// 15 minutes, or 50 from a client address within the hour, the answer is 429 without
/// trying the password — the same for an e-mail no user has.
#[utoipa::path(
    post,
    path = "/v1/session",
    request_body = SignIn,
    responses((status = 200, body = SignedIn), (status = 400, description = "Malformed body", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Wrong e-mail or password", body = crate::error::Problem, content_type = "application/problem+json"), (status = 429, description = "Too many failed sign-ins for this e-mail or from this address (`Retry-After` says when to try again)", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "session"
)]
pub async fn sign_in(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: crate::Json<SignIn>,
) -> Result<HttpResponse, ApiError> {
    let (body, client) = (body.into_inner(), client_addr(&request));
    let signed = state
        .run(move |t| t.sign_in(&body.email, &body.password, client.as_deref()))
        .await?;
    let lifetime = state.tessera.session_lifetime();
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(
            &signed.secret,
            lifetime,
            state.secure_cookies,
        ))
        .json(SignedIn {
            account_id: signed.account,
            user_id: signed.user,
            must_change_password: signed.must_change_password,
            expires_at: signed.expires_at,
        }))
}

/// Signs out: ends this session at once and clears the cookie.
#[utoipa::path(
    delete,
    path = "/v1/session",
    responses((status = 204, description = "Done"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "session",
    security(("session" = []), ("token" = []))
)]
pub async fn sign_out(
    state: web::Data<AppState>,
    AnyUser(caller): AnyUser,
) -> Result<HttpResponse, ApiError> {
    state.run(move |t| t.sign_out(&caller)).await?;
    let mut answer = crate::deleted(None);
    answer
        .add_cookie(&session_cookie_removal())
        .map_err(|e| tessera_service::ServiceError::Internal(e.to_string()))?;
    Ok(answer)
}

/// `POST /v1/session/password` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password in use.
    pub current_password: String,
    /// The new password (12 to 1,024 characters).
    #[schema(min_length = 12, max_length = 1024)]
    pub new_password: String,
}

/// Replaces the caller's password; lifts the must-change flag. Other sessions of the user
/// end; this one stays.
#[utoipa::path(
    post,
    path = "/v1/session/password",
    request_body = ChangePassword,
    responses((status = 204, description = "Done"), (status = 400, description = "Wrong current password or weak new one", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "session",
    security(("session" = []), ("token" = []))
)]
pub async fn change_password(
    state: web::Data<AppState>,
    AnyUser(caller): AnyUser,
    body: crate::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    state
        .run(move |t| t.change_password(&caller, &body.current_password, &body.new_password))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/tokens` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// A label for the token.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Lifetime in days, 1 to 365 (default 90).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<i64>,
}

/// A new API token: the secret is shown here once and never again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The token's id (to revoke it).
    pub id: Uuid,
    /// The bearer secret: `Authorization: Bearer <token>`.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Creates an API token acting as the caller.
#[utoipa::path(
    post,
    path = "/v1/tokens",
    request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, description = "Bad name or lifetime", body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "session",
    security(("session" = []), ("token" = []))
)]
pub async fn create_token(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let created = state
        .run(move |t| t.create_token(&caller, &body.name, body.expires_in_days))
        .await?;
    Ok(HttpResponse::Created().json(CreatedToken {
        id: created.id,
        token: created.secret.to_string(),
        expires_at: created.expires_at,
    }))
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(
    delete,
    path = "/v1/tokens/{id}",
    params(("id" = uuid::Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Done"), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required, or the role does not allow it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such token of yours", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "session",
    security(("session" = []), ("token" = []))
)]
pub async fn delete_token(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.run(move |t| t.revoke_token(&caller, id)).await?;
    Ok(crate::deleted(None))
}

/// An API token as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops (or stopped) working.
    pub expires_at: DateTime<Utc>,
}

/// Lists the caller's own API tokens (never their secrets), expired ones included.
#[utoipa::path(
    get,
    path = "/v1/tokens",
    responses((status = 200, body = Vec<TokenView>), (status = 401, description = "Not signed in", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Password change required", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = "session",
    security(("session" = []), ("token" = []))
)]
pub async fn list_tokens(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let tokens = state.run(move |t| t.tokens(&caller)).await?;
    let views: Vec<TokenView> = tokens
        .into_iter()
        .map(|token| TokenView {
            id: token.id,
            name: token.name,
            created_at: token.created_at,
            expires_at: token.expires_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
