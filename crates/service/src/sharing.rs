//! Sharing workflows with outsiders: a share creates one invitation per recipient and one
//! outbox message per invitation, in one transaction; the sender and account admins list
//! invitations and may resend or revoke them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{Level, Policy, USER_MANAGEMENT};
use tessera_core::{AuditAction, Uuid};
use tessera_invitations::{Group, Invitation, InvitationState, Item, plan_share};

use crate::catalog::item_feature;
use crate::outbox::message;
use crate::records::{CatalogItem, InvitationFilter, MessageKind, Share, StoredInvitation};
use crate::{Actor, AnyCaller, Caller, ServiceError, Tessera, Tx, random, random_uuid};

/// What to share.
#[derive(Debug, Clone, Default)]
pub struct ShareRequest {
    /// Items to share (workflows and wish lists; tasks are refused).
    pub items: Vec<Uuid>,
    /// Recipient addresses.
    pub recipients: Vec<String>,
    /// Recipient groups.
    pub groups: Vec<Uuid>,
    /// Personal message (at most 2,000 characters).
    pub message: Option<String>,
    /// Language of the e-mails (`en`, `de`, `fr`, `ro`; default `en`).
    pub locale: Option<String>,
}

/// An invitation as its sender sees it (never its secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationSummary {
    /// Id.
    pub id: Uuid,
    /// The share.
    pub share_id: Uuid,
    /// Recipient.
    pub recipient: String,
    /// State now (`expired` read from the clock).
    pub state: InvitationState,
    /// When the current link and code were issued.
    pub issued_at: DateTime<Utc>,
    /// When they stop working.
    pub expires_at: DateTime<Utc>,
}

impl InvitationSummary {
    fn of(stored: &StoredInvitation, now: DateTime<Utc>) -> Self {
        let inv = &stored.invitation;
        InvitationSummary {
            id: stored.id(),
            share_id: stored.share,
            recipient: inv.recipient.clone(),
            state: inv.state_at(now),
            issued_at: inv.issued_at,
            expires_at: inv.expires_at,
        }
    }
}

/// A share as created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareCreated {
    /// The share.
    pub share_id: Uuid,
    /// The workflows shared, in order.
    pub workflows: Vec<Uuid>,
    /// Tasks from wish lists that were left out (tasks are never shared).
    pub left_out_tasks: Vec<Uuid>,
    /// One invitation per recipient.
    pub invitations: Vec<InvitationSummary>,
}

/// Which invitations to list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct InvitationQuery {
    /// Only this share.
    pub share: Option<Uuid>,
    /// Only this recipient.
    pub recipient: Option<String>,
    /// Only this state (as of now: `expired` included).
    pub state: Option<InvitationState>,
}

/// What to do to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationAction {
    /// Issue a new link and code (the old ones stop working) and e-mail them again.
    Resend,
    /// End access at once, external sessions included.
    Revoke,
}

/// Account admins (`user_management: read`) see and manage every invitation of the account.
fn is_admin(policy: &Policy, caller: &AnyCaller) -> bool {
    caller.require(policy, USER_MANAGEMENT, Level::Read).is_ok()
}

