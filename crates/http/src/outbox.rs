//! The sender loop's work: deliver what the outbox holds. A message is claimed (so a second
//! sender skips it), rendered from the stored invitation — its link and code derived again
//! from the server key — handed to the [`Mailer`], and its outcome stored; the invitation
//! moves to delivered or bounced. A crash between sending and storing the outcome leaves
//! the message claimed; after the claim lease ([`STALE_CLAIM`] unless set with
//! [`Sender::with_claim_lease`]) it goes out again with the same Message-ID.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use tessera_mail::{Delivery, Envelope, InvitationEmail, Mailer, SharedWorkflow, Templates};
use tessera_store::sharing::{self, OutboxMessage, Outcome};
use tessera_store::{DbConnection, items, users};

use crate::sharing::invitation_event;
use crate::{ApiError, AppState};

/// How long a claimed message may stay unconfirmed before another attempt sends it again
/// (the default claim lease).
pub const STALE_CLAIM: Duration = Duration::minutes(2);
/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;

/// Backoff before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at 1 h.
fn backoff(attempts: i32) -> Duration {
    let seconds = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    Duration::seconds(seconds.min(3_600))
}

/// Delivers the outbox through a mailer.
pub struct Sender {
    state: Arc<AppState>,
    mailer: Box<dyn Mailer>,
    templates: Templates,
    from: String,
    claim_lease: Duration,
    parallelism: usize,
}

/// Messages handed to the mailer at once unless set with [`Sender::with_parallelism`].
pub const DEFAULT_PARALLELISM: usize = 4;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Accepted by the mail server.
    pub sent: usize,
    /// Refused for good.
    pub bounced: usize,
    /// To be tried again later.
    pub deferred: usize,
    /// Dropped: the invitation ended before its e-mail left, or attempts ran out.
    pub dropped: usize,
}

impl Sender {
    /// A sender writing as `from` (an address, or `Name <address>`).
    pub fn new(
        state: Arc<AppState>,
        mailer: Box<dyn Mailer>,
        templates: Templates,
        from: String,
    ) -> Self {
        Sender {
            state,
            mailer,
            templates,
            from,
            claim_lease: STALE_CLAIM,
            parallelism: DEFAULT_PARALLELISM,
        }
    }

    /// Sets how long a claimed message may stay unconfirmed before it is sent again. It must
    /// exceed the longest a batch of [`Sender::deliver_due`] takes, or a slow batch's last
    /// messages could be claimed twice.
    pub fn with_claim_lease(mut self, lease: Duration) -> Self {
        self.claim_lease = lease;
        self
    }

    /// Sets how many messages are handed to the mailer at once (at least 1; default
    /// [`DEFAULT_PARALLELISM`]), each on its own thread and database connection. A mail
    /// server answers each message after a round trip or two, often plus a delayed ACK
    /// (40 ms on Linux), so sending one at a time leaves both ends idle.
    pub fn with_parallelism(mut self, parallelism: usize) -> Self {
        self.parallelism = parallelism.max(1);
        self
    }

