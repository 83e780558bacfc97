//! Shared automations: an admin builds an automation once and shares it with users, each of
//! whom consents by activating it, because it acts on their behalf.
//!
//! - An [`Automation`] is a [`Trigger`] (an [`EventType`] and [`Condition`]s on its
//!   fields), a [`TriggerMode`] and [`Step`]s (send an e-mail from the user's [`Mailbox`],
//!   create a task, call a webhook) whose texts are [`Template`]s over the event and the user.
//! - Only accounts on a plan with automations and with the beta switch on use them
//!   ([`gate`]); only automations triggered by selected users are shared
//!   ([`check_shareable`]), and one stays so while it is active for anyone
//!   ([`check_mode_change`]).
//! - Each user's [`AccessState`]: shared, active, deactivated temporarily or permanently,
//!   paused by failing runs ([`RecentRuns::should_pause`]).
//! - [`Automation::runs_for`] says whom an event starts a run for; [`next_action`] walks a
//!   durable run step by step and decides what a crash left behind.
//! - [`diagnostics`]: what refuses an activation, each [`Problem`] with its fix.
//!
//! Pure: no I/O, no clock, no randomness — `now` and ids come from the caller.

#![deny(missing_docs)]

mod access;
mod automation;
pub mod diagnostics;
mod error;
mod event;
mod mailbox;
mod plan;
mod run;
mod template;

pub use access::{AccessState, ShareCounts, check_mode_change, check_shareable};
pub use automation::{
    Automation, AutomationId, Condition, Definition, MAX_AUTOMATION_NAME_CHARS, MAX_CONDITIONS,
    MAX_STEPS, MAX_URL_CHARS, Operator, Step, Trigger, TriggerMode, parse_templates,
};
pub use diagnostics::{Problem, ProblemCode, check_webhook_url};
pub use error::AutomationError;
pub use event::{
    Event, EventType, FieldKind, MAX_EVENT_FIELDS, MAX_EVENT_NAME_CHARS, MAX_EVENT_TEXT_CHARS,
    Value, check_event_name,
};
pub use mailbox::{MAX_DISPLAY_NAME_CHARS, MAX_SIGNATURE_CHARS, Mailbox};
pub use plan::{Plan, Requirement, gate};
pub use run::{
    DEFAULT_PAGE, INTERRUPTED, MAX_PAGE, NextAction, PAUSE_FAILED_PERCENT, PAUSE_MIN_RUNS,
    PAUSE_WINDOW_DAYS, RecentRuns, RunCursor, RunFilter, RunId, RunStatus, StepResult, StepStatus,
    next_action, page_size, records_start,
};
pub use template::{MAX_TEMPLATE_CHARS, Piece, RunUser, Template};

#[cfg(test)]
mod tests;
