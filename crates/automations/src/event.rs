//! Events that start runs, and the event types an account declares for them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tessera_core::UserId;

use crate::AutomationError;

/// Longest event type or field name.
pub const MAX_EVENT_NAME_CHARS: usize = 64;
/// Most fields an event type declares.
pub const MAX_EVENT_FIELDS: usize = 50;
/// Longest text value in an event.
pub const MAX_EVENT_TEXT_CHARS: usize = 10_000;

/// The kind of an event field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Text.
    Text,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
}

impl FieldKind {
    /// The kind as stored and shown.
    pub const fn name(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Bool => "bool",
        }
    }
}

/// A value of an event field, or the value a condition compares it with. A whole number is
/// written without a fraction (`10`, not `10.0`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Bool(flag) => serializer.serialize_bool(*flag),
            Value::Number(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => {
                serializer.serialize_i64(*number as i64)
            }
            Value::Number(number) => serializer.serialize_f64(*number),
            Value::Text(text) => serializer.serialize_str(text),
        }
    }
}

impl Value {
    /// The value's kind.
    pub const fn kind(&self) -> FieldKind {
        match self {
            Value::Bool(_) => FieldKind::Bool,
            Value::Number(_) => FieldKind::Number,
            Value::Text(_) => FieldKind::Text,
        }
    }

    /// The value as a template shows it: text as is, numbers without a needless `.0`.
    pub fn display(&self) -> String {
        match self {
            Value::Bool(flag) => flag.to_string(),
            Value::Number(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
                format!("{}", *number as i64)
            }
            Value::Number(number) => number.to_string(),
            Value::Text(text) => text.clone(),
        }
    }
}

/// A kind of event the account sends, with the fields its events carry. Automations trigger
/// on an event type; diagnostics check that what they reference is among its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventType {
    /// The name, e.g. `deal.won`: lowercase letters, digits, `_`, `.` and `-`.
    pub name: String,
    /// Each field's kind, by name.
    pub fields: BTreeMap<String, FieldKind>,
}

impl EventType {
    /// Checks the names and the number of fields.
    pub fn validate(&self) -> Result<(), AutomationError> {
        check_event_name(&self.name, "name")?;
        if self.fields.len() > MAX_EVENT_FIELDS {
            return Err(AutomationError::invalid(
                "fields",
                format!("at most {MAX_EVENT_FIELDS} fields"),
            ));
        }
        for name in self.fields.keys() {
            check_event_name(name, &format!("fields.{name}"))?;
        }
        Ok(())
    }

    /// Checks an event of this type: every field declared, of its declared kind (a declared
    /// field may be absent: a condition on it does not match, a template shows it empty).
    pub fn check_event(&self, event: &Event, at: &str) -> Result<(), AutomationError> {
        for (name, value) in &event.fields {
            let field = format!("{at}.fields.{name}");
            let Some(kind) = self.fields.get(name) else {
                return Err(AutomationError::invalid(
                    field,
                    format!("`{}` events have no field `{name}`", self.name),
                ));
            };
            if value.kind() != *kind {
                return Err(AutomationError::invalid(
                    field,
                    format!("expected {}, got {}", kind.name(), value.kind().name()),
                ));
            }
            if let Value::Text(text) = value
                && text.chars().count() > MAX_EVENT_TEXT_CHARS
            {
                return Err(AutomationError::invalid(
                    field,
                    format!("at most {MAX_EVENT_TEXT_CHARS} characters"),
                ));
            }
            if let Value::Number(number) = value
                && !number.is_finite()
            {
                return Err(AutomationError::invalid(field, "not a finite number"));
            }
        }
        Ok(())
    }
}

/// Checks an event type or field name.
pub fn check_event_name(name: &str, field: &str) -> Result<(), AutomationError> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-');
    if name.is_empty() || name.len() > MAX_EVENT_NAME_CHARS || !valid_chars {
        return Err(AutomationError::invalid(
            field,
            format!(
                "`{name}`: 1 to {MAX_EVENT_NAME_CHARS} lowercase letters, digits, `_`, `.` or `-`"
            ),
        ));
    }
    Ok(())
}

/// Something that happened, sent by the embedding application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The event type's name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The user who caused it, if any: an automation triggered by selected users then runs
    /// for that user alone (when they activated it); without one, for every user who did.
    #[serde(default)]
    pub user: Option<UserId>,
    /// The fields, by name.
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}
