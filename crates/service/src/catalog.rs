//! The catalog of shareable items the embedding product registers (`workspace: write` to
//! register, `read` to list), and the account's recipient groups (`workspace: read`).

use serde_json::json;
use tessera_access::{Level, WORKSPACE};
use tessera_core::{AuditAction, Uuid};
use tessera_invitations::{Item, ItemKind};

use crate::records::{CatalogItem, RecipientGroup};
use crate::{Actor, Caller, ServiceError, StorageError, Tessera, random_uuid};

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

/// Requires 1 to `max` characters (after trimming) in `field`.
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), ServiceError> {
    let chars = value.trim().chars().count();
    if chars == 0 || chars > max {
        return Err(ServiceError::invalid(
            field,
            format!("`{field}` has 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// A group's name checked and its addresses normalized, de-duplicated and sorted.
fn group(id: Uuid, name: &str, emails: &[String]) -> Result<RecipientGroup, ServiceError> {
    check_text("name", name, MAX_TEXT_CHARS)?;
    let mut normalized = Vec::with_capacity(emails.len());
    for (index, email) in emails.iter().enumerate() {
        normalized.push(crate::normalize_email(&format!("emails[{index}]"), email)?);
    }
    normalized.sort();
    normalized.dedup();
    Ok(RecipientGroup {
        id,
        name: name.trim().to_owned(),
        emails: normalized,
    })
}

impl Tessera {
    /// Registers or replaces an item by the product's id (idempotent).
    pub fn put_item(
        &self,
        caller: &Caller,
        external_id: &str,
        input: ItemInput,
    ) -> Result<CatalogItem, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Write)?;
        check_text("external_id", external_id, MAX_TEXT_CHARS)?;
        check_text("title", &input.title, MAX_TEXT_CHARS)?;
        if input.kind != ItemKind::WishList && !input.entries.is_empty() {
            return Err(ServiceError::invalid(
                "entries",
                "only a wish list has entries",
            ));
        }
        let account = caller.account;
        let now = self.now();
        self.write(|tx| {
            let mut entries = Vec::with_capacity(input.entries.len());
            for (index, entry) in input.entries.iter().enumerate() {
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
                entries.push(found.item.id);
            }
            let item = CatalogItem {
                item: Item {
                    id: random_uuid(),
                    kind: input.kind,
                    title: input.title.trim().to_owned(),
                    entries,
                },
                external_id: external_id.to_owned(),
                description: input.description,
                business_domain: input.business_domain,
                app: input.app,
                updated_at: now,
            };
            let id = tx.upsert_item(account, &item)?;
            self.audit(
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
            self.audit(
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
            self.audit(
                tx,
                &Actor::caller(caller),
                AuditAction::GroupDelete,
                id,
                json!({}),
            )
        })
    }
}
