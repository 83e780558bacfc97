//! Apps and cases: apps, their cases, users with a type, case roles, case assignments,
//! billable seats and the CSV import of users. Seeing an app needs to be one of its users or
//! `workspace: read`; managing it, its Administrator or a Manager or `workspace: write`.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_access::{FeaturePath, Role, Setting};
use tessera_contacts::cases::{AppUserType, CaseKind};
use tessera_contacts::import::{RowReport, RowStatus};
use tessera_core::{RoleId, UserId, Uuid};
use tessera_service::apps::{AppSeats, Seats};
use tessera_service::import::{ImportReport, Importer};
use tessera_service::records::{App, AppUser, Case, CaseAssignment};

use crate::auth::User;
use crate::{ApiError, AppState};

const TAG: &str = "apps";

/// Largest CSV file accepted by the import (10,000 rows take about 600 KB).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// An app on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppView {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the account.
    pub name: String,
    /// Its creator, the Administrator.
    #[schema(value_type = String, format = Uuid)]
    pub created_by: UserId,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl From<App> for AppView {
    fn from(app: App) -> Self {
        AppView {
            id: app.id,
            name: app.name,
            created_by: app.created_by,
            created_at: app.created_at,
        }
    }
}

/// A case on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// Id (the scope of per-case checks).
    pub id: Uuid,
    /// The app it lives in.
    pub app_id: Uuid,
    /// Title.
    pub title: String,
    /// `incident` or `project`.
    #[schema(value_type = crate::openapi::CaseKindName)]
    pub kind: CaseKind,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl From<Case> for CaseView {
    fn from(case: Case) -> Self {
        CaseView {
            id: case.id,
            app_id: case.app,
            title: case.title,
            kind: case.kind,
            created_at: case.created_at,
        }
    }
}

/// An app just created with its first case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedAppView {
    /// The app.
    pub app: AppView,
    /// Its first case.
    pub first_case: CaseView,
}

/// `POST /v1/apps` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppBody {
    /// Name, unique in the account.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

