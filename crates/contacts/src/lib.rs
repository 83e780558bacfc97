//! Contacts: companies and people outside the account who work with it.
//!
//! - A [`Contact`] is a company or a person (optionally in a company) with an [`Access`]:
//!   `none` (e-mail only: notifications, and replies that become comments), `basic` (a
//!   limited client portal) or `advanced` (near-employee access with fixed limits). Who may
//!   change it is [`may_grant`]; what a change does is [`Contact::set_access`], which says
//!   what must follow (an activation e-mail, ended sessions) as an [`AccessChange`].
//! - Turning access on issues an [`Activation`]: a single-use link valid 14 days, derived
//!   from the server key so the outbox can render it again, stored only as an HMAC.
//! - [`Project`]s have a counterparty company, a client manager and a supervisor; [`Task`]s
//!   carry people in [`TaskRole`]s. [`visibility`] decides what a contact sees; the
//!   [`portal`] roles decide what they may do there, through the permission engine.
//! - [`ReplyKey`]s put a per-(task, recipient) secret in `Reply-To`, so a reply by e-mail
//!   becomes a comment by the right person.
//! - [`cases`]: case roles over a case's features (feed, convo, events, notes), app user
//!   types and billable seats.
//!
//! Pure: no I/O, no clock, no randomness — `now` and random bytes come from the caller.

#![deny(missing_docs)]

mod activation;
pub mod cases;
mod contact;
mod error;
pub mod import;
pub mod portal;
mod project;
mod reply_key;
pub mod visibility;

pub use activation::{
    ACTIVATION_DAYS, ACTIVATION_PURPOSE, Activation, ActivationKind, ActivationLink,
};
pub use contact::{
    Access, AccessChange, Contact, ContactKind, MAX_CONTACT_NAME_CHARS, Warning, may_grant,
};
pub use error::ContactError;
pub use project::{
    MAX_COMMENT_CHARS, MAX_TASK_TITLE_CHARS, Person, Project, Task, TaskPeople, TaskRole,
    TaskStatus, clean_comment, client_task_assignee, contact_auditors,
};
pub use reply_key::{REPLY_KEY_PURPOSE, ReplyKey};

#[cfg(test)]
mod tests;
