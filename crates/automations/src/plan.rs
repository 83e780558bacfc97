//! Which accounts may use automations: the plan, and a per-account switch while in beta.

use serde::{Deserialize, Serialize};

use crate::AutomationError;

/// An account's subscription plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// The entry plan: no automations.
    Essential,
    /// The first plan with automations.
    Advanced,
    /// Above Advanced.
    Professional,
    /// The top plan.
    Enterprise,
}

impl Plan {
    /// Every plan, cheapest first.
    pub const ALL: [Plan; 4] = [
        Plan::Essential,
        Plan::Advanced,
        Plan::Professional,
        Plan::Enterprise,
    ];

    /// The name as stored and shown in the API.
    pub const fn name(self) -> &'static str {
        match self {
            Plan::Essential => "essential",
            Plan::Advanced => "advanced",
            Plan::Professional => "professional",
            Plan::Enterprise => "enterprise",
        }
    }

    /// Reads a stored name back.
    pub fn from_name(name: &str) -> Option<Self> {
        Plan::ALL.into_iter().find(|plan| plan.name() == name)
    }

    /// Whether the plan includes automations (Advanced and above).
    pub const fn includes_automations(self) -> bool {
        !matches!(self, Plan::Essential)
    }
}

/// One of the two things an account needs before it may use automations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A plan that includes automations.
    Plan,
    /// The per-account beta switch.
    BetaSwitch,
}

/// Lets an account use automations only on a plan that includes them and with the beta
/// switch on; the error names each requirement that is missing.
///
/// ```
/// use tessera_automations::{Plan, gate};
/// assert!(gate(Plan::Advanced, true).is_ok());
/// assert!(gate(Plan::Essential, true).is_err());
/// assert!(gate(Plan::Enterprise, false).is_err());
/// ```
pub fn gate(plan: Plan, beta_switch: bool) -> Result<(), AutomationError> {
    let mut missing = Vec::new();
    if !plan.includes_automations() {
        missing.push(Requirement::Plan);
    }
    if !beta_switch {
        missing.push(Requirement::BetaSwitch);
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AutomationError::GateClosed { plan, missing })
    }
}
