//! An automation: a trigger, a trigger mode and the steps it runs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{UserId, Uuid, clean_name};

use crate::AutomationError;
use crate::event::{Event, Value, check_event_name};
use crate::template::{MAX_TEMPLATE_CHARS, Template};

/// Longest automation name.
pub const MAX_AUTOMATION_NAME_CHARS: usize = 200;
/// Most steps in one automation.
pub const MAX_STEPS: usize = 20;
/// Most conditions on one trigger.
pub const MAX_CONDITIONS: usize = 20;
/// Longest webhook URL.
pub const MAX_URL_CHARS: usize = 2_000;

/// An automation's id.
pub type AutomationId = Uuid;

/// Whose actions trigger the automation, and so for whom it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerMode {
    /// Any user's event triggers it; it runs as its owner. Never shared.
    AnyUser,
    /// It runs for the users it is shared with who activated it, each as themselves.
    SelectedUsers,
}

impl TriggerMode {
    /// The name as stored.
    pub const fn name(self) -> &'static str {
        match self {
            TriggerMode::AnyUser => "any_user",
            TriggerMode::SelectedUsers => "selected_users",
        }
    }

    /// Reads a stored name back.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "any_user" => Some(TriggerMode::AnyUser),
            "selected_users" => Some(TriggerMode::SelectedUsers),
            _ => None,
        }
    }
}

/// How a condition compares an event field with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
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

/// One condition on the triggering event's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The event field.
    pub field: String,
    /// The comparison.
    pub op: Operator,
    /// What the field is compared with (absent for `exists`).
    #[serde(default)]
    pub value: Option<Value>,
}

impl Condition {
    /// Whether `event` satisfies the condition.
    pub fn holds(&self, event: &Event) -> bool {
        let Some(field) = event.fields.get(&self.field) else {
            return false;
        };
        match (self.op, field, &self.value) {
            (Operator::Exists, _, _) => true,
            (Operator::Equals, field, Some(value)) => field == value,
            (Operator::NotEquals, field, Some(value)) => field != value,
            (Operator::Contains, Value::Text(field), Some(Value::Text(value))) => {
                field.contains(value.as_str())
            }
            (Operator::GreaterThan, Value::Number(field), Some(Value::Number(value))) => {
                field > value
            }
            (Operator::LessThan, Value::Number(field), Some(Value::Number(value))) => field < value,
            _ => false,
        }
    }

    fn validate(&self, at: &str) -> Result<(), AutomationError> {
        check_event_name(&self.field, &format!("{at}.field"))?;
        let value_field = format!("{at}.value");
        match (self.op, &self.value) {
            (Operator::Exists, None) => Ok(()),
            (Operator::Exists, Some(_)) => Err(AutomationError::invalid(
                value_field,
                "`exists` takes no value",
            )),
            (_, None) => Err(AutomationError::invalid(value_field, "a value is required")),
            (Operator::Contains, Some(Value::Text(_))) => Ok(()),
            (Operator::Contains, Some(_)) => Err(AutomationError::invalid(
                value_field,
                "`contains` compares text",
            )),
            (Operator::GreaterThan | Operator::LessThan, Some(Value::Number(n)))
                if n.is_finite() =>
            {
                Ok(())
            }
            (Operator::GreaterThan | Operator::LessThan, Some(_)) => Err(AutomationError::invalid(
                value_field,
                "this comparison needs a finite number",
            )),
            (_, Some(Value::Number(n))) if !n.is_finite() => {
                Err(AutomationError::invalid(value_field, "not a finite number"))
            }
            (_, Some(_)) => Ok(()),
        }
    }
}

/// What starts a run: an event type and conditions on its fields (all must hold).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// The event type's name.
    pub event_type: String,
    /// Conditions on the event's fields.
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

impl Trigger {
    /// Whether `event` starts a run.
    pub fn matches(&self, event: &Event) -> bool {
        self.event_type == event.event_type
            && self
                .conditions
                .iter()
                .all(|condition| condition.holds(event))
    }
}

/// One thing a run does, as the user it runs for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Sends an e-mail from the user's mailbox, with their signature.
    SendEmail {
        /// The recipient's address (a template).
        #[serde(default)]
        to: String,
        /// The subject (a template).
        #[serde(default)]
        subject: String,
        /// The body (a template); the user's signature is appended.
        #[serde(default)]
        body: String,
    },
    /// Creates a task in a project, by the user.
    CreateTask {
        /// The project.
        #[serde(default)]
        project: Option<Uuid>,
        /// The task's title (a template).
        #[serde(default)]
        title: String,
        /// The task's description (a template).
        #[serde(default)]
        description: String,
    },
    /// Posts the event and the run to a URL (JSON).
    CallWebhook {
        /// The URL (`http` or `https`).
        #[serde(default)]
        url: String,
    },
}

