//! Projects and tasks for employees: any project of the account, by their role on
//! `workspace` (`read` to see, `modify` to change and comment). Contacts see theirs through
//! the client portal ([`crate::portal`]).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_contacts::{Person, Project, Task, TaskPeople, TaskStatus};
use tessera_core::{UserId, Uuid};
use tessera_service::projects::{NewProject, NewTask, TaskUpdate};
use tessera_service::records::{Comment, TaskEvent};

use crate::auth::User;
use crate::{ApiError, AppState};

const TAG: &str = "projects";

/// A project on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The company on the other side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterparty_id: Option<Uuid>,
    /// The employee clients address requests to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>)]
    pub client_manager_id: Option<UserId>,
    /// The employee overseeing the project.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>)]
    pub supervisor_id: Option<UserId>,
    /// Project auditors: they see every task of the project.
    #[schema(value_type = Vec<crate::openapi::PersonSchema>)]
    pub auditors: Vec<Person>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        ProjectView {
            id: p.id,
            name: p.name,
            counterparty_id: p.counterparty,
            client_manager_id: p.client_manager,
            supervisor_id: p.supervisor,
            auditors: p.auditors,
            created_at: p.created_at,
        }
    }
}

/// A task on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    /// Id.
    pub id: Uuid,
    /// Its project.
    pub project_id: Uuid,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Status.
    #[schema(value_type = crate::openapi::TaskStatusName)]
    pub status: TaskStatus,
    /// Who is on it (absent in the portal for contacts whose role does not show people).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::TaskPeopleSchema>)]
    pub people: Option<TaskPeople>,
    /// Who created it.
    #[schema(value_type = crate::openapi::PersonSchema)]
    pub created_by: Person,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl TaskView {
    /// The task, with its people when they may be shown.
    pub fn of(task: Task, people_visible: bool) -> Self {
        TaskView {
            id: task.id,
            project_id: task.project,
            title: task.title,
            description: task.description,
            status: task.status,
            people: people_visible.then_some(task.people),
            created_by: task.created_by,
            created_at: task.created_at,
            updated_at: task.updated_at,
        }
    }
}

/// A comment on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    /// Id.
    pub id: Uuid,
    /// The task.
    pub task_id: Uuid,
    /// Who wrote it.
    #[schema(value_type = crate::openapi::PersonSchema)]
    pub author: Person,
    /// The text.
    pub body: String,
    /// Names of the files a reply by e-mail carried.
    pub attachments: Vec<String>,
    /// `ui` or `email`.
    pub via: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<Comment> for CommentView {
    fn from(c: Comment) -> Self {
        CommentView {
            id: c.id,
            task_id: c.task,
            author: c.author,
            body: c.body,
            attachments: c.attachments,
            via: c.via.as_str().to_owned(),
            created_at: c.created_at,
        }
    }
}

/// A history entry on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryView {
    /// Id.
    pub id: Uuid,
    /// Who did it.
    #[schema(value_type = crate::openapi::PersonSchema)]
    pub actor: Person,
    /// `created`, `commented`, `assigned`, `status_changed`, `edited` or `people_changed`.
    pub kind: String,
    /// The values before and after, the comment's id …
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<TaskEvent> for HistoryView {
    fn from(e: TaskEvent) -> Self {
        HistoryView {
            id: e.id,
            actor: e.actor,
            kind: e.kind,
            detail: e.detail,
            created_at: e.created_at,
        }
    }
}

/// `POST /v1/projects` and `PUT /v1/projects/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    /// Name.
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    /// The company on the other side (a contact of kind `company`).
    #[serde(default)]
    pub counterparty_id: Option<Uuid>,
    /// The employee clients address requests to.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub client_manager_id: Option<UserId>,
    /// The employee overseeing the project.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub supervisor_id: Option<UserId>,
    /// Project auditors.
    #[serde(default)]
    #[schema(value_type = Vec<crate::openapi::PersonSchema>)]
    pub auditors: Vec<Person>,
    /// Confirms making contacts auditors: they would see every task of the project and could
    /// close or delete them.
    #[serde(default)]
    pub confirm_auditor: bool,
}

impl From<ProjectBody> for NewProject {
    fn from(b: ProjectBody) -> Self {
        NewProject {
            name: b.name,
            counterparty: b.counterparty_id,
            client_manager: b.client_manager_id,
            supervisor: b.supervisor_id,
            auditors: b.auditors,
            confirm_auditor: b.confirm_auditor,
        }
    }
}

const CONFLICT_AUDITOR: &str = "Contacts made auditors without `confirm_auditor: true`";

/// Creates a project (`workspace: modify`).
#[utoipa::path(
    post,
    path = "/v1/projects",
    request_body = ProjectBody,
    responses((status = 201, body = ProjectView), (status = 409, description = CONFLICT_AUDITOR, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn create_project(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<ProjectBody>,
) -> Result<HttpResponse, ApiError> {
    let new = NewProject::from(body.into_inner());
    let project = state.run(move |t| t.create_project(&caller, new)).await?;
    Ok(HttpResponse::Created().json(ProjectView::from(project)))
}

/// Every project of the account (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/projects",
    responses((status = 200, body = Vec<ProjectView>)),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_projects(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let all = state.run(move |t| t.projects(&caller)).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(ProjectView::from).collect::<Vec<_>>()))
}

/// One project (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/projects/{id}",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, body = ProjectView), (status = 404, description = "No such project in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_project(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let project = state.run(move |t| t.project(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(ProjectView::from(project)))
}

