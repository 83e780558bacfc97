//! The invitations crate's error.

use tessera_core::Uuid;
use thiserror::Error;

/// What sharing and verifying can refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvitationError {
    /// No workflow would be shared.
    #[error("nothing to share: pick at least one workflow")]
    NothingToShare,
    /// Tasks cannot be shared with outsiders.
    #[error("tasks cannot be shared externally: {}", titles.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "))]
    TasksNotShareable {
        /// The tasks picked.
        titles: Vec<String>,
    },
    /// A wish list names an item that does not exist.
    #[error("unknown item `{id}`")]
    UnknownItem {
        /// The missing item.
        id: Uuid,
    },
    /// A wish list inside a wish list.
    #[error("wish list `{id}` is inside another wish list")]
    NestedWishList {
        /// The inner wish list.
        id: Uuid,
    },
    /// An address that is not an e-mail address.
    #[error("`{email}` is not an e-mail address")]
    InvalidEmail {
        /// The address as given.
        email: String,
    },
    /// No recipient.
    #[error("name at least one recipient")]
    NoRecipients,
    /// Too many recipients in one share.
    #[error("at most {max} recipients per share")]
    TooManyRecipients {
        /// The limit.
        max: usize,
    },
    /// The personal message is too long.
    #[error("the message is at most {max} characters")]
    MessageTooLong {
        /// The limit.
        max: usize,
    },
    /// A validity outside 1 to 90 days.
    #[error("invitations are valid 1 to 90 days, not {days}")]
    InvalidValidity {
        /// The days asked for.
        days: i64,
    },
    /// A resend must draw a new nonce.
    #[error("a resend needs a new nonce")]
    NonceReused,
    /// The invitation was revoked already.
    #[error("the invitation was revoked")]
    AlreadyRevoked,
    /// A link or code did not let the person in. Deliberately says nothing more: a wrong
    /// code, a voided code, an expired or revoked invitation and an unknown e-mail all look
    /// the same from outside.
    #[error("the link or code is not valid")]
    Refused,
}
