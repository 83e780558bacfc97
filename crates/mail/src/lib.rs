//! Tessera's e-mail: localized [handlebars](https://docs.rs/handlebars) templates (a subject, a
//! plain-text body and an HTML body per message and locale, embedded in the binary and
//! replaceable from an override directory), the [`Mailer`] trait and two mailers: SMTP
//! ([`SmtpMailer`], via lettre) and files ([`FileMailer`], one `.eml` per message id).
//!
//! An [`Envelope`] carries a caller-chosen `Message-ID`, so a message retried by the outbox
//! keeps its id and a receiver can drop duplicates; the file mailer names its files after it,
//! so a retry overwrites instead of adding a file. [`Envelope::reply_to`] can point replies at
//! a `reply+KEY@…` address.
//!
//! Inbound: [`parse_inbound`] reads a received message (the reply keys it was addressed to,
//! whether it was sent automatically, its new text without quotes and signature, attachment
//! names), and [`trim_reply`] cuts quoted text and signatures from a plain-text reply.

#![deny(missing_docs)]

mod error;
mod inbound;
mod templates;
pub mod testing;
mod transport;

pub use error::MailError;
pub use inbound::{InboundError, InboundMessage, MAX_INBOUND_BYTES, parse_inbound, trim_reply};
pub use templates::{
    AUTOMATION_NOTICE, AutomationNoticeEmail, CONTACT_ACTIVATION, ContactActivationEmail,
    DEFAULT_LOCALE, INVITATION, InvitationEmail, LOCALES, MESSAGES, RenderedMessage,
    SharedWorkflow, TASK_NOTIFICATION, TaskNotificationEmail, Templates, USER_INVITATION,
    UserInvitationEmail, resolve_locale,
};
pub use transport::{Delivery, Envelope, FileMailer, Mailer, SmtpMailer};