/// Replaces a project's fields (`workspace: modify`).
#[utoipa::path(
    put,
    path = "/v1/projects/{id}",
    request_body = ProjectBody,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, body = ProjectView), (status = 404, description = "No such project in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = CONFLICT_AUDITOR, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn update_project(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<ProjectBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, new) = (id.into_inner(), NewProject::from(body.into_inner()));
    let project = state
        .run(move |t| t.update_project(&caller, id, new))
        .await?;
    Ok(HttpResponse::Ok().json(ProjectView::from(project)))
}

/// Deletes a project with its tasks (`workspace: modify`).
#[utoipa::path(
    delete,
    path = "/v1/projects/{id}",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such project in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn delete_project(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.run(move |t| t.delete_project(&caller, id)).await?;
    Ok(crate::deleted(None))
}

/// `POST /v1/projects/{id}/tasks` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    /// Title.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Description.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description: String,
    /// Who is on it.
    #[serde(default)]
    #[schema(value_type = crate::openapi::TaskPeopleSchema)]
    pub people: TaskPeople,
    /// Confirms making contacts auditors.
    #[serde(default)]
    pub confirm_auditor: bool,
}

/// Creates a task in a project (`workspace: modify`); its assignee is told by e-mail.
#[utoipa::path(
    post,
    path = "/v1/projects/{id}/tasks",
    request_body = TaskBody,
    params(("id" = String, Path, description = "Project id")),
    responses((status = 201, body = TaskView), (status = 404, description = "No such project in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = CONFLICT_AUDITOR, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn create_task(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<TaskBody>,
) -> Result<HttpResponse, ApiError> {
    let (project, body) = (id.into_inner(), body.into_inner());
    let new = NewTask {
        title: body.title,
        description: body.description,
        people: body.people,
        confirm_auditor: body.confirm_auditor,
    };
    let task = state
        .run(move |t| t.create_task(&caller, project, new))
        .await?;
    Ok(HttpResponse::Created().json(TaskView::of(task, true)))
}

/// The tasks of a project, oldest first (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/projects/{id}/tasks",
    params(("id" = String, Path, description = "Project id")),
    responses((status = 200, body = Vec<TaskView>), (status = 404, description = "No such project in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_tasks(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let project = id.into_inner();
    let tasks = state.run(move |t| t.tasks(&caller, project)).await?;
    Ok(HttpResponse::Ok().json(
        tasks
            .into_iter()
            .map(|task| TaskView::of(task, true))
            .collect::<Vec<_>>(),
    ))
}

/// One task (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/tasks/{id}",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = TaskView), (status = 404, description = "No such task in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_task(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let task = state.run(move |t| t.task(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(TaskView::of(task, true)))
}

/// `PATCH /v1/tasks/{id}` body: absent fields stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    /// A new title.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    /// A new description.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    /// A new status.
    #[serde(default)]
    #[schema(value_type = Option<crate::openapi::TaskStatusName>)]
    pub status: Option<TaskStatus>,
    /// The people, replacing all of them.
    #[serde(default)]
    #[schema(value_type = Option<crate::openapi::TaskPeopleSchema>)]
    pub people: Option<TaskPeople>,
    /// Confirms making contacts auditors.
    #[serde(default)]
    pub confirm_auditor: bool,
}

/// Changes a task (`workspace: modify`); a new assignee and a new status are mailed to the
/// people on it.
#[utoipa::path(
    patch,
    path = "/v1/tasks/{id}",
    request_body = TaskPatch,
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = TaskView), (status = 404, description = "No such task in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = CONFLICT_AUDITOR, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn update_task(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<TaskPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let update = TaskUpdate {
        title: body.title,
        description: body.description,
        status: body.status,
        people: body.people,
        confirm_auditor: body.confirm_auditor,
    };
    let task = state
        .run(move |t| t.update_task(&caller, id, update))
        .await?;
    Ok(HttpResponse::Ok().json(TaskView::of(task, true)))
}

/// Deletes a task (`workspace: modify`).
#[utoipa::path(
    delete,
    path = "/v1/tasks/{id}",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such task in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn delete_task(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.run(move |t| t.delete_task(&caller, id)).await?;
    Ok(crate::deleted(None))
}

/// `POST …/comments` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// The text.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

/// Comments on a task (`workspace: modify`); mailed to the others on the task.
#[utoipa::path(
    post,
    path = "/v1/tasks/{id}/comments",
    request_body = CommentBody,
    params(("id" = String, Path, description = "Task id")),
    responses((status = 201, body = CommentView), (status = 404, description = "No such task in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn add_comment(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<CommentBody>,
) -> Result<HttpResponse, ApiError> {
    let (task, text) = (id.into_inner(), body.into_inner().body);
    let comment = state.run(move |t| t.comment(&caller, task, &text)).await?;
    Ok(HttpResponse::Created().json(CommentView::from(comment)))
}

/// A task's comments, oldest first (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/tasks/{id}/comments",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = Vec<CommentView>), (status = 404, description = "No such task in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_comments(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let task = id.into_inner();
    let all = state.run(move |t| t.comments(&caller, task)).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(CommentView::from).collect::<Vec<_>>()))
}

/// A task's history, oldest first (`workspace: read`).
#[utoipa::path(
    get,
    path = "/v1/tasks/{id}/history",
    params(("id" = String, Path, description = "Task id")),
    responses((status = 200, body = Vec<HistoryView>), (status = 404, description = "No such task in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn history(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let task = id.into_inner();
    let all = state.run(move |t| t.task_history(&caller, task)).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(HistoryView::from).collect::<Vec<_>>()))
}
