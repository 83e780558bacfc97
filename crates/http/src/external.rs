//! The external site: what an invitation's link and code open. Server-rendered pages, a
//! CSRF token on every form, strict security headers. Opening the link (GET) changes and
//! reveals nothing — mail scanners fetch links; the page's button (POST) starts the session.
//! Every refusal, whatever its cause, is the same page.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Instant;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::json;
use tessera_core::{BearerSecret, Uuid};
use tessera_invitations::{InvitationState, VerificationCode, link_tag};
use tessera_store::sharing::{self, StoredInvitation};
use tessera_store::{DbConnection, items};

use crate::sharing::invitation_event;
use crate::{ApiError, AppState, new_uuid};

/// The external session's cookie.
pub const EXTERNAL_COOKIE: &str = "tessera_external";
/// The CSRF cookie (double-submitted with each form).
pub const CSRF_COOKIE: &str = "tessera_csrf";
/// Longest an external session lasts (it also ends with the invitation).
pub const EXTERNAL_SESSION_DAYS: i64 = 7;

/// Failed code verifications allowed per client address per hour.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Failed code verifications allowed per account per hour.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 100;

const REFUSED: &str = "That link, e-mail address or code does not open anything. Check them, or ask the sender for a new invitation.";

fn pages() -> Result<&'static Handlebars<'static>, ApiError> {
    static PAGES: OnceLock<Result<Handlebars<'static>, String>> = OnceLock::new();
    PAGES
        .get_or_init(|| {
            let mut pages = Handlebars::new();
            pages.set_strict_mode(true);
            let templates = [
                ("head", include_str!("../pages/layout_head.hbs")),
                ("landing", include_str!("../pages/landing.hbs")),
                ("verify", include_str!("../pages/verify.hbs")),
                ("workflows", include_str!("../pages/workflows.hbs")),
            ];
            for (name, text) in templates {
                if name == "head" {
                    pages
                        .register_partial(name, text)
                        .map_err(|e| e.to_string())?;
                } else {
                    pages
                        .register_template_string(name, text)
                        .map_err(|e| e.to_string())?;
                }
            }
            Ok(pages)
        })
        .as_ref()
        .map_err(|e| ApiError::Internal(format!("pages: {e}")))
}

/// A page with the external site's headers.
fn page(status: StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8");
    builder
}

fn render(
    status: StatusCode,
    name: &str,
    data: serde_json::Value,
    csrf: Option<&str>,
    secure: bool,
) -> Result<HttpResponse, ApiError> {
    let html = pages()?
        .render(name, &data)
        .map_err(|e| ApiError::Internal(format!("page `{name}`: {e}")))?;
    let mut builder = page(status);
    if let Some(csrf) = csrf {
        builder.cookie(
            Cookie::build(CSRF_COOKIE, csrf.to_owned())
                .path("/x")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(secure)
                .finish(),
        );
    }
    Ok(builder.body(html))
}

/// Same bytes, compared without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn csrf_ok(request: &HttpRequest, submitted: &str) -> bool {
    request
        .cookie(CSRF_COOKIE)
        .is_some_and(|cookie| !submitted.is_empty() && same(cookie.value(), submitted))
}

/// Shortest time to a refusal, counted from the request's arrival. The work behind a
/// refusal differs a little by cause (an unknown address finds nothing to update; a wrong
/// code updates its invitation); answering every refusal at this floor, well above that
/// work, leaves nothing for a stopwatch to tell apart.
pub const REFUSAL_FLOOR: std::time::Duration = std::time::Duration::from_millis(50);

/// The refusal page, answered no sooner than [`REFUSAL_FLOOR`] after `started`.
async fn refused(state: &AppState, started: Instant) -> Result<HttpResponse, ApiError> {
    actix_web::rt::time::sleep_until((started + REFUSAL_FLOOR).into()).await;
    let csrf = state.new_secret().to_string();
    render(
        StatusCode::FORBIDDEN,
        "verify",
        json!({ "title": "Not valid", "csrf": csrf, "error": REFUSED }),
        Some(&csrf),
        state.secure_cookies,
    )
}

