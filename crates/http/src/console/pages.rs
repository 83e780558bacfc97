//! What every console page shares: the templates, the signed-in context with what the
//! caller's role offers, CSRF, forms, the security headers, and the pages for errors.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, web};
use handlebars::Handlebars;
use serde_json::{Value, json};
use tessera_access::{Level, Policy, SETTINGS, USER_MANAGEMENT, WORKSPACE};
use tessera_core::BearerSecret;
use tessera_service::{AnyCaller, Caller, Presented, ServiceError, new_secret};

use crate::auth::{SESSION_COOKIE, client_addr};
use crate::{ApiError, AppState};

/// The console's CSRF cookie (double-submitted with each form).
pub const CONSOLE_CSRF_COOKIE: &str = "tessera_console_csrf";

/// The console's content security policy: its own stylesheet and script, nothing inline.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS: &str = include_str!("../../static/console.css");
const JS: &str = include_str!("../../static/console.js");

fn registry() -> Result<&'static Handlebars<'static>, ApiError> {
    static PAGES: OnceLock<Result<Handlebars<'static>, String>> = OnceLock::new();
    PAGES
        .get_or_init(|| {
            let mut pages = Handlebars::new();
            pages.set_strict_mode(true);
            let templates = [
                ("top", include_str!("../../console/top.hbs")),
                ("bottom", include_str!("../../console/bottom.hbs")),
                ("sign_in", include_str!("../../console/sign_in.hbs")),
                ("password", include_str!("../../console/password.hbs")),
                ("home", include_str!("../../console/home.hbs")),
                ("users", include_str!("../../console/users.hbs")),
                ("user_edit", include_str!("../../console/user_edit.hbs")),
                ("roles", include_str!("../../console/roles.hbs")),
                ("role", include_str!("../../console/role.hbs")),
                ("share", include_str!("../../console/share.hbs")),
                ("shared", include_str!("../../console/shared.hbs")),
                ("invitations", include_str!("../../console/invitations.hbs")),
                ("problem", include_str!("../../console/problem.hbs")),
                ("automations", include_str!("../../console/automations.hbs")),
                ("automation", include_str!("../../console/automation.hbs")),
                ("run", include_str!("../../console/run.hbs")),
                ("mailbox", include_str!("../../console/mailbox.hbs")),
                ("contacts", include_str!("../../console/contacts.hbs")),
                ("contact", include_str!("../../console/contact.hbs")),
                ("apps", include_str!("../../console/apps.hbs")),
                ("app", include_str!("../../console/app.hbs")),
                ("case", include_str!("../../console/case.hbs")),
            ];
            for (name, text) in templates {
                pages
                    .register_template_string(name, text)
                    .map_err(|e| e.to_string())?;
            }
            Ok(pages)
        })
        .as_ref()
        .map_err(|e| ServiceError::Internal(format!("console pages: {e}")).into())
}

/// A response with the console's security headers.
fn secured(status: StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// `GET /console/static/console.css`.
pub(super) async fn css() -> HttpResponse {
    static_file("text/css; charset=utf-8", CSS)
}

/// `GET /console/static/console.js`.
pub(super) async fn js() -> HttpResponse {
    static_file("text/javascript; charset=utf-8", JS)
}

fn static_file(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body)
}

/// Where the console is mounted: the request's path up to and including `/console`.
pub(super) fn base(request: &HttpRequest) -> String {
    let path = request.path();
    match path.find("/console") {
        Some(at) => path[..at + "/console".len()].to_owned(),
        None => "/console".to_owned(),
    }
}

/// A redirect (303, "see other") to `location` under the console's base.
pub(super) fn redirect(request: &HttpRequest, location: &str) -> HttpResponse {
    secured(StatusCode::SEE_OTHER)
        .insert_header((header::LOCATION, format!("{}{location}", base(request))))
        .finish()
}

/// The CSRF token of this browser: the cookie's when it has a well-formed one, else a new
/// one (then `true`: the response must set it).
pub(super) fn csrf_of(request: &HttpRequest) -> (String, bool) {
    match request.cookie(CONSOLE_CSRF_COOKIE) {
        Some(cookie) if BearerSecret::parse(cookie.value()).is_some() => {
            (cookie.value().to_owned(), false)
        }
        _ => (new_secret().to_string(), true),
    }
}

/// Whether the form's `csrf` field matches the CSRF cookie.
pub(super) fn csrf_ok(request: &HttpRequest, form: &Form) -> bool {
    let submitted = form.get("csrf");
    request.cookie(CONSOLE_CSRF_COOKIE).is_some_and(|cookie| {
        !submitted.is_empty()
            && tessera_core::constant_time_eq(cookie.value().as_bytes(), submitted.as_bytes())
    })
}

/// A submitted form: `application/x-www-form-urlencoded` pairs in order (repeated names —
/// check boxes — kept).
#[derive(Debug, Default)]
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    /// Parses a form body.
    pub(super) fn parse(body: &[u8]) -> Form {
        Form(
            form_urlencoded::parse(body)
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, or `""`.
    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Every value of `name`, in order.
    pub(super) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Every `(name, value)` whose name starts with `prefix`, the prefix removed.
    pub(super) fn prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0.iter().filter_map(move |(key, value)| {
            key.strip_prefix(prefix).map(|rest| (rest, value.as_str()))
        })
    }
}

