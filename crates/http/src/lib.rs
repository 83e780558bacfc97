//! Tessera's HTTP services, mountable in any actix-web app with [`configure`]: sign-in
//! sessions and API tokens, users, roles, the feature tree, permission checks, the catalog
//! and sharing under `/v1`; the external site under `/x`; `/healthz`, `/readyz`, `/metrics`,
//! `/openapi.json` and `/docs/`. Errors are `application/problem+json`.
//!
//! The crate only translates: a handler extracts and authenticates, calls one use case of
//! [`tessera_service::Tessera`], and shapes the answer; errors are mapped once, in
//! [`ApiError`]. It knows no database. The workers that deliver e-mail are the service's:
//! an app that mounts these services starts them with
//! [`Tessera::start_workers`](tessera_service::Tessera::start_workers).

#![deny(missing_docs)]

mod accounts;
pub mod apps;
mod audit;
mod auth;
mod automations;
mod catalog;
mod checks;
mod console;
mod contacts;
mod error;
mod external;
mod features;
mod inbound;
mod json;
mod metrics;
mod openapi;
mod portal;
mod projects;
mod roles;
mod serve;
mod session;
mod sharing;
mod spans;
mod state;
mod users;

use actix_web::{HttpResponse, web};

pub use auth::{AnyUser, SESSION_COOKIE, User, client_addr};
pub use console::CONSOLE_CSRF_COOKIE;
pub use error::{ApiError, Problem};
pub use external::{CSRF_COOKIE, EXTERNAL_COOKIE, EXTERNAL_SESSION_DAYS, REFUSAL_FLOOR};
pub use json::{BodyError, Json, Query, from_query, from_slice};
pub use serve::serve;
pub use spans::RedactedSpans;
pub use state::AppState;

/// The header carrying the policy version a `DELETE` produced (a `DELETE` answers 204 with no
/// body; those that change the policy — users, roles — say its new version here).
pub const POLICY_VERSION_HEADER: &str = "Tessera-Policy-Version";

/// The answer to every `DELETE`: 204, with the new policy version when it changed.
fn deleted(version: Option<tessera_access::PolicyVersion>) -> HttpResponse {
    let mut answer = HttpResponse::NoContent();
    if let Some(version) = version {
        answer.insert_header((POLICY_VERSION_HEADER, version.0.to_string()));
    }
    answer.finish()
}

