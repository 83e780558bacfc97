//! What an invitation's link and code open: an external session, read-only, onto exactly
//! the workflows shared with that recipient. Every refusal — unknown address, wrong, voided,
//! expired or revoked code or link, a limit reached — is the same `None`, after the same
//! work; front doors answer it no sooner than [`REFUSAL_FLOOR`] after the request arrived.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tessera_core::{AccountId, AuditAction, BearerSecret, SecretKey};
use tessera_invitations::{
    CODE_PURPOSE, CodeCheck, FAILURE_WINDOW_HOURS, InvitationState, ItemKind, VerificationCode,
    accounts_to_try, link_tag,
};

use crate::records::StoredInvitation;
use crate::{Actor, ServiceError, Tessera, Tx, new_secret, random_uuid};

/// Longest an external session lasts (it also ends with its invitation).
pub const EXTERNAL_SESSION_DAYS: i64 = 7;

/// Shortest time from a request's arrival to a refusal. The work behind a refusal differs a
/// little by cause (an unknown address finds nothing to update; a wrong code updates its
/// invitation); answering every refusal at this floor, well above that work, leaves nothing
/// for a stopwatch to tell apart.
pub const REFUSAL_FLOOR: StdDuration = StdDuration::from_millis(50);

/// An external session just opened: its secret is handed out once.
#[derive(Debug, Clone)]
pub struct ExternalSession {
    /// The session's secret (the store keeps its hash).
    pub secret: BearerSecret,
    /// When it ends at the latest.
    pub expires_at: DateTime<Utc>,
    /// The language of the invitation's e-mails.
    pub locale: String,
}

/// One shared workflow as the recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedWorkflow {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// The workflows shared with a recipient, by business domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedWorkflows {
    /// Business domains in name order (`Other` for workflows without one), each with its
    /// workflows in the order shared.
    pub domains: Vec<(String, Vec<SharedWorkflow>)>,
    /// When access ends.
    pub expires_at: DateTime<Utc>,
    /// The language of the invitation's e-mails.
    pub locale: String,
}

/// The HMAC a code check costs, spent on nothing: a refusal that tries no invitation does
/// the same work as one that does.
fn spend_one_hmac(key: &SecretKey, code: &VerificationCode) {
    let _ = key.verify(CODE_PURPOSE, code.as_bytes(), &[0; 32]);
}

impl Tessera {
    /// Follows an invitation's link (the POST behind the landing page's button, never the GET
    /// that mail scanners prefetch): opens and verifies the invitation and starts an external
    /// session. `None` when the link lets nobody in.
    pub fn follow_link(
        &self,
        token: &str,
        client_addr: Option<String>,
    ) -> Result<Option<ExternalSession>, ServiceError> {
        let Some(token) = BearerSecret::parse(token) else {
            return Ok(None);
        };
        let now = self.now();
        let tag = link_tag(&self.0.key, &token);
        self.write(|tx| {
            let Some(mut stored) = tx.invitation_by_link_tag(&tag)? else {
                return Ok(None);
            };
            let Ok(entered) = stored.invitation.verify_link(&self.0.key, &token, now) else {
                return Ok(None);
            };
            let actor = Actor::anonymous(stored.account, client_addr);
            if entered.states().any(|s| s == InvitationState::Opened) {
                self.record_event(
                    tx,
                    &actor,
                    AuditAction::InvitationOpened,
                    stored.id(),
                    json!({}),
                )?;
            }
            self.open_session(tx, &stored, entered.is_empty(), &actor, "link", now)
                .map(Some)
        })
    }

