//! The automations crate's error.

use tessera_core::UserId;
use thiserror::Error;

use crate::plan::{Plan, Requirement};

/// What the automations domain refuses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AutomationError {
    /// The account may not use automations: the plan, the beta switch or both.
    #[error("automations need {}", missing_list(.missing, *.plan))]
    GateClosed {
        /// The account's plan.
        plan: Plan,
        /// What is missing, in order: the plan, then the beta switch.
        missing: Vec<Requirement>,
    },
    /// A field that cannot be stored (`field` names it, dotted for nested fields).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, e.g. `steps[1].url` or `trigger.conditions[0].value`.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Sharing an automation triggered by any user (only `selected_users` ones are shared).
    #[error(
        "mode: only an automation triggered by selected users can be shared; this one is triggered by any user"
    )]
    NotShareable,
    /// Switching a shared automation to `any_user` while some users have it active.
    #[error(
        "mode: the automation is active for {} user(s); deactivate it for them before it can be triggered by any user",
        .users.len()
    )]
    UsersStillActive {
        /// The users for whom it is active.
        users: Vec<UserId>,
    },
    /// Activating an automation an admin deactivated permanently for this user.
    #[error(
        "an admin deactivated this automation for you permanently; it can run for you again only once an admin shares it again"
    )]
    PermanentlyDeactivated,
    /// The diagnostics found problems, so the automation cannot be activated.
    #[error("the automation cannot be activated: {} problem(s) found; see its troubleshooting", .problems.len())]
    DiagnosticsFailed {
        /// What was found, each with its fix.
        problems: Vec<crate::Problem>,
    },
}

fn missing_list(missing: &[Requirement], plan: Plan) -> String {
    missing
        .iter()
        .map(|requirement| match requirement {
            Requirement::Plan => format!(
                "the Advanced plan or higher (this account is on {})",
                plan.name()
            ),
            Requirement::BetaSwitch => "the automations beta switch turned on".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

impl AutomationError {
    /// An [`AutomationError::Invalid`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        AutomationError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
