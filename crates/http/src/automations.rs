//! Shared automations: the account's gate (plan and beta switch), event types, automations
//! that admins build and share and that each user activates for themselves, diagnostics,
//! events that start runs, run history, notifications and each user's mailbox identity.
//!
//! Admins (`settings: write`) build, share, deactivate, transfer, duplicate and delete
//! automations, declare event types and send events; anyone sets their own mailbox, activates
//! what is shared with them and sees it and their own runs. Every route but the settings,
//! the notifications and the mailbox answers 403 `automations-unavailable` (naming what the
//! account lacks in `missing`) unless the account's plan and beta switch allow automations.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_automations::{
    AccessState, Condition, Definition, Event, EventType, FieldKind, Mailbox, Operator, Plan,
    Problem, ProblemCode, RunFilter, RunStatus, ShareCounts, Step, StepResult, StepStatus, Trigger,
    TriggerMode, Value,
};
use tessera_core::{UserId, Uuid};
use tessera_service::ServiceError;
use tessera_service::automations::{
    self, Activated, AutomationSettings, Diagnosis, Ingested, MailboxInput, RunDetail, RunPage,
};
use tessera_service::records::{AccessRecord, Notification, RunRecord};

use crate::auth::User;
use crate::{ApiError, AppState};

const TAG: &str = "automations";

const GATE: &str = "Password change required, the role does not allow it (admins: `settings: write`), or the account may not use automations (`automations-unavailable`, naming what it lacks in `missing`)";
const NO_AUTOMATION: &str =
    "No such automation in the account, or it is not shared with the caller";

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// The account's gate to automations: they need a plan that includes them (`advanced` or
/// above) and the beta switch on.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationSettingsView {
    /// The account's plan.
    #[schema(value_type = crate::openapi::PlanName)]
    pub plan: Plan,
    /// The automations beta switch.
    pub beta: bool,
}

impl From<AutomationSettings> for AutomationSettingsView {
    fn from(settings: AutomationSettings) -> Self {
        AutomationSettingsView {
            plan: settings.plan,
            beta: settings.beta,
        }
    }
}

/// The account's plan and automations beta switch (`settings: read`).
#[utoipa::path(
    get,
    path = "/v1/automation-settings",
    responses((status = 200, body = AutomationSettingsView), (status = 403, description = "Password change required, or no `settings: read`", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_settings(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let settings = state.run(move |t| t.automation_settings(&caller)).await?;
    Ok(HttpResponse::Ok().json(AutomationSettingsView::from(settings)))
}

/// Sets the account's plan and automations beta switch (`settings: write`); an embedder's
/// billing calls this.
#[utoipa::path(
    put,
    path = "/v1/automation-settings",
    request_body = AutomationSettingsView,
    responses((status = 200, body = AutomationSettingsView), (status = 403, description = "Password change required, or no `settings: write`", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn put_settings(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<AutomationSettingsView>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let settings = AutomationSettings {
        plan: body.plan,
        beta: body.beta,
    };
    let saved = state
        .run(move |t| t.set_automation_settings(&caller, settings))
        .await?;
    Ok(HttpResponse::Ok().json(AutomationSettingsView::from(saved)))
}

// ---------------------------------------------------------------------------------------------
// Event types
// ---------------------------------------------------------------------------------------------

/// A kind of event the account sends, with the fields its events carry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventTypeView {
    /// The name, e.g. `deal.won`.
    pub name: String,
    /// Each field's kind, by name.
    #[schema(value_type = BTreeMap<String, crate::openapi::FieldKindName>)]
    pub fields: BTreeMap<String, FieldKind>,
}

impl From<EventType> for EventTypeView {
    fn from(event_type: EventType) -> Self {
        EventTypeView {
            name: event_type.name,
            fields: event_type.fields,
        }
    }
}

/// The account's event types.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventTypeList {
    /// By name.
    pub event_types: Vec<EventTypeView>,
}

/// `PUT /v1/event-types/{name}` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTypeBody {
    /// Each field's kind (`text`, `number` or `bool`), by name (1 to 64 lowercase letters,
    /// digits, `_`, `.` or `-`); at most 50 fields.
    #[schema(value_type = BTreeMap<String, crate::openapi::FieldKindName>)]
    pub fields: BTreeMap<String, FieldKind>,
}

/// The account's event types (anyone in the account).
#[utoipa::path(
    get,
    path = "/v1/event-types",
    responses((status = 200, body = EventTypeList), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_event_types(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let event_types = state.run(move |t| t.event_types(&caller)).await?;
    Ok(HttpResponse::Ok().json(EventTypeList {
        event_types: event_types.into_iter().map(EventTypeView::from).collect(),
    }))
}

/// Declares an event type or replaces its fields (admin).
#[utoipa::path(
    put,
    path = "/v1/event-types/{name}",
    request_body = EventTypeBody,
    params(("name" = String, Path, description = "The event type's name: 1 to 64 lowercase letters, digits, `_`, `.` or `-`")),
    responses((status = 200, body = EventTypeView), (status = 400, description = "A bad name, field name, kind, or too many fields (the field is named)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn put_event_type(
    state: web::Data<AppState>,
    User(caller): User,
    name: web::Path<String>,
    body: crate::Json<EventTypeBody>,
) -> Result<HttpResponse, ApiError> {
    let event_type = EventType {
        name: name.into_inner(),
        fields: body.into_inner().fields,
    };
    let saved = state
        .run(move |t| t.put_event_type(&caller, event_type))
        .await?;
    Ok(HttpResponse::Ok().json(EventTypeView::from(saved)))
}

// ---------------------------------------------------------------------------------------------
// Automations
// ---------------------------------------------------------------------------------------------

/// One condition on the triggering event's fields.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionView {
    /// The event field.
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z0-9_.-]+$")]
    pub field: String,
    /// The comparison.
    #[schema(value_type = crate::openapi::OperatorName)]
    pub op: Operator,
    /// What the field is compared with (absent for `exists`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::FieldValue>)]
    pub value: Option<Value>,
}

impl From<Condition> for ConditionView {
    fn from(condition: Condition) -> Self {
        ConditionView {
            field: condition.field,
            op: condition.op,
            value: condition.value,
        }
    }
}

impl From<ConditionView> for Condition {
    fn from(condition: ConditionView) -> Self {
        Condition {
            field: condition.field,
            op: condition.op,
            value: condition.value,
        }
    }
}

/// What starts a run: an event type and conditions on its fields (all must hold).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerView {
    /// The event type's name.
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z0-9_.-]+$")]
    pub event_type: String,
    /// Conditions on the event's fields (default: none).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub conditions: Vec<ConditionView>,
}