impl Step {
    /// The step's type as the API names it.
    pub const fn kind(&self) -> &'static str {
        match self {
            Step::SendEmail { .. } => "send_email",
            Step::CreateTask { .. } => "create_task",
            Step::CallWebhook { .. } => "call_webhook",
        }
    }

    /// The step's template fields, by name.
    pub fn templates(&self) -> Vec<(&'static str, &str)> {
        match self {
            Step::SendEmail { to, subject, body } => {
                vec![("to", to), ("subject", subject), ("body", body)]
            }
            Step::CreateTask {
                title, description, ..
            } => vec![("title", title), ("description", description)],
            Step::CallWebhook { .. } => Vec::new(),
        }
    }

    /// Whether the step's effect is outside Tessera (so it cannot be committed with the
    /// step's result, and is never retried after a crash interrupted it).
    pub const fn acts_outside(&self) -> bool {
        matches!(self, Step::CallWebhook { .. })
    }
}

/// What an automation is made of, as created or edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// The name.
    pub name: String,
    /// What starts a run.
    pub trigger: Trigger,
    /// Whose events trigger it.
    pub mode: TriggerMode,
    /// What a run does, in order.
    pub steps: Vec<Step>,
}

impl Definition {
    /// Checks what can be checked without the account's data, and cleans the name. Steps may
    /// still be incomplete (an empty subject, no project): a draft is saved, and the
    /// diagnostics say what is missing before anyone can activate it.
    pub fn validate(mut self) -> Result<Self, AutomationError> {
        self.name = clean_name(&self.name, MAX_AUTOMATION_NAME_CHARS)
            .map_err(|error| AutomationError::invalid("name", error.to_string()))?;
        check_event_name(&self.trigger.event_type, "trigger.event_type")?;
        if self.trigger.conditions.len() > MAX_CONDITIONS {
            return Err(AutomationError::invalid(
                "trigger.conditions",
                format!("at most {MAX_CONDITIONS} conditions"),
            ));
        }
        for (index, condition) in self.trigger.conditions.iter().enumerate() {
            condition.validate(&format!("trigger.conditions[{index}]"))?;
        }
        if self.steps.len() > MAX_STEPS {
            return Err(AutomationError::invalid(
                "steps",
                format!("at most {MAX_STEPS} steps"),
            ));
        }
        for (index, step) in self.steps.iter().enumerate() {
            for (name, text) in step.templates() {
                if text.chars().count() > MAX_TEMPLATE_CHARS {
                    return Err(AutomationError::invalid(
                        format!("steps[{index}].{name}"),
                        format!("at most {MAX_TEMPLATE_CHARS} characters"),
                    ));
                }
            }
            if let Step::CallWebhook { url } = step
                && url.chars().count() > MAX_URL_CHARS
            {
                return Err(AutomationError::invalid(
                    format!("steps[{index}].url"),
                    format!("at most {MAX_URL_CHARS} characters"),
                ));
            }
        }
        Ok(self)
    }
}

/// An automation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Automation {
    /// Its id.
    pub id: AutomationId,
    /// The admin who made it (it runs as them when triggered by any user).
    pub owner: UserId,
    /// What it is made of.
    #[serde(flatten)]
    pub definition: Definition,
    /// The owner's switch: off, it runs for nobody.
    pub active: bool,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Automation {
    /// The users `event` starts a run for: nobody when the automation is off or its trigger
    /// does not match; triggered by any user, its owner (whoever caused the event); triggered by
    /// selected users, each user in `activated` — only the event's user when it names one.
    ///
    /// `activated` lists the users who have it active (the caller reads them for this
    /// automation only).
    pub fn runs_for(&self, event: &Event, activated: &[UserId]) -> Vec<UserId> {
        if !self.active || !self.definition.trigger.matches(event) {
            return Vec::new();
        }
        match (self.definition.mode, event.user) {
            (TriggerMode::AnyUser, _) => vec![self.owner],
            (TriggerMode::SelectedUsers, Some(user)) => {
                if activated.contains(&user) {
                    vec![user]
                } else {
                    Vec::new()
                }
            }
            (TriggerMode::SelectedUsers, None) => activated.to_vec(),
        }
    }
}

/// Parses every template of `step`, naming the first bad one as `steps[index].<name>`.
pub fn parse_templates(step: &Step, index: usize) -> Result<Vec<Template>, AutomationError> {
    step.templates()
        .into_iter()
        .map(|(name, text)| Template::parse(text, &format!("steps[{index}].{name}")))
        .collect()
}