/// Creates an app with its first case (`workspace: write`); the caller becomes its
/// Administrator, which takes a billable seat.
#[utoipa::path(
    post,
    path = "/v1/apps",
    request_body = NewAppBody,
    responses((status = 201, body = CreatedAppView), (status = 402, description = "The seat limit is reached (`seat-limit-reached`)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn create_app(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<NewAppBody>,
) -> Result<HttpResponse, ApiError> {
    let name = body.into_inner().name;
    let created = state.run(move |t| t.create_app(&caller, &name)).await?;
    Ok(HttpResponse::Created().json(CreatedAppView {
        app: created.app.into(),
        first_case: created.first_case.into(),
    }))
}

/// The apps the caller may see, by name.
#[utoipa::path(
    get,
    path = "/v1/apps",
    responses((status = 200, body = Vec<AppView>)),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_apps(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let apps = state.run(move |t| t.apps(&caller)).await?;
    Ok(HttpResponse::Ok().json(apps.into_iter().map(AppView::from).collect::<Vec<_>>()))
}

/// One app.
#[utoipa::path(
    get,
    path = "/v1/apps/{app}",
    params(("app" = Uuid, Path, description = "App id")),
    responses((status = 200, body = AppView), (status = 404, description = "No such app in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_app(
    state: web::Data<AppState>,
    User(caller): User,
    app: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let app = app.into_inner();
    let found = state.run(move |t| t.app(&caller, app)).await?;
    Ok(HttpResponse::Ok().json(AppView::from(found)))
}

/// `POST /v1/apps/{app}/cases` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// Title.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// `incident` or `project` (default).
    #[serde(default)]
    #[schema(value_type = Option<crate::openapi::CaseKindName>)]
    pub kind: Option<CaseKind>,
}

/// Creates a case in an app (its managers).
#[utoipa::path(
    post,
    path = "/v1/apps/{app}/cases",
    request_body = NewCaseBody,
    params(("app" = Uuid, Path, description = "App id")),
    responses((status = 201, body = CaseView), (status = 404, description = "No such app in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn create_case(
    state: web::Data<AppState>,
    User(caller): User,
    app: web::Path<Uuid>,
    body: crate::Json<NewCaseBody>,
) -> Result<HttpResponse, ApiError> {
    let (app, body) = (app.into_inner(), body.into_inner());
    let kind = body.kind.unwrap_or(CaseKind::Project);
    let case = state
        .run(move |t| t.create_case(&caller, app, &body.title, kind))
        .await?;
    Ok(HttpResponse::Created().json(CaseView::from(case)))
}

/// An app's cases, oldest first.
#[utoipa::path(
    get,
    path = "/v1/apps/{app}/cases",
    params(("app" = Uuid, Path, description = "App id")),
    responses((status = 200, body = Vec<CaseView>), (status = 404, description = "No such app in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_cases(
    state: web::Data<AppState>,
    User(caller): User,
    app: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let app = app.into_inner();
    let cases = state.run(move |t| t.cases(&caller, app)).await?;
    Ok(HttpResponse::Ok().json(cases.into_iter().map(CaseView::from).collect::<Vec<_>>()))
}

/// A user's role in a case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    /// The case.
    pub case_id: Uuid,
    /// The user.
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// The case role.
    #[schema(value_type = String, format = Uuid)]
    pub role_id: RoleId,
}

impl From<CaseAssignment> for AssignmentView {
    fn from(a: CaseAssignment) -> Self {
        AssignmentView {
            case_id: a.case,
            user_id: a.user,
            role_id: a.role,
        }
    }
}

/// A case with who is assigned to it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    /// The case.
    #[serde(flatten)]
    pub case: CaseView,
    /// Its assignments.
    pub assignments: Vec<AssignmentView>,
}

/// One case with its assignments.
#[utoipa::path(
    get,
    path = "/v1/cases/{case}",
    params(("case" = Uuid, Path, description = "Case id")),
    responses((status = 200, body = CaseDetail), (status = 404, description = "No such case in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_case(
    state: web::Data<AppState>,
    User(caller): User,
    case: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let case = case.into_inner();
    let (found, assignments) = state.run(move |t| t.case(&caller, case)).await?;
    Ok(HttpResponse::Ok().json(CaseDetail {
        case: found.into(),
        assignments: assignments.into_iter().map(AssignmentView::from).collect(),
    }))
}

/// Deletes a case with its assignments (the app's managers).
#[utoipa::path(
    delete,
    path = "/v1/cases/{case}",
    params(("case" = Uuid, Path, description = "Case id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such case in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn delete_case(
    state: web::Data<AppState>,
    User(caller): User,
    case: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let case = case.into_inner();
    state.run(move |t| t.delete_case(&caller, case)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v1/cases/{case}/assignments/{user}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The case role (predefined or one of the app's).
    #[schema(value_type = String, format = Uuid)]
    pub role: RoleId,
}

/// Assigns a user of the app to the case with a case role, or gives them another.
#[utoipa::path(
    put,
    path = "/v1/cases/{case}/assignments/{user}",
    request_body = AssignBody,
    params(("case" = Uuid, Path, description = "Case id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 200, body = AssignmentView), (status = 400, description = "The user is not in the app, or the role is not one of its case roles", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such case in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn assign(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, UserId)>,
    body: crate::Json<AssignBody>,
) -> Result<HttpResponse, ApiError> {
    let ((case, user), role) = (path.into_inner(), body.into_inner().role);
    let assignment = state
        .run(move |t| t.assign_to_case(&caller, case, user, role))
        .await?;
    Ok(HttpResponse::Ok().json(AssignmentView::from(assignment)))
}

/// Ends a user's assignment in a case.
#[utoipa::path(
    delete,
    path = "/v1/cases/{case}/assignments/{user}",
    params(("case" = Uuid, Path, description = "Case id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Unassigned"), (status = 404, description = "No such case or assignment", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn unassign(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (case, user) = path.into_inner();
    state
        .run(move |t| t.unassign_from_case(&caller, case, user))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The case roles of an app: the predefined Staff, Client and Bot (read-only), then its own.
#[utoipa::path(
    get,
    path = "/v1/apps/{app}/case-roles",
    params(("app" = Uuid, Path, description = "App id")),
    responses((status = 200, body = Vec<crate::openapi::RoleSchema>), (status = 404, description = "No such app in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_case_roles(
    state: web::Data<AppState>,
    User(caller): User,
    app: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let app = app.into_inner();
    let roles: Vec<Role> = state.run(move |t| t.case_roles(&caller, app)).await?;
    Ok(HttpResponse::Ok().json(roles))
}

/// `POST /v1/apps/{app}/case-roles` and `PUT …/{id}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseRoleBody {
    /// Display name, unique among the app's case roles.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Setting per case feature (`case`, `case/feed`, `case/convo`, `case/events`,
    /// `case/notes`); unlisted ones inherit from `case`.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, crate::openapi::SettingName>)]
    pub settings: BTreeMap<FeaturePath, Setting>,
}

/// Creates a custom case role in an app.
#[utoipa::path(
    post,
    path = "/v1/apps/{app}/case-roles",
    request_body = CaseRoleBody,
    params(("app" = Uuid, Path, description = "App id")),
    responses((status = 201, body = crate::openapi::RoleSchema), (status = 400, description = "Not a case feature, or a bad name", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such app in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn create_case_role(
    state: web::Data<AppState>,
    User(caller): User,
    app: web::Path<Uuid>,
    body: crate::Json<CaseRoleBody>,
) -> Result<HttpResponse, ApiError> {
    let (app, body) = (app.into_inner(), body.into_inner());
    let role = state
        .run(move |t| t.create_case_role(&caller, app, &body.name, body.settings))
        .await?;
    Ok(HttpResponse::Created().json(role))
}

/// Replaces a custom case role's name and settings (predefined ones are read-only: 403).
#[utoipa::path(
    put,
    path = "/v1/apps/{app}/case-roles/{id}",
    request_body = CaseRoleBody,
    params(("app" = Uuid, Path, description = "App id"), ("id" = Uuid, Path, description = "Case role id")),
    responses((status = 200, body = crate::openapi::RoleSchema), (status = 400, description = "Not a case feature, or a bad name", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such app or case role", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Name taken", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn update_case_role(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, RoleId)>,
    body: crate::Json<CaseRoleBody>,
) -> Result<HttpResponse, ApiError> {
    let ((app, id), body) = (path.into_inner(), body.into_inner());
    let role = state
        .run(move |t| t.update_case_role(&caller, app, id, &body.name, body.settings))
        .await?;
    Ok(HttpResponse::Ok().json(role))
}

/// Deletes a custom case role; refused (409, `role-in-use`) while assigned, saying how many
/// assignments hold it.
#[utoipa::path(
    delete,
    path = "/v1/apps/{app}/case-roles/{id}",
    params(("app" = Uuid, Path, description = "App id"), ("id" = Uuid, Path, description = "Case role id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such app or case role", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Still assigned", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn delete_case_role(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, RoleId)>,
) -> Result<HttpResponse, ApiError> {
    let (app, id) = path.into_inner();
    state
        .run(move |t| t.delete_case_role(&caller, app, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user of an app.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppUserView {
    /// The user.
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    /// Their sign-in e-mail.
    pub email: String,
    /// Their display name, if any.
    pub display_name: Option<String>,
    /// `administrator`, `manager`, `staff`, `user` or `bot`.
    #[schema(value_type = crate::openapi::AppUserTypeName)]
    pub user_type: AppUserType,
    /// Whether the type takes a billable seat.
    pub billable: bool,
    /// When they joined the app.
    pub added_at: DateTime<Utc>,
}

impl From<AppUser> for AppUserView {
    fn from(user: AppUser) -> Self {
        AppUserView {
            user_id: user.user,
            email: user.email,
            display_name: user.display_name,
            billable: user.user_type.billable(),
            user_type: user.user_type,
            added_at: user.added_at,
        }
    }
}

/// An app's users, by e-mail.
#[utoipa::path(
    get,
    path = "/v1/apps/{app}/users",
    params(("app" = Uuid, Path, description = "App id")),
    responses((status = 200, body = Vec<AppUserView>), (status = 404, description = "No such app in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_users(
    state: web::Data<AppState>,
    User(caller): User,
    app: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let app = app.into_inner();
    let users = state.run(move |t| t.app_users(&caller, app)).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(AppUserView::from).collect::<Vec<_>>()))
}

/// `PUT /v1/apps/{app}/users/{user}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppUserBody {
    /// `manager`, `staff`, `user` or `bot` (`administrator` is the creator's alone).
    #[schema(value_type = crate::openapi::AppUserTypeName)]
    pub user_type: AppUserType,
}

/// Adds a user of the account to the app with a type, or changes their type. Changing the
/// Administrator, or making anyone else Administrator, is 409; a billable type past the seat
/// limit is 402 `seat-limit-reached`.
#[utoipa::path(
    put,
    path = "/v1/apps/{app}/users/{user}",
    request_body = AppUserBody,
    params(("app" = Uuid, Path, description = "App id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 200, body = AppUserView), (status = 402, description = "The seat limit is reached (`seat-limit-reached`)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such app or user in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "The Administrator cannot be changed", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn set_user(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, UserId)>,
    body: crate::Json<AppUserBody>,
) -> Result<HttpResponse, ApiError> {
    let ((app, user), user_type) = (path.into_inner(), body.into_inner().user_type);
    let saved = state
        .run(move |t| t.set_app_user(&caller, app, user, user_type))
        .await?;
    Ok(HttpResponse::Ok().json(AppUserView::from(saved)))
}

/// Takes a user out of the app; their case assignments there end. The Administrator cannot
/// be removed (409).
#[utoipa::path(
    delete,
    path = "/v1/apps/{app}/users/{user}",
    params(("app" = Uuid, Path, description = "App id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such app, or the user is not in it", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "The Administrator cannot be removed", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn remove_user(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (app, user) = path.into_inner();
    state
        .run(move |t| t.remove_app_user(&caller, app, user))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One row of an import's report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportRowView {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// The e-mail as given.
    pub email: String,
    /// `created`, `updated`, `unchanged` or `skipped`.
    pub status: &'static str,
    /// Why a row was skipped, as a stable code (`bad-email`, `unknown-case-role`,
    /// `seat-limit-reached`, `duplicate-row`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub reason: Option<&'static str>,
    /// The same, in words naming the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub detail: Option<String>,
}

impl From<RowReport> for ImportRowView {
    fn from(row: RowReport) -> Self {
        let (reason, detail) = match &row.status {
            RowStatus::Skipped(reason) => (Some(reason.code()), Some(reason.to_string())),
            _ => (None, None),
        };
        ImportRowView {
            line: row.line,
            email: row.email,
            status: row.status.as_str(),
            reason,
            detail,
        }
    }
}

/// The report of an import.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReportView {
    /// Rows whose person joined the app.
    pub created: usize,
    /// Rows that changed a type or an assignment.
    pub updated: usize,
    /// Rows the app held already.
    pub unchanged: usize,
    /// Rows not imported.
    pub skipped: usize,
    /// Invitations queued for people new to the account.
    pub invited: usize,
    /// Billable seats of the account after the import.
    pub seats_used: u32,
    /// The plan's seat limit.
    pub seat_limit: Option<u32>,
    /// Every row, in the file's order.
    pub rows: Vec<ImportRowView>,
}

impl From<ImportReport> for ImportReportView {
    fn from(report: ImportReport) -> Self {
        ImportReportView {
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            skipped: report.skipped,
            invited: report.invited,
            seats_used: report.seats_used,
            seat_limit: report.seat_limit,
            rows: report.rows.into_iter().map(ImportRowView::from).collect(),
        }
    }
}

/// `POST /v1/apps/{app}/users/import` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The account role (id or name) people new to the account join with; they get an
    /// invitation to choose a password. Needs `user_management: write`. Without it, rows of
    /// people the account does not have are skipped.
    #[param(max_length = 100)]
    pub account_role: Option<String>,
}

/// Imports users into the app from CSV (`text/csv`, header `email,name,user_type` and
/// optionally `case,case_role`). Answers a report of every row: a bad row never stops the
/// good ones, and importing the same file again reports every row `unchanged`.
#[utoipa::path(
    post,
    path = "/v1/apps/{app}/users/import",
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    params(("app" = Uuid, Path, description = "App id"), ImportQuery),
    responses((status = 200, body = ImportReportView), (status = 400, description = "A bad header (naming the column), or too many rows", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such app in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 415, description = "Not `text/csv`", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn import(
    state: web::Data<AppState>,
    User(caller): User,
    request: HttpRequest,
    app: web::Path<Uuid>,
    query: crate::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let is_csv = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().to_ascii_lowercase().starts_with("text/csv"));
    if !is_csv {
        return Err(ApiError::UnsupportedMediaType {
            expected: "text/csv",
        });
    }
    let (app, account_role) = (app.into_inner(), query.into_inner().account_role);
    let report = state
        .run(move |t| {
            t.import_app_users(
                Importer::Caller(&caller),
                app,
                &body,
                account_role.as_deref(),
                &mut |_, _| {},
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(ImportReportView::from(report)))
}

/// One app's billable users.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppSeatsView {
    /// The app.
    pub app_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its users of a billable type (administrator, manager, staff).
    pub billable: u32,
}

/// Billable seats.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeatsView {
    /// Seats taken in the account (a person billable in several apps takes one).
    pub used: u32,
    /// The plan's limit (`null`: none).
    pub limit: Option<u32>,
    /// Per app, by name.
    pub apps: Vec<AppSeatsView>,
}

impl From<Seats> for SeatsView {
    fn from(seats: Seats) -> Self {
        SeatsView {
            used: seats.used,
            limit: seats.limit,
            apps: seats
                .apps
                .into_iter()
                .map(
                    |AppSeats {
                         app,
                         name,
                         billable,
                     }| AppSeatsView {
                        app_id: app,
                        name,
                        billable,
                    },
                )
                .collect(),
        }
    }
}

/// Billable seats of the account and of each app (`settings: read`).
#[utoipa::path(
    get,
    path = "/v1/seats",
    responses((status = 200, body = SeatsView)),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn seats(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let seats = state.run(move |t| t.seats(&caller)).await?;
    Ok(HttpResponse::Ok().json(SeatsView::from(seats)))
}