/// `GET /x/{token}`: the landing page. Looks nothing up and changes nothing.
pub async fn landing(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let csrf = state.new_secret().to_string();
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    render(
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

/// Starts an external session for `stored`, verified now; returns the session cookie.
fn open_session(
    tx: &mut DbConnection,
    state: &AppState,
    stored: &mut StoredInvitation,
    how: &str,
    client_addr: Option<String>,
    now: DateTime<Utc>,
) -> Result<Cookie<'static>, ApiError> {
    let id = Uuid::from_bytes(stored.invitation.id);
    sharing::update_invitation(tx, stored.account, &stored.invitation)?;
    let secret = state.new_secret();
    let expires_at =
        (now + Duration::days(EXTERNAL_SESSION_DAYS)).min(stored.invitation.expires_at);
    sharing::insert_external_session(tx, stored.account, id, &secret.hash(), now, expires_at)?;
    let detail = json!({ "with": how, "recipient": stored.invitation.recipient });
    invitation_event(
        tx,
        stored.account,
        id,
        "invitation.verified",
        detail,
        client_addr,
        now,
    )?;
    Ok(Cookie::build(EXTERNAL_COOKIE, secret.to_string())
        .path("/x")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(CookieDuration::seconds(
            (expires_at - now).num_seconds().max(0),
        ))
        .finish())
}

fn signed_in(cookie: Cookie<'static>) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/x/workflows"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .cookie(cookie)
        .finish()
}

/// `POST /x/{token}`: the landing page's button — verifies the link, starts the session.
pub async fn follow_link(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let app = state.clone().into_inner();
    if !csrf_ok(&request, &form.csrf) {
        return refused(&app, started).await;
    }
    let client_addr = request.peer_addr().map(|a| a.ip().to_string());
    let token = BearerSecret::parse(&token);
    let now = app.clock.now().trunc_subsecs(6);
    let app2 = app.clone();
    let cookie = web::block(move || -> Result<Option<Cookie<'static>>, ApiError> {
        use diesel::Connection;
        let Some(token) = token else { return Ok(None) };
        let mut db = app2.db()?;
        db.transaction::<_, ApiError, _>(|tx| {
            tessera_store::begin_write(tx)?;
            let Some(mut stored) = sharing::find_by_link_tag(tx, &link_tag(&app2.key, &token))?
            else {
                return Ok(None);
            };
            let before = stored.invitation.state;
            stored.invitation.mark_opened(now);
            if stored
                .invitation
                .verify_link(&app2.key, &token, now)
                .is_err()
            {
                return Ok(None);
            }
            if before != InvitationState::Opened && before != InvitationState::Verified {
                // The link was followed: opened, then verified by the same request.
                invitation_event(
                    tx,
                    stored.account,
                    Uuid::from_bytes(stored.invitation.id),
                    "invitation.opened",
                    json!({}),
                    client_addr.clone(),
                    now,
                )?;
            }
            open_session(tx, &app2, &mut stored, "link", client_addr, now).map(Some)
        })
    })
    .await??;
    match cookie {
        Some(cookie) => Ok(signed_in(cookie)),
        None => refused(&app, started).await,
    }
}

