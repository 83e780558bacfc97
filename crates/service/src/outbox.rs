//! Delivering the outbox: messages are claimed (so a second sender skips them), rendered by
//! their kind's renderer, handed to the [`Mailer`](tessera_mail::Mailer), and their outcome
//! stored together with what it means for the thing they announce (an invitation moves to
//! delivered or bounced). A sender that dies between sending and storing the outcome leaves
//! the message claimed; after the claim lease it goes out again with the same `Message-ID`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tessera_contacts::{Person, ReplyKey};
use tessera_core::{AccountId, AuditAction, Uuid};
use tessera_invitations::{Entered, InvitationState, ItemKind};
use tessera_mail::Mailer as _;
use tessera_mail::{
    ContactActivationEmail, Delivery, Envelope, InvitationEmail, TaskNotificationEmail,
};

use crate::records::{DeliveryOutcome, MessageKind, OutboxMessage};
use crate::{Actor, ServiceError, Tessera, Tx, random_uuid};

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;

/// How the sender works through the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxOptions {
    /// Messages claimed at a time: small, so a batch ends well within the lease.
    pub batch: i64,
    /// How long a claimed message may stay unconfirmed before another attempt sends it again
    /// (covers a sender killed mid-delivery). It must exceed the longest a batch takes.
    pub lease: Duration,
    /// Messages handed to the mailer at once, each on its own thread and connection. A mail
    /// server answers each message after a round trip or two, often plus a delayed ACK (40 ms
    /// on Linux), so one at a time leaves both ends idle.
    pub parallelism: usize,
}

impl Default for OutboxOptions {
    fn default() -> Self {
        OutboxOptions {
            batch: 20,
            lease: Duration::minutes(2),
            parallelism: 4,
        }
    }
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Accepted by the mail server.
    pub sent: usize,
    /// Refused for good.
    pub bounced: usize,
    /// To be tried again later.
    pub deferred: usize,
    /// Given up: what it announced ended before it left, or attempts ran out.
    pub failed: usize,
    /// Claimed but returned untried because the sender is stopping.
    pub released: usize,
}

impl Delivered {
    /// Messages this pass settled or released.
    pub fn total(&self) -> usize {
        self.sent + self.bounced + self.deferred + self.failed + self.released
    }

    fn add(&mut self, other: Delivered) {
        self.sent += other.sent;
        self.bounced += other.bounced;
        self.deferred += other.deferred;
        self.failed += other.failed;
        self.released += other.released;
    }

    fn count(&mut self, outcome: &DeliveryOutcome) {
        match outcome {
            DeliveryOutcome::Sent => self.sent += 1,
            DeliveryOutcome::Bounced(_) => self.bounced += 1,
            DeliveryOutcome::RetryAt(..) => self.deferred += 1,
            DeliveryOutcome::Failed(_) => self.failed += 1,
        }
    }
}

/// A new outbox message about `kind` for `recipient`, with its `Message-ID` fixed now.
pub(crate) fn message(
    account: AccountId,
    kind: MessageKind,
    recipient: &str,
    locale: &str,
    now: DateTime<Utc>,
) -> OutboxMessage {
    let id = random_uuid();
    OutboxMessage {
        id,
        account,
        message_id: format!("{id}@tessera"),
        kind,
        recipient: recipient.to_owned(),
        locale: locale.to_owned(),
        attempts: 0,
        created_at: now,
    }
}

/// Backoff before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at 1 h.
fn backoff(attempts: i32) -> Duration {
    let seconds = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    Duration::seconds(seconds.min(3_600))
}

/// The audit action for an invitation entering `state` through delivery.
fn delivery_action(state: InvitationState) -> Option<AuditAction> {
    match state {
        InvitationState::Sent => Some(AuditAction::InvitationSent),
        InvitationState::Delivered => Some(AuditAction::InvitationDelivered),
        InvitationState::Bounced => Some(AuditAction::InvitationBounced),
        _ => None,
    }
}

impl Tessera {
    /// Delivers up to `options.batch` due messages, blocking until they are settled.
    pub fn deliver_due(&self, options: &OutboxOptions) -> Result<Delivered, ServiceError> {
        self.deliver_until(options, &AtomicBool::new(false))
    }

