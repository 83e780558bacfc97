//! Sending: an [`Envelope`] (a rendered message with its addresses and `Message-ID`), the
//! blocking [`Mailer`] trait, and the SMTP and file mailers.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{Message, SmtpTransport, Transport};

use crate::{MailError, RenderedMessage};

/// How long the SMTP mailer waits for the server at each step.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The `Message-ID`, without the angle brackets, e.g. `0191b0c4-…@tessera`. Chosen once
    /// when the message is queued and kept on every retry, so a receiver can drop duplicates.
    pub message_id: String,
    /// The sender, `Name <address>` or a bare address.
    pub from: String,
    /// The recipient, `Name <address>` or a bare address.
    pub to: String,
    /// Where replies go (`Reply-To`), `Name <address>` or a bare address, e.g. a
    /// `reply+KEY@…` address that [`parse_inbound`](crate::parse_inbound) recognises; `None`
    /// sends no `Reply-To`, so replies go to `from`.
    pub reply_to: Option<String>,
    /// Subject and bodies.
    pub rendered: RenderedMessage,
}

impl Envelope {
    /// The message as lettre sends it: `multipart/alternative` with a UTF-8 `text/plain` and
    /// a UTF-8 `text/html` part, `Message-ID: <message_id>`, and `Reply-To` when
    /// [`reply_to`](Envelope::reply_to) is set.
    pub fn message(&self) -> Result<Message, MailError> {
        if !is_message_id(&self.message_id) {
            return Err(MailError::InvalidMessageId {
                id: self.message_id.clone(),
            });
        }
        let mut builder = Message::builder()
            .message_id(Some(format!("<{}>", self.message_id)))
            .from(mailbox(&self.from)?)
            .to(mailbox(&self.to)?);
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(mailbox(reply_to)?);
        }
        builder
            .subject(self.rendered.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                self.rendered.text.clone(),
                self.rendered.html.clone(),
            ))
            .map_err(|error| MailError::Build {
                reason: error.to_string(),
            })
    }
}

/// Whether `id` can go between the angle brackets of a `Message-ID`: printable ASCII without
/// spaces or `<>`, `left@right` with both sides non-empty.
fn is_message_id(id: &str) -> bool {
    let printable = id
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    let halves = id
        .split_once('@')
        .is_some_and(|(left, right)| !left.is_empty() && !right.is_empty() && !right.contains('@'));
    printable && halves
}

/// Parses a sender or recipient.
fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address.parse().map_err(
        |error: lettre::address::AddressError| MailError::InvalidAddress {
            address: address.to_owned(),
            reason: error.to_string(),
        },
    )
}

/// What the mail server did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted for delivery.
    Accepted,
    /// Refused. `permanent` is an SMTP 5xx reply: a bounce, do not retry. A 4xx reply is
    /// `permanent: false`: retry later with the same message id.
    Rejected {
        /// Whether the refusal is final.
        permanent: bool,
        /// The server's reply.
        reason: String,
    },
}

/// Something that delivers messages. Blocking: async callers run it on a blocking thread.
///
/// Outcomes: `Ok(Delivery::Accepted)`; `Ok(Delivery::Rejected { permanent: true, .. })` for
/// an SMTP 5xx reply (bounce); `Ok(Delivery::Rejected { permanent: false, .. })` for an SMTP
/// 4xx reply; `Err(_)` when the message could not be built (not retryable) or the server
/// could not be talked to ([`MailError::Transport`]: retryable).
pub trait Mailer: Send + Sync {
    /// Sends one message.
    fn send(&self, envelope: &Envelope) -> Result<Delivery, MailError>;
}

impl<M: Mailer + ?Sized> Mailer for Box<M> {
    fn send(&self, envelope: &Envelope) -> Result<Delivery, MailError> {
        (**self).send(envelope)
    }
}

/// Sends through an SMTP server with lettre's blocking, pooled transport.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: SmtpTransport,
    /// The URL it was made from, password hidden (for `Debug`).
    url: String,
}

