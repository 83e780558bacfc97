//! Who is calling: the session cookie or a bearer token, resolved by the service (from its
//! cache on the request's own thread when it can) into the extractors handlers take.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use tessera_core::BearerSecret;
use tessera_service::{AnyCaller, Caller, Presented, ServiceError};

use crate::{ApiError, AppState};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tessera_session";

/// An authenticated caller, whatever the state of their password (signing out and changing
/// the password take it).
#[derive(Debug, Clone)]
pub struct AnyUser(pub AnyCaller);

/// An authenticated caller who may act (their password needs no change).
#[derive(Debug, Clone)]
pub struct User(pub Caller);

/// The client's address as the connection shows it (no forwarding header is trusted).
pub fn client_addr(request: &HttpRequest) -> Option<String> {
    request.peer_addr().map(|addr| addr.ip().to_string())
}

/// The session cookie carrying `secret`, for `lifetime`.
pub(crate) fn session_cookie(
    secret: &BearerSecret,
    lifetime: chrono::Duration,
    secure: bool,
) -> Cookie<'static> {
    named_cookie(SESSION_COOKIE, secret, lifetime, secure)
}

/// A session cookie named `name` carrying `secret`, for `lifetime`.
pub(crate) fn named_cookie(
    name: &'static str,
    secret: &BearerSecret,
    lifetime: chrono::Duration,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, secret.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::seconds(lifetime.num_seconds()))
        .finish()
}

/// A cookie that removes the session cookie.
pub(crate) fn session_cookie_removal() -> Cookie<'static> {
    cookie_removal(SESSION_COOKIE)
}

/// A cookie that removes the cookie `name`.
pub(crate) fn cookie_removal(name: &'static str) -> Cookie<'static> {
    let mut gone = Cookie::build(name, "").path("/").http_only(true).finish();
    gone.make_removal();
    gone
}

fn presented(request: &HttpRequest) -> Option<Presented> {
    if let Some(header) = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
    {
        let token = header.to_str().ok()?.strip_prefix("Bearer ")?;
        return BearerSecret::parse(token.trim()).map(Presented::Token);
    }
    let cookie = request.cookie(SESSION_COOKIE)?;
    BearerSecret::parse(cookie.value()).map(Presented::Session)
}

async fn authenticate(request: HttpRequest) -> Result<AnyCaller, ApiError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ServiceError::Internal("tessera_http state is not configured".into()))?
        .clone();
    let presented = presented(&request).ok_or(ServiceError::Unauthenticated)?;
    let client = client_addr(&request);
    if let Some(caller) = state.tessera.cached_caller(&presented, client.clone()) {
        return Ok(caller);
    }
    state.run(move |t| t.authenticate(&presented, client)).await
}

impl FromRequest for AnyUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { authenticate(request).await.map(AnyUser) })
    }
}

impl FromRequest for User {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { Ok(User(Caller::active(authenticate(request).await?)?)) })
    }
}
