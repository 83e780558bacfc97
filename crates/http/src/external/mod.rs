//! The external site: what an invitation's link and code open. Opening the link (GET) changes
//! and reveals nothing — mail scanners fetch links; the page's button (POST) starts the
//! session. Every refusal, whatever its cause, is the same page, answered no sooner than
//! [`REFUSAL_FLOOR`] after the request arrived.
//!
//! The pages speak the invitation's language (en, de, fr, ro): its link carries it
//! (`?lang=`, so the landing page looks nothing up), the landing and code forms carry it on to
//! their POST, and the workflows page takes it from the session's invitation. Where no
//! invitation is known (the code form reached without `lang`, the contact activation pages)
//! the browser's `Accept-Language` picks, else English.

mod pages;
mod text;

use std::time::Instant;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
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
use text::Words;

/// The external session's cookie.
pub const EXTERNAL_COOKIE: &str = "tessera_external";

/// The words of a page: `explicit` (the `lang` of the invitation's link or of a form) when
/// the site speaks it, else the request's `Accept-Language`, else English.
fn words(request: &HttpRequest, explicit: Option<&str>) -> &'static Words {
    let header = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok());
    text::pick(explicit.filter(|lang| !lang.is_empty()), header)
}

/// The request's `lang` query parameter, if any (read leniently: a malformed query is no
/// error, just no `lang`).
fn query_lang(request: &HttpRequest) -> Option<String> {
    form_urlencoded::parse(request.query_string().as_bytes())
        .find(|(name, _)| name == "lang")
        .map(|(_, value)| value.into_owned())
}

/// The words of a form's POST: the form's `lang`, else the query's, else `Accept-Language`.
fn form_words(request: &HttpRequest, form_lang: &str) -> &'static Words {
    if form_lang.is_empty() {
        words(request, query_lang(request).as_deref())
    } else {
        words(request, Some(form_lang))
    }
}

/// `GET /x/assets/site.css`: the pages' stylesheet.
pub async fn stylesheet() -> HttpResponse {
    pages::stylesheet()
}

/// The refusal page in `words`, answered no sooner than [`REFUSAL_FLOOR`] after `started`.
async fn refused(
    state: &AppState,
    request: &HttpRequest,
    words: &'static Words,
    started: Instant,
) -> Result<HttpResponse, ApiError> {
    actix_web::rt::time::sleep_until((started + REFUSAL_FLOOR).into()).await;
    let csrf = csrf_token();
    render(
        request,
        StatusCode::FORBIDDEN,
        "verify",
        words,
        json!({ "title": words.refused_title, "csrf": csrf, "error": words.refused }),
        Some(&csrf),
        state.secure_cookies,
    )
}

/// Where a verified recipient goes, with their session cookie; or the refusal.
async fn signed_in(
    state: &AppState,
    request: &HttpRequest,
    session: Option<ExternalSession>,
    words: &'static Words,
    started: Instant,
) -> Result<HttpResponse, ApiError> {
    let Some(session) = session else {
        return refused(state, request, words, started).await;
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

/// `GET /x/{token}`: the landing page, in the link's `?lang=` (else `Accept-Language`).
/// Looks nothing up and changes nothing.
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
    let words = words(&request, query_lang(&request).as_deref());
    render(
        &request,
        StatusCode::OK,
        "landing",
        words,
        json!({ "title": words.landing_title, "token": token, "csrf": csrf }),
        Some(&csrf),
        state.secure_cookies,
    )
}

/// The landing page's form: the CSRF token and the page's language.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The double-submitted token.
    #[serde(default)]
    pub csrf: String,
    /// The language of the page the form was on (its refusal speaks it too).
    #[serde(default)]
    pub lang: String,
}

/// `POST /x/{token}`: the landing page's button — verifies the link, starts the session.
pub async fn follow_link(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let words = form_words(&request, &form.lang);
    if !csrf_ok(&request, &form.csrf) {
        return refused(&state, &request, words, started).await;
    }
    let (token, client) = (token.into_inner(), client_addr(&request));
    let session = state.run(move |t| t.follow_link(&token, client)).await?;
    signed_in(&state, &request, session, words, started).await
}