impl From<Trigger> for TriggerView {
    fn from(trigger: Trigger) -> Self {
        TriggerView {
            event_type: trigger.event_type,
            conditions: trigger
                .conditions
                .into_iter()
                .map(ConditionView::from)
                .collect(),
        }
    }
}

impl From<TriggerView> for Trigger {
    fn from(trigger: TriggerView) -> Self {
        Trigger {
            event_type: trigger.event_type,
            conditions: trigger
                .conditions
                .into_iter()
                .map(Condition::from)
                .collect(),
        }
    }
}

/// One thing a run does, as the user it runs for. Texts are templates: `{{event.<field>}}`,
/// `{{user.name}}` and `{{user.email}}` are replaced when the step runs. A step may be saved
/// incomplete (a draft); the diagnostics say what is missing before anyone can activate it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepView {
    /// Sends an e-mail from the user's mailbox, with their signature.
    SendEmail {
        /// The recipient's address (a template).
        #[serde(default)]
        #[schema(max_length = 10000)]
        to: String,
        /// The subject (a template).
        #[serde(default)]
        #[schema(max_length = 10000)]
        subject: String,
        /// The body (a template); the user's signature is appended.
        #[serde(default)]
        #[schema(max_length = 10000)]
        body: String,
    },
    /// Creates a task in a project, by the user (who needs `workspace: modify`).
    CreateTask {
        /// The project.
        #[serde(default)]
        project: Option<Uuid>,
        /// The task's title (a template).
        #[serde(default)]
        #[schema(max_length = 10000)]
        title: String,
        /// The task's description (a template).
        #[serde(default)]
        #[schema(max_length = 10000)]
        description: String,
    },
    /// Posts the event and the run to a URL (JSON).
    CallWebhook {
        /// The URL (`http` or `https`).
        #[serde(default)]
        #[schema(max_length = 2000)]
        url: String,
    },
}

impl From<Step> for StepView {
    fn from(step: Step) -> Self {
        match step {
            Step::SendEmail { to, subject, body } => StepView::SendEmail { to, subject, body },
            Step::CreateTask {
                project,
                title,
                description,
            } => StepView::CreateTask {
                project,
                title,
                description,
            },
            Step::CallWebhook { url } => StepView::CallWebhook { url },
        }
    }
}