    /// Verifies an e-mail address and a typed code. A wrong code counts against every
    /// invitation to that address (the fifth voids the code) and against the limits per
    /// client address and per account ([`accounts_to_try`]). `None` for every refusal.
    pub fn verify_code(
        &self,
        email: &str,
        code: &str,
        client_addr: Option<String>,
    ) -> Result<Option<ExternalSession>, ServiceError> {
        let email = tessera_core::normalize_email(email).unwrap_or_default();
        let code =
            VerificationCode::parse(code).unwrap_or_else(|| VerificationCode::from_bytes([0; 5]));
        let client = client_addr.clone().unwrap_or_else(|| "unknown".to_owned());
        let now = self.now();
        let key = &self.0.key;
        self.write(|tx| {
            let candidates = tx.invitations_to_locked(&email)?;
            let mut accounts: Vec<AccountId> = candidates.iter().map(|c| c.account).collect();
            accounts.sort_unstable();
            accounts.dedup();
            let since = now - Duration::hours(FAILURE_WINDOW_HOURS);
            let (from_address, per_account) =
                tx.verification_failures(&client, &accounts, since)?;
            let counts: Vec<(AccountId, i64)> = accounts.iter().copied().zip(per_account).collect();
            let Some(open) = accounts_to_try(from_address, &counts) else {
                // The same work and the same answer as any other refusal; nothing is tried.
                spend_one_hmac(key, &code);
                return Ok(None);
            };
            let tried: Vec<StoredInvitation> = candidates
                .into_iter()
                .filter(|c| open.contains(&c.account))
                .collect();
            if tried.is_empty() {
                // The same work as a wrong code: one HMAC.
                spend_one_hmac(key, &code);
            }
            for mut stored in tried {
                match stored.invitation.verify_code(key, &code, now) {
                    CodeCheck::Verified { entered } => {
                        let actor = Actor::anonymous(stored.account, client_addr);
                        return self
                            .open_session(tx, &stored, entered.is_empty(), &actor, "code", now)
                            .map(Some);
                    }
                    CodeCheck::Wrong => tx.update_invitation(stored.account, &stored.invitation)?,
                    CodeCheck::Refused => {}
                }
            }
            // Counted against each account tried, or once without one for an unknown address.
            let counted: Vec<Option<AccountId>> = if open.is_empty() {
                vec![None]
            } else {
                open.into_iter().map(Some).collect()
            };
            for account in counted {
                tx.record_verification_failure(random_uuid(), account, &client, now)?;
            }
            Ok(None)
        })
    }

    /// Starts an external session for an invitation verified now, writing the invitation
    /// back unless the verification changed nothing.
    fn open_session(
        &self,
        tx: &mut dyn Tx,
        stored: &StoredInvitation,
        unchanged: bool,
        actor: &Actor,
        how: &str,
        now: DateTime<Utc>,
    ) -> Result<ExternalSession, ServiceError> {
        if !unchanged {
            tx.update_invitation(stored.account, &stored.invitation)?;
        }
        let secret = new_secret();
        let expires_at =
            (now + Duration::days(EXTERNAL_SESSION_DAYS)).min(stored.invitation.expires_at);
        tx.insert_external_session(stored.account, stored.id(), &secret.hash(), now, expires_at)?;
        self.record_event(
            tx,
            actor,
            AuditAction::InvitationVerified,
            stored.id(),
            json!({ "with": how, "recipient": stored.invitation.recipient }),
        )?;
        Ok(ExternalSession {
            secret,
            expires_at,
            locale: stored.locale.clone(),
        })
    }

    /// The workflows an external session may see, read-only; `None` when the session is
    /// unknown or over, or its invitation no longer lets anyone in.
    pub fn shared_workflows(
        &self,
        session: &BearerSecret,
    ) -> Result<Option<SharedWorkflows>, ServiceError> {
        let now = self.now();
        self.read(|tx| {
            let Some(stored) = tx.external_session(&session.hash(), now)? else {
                return Ok(None);
            };
            let invitation = &stored.invitation;
            if !invitation.usable_at(now) || invitation.state != InvitationState::Verified {
                return Ok(None);
            }
            let share = tx
                .share(stored.account, stored.share)?
                .ok_or(ServiceError::NotFound { what: "share" })?;
            let mut domains: BTreeMap<String, Vec<SharedWorkflow>> = BTreeMap::new();
            for id in &share.items {
                // Only what is a workflow now: an item re-registered as something else since
                // the share is not shown (tasks are never shared).
                let Some(item) = tx
                    .item(stored.account, *id)?
                    .filter(|item| item.item.kind == ItemKind::Workflow)
                else {
                    continue;
                };
                let domain = if item.business_domain.is_empty() {
                    "Other".to_owned()
                } else {
                    item.business_domain
                };
                domains.entry(domain).or_default().push(SharedWorkflow {
                    title: item.item.title,
                    description: item.description,
                });
            }
            Ok(Some(SharedWorkflows {
                domains: domains.into_iter().collect(),
                expires_at: invitation.expires_at,
                locale: stored.locale,
            }))
        })
    }
}