/// A page without the signed-in frame (sign-in, errors before sign-in), with the CSRF
/// cookie set when new.
pub(super) fn render_bare(
    request: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    name: &str,
    mut data: Value,
) -> Result<HttpResponse, ApiError> {
    let (csrf, new) = csrf_of(request);
    data["layout"] = json!({
        "base": base(request),
        "csrf": csrf,
        "me": null,
        "nav": null,
        "current": name,
    });
    finish(request, state, status, name, data, new.then_some(csrf))
}

fn finish(
    request: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    name: &str,
    data: Value,
    new_csrf: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let html = page_html(name, data)
        .map_err(|e| ServiceError::Internal(format!("console page `{name}`: {e}")))?;
    let mut builder = secured(status);
    builder.content_type("text/html; charset=utf-8");
    if let Some(csrf) = new_csrf {
        builder.cookie(
            Cookie::build(CONSOLE_CSRF_COOKIE, csrf)
                .path(base(request))
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(state.secure_cookies)
                .finish(),
        );
    }
    Ok(builder.body(html))
}

/// The page `name` inside the frame (`top`, the page, `bottom`). The frame is rendered from a
/// small value of its own and the page's data is moved into its context: handlebars would
/// otherwise copy the whole data for each partial.
fn page_html(name: &str, data: Value) -> Result<String, String> {
    let pages = registry().map_err(|e| e.to_string())?;
    let frame = json!({ "title": data["title"], "layout": data["layout"] });
    let top = pages.render("top", &frame).map_err(|e| e.to_string())?;
    let body = pages
        .render_with_context(name, &handlebars::Context::from(data))
        .map_err(|e| e.to_string())?;
    let bottom = pages.render("bottom", &frame).map_err(|e| e.to_string())?;
    Ok([top, body, bottom].concat())
}

/// The signed-in caller with what their role offers.
#[derive(Clone)]
pub(super) struct Signed {
    /// The caller.
    pub caller: Caller,
    /// The account's policy as this request saw it.
    pub policy: Arc<Policy>,
    /// Their sign-in e-mail.
    pub email: String,
    /// Their role's name.
    pub role_name: String,
    /// Their card's "may grant client access" flag.
    pub may_grant_flag: bool,
}

impl Signed {
    /// The caller's level on the top-level feature `feature`.
    pub(super) fn level(&self, feature: &str) -> Level {
        self.policy
            .feature(feature)
            .ok()
            .and_then(|id| self.policy.level(self.caller.user, id).ok())
            .unwrap_or(Level::None)
    }

    /// Whether the caller may share: the catalog needs `workspace: read` (sharing a
    /// workflow needs `read` on its app as well).
    pub(super) fn may_share(&self) -> bool {
        self.level(WORKSPACE).allows(Level::Read)
    }

    /// Whether the caller may grant or change contacts' access: `user_management: write`, or
    /// the "may grant client access" flag on their card.
    pub(super) fn may_grant_client_access(&self) -> bool {
        self.may_grant_flag || self.level(USER_MANAGEMENT).allows(Level::Write)
    }

    /// Refuses with [`ServiceError::Forbidden`] unless the caller has `level` on `feature`.
    pub(super) fn require(&self, feature: &str, level: Level) -> Result<(), ApiError> {
        if self.level(feature).allows(level) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                feature: feature.to_owned(),
                level,
            }
            .into())
        }
    }

    /// The frame every signed-in page shares: who, and the pages the role offers.
    fn layout(&self, request: &HttpRequest, csrf: &str, current: &str) -> Value {
        let users = self.level(USER_MANAGEMENT);
        let share = self.may_share();
        json!({
            "base": base(request),
            "csrf": csrf,
            "current": current,
            "me": { "email": self.email, "role": self.role_name },
            "nav": {
                "users": users.allows(Level::Read),
                "roles": users.allows(Level::Read),
                "share": share,
                "invitations": share || users.allows(Level::Read),
                "contacts": share,
                "settings": self.level(SETTINGS).allows(Level::Read),
            },
        })
    }

    /// Renders page `name` in the signed-in frame; `current` names the navigation entry.
    pub(super) fn render(
        &self,
        request: &HttpRequest,
        state: &AppState,
        status: StatusCode,
        name: &str,
        current: &str,
        mut data: Value,
    ) -> Result<HttpResponse, ApiError> {
        let (csrf, new) = csrf_of(request);
        data["layout"] = self.layout(request, &csrf, current);
        finish(request, state, status, name, data, new.then_some(csrf))
    }
}