impl From<StepView> for Step {
    fn from(step: StepView) -> Self {
        match step {
            StepView::SendEmail { to, subject, body } => Step::SendEmail { to, subject, body },
            StepView::CreateTask {
                project,
                title,
                description,
            } => Step::CreateTask {
                project,
                title,
                description,
            },
            StepView::CallWebhook { url } => Step::CallWebhook { url },
        }
    }
}

/// `POST /v1/automations` and `PUT /v1/automations/{id}` body: what an automation is made
/// of.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationBody {
    /// The name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// What starts a run.
    pub trigger: TriggerView,
    /// `any_user`: any user's event triggers it and it runs as its owner (never shared);
    /// `selected_users`: it runs for the users it is shared with who activated it, each as
    /// themselves.
    #[schema(value_type = crate::openapi::TriggerModeName)]
    pub mode: TriggerMode,
    /// What a run does, in order.
    #[schema(max_items = 20)]
    pub steps: Vec<StepView>,
}

impl From<AutomationBody> for Definition {
    fn from(body: AutomationBody) -> Self {
        Definition {
            name: body.name,
            trigger: body.trigger.into(),
            mode: body.mode,
            steps: body.steps.into_iter().map(Step::from).collect(),
        }
    }
}

/// How many users have an automation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareCountsView {
    /// Users for whom it is active.
    pub activated: u32,
    /// Users it is shared with (in any state).
    pub shared: u32,
}

impl From<ShareCounts> for ShareCountsView {
    fn from(counts: ShareCounts) -> Self {
        ShareCountsView {
            activated: counts.activated,
            shared: counts.shared,
        }
    }
}

/// An automation as the caller sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AutomationView {
    /// Id.
    pub id: Uuid,
    /// The name.
    pub name: String,
    /// The admin it belongs to (it runs as them when triggered by any user).
    #[schema(value_type = String, format = Uuid)]
    pub owner: UserId,
    /// What starts a run.
    pub trigger: TriggerView,
    /// Whose events trigger it.
    #[schema(value_type = crate::openapi::TriggerModeName)]
    pub mode: TriggerMode,
    /// What a run does, in order.
    pub steps: Vec<StepView>,
    /// The owner's switch: off, it runs for nobody.
    pub active: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Users who activated it, users it is shared with.
    pub counts: ShareCountsView,
    /// The caller's own standing with it (`null`: not shared with them).
    #[schema(value_type = Option<crate::openapi::AccessStateName>)]
    pub my_access: Option<AccessState>,
    /// Whether the caller may edit, share, transfer, duplicate and delete it (an admin).
    pub may_manage: bool,
}

impl From<automations::AutomationView> for AutomationView {
    fn from(view: automations::AutomationView) -> Self {
        let automation = view.automation;
        let definition = automation.definition;
        AutomationView {
            id: automation.id,
            name: definition.name,
            owner: automation.owner,
            trigger: definition.trigger.into(),
            mode: definition.mode,
            steps: definition.steps.into_iter().map(StepView::from).collect(),
            active: automation.active,
            created_at: automation.created_at,
            updated_at: automation.updated_at,
            counts: view.counts.into(),
            my_access: view.my_access,
            may_manage: view.may_manage,
        }
    }
}

/// The automations the caller may see.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AutomationList {
    /// By name.
    pub automations: Vec<AutomationView>,
}

