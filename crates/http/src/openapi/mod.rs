//! The OpenAPI 3.1 description, served at `/openapi.json` and browsable at `/docs/`.
//! Documentation-only schemas stand in for the engine's types, which stay free of any HTTP
//! or documentation dependency.

mod common;

use utoipa::OpenApi;

use crate::{
    accounts, apps, audit, automations, catalog, checks, contacts, error, features, inbound,
    portal, projects, roles, session, sharing, users,
};

/// An access level.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum LevelName {
    /// No access.
    None,
    /// View items.
    Read,
    /// View and change text.
    Modify,
    /// View, change and add.
    Write,
}

/// What an item is.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum ItemKindName {
    /// A workflow: shared with outsiders.
    Workflow,
    /// A task: never shared.
    Task,
    /// A list of workflows and tasks: sharing it shares its workflows.
    WishList,
}

/// Where an invitation stands.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum InvitationStateName {
    /// Its e-mail not yet handed to the mail server.
    Pending,
    /// Handed to the mail server.
    Sent,
    /// Accepted for delivery.
    Delivered,
    /// The recipient opened the external site.
    Opened,
    /// The recipient proved they hold the link or the code.
    Verified,
    /// Past its validity.
    Expired,
    /// Ended by the sender or an admin.
    Revoked,
    /// The mail server refused the address.
    Bounced,
}

/// A contact's kind.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum ContactKindName {
    /// An organisation; people may belong to it, projects name it as counterparty.
    Company,
    /// An individual.
    Person,
}

/// What a case tracks.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum CaseKindName {
    /// Something that happened and must be handled.
    Incident,
    /// A piece of work with a goal.
    Project,
}

/// A user's type in an app.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum AppUserTypeName {
    /// The app's creator: manages everything; cannot be changed or removed.
    Administrator,
    /// The same rights as the Administrator, revocable.
    Manager,
    /// An employee.
    Staff,
    /// A client member (not billed).
    User,
    /// Read-only, for automations and integrations (not billed).
    Bot,
}

/// A contact's access type.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum AccessName {
    /// E-mail only: notifications, and replies that become comments.
    None,
    /// A limited client portal.
    Basic,
    /// Near-employee access with fixed limits.
    Advanced,
}

/// A task's status.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum TaskStatusName {
    /// New or waiting.
    Open,
    /// Being worked on.
    InProgress,
    /// Finished.
    Done,
    /// Dropped.
    Cancelled,
}

/// What a person is.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum PersonKindName {
    /// A user of the account.
    User,
    /// A contact.
    Contact,
}

/// A user or a contact.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation-only schema")]
pub struct PersonSchema {
    /// `user` or `contact`.
    kind: PersonKindName,
    /// Their id.
    #[schema(format = Uuid)]
    id: String,
}

/// The people on a task, by role.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation-only schema")]
pub struct TaskPeopleSchema {
    /// The one responsible.
    #[schema(required = false)]
    assignee: Option<PersonSchema>,
    /// Sharing the responsibility (default: none).
    #[schema(required = false)]
    co_assignees: Vec<PersonSchema>,
    /// Taking part (default: none).
    #[schema(required = false)]
    participants: Vec<PersonSchema>,
    /// Overseeing: they see every task of the project and can close or delete them (default:
    /// none).
    #[schema(required = false)]
    auditors: Vec<PersonSchema>,
}

/// A role's setting for one feature.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum SettingName {
    /// The parent's effective level (`none` at the top).
    Inherit,
    /// No access.
    None,
    /// View items.
    Read,
    /// View and change text.
    Modify,
    /// View, change and add.
    Write,
}

/// A role.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation-only schema")]
pub struct RoleSchema {
    /// Id.
    #[schema(format = Uuid)]
    id: String,
    /// Name, unique in the account.
    name: String,
    /// Predefined roles cannot be changed.
    predefined: bool,
    /// Explicit settings by feature path; unlisted features inherit.
    settings: std::collections::BTreeMap<String, SettingName>,
}