impl SmtpMailer {
    /// A mailer for a server URL:
    /// - `smtp://host:port` — plain, no TLS (a local relay or test sink; default port 25);
    /// - `smtps://user:pass@host:port` — TLS from the first byte (default port 465);
    /// - `smtp+starttls://user:pass@host:port` — STARTTLS required (default port 587).
    ///
    /// User and password are optional and percent-decoded; a path sets the EHLO name.
    /// Connects lazily, on the first send.
    ///
    /// ```
    /// use tessera_mail::SmtpMailer;
    /// assert!(SmtpMailer::from_url("smtp://127.0.0.1:2525").is_ok());
    /// assert!(SmtpMailer::from_url("smtp+starttls://me:secret@mail.example.com").is_ok());
    /// let error = SmtpMailer::from_url("imap://me:secret@mail.example.com").unwrap_err();
    /// assert!(!error.to_string().contains("secret"));
    /// ```
    pub fn from_url(url: &str) -> Result<Self, MailError> {
        let redacted = redact(url);
        let invalid = |reason: String| MailError::InvalidUrl {
            url: redacted.clone(),
            reason,
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("expected `scheme://host:port`".to_owned()))?;
        let lettre_url = match scheme.to_ascii_lowercase().as_str() {
            "smtp" | "smtps" => url.to_owned(),
            "smtp+starttls" => {
                let separator = if rest.contains('?') { '&' } else { '?' };
                format!("smtp://{rest}{separator}tls=required")
            }
            other => {
                return Err(invalid(format!(
                    "unknown scheme `{other}`: use `smtp`, `smtps` or `smtp+starttls`"
                )));
            }
        };
        let transport = SmtpTransport::from_url(&lettre_url)
            .map_err(|error| invalid(error.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(SmtpMailer {
            transport,
            url: redacted,
        })
    }
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, envelope: &Envelope) -> Result<Delivery, MailError> {
        let message = envelope.message()?;
        match self.transport.send(&message) {
            Ok(_) => Ok(Delivery::Accepted),
            Err(error) if error.is_permanent() => Ok(Delivery::Rejected {
                permanent: true,
                reason: error.to_string(),
            }),
            Err(error) if error.is_transient() => Ok(Delivery::Rejected {
                permanent: false,
                reason: error.to_string(),
            }),
            Err(error) => Err(MailError::Transport {
                reason: error.to_string(),
            }),
        }
    }
}

/// `url` with the password (or the whole user part, if it has no password) replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or("***", |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// Writes each message to `<dir>/<message id>.eml` (the id with characters other than
/// letters, digits and `.@_+-` replaced by `_`). Sending the same id again overwrites the
/// file, so a retry never leaves a second one. Files appear whole: each is written to a
/// temporary file first and renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    /// A mailer writing into `dir`, created on the first send if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileMailer { dir: dir.into() }
    }

    /// The directory messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a message with this id is written to.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", sanitize(message_id)))
    }
}

/// A message id as a file name: letters, digits and `.@_+-` kept, anything else `_`.
fn sanitize(message_id: &str) -> String {
    message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".@_+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Mailer for FileMailer {
    fn send(&self, envelope: &Envelope) -> Result<Delivery, MailError> {
        let bytes = envelope.message()?.formatted();
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| MailError::Io { path, source }
        };
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let path = self.path_for(&envelope.message_id);
        let temporary = self
            .dir
            .join(format!(".{}.eml.tmp", sanitize(&envelope.message_id)));
        fs::write(&temporary, bytes).map_err(io(&temporary))?;
        fs::rename(&temporary, &path).map_err(io(&path))?;
        Ok(Delivery::Accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_checked() {
        assert!(is_message_id(
            "0191b0c4-7d3e-7000-8000-000000000001@tessera"
        ));
        for bad in [
            "",
            "no-at",
            "@tessera",
            "id@",
            "<id@tessera>",
            "a b@c",
            "a@b@c",
            "é@x",
        ] {
            assert!(!is_message_id(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact("smtps://me:p%40ss@mail.example.com:465"),
            "smtps://me:***@mail.example.com:465"
        );
        assert_eq!(
            redact("smtp://token@mail.example.com/ehlo"),
            "smtp://***:***@mail.example.com/ehlo"
        );
        assert_eq!(redact("smtp://127.0.0.1:25"), "smtp://127.0.0.1:25");
    }

    #[test]
    fn file_names_are_sanitized() {
        assert_eq!(sanitize("abc-1.2+x@tessera"), "abc-1.2+x@tessera");
        assert_eq!(sanitize("../etc/passwd@x"), ".._etc_passwd@x");
    }
}