/// `GET /x/verify`: the e-mail and code form, in `?lang=` (the invitation e-mail's link to
/// it carries it), else `Accept-Language`.
pub async fn verify_form(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let csrf = csrf_token();
    let words = words(&request, query_lang(&request).as_deref());
    render(
        &request,
        StatusCode::OK,
        "verify",
        words,
        json!({ "title": words.verify_title, "csrf": csrf, "error": null }),
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
    /// The language of the page the form was on (its refusal speaks it too).
    #[serde(default)]
    pub lang: String,
}

/// `POST /x/verify`: e-mail and code.
pub async fn verify(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<VerifyForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let words = form_words(&request, &form.lang);
    if !csrf_ok(&request, &form.csrf) {
        return refused(&state, &request, words, started).await;
    }
    let (form, client) = (form.into_inner(), client_addr(&request));
    let session = state
        .run(move |t| t.verify_code(&form.email, &form.code, client))
        .await?;
    signed_in(&state, &request, session, words, started).await
}

/// `GET /x/workflows`: the recipient's shared workflows by business domain, read-only, in
/// the invitation's language.
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
        Some(shared) => {
            let words = words(&request, Some(&shared.locale));
            render(
                &request,
                StatusCode::OK,
                "workflows",
                words,
                pages::workflows_data(&shared, words),
                None,
                state.secure_cookies,
            )
        }
        None => Ok(to_verify()),
    }
}

/// The page behind a contact's activation link: whose link it is and a password form, in the
/// browser's `Accept-Language`. Looking changes nothing.
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
    let words = words(&request, None);
    let (token, form) = (token.into_inner(), form.into_inner());
    if form.password != form.repeat {
        let shown = token.clone();
        let view = state.run(move |t| t.activation(&shown)).await;
        return activation_answer(&request, view.map(Some), Some(words.passwords_differ));
    }
    let client = crate::auth::client_addr(&request);
    let shown = token.clone();
    let activated = state
        .run(move |t| t.activate_contact(&token, &form.password, client.as_deref()))
        .await;
    match activated {
        Ok(done) => {
            let sentence = if done.kind == tessera_contacts::ActivationKind::User {
                words.activated_user
            } else {
                words.activated_contact
            };
            let (before, after) = text::split_fill(sentence, "email", &[]);
            render(
                &request,
                StatusCode::OK,
                "activate",
                words,
                json!({
                    "title": words.activated_title,
                    "error": null,
                    "view": null,
                    "done": { "before": before, "email": done.email, "after": after },
                }),
                None,
                false,
            )
        }
        Err(ApiError::Service(tessera_service::ServiceError::InvalidInput { field, detail })) => {
            // The only invalid input here is the password's length; say so in the page's
            // language (anything else as the service worded it).
            let error = if field.as_deref() == Some("password") {
                words.password_length.to_owned()
            } else {
                detail
            };
            let view = state.run(move |t| t.activation(&shown)).await;
            activation_answer(&request, view.map(Some), Some(&error))
        }
        Err(other) => activation_answer(&request, Err(other), None),
    }
}

/// The activation page (in the request's `Accept-Language`) for a link that works (`view`),
/// or the one answer every unusable link gets.
fn activation_answer(
    request: &HttpRequest,
    view: Result<Option<tessera_service::contacts::ActivationView>, ApiError>,
    error: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let words = words(request, None);
    match view {
        Ok(Some(view)) => {
            let date = view.expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
            let intro = if view.kind == tessera_contacts::ActivationKind::User {
                words.activate_for_user
            } else {
                words.activate_for_contact
            };
            let intro = text::fill(
                intro,
                &[
                    ("name", &view.contact_name),
                    ("account", &view.account_name),
                ],
            );
            let (choose_before, choose_after) =
                text::split_fill(words.activate_choose, "email", &[("date", &date)]);
            render(
                request,
                StatusCode::OK,
                "activate",
                words,
                json!({
                    "title": words.activate_title,
                    "error": error,
                    "done": null,
                    "view": {
                        "intro": intro,
                        "email": view.email,
                        "choose_before": choose_before,
                        "choose_after": choose_after,
                    },
                }),
                None,
                false,
            )
        }
        Ok(None) | Err(ApiError::Service(tessera_service::ServiceError::Contact(_))) => render(
            request,
            StatusCode::GONE,
            "activate",
            words,
            json!({
                "title": words.link_invalid_title,
                "error": words.link_invalid,
                "view": null,
                "done": null,
            }),
            None,
            false,
        ),
        Err(other) => Err(other),
    }
}
