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
        .service(methods("/healthz", "GET").route(web::get().to(healthz)))
        .service(methods("/readyz", "GET").route(web::get().to(readyz)))
        .service(methods("/metrics", "GET").route(web::get().to(metrics::metrics)))
        .service(methods("/openapi.json", "GET").route(web::get().to(openapi_json)))
        .service(
            methods("/x/verify", "GET, POST")
                .route(web::get().to(external::verify_form))
                .route(web::post().to(external::verify)),
        )
        .service(methods("/x/workflows", "GET").route(web::get().to(external::workflows)))
        .service(
            methods("/x/{token}", "GET, POST")
                .route(web::get().to(external::landing))
                .route(web::post().to(external::follow_link)),
        )
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/docs/openapi.json", openapi()),
        )
        .service(
            web::scope("/v1")
                .wrap(actix_web::middleware::from_fn(metrics::track))
                .service(
                    methods("/session", "POST, DELETE")
                        .route(web::post().to(session::sign_in))
                        .route(web::delete().to(session::sign_out)),
                )
                .service(
                    methods("/session/password", "POST")
                        .route(web::post().to(session::change_password)),
                )
                .service(methods("/tokens", "POST").route(web::post().to(session::create_token)))
                .service(
                    methods("/tokens/{id}", "DELETE")
                        .route(web::delete().to(session::delete_token)),
                )
                .service(
                    methods("/users", "GET, POST")
                        .route(web::get().to(users::list))
                        .route(web::post().to(users::add)),
                )
                .service(
                    methods("/users/{id}/role", "PUT").route(web::put().to(users::change_role)),
                )
                .service(methods("/users/{id}", "DELETE").route(web::delete().to(users::delete)))
                .service(
                    methods("/roles", "GET, POST")
                        .route(web::get().to(roles::list))
                        .route(web::post().to(roles::create)),
                )
                .service(
                    methods("/roles/{id}", "GET, PUT, DELETE")
                        .route(web::get().to(roles::get))
                        .route(web::put().to(roles::update))
                        .route(web::delete().to(roles::delete)),
                )
                .service(methods("/features", "GET").route(web::get().to(features::list)))
                .service(methods("/features/{kind}", "POST").route(web::post().to(features::add)))
                .service(methods("/items", "GET").route(web::get().to(catalog::list_items)))
                .service(
                    methods("/items/{external_id}", "PUT").route(web::put().to(catalog::put_item)),
                )
                .service(
                    methods("/groups", "GET, POST")
                        .route(web::get().to(catalog::list_groups))
                        .route(web::post().to(catalog::create_group)),
                )
                .service(
                    methods("/groups/{id}", "PUT, DELETE")
                        .route(web::put().to(catalog::update_group))
                        .route(web::delete().to(catalog::delete_group)),
                )
                .service(methods("/shares", "POST").route(web::post().to(sharing::create_share)))
                .service(
                    methods("/invitations", "GET").route(web::get().to(sharing::list_invitations)),
                )
                .service(
                    methods("/invitations/{id}/{action}", "POST")
                        .route(web::post().to(sharing::act_on_invitation)),
                )
                .service(methods("/check", "POST").route(web::post().to(checks::check)))
                .service(methods("/checks", "POST").route(web::post().to(checks::batch)))
                .service(methods("/explain", "POST").route(web::post().to(checks::explain)))
                .service(methods("/who-can", "GET").route(web::get().to(checks::who_can)))
                .service(methods("/what-can", "GET").route(web::get().to(checks::what_can))),
        )
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ApiError::NotFound { what: "route" })
        }));
}

/// A resource at `path` whose methods are added with `.route(…)`; any other method gets 405
/// `method-not-allowed` naming the `allow`ed ones.
fn methods(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow })
    }))
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