/// How the user holds the deciding role.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation-only schema")]
pub struct GrantSchema {
    /// `account_role`, `scoped_role` or `unassigned`.
    kind: String,
    /// The role.
    #[schema(format = Uuid)]
    role: Option<String>,
    /// Its name.
    role_name: Option<String>,
    /// The scope, for a scoped role.
    #[schema(format = Uuid)]
    scope: Option<String>,
}

/// Why a user has a level on a feature.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documentation-only schema")]
pub struct ExplanationSchema {
    /// Who.
    #[schema(format = Uuid)]
    user: String,
    /// On what.
    feature: String,
    /// The effective level.
    level: LevelName,
    /// The role the level comes from.
    grant: GrantSchema,
    /// The feature whose explicit setting decided (absent: nothing set up to the top).
    set_on: Option<String>,
    /// Features walked with `inherit`, from the one asked about.
    inherited_through: Vec<String>,
}

/// An account's subscription plan (automations need `advanced` or above).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum PlanName {
    /// The entry plan: no automations.
    Essential,
    /// The first plan with automations.
    Advanced,
    /// Above Advanced.
    Professional,
    /// The top plan.
    Enterprise,
}

/// The kind of an event field.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum FieldKindName {
    /// Text.
    Text,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
}

/// A value of an event field, or what a condition compares a field with.
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum FieldValue {
    /// A `bool` field's value.
    Bool(bool),
    /// A `number` field's value.
    Number(f64),
    /// A `text` field's value.
    Text(String),
}

/// How a condition compares an event field with its value.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum OperatorName {
    /// The field equals the value.
    Equals,
    /// The field is present and differs from the value.
    NotEquals,
    /// The text field contains the text value.
    Contains,
    /// The number field is greater than the value.
    GreaterThan,
    /// The number field is less than the value.
    LessThan,
    /// The field is present (no value).
    Exists,
}

/// Whose events trigger an automation.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum TriggerModeName {
    /// Any user's event triggers it; it runs as its owner. Never shared.
    AnyUser,
    /// It runs for the users it is shared with who activated it, each as themselves.
    SelectedUsers,
}

/// Where a user stands with an automation shared with them.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum AccessStateName {
    /// Shared, not activated: it does not run for them.
    Shared,
    /// Activated: it runs for them.
    Active,
    /// Deactivated by an admin until the user activates it again.
    DeactivatedTemporarily,
    /// Deactivated by an admin until an admin shares it again.
    DeactivatedPermanently,
    /// Paused by itself after nearly every run failed; the user activates it again.
    Paused,
}

/// Where a run is.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum RunStatusName {
    /// Written, not started.
    Queued,
    /// A runner is working on it.
    Running,
    /// Every step succeeded.
    Succeeded,
    /// A step failed (the steps after it did not run).
    Failed,
}

/// Where a step of a run is.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum StepStatusName {
    /// Begun and not finished (a webhook in flight, or one a restart interrupted).
    Started,
    /// Done.
    Succeeded,
    /// Failed (the error says why).
    Failed,
}

