//! Who is calling: passwords (argon2id), sign-in sessions (cookie) and API tokens (bearer),
//! both stored as SHA-256 of a 256-bit secret; the extractors that resolve them per request.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tessera_access::{Level, Policy};
use tessera_core::{AccountId, BearerSecret, UserId};
use tessera_store::{api_tokens, sessions, users};

use crate::{ApiError, AppState};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tessera_session";

/// Hashes a password with argon2id (default parameters, random salt) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
}

/// Checks `password` against a PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Spends the time of one verification without a user, so an unknown e-mail answers as
/// slowly as a wrong password.
pub fn verify_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("tessera-dummy-password").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// Checks a new password: 12 to 1,024 characters.
pub fn validate_new_password(field: &str, password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if !(12..=1024).contains(&chars) {
        return Err(ApiError::InvalidInput {
            field: Some(field.to_owned()),
            detail: "a password has 12 to 1,024 characters".to_owned(),
        });
    }
    Ok(())
}

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A sign-in session cookie; holds the session's hash.
    Session(String),
    /// A bearer API token; holds the token's hash.
    Token(String),
}

/// An authenticated user, whatever the state of their password. Only the password change
/// and sign-out accept it; everything else takes [`Caller`].
#[derive(Debug, Clone)]
pub struct AnyCaller {
    /// The caller's account: every query of the request is scoped by it.
    pub account: AccountId,
    /// The caller.
    pub user: UserId,
    /// True until the initial password was replaced.
    pub must_change_password: bool,
    /// How they authenticated.
    pub credential: Credential,
    /// The client's address as the connection shows it (for the audit trail).
    pub client_addr: Option<String>,
}

/// An authenticated user who may act (their password needs no change).
#[derive(Debug, Clone)]
pub struct Caller(pub AnyCaller);

impl std::ops::Deref for Caller {
    type Target = AnyCaller;

    fn deref(&self) -> &AnyCaller {
        &self.0
    }
}

impl AnyCaller {
    /// Requires at least `level` on `feature` in the caller's account policy.
    pub fn require(&self, policy: &Policy, feature: &str, level: Level) -> Result<(), ApiError> {
        let id = policy.feature(feature)?;
        if policy.check(self.user, id, level).unwrap_or(false) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                feature: feature.to_owned(),
                level: level.to_string(),
            })
        }
    }
}

fn presented_secret(request: &HttpRequest) -> Option<(BearerSecret, bool)> {
    if let Some(header) = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
    {
        let token = header.to_str().ok()?.strip_prefix("Bearer ")?;
        return BearerSecret::parse(token.trim()).map(|secret| (secret, false));
    }
    let cookie = request.cookie(SESSION_COOKIE)?;
    BearerSecret::parse(cookie.value()).map(|secret| (secret, true))
}

async fn authenticate(request: HttpRequest) -> Result<AnyCaller, ApiError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("tessera_http state is not configured".into()))?
        .clone()
        .into_inner();
    let (secret, from_cookie) = presented_secret(&request).ok_or(ApiError::Unauthenticated)?;
    let hash = secret.hash();
    let client_addr = request.peer_addr().map(|addr| addr.ip().to_string());
    let mut caller = match state.cached_caller(&hash) {
        Some(caller) => caller,
        None => {
            let app = state.clone();
            let (caller, expires_at) =
                web::block(move || lookup(&app, hash, from_cookie)).await??;
            let key = match &caller.credential {
                Credential::Session(hash) => hash.clone(),
                Credential::Token(hash) => hash.clone(),
            };
            state.remember_caller(key, caller.clone(), expires_at);
            caller
        }
    };
    caller.client_addr = client_addr;
    Ok(caller)
}

/// Resolves a credential hash in the database: the caller and when the credential expires.
fn lookup(
    state: &Arc<AppState>,
    hash: String,
    from_cookie: bool,
) -> Result<(AnyCaller, chrono::DateTime<chrono::Utc>), ApiError> {
    let mut db = state.db()?;
    let now = state.clock.now();
    let (account, user, credential, expires_at) = if from_cookie {
        let session =
            sessions::find_valid(&mut db, &hash, now)?.ok_or(ApiError::Unauthenticated)?;
        (
            session.account,
            session.user,
            Credential::Session(hash),
            session.expires_at,
        )
    } else {
        let token =
            api_tokens::find_valid(&mut db, &hash, now)?.ok_or(ApiError::Unauthenticated)?;
        (
            token.account,
            token.user,
            Credential::Token(hash),
            token.expires_at,
        )
    };
    let user = users::get(&mut db, account, user).map_err(|_| ApiError::Unauthenticated)?;
    let caller = AnyCaller {
        account,
        user: user.id,
        must_change_password: user.must_change_password,
        credential,
        client_addr: None,
    };
    Ok((caller, expires_at))
}

impl FromRequest for AnyCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(request.clone()))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let caller = authenticate(request).await?;
            if caller.must_change_password {
                return Err(ApiError::PasswordChangeRequired);
            }
            Ok(Caller(caller))
        })
    }
}
