//! Diagnostics: is the automation well built, and can it run for this user? Run before
//! every activation (a problem refuses it) and on demand; each problem says how to fix it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tessera_core::Uuid;

use crate::automation::{Definition, Step, parse_templates};
use crate::event::EventType;
use crate::template::Template;

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
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

/// One problem, where it is, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What kind.
    pub code: ProblemCode,
    /// The step, when the problem is in one (0-based).
    pub step: Option<usize>,
    /// The field at fault, e.g. `steps[0].subject`.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

fn problem(
    code: ProblemCode,
    step: Option<usize>,
    field: String,
    message: String,
    fix: &str,
) -> Problem {
    Problem {
        code,
        step,
        field,
        message,
        fix: fix.to_owned(),
    }
}

/// What the static checks need from the account.
#[derive(Debug, Clone, Copy)]
pub struct StaticFacts<'a> {
    /// The trigger's event type, if the account declared it.
    pub event_type: Option<&'a EventType>,
    /// Which of the projects the steps name exist in the account.
    pub projects: &'a BTreeSet<Uuid>,
}

/// What the per-user checks need to know about the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFacts {
    /// The user has a mailbox identity.
    pub has_mailbox: bool,
    /// The user may create tasks (`workspace: modify`).
    pub may_create_tasks: bool,
}

/// The checks that do not depend on who runs it: every step configured, the event type
/// and every field referenced declared, templates well-formed, webhook URLs valid, projects
/// existing.
pub fn static_problems(definition: &Definition, facts: StaticFacts<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    if definition.steps.is_empty() {
        problems.push(problem(
            ProblemCode::NoSteps,
            None,
            "steps".into(),
            "the automation has no step".into(),
            "add at least one step",
        ));
    }
    let event_type = facts.event_type;
    if event_type.is_none() {
        problems.push(problem(
            ProblemCode::UnknownEventType,
            None,
            "trigger.event_type".into(),
            format!(
                "no event type `{}` is declared",
                definition.trigger.event_type
            ),
            "declare the event type (PUT /v1/event-types/{name}) or pick a declared one",
        ));
    }
    if let Some(event_type) = event_type {
        for (index, condition) in definition.trigger.conditions.iter().enumerate() {
            let field = format!("trigger.conditions[{index}].field");
            match event_type.fields.get(&condition.field) {
                None => problems.push(problem(
                    ProblemCode::UnknownEventField,
                    None,
                    field,
                    format!(
                        "`{}` events have no field `{}`",
                        event_type.name, condition.field
                    ),
                    "pick one of the event type's fields, or declare this field on it",
                )),
                Some(kind) => {
                    if let Some(value) = &condition.value
                        && value.kind() != *kind
                    {
                        problems.push(problem(
                            ProblemCode::ConditionKindMismatch,
                            None,
                            format!("trigger.conditions[{index}].value"),
                            format!(
                                "`{}` is {}, the value is {}: the condition can never hold",
                                condition.field,
                                kind.name(),
                                value.kind().name()
                            ),
                            "compare the field with a value of its kind",
                        ));
                    }
                }
            }
        }
    }
    for (index, step) in definition.steps.iter().enumerate() {
        step_problems(step, index, event_type, facts.projects, &mut problems);
    }
    problems
}