/// Creates an automation owned by the caller (admin); it starts switched on and shared with
/// nobody. Steps may be incomplete: the diagnostics (`…/troubleshooting`) say what is missing.
#[utoipa::path(
    post,
    path = "/v1/automations",
    request_body = AutomationBody,
    responses((status = 201, body = AutomationView), (status = 400, description = "A bad name, event type, condition or step (the field is named)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<AutomationBody>,
) -> Result<HttpResponse, ApiError> {
    let definition = Definition::from(body.into_inner());
    let view = state
        .run(move |t| t.create_automation(&caller, definition))
        .await?;
    Ok(HttpResponse::Created().json(AutomationView::from(view)))
}

/// The automations the caller may see: every one for an admin, those shared with them for
/// anyone else; by name, with counts and the caller's own standing.
#[utoipa::path(
    get,
    path = "/v1/automations",
    responses((status = 200, body = AutomationList), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let views = state.run(move |t| t.automations(&caller)).await?;
    Ok(HttpResponse::Ok().json(AutomationList {
        automations: views.into_iter().map(AutomationView::from).collect(),
    }))
}

/// One automation: an admin sees any, anyone else only one shared with them.
#[utoipa::path(
    get,
    path = "/v1/automations/{id}",
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 200, body = AutomationView), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = NO_AUTOMATION, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_one(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = state.run(move |t| t.automation(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(AutomationView::from(view)))
}

/// Replaces an automation's definition (admin). Switching it to `any_user` is refused (409
/// `users-still-active`, listing them in `users`) while it is active for anyone; otherwise
/// its remaining shares end with the switch.
#[utoipa::path(
    put,
    path = "/v1/automations/{id}",
    request_body = AutomationBody,
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 200, body = AutomationView), (status = 400, description = "A bad name, event type, condition or step (the field is named)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "Switching to `any_user` while it is active for some users (`users-still-active`)", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn update(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<AutomationBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, definition) = (id.into_inner(), Definition::from(body.into_inner()));
    let view = state
        .run(move |t| t.update_automation(&caller, id, definition))
        .await?;
    Ok(HttpResponse::Ok().json(AutomationView::from(view)))
}

/// Deletes an automation with its shares and run history (admin).
#[utoipa::path(
    delete,
    path = "/v1/automations/{id}",
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 204, description = "Deleted"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn delete(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.run(move |t| t.delete_automation(&caller, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v1/automations/{id}/active` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveBody {
    /// On (it runs for those who activated it) or off (it runs for nobody).
    pub active: bool,
}

/// Switches an automation on or off for everyone (admin); users' own activations stay.
#[utoipa::path(
    put,
    path = "/v1/automations/{id}/active",
    request_body = ActiveBody,
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 204, description = "Switched"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn set_active(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<ActiveBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, active) = (id.into_inner(), body.into_inner().active);
    state
        .run(move |t| t.set_automation_active(&caller, id, active))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/automations/{id}/transfer` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// The new owner, a user of the account.
    #[schema(value_type = String, format = Uuid)]
    pub owner: UserId,
}

/// Hands an automation to another user of the account (admin); triggered by any user, it
/// then runs as them.
#[utoipa::path(
    post,
    path = "/v1/automations/{id}/transfer",
    request_body = TransferBody,
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 204, description = "Transferred"), (status = 400, description = "No such user in the account (`owner`)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn transfer(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<TransferBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, owner) = (id.into_inner(), body.into_inner().owner);
    state
        .run(move |t| t.transfer_automation(&caller, id, owner))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Copies an automation (admin): the same definition, named "Copy of …", owned by the
/// caller, switched off, shared with nobody.
#[utoipa::path(
    post,
    path = "/v1/automations/{id}/duplicate",
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 201, body = AutomationView), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn duplicate(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = state
        .run(move |t| t.duplicate_automation(&caller, id))
        .await?;
    Ok(HttpResponse::Created().json(AutomationView::from(view)))
}

// ---------------------------------------------------------------------------------------------
// Sharing and activation
// ---------------------------------------------------------------------------------------------

/// A user's standing with a shared automation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessRecordView {
    /// The user.
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    /// Where they stand.
    #[schema(value_type = crate::openapi::AccessStateName)]
    pub state: AccessState,
    /// Why it paused (the failing step), when it did.
    pub reason: Option<String>,
    /// Who changed it last (`null`: the system).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub changed_by: Option<UserId>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

impl From<AccessRecord> for AccessRecordView {
    fn from(record: AccessRecord) -> Self {
        AccessRecordView {
            user: record.user,
            state: record.state,
            reason: record.reason,
            changed_by: record.changed_by,
            changed_at: record.changed_at,
        }
    }
}

/// Everyone an automation is shared with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccessList {
    /// Each user's standing.
    pub access: Vec<AccessRecordView>,
}

impl AccessList {
    fn of(records: Vec<AccessRecord>) -> Self {
        AccessList {
            access: records.into_iter().map(AccessRecordView::from).collect(),
        }
    }
}

/// `POST /v1/automations/{id}/access` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareAutomationBody {
    /// Users of the account to share it with.
    #[schema(value_type = Vec<String>, min_items = 1, max_items = 1000)]
    pub users: Vec<UserId>,
}

/// `POST /v1/automations/{id}/access/{user}/deactivate` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateBody {
    /// `false`: until the user activates it again; `true`: they cannot until an admin shares
    /// it with them again.
    pub permanently: bool,
}

