//! The client portal's API: a contact with `basic` or `advanced` access signs in and works
//! with the projects and tasks they see — and nothing else. An id they may not see answers
//! 404, exactly like an id that does not exist; an action their portal role does not allow
//! answers 403 naming the portal feature and level.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_contacts::{Person, TaskStatus};
use tessera_core::{AccountId, BearerSecret, Uuid};
use tessera_service::ServiceError;
use tessera_service::contacts::ContactCaller;

use crate::auth::{client_addr, cookie_removal, named_cookie};
use crate::projects::{CommentBody, CommentView, HistoryView, ProjectView, TaskView};
use crate::{ApiError, AppState};

/// The portal session cookie's name.
pub const PORTAL_COOKIE: &str = "tessera_portal";

const TAG: &str = "portal";

/// A signed-in contact.
#[derive(Debug, Clone)]
pub struct Contact(pub ContactCaller);

impl FromRequest for Contact {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = request
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| {
                    ServiceError::Internal("tessera_http state is not configured".into())
                })?
                .clone();
            let secret = request
                .cookie(PORTAL_COOKIE)
                .and_then(|cookie| BearerSecret::parse(cookie.value()))
                .ok_or(ServiceError::Unauthenticated)?;
            let client = client_addr(&request);
            let caller = state
                .run(move |t| t.authenticate_contact(&secret, client))
                .await?;
            Ok(Contact(caller))
        })
    }
}

/// `POST /v1/portal/session` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalSignIn {
    /// The contact's e-mail.
    #[schema(max_length = 254)]
    pub email: String,
    /// The password chosen at activation.
    #[schema(max_length = 1024)]
    pub password: String,
}

/// A contact signed in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PortalSignedIn {
    /// The account.
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    /// The contact.
    pub contact_id: Uuid,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
}

/// Signs a contact in and sets the portal cookie. The same limits and answers as a user's
/// sign-in: a wrong address and a wrong password look alike.
#[utoipa::path(
    post,
    path = "/v1/portal/session",
    request_body = PortalSignIn,
    responses((status = 200, body = PortalSignedIn), (status = 401, description = "Wrong e-mail or password", body = crate::error::Problem, content_type = "application/problem+json"), (status = 429, description = "Too many failed sign-ins (`Retry-After` says when to try again)", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG
)]
pub async fn sign_in(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: crate::Json<PortalSignIn>,
) -> Result<HttpResponse, ApiError> {
    let (body, client) = (body.into_inner(), client_addr(&request));
    let signed = state
        .run(move |t| t.contact_sign_in(&body.email, &body.password, client.as_deref()))
        .await?;
    let lifetime = state.tessera.session_lifetime();
    Ok(HttpResponse::Ok()
        .cookie(named_cookie(
            PORTAL_COOKIE,
            &signed.secret,
            lifetime,
            state.secure_cookies,
        ))
        .json(PortalSignedIn {
            account_id: signed.account,
            contact_id: signed.contact,
            expires_at: signed.expires_at,
        }))
}

/// Signs the contact out and clears the cookie.
#[utoipa::path(
    delete,
    path = "/v1/portal/session",
    responses((status = 204, description = "Done")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn sign_out(
    state: web::Data<AppState>,
    Contact(caller): Contact,
) -> Result<HttpResponse, ApiError> {
    state.run(move |t| t.contact_sign_out(&caller)).await?;
    let mut answer = crate::deleted(None);
    answer
        .add_cookie(&cookie_removal(PORTAL_COOKIE))
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(answer)
}

/// The projects the contact sees.
#[utoipa::path(
    get,
    path = "/v1/portal/projects",
    responses((status = 200, body = Vec<ProjectView>)),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn projects(
    state: web::Data<AppState>,
    Contact(caller): Contact,
) -> Result<HttpResponse, ApiError> {
    let all = state.run(move |t| t.portal_projects(&caller)).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(ProjectView::from).collect::<Vec<_>>()))
}

/// One project the contact sees.
#[utoipa::path(
    get,
    path = "/v1/portal/projects/{id}",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, body = ProjectView), (status = 404, description = "No such project, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn project(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state.run(move |t| t.portal_project(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(ProjectView::from(found)))
}