/// What kind of problem the diagnostics found.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[expect(dead_code, reason = "documentation-only schema")]
pub enum ProblemCodeName {
    /// The automation has no step.
    NoSteps,
    /// The trigger's event type is not declared.
    UnknownEventType,
    /// A condition or template reads a field the event type does not have.
    UnknownEventField,
    /// A condition compares a field with a value of another kind.
    ConditionKindMismatch,
    /// A step field that must be filled is empty.
    StepIncomplete,
    /// A template does not parse.
    BadTemplate,
    /// The webhook URL is not an `http(s)` URL with a host.
    InvalidWebhookUrl,
    /// The task step's project does not exist.
    UnknownProject,
    /// The user has no mailbox identity, which a send-e-mail step needs.
    NoMailbox,
    /// The user may not create tasks, which a create-task step needs.
    MayNotCreateTasks,
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera", description = "Access control and sharing for SaaS products. Errors are `application/problem+json` (`Problem`)."),
    paths(
        session::sign_in,
        session::sign_out,
        session::change_password,
        session::create_token,
        session::list_tokens,
        session::delete_token,
        accounts::create,
        accounts::list,
        accounts::get,
        accounts::update,
        audit::list,
        users::list,
        users::add,
        users::get_one,
        users::rename,
        users::change_role,
        users::delete,
        roles::list,
        roles::get,
        roles::create,
        roles::update,
        roles::delete,
        features::list,
        features::add,
        checks::check,
        checks::batch,
        checks::explain,
        checks::who_can,
        checks::what_can,
        catalog::list_items,
        catalog::put_item,
        catalog::delete_item,
        catalog::list_groups,
        catalog::create_group,
        catalog::update_group,
        catalog::delete_group,
        sharing::create_share,
        sharing::list_invitations,
        sharing::act_on_invitation,
        contacts::create,
        contacts::list,
        contacts::get_one,
        contacts::update,
        contacts::delete,
        contacts::set_access,
        contacts::resend_activation,
        contacts::set_may_grant,
        contacts::activation,
        contacts::activate,
        projects::create_project,
        projects::list_projects,
        projects::get_project,
        projects::update_project,
        projects::delete_project,
        projects::create_task,
        projects::list_tasks,
        projects::get_task,
        projects::update_task,
        projects::delete_task,
        projects::add_comment,
        projects::list_comments,
        projects::history,
        portal::sign_in,
        portal::sign_out,
        portal::projects,
        portal::project,
        portal::tasks,
        portal::create_task,
        portal::task,
        portal::set_status,
        portal::comments,
        portal::comment,
        portal::history,
        inbound::receive,
        apps::create_app,
        apps::list_apps,
        apps::get_app,
        apps::create_case,
        apps::list_cases,
        apps::get_case,
        apps::delete_case,
        apps::assign,
        apps::unassign,
        apps::list_case_roles,
        apps::create_case_role,
        apps::update_case_role,
        apps::delete_case_role,
        apps::list_users,
        apps::set_user,
        apps::remove_user,
        apps::import,
        apps::seats,
        automations::get_settings,
        automations::put_settings,
        automations::list_event_types,
        automations::put_event_type,
        automations::create,
        automations::list,
        automations::get_one,
        automations::update,
        automations::delete,
        automations::set_active,
        automations::transfer,
        automations::duplicate,
        automations::list_access,
        automations::share,
        automations::unshare,
        automations::deactivate,
        automations::activate,
        automations::troubleshooting,
        automations::list_runs,
        automations::get_run,
        automations::ingest,
        automations::notifications,
        automations::get_mailbox,
        automations::put_mailbox,
        automations::delete_mailbox,
        crate::healthz,
        crate::readyz,
        crate::metrics::metrics,
    ),
    components(schemas(error::Problem, LevelName, SettingName, RoleSchema, ExplanationSchema, GrantSchema, features::Kind, sharing::InvitationAction, ItemKindName, InvitationStateName, ContactKindName, AccessName, TaskStatusName, PersonKindName, PersonSchema, TaskPeopleSchema, CaseKindName, AppUserTypeName, PlanName, FieldKindName, FieldValue, OperatorName, TriggerModeName, AccessStateName, RunStatusName, StepStatusName, ProblemCodeName)),
    modifiers(&Security, &Common),
    tags(
        (name = "session", description = "Sign in and out, passwords, API tokens"),
        (name = "users", description = "Users of the account (`user_management`: read to list, write to change)"),
        (name = "roles", description = "Roles of the account (`user_management`: read to list, write to change)"),
        (name = "features", description = "The account's feature tree (`settings: write` to add)"),
        (name = "checks", description = "Permission questions"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "sharing", description = "Shareable items, recipient groups, shares and invitations"),
        (name = "accounts", description = "Accounts: created and listed by the operator; settings by the account's admins"),
        (name = "audit", description = "The audit trail (`user_management: read`)"),
        (name = "contacts", description = "Companies and people outside the account, their access to the client portal (granted by admins and flagged employees), activation links, replies by e-mail"),
        (name = "projects", description = "Projects and tasks for employees (`workspace`: read to see, modify to change and comment)"),
        (name = "portal", description = "The client portal: what a contact with `basic` or `advanced` access sees and does (`docs/contacts.md`)"),
        (name = "automations", description = "Shared automations: admins (`settings: write`) build them and share them with users, each of whom activates them; diagnostics, events, runs, notifications and each user's mailbox identity. The account needs the Advanced plan or above and the beta switch (`/v1/automation-settings`)"),
    )
)]
pub struct ApiDoc;