/// Largest JSON body accepted (a batch of 10,000 checks fits).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Mounts every service on `config`, sharing `state`.
pub fn configure(config: &mut web::ServiceConfig, state: web::Data<AppState>) {
    config
        .app_data(state)
        .app_data(web::PathConfig::default().error_handler(|error, request| {
            let detail = error.to_string();
            let detail = detail.trim_start_matches("Path deserialize error: ");
            ApiError::invalid(path_field(request, detail), detail).into()
        }))
        // `/v1` first: the API's requests skip the pages' dynamic routes.
        .service(
            web::scope("/v1")
                .wrap(actix_web::middleware::from_fn(metrics::track))
                // The hot paths first: actix tries a scope's resources in order, and every
                // dynamic one before a match costs a regex capture.
                .service(methods("/check", "POST").route(web::post().to(checks::check)))
                .service(methods("/checks", "POST").route(web::post().to(checks::batch)))
                .service(methods("/explain", "POST").route(web::post().to(checks::explain)))
                .service(methods("/who-can", "GET").route(web::get().to(checks::who_can)))
                .service(methods("/what-can", "GET").route(web::get().to(checks::what_can)))
                .service(
                    methods("/session", "POST, DELETE")
                        .route(web::post().to(session::sign_in))
                        .route(web::delete().to(session::sign_out)),
                )
                .service(
                    methods("/session/password", "POST")
                        .route(web::post().to(session::change_password)),
                )
                .service(
                    methods("/tokens", "GET, POST")
                        .route(web::get().to(session::list_tokens))
                        .route(web::post().to(session::create_token)),
                )
                .service(
                    methods("/accounts", "GET, POST")
                        .route(web::get().to(accounts::list))
                        .route(web::post().to(accounts::create)),
                )
                .service(
                    methods("/account", "GET, PATCH")
                        .route(web::get().to(accounts::get))
                        .route(web::patch().to(accounts::update)),
                )
                .service(methods("/audit", "GET").route(web::get().to(audit::list)))
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
                .service(
                    methods("/users/{id}", "GET, PATCH, DELETE")
                        .route(web::get().to(users::get_one))
                        .route(web::patch().to(users::rename))
                        .route(web::delete().to(users::delete)),
                )
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
                    methods("/items/{external_id}", "PUT, DELETE")
                        .route(web::put().to(catalog::put_item))
                        .route(web::delete().to(catalog::delete_item)),
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
                .service(
                    methods("/users/{id}/may-grant-client-access", "PUT")
                        .route(web::put().to(contacts::set_may_grant)),
                )
                .service(
                    methods("/contacts", "GET, POST")
                        .route(web::get().to(contacts::list))
                        .route(web::post().to(contacts::create)),
                )
                .service(
                    methods("/contacts/{id}", "GET, PATCH, DELETE")
                        .route(web::get().to(contacts::get_one))
                        .route(web::patch().to(contacts::update))
                        .route(web::delete().to(contacts::delete)),
                )
                .service(
                    methods("/contacts/{id}/access", "PUT")
                        .route(web::put().to(contacts::set_access)),
                )
                .service(
                    methods("/contacts/{id}/activation", "POST")
                        .route(web::post().to(contacts::resend_activation)),
                )
                .service(
                    methods("/activation/{token}", "GET, POST")
                        .route(web::get().to(contacts::activation))
                        .route(web::post().to(contacts::activate)),
                )
                .service(
                    methods("/projects", "GET, POST")
                        .route(web::get().to(projects::list_projects))
                        .route(web::post().to(projects::create_project)),
                )
                .service(
                    methods("/projects/{id}", "GET, PUT, DELETE")
                        .route(web::get().to(projects::get_project))
                        .route(web::put().to(projects::update_project))
                        .route(web::delete().to(projects::delete_project)),
                )
                .service(
                    methods("/projects/{id}/tasks", "GET, POST")
                        .route(web::get().to(projects::list_tasks))
                        .route(web::post().to(projects::create_task)),
                )
                .service(
                    methods("/tasks/{id}", "GET, PATCH, DELETE")
                        .route(web::get().to(projects::get_task))
                        .route(web::patch().to(projects::update_task))
                        .route(web::delete().to(projects::delete_task)),
                )
                .service(
                    methods("/tasks/{id}/comments", "GET, POST")
                        .route(web::get().to(projects::list_comments))
                        .route(web::post().to(projects::add_comment)),
                )
                .service(
                    methods("/tasks/{id}/history", "GET").route(web::get().to(projects::history)),
                )
                .service(
                    methods("/portal/session", "POST, DELETE")
                        .route(web::post().to(portal::sign_in))
                        .route(web::delete().to(portal::sign_out)),
                )
                .service(methods("/portal/projects", "GET").route(web::get().to(portal::projects)))
                .service(
                    methods("/portal/projects/{id}", "GET").route(web::get().to(portal::project)),
                )
                .service(
                    methods("/portal/projects/{id}/tasks", "GET, POST")
                        .route(web::get().to(portal::tasks))
                        .route(web::post().to(portal::create_task)),
                )
                .service(
                    methods("/portal/tasks/{id}", "GET, PATCH")
                        .route(web::get().to(portal::task))
                        .route(web::patch().to(portal::set_status)),
                )
                .service(
                    methods("/portal/tasks/{id}/comments", "GET, POST")
                        .route(web::get().to(portal::comments))
                        .route(web::post().to(portal::comment)),
                )
                .service(
                    methods("/portal/tasks/{id}/history", "GET")
                        .route(web::get().to(portal::history)),
                )
                .service(
                    methods("/inbound/email", "POST")
                        .app_data(web::PayloadConfig::new(inbound::MAX_INBOUND_BODY_BYTES))
                        .route(web::post().to(inbound::receive)),
                )
                .service(
                    methods("/apps", "GET, POST")
                        .route(web::get().to(apps::list_apps))
                        .route(web::post().to(apps::create_app)),
                )
                .service(methods("/apps/{app}", "GET").route(web::get().to(apps::get_app)))
                .service(
                    methods("/apps/{app}/cases", "GET, POST")
                        .route(web::get().to(apps::list_cases))
                        .route(web::post().to(apps::create_case)),
                )
                .service(
                    methods("/apps/{app}/case-roles", "GET, POST")
                        .route(web::get().to(apps::list_case_roles))
                        .route(web::post().to(apps::create_case_role)),
                )
                .service(
                    methods("/apps/{app}/case-roles/{id}", "PUT, DELETE")
                        .route(web::put().to(apps::update_case_role))
                        .route(web::delete().to(apps::delete_case_role)),
                )
                .service(methods("/apps/{app}/users", "GET").route(web::get().to(apps::list_users)))
                .service(
                    methods("/apps/{app}/users/import", "POST")
                        .app_data(web::PayloadConfig::new(apps::MAX_IMPORT_BYTES))
                        .route(web::post().to(apps::import)),
                )
                .service(
                    methods("/apps/{app}/users/{user}", "PUT, DELETE")
                        .route(web::put().to(apps::set_user))
                        .route(web::delete().to(apps::remove_user)),
                )
                .service(
                    methods("/cases/{case}", "GET, DELETE")
                        .route(web::get().to(apps::get_case))
                        .route(web::delete().to(apps::delete_case)),
                )
                .service(
                    methods("/cases/{case}/assignments/{user}", "PUT, DELETE")
                        .route(web::put().to(apps::assign))
                        .route(web::delete().to(apps::unassign)),
                )
                .service(methods("/seats", "GET").route(web::get().to(apps::seats)))
                .service(
                    methods("/automation-settings", "GET, PUT")
                        .route(web::get().to(automations::get_settings))
                        .route(web::put().to(automations::put_settings)),
                )
                .service(
                    methods("/event-types", "GET")
                        .route(web::get().to(automations::list_event_types)),
                )
                .service(
                    methods("/event-types/{name}", "PUT")
                        .route(web::put().to(automations::put_event_type)),
                )
                .service(
                    methods("/automations", "GET, POST")
                        .route(web::get().to(automations::list))
                        .route(web::post().to(automations::create)),
                )
                .service(
                    methods("/automations/{id}", "GET, PUT, DELETE")
                        .route(web::get().to(automations::get_one))
                        .route(web::put().to(automations::update))
                        .route(web::delete().to(automations::delete)),
                )
                .service(
                    methods("/automations/{id}/active", "PUT")
                        .route(web::put().to(automations::set_active)),
                )
                .service(
                    methods("/automations/{id}/transfer", "POST")
                        .route(web::post().to(automations::transfer)),
                )
                .service(
                    methods("/automations/{id}/duplicate", "POST")
                        .route(web::post().to(automations::duplicate)),
                )
                .service(
                    methods("/automations/{id}/access", "GET, POST")
                        .route(web::get().to(automations::list_access))
                        .route(web::post().to(automations::share)),
                )
                .service(
                    methods("/automations/{id}/access/{user}", "DELETE")
                        .route(web::delete().to(automations::unshare)),
                )
                .service(
                    methods("/automations/{id}/access/{user}/deactivate", "POST")
                        .route(web::post().to(automations::deactivate)),
                )
                .service(
                    methods("/automations/{id}/activate", "POST")
                        .route(web::post().to(automations::activate)),
                )
                .service(
                    methods("/automations/{id}/troubleshooting", "GET")
                        .route(web::get().to(automations::troubleshooting)),
                )
                .service(
                    methods("/automations/{id}/runs", "GET")
                        .route(web::get().to(automations::list_runs)),
                )
                .service(methods("/runs/{id}", "GET").route(web::get().to(automations::get_run)))
                .service(methods("/events", "POST").route(web::post().to(automations::ingest)))
                .service(
                    methods("/notifications", "GET")
                        .route(web::get().to(automations::notifications)),
                )
                .service(
                    methods("/me/mailbox", "GET, PUT, DELETE")
                        .route(web::get().to(automations::get_mailbox))
                        .route(web::put().to(automations::put_mailbox))
                        .route(web::delete().to(automations::delete_mailbox)),
                )
                .default_service(web::to(no_route)),
        )
        .configure(console::configure)
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
        // The external pages' stylesheet (two segments: never taken for a `/x/{token}`).
        .service(methods("/x/assets/site.css", "GET").route(web::get().to(external::stylesheet)))
        .service(
            methods("/c/activate/{token}", "GET, POST")
                .route(web::get().to(external::activation_page))
                .route(web::post().to(external::activation_submit)),
        )
        .service(
            methods("/x/{token}", "GET, POST")
                .route(web::get().to(external::landing))
                .route(web::post().to(external::follow_link)),
        )
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").url("/docs/openapi.json", openapi()),
        )
        .service(methods("/docs", "GET").route(web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((actix_web::http::header::LOCATION, "docs/"))
                .finish()
        })))
        .default_service(web::to(no_route));
}

/// The path parameter a path error is about: the only one, or — for `/v1/invitations/{id}/
/// {action}` — the one that is not a UUID when the error is about a UUID, else the last.
fn path_field(request: &actix_web::HttpRequest, detail: &str) -> String {
    let parameters: Vec<(&str, &str)> = request.match_info().iter().collect();
    let not_a_uuid = parameters
        .iter()
        .find(|(_, value)| tessera_core::Uuid::parse_str(value).is_err());
    let chosen = match (detail.contains("UUID"), not_a_uuid) {
        (true, Some(parameter)) => Some(parameter),
        _ => parameters.last(),
    };
    chosen.map_or_else(|| "path".to_owned(), |(name, _)| (*name).to_owned())
}

/// Any path nothing answers: a problem document, under whatever prefix the services are
/// mounted (a nested scope would otherwise fall back to the host app's default).
async fn no_route() -> Result<HttpResponse, ApiError> {
    Err(tessera_service::ServiceError::NotFound { what: "route" }.into())
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
    state.run(|t| t.ready()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
