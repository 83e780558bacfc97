//! The external site: what an invitation's link and code open. Opening the link (GET) changes
//! and reveals nothing — mail scanners fetch links; the page's button (POST) starts the
//! session. Every refusal, whatever its cause, is the same page, answered no sooner than
//! [`REFUSAL_FLOOR`] after the request arrived.

mod pages;

use std::time::Instant;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use tessera_core::BearerSecret;
use tessera_service::external::ExternalSession;

pub use pages::CSRF_COOKIE;
pub use tessera_service::external::{EXTERNAL_SESSION_DAYS, REFUSAL_FLOOR};

use crate::auth::client_addr;
use crate::{ApiError, AppState};
use pages::{csrf_ok, csrf_token, render, site_path};

/// The external session's cookie.
pub const EXTERNAL_COOKIE: &str = "tessera_external";

const REFUSED: &str = "That link, e-mail address or code does not open anything. Check them, or ask the sender for a new invitation.";

/// The refusal page, answered no sooner than [`REFUSAL_FLOOR`] after `started`.
async fn refused(
    state: &AppState,
    request: &HttpRequest,
    started: Instant,
) -> Result<HttpResponse, ApiError> {
    actix_web::rt::time::sleep_until((started + REFUSAL_FLOOR).into()).await;
    let csrf = csrf_token();
    render(
        request,
        StatusCode::FORBIDDEN,
        "verify",
        json!({ "title": "Not valid", "csrf": csrf, "error": REFUSED }),
        Some(&csrf),
        state.secure_cookies,
    )
}

/// Where a verified recipient goes, with their session cookie; or the refusal.
async fn signed_in(
    state: &AppState,
    request: &HttpRequest,
    session: Option<ExternalSession>,
    started: Instant,
) -> Result<HttpResponse, ApiError> {
    let Some(session) = session else {
        return refused(state, request, started).await;
    };
    let seconds = (session.expires_at - state.tessera.now())
        .num_seconds()
        .max(0);
    let cookie = Cookie::build(EXTERNAL_COOKIE, session.secret.to_string())
        .path(site_path(request))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(CookieDuration::seconds(seconds))
        .finish();
    Ok(pages::redirect("workflows").cookie(cookie).finish())
}

/// `GET /x/{token}`: the landing page. Looks nothing up and changes nothing.
pub async fn landing(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let csrf = csrf_token();
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    render(
        &request,
        StatusCode::OK,
        "landing",
        json!({ "title": "Shared workflows", "token": token, "csrf": csrf }),
        Some(&csrf),
        state.secure_cookies,
    )
}

/// A form with only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The double-submitted token.
    #[serde(default)]
    pub csrf: String,
}

/// `POST /x/{token}`: the landing page's button — verifies the link, starts the session.
pub async fn follow_link(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if !csrf_ok(&request, &form.csrf) {
        return refused(&state, &request, started).await;
    }
    let (token, client) = (token.into_inner(), client_addr(&request));
    let session = state.run(move |t| t.follow_link(&token, client)).await?;
    signed_in(&state, &request, session, started).await
}

/// `GET /x/verify`: the e-mail and code form.
pub async fn verify_form(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let csrf = csrf_token();
    render(
        &request,
        StatusCode::OK,
        "verify",
        json!({ "title": "Open shared workflows", "csrf": csrf, "error": null }),
        Some(&csrf),
        state.secure_cookies,
    )
}

/// The verify form.
#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    /// E-mail address.
    #[serde(default)]
    pub email: String,
    /// Verification code.
    #[serde(default)]
    pub code: String,
    /// The double-submitted token.
    #[serde(default)]
    pub csrf: String,
}

/// `POST /x/verify`: e-mail and code.
pub async fn verify(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<VerifyForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    if !csrf_ok(&request, &form.csrf) {
        return refused(&state, &request, started).await;
    }
    let (form, client) = (form.into_inner(), client_addr(&request));
    let session = state
        .run(move |t| t.verify_code(&form.email, &form.code, client))
        .await?;
    signed_in(&state, &request, session, started).await
}

/// `GET /x/workflows`: the recipient's shared workflows by business domain, read-only.
pub async fn workflows(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let to_verify = || pages::redirect("verify").finish();
    let Some(secret) = request
        .cookie(EXTERNAL_COOKIE)
        .and_then(|c| BearerSecret::parse(c.value()))
    else {
        return Ok(to_verify());
    };
    match state.run(move |t| t.shared_workflows(&secret)).await? {
        Some(shared) => render(
            &request,
            StatusCode::OK,
            "workflows",
            pages::workflows_data(&shared),
            None,
            state.secure_cookies,
        ),
        None => Ok(to_verify()),
    }
}

/// The page behind a contact's activation link: whose link it is and a password form.
/// Looking changes nothing.
pub async fn activation_page(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let view = state.run(move |t| t.activation(&token)).await;
    activation_answer(&request, view.map(Some), None)
}

/// The activation form.
#[derive(Debug, Deserialize)]
pub struct ActivationForm {
    /// The password chosen.
    #[serde(default)]
    pub password: String,
    /// The same, again.
    #[serde(default)]
    pub repeat: String,
}

/// Activates a contact's access from the page's form.
pub async fn activation_submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
    form: web::Form<ActivationForm>,
) -> Result<HttpResponse, ApiError> {
    let (token, form) = (token.into_inner(), form.into_inner());
    if form.password != form.repeat {
        let shown = token.clone();
        let view = state.run(move |t| t.activation(&shown)).await;
        return activation_answer(&request, view.map(Some), Some("The passwords differ."));
    }
    let client = crate::auth::client_addr(&request);
    let shown = token.clone();
    let activated = state
        .run(move |t| t.activate_contact(&token, &form.password, client.as_deref()))
        .await;
    match activated {
        Ok(done) => render(
            &request,
            StatusCode::OK,
            "activate",
            json!({
                "title": "Access activated",
                "error": null,
                "view": null,
                "done": done.email,
                "for_user": done.kind == tessera_contacts::ActivationKind::User,
            }),
            None,
            false,
        ),
        Err(ApiError::Service(tessera_service::ServiceError::InvalidInput { detail, .. })) => {
            let view = state.run(move |t| t.activation(&shown)).await;
            activation_answer(&request, view.map(Some), Some(&detail))
        }
        Err(other) => activation_answer(&request, Err(other), None),
    }
}

/// The activation page for a link that works (`view`), or the one answer every unusable
/// link gets.
fn activation_answer(
    request: &HttpRequest,
    view: Result<Option<tessera_service::contacts::ActivationView>, ApiError>,
    error: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    match view {
        Ok(Some(view)) => render(
            request,
            StatusCode::OK,
            "activate",
            json!({
                "title": "Activate your access",
                "error": error,
                "done": null,
                "for_user": view.kind == tessera_contacts::ActivationKind::User,
                "view": {
                    "contact_name": view.contact_name,
                    "account_name": view.account_name,
                    "email": view.email,
                    "expires_on": view.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                },
            }),
            None,
            false,
        ),
        Ok(None) | Err(ApiError::Service(tessera_service::ServiceError::Contact(_))) => render(
            request,
            StatusCode::GONE,
            "activate",
            json!({
                "title": "Link not valid",
                "error": "This activation link is not valid any more. Ask the person who gave you access for a new one.",
                "view": null,
                "done": null,
            }),
            None,
            false,
        ),
        Err(other) => Err(other),
    }
}