/// The user behind the session cookie, whatever the state of their password (API tokens do
/// not open the console).
pub(super) async fn session_user(
    request: &HttpRequest,
    state: &AppState,
) -> Result<AnyCaller, ApiError> {
    let secret = request
        .cookie(SESSION_COOKIE)
        .and_then(|cookie| BearerSecret::parse(cookie.value()))
        .ok_or(ServiceError::Unauthenticated)?;
    let presented = Presented::Session(secret);
    let client = client_addr(request);
    match state.tessera.cached_caller(&presented, client.clone()) {
        Some(caller) => Ok(caller),
        None => state.run(move |t| t.authenticate(&presented, client)).await,
    }
}

/// The signed-in caller whose password needs no change, with their policy and names.
async fn signed(request: &HttpRequest, state: &AppState) -> Result<Signed, ApiError> {
    let caller = Caller::active(session_user(request, state).await?)?;
    let policy = state.policy(caller.account, None).await?;
    let me = caller.clone();
    let user = state.run(move |t| t.user(&me, me.user)).await?;
    let role_name = policy
        .roles()
        .find(|role| role.id == user.role)
        .map_or_else(String::new, |role| role.name.to_owned());
    Ok(Signed {
        caller,
        policy,
        email: user.email,
        role_name,
        may_grant_flag: user.may_grant_client_access,
    })
}

/// Runs a signed-in page: no session → the sign-in page; a password to change → that page;
/// an error → its page (403 naming the missing right, 404, 400 naming the field, 429, 500).
pub(super) async fn signed_page<F, Fut>(request: HttpRequest, page: F) -> HttpResponse
where
    F: FnOnce(Signed, HttpRequest, web::Data<AppState>) -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return HttpResponse::InternalServerError().finish();
    };
    let signed = match signed(&request, &state).await {
        Ok(signed) => signed,
        Err(error) => return failure(&request, &state, None, error),
    };
    match page(signed.clone(), request.clone(), state.clone()).await {
        Ok(answer) => answer,
        Err(error) => failure(&request, &state, Some(&signed), error),
    }
}

/// Runs a signed-in form submission like [`signed_page`], after parsing the form and
/// refusing it unless its CSRF token matches the cookie.
pub(super) async fn signed_form<F, Fut>(
    request: HttpRequest,
    body: web::Bytes,
    page: F,
) -> HttpResponse
where
    F: FnOnce(Signed, Form, HttpRequest, web::Data<AppState>) -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    signed_page(request, |signed, request, state| async move {
        let form = Form::parse(&body);
        if !csrf_ok(&request, &form) {
            return Err(stale_form());
        }
        page(signed, form, request, state).await
    })
    .await
}

/// The answer to a failed page.
pub(super) fn failure(
    request: &HttpRequest,
    state: &AppState,
    signed: Option<&Signed>,
    error: ApiError,
) -> HttpResponse {
    let (title, detail, missing) = match &error {
        ApiError::Service(ServiceError::Unauthenticated) => {
            return redirect(request, "/sign-in");
        }
        ApiError::Service(ServiceError::PasswordChangeRequired) => {
            return redirect(request, "/password");
        }
        ApiError::Service(ServiceError::Forbidden { feature, level }) => (
            "Not allowed",
            format!(
                "This page needs the right `{feature}: {level}`, and your role does not give it. Ask an administrator to change your role.",
                level = level.as_str()
            ),
            Some(json!({ "feature": feature, "level": level.as_str() })),
        ),
        ApiError::Service(ServiceError::NotFound { what }) => (
            "Not found",
            format!("That {what} does not exist, or is not yours to see."),
            None,
        ),
        other => {
            let status = other.status_code();
            if status.is_server_error() {
                tracing::error!(error = %other, "console page failed");
                (
                    "Something went wrong",
                    "The page could not be shown. Try again in a moment.".to_owned(),
                    None,
                )
            } else {
                ("That did not work", other.to_string(), None)
            }
        }
    };
    let status = error.status_code();
    let data = json!({ "title": title, "detail": detail, "missing": missing });
    let rendered = match signed {
        Some(signed) => signed.render(request, state, status, "problem", "", data),
        None => render_bare(request, state, status, "problem", data),
    };
    rendered.unwrap_or_else(|error| {
        tracing::error!(error = %error, "console problem page failed");
        HttpResponse::InternalServerError().finish()
    })
}

/// Adds (or replaces) `extra`'s fields in the page data `data`: a notice, an error, what was
/// typed.
pub(super) fn merge(data: &mut Value, extra: Value) {
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.extend(extra);
    }
}

/// The page for a form whose CSRF token does not match.
pub(super) fn stale_form() -> ApiError {
    ApiError::invalid(
        "csrf",
        "This form has expired. Go back, reload the page and send it again.",
    )
}

/// The message an error shows beside a form, naming the field: for refusals of the input
/// (400, 409, 422); `None` for anything else, which gets its own page.
pub(super) fn form_error(error: &ApiError) -> Option<Value> {
    let status = error.status_code().as_u16();
    if !matches!(status, 400 | 409 | 422) {
        return None;
    }
    let problem = error.problem();
    let detail = match &problem.field {
        Some(field) => problem
            .detail
            .strip_prefix(&format!("{field}: "))
            .unwrap_or(&problem.detail)
            .to_owned(),
        None => problem.detail,
    };
    Some(json!({ "field": problem.field, "detail": detail }))
}
