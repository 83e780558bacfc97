//! Text templates in steps: `{{event.<field>}}`, `{{user.name}}` and `{{user.email}}`.

use std::fmt::Write as _;

use crate::AutomationError;
use crate::event::Event;

/// Longest template text.
pub const MAX_TEMPLATE_CHARS: usize = 10_000;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text copied as is.
    Text(String),
    /// An event field's value (empty when the event lacks it).
    EventField(String),
    /// The running user's display name.
    UserName,
    /// The running user's e-mail address.
    UserEmail,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Piece>);

/// Who a run acts for, as templates see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunUser {
    /// The user's display name.
    pub name: String,
    /// The user's e-mail address.
    pub email: String,
}

impl Template {
    /// Parses `text`; `field` names where it came from in errors.
    ///
    /// ```
    /// use tessera_automations::{Template, RunUser, Event};
    /// let template = Template::parse("Hi {{ user.name }}, deal {{event.title}} won", "body").unwrap();
    /// let event: Event = serde_json::from_str(r#"{"type": "deal.won", "fields": {"title": "Acme"}}"#).unwrap();
    /// let user = RunUser { name: "Ana".into(), email: "ana@example.com".into() };
    /// assert_eq!(template.render(&event, &user), "Hi Ana, deal Acme won");
    /// assert!(Template::parse("{{ deal.title }}", "body").is_err());
    /// ```
    pub fn parse(text: &str, field: &str) -> Result<Self, AutomationError> {
        if text.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(AutomationError::invalid(
                field,
                format!("at most {MAX_TEMPLATE_CHARS} characters"),
            ));
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after
                .find("}}")
                .ok_or_else(|| AutomationError::invalid(field, "a `{{` is not closed by `}}`"))?;
            let name = after[..close].trim();
            pieces.push(match name {
                "user.name" => Piece::UserName,
                "user.email" => Piece::UserEmail,
                _ => match name.strip_prefix("event.") {
                    Some(event_field) if !event_field.is_empty() => {
                        Piece::EventField(event_field.to_owned())
                    }
                    _ => {
                        return Err(AutomationError::invalid(
                            field,
                            format!(
                                "`{{{{{name}}}}}` is not a placeholder: use `{{{{event.<field>}}}}`, `{{{{user.name}}}}` or `{{{{user.email}}}}`"
                            ),
                        ));
                    }
                },
            });
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Template(pieces))
    }

    /// The event fields the template reads.
    pub fn event_fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|piece| match piece {
            Piece::EventField(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Whether the template is only whitespace (a step field left empty).
    pub fn is_blank(&self) -> bool {
        self.0
            .iter()
            .all(|piece| matches!(piece, Piece::Text(text) if text.trim().is_empty()))
    }

    /// The text for `event`, run as `user`.
    pub fn render(&self, event: &Event, user: &RunUser) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::EventField(name) => {
                    if let Some(value) = event.fields.get(name) {
                        let _ = write!(out, "{}", value.display());
                    }
                }
                Piece::UserName => out.push_str(&user.name),
                Piece::UserEmail => out.push_str(&user.email),
            }
        }
        out
    }
}
