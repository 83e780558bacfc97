//! Replies by e-mail become comments. A reply reaches the service from an inbound-mail
//! service (HTTP) or an MTA's pipe (the CLI); both hand the raw message to
//! [`Tessera::receive_reply`].
//!
//! The reply key in the address (`reply+<key>@…`) names the task and the author; the `From`
//! address must be the author's. Automatic messages (auto-replies, bounces) are dropped, and
//! so is a message whose key is unknown or revoked, or whose sender does not match — never
//! creating anything. Drops whose account is known (the key is valid) are audited there; the
//! others have no account to be audited in and are logged.

use serde_json::json;
use tessera_contacts::{Person, ReplyKey};
use tessera_core::{AccountId, AuditAction, Uuid};
pub use tessera_mail::MAX_INBOUND_BYTES;
use tessera_mail::parse_inbound;

use crate::records::{CommentVia, StoredReplyKey};
use crate::{Actor, InboundSender, ServiceError, Tessera, Tx};

/// What became of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundOutcome {
    /// It became a comment.
    Commented {
        /// The account.
        account: AccountId,
        /// The task.
        task: Uuid,
        /// The new comment.
        comment: Uuid,
    },
    /// It was dropped, creating nothing.
    Dropped {
        /// Why, in a word: `unparseable`, `no-key`, `unknown-key`, `automatic`,
        /// `sender-mismatch`, `not-on-task`, `empty`.
        reason: &'static str,
    },
}

impl Tessera {
    /// Turns a reply (a raw RFC 5322 message) into a comment on its task, as if its author
    /// had typed it — or drops it (see the module documentation).
    pub fn receive_reply(
        &self,
        _sender: &InboundSender,
        raw: &[u8],
    ) -> Result<InboundOutcome, ServiceError> {
        let dropped = |reason| Ok(InboundOutcome::Dropped { reason });
        let message = match parse_inbound(raw) {
            Ok(message) => message,
            Err(error) => {
                tracing::info!(%error, "inbound message dropped: unparseable");
                return dropped("unparseable");
            }
        };
        let keys: Vec<ReplyKey> = message
            .reply_keys
            .iter()
            .filter_map(|k| ReplyKey::parse(k))
            .collect();
        if keys.is_empty() {
            tracing::info!(from = %message.from, "inbound message dropped: no reply key");
            return dropped("no-key");
        }
        let tags: Vec<[u8; 32]> = keys.iter().map(|k| k.tag(self.key())).collect();
        self.write(|tx| {
            let mut found = None;
            for tag in &tags {
                if let Some(stored) = tx.reply_key_by_tag(tag)? {
                    found = Some(stored);
                    break;
                }
            }
            let Some(key) = found else {
                tracing::info!(from = %message.from, "inbound message dropped: unknown or revoked reply key");
                return dropped("unknown-key");
            };
            if let Some(why) = message.automatic {
                return self.drop_reply(tx, &key, "automatic", json!({ "why": why }));
            }
            let Some(email) = Self::person_email(tx, key.account, &key.person)? else {
                return self.drop_reply(tx, &key, "sender-mismatch", json!({}));
            };
            if email != message.from {
                return self.drop_reply(tx, &key, "sender-mismatch", json!({ "from": message.from }));
            }
            let Some(task) = tx.task(key.account, key.task)? else {
                return self.drop_reply(tx, &key, "not-on-task", json!({}));
            };
            if !task.people.contains(&key.person) {
                return self.drop_reply(tx, &key, "not-on-task", json!({}));
            }
            if message.body.trim().is_empty() && message.attachments.is_empty() {
                return self.drop_reply(tx, &key, "empty", json!({}));
            }
            let body = reply_body(&message.body, &message.attachments);
            let body = tessera_contacts::clean_comment(&body)?;
            let actor = Actor::anonymous(key.account, None);
            let comment = self.add_comment(
                tx,
                key.account,
                &task,
                key.person,
                body,
                message.attachments.clone(),
                CommentVia::Email,
                &actor,
            )?;
            Ok(InboundOutcome::Commented {
                account: key.account,
                task: task.id,
                comment: comment.id,
            })
        })
    }

    /// The address a person's replies must come from.
    fn person_email(
        tx: &mut dyn Tx,
        account: AccountId,
        person: &Person,
    ) -> Result<Option<String>, ServiceError> {
        Ok(match person {
            Person::User(user) => tx.user(account, *user)?.map(|u| u.email),
            Person::Contact(contact) => {
                tx.contact(account, *contact)?.and_then(|c| c.contact.email)
            }
        })
    }

    /// Audits a dropped reply in the key's account.
    fn drop_reply(
        &self,
        tx: &mut dyn Tx,
        key: &StoredReplyKey,
        reason: &'static str,
        mut detail: serde_json::Value,
    ) -> Result<InboundOutcome, ServiceError> {
        detail["reason"] = json!(reason);
        detail["person"] = json!(key.person);
        self.record_event(
            tx,
            &Actor::anonymous(key.account, None),
            AuditAction::InboundDropped,
            key.task,
            detail,
        )?;
        Ok(InboundOutcome::Dropped { reason })
    }
}

/// The comment's text: the reply's new text, then the names of its attachments.
fn reply_body(text: &str, attachments: &[String]) -> String {
    let mut body = text.trim().to_owned();
    if !attachments.is_empty() {
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str("Attachments: ");
        body.push_str(&attachments.join(", "));
    }
    // A long reply is kept to the comment limit rather than refused.
    match body.char_indices().nth(tessera_contacts::MAX_COMMENT_CHARS) {
        Some((cut, _)) => body[..cut].to_owned(),
        None => body,
    }
}
