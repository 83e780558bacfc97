//! The contacts crate's error.

use tessera_core::Uuid;
use thiserror::Error;

/// What the contacts domain refuses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactError {
    /// The caller may not grant or change contact access.
    #[error(
        "granting client access needs `user_management: write` or the \"may grant client access\" flag on your user"
    )]
    MayNotGrant,
    /// An address that is not an e-mail address.
    #[error("`{email}` is not an e-mail address")]
    InvalidEmail {
        /// The address as given.
        email: String,
    },
    /// A name that cannot be stored (`field` names it).
    #[error("{field}: {reason}")]
    InvalidName {
        /// The field: `name`, `title` …
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A company cannot belong to another company.
    #[error("a company cannot belong to a company")]
    CompanyInCompany,
    /// Access needs an e-mail address to send the activation to.
    #[error("the contact has no e-mail address: add one before granting access")]
    NoEmail,
    /// Resending an activation to a contact who has no pending one.
    #[error("the contact has no pending activation: {reason}")]
    NoPendingActivation {
        /// Why: no access, or already activated.
        reason: &'static str,
    },
    /// An activation link that is unknown, used, expired or withdrawn (one answer for all).
    #[error("this activation link is not valid any more; ask for a new one")]
    ActivationUnusable,
    /// A client may address a task only to the project's client manager or supervisor.
    #[error(
        "assignee: a client may address a task only to the project's client manager or supervisor"
    )]
    AssigneeNotAllowed,
    /// The project has neither a client manager nor a supervisor to address a task to.
    #[error("assignee: the project has no client manager or supervisor to address the task to")]
    NoClientManager,
    /// Contacts made auditors without confirmation.
    #[error(
        "auditors see every task of the project and can close or delete them; send `confirm_auditor: true` to make {} contact(s) auditors",
        contacts.len()
    )]
    AuditorNeedsConfirmation {
        /// The contacts that would become auditors.
        contacts: Vec<Uuid>,
    },
    /// A comment with no text.
    #[error("body: a comment needs text")]
    EmptyComment,
    /// A comment over [`MAX_COMMENT_CHARS`](crate::MAX_COMMENT_CHARS).
    #[error("body: at most {max} characters")]
    CommentTooLong {
        /// The limit.
        max: usize,
    },
    /// A person twice in one role of a task.
    #[error("{role}: `{person}` is listed twice")]
    DuplicatePerson {
        /// The role's field.
        role: &'static str,
        /// The person.
        person: String,
    },
}