/// `GET /x/verify`: the e-mail and code form.
pub async fn verify_form(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let csrf = state.new_secret().to_string();
    render(
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

/// The HMAC a code check costs, spent on nothing: a refusal that tries no invitation does
/// the same work as one that does.
fn spend_one_hmac(key: &tessera_core::SecretKey, code: &VerificationCode) {
    let _ = key.verify(tessera_invitations::CODE_PURPOSE, code.as_bytes(), &[0; 32]);
}

/// `POST /x/verify`: e-mail and code. A wrong code counts against every invitation to that
/// address; the fifth voids the code. Unknown address, wrong, voided, expired or revoked: one
/// answer.
pub async fn verify(
    state: web::Data<AppState>,
    request: HttpRequest,
    form: web::Form<VerifyForm>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let app = state.clone().into_inner();
    if !csrf_ok(&request, &form.csrf) {
        return refused(&app, started).await;
    }
    let client_addr = request.peer_addr().map(|a| a.ip().to_string());
    let form = form.into_inner();
    let email = tessera_core::normalize_email(&form.email).unwrap_or_default();
    let code =
        VerificationCode::parse(&form.code).unwrap_or_else(|| VerificationCode::from_bytes([0; 5]));
    let now = app.clock.now().trunc_subsecs(6);
    let app2 = app.clone();
    let cookie = web::block(move || -> Result<Option<Cookie<'static>>, ApiError> {
        use diesel::Connection;
        let mut db = app2.db()?;
        db.transaction::<_, ApiError, _>(|tx| {
            tessera_store::begin_write(tx)?;
            let candidates = sharing::find_by_recipient_locked(tx, &email)?;
            let client = client_addr.clone().unwrap_or_else(|| "unknown".to_owned());
            let hour_ago = now - Duration::hours(1);
            let mut accounts: Vec<tessera_core::AccountId> =
                candidates.iter().map(|c| c.account).collect();
            accounts.sort_unstable();
            accounts.dedup();
            let (from_addr, in_accounts) =
                sharing::failure_counts(tx, &client, &accounts, hour_ago)?;
            if from_addr >= MAX_FAILURES_PER_ADDRESS {
                // The same work and the same answer as any other refusal; nothing is tried.
                spend_one_hmac(&app2.key, &code);
                return Ok(None);
            }
            // An account past its hourly limit has its invitations left untried (another
            // account's invitation to the same address is still tried).
            let mut counted_in: Vec<Option<tessera_core::AccountId>> = accounts
                .iter()
                .zip(&in_accounts)
                .filter(|(_, failures)| **failures < MAX_FAILURES_PER_ACCOUNT)
                .map(|(account, _)| Some(*account))
                .collect();
            let candidates: Vec<StoredInvitation> = candidates
                .into_iter()
                .filter(|c| counted_in.contains(&Some(c.account)))
                .collect();
            if counted_in.is_empty() {
                counted_in.push(None);
            }
            if candidates.is_empty() {
                for account in &counted_in {
                    sharing::record_failure(tx, new_uuid(), *account, &client, now)?;
                }
                // The same work as a wrong code: one HMAC.
                spend_one_hmac(&app2.key, &code);
                return Ok(None);
            }
            for mut stored in candidates {
                let failures = stored.invitation.code_failures;
                if stored.invitation.verify_code(&app2.key, &code, now).is_ok() {
                    return open_session(tx, &app2, &mut stored, "code", client_addr, now)
                        .map(Some);
                }
                if stored.invitation.code_failures != failures {
                    sharing::update_invitation(tx, stored.account, &stored.invitation)?;
                }
            }
            for account in &counted_in {
                sharing::record_failure(tx, new_uuid(), *account, &client, now)?;
            }
            Ok(None)
        })
    })
    .await??;
    match cookie {
        Some(cookie) => Ok(signed_in(cookie)),
        None => refused(&app, started).await,
    }
}

/// `GET /x/workflows`: the recipient's shared workflows by business domain, read-only.
pub async fn workflows(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let app = state.clone().into_inner();
    let Some(secret) = request
        .cookie(EXTERNAL_COOKIE)
        .and_then(|c| BearerSecret::parse(c.value()))
    else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/x/verify"))
            .finish());
    };
    let now = app.clock.now();
    let app2 = app.clone();
    let shown = web::block(move || -> Result<Option<serde_json::Value>, ApiError> {
        let mut db = app2.db()?;
        let Some(stored) = sharing::find_external_session(&mut db, &secret.hash(), now)? else {
            return Ok(None);
        };
        if !stored.invitation.usable_at(now) || stored.invitation.state != InvitationState::Verified
        {
            return Ok(None);
        }
        let share = sharing::get_share(&mut db, stored.account, stored.share)?;
        let mut domains: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
        for id in &share.items {
            let item = items::get(&mut db, stored.account, *id)?;
            let domain = if item.business_domain.is_empty() {
                "Other".to_owned()
            } else {
                item.business_domain
            };
            domains
                .entry(domain)
                .or_default()
                .push(json!({ "title": item.item.title, "description": item.description }));
        }
        let domains: Vec<_> = domains
            .into_iter()
            .map(|(name, workflows)| json!({ "name": name, "workflows": workflows }))
            .collect();
        Ok(Some(json!({
            "title": "Shared workflows",
            "domains": domains,
            "expires_on": stored.invitation.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })))
    })
    .await??;
    match shown {
        Some(data) => render(StatusCode::OK, "workflows", data, None, app.secure_cookies),
        None => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/x/verify"))
            .finish()),
    }
}