/// The tasks of a project the contact sees: those they are on (every one when they audit
/// the project).
#[utoipa::path(
    get,
    path = "/v1/portal/projects/{id}/tasks",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, body = Vec<TaskView>), (status = 404, description = "No such project, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn tasks(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let project = id.into_inner();
    let all = state.run(move |t| t.portal_tasks(&caller, project)).await?;
    Ok(HttpResponse::Ok().json(
        all.into_iter()
            .map(|p| TaskView::of(p.task, p.people_visible))
            .collect::<Vec<_>>(),
    ))
}

/// `POST /v1/portal/projects/{id}/tasks` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalTaskBody {
    /// Title.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Description.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description: String,
    /// The project's client manager or supervisor (default: the client manager); anyone
    /// else is refused naming `assignee`.
    #[serde(default)]
    #[schema(value_type = Option<crate::openapi::PersonSchema>)]
    pub assignee: Option<Person>,
}

/// Creates a task in a project the contact sees, addressed to the project's client manager
/// or supervisor; the contact is on it as a participant.
#[utoipa::path(
    post,
    path = "/v1/portal/projects/{id}/tasks",
    request_body = PortalTaskBody,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 201, body = TaskView), (status = 404, description = "No such project, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn create_task(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
    body: crate::Json<PortalTaskBody>,
) -> Result<HttpResponse, ApiError> {
    let (project, body) = (id.into_inner(), body.into_inner());
    let task = state
        .run(move |t| {
            t.portal_create_task(
                &caller,
                project,
                &body.title,
                &body.description,
                body.assignee,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(TaskView::of(task, false)))
}

/// One task the contact sees.
#[utoipa::path(
    get,
    path = "/v1/portal/tasks/{id}",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = TaskView), (status = 404, description = "No such task, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn task(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let found = state.run(move |t| t.portal_task(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(TaskView::of(found.task, found.people_visible)))
}

/// `PATCH /v1/portal/tasks/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PortalTaskPatch {
    /// The new status.
    #[schema(value_type = crate::openapi::TaskStatusName)]
    pub status: TaskStatus,
}

/// Changes the status of a task the contact sees (`advanced` access only).
#[utoipa::path(
    patch,
    path = "/v1/portal/tasks/{id}",
    request_body = PortalTaskPatch,
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = TaskView), (status = 404, description = "No such task, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn set_status(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
    body: crate::Json<PortalTaskPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, status) = (id.into_inner(), body.into_inner().status);
    let task = state
        .run(move |t| t.portal_set_status(&caller, id, status))
        .await?;
    Ok(HttpResponse::Ok().json(TaskView::of(task, true)))
}

/// The comments of a task the contact sees.
#[utoipa::path(
    get,
    path = "/v1/portal/tasks/{id}/comments",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = Vec<CommentView>), (status = 404, description = "No such task, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn comments(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let task = id.into_inner();
    let all = state.run(move |t| t.portal_comments(&caller, task)).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(CommentView::from).collect::<Vec<_>>()))
}

/// Comments on a task the contact sees.
#[utoipa::path(
    post,
    path = "/v1/portal/tasks/{id}/comments",
    request_body = CommentBody,
    params(("id" = String, Path, description = "Task id")),
    responses((status = 201, body = CommentView), (status = 404, description = "No such task, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn comment(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
    body: crate::Json<CommentBody>,
) -> Result<HttpResponse, ApiError> {
    let (task, text) = (id.into_inner(), body.into_inner().body);
    let comment = state
        .run(move |t| t.portal_comment(&caller, task, &text))
        .await?;
    Ok(HttpResponse::Created().json(CommentView::from(comment)))
}

/// The history of a task the contact sees.
#[utoipa::path(
    get,
    path = "/v1/portal/tasks/{id}/history",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = Vec<HistoryView>), (status = 404, description = "No such task, or not one the contact sees", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("portal" = []))
)]
pub async fn history(
    state: web::Data<AppState>,
    Contact(caller): Contact,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let task = id.into_inner();
    let all = state.run(move |t| t.portal_history(&caller, task)).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(HistoryView::from).collect::<Vec<_>>()))
}