/// What activating did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AutomationActivated {
    /// The caller's standing now.
    pub access: AccessRecordView,
    /// `false` when it was active already.
    pub changed: bool,
}

/// Everyone an automation is shared with and where they stand (admin).
#[utoipa::path(
    get,
    path = "/v1/automations/{id}/access",
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 200, body = AccessList), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_access(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let records = state.run(move |t| t.automation_access(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(AccessList::of(records)))
}

/// Shares an automation triggered by selected users with users (admin); each must activate
/// it before it runs for them. Sharing again lifts a permanent deactivation; anyone else
/// keeps their standing. Answers everyone it is shared with.
#[utoipa::path(
    post,
    path = "/v1/automations/{id}/access",
    request_body = ShareAutomationBody,
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 200, body = AccessList), (status = 400, description = "No users, too many, or one not in the account (`users[i]`)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "It is triggered by any user, so it is never shared (`not-shareable`)", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn share(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    body: crate::Json<ShareAutomationBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, users) = (id.into_inner(), body.into_inner().users);
    let records = state
        .run(move |t| t.share_automation(&caller, id, &users))
        .await?;
    Ok(HttpResponse::Ok().json(AccessList::of(records)))
}

/// Ends a user's access to an automation (admin); it stops running for them.
#[utoipa::path(
    delete,
    path = "/v1/automations/{id}/access/{user}",
    params(("id" = Uuid, Path, description = "Automation id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 204, description = "Unshared"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account, or it is not shared with the user", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn unshare(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = path.into_inner();
    let ended = state
        .run(move |t| t.unshare_automation(&caller, id, &[user]))
        .await?;
    if ended == 0 {
        return Err(ServiceError::NotFound {
            what: "user with access",
        }
        .into());
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Deactivates an automation for a user (admin): temporarily (they activate it again
/// themselves) or permanently (they cannot until an admin shares it with them again).
/// Answers their standing.
#[utoipa::path(
    post,
    path = "/v1/automations/{id}/access/{user}/deactivate",
    request_body = DeactivateBody,
    params(("id" = Uuid, Path, description = "Automation id"), ("user" = Uuid, Path, description = "User id")),
    responses((status = 200, body = AccessRecordView), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account, or it is not shared with the user", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn deactivate(
    state: web::Data<AppState>,
    User(caller): User,
    path: web::Path<(Uuid, UserId)>,
    body: crate::Json<DeactivateBody>,
) -> Result<HttpResponse, ApiError> {
    let ((id, user), permanently) = (path.into_inner(), body.into_inner().permanently);
    let record = state
        .run(move |t| t.deactivate_automation_for(&caller, id, user, permanently))
        .await?;
    Ok(HttpResponse::Ok().json(AccessRecordView::from(record)))
}

/// Activates an automation shared with the caller, for the caller: it then runs for them, as
/// them. The diagnostics run first; a problem refuses it (409 `diagnostics-failed`, listing
/// each problem with its fix in `problems`) and raises a notification. Activating twice is
/// activating once (`changed: false`).
#[utoipa::path(
    post,
    path = "/v1/automations/{id}/activate",
    params(("id" = Uuid, Path, description = "Automation id")),
    responses((status = 200, body = AutomationActivated), (status = 403, description = "Password change required, an admin deactivated it for the caller permanently (`permanently-deactivated`), or the account may not use automations (`automations-unavailable`)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = NO_AUTOMATION, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "The diagnostics found problems (`diagnostics-failed`, with `problems`)", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn activate(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let outcome = state
        .run(move |t| t.activate_automation(&caller, id))
        .await?;
    let changed = matches!(outcome, Activated::Now(_));
    let (Activated::Now(record) | Activated::Already(record)) = outcome;
    Ok(HttpResponse::Ok().json(AutomationActivated {
        access: record.into(),
        changed,
    }))
}

// ---------------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------------

/// A problem the diagnostics found, where it is, and how to fix it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemView {
    /// What kind of problem.
    #[schema(value_type = crate::openapi::ProblemCodeName)]
    pub code: ProblemCode,
    /// The step, when the problem is in one (0-based).
    pub step: Option<usize>,
    /// The field at fault, e.g. `steps[0].subject`, or `mailbox` / `role` for the user's own
    /// setup.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl From<Problem> for ProblemView {
    fn from(problem: Problem) -> Self {
        ProblemView {
            code: problem.code,
            step: problem.step,
            field: problem.field,
            message: problem.message,
            fix: problem.fix,
        }
    }
}

/// What the diagnostics found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TroubleshootingView {
    /// The user the per-user checks ran for (`null`: only the checks of the automation
    /// itself, as an admin asked without `user`).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user: Option<UserId>,
    /// Each problem with its fix; empty when it can be activated.
    pub problems: Vec<ProblemView>,
    /// No problem found.
    pub ok: bool,
}

impl From<Diagnosis> for TroubleshootingView {
    fn from(diagnosis: Diagnosis) -> Self {
        TroubleshootingView {
            user: diagnosis.user,
            ok: diagnosis.problems.is_empty(),
            problems: diagnosis
                .problems
                .into_iter()
                .map(ProblemView::from)
                .collect(),
        }
    }
}

/// `GET /v1/automations/{id}/troubleshooting` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TroubleshootingQuery {
    /// Run the per-user checks for this user (admins; anyone else may name only themselves,
    /// and defaults to themselves).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub user: Option<UserId>,
}

/// Runs the diagnostics on an automation and says what would refuse its activation, each
/// problem with its fix: the checks of the automation itself (every step configured, the
/// event type and its fields declared, templates well-formed, webhook URLs valid, projects
/// existing) and, for the user, theirs (a mailbox for e-mail steps, the right to create
/// tasks). Nothing is kept: every request runs them anew, which is how they are run again
/// after a fix.
#[utoipa::path(
    get,
    path = "/v1/automations/{id}/troubleshooting",
    params(("id" = Uuid, Path, description = "Automation id"), TroubleshootingQuery),
    responses((status = 200, body = TroubleshootingView), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account, not shared with the caller, or another user's checks asked by a non-admin", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn troubleshooting(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    query: crate::Query<TroubleshootingQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = (id.into_inner(), query.into_inner().user);
    let diagnosis = state
        .run(move |t| t.diagnose_automation(&caller, id, user))
        .await?;
    Ok(HttpResponse::Ok().json(TroubleshootingView::from(diagnosis)))
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

/// A run of an automation for one user and one event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunView {
    /// Id.
    pub id: Uuid,
    /// The automation.
    pub automation: Uuid,
    /// The user it runs for, and as.
    #[schema(value_type = String, format = Uuid)]
    pub user: UserId,
    /// The event that started it.
    pub event: Uuid,
    /// Where it is.
    #[schema(value_type = crate::openapi::RunStatusName)]
    pub status: RunStatus,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
}

impl From<RunRecord> for RunView {
    fn from(run: RunRecord) -> Self {
        RunView {
            id: run.id,
            automation: run.automation,
            user: run.user,
            event: run.event,
            status: run.status,
            queued_at: run.queued_at,
            finished_at: run.finished_at,
            error: run.error,
        }
    }
}

/// A page of run history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunPageView {
    /// The runs, newest first.
    pub runs: Vec<RunView>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<RunPage> for RunPageView {
    fn from(page: RunPage) -> Self {
        RunPageView {
            runs: page.runs.into_iter().map(RunView::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// `GET /v1/automations/{id}/runs` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunsQuery {
    /// Only this user's runs (admins; anyone else sees only their own).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Uuid)]
    pub user: Option<UserId>,
    /// Only runs in this status.
    #[serde(default)]
    #[param(value_type = Option<crate::openapi::RunStatusName>)]
    pub status: Option<RunStatus>,
    /// Only runs queued at or after this instant (RFC 3339).
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Only runs queued before this instant (RFC 3339).
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Runs per page, 1 to 200 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// An automation's run history, newest first, a page at a time. Admins see every run and
/// may filter by user; anyone else sees only their own runs.
#[utoipa::path(
    get,
    path = "/v1/automations/{id}/runs",
    params(("id" = Uuid, Path, description = "Automation id"), RunsQuery),
    responses((status = 200, body = RunPageView), (status = 400, description = "A bad filter, window, limit or cursor (the field is named)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such automation in the account, not shared with the caller, or another user's runs asked by a non-admin", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn list_runs(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
    query: crate::Query<RunsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, query) = (id.into_inner(), query.into_inner());
    let filter = RunFilter {
        user: query.user,
        from: query.from,
        to: query.to,
        status: query.status,
    };
    let (cursor, limit) = (query.cursor, query.limit);
    let page = state
        .run(move |t| t.automation_runs(&caller, id, filter, cursor.as_deref(), limit))
        .await?;
    Ok(HttpResponse::Ok().json(RunPageView::from(page)))
}

/// One step's result in a run.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StepResultView {
    /// The step (0-based).
    pub index: usize,
    /// `started` (a webhook in flight, or one a restart interrupted), `succeeded` or
    /// `failed`.
    #[schema(value_type = crate::openapi::StepStatusName)]
    pub status: StepStatus,
    /// What it did: the e-mail's message, the task's id, the webhook's HTTP status.
    #[schema(value_type = Option<Object>)]
    pub output: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

impl From<StepResult> for StepResultView {
    fn from(result: StepResult) -> Self {
        StepResultView {
            index: result.index,
            status: result.status,
            // The runner records JSON objects; anything else is kept as text under `text`.
            output: result.output.map(|text| {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .filter(serde_json::Value::is_object)
                    .unwrap_or_else(|| serde_json::json!({ "text": text }))
            }),
            error: result.error,
            at: result.at,
        }
    }
}

/// A run with its steps' results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunDetailView {
    /// The run.
    pub run: RunView,
    /// Each step's result so far, in step order.
    pub steps: Vec<StepResultView>,
}

impl From<RunDetail> for RunDetailView {
    fn from(detail: RunDetail) -> Self {
        RunDetailView {
            run: detail.run.into(),
            steps: detail.steps.into_iter().map(StepResultView::from).collect(),
        }
    }
}

/// One run with its steps' results: an admin sees any, anyone else only their own.
#[utoipa::path(
    get,
    path = "/v1/runs/{id}",
    params(("id" = Uuid, Path, description = "Run id")),
    responses((status = 200, body = RunDetailView), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, description = "No such run in the account, or not the caller's", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_run(
    state: web::Data<AppState>,
    User(caller): User,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let detail = state.run(move |t| t.automation_run(&caller, id)).await?;
    Ok(HttpResponse::Ok().json(RunDetailView::from(detail)))
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/// Something that happened in the embedding application.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomingEvent {
    /// A declared event type's name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The user who caused it: an automation triggered by selected users then runs for that
    /// user alone (when they activated it); without one, for every user who did.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user: Option<UserId>,
    /// The fields, by name, each of its declared kind (a declared field may be absent).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, crate::openapi::FieldValue>)]
    pub fields: BTreeMap<String, Value>,
}

impl From<IncomingEvent> for Event {
    fn from(event: IncomingEvent) -> Self {
        Event {
            event_type: event.event_type,
            user: event.user,
            fields: event.fields,
        }
    }
}

/// `POST /v1/events` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsBody {
    /// The events, 1 to 1,000.
    #[schema(min_items = 1, max_items = 1000)]
    pub events: Vec<IncomingEvent>,
}

/// What an event batch started.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestedView {
    /// Events kept.
    pub events: usize,
    /// Runs queued.
    pub runs: usize,
}

impl From<Ingested> for IngestedView {
    fn from(ingested: Ingested) -> Self {
        IngestedView {
            events: ingested.events,
            runs: ingested.runs,
        }
    }
}

/// Takes a batch of events (admin): each is checked against its declared type, kept, and
/// queues a run for every user its automations run for — all or none of the batch. The runs
/// happen afterwards (`GET /v1/automations/{id}/runs`).
#[utoipa::path(
    post,
    path = "/v1/events",
    request_body = EventsBody,
    responses((status = 202, body = IngestedView), (status = 400, description = "No events or too many, an undeclared type, a field not declared or of the wrong kind, or an unknown user (`events[i]…`)", body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = GATE, body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn ingest(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<EventsBody>,
) -> Result<HttpResponse, ApiError> {
    let events: Vec<Event> = body
        .into_inner()
        .events
        .into_iter()
        .map(Event::from)
        .collect();
    let ingested = state.run(move |t| t.ingest_events(&caller, events)).await?;
    Ok(HttpResponse::Accepted().json(IngestedView::from(ingested)))
}

// ---------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------

/// A notification about an automation, for the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    /// Id.
    pub id: Uuid,
    /// `activation_refused` or `automation_paused`.
    pub kind: String,
    /// The automation concerned.
    pub automation: Option<Uuid>,
    /// What it says.
    pub message: String,
    /// The problems found, each a sentence with its fix (a refused activation).
    pub problems: Vec<String>,
    /// The step that failed most (a pause), e.g. `step 2 (call_webhook)`.
    pub failing_step: Option<String>,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
}

impl From<Notification> for NotificationView {
    fn from(notification: Notification) -> Self {
        NotificationView {
            id: notification.id,
            kind: notification.kind,
            automation: notification.automation,
            message: notification.message,
            problems: notification.problems,
            failing_step: notification.failing_step,
            created_at: notification.created_at,
        }
    }
}

/// The caller's notifications.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationList {
    /// Newest first, at most 100.
    pub notifications: Vec<NotificationView>,
}

/// The caller's notifications about automations (a refused activation, a pause after
/// failing runs), newest first; each is also sent by e-mail.
#[utoipa::path(
    get,
    path = "/v1/notifications",
    responses((status = 200, body = NotificationList)),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn notifications(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let all = state.run(move |t| t.notifications(&caller)).await?;
    Ok(HttpResponse::Ok().json(NotificationList {
        notifications: all.into_iter().map(NotificationView::from).collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Mailbox
// ---------------------------------------------------------------------------------------------

/// The caller's mailbox identity: what their automations' e-mail goes out as.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MailboxView {
    /// The address it comes from.
    pub address: String,
    /// The name shown beside it.
    pub display_name: String,
    /// Appended to every body, after a `-- ` line.
    pub signature: String,
    /// Whether it goes through the user's own SMTP server (else the account's server sends,
    /// with the user as `From`). The server's URL is never shown.
    pub own_smtp: bool,
}

impl From<Mailbox> for MailboxView {
    fn from(mailbox: Mailbox) -> Self {
        MailboxView {
            address: mailbox.address,
            display_name: mailbox.display_name,
            signature: mailbox.signature,
            own_smtp: mailbox.own_smtp,
        }
    }
}

/// `PUT /v1/me/mailbox` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxBody {
    /// The address e-mail goes out from.
    pub address: String,
    /// The name shown beside it.
    #[schema(min_length = 1, max_length = 100)]
    pub display_name: String,
    /// Appended to every automation e-mail (default: none).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub signature: Option<String>,
    /// The user's own SMTP server, as an `smtp://` or `smtps://` URL with its credentials;
    /// kept sealed and never shown again. Absent, `null` or empty: the account's server
    /// sends, with the user as `From`.
    #[serde(default)]
    pub smtp_url: Option<String>,
}

/// The SMTP URL carries a password: never in a log.
impl std::fmt::Debug for MailboxBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxBody")
            .field("address", &self.address)
            .field("display_name", &self.display_name)
            .field("signature", &self.signature)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The caller's mailbox identity.
#[utoipa::path(
    get,
    path = "/v1/me/mailbox",
    responses((status = 200, body = MailboxView), (status = 404, description = "The caller has set none", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn get_mailbox(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let mailbox = state
        .run(move |t| t.my_mailbox(&caller))
        .await?
        .ok_or(ServiceError::NotFound { what: "mailbox" })?;
    Ok(HttpResponse::Ok().json(MailboxView::from(mailbox)))
}

/// Sets the caller's mailbox identity, which their automations' e-mail steps send from. An
/// SMTP URL is kept sealed, never in clear, and never shown again.
#[utoipa::path(
    put,
    path = "/v1/me/mailbox",
    request_body = MailboxBody,
    responses((status = 200, body = MailboxView), (status = 400, description = "A bad address, display name, signature or SMTP URL (the field is named)", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn put_mailbox(
    state: web::Data<AppState>,
    User(caller): User,
    body: crate::Json<MailboxBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = MailboxInput {
        address: body.address,
        display_name: body.display_name,
        signature: body.signature.unwrap_or_default(),
        smtp_url: body.smtp_url,
    };
    let mailbox = state.run(move |t| t.set_my_mailbox(&caller, input)).await?;
    Ok(HttpResponse::Ok().json(MailboxView::from(mailbox)))
}

/// Removes the caller's mailbox identity (their e-mail steps then fail the diagnostics).
#[utoipa::path(
    delete,
    path = "/v1/me/mailbox",
    responses((status = 204, description = "Removed"), (status = 404, description = "The caller has set none", body = crate::error::Problem, content_type = "application/problem+json")),
    tag = TAG,
    security(("session" = []), ("token" = []))
)]
pub async fn delete_mailbox(
    state: web::Data<AppState>,
    User(caller): User,
) -> Result<HttpResponse, ApiError> {
    let removed = state.run(move |t| t.delete_my_mailbox(&caller)).await?;
    if !removed {
        return Err(ServiceError::NotFound { what: "mailbox" }.into());
    }
    Ok(HttpResponse::NoContent().finish())
}
