//! The external site's pages: handlebars templates embedded in the binary, their stylesheet
//! (a file, so the Content-Security-Policy needs no `'unsafe-inline'`), strict security
//! headers, and the double-submitted CSRF token every form carries.

use std::sync::OnceLock;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use handlebars::Handlebars;
use serde_json::json;
use tessera_service::external::SharedWorkflows;
use tessera_service::{ServiceError, new_secret};

use super::text::{self, Words};
use crate::ApiError;

/// The CSRF cookie (double-submitted with each form).
pub const CSRF_COOKIE: &str = "tessera_csrf";

/// The pages' Content-Security-Policy: nothing but the site's own stylesheet and forms.
pub(super) const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet of every page (`GET /x/assets/site.css`).
const CSS: &str = include_str!("../../static/site.css");

/// The stylesheet's address relative to a page under `/x/` (`/x/{token}`, `/x/verify`,
/// `/x/workflows`).
const CSS_FROM_SITE: &str = "assets/site.css";

/// The stylesheet's address relative to a page under `/c/activate/` (the same services,
/// so the same mount prefix, hold both).
const CSS_FROM_ACTIVATION: &str = "../../x/assets/site.css";

fn registry() -> Result<&'static Handlebars<'static>, ApiError> {
    static PAGES: OnceLock<Result<Handlebars<'static>, String>> = OnceLock::new();
    PAGES
        .get_or_init(|| {
            let mut pages = Handlebars::new();
            pages.set_strict_mode(true);
            pages
                .register_partial("head", include_str!("../../pages/layout_head.hbs"))
                .map_err(|e| e.to_string())?;
            let templates = [
                ("landing", include_str!("../../pages/landing.hbs")),
                ("verify", include_str!("../../pages/verify.hbs")),
                ("workflows", include_str!("../../pages/workflows.hbs")),
                ("activate", include_str!("../../pages/activate.hbs")),
            ];
            for (name, text) in templates {
                pages
                    .register_template_string(name, text)
                    .map_err(|e| e.to_string())?;
            }
            Ok(pages)
        })
        .as_ref()
        .map_err(|e| ServiceError::Internal(format!("pages: {e}")).into())
}

/// A response with the external site's security headers.
fn secured(status: StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// `GET /x/assets/site.css`: the pages' stylesheet, cacheable for five minutes.
pub(super) fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header(("cross-origin-resource-policy", "same-origin"))
        .body(CSS)
}

/// A page with the external site's headers.
pub(super) fn page(status: StatusCode) -> HttpResponseBuilder {
    let mut builder = secured(status);
    builder.content_type("text/html; charset=utf-8");
    builder
}

/// A redirect (303) to `location`, relative to the site, with the same headers as its pages.
pub(super) fn redirect(location: &str) -> HttpResponseBuilder {
    let mut builder = secured(StatusCode::SEE_OTHER);
    builder.insert_header((header::LOCATION, location.to_owned()));
    builder
}

/// Where the external site is mounted: the request's path up to its `/x` (`/x` itself when
/// the services are mounted at the root). Its cookies are scoped to it; its pages link
/// relatively, so they work under any prefix.
pub(super) fn site_path(request: &HttpRequest) -> String {
    let path = request.path();
    match path.rfind("/x/") {
        Some(at) => path[..at + 2].to_owned(),
        None => "/x".to_owned(),
    }
}

/// Renders page `name` in `words` with `data` (an object; the page's words are added as
/// `t`, its stylesheet's relative address as `css`); with `csrf`, sets the CSRF cookie the
/// page's form submits back.
pub(super) fn render(
    request: &HttpRequest,
    status: StatusCode,
    name: &str,
    words: &'static Words,
    mut data: serde_json::Value,
    csrf: Option<&str>,
    secure: bool,
) -> Result<HttpResponse, ApiError> {
    let css = if name == "activate" {
        CSS_FROM_ACTIVATION
    } else {
        CSS_FROM_SITE
    };
    if let Some(fields) = data.as_object_mut() {
        fields.insert("t".to_owned(), json!(words));
        fields.insert("css".to_owned(), json!(css));
    }
    let html = registry()?
        .render(name, &data)
        .map_err(|e| ServiceError::Internal(format!("page `{name}`: {e}")))?;
    let mut builder = page(status);
    // The words may come from the request's Accept-Language.
    builder.insert_header((header::VARY, "Accept-Language"));
    if let Some(csrf) = csrf {
        builder.cookie(
            Cookie::build(CSRF_COOKIE, csrf.to_owned())
                .path(site_path(request))
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(secure)
                .finish(),
        );
    }
    Ok(builder.body(html))
}

/// A fresh CSRF token.
pub(super) fn csrf_token() -> String {
    new_secret().to_string()
}

/// Whether the form's token matches the CSRF cookie.
pub(super) fn csrf_ok(request: &HttpRequest, submitted: &str) -> bool {
    request.cookie(CSRF_COOKIE).is_some_and(|cookie| {
        !submitted.is_empty()
            && tessera_core::constant_time_eq(cookie.value().as_bytes(), submitted.as_bytes())
    })
}

/// The data of the `workflows` page in `words`: business domains with their workflows, and
/// the sentence saying when access ends (the date itself in one format for every language).
pub(super) fn workflows_data(shared: &SharedWorkflows, words: &Words) -> serde_json::Value {
    let domains: Vec<_> = shared
        .domains
        .iter()
        .map(|(name, workflows)| {
            let workflows: Vec<_> = workflows
                .iter()
                .map(|w| json!({ "title": w.title, "description": w.description }))
                .collect();
            json!({ "name": name, "workflows": workflows })
        })
        .collect();
    let date = shared.expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
    json!({
        "title": words.workflows_title,
        "domains": domains,
        "expiry": text::fill(words.workflows_expiry, &[("date", &date)]),
    })
}
