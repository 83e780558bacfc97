//! Planning a share: which items go out, to whom, with which message — decided before
//! anything is stored or sent.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use tessera_core::{Uuid, normalize_email};

use crate::InvitationError;

/// Longest personal message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// Most recipients in one share (after groups are expanded).
pub const MAX_RECIPIENTS: usize = 1_000;

/// What an item is. Workflows can be shared with outsiders; tasks never can; a wish list is an
/// ordered list of workflows and tasks, of which only the workflows are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Shareable.
    Workflow,
    /// Never shared externally.
    Task,
    /// Shares its workflows, leaves its tasks out.
    WishList,
}

/// A shareable item as the share planner needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its id.
    pub id: Uuid,
    /// What it is.
    pub kind: ItemKind,
    /// Its title (named in errors).
    pub title: String,
    /// For a wish list: its entries, in order.
    pub entries: Vec<Uuid>,
}

/// A named list of e-mail addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// Its addresses.
    pub emails: Vec<String>,
}

/// A share, decided: the workflows to share (each once, in the order chosen), the tasks a
/// wish list brought that were left out, the recipients (normalized, each once), and the
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharePlan {
    /// Workflows to share.
    pub workflows: Vec<Uuid>,
    /// Tasks from wish lists that were not shared.
    pub left_out_tasks: Vec<Uuid>,
    /// Recipient addresses.
    pub recipients: Vec<String>,
    /// The personal message, trimmed; `None` when blank.
    pub message: Option<String>,
}

/// Decides a share. `selected` are the items picked; `lookup` finds a wish list's entries.
/// A task picked directly is refused, naming every such task; a wish list contributes its
/// workflows and reports its tasks as left out. Recipients are addresses and groups,
/// normalized and de-duplicated; an invalid address is refused, naming it.
///
/// ```
/// use tessera_core::Uuid;
/// use tessera_invitations::{plan_share, Item, ItemKind};
///
/// let flow = Item { id: Uuid::from_u128(1), kind: ItemKind::Workflow, title: "Onboarding".into(), entries: vec![] };
/// let plan = plan_share(&[flow.clone()], |_| None, &["Ana@Example.com".into(), "ana@example.com".into()], &[], Some("  Hi!  ")).unwrap();
/// assert_eq!(plan.workflows, vec![flow.id]);
/// assert_eq!(plan.recipients, vec!["ana@example.com".to_owned()]);
/// assert_eq!(plan.message.as_deref(), Some("Hi!"));
/// ```
pub fn plan_share<'a>(
    selected: &[Item],
    lookup: impl Fn(Uuid) -> Option<&'a Item>,
    emails: &[String],
    groups: &[Group],
    message: Option<&str>,
) -> Result<SharePlan, InvitationError> {
    if selected.is_empty() {
        return Err(InvitationError::NothingToShare);
    }
    let tasks: Vec<String> = selected
        .iter()
        .filter(|item| item.kind == ItemKind::Task)
        .map(|item| item.title.clone())
        .collect();
    if !tasks.is_empty() {
        return Err(InvitationError::TasksNotShareable { titles: tasks });
    }
    let mut workflows = Vec::new();
    let mut left_out_tasks = Vec::new();
    let mut seen = HashSet::new();
    for item in selected {
        match item.kind {
            ItemKind::Workflow => {
                if seen.insert(item.id) {
                    workflows.push(item.id);
                }
            }
            ItemKind::WishList => {
                for entry in &item.entries {
                    let found =
                        lookup(*entry).ok_or(InvitationError::UnknownItem { id: *entry })?;
                    match found.kind {
                        ItemKind::Workflow if seen.insert(found.id) => workflows.push(found.id),
                        ItemKind::Workflow => {}
                        ItemKind::Task => left_out_tasks.push(found.id),
                        ItemKind::WishList => {
                            return Err(InvitationError::NestedWishList { id: found.id });
                        }
                    }
                }
            }
            ItemKind::Task => {}
        }
    }
    if workflows.is_empty() {
        return Err(InvitationError::NothingToShare);
    }

    let mut recipients = Vec::new();
    let mut seen = HashSet::new();
    let group_emails = groups.iter().flat_map(|group| group.emails.iter());
    for email in emails.iter().chain(group_emails) {
        let normalized = normalize_email(email).ok_or_else(|| InvitationError::InvalidEmail {
            email: email.trim().to_owned(),
        })?;
        if seen.insert(normalized.clone()) {
            recipients.push(normalized);
        }
    }
    if recipients.is_empty() {
        return Err(InvitationError::NoRecipients);
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(InvitationError::TooManyRecipients {
            max: MAX_RECIPIENTS,
        });
    }

    let message = message.map(str::trim).filter(|m| !m.is_empty());
    if message.is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS) {
        return Err(InvitationError::MessageTooLong {
            max: MAX_MESSAGE_CHARS,
        });
    }
    Ok(SharePlan {
        workflows,
        left_out_tasks,
        recipients,
        message: message.map(str::to_owned),
    })
}
