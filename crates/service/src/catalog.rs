//! The catalog of shareable items the embedding product registers (`workspace: write` to
//! register, `read` to list), and the account's recipient groups (`workspace: read`).

use serde_json::json;
use tessera_access::{Level, WORKSPACE, app_feature};
use tessera_core::{AccountId, AuditAction, Uuid};
use tessera_invitations::{Item, ItemKind};

use crate::records::{CatalogItem, RecipientGroup};
use crate::{Actor, Caller, ServiceError, StorageError, Tessera, Tx, random_uuid};

/// Longest title, external id or name, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// An item to register.
#[derive(Debug, Clone)]
pub struct ItemInput {
    /// Workflow, task or wish list.
    pub kind: ItemKind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Business domain (the external site groups workflows by it).
    pub business_domain: String,
    /// The app (`workspace/app:<app>`; sharing needs `read` there).
    pub app: String,
    /// For a wish list: the external ids of its entries, in order (registered before).
    pub entries: Vec<String>,
}

/// The feature whose levels govern an item of `app`: `workspace/app:<app>`, or `workspace`
/// for an item without an app.
pub(crate) fn item_feature(app: &str) -> String {
    if app.is_empty() {
        WORKSPACE.to_owned()
    } else {
        app_feature(app)
    }
}

/// Ids for messages, in backquotes.
fn listed(ids: &[Uuid]) -> String {
    ids.iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A wish list's entries by the product's ids, as Tessera's ids; each must be registered and
/// not itself a wish list.
fn resolve_entries(
    tx: &mut dyn Tx,
    account: AccountId,
    entries: &[String],
) -> Result<Vec<Uuid>, ServiceError> {
    let mut ids = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let field = format!("entries[{index}]");
        let found = tx.item_by_external_id(account, entry)?.ok_or_else(|| {
            ServiceError::invalid(&field, format!("no item `{entry}` is registered"))
        })?;
        if found.item.kind == ItemKind::WishList {
            return Err(ServiceError::invalid(
                &field,
                "a wish list cannot contain a wish list",
            ));
        }
        ids.push(found.item.id);
    }
    Ok(ids)
}

/// Refuses turning a shared workflow into something else (tasks are never shared), and an
/// entry of a wish list into a wish list (no nesting).
fn refuse_kind_change(
    tx: &mut dyn Tx,
    account: AccountId,
    old: &CatalogItem,
    kind: ItemKind,
) -> Result<(), ServiceError> {
    if old.item.kind == ItemKind::Workflow && kind != ItemKind::Workflow {
        let shares = tx.shares_with_item(account, old.item.id)?;
        if !shares.is_empty() {
            return Err(ServiceError::conflict(
                "kind",
                format!(
                    "`{}` is a shared workflow (shares {}): only workflows are shared, so it stays one",
                    old.external_id,
                    listed(&shares)
                ),
            ));
        }
    }
    if kind == ItemKind::WishList && old.item.kind != ItemKind::WishList {
        let lists = tx.wish_lists_with(account, old.item.id)?;
        if !lists.is_empty() {
            return Err(ServiceError::conflict(
                "kind",
                format!(
                    "`{}` is in wish lists {}: a wish list cannot contain a wish list",
                    old.external_id,
                    listed(&lists)
                ),
            ));
        }
    }
    Ok(())
}

/// A group's name checked and its addresses normalized, de-duplicated and sorted.
fn group(id: Uuid, name: &str, emails: &[String]) -> Result<RecipientGroup, ServiceError> {
    let name = crate::names::clean("name", name, MAX_TEXT_CHARS)?;
    let mut normalized = Vec::with_capacity(emails.len());
    for (index, email) in emails.iter().enumerate() {
        normalized.push(crate::normalize_email(&format!("emails[{index}]"), email)?);
    }
    normalized.sort();
    normalized.dedup();
    Ok(RecipientGroup {
        id,
        name,
        emails: normalized,
    })
}