struct Security;

/// The answers every operation can give ([`common`]).
struct Common;

impl utoipa::Modify for Common {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        common::add_common_responses(openapi);
    }
}

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "portal",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::portal::PORTAL_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The operator token configured on the server (`TESSERA_OPERATOR_TOKEN`)",
                    ))
                    .build(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    /// Every `$ref` in `value`.
    fn refs<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("$ref", serde_json::Value::String(target)) => out.push(target),
                        _ => refs(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
            _ => {}
        }
    }

    /// Tools can load every operation: each reference names a schema the document has, and
    /// answers describe what they carry (a group's `id` among them).
    #[test]
    fn every_reference_resolves() {
        let json = serde_json::to_value(crate::openapi()).expect("serializable");
        let mut found = Vec::new();
        refs(&json, &mut found);
        assert!(!found.is_empty());
        for target in found {
            let name = target
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected reference {target}"));
            assert!(
                json["components"]["schemas"][name].is_object(),
                "{target} does not exist"
            );
        }
        let group = &json["components"]["schemas"]["GroupView"];
        assert!(group["properties"]["id"].is_object(), "{group}");
        assert!(json["components"]["schemas"]["Kind"].is_object());
        assert!(json["components"]["schemas"]["InvitationAction"].is_object());
    }

    /// Every route `configure` mounts (but the docs page itself) is described.
    #[test]
    fn every_route_is_documented() {
        let openapi = crate::openapi();
        let routes = [
            ("post", "/v1/session"),
            ("delete", "/v1/session"),
            ("post", "/v1/session/password"),
            ("post", "/v1/tokens"),
            ("get", "/v1/tokens"),
            ("delete", "/v1/tokens/{id}"),
            ("post", "/v1/accounts"),
            ("get", "/v1/accounts"),
            ("get", "/v1/account"),
            ("patch", "/v1/account"),
            ("get", "/v1/audit"),
            ("get", "/v1/users"),
            ("post", "/v1/users"),
            ("get", "/v1/users/{id}"),
            ("patch", "/v1/users/{id}"),
            ("put", "/v1/users/{id}/role"),
            ("delete", "/v1/users/{id}"),
            ("get", "/v1/roles"),
            ("post", "/v1/roles"),
            ("get", "/v1/roles/{id}"),
            ("put", "/v1/roles/{id}"),
            ("delete", "/v1/roles/{id}"),
            ("get", "/v1/features"),
            ("post", "/v1/features/{kind}"),
            ("post", "/v1/check"),
            ("post", "/v1/checks"),
            ("post", "/v1/explain"),
            ("get", "/v1/who-can"),
            ("get", "/v1/what-can"),
            ("get", "/v1/items"),
            ("put", "/v1/items/{external_id}"),
            ("delete", "/v1/items/{external_id}"),
            ("get", "/v1/groups"),
            ("post", "/v1/groups"),
            ("put", "/v1/groups/{id}"),
            ("delete", "/v1/groups/{id}"),
            ("post", "/v1/shares"),
            ("get", "/v1/invitations"),
            ("post", "/v1/invitations/{id}/{action}"),
            ("put", "/v1/users/{id}/may-grant-client-access"),
            ("get", "/v1/contacts"),
            ("post", "/v1/contacts"),
            ("get", "/v1/contacts/{id}"),
            ("patch", "/v1/contacts/{id}"),
            ("delete", "/v1/contacts/{id}"),
            ("put", "/v1/contacts/{id}/access"),
            ("post", "/v1/contacts/{id}/activation"),
            ("get", "/v1/activation/{token}"),
            ("post", "/v1/activation/{token}"),
            ("get", "/v1/projects"),
            ("post", "/v1/projects"),
            ("get", "/v1/projects/{id}"),
            ("put", "/v1/projects/{id}"),
            ("delete", "/v1/projects/{id}"),
            ("get", "/v1/projects/{id}/tasks"),
            ("post", "/v1/projects/{id}/tasks"),
            ("get", "/v1/tasks/{id}"),
            ("patch", "/v1/tasks/{id}"),
            ("delete", "/v1/tasks/{id}"),
            ("get", "/v1/tasks/{id}/comments"),
            ("post", "/v1/tasks/{id}/comments"),
            ("get", "/v1/tasks/{id}/history"),
            ("post", "/v1/portal/session"),
            ("delete", "/v1/portal/session"),
            ("get", "/v1/portal/projects"),
            ("get", "/v1/portal/projects/{id}"),
            ("get", "/v1/portal/projects/{id}/tasks"),
            ("post", "/v1/portal/projects/{id}/tasks"),
            ("get", "/v1/portal/tasks/{id}"),
            ("patch", "/v1/portal/tasks/{id}"),
            ("get", "/v1/portal/tasks/{id}/comments"),
            ("post", "/v1/portal/tasks/{id}/comments"),
            ("get", "/v1/portal/tasks/{id}/history"),
            ("post", "/v1/inbound/email"),
            ("get", "/v1/apps"),
            ("post", "/v1/apps"),
            ("get", "/v1/apps/{app}"),
            ("get", "/v1/apps/{app}/cases"),
            ("post", "/v1/apps/{app}/cases"),
            ("get", "/v1/apps/{app}/case-roles"),
            ("post", "/v1/apps/{app}/case-roles"),
            ("put", "/v1/apps/{app}/case-roles/{id}"),
            ("delete", "/v1/apps/{app}/case-roles/{id}"),
            ("get", "/v1/apps/{app}/users"),
            ("post", "/v1/apps/{app}/users/import"),
            ("put", "/v1/apps/{app}/users/{user}"),
            ("delete", "/v1/apps/{app}/users/{user}"),
            ("get", "/v1/cases/{case}"),
            ("delete", "/v1/cases/{case}"),
            ("put", "/v1/cases/{case}/assignments/{user}"),
            ("delete", "/v1/cases/{case}/assignments/{user}"),
            ("get", "/v1/seats"),
            ("get", "/v1/automation-settings"),
            ("put", "/v1/automation-settings"),
            ("get", "/v1/event-types"),
            ("put", "/v1/event-types/{name}"),
            ("get", "/v1/automations"),
            ("post", "/v1/automations"),
            ("get", "/v1/automations/{id}"),
            ("put", "/v1/automations/{id}"),
            ("delete", "/v1/automations/{id}"),
            ("put", "/v1/automations/{id}/active"),
            ("post", "/v1/automations/{id}/transfer"),
            ("post", "/v1/automations/{id}/duplicate"),
            ("get", "/v1/automations/{id}/access"),
            ("post", "/v1/automations/{id}/access"),
            ("delete", "/v1/automations/{id}/access/{user}"),
            ("post", "/v1/automations/{id}/access/{user}/deactivate"),
            ("post", "/v1/automations/{id}/activate"),
            ("get", "/v1/automations/{id}/troubleshooting"),
            ("get", "/v1/automations/{id}/runs"),
            ("get", "/v1/runs/{id}"),
            ("post", "/v1/events"),
            ("get", "/v1/notifications"),
            ("get", "/v1/me/mailbox"),
            ("put", "/v1/me/mailbox"),
            ("delete", "/v1/me/mailbox"),
            ("get", "/healthz"),
            ("get", "/readyz"),
            ("get", "/metrics"),
        ];
        let json = serde_json::to_value(&openapi).expect("serializable");
        assert_eq!(json["openapi"], "3.1.0");
        for (method, path) in routes {
            assert!(
                json["paths"][path][method].is_object(),
                "{method} {path} is not documented"
            );
        }
        let documented: usize = json["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|item| item.as_object().map_or(0, |o| o.len()))
            .sum();
        assert_eq!(
            documented,
            routes.len(),
            "documented operations that are not mounted"
        );
    }
}
