//! The mail crate's error.

use std::path::PathBuf;

use thiserror::Error;

/// What rendering and sending mail can fail with.
#[derive(Debug, Error)]
pub enum MailError {
    /// No templates exist for a message of that name.
    #[error("unknown message `{message}`")]
    UnknownMessage {
        /// The message name asked for.
        message: String,
    },
    /// A template does not compile.
    #[error("template `{name}` does not compile: {reason}")]
    TemplateSyntax {
        /// The template's relative path, e.g. `en/invitation.html.hbs`.
        name: String,
        /// What handlebars reported.
        reason: String,
    },
    /// A template failed to render, e.g. a variable it uses is missing (strict mode).
    #[error("template `{name}` does not render: {reason}")]
    Render {
        /// The template's relative path.
        name: String,
        /// What handlebars reported.
        reason: String,
    },
    /// A file in the override directory replaces no embedded template.
    #[error("unknown template override `{}`: overrides must replace an embedded template", path.display())]
    UnknownOverride {
        /// The file, relative to the override directory.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("cannot access `{}`: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A sender or recipient that is not a mailbox.
    #[error("`{address}` is not an e-mail address: {reason}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// Why it was refused.
        reason: String,
    },
    /// A message id that cannot be put into a `Message-ID` header.
    #[error(
        "`{id}` is not a message id: use `local@domain` without `<>`, spaces or control characters"
    )]
    InvalidMessageId {
        /// The id as given.
        id: String,
    },
    /// The message could not be assembled.
    #[error("cannot build the message: {reason}")]
    Build {
        /// What lettre reported.
        reason: String,
    },
    /// An SMTP URL that cannot be used. The URL is shown with its password hidden.
    #[error("invalid SMTP URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The mail server could not be reached or the conversation broke off (connection, TLS,
    /// timeout, unexpected reply). Transient: the message may be retried with the same id.
    #[error("mail transport failed: {reason}")]
    Transport {
        /// What went wrong.
        reason: String,
    },
}