    /// Like [`Tessera::deliver_due`], but once `stop` is set no further message is started:
    /// those in flight finish and are settled, the rest of the batch goes back to pending.
    pub(crate) fn deliver_until(
        &self,
        options: &OutboxOptions,
        stop: &AtomicBool,
    ) -> Result<Delivered, ServiceError> {
        let now = self.now();
        let claimed = self.write(|tx| Ok(tx.claim_due(now, options.lease, options.batch)?))?;
        for unreadable in &claimed.unreadable {
            tracing::error!(message = %unreadable, "outbox message cannot be read: marked failed");
        }
        let claimed = claimed.messages;
        let next = AtomicUsize::new(0);
        let work = || -> Result<Delivered, ServiceError> {
            let mut done = Delivered::default();
            loop {
                if stop.load(Ordering::Acquire) {
                    break;
                }
                let Some(message) = claimed.get(next.fetch_add(1, Ordering::AcqRel)) else {
                    break;
                };
                let outcome = self.attempt(message, now);
                done.count(&outcome);
                self.write(|tx| self.settle(tx, message, &outcome, now))?;
            }
            Ok(done)
        };
        let workers = options.parallelism.max(1).min(claimed.len());
        let results: Vec<Result<Delivered, ServiceError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(ServiceError::Internal("a sender thread panicked".into()))
                    })
                })
                .collect()
        });
        let mut total = Delivered::default();
        let started = next.load(Ordering::Acquire).min(claimed.len());
        if let Some(untried) = claimed.get(started..).filter(|rest| !rest.is_empty()) {
            self.write(|tx| Ok(tx.release_claims(untried, self.now())?))?;
            total.released = untried.len();
        }
        for result in results {
            total.add(result?);
        }
        Ok(total)
    }

    /// Renders and sends one message; what happened, as an outcome to store.
    fn attempt(&self, message: &OutboxMessage, now: DateTime<Utc>) -> DeliveryOutcome {
        let envelope = match self.read(|tx| self.envelope(tx, message, now)) {
            Ok(Some(envelope)) => envelope,
            Ok(None) => {
                return DeliveryOutcome::Failed(format!(
                    "the {} ended before its e-mail left",
                    message.kind.name()
                ));
            }
            Err(error) => return retry(message, now, error.to_string()),
        };
        let sent = match self.own_transport(message) {
            Ok(Some(own)) => own.send(&envelope),
            Ok(None) => self.0.mailer.send(&envelope),
            Err(error) => return retry(message, now, error.to_string()),
        };
        match sent {
            Ok(Delivery::Accepted) => DeliveryOutcome::Sent,
            Ok(Delivery::Rejected {
                permanent: true,
                reason,
            }) => DeliveryOutcome::Bounced(reason),
            Ok(Delivery::Rejected {
                permanent: false,
                reason,
            }) => retry(message, now, reason),
            Err(error) => retry(message, now, error.to_string()),
        }
    }

    /// The e-mail of a message — one renderer per kind — or `None` when what it announces
    /// no longer stands.
    fn envelope(
        &self,
        tx: &mut dyn Tx,
        message: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> Result<Option<Envelope>, ServiceError> {
        let mut reply_to = None;
        let rendered = match &message.kind {
            MessageKind::Invitation { invitation } => {
                let Some(data) = self.invitation_email(tx, message.account, *invitation, now)?
                else {
                    return Ok(None);
                };
                let templates = &self.0.templates;
                templates.render(tessera_mail::INVITATION, &message.locale, &data)?
            }
            MessageKind::ContactActivation {
                contact,
                granted_by,
            } => {
                let Some(data) =
                    self.activation_email(tx, message.account, *contact, *granted_by, now)?
                else {
                    return Ok(None);
                };
                let templates = &self.0.templates;
                templates.render(tessera_mail::CONTACT_ACTIVATION, &message.locale, &data)?
            }
            MessageKind::TaskNotification {
                task,
                event,
                recipient,
            } => {
                let Some((data, key)) =
                    self.task_email(tx, message.account, *task, *event, recipient)?
                else {
                    return Ok(None);
                };
                reply_to = key.map(|key| key.address(&self.reply_domain()));
                let templates = &self.0.templates;
                templates.render(tessera_mail::TASK_NOTIFICATION, &message.locale, &data)?
            }
            MessageKind::UserInvitation {
                user,
                app,
                invited_by,
            } => {
                let Some(data) =
                    self.user_invitation_email(tx, message.account, *user, *app, *invited_by, now)?
                else {
                    return Ok(None);
                };
                let templates = &self.0.templates;
                templates.render(tessera_mail::USER_INVITATION, &message.locale, &data)?
            }
            MessageKind::AutomationEmail { run, step } => {
                return self.automation_email(tx, message, *run, *step);
            }
            MessageKind::AutomationNotice { notification } => {
                let Some(data) = self.automation_notice(tx, message.account, *notification)? else {
                    return Ok(None);
                };
                let templates = &self.0.templates;
                templates.render(tessera_mail::AUTOMATION_NOTICE, &message.locale, &data)?
            }
        };
        Ok(Some(Envelope {
            message_id: message.message_id.clone(),
            from: self.0.settings.mail_from.clone(),
            to: message.recipient.clone(),
            reply_to,
            rendered,
        }))
    }

    /// The user's own SMTP server for an automation e-mail sent as a user who configured
    /// one; `None` for the server's mailer.
    fn own_transport(
        &self,
        message: &OutboxMessage,
    ) -> Result<Option<tessera_mail::SmtpMailer>, ServiceError> {
        let MessageKind::AutomationEmail { run, .. } = &message.kind else {
            return Ok(None);
        };
        let sealed = self.read(|tx| {
            let Some(run) = tx.run(message.account, *run)? else {
                return Ok(None);
            };
            Ok(tx
                .mailbox(message.account, run.user)?
                .and_then(|stored| stored.smtp_url_sealed))
        })?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let url = self.unseal(&sealed).ok_or_else(|| {
            ServiceError::Internal("a mailbox's SMTP URL was sealed with another key".into())
        })?;
        Ok(Some(tessera_mail::SmtpMailer::from_url(&url)?))
    }

    /// An automation's e-mail, as its step rendered and kept it; `None` when the run is gone.
    fn automation_email(
        &self,
        tx: &mut dyn Tx,
        message: &OutboxMessage,
        run: Uuid,
        step: usize,
    ) -> Result<Option<Envelope>, ServiceError> {
        let Some(result) = tx
            .run_steps(message.account, run)?
            .into_iter()
            .find(|result| result.index == step)
        else {
            return Ok(None);
        };
        let output: serde_json::Value = result
            .output
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| ServiceError::Internal(format!("automation e-mail {run}/{step}: {e}")))?
            .unwrap_or_default();
        let text = |key: &str| output[key].as_str().unwrap_or_default().to_owned();
        let name = text("from_name").replace(['"', '\\', '\r', '\n'], " ");
        let body = text("body");
        Ok(Some(Envelope {
            message_id: message.message_id.clone(),
            from: format!("\"{name}\" <{}>", text("from")),
            to: message.recipient.clone(),
            reply_to: None,
            rendered: tessera_mail::RenderedMessage {
                subject: text("subject"),
                html: format!(
                    "<!DOCTYPE html><html><body><p style=\"white-space:pre-wrap\">{}</p></body></html>",
                    escape_html(&body)
                ),
                text: body,
            },
        }))
    }

    /// The data of a notification's e-mail; `None` when it or its automation is gone.
    fn automation_notice(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        notification: Uuid,
    ) -> Result<Option<tessera_mail::AutomationNoticeEmail>, ServiceError> {
        let Some(found) = tx.notification(account, notification)? else {
            return Ok(None);
        };
        let Some(automation_id) = found.automation else {
            return Ok(None);
        };
        let Some(automation) = tx.automation(account, automation_id, false)? else {
            return Ok(None);
        };
        let Some(user) = tx.user(account, found.user)? else {
            return Ok(None);
        };
        let base = self.0.settings.public_url.trim_end_matches('/');
        Ok(Some(tessera_mail::AutomationNoticeEmail {
            user_name: user.shown_name().to_owned(),
            automation_name: automation.definition.name,
            reason: found.kind,
            problems: found.problems,
            failing_step: found.failing_step,
            link: format!("{base}/v1/automations/{automation_id}/troubleshooting"),
        }))
    }

    /// The data of a contact's activation e-mail, its link derived again from the key;
    /// `None` when no activation is pending any more.
    fn activation_email(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        contact: Uuid,
        granted_by: Option<tessera_core::UserId>,
        now: DateTime<Utc>,
    ) -> Result<Option<ContactActivationEmail>, ServiceError> {
        let Some(stored) = tx.contact(account, contact)? else {
            return Ok(None);
        };
        let Some(activation) = stored
            .contact
            .activation
            .as_ref()
            .filter(|a| a.usable_at(now))
        else {
            return Ok(None);
        };
        let Some(link) = self.activation_link(&stored.contact) else {
            return Ok(None);
        };
        let account_name = tx.account(account)?.map(|a| a.name).unwrap_or_default();
        let granted_by = match granted_by {
            Some(user) => self.person_name(tx, account, &Person::User(user))?,
            None => account_name.clone(),
        };
        let base = self.0.settings.public_url.trim_end_matches('/');
        Ok(Some(ContactActivationEmail {
            contact_name: stored.contact.name.clone(),
            granted_by,
            account_name,
            access: stored.contact.access.as_str().to_owned(),
            link: format!("{base}/c/activate/{}", link.0),
            expires_on: activation
                .expires_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
        }))
    }

    /// The data of an imported person's invitation, its link derived again from the key;
    /// `None` when no invitation is pending any more or the person left the app.
    fn user_invitation_email(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        user: tessera_core::UserId,
        app: Uuid,
        invited_by: Option<tessera_core::UserId>,
        now: DateTime<Utc>,
    ) -> Result<Option<tessera_mail::UserInvitationEmail>, ServiceError> {
        let Some(activation) = tx
            .user_invitation(account, user)?
            .filter(|a| a.usable_at(now))
        else {
            return Ok(None);
        };
        let (Some(person), Some(app_record), Some(user_type)) = (
            tx.user(account, user)?,
            tx.app(account, app)?,
            tx.app_user_type(account, app, user)?,
        ) else {
            return Ok(None);
        };
        let account_name = tx.account(account)?.map(|a| a.name).unwrap_or_default();
        let invited_by = match invited_by {
            Some(by) => self.person_name(tx, account, &Person::User(by))?,
            None => account_name.clone(),
        };
        let link = activation.link_for(
            tessera_contacts::ActivationKind::User,
            self.key(),
            user.as_uuid().as_bytes(),
        );
        let base = self.0.settings.public_url.trim_end_matches('/');
        Ok(Some(tessera_mail::UserInvitationEmail {
            user_name: person.shown_name().to_owned(),
            invited_by,
            account_name,
            app_name: app_record.name,
            user_type: user_type.as_str().to_owned(),
            link: format!("{base}/c/activate/{}", link.0),
            expires_on: activation
                .expires_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
        }))
    }

    /// The data of a task e-mail and the recipient's reply key; `None` when the task, the
    /// entry or the recipient's place on the task is gone.
    fn task_email(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        task: Uuid,
        event: Uuid,
        recipient: &Person,
    ) -> Result<Option<(TaskNotificationEmail, Option<ReplyKey>)>, ServiceError> {
        let (Some(task), Some(event)) = (tx.task(account, task)?, tx.task_event(account, event)?)
        else {
            return Ok(None);
        };
        if !task.people.contains(recipient) {
            return Ok(None);
        }
        let Some(project) = tx.project(account, task.project)? else {
            return Ok(None);
        };
        let actor = self.person_name(tx, account, &event.actor)?;
        let person_at = |key: &str| -> Option<Person> {
            serde_json::from_value(event.detail.get(key)?.clone()).ok()
        };
        let mut data = TaskNotificationEmail {
            project: project.name,
            task: task.title.clone(),
            actor,
            event: String::new(),
            comment: None,
            status: None,
            assignee: None,
            task_url: None,
        };
        match event.kind.as_str() {
            "commented" => {
                let id = event
                    .detail
                    .get("comment")
                    .and_then(|c| c.as_str())
                    .unwrap_or_default();
                let comments = tx.comments(account, task.id)?;
                data.comment = comments
                    .into_iter()
                    .find(|c| c.id.to_string() == id)
                    .map(|c| c.body);
                data.event = "comment".into();
            }
            "assigned" => {
                if let Some(assignee) = person_at("to") {
                    data.assignee = Some(self.person_name(tx, account, &assignee)?);
                }
                data.event = "assigned".into();
            }
            "status_changed" => {
                data.status = event
                    .detail
                    .get("to")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned);
                data.event = "status".into();
            }
            _ => return Ok(None),
        }
        let key = tx.reply_key(account, task.id, recipient)?.map(|stored| {
            ReplyKey::derive(self.key(), task.id.as_bytes(), recipient, &stored.nonce)
        });
        Ok(Some((data, key)))
    }

    /// A person as e-mails name them: a user's display name or address, a contact's name.
    pub(crate) fn person_name(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        person: &Person,
    ) -> Result<String, ServiceError> {
        Ok(match person {
            Person::User(user) => tx
                .user(account, *user)?
                .map(|u| u.shown_name().to_owned())
                .unwrap_or_else(|| "a former user".to_owned()),
            Person::Contact(contact) => tx
                .contact(account, *contact)?
                .map(|c| c.contact.name)
                .unwrap_or_else(|| "a former contact".to_owned()),
        })
    }

    /// The data of an invitation's e-mail, its link and code derived again from the key;
    /// `None` when the invitation no longer lets anyone in.
    fn invitation_email(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        invitation: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<InvitationEmail>, ServiceError> {
        let Some(stored) = tx.invitation(account, invitation)? else {
            return Ok(None);
        };
        if !stored.invitation.usable_at(now) {
            return Ok(None);
        }
        let Some(share) = tx.share(account, stored.share)? else {
            return Ok(None);
        };
        let sender = tx.user(account, share.sender)?;
        let sender_email = sender.as_ref().map(|u| u.email.clone()).unwrap_or_default();
        // The sender by name: their display name, else their address's local part.
        let sender_name = match sender.as_ref().and_then(|u| u.display_name.clone()) {
            Some(name) => name,
            None => sender_email
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned(),
        };
        let mut workflows = Vec::with_capacity(share.items.len());
        for id in &share.items {
            let item = tx.item(account, *id)?;
            if let Some(item) = item.filter(|item| item.item.kind == ItemKind::Workflow) {
                workflows.push(tessera_mail::SharedWorkflow {
                    title: item.item.title,
                    business_domain: item.business_domain,
                    description: item.description,
                });
            }
        }
        let secrets = stored.invitation.secrets(&self.0.key);
        let base = self.0.settings.public_url.trim_end_matches('/');
        // The external site speaks the invitation's language; its landing page looks nothing
        // up (a lookup by token would be an oracle), so the link carries it. One of the
        // e-mails' locales, so safe in a URL as is.
        let lang = tessera_mail::resolve_locale(&stored.locale);
        Ok(Some(InvitationEmail {
            sender_name,
            sender_email,
            personal_message: share.message,
            workflows,
            link: format!("{base}/x/{}?lang={lang}", secrets.token),
            code: secrets.code.to_string(),
            expires_on: stored
                .invitation
                .expires_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
            site_url: format!("{base}/x/verify?lang={lang}"),
        }))
    }

    /// Stores a delivery's outcome and what it means for what the message announces, in one
    /// transaction: an invitation records each state it passes through (sent, delivered) as
    /// its own audit event.
    fn settle(
        &self,
        tx: &mut dyn Tx,
        message: &OutboxMessage,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        tx.record_outcome(message, outcome, now)?;
        if let DeliveryOutcome::Failed(reason) = outcome {
            tracing::warn!(message_id = %message.message_id, kind = message.kind.name(), %reason, "outbox message given up");
        }
        match &message.kind {
            MessageKind::Invitation { invitation } => {
                let Some(mut stored) = tx.invitation(message.account, *invitation)? else {
                    return Ok(());
                };
                let entered = match outcome {
                    DeliveryOutcome::Sent => stored.invitation.mark_delivered(),
                    DeliveryOutcome::Bounced(_) => stored.invitation.mark_bounced(),
                    DeliveryOutcome::RetryAt(..) | DeliveryOutcome::Failed(_) => Entered::NOTHING,
                };
                if entered.is_empty() {
                    return Ok(());
                }
                tx.update_invitation(message.account, &stored.invitation)?;
                let actor = Actor::anonymous(message.account, None);
                for action in entered.states().filter_map(delivery_action) {
                    self.record_event(tx, &actor, action, invitation, json!({}))?;
                }
                Ok(())
            }
            // Nothing else follows from their delivery: the outbox row records it.
            MessageKind::ContactActivation { .. }
            | MessageKind::TaskNotification { .. }
            | MessageKind::UserInvitation { .. }
            | MessageKind::AutomationEmail { .. }
            | MessageKind::AutomationNotice { .. } => Ok(()),
        }
    }
}

/// Retry later, or give up after [`MAX_ATTEMPTS`].
fn retry(message: &OutboxMessage, now: DateTime<Utc>, reason: String) -> DeliveryOutcome {
    if message.attempts >= MAX_ATTEMPTS {
        DeliveryOutcome::Failed(reason)
    } else {
        DeliveryOutcome::RetryAt(now + backoff(message.attempts), reason)
    }
}

/// Text made safe inside HTML.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(6), Duration::seconds(1_920));
        assert_eq!(backoff(7), Duration::seconds(3_600));
        assert_eq!(backoff(50), Duration::seconds(3_600));
    }
}
