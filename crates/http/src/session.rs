//! Signing in and out, changing one's password, API tokens.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{AccountId, UserId};
use tessera_store::api_tokens::{self, ApiToken};
use tessera_store::{sessions, users};

use crate::auth::{self, AnyCaller, Caller, Credential, SESSION_COOKIE};
use crate::{ApiError, AppState, normalize_email};

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

/// Failed sign-ins allowed per e-mail (whether or not a user has it) per
/// [`SIGN_IN_EMAIL_WINDOW_MINUTES`].
pub const MAX_SIGN_IN_FAILURES_PER_EMAIL: i64 = 10;
/// The window of [`MAX_SIGN_IN_FAILURES_PER_EMAIL`].
pub const SIGN_IN_EMAIL_WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins allowed per client address per hour.
pub const MAX_SIGN_IN_FAILURES_PER_ADDRESS: i64 = 50;

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
    request: actix_web::HttpRequest,
    body: web::Json<SignIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = normalize_email(&body.email).unwrap_or_default();
    // What failures are counted under: the address, or what was typed when it is not one.
    let typed = if email.is_empty() {
        body.email.trim().to_lowercase()
    } else {
        email.clone()
    };
    let client = request
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    let app = state.clone().into_inner();
    let secret = state.new_secret();
    let hash = secret.hash();
    let signed_in = web::block(move || -> Result<SignedIn, ApiError> {
        let mut db = app.db()?;
        let now = app.clock.now();
        let email_window = Duration::minutes(SIGN_IN_EMAIL_WINDOW_MINUTES);
        let (for_email, from_addr) = sessions::sign_in_failures(
            &mut db,
            &typed,
            now - email_window,
            &client,
            now - Duration::hours(1),
        )?;
        if for_email >= MAX_SIGN_IN_FAILURES_PER_EMAIL {
            return Err(ApiError::TooManyAttempts {
                retry_after_seconds: email_window.num_seconds().unsigned_abs() as u32,
            });
        }
        if from_addr >= MAX_SIGN_IN_FAILURES_PER_ADDRESS {
            return Err(ApiError::TooManyAttempts {
                retry_after_seconds: 3_600,
            });
        }
        let candidates = users::find_for_sign_in(&mut db, &email)?;
        let found = if candidates.is_empty() {
            auth::verify_nothing(&body.password);
            None
        } else {
            candidates
                .into_iter()
                .find(|(_, user)| auth::verify_password(&body.password, &user.password_hash))
        };
        let Some((account, user)) = found else {
            sessions::record_sign_in_failure(&mut db, crate::new_uuid(), &typed, &client, now)?;
            return Err(ApiError::BadCredentials);
        };
        let session = sessions::Session {
            token_hash: hash,
            account,
            user: user.id,
            created_at: now,
            expires_at: now + app.session_lifetime,
        };
        sessions::insert(&mut db, &session)?;
        Ok(SignedIn {
            account_id: account,
            user_id: user.id,
            must_change_password: user.must_change_password,
            expires_at: session.expires_at,
        })
    })
    .await??;
    let cookie = Cookie::build(SESSION_COOKIE, secret.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(CookieDuration::seconds(
            state.session_lifetime.num_seconds(),
        ))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(signed_in))
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
    caller: AnyCaller,
) -> Result<HttpResponse, ApiError> {
    if let Credential::Session(hash) = caller.credential.clone() {
        let app = state.clone().into_inner();
        web::block(move || -> Result<bool, ApiError> {
            Ok(sessions::delete(&mut *app.db()?, caller.account, &hash)?)
        })
        .await??;
    }
    state.forget_user(caller.account, caller.user);
    let mut gone = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

/// `POST /v1/session/password` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password in use.
    pub current_password: String,
    /// The new password (12 to 1,024 characters).
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
    caller: AnyCaller,
    body: web::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    auth::validate_new_password("new_password", &body.new_password)?;
    if body.new_password == body.current_password {
        return Err(ApiError::InvalidInput {
            field: Some("new_password".into()),
            detail: "the new password must differ from the current one".into(),
        });
    }
    let app = state.clone().into_inner();
    web::block(move || -> Result<(), ApiError> {
        let mut db = app.db()?;
        let user = users::get(&mut db, caller.account, caller.user)?;
        if !auth::verify_password(&body.current_password, &user.password_hash) {
            return Err(ApiError::InvalidInput {
                field: Some("current_password".into()),
                detail: "the current password is wrong".into(),
            });
        }
        let hash = auth::hash_password(&body.new_password)?;
        use diesel::Connection;
        db.transaction::<_, ApiError, _>(|tx| {
            users::set_password(tx, caller.account, caller.user, &hash, false)?;
            let keep = match &caller.credential {
                Credential::Session(hash) => Some(hash.as_str()),
                Credential::Token(_) => None,
            };
            sessions::delete_for_user_except(tx, caller.account, caller.user, keep)?;
            Ok(())
        })
    })
    .await??;
    state.forget_user(caller.account, caller.user);
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/tokens` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// A label for the token.
    pub name: String,
    /// Lifetime in days, 1 to 365 (default 90).
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// A new API token: the secret is shown here once and never again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The token's id (to revoke it).
    pub id: tessera_core::Uuid,
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
    caller: Caller,
    body: web::Json<NewToken>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::InvalidInput {
            field: Some("name".into()),
            detail: "a token name has 1 to 100 characters".into(),
        });
    }
    let days = body.expires_in_days.unwrap_or(90);
    if !(1..=365).contains(&days) {
        return Err(ApiError::InvalidInput {
            field: Some("expires_in_days".into()),
            detail: "a token lives 1 to 365 days".into(),
        });
    }
    let secret = state.new_secret();
    let now = state.clock.now();
    let token = ApiToken {
        id: crate::new_uuid(),
        account: caller.account,
        user: caller.user,
        name,
        token_hash: secret.hash(),
        created_at: now,
        expires_at: now + chrono::Duration::days(days),
    };
    let created = CreatedToken {
        id: token.id,
        token: secret.to_string(),
        expires_at: token.expires_at,
    };
    let app = state.clone().into_inner();
    web::block(move || -> Result<(), ApiError> {
        Ok(api_tokens::insert(&mut *app.db()?, &token)?)
    })
    .await??;
    Ok(HttpResponse::Created().json(created))
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
    caller: Caller,
    id: web::Path<tessera_core::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app = state.clone().into_inner();
    let (account, user) = (caller.account, caller.user);
    web::block(move || -> Result<(), ApiError> {
        let mut db = app.db()?;
        let mine = api_tokens::list_for_user(&mut db, account, user)?
            .iter()
            .any(|t| t.id == id);
        if !mine {
            return Err(ApiError::NotFound { what: "token" });
        }
        Ok(api_tokens::delete(&mut db, account, id)?)
    })
    .await??;
    state.forget_user(account, user);
    Ok(HttpResponse::NoContent().finish())
}