fn step_problems(
    step: &Step,
    index: usize,
    event_type: Option<&EventType>,
    projects: &BTreeSet<Uuid>,
    problems: &mut Vec<Problem>,
) {
    let required: &[&str] = match step {
        Step::SendEmail { .. } => &["to", "subject", "body"],
        Step::CreateTask { .. } => &["title"],
        Step::CallWebhook { .. } => &[],
    };
    match parse_templates(step, index) {
        Err(error) => problems.push(problem(
            ProblemCode::BadTemplate,
            Some(index),
            match &error {
                crate::AutomationError::Invalid { field, .. } => field.clone(),
                _ => format!("steps[{index}]"),
            },
            error.to_string(),
            "write placeholders as {{event.<field>}}, {{user.name}} or {{user.email}}",
        )),
        Ok(templates) => {
            for ((name, _), template) in step.templates().into_iter().zip(&templates) {
                let field = format!("steps[{index}].{name}");
                if required.contains(&name) && template.is_blank() {
                    problems.push(problem(
                        ProblemCode::StepIncomplete,
                        Some(index),
                        field.clone(),
                        format!("the {} step's `{name}` is empty", step.kind()),
                        "fill it in",
                    ));
                }
                if let Some(event_type) = event_type {
                    unknown_fields(template, event_type, index, &field, problems);
                }
            }
        }
    }
    match step {
        Step::CreateTask { project: None, .. } => problems.push(problem(
            ProblemCode::StepIncomplete,
            Some(index),
            format!("steps[{index}].project"),
            "the create_task step has no project".into(),
            "pick the project the task goes into",
        )),
        Step::CreateTask {
            project: Some(project),
            ..
        } if !projects.contains(project) => problems.push(problem(
            ProblemCode::UnknownProject,
            Some(index),
            format!("steps[{index}].project"),
            format!("project {project} does not exist (deleted?)"),
            "pick an existing project",
        )),
        Step::CallWebhook { url } => {
            if let Err(reason) = check_webhook_url(url) {
                problems.push(problem(
                    ProblemCode::InvalidWebhookUrl,
                    Some(index),
                    format!("steps[{index}].url"),
                    reason,
                    "enter an http:// or https:// URL with a host name",
                ));
            }
        }
        _ => {}
    }
}

fn unknown_fields(
    template: &Template,
    event_type: &EventType,
    index: usize,
    field: &str,
    problems: &mut Vec<Problem>,
) {
    for name in template.event_fields() {
        if !event_type.fields.contains_key(name) {
            problems.push(problem(
                ProblemCode::UnknownEventField,
                Some(index),
                field.to_owned(),
                format!("`{}` events have no field `{name}`", event_type.name),
                "use one of the event type's fields, or declare this field on it",
            ));
        }
    }
}

/// Checks a webhook URL's shape: `http` or `https`, a host, no spaces or credentials.
/// (Where it points — loopback, private networks — is checked when it is called.)
///
/// ```
/// use tessera_automations::check_webhook_url;
/// assert!(check_webhook_url("https://hooks.example.com/x?y=1").is_ok());
/// assert!(check_webhook_url("http://127.0.0.1:8080/hook").is_ok());
/// assert!(check_webhook_url("ftp://example.com").is_err());
/// assert!(check_webhook_url("https://").is_err());
/// assert!(check_webhook_url("https://user:pw@example.com/").is_err());
/// ```
pub fn check_webhook_url(url: &str) -> Result<(), String> {
    if url.trim().is_empty() {
        return Err("the webhook step has no URL".into());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an http:// or https:// URL"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{url}` contains spaces or control characters"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("a webhook URL may not carry a user name or password".into());
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    if let Some(port) = authority.rsplit_once("]:").map(|(_, p)| p).or_else(|| {
        (!authority.starts_with('['))
            .then(|| authority.split_once(':').map(|(_, p)| p))
            .flatten()
    }) && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("`{port}` is not a port"));
    }
    Ok(())
}

/// The checks for one user: a send-e-mail step needs their mailbox identity, a
/// create-task step their right to create tasks.
pub fn user_problems(definition: &Definition, user: UserFacts) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, step) in definition.steps.iter().enumerate() {
        match step {
            Step::SendEmail { .. } if !user.has_mailbox => problems.push(problem(
                ProblemCode::NoMailbox,
                Some(index),
                "mailbox".into(),
                "the send_email step sends from your mailbox, and you have not set one up".into(),
                "set your mailbox identity (PUT /v1/me/mailbox), then run the diagnostics again",
            )),
            Step::CreateTask { .. } if !user.may_create_tasks => problems.push(problem(
                ProblemCode::MayNotCreateTasks,
                Some(index),
                "role".into(),
                "the create_task step creates tasks as you, and your role may not (it needs `workspace: modify`)".into(),
                "ask an admin for a role with `workspace: modify`",
            )),
            _ => {}
        }
    }
    problems
}
