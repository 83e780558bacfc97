//! Tessera's HTTP services, mountable in any actix-web app with [`configure`]:
//! sign-in sessions and API tokens, users, roles, the feature tree and permission checks
//! under `/v1`, plus `/healthz` and `/readyz`. Errors are `application/problem+json`.
//!
//! A handler authenticates, loads what the decision needs, lets the engine decide, and saves
//! the result in one transaction that also bumps the account's policy version.

#![deny(missing_docs)]

mod auth;
mod bootstrap;
mod catalog;
mod checks;
mod error;
mod external;
mod features;
mod metrics;
mod openapi;
mod outbox;
mod roles;
mod session;
mod sharing;
mod state;
mod users;

use actix_web::{HttpResponse, web};
use tessera_access::{Policy, PolicyVersion};
use tessera_store::{DbConnection, accounts, policies};

pub use auth::{AnyCaller, Caller, Credential, SESSION_COOKIE, hash_password, verify_password};
pub use bootstrap::{Bootstrap, bootstrap};
pub use error::{ApiError, Problem};
pub use external::{
    CSRF_COOKIE, EXTERNAL_COOKIE, EXTERNAL_SESSION_DAYS, MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS, REFUSAL_FLOOR,
};
pub use outbox::{DEFAULT_PARALLELISM, Delivered, MAX_ATTEMPTS, STALE_CLAIM, Sender};
pub use session::{
    MAX_SIGN_IN_FAILURES_PER_ADDRESS, MAX_SIGN_IN_FAILURES_PER_EMAIL, SIGN_IN_EMAIL_WINDOW_MINUTES,
};
pub use state::{AppState, POLICY_RECHECK, VERSION_WAIT};

/// Largest JSON body accepted (a batch of 10,000 checks fits).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Mounts every service on `config`, sharing `state`.
pub fn configure(config: &mut web::ServiceConfig, state: web::Data<AppState>) {
    config
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_BODY_BYTES)
                .error_handler(error::json_error),
        )
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(|error, _| {
            ApiError::InvalidInput {
                field: Some("path".into()),
                detail: error.to_string(),
            }
            .into()
        }))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/openapi.json", web::get().to(openapi_json))
        .route("/x/verify", web::get().to(external::verify_form))
        .route("/x/verify", web::post().to(external::verify))
        .route("/x/workflows", web::get().to(external::workflows))
        .route("/x/{token}", web::get().to(external::landing))
        .route("/x/{token}", web::post().to(external::follow_link))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/docs/openapi.json", openapi()),
        )
        .service(
            web::scope("/v1")
                .wrap(actix_web::middleware::from_fn(metrics::track))
                .route("/session", web::post().to(session::sign_in))
                .route("/session", web::delete().to(session::sign_out))
                .route(
                    "/session/password",
                    web::post().to(session::change_password),
                )
                .route("/tokens", web::post().to(session::create_token))
                .route("/tokens/{id}", web::delete().to(session::delete_token))
                .route("/users", web::get().to(users::list))
                .route("/users", web::post().to(users::add))
                .route("/users/{id}/role", web::put().to(users::change_role))
                .route("/users/{id}", web::delete().to(users::delete))
                .route("/roles", web::get().to(roles::list))
                .route("/roles", web::post().to(roles::create))
                .route("/roles/{id}", web::get().to(roles::get))
                .route("/roles/{id}", web::put().to(roles::update))
                .route("/roles/{id}", web::delete().to(roles::delete))
                .route("/features", web::get().to(features::list))
                .route("/features/{kind}", web::post().to(features::add))
                .route("/items", web::get().to(catalog::list_items))
                .route("/items/{external_id}", web::put().to(catalog::put_item))
                .route("/groups", web::get().to(catalog::list_groups))
                .route("/groups", web::post().to(catalog::create_group))
                .route("/groups/{id}", web::put().to(catalog::update_group))
                .route("/groups/{id}", web::delete().to(catalog::delete_group))
                .route("/shares", web::post().to(sharing::create_share))
                .route("/invitations", web::get().to(sharing::list_invitations))
                .route(
                    "/invitations/{id}/{action}",
                    web::post().to(sharing::act_on_invitation),
                )
                .route("/check", web::post().to(checks::check))
                .route("/checks", web::post().to(checks::batch))
                .route("/explain", web::post().to(checks::explain))
                .route("/who-can", web::get().to(checks::who_can))
                .route("/what-can", web::get().to(checks::what_can)),
        )
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ApiError::NotFound { what: "route" })
        }));
}

/// The OpenAPI 3.1 description of every endpoint.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    openapi::ApiDoc::openapi()
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(openapi())
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is up")), tag = "operations")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "The database answers"),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json")
    ),
    tag = "operations"
)]
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let app = state.into_inner();
    web::block(move || -> Result<(), ApiError> {
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT 1")
            .execute(&mut **app.db()?)
            .map_err(tessera_store::StoreError::from)?;
        Ok(())
    })
    .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}

/// What a policy change did, for the audit trail: an action name (`user.add`, `role.delete`,
/// …) and its target (an id or a name).
pub(crate) struct Audited {
    action: &'static str,
    target: String,
}

impl Audited {
    pub(crate) fn new(action: &'static str, target: impl ToString) -> Self {
        Audited {
            action,
            target: target.to_string(),
        }
    }
}

/// Runs one policy change in one transaction: bumps the account's version first (which
/// serializes writers of the account), loads the policy as committed, lets `change` decide
/// on it (the engine validates) and write its rows, and records the audit event (who, what,
/// when, from where). Returns what `change` returned and the new version; the cached policy
/// is dropped so the next read reloads it.
pub(crate) async fn change_policy<T, F>(
    state: &web::Data<AppState>,
    caller: &AnyCaller,
    audited: Audited,
    change: F,
) -> Result<(T, PolicyVersion), ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &mut Policy) -> Result<T, ApiError> + Send + 'static,
{
    use diesel::Connection;
    let app = state.clone().into_inner();
    let (account, actor, client_addr) = (caller.account, caller.user, caller.client_addr.clone());
    let result = web::block(move || {
        let mut db = app.db()?;
        db.transaction::<_, ApiError, _>(|tx| {
            let version = accounts::bump_policy_version(tx, account)?;
            let mut policy = policies::load(tx, account)?;
            let out = change(tx, &mut policy)?;
            let event = tessera_store::audit::AuditEvent {
                id: new_uuid(),
                account,
                occurred_at: app.clock.now(),
                actor: Some(actor),
                action: audited.action.to_owned(),
                target: Some(audited.target),
                detail: serde_json::json!({ "policy_version": version }).to_string(),
                client_addr,
            };
            tessera_store::audit::insert(tx, &event)?;
            Ok((out, version))
        })
    })
    .await??;
    state.note_write(account, result.1);
    Ok(result)
}

/// Normalizes an e-mail address ([`tessera_core::normalize_email`]), or a 400 naming `email`.
pub fn normalize_email(email: &str) -> Result<String, ApiError> {
    tessera_core::normalize_email(email).ok_or_else(|| ApiError::InvalidInput {
        field: Some("email".into()),
        detail: format!("`{}` is not an e-mail address", email.trim()),
    })
}

/// A random (version 4) UUID from the thread's cryptographic RNG.
pub fn new_uuid() -> tessera_core::Uuid {
    use rand::Rng;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    tessera_core::UserId::from_random_bytes(bytes).as_uuid()
}
