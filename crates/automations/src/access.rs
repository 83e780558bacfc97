//! Sharing an automation with users, and each user's consent: activation, deactivation
//! (temporary or permanent) and the pause that failing runs bring.

use serde::{Deserialize, Serialize};
use tessera_core::UserId;

use crate::AutomationError;
use crate::automation::TriggerMode;

/// Where a user stands with an automation shared with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessState {
    /// Shared with the user, who has not activated it: it does not run for them.
    Shared,
    /// The user activated it: it runs for them.
    Active,
    /// An admin deactivated it for the user until they activate it again.
    DeactivatedTemporarily,
    /// An admin deactivated it for the user; they cannot activate it until an admin shares
    /// it with them again.
    DeactivatedPermanently,
    /// Paused by itself after nearly every run failed; the user activates it again once
    /// the cause is fixed.
    Paused,
}

impl AccessState {
    /// Every state.
    pub const ALL: [AccessState; 5] = [
        AccessState::Shared,
        AccessState::Active,
        AccessState::DeactivatedTemporarily,
        AccessState::DeactivatedPermanently,
        AccessState::Paused,
    ];

    /// The name as stored and shown.
    pub const fn name(self) -> &'static str {
        match self {
            AccessState::Shared => "shared",
            AccessState::Active => "active",
            AccessState::DeactivatedTemporarily => "deactivated_temporarily",
            AccessState::DeactivatedPermanently => "deactivated_permanently",
            AccessState::Paused => "paused",
        }
    }

    /// Reads a stored name back.
    pub fn from_name(name: &str) -> Option<Self> {
        AccessState::ALL
            .into_iter()
            .find(|state| state.name() == name)
    }

    /// Whether the automation runs for the user.
    pub const fn is_active(self) -> bool {
        matches!(self, AccessState::Active)
    }

    /// The state after the user activates (diagnostics passed): active, unless an admin
    /// deactivated it permanently.
    ///
    /// ```
    /// use tessera_automations::AccessState;
    /// assert_eq!(AccessState::Shared.activate(), Ok(AccessState::Active));
    /// assert_eq!(AccessState::Active.activate(), Ok(AccessState::Active));
    /// assert!(AccessState::DeactivatedPermanently.activate().is_err());
    /// ```
    pub fn activate(self) -> Result<AccessState, AutomationError> {
        match self {
            AccessState::DeactivatedPermanently => Err(AutomationError::PermanentlyDeactivated),
            _ => Ok(AccessState::Active),
        }
    }

    /// The state after an admin deactivates it for the user. A temporary deactivation of a
    /// user who never activated (or is paused) leaves them as they are: there is nothing to
    /// stop, and they must activate in any case.
    pub fn deactivate(self, permanently: bool) -> AccessState {
        match (self, permanently) {
            (_, true) => AccessState::DeactivatedPermanently,
            (AccessState::Active | AccessState::DeactivatedPermanently, false) => {
                AccessState::DeactivatedTemporarily
            }
            (state, false) => state,
        }
    }

    /// The state after an admin shares it (again) with the user: a permanent deactivation is
    /// lifted (the user may activate again), anything else stays.
    pub fn share_again(self) -> AccessState {
        match self {
            AccessState::DeactivatedPermanently => AccessState::Shared,
            state => state,
        }
    }

    /// The state after failing runs pause it: only an active automation pauses.
    pub fn pause(self) -> AccessState {
        match self {
            AccessState::Active => AccessState::Paused,
            state => state,
        }
    }
}

/// Refuses to share an automation that is not triggered by selected users.
pub fn check_shareable(mode: TriggerMode) -> Result<(), AutomationError> {
    match mode {
        TriggerMode::SelectedUsers => Ok(()),
        TriggerMode::AnyUser => Err(AutomationError::NotShareable),
    }
}

/// Refuses to switch a shared automation to `any_user` while it is active for some users,
/// listing them. (Its other shares end with the switch.)
pub fn check_mode_change(
    new_mode: TriggerMode,
    accesses: &[(UserId, AccessState)],
) -> Result<(), AutomationError> {
    if new_mode == TriggerMode::SelectedUsers {
        return Ok(());
    }
    let mut users: Vec<UserId> = accesses
        .iter()
        .filter(|(_, state)| state.is_active())
        .map(|(user, _)| *user)
        .collect();
    if users.is_empty() {
        return Ok(());
    }
    users.sort();
    Err(AutomationError::UsersStillActive { users })
}

/// The counts the list of automations shows: users who activated, users it is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShareCounts {
    /// Users for whom it is active.
    pub activated: u32,
    /// Users it is shared with (in any state).
    pub shared: u32,
}

impl ShareCounts {
    /// Counts `states`.
    pub fn of(states: impl IntoIterator<Item = AccessState>) -> Self {
        let mut counts = ShareCounts::default();
        for state in states {
            counts.shared += 1;
            if state.is_active() {
                counts.activated += 1;
            }
        }
        counts
    }
}