impl Tessera {
    /// Registers or replaces an item by the product's id (idempotent). Creating one needs
    /// `write` on its app (`workspace/app:<app>`, or `workspace` without an app); changing
    /// only an existing item's text (title, description) needs `modify` there; any other
    /// change needs `write` on the old and the new app. A workflow that is shared cannot
    /// become a task or a wish list (tasks are never shared): [`ServiceError::Conflict`]
    /// naming the shares.
    pub fn put_item(
        &self,
        caller: &Caller,
        external_id: &str,
        input: ItemInput,
    ) -> Result<CatalogItem, ServiceError> {
        let external_id = crate::names::clean("external_id", external_id, MAX_TEXT_CHARS)?;
        let title = crate::names::clean("title", &input.title, MAX_TEXT_CHARS)?;
        if input.kind != ItemKind::WishList && !input.entries.is_empty() {
            return Err(ServiceError::invalid(
                "entries",
                "only a wish list has entries",
            ));
        }
        let policy = self.policy(caller.account, None)?;
        if policy.feature(&item_feature(&input.app)).is_err() {
            return Err(ServiceError::invalid(
                "app",
                format!(
                    "no app `{}` in the account's features: add it first (`POST /v1/features/apps`)",
                    input.app
                ),
            ));
        }
        let account = caller.account;
        let now = self.now();
        self.write(|tx| {
            let entries = resolve_entries(tx, account, &input.entries)?;
            let existing = tx.item_by_external_id(account, &external_id)?;
            match &existing {
                None => caller.require(&policy, &item_feature(&input.app), Level::Write)?,
                Some(old) => {
                    let text_only = old.item.kind == input.kind
                        && old.app == input.app
                        && old.business_domain == input.business_domain
                        && old.item.entries == entries;
                    if text_only {
                        caller.require(&policy, &item_feature(&old.app), Level::Modify)?;
                    } else {
                        caller.require(&policy, &item_feature(&old.app), Level::Write)?;
                        caller.require(&policy, &item_feature(&input.app), Level::Write)?;
                    }
                    refuse_kind_change(tx, account, old, input.kind)?;
                }
            }
            let item = CatalogItem {
                item: Item {
                    id: random_uuid(),
                    kind: input.kind,
                    title,
                    entries,
                },
                external_id: external_id.clone(),
                description: input.description,
                business_domain: input.business_domain,
                app: input.app,
                updated_at: now,
            };
            let id = tx.upsert_item(account, &item)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::ItemPut,
                id,
                json!({ "external_id": external_id }),
            )?;
            tx.item(account, id)?
                .ok_or_else(|| ServiceError::Internal("an item vanished as it was written".into()))
        })
    }

    /// Deletes an item (`write` on its app). Refused while a share or a wish list holds it
    /// ([`ServiceError::Conflict`] naming them).
    pub fn delete_item(&self, caller: &Caller, external_id: &str) -> Result<(), ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let account = caller.account;
        self.write(|tx| {
            let item = tx
                .item_by_external_id(account, external_id)?
                .ok_or(ServiceError::NotFound { what: "item" })?;
            caller.require(&policy, &item_feature(&item.app), Level::Write)?;
            let shares = tx.shares_with_item(account, item.item.id)?;
            if !shares.is_empty() {
                return Err(ServiceError::conflict(
                    "external_id",
                    format!("`{external_id}` is shared (shares {})", listed(&shares)),
                ));
            }
            let lists = tx.wish_lists_with(account, item.item.id)?;
            if !lists.is_empty() {
                return Err(ServiceError::conflict(
                    "external_id",
                    format!("`{external_id}` is in wish lists {}", listed(&lists)),
                ));
            }
            tx.delete_item(account, item.item.id)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::ItemDelete,
                item.item.id,
                json!({ "external_id": external_id }),
            )
        })
    }

    /// The account's items.
    pub fn items(&self, caller: &Caller) -> Result<Vec<CatalogItem>, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| Ok(tx.items(caller.account)?))
    }

    /// The account's recipient groups, by name.
    pub fn groups(&self, caller: &Caller) -> Result<Vec<RecipientGroup>, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| Ok(tx.groups(caller.account)?))
    }

    /// Creates a recipient group.
    pub fn create_group(
        &self,
        caller: &Caller,
        name: &str,
        emails: &[String],
    ) -> Result<RecipientGroup, ServiceError> {
        let group = group(random_uuid(), name, emails)?;
        self.save_group(caller, group, AuditAction::GroupCreate)
    }

    /// Replaces a recipient group's name and addresses.
    pub fn update_group(
        &self,
        caller: &Caller,
        id: Uuid,
        name: &str,
        emails: &[String],
    ) -> Result<RecipientGroup, ServiceError> {
        let group = group(id, name, emails)?;
        self.save_group(caller, group, AuditAction::GroupUpdate)
    }

    fn save_group(
        &self,
        caller: &Caller,
        group: RecipientGroup,
        action: AuditAction,
    ) -> Result<RecipientGroup, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        let account = caller.account;
        self.write(|tx| {
            if action == AuditAction::GroupUpdate
                && !tx.groups(account)?.iter().any(|g| g.id == group.id)
            {
                return Err(ServiceError::NotFound { what: "group" });
            }
            tx.save_group(account, &group)
                .map_err(|error| match error {
                    StorageError::Conflict { .. } => ServiceError::conflict(
                        "name",
                        format!("a group named `{}` already exists", group.name),
                    ),
                    other => other.into(),
                })?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                action,
                group.id,
                json!({ "name": group.name, "emails": group.emails.len() }),
            )?;
            Ok(group)
        })
    }

    /// Deletes a recipient group.
    pub fn delete_group(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.write(|tx| {
            if !tx.delete_group(caller.account, id)? {
                return Err(ServiceError::NotFound { what: "group" });
            }
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::GroupDelete,
                id,
                json!({}),
            )
        })
    }
}
