//! Signing in and out of the console, the forced password change, and the home page (the
//! caller's own access: the "what can" question about oneself).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use tessera_service::ServiceError;

use super::pages::{
    Form, csrf_ok, failure, redirect, render_bare, session_user, signed_page, stale_form,
};
use crate::auth::{client_addr, session_cookie, session_cookie_removal};
use crate::{ApiError, AppState};

/// `GET /console`: the caller's level on each top-level area.
pub(super) async fn home(request: HttpRequest) -> HttpResponse {
    signed_page(request, |signed, request, state| async move {
        let tree = signed.policy.tree();
        let areas: Vec<_> = tree
            .iter()
            .filter(|(_, _, parent)| parent.is_none())
            .map(|(_, path, _)| {
                json!({ "feature": path.as_str(), "level": signed.level(path.as_str()).as_str() })
            })
            .collect();
        let notice = match request.query_string() {
            "notice=password" => Some("Your password was changed."),
            _ => None,
        };
        signed.render(
            &request,
            &state,
            StatusCode::OK,
            "home",
            "home",
            json!({ "title": "Your access", "areas": areas, "notice": notice }),
        )
    })
    .await
}

fn state_of(request: &HttpRequest) -> Option<web::Data<AppState>> {
    request.app_data::<web::Data<AppState>>().cloned()
}

fn sign_in_page(
    request: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> HttpResponse {
    render_bare(
        request,
        state,
        status,
        "sign_in",
        json!({ "title": "Sign in", "email": email, "error": error }),
    )
    .unwrap_or_else(|error| failure(request, state, None, error))
}

/// `GET /console/sign-in`.
pub(super) async fn sign_in_form(request: HttpRequest) -> HttpResponse {
    let Some(state) = state_of(&request) else {
        return HttpResponse::InternalServerError().finish();
    };
    sign_in_page(&request, &state, StatusCode::OK, "", None)
}

/// `POST /console/sign-in`: starts a session (the API's cookie) and goes on to the forced
/// password change when the password is the initial one.
pub(super) async fn sign_in(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Some(state) = state_of(&request) else {
        return HttpResponse::InternalServerError().finish();
    };
    let form = Form::parse(&body);
    let email = form.get("email").to_owned();
    if !csrf_ok(&request, &form) {
        let message = stale_form().to_string();
        return sign_in_page(
            &request,
            &state,
            StatusCode::FORBIDDEN,
            &email,
            Some(message),
        );
    }
    let password = form.get("password").to_owned();
    let client = client_addr(&request);
    let shown = email.clone();
    let outcome = state
        .run(move |t| t.sign_in(&email, &password, client.as_deref()))
        .await;
    match outcome {
        Ok(signed) => {
            let next = if signed.must_change_password {
                "/password"
            } else {
                ""
            };
            let mut answer = redirect(&request, next);
            let cookie = session_cookie(
                &signed.secret,
                state.tessera.session_lifetime(),
                state.secure_cookies,
            );
            match answer.add_cookie(&cookie) {
                Ok(()) => answer,
                Err(error) => failure(
                    &request,
                    &state,
                    None,
                    ServiceError::Internal(error.to_string()).into(),
                ),
            }
        }
        Err(ApiError::Service(ServiceError::BadCredentials)) => sign_in_page(
            &request,
            &state,
            StatusCode::UNAUTHORIZED,
            &shown,
            Some("Wrong e-mail address or password.".to_owned()),
        ),
        Err(ApiError::Service(ServiceError::TooManyAttempts {
            retry_after_seconds,
        })) => sign_in_page(
            &request,
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &shown,
            Some(format!(
                "Too many failed sign-ins. Try again in {} minutes.",
                retry_after_seconds.div_ceil(60)
            )),
        ),
        Err(other) => failure(&request, &state, None, other),
    }
}

/// `POST /console/sign-out`: ends the session and clears its cookie.
pub(super) async fn sign_out(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Some(state) = state_of(&request) else {
        return HttpResponse::InternalServerError().finish();
    };
    let form = Form::parse(&body);
    if !csrf_ok(&request, &form) {
        return failure(&request, &state, None, stale_form());
    }
    if let Ok(caller) = session_user(&request, &state).await
        && let Err(error) = state.run(move |t| t.sign_out(&caller)).await
    {
        return failure(&request, &state, None, error);
    }
    let mut answer = redirect(&request, "/sign-in");
    match answer.add_cookie(&session_cookie_removal()) {
        Ok(()) => answer,
        Err(error) => failure(
            &request,
            &state,
            None,
            ServiceError::Internal(error.to_string()).into(),
        ),
    }
}

fn password_page(
    request: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    forced: bool,
    error: Option<String>,
) -> HttpResponse {
    render_bare(
        request,
        state,
        status,
        "password",
        json!({ "title": "Choose a new password", "forced": forced, "error": error }),
    )
    .unwrap_or_else(|error| failure(request, state, None, error))
}

/// `GET /console/password`: the password change (forced after the first sign-in).
pub(super) async fn password_form(request: HttpRequest) -> HttpResponse {
    let Some(state) = state_of(&request) else {
        return HttpResponse::InternalServerError().finish();
    };
    match session_user(&request, &state).await {
        Ok(caller) => password_page(
            &request,
            &state,
            StatusCode::OK,
            caller.must_change_password,
            None,
        ),
        Err(error) => failure(&request, &state, None, error),
    }
}

/// `POST /console/password`: replaces the password; other sessions end, this one stays.
pub(super) async fn change_password(request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Some(state) = state_of(&request) else {
        return HttpResponse::InternalServerError().finish();
    };
    let caller = match session_user(&request, &state).await {
        Ok(caller) => caller,
        Err(error) => return failure(&request, &state, None, error),
    };
    let forced = caller.must_change_password;
    let form = Form::parse(&body);
    if !csrf_ok(&request, &form) {
        let message = stale_form().to_string();
        return password_page(
            &request,
            &state,
            StatusCode::FORBIDDEN,
            forced,
            Some(message),
        );
    }
    let (current, new) = (
        form.get("current_password").to_owned(),
        form.get("new_password").to_owned(),
    );
    if new != form.get("repeat_password") {
        let message = "The new password and its repetition differ.".to_owned();
        return password_page(
            &request,
            &state,
            StatusCode::BAD_REQUEST,
            forced,
            Some(message),
        );
    }
    match state
        .run(move |t| t.change_password(&caller, &current, &new))
        .await
    {
        Ok(()) => redirect(&request, "?notice=password"),
        Err(ApiError::Service(ServiceError::InvalidInput { detail, .. })) => password_page(
            &request,
            &state,
            StatusCode::BAD_REQUEST,
            forced,
            Some(detail),
        ),
        Err(other) => failure(&request, &state, None, other),
    }
}
