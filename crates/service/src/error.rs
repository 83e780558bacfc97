//! What a use case can fail with. No transport status here: each front door maps these once.

use tessera_access::{AccessError, CheckError, Level};
use tessera_contacts::ContactError;
use tessera_invitations::InvitationError;
use tessera_mail::MailError;

use crate::StorageError;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An input is malformed or out of range.
    #[error("{detail}")]
    InvalidInput {
        /// The offending field (`email`, `checks[3].feature`, …), when there is one.
        field: Option<String>,
        /// What is wrong with it.
        detail: String,
    },
    /// No valid session or token.
    #[error("sign in first")]
    Unauthenticated,
    /// Wrong e-mail or password (the same answer for both).
    #[error("wrong e-mail or password")]
    BadCredentials,
    /// Too many failed attempts for this e-mail or from this address; try again later.
    #[error("too many failed attempts: try again in {retry_after_seconds} s")]
    TooManyAttempts {
        /// Seconds until trying again can succeed (at most).
        retry_after_seconds: u32,
    },
    /// The caller must change their initial password before anything else.
    #[error("change your password first")]
    PasswordChangeRequired,
    /// The caller's role does not allow this.
    #[error("your role does not allow this: needs `{level}` on `{feature}`")]
    Forbidden {
        /// The feature checked.
        feature: String,
        /// The level needed.
        level: Level,
    },
    /// The thing does not exist in the caller's account (or the caller may not see it).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
    },
    /// The change conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        /// The offending field, if any.
        field: Option<String>,
        /// What conflicts.
        detail: String,
    },
    /// The policy did not reach the requested version in time.
    #[error("policy version {wanted} not reached (at {current})")]
    StaleVersion {
        /// The version asked for.
        wanted: u64,
        /// The version available.
        current: u64,
    },
    /// The permission engine refused (bad path, predefined role, …).
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The sharing domain refused.
    #[error(transparent)]
    Invitation(#[from] InvitationError),
    /// The contacts domain refused.
    #[error(transparent)]
    Contact(#[from] ContactError),
    /// An app rule refused (the Administrator, the seat limit).
    #[error(transparent)]
    Case(#[from] tessera_contacts::cases::CaseError),
    /// An automations rule refused (the plan gate, sharing, consent, diagnostics).
    #[error(transparent)]
    Automation(#[from] tessera_automations::AutomationError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An e-mail could not be rendered or sent.
    #[error(transparent)]
    Mail(#[from] MailError),
    /// A bug or an impossible state; details are for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<CheckError> for ServiceError {
    fn from(error: CheckError) -> Self {
        ServiceError::Access(error.into())
    }
}

impl ServiceError {
    /// An [`ServiceError::InvalidInput`] naming `field`.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ServiceError::InvalidInput {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }

    /// A [`ServiceError::Conflict`] naming `field`.
    pub fn conflict(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ServiceError::Conflict {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }

    /// True for failures an operator must see (storage, mail, internal): front doors log them
    /// and answer without their details.
    pub fn is_server_side(&self) -> bool {
        matches!(
            self,
            ServiceError::Storage(_) | ServiceError::Mail(_) | ServiceError::Internal(_)
        )
    }
}