    /// Delivers up to `limit` due messages (blocking until they are settled).
    pub fn deliver_due(&self, limit: i64) -> Result<Delivered, ApiError> {
        let now = self.state.clock.now();
        let claimed = sharing::claim_due(&mut *self.state.db()?, now, self.claim_lease, limit)?;
        let next = AtomicUsize::new(0);
        let work = || -> Result<Delivered, ApiError> {
            let mut db = self.state.db()?;
            let mut done = Delivered::default();
            while let Some(message) = claimed.get(next.fetch_add(1, Ordering::Relaxed)) {
                let outcome = self.deliver(&mut db, message, now);
                match &outcome {
                    Outcome::Sent => done.sent += 1,
                    Outcome::Bounced(_) => done.bounced += 1,
                    Outcome::RetryAt(..) => done.deferred += 1,
                    Outcome::Failed(_) => done.dropped += 1,
                }
                self.settle(&mut db, message, &outcome, now)?;
            }
            Ok(done)
        };
        let workers = self.parallelism.min(claimed.len());
        let results: Vec<Result<Delivered, ApiError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(ApiError::Internal("a sender thread panicked".into()))
                    })
                })
                .collect()
        });
        let mut total = Delivered::default();
        for result in results {
            let done = result?;
            total.sent += done.sent;
            total.bounced += done.bounced;
            total.deferred += done.deferred;
            total.dropped += done.dropped;
        }
        Ok(total)
    }

    fn deliver(
        &self,
        db: &mut DbConnection,
        message: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> Outcome {
        let envelope = match self.envelope(db, message, now) {
            Ok(Some(envelope)) => envelope,
            Ok(None) => {
                return Outcome::Failed("the invitation ended before its e-mail left".into());
            }
            Err(error) => return self.retry(message, now, error.to_string()),
        };
        match self.mailer.send(&envelope) {
            Ok(Delivery::Accepted) => Outcome::Sent,
            Ok(Delivery::Rejected {
                permanent: true,
                reason,
            }) => Outcome::Bounced(reason),
            Ok(Delivery::Rejected {
                permanent: false,
                reason,
            }) => self.retry(message, now, reason),
            Err(error) => self.retry(message, now, error.to_string()),
        }
    }

    fn retry(&self, message: &OutboxMessage, now: DateTime<Utc>, reason: String) -> Outcome {
        if message.attempts >= MAX_ATTEMPTS {
            Outcome::Failed(reason)
        } else {
            Outcome::RetryAt(now + backoff(message.attempts), reason)
        }
    }

    /// The e-mail of an invitation message, or `None` when the invitation no longer lets
    /// anyone in.
    fn envelope(
        &self,
        db: &mut DbConnection,
        message: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> Result<Option<Envelope>, ApiError> {
        let Some(invitation_id) = message.invitation else {
            return Ok(None);
        };
        let stored = sharing::get_invitation(db, message.account, invitation_id)?;
        if !stored.invitation.usable_at(now) {
            return Ok(None);
        }
        let share = sharing::get_share(db, message.account, stored.share)?;
        let sender = users::get(db, message.account, share.sender)?;
        let mut workflows = Vec::with_capacity(share.items.len());
        for id in &share.items {
            let item = items::get(db, message.account, *id)?;
            workflows.push(SharedWorkflow {
                title: item.item.title,
                business_domain: item.business_domain,
                description: item.description,
            });
        }
        let secrets = stored.invitation.secrets(&self.state.key);
        let base = self.state.public_url.trim_end_matches('/');
        let data = InvitationEmail {
            sender_name: sender
                .email
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned(),
            sender_email: sender.email,
            personal_message: share.message,
            workflows,
            link: format!("{base}/x/{}", secrets.token),
            code: secrets.code.to_string(),
            expires_on: stored
                .invitation
                .expires_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
            site_url: format!("{base}/x/verify"),
        };
        let rendered = self
            .templates
            .render(&message.template, &message.locale, &data)?;
        Ok(Some(Envelope {
            message_id: message.message_id.clone(),
            from: self.from.clone(),
            to: message.recipient.clone(),
            rendered,
        }))
    }

    /// Stores the outcome and moves the invitation, in one transaction.
    fn settle(
        &self,
        db: &mut DbConnection,
        message: &OutboxMessage,
        outcome: &Outcome,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        use diesel::Connection;
        db.transaction::<_, ApiError, _>(|tx| {
            sharing::record_outcome(tx, message, outcome, now)?;
            let Some(id) = message.invitation else {
                return Ok(());
            };
            let mut stored = sharing::get_invitation(tx, message.account, id)?;
            // Each state it passes through is its own audit event (sent, then delivered).
            let mut trail = vec![stored.invitation.state];
            match outcome {
                Outcome::Sent => {
                    stored.invitation.mark_sent();
                    trail.push(stored.invitation.state);
                    stored.invitation.mark_delivered();
                    trail.push(stored.invitation.state);
                }
                Outcome::Bounced(_) => {
                    stored.invitation.mark_bounced();
                    trail.push(stored.invitation.state);
                }
                Outcome::RetryAt(..) | Outcome::Failed(_) => {}
            }
            trail.dedup();
            if trail.len() > 1 {
                sharing::update_invitation(tx, message.account, &stored.invitation)?;
            }
            for state in trail.iter().skip(1) {
                let action = format!("invitation.{}", state.as_str());
                invitation_event(
                    tx,
                    message.account,
                    id,
                    &action,
                    serde_json::json!({}),
                    None,
                    now,
                )?;
            }
            Ok(())
        })
    }
}