impl Tessera {
    /// Shares workflows with outside addresses: one invitation and one e-mail per recipient.
    /// Needs `read` on each shared workflow's app.
    pub fn share(
        &self,
        caller: &Caller,
        request: ShareRequest,
    ) -> Result<ShareCreated, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let locale =
            tessera_mail::resolve_locale(request.locale.as_deref().unwrap_or("en")).to_owned();
        let now = self.now();
        self.write(|tx| self.share_in(tx, caller, &policy, request, &locale, now))
    }

    fn share_in(
        &self,
        tx: &mut dyn Tx,
        caller: &Caller,
        policy: &Policy,
        request: ShareRequest,
        locale: &str,
        now: DateTime<Utc>,
    ) -> Result<ShareCreated, ServiceError> {
        let account = caller.account;
        let mut catalog: HashMap<Uuid, CatalogItem> = HashMap::new();
        let mut selected: Vec<Item> = Vec::with_capacity(request.items.len());
        for (index, id) in request.items.iter().enumerate() {
            let item = tx.item(account, *id)?.ok_or_else(|| {
                ServiceError::invalid(
                    format!("items[{index}]"),
                    format!("no item `{id}` in the account"),
                )
            })?;
            for entry in &item.item.entries {
                if let Some(found) = tx.item(account, *entry)? {
                    catalog.insert(found.item.id, found);
                }
            }
            selected.push(item.item.clone());
            catalog.insert(item.item.id, item);
        }
        let all_groups = tx.groups(account)?;
        let mut groups = Vec::with_capacity(request.groups.len());
        for (index, id) in request.groups.iter().enumerate() {
            let group = all_groups.iter().find(|g| g.id == *id).ok_or_else(|| {
                ServiceError::invalid(
                    format!("groups[{index}]"),
                    format!("no group `{id}` in the account"),
                )
            })?;
            groups.push(Group {
                name: group.name.clone(),
                emails: group.emails.clone(),
            });
        }
        let plan = plan_share(
            &selected,
            |id| catalog.get(&id).map(|c| &c.item),
            &request.recipients,
            &groups,
            request.message.as_deref(),
        )?;
        for workflow in &plan.workflows {
            if let Some(item) = catalog.get(workflow) {
                caller.require(policy, &item_feature(&item.app), Level::Read)?;
            }
        }
        let days = tx.invitation_validity_days(account)?;
        let share = Share {
            id: random_uuid(),
            sender: caller.user,
            message: plan.message.clone(),
            items: plan.workflows.clone(),
            created_at: now,
        };
        tx.insert_share(account, &share)?;
        let mut invitations = Vec::with_capacity(plan.recipients.len());
        for recipient in &plan.recipients {
            invitations.push(Invitation::issue(
                &self.0.key,
                *random_uuid().as_bytes(),
                recipient.clone(),
                random::nonce(),
                now,
                days,
            )?);
        }
        tx.insert_invitations(account, share.id, locale, &invitations)?;
        let messages: Vec<_> = invitations
            .iter()
            .map(|inv| {
                let kind = MessageKind::Invitation {
                    invitation: Uuid::from_bytes(inv.id),
                };
                message(account, kind, &inv.recipient, locale, now)
            })
            .collect();
        tx.enqueue(&messages)?;
        self.record_event(
            tx,
            &Actor::caller(caller),
            AuditAction::ShareCreate,
            share.id,
            json!({ "recipients": invitations.len(), "workflows": plan.workflows.len() }),
        )?;
        Ok(ShareCreated {
            share_id: share.id,
            workflows: plan.workflows,
            left_out_tasks: plan.left_out_tasks,
            invitations: invitations
                .into_iter()
                .map(|invitation| {
                    let stored = StoredInvitation {
                        account,
                        share: share.id,
                        invitation,
                        locale: locale.to_owned(),
                    };
                    InvitationSummary::of(&stored, now)
                })
                .collect(),
        })
    }

    /// Lists invitations: every one of the account for admins (`user_management: read`),
    /// those of the caller's own shares otherwise.
    pub fn invitations(
        &self,
        caller: &Caller,
        query: InvitationQuery,
    ) -> Result<Vec<InvitationSummary>, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let admin = is_admin(&policy, caller);
        let now = self.now();
        let recipient = query
            .recipient
            .as_deref()
            .map(|r| tessera_core::normalize_email(r).unwrap_or_else(|| r.to_owned()));
        let filter = InvitationFilter {
            share: query.share,
            recipient,
            states: None,
        };
        self.read(|tx| {
            let own = if admin {
                Vec::new()
            } else {
                tx.share_ids_by_sender(caller.account, caller.user)?
            };
            Ok(tx
                .invitations(caller.account, &filter)?
                .iter()
                .filter(|stored| admin || own.contains(&stored.share))
                .map(|stored| InvitationSummary::of(stored, now))
                .filter(|summary| query.state.is_none_or(|state| summary.state == state))
                .collect())
        })
    }

    /// Resends or revokes an invitation of the caller's (or, for admins, of the account).
    /// A resend issues a new link and code (the old ones stop working) and e-mails them; a
    /// revoke ends access at once. Both end the invitation's external sessions.
    pub fn act_on_invitation(
        &self,
        caller: &Caller,
        id: Uuid,
        action: InvitationAction,
    ) -> Result<InvitationSummary, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let admin = is_admin(&policy, caller);
        let now = self.now();
        let account = caller.account;
        self.write(|tx| {
            let not_found = || ServiceError::NotFound { what: "invitation" };
            let mut stored = tx.invitation(account, id)?.ok_or_else(not_found)?;
            if !admin
                && !tx
                    .share_ids_by_sender(account, caller.user)?
                    .contains(&stored.share)
            {
                return Err(not_found());
            }
            let audited = match action {
                InvitationAction::Revoke => {
                    stored.invitation.revoke()?;
                    AuditAction::InvitationRevoke
                }
                InvitationAction::Resend => {
                    let days = tx.invitation_validity_days(account)?;
                    stored
                        .invitation
                        .resend(&self.0.key, random::nonce(), now, days)?;
                    let kind = MessageKind::Invitation { invitation: id };
                    let recipient = &stored.invitation.recipient;
                    tx.enqueue(&[message(account, kind, recipient, &stored.locale, now)])?;
                    AuditAction::InvitationResend
                }
            };
            tx.end_external_sessions(account, id)?;
            tx.update_invitation(account, &stored.invitation)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                audited,
                id,
                json!({ "recipient": stored.invitation.recipient }),
            )?;
            Ok(InvitationSummary::of(&stored, now))
        })
    }
}
