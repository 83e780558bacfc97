//! The catalog of shareable items (workflows, tasks, wish lists) an embedding product
//! registers, and its recipient groups.

use diesel::prelude::*;
use tessera_core::{AccountId, Uuid};
use tessera_invitations::{Item, ItemKind};

use crate::db::micros;
use crate::db::per_backend;
use crate::schema::{items, recipient_group_members, recipient_groups, wish_list_entries};
use crate::{DbConnection, StoreError};

pub use tessera_service::records::{CatalogItem, RecipientGroup};

fn kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Workflow => "workflow",
        ItemKind::Task => "task",
        ItemKind::WishList => "wish_list",
    }
}

fn kind_of(name: &str) -> Result<ItemKind, StoreError> {
    match name {
        "workflow" => Ok(ItemKind::Workflow),
        "task" => Ok(ItemKind::Task),
        "wish_list" => Ok(ItemKind::WishList),
        other => Err(StoreError::Corrupt {
            table: "items",
            detail: format!("kind `{other}`"),
        }),
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = items)]
struct ItemRow {
    id: String,
    external_id: String,
    kind: String,
    title: String,
    description: String,
    business_domain: String,
    app: String,
    updated_at: chrono::NaiveDateTime,
}

fn parse_id(table: &'static str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt {
        table,
        detail: e.to_string(),
    })
}

/// Inserts or replaces the item with `item.external_id` (idempotent: the same call twice
/// leaves one row). The stored id is kept when the external id exists; returns it. A wish
/// list's entries are replaced in the same call (run it in a transaction with the others).
pub fn upsert(
    connection: &mut DbConnection,
    account: AccountId,
    item: &CatalogItem,
) -> Result<Uuid, StoreError> {
    let account_id = account.to_string();
    let existing: Option<String> = items::table
        .filter(items::account_id.eq(&account_id))
        .filter(items::external_id.eq(&item.external_id))
        .select(items::id)
        .first(connection)
        .optional()?;
    let updated_at = micros(item.updated_at);
    let id = match existing {
        Some(id) => {
            diesel::update(items::table.find((&account_id, &id)))
                .set((
                    items::kind.eq(kind_name(item.item.kind)),
                    items::title.eq(&item.item.title),
                    items::description.eq(&item.description),
                    items::business_domain.eq(&item.business_domain),
                    items::app.eq(&item.app),
                    items::updated_at.eq(updated_at),
                ))
                .execute(connection)?;
            parse_id("items", &id)?
        }
        None => {
            diesel::insert_into(items::table)
                .values((
                    items::account_id.eq(&account_id),
                    items::id.eq(item.item.id.to_string()),
                    items::external_id.eq(&item.external_id),
                    items::kind.eq(kind_name(item.item.kind)),
                    items::title.eq(&item.item.title),
                    items::description.eq(&item.description),
                    items::business_domain.eq(&item.business_domain),
                    items::app.eq(&item.app),
                    items::updated_at.eq(updated_at),
                ))
                .execute(connection)?;
            item.item.id
        }
    };
    let id_text = id.to_string();
    diesel::delete(
        wish_list_entries::table
            .filter(wish_list_entries::account_id.eq(&account_id))
            .filter(wish_list_entries::wish_list_id.eq(&id_text)),
    )
    .execute(connection)?;
    let entries: Vec<_> = item
        .item
        .entries
        .iter()
        .enumerate()
        .map(|(position, entry)| {
            (
                wish_list_entries::account_id.eq(account_id.clone()),
                wish_list_entries::wish_list_id.eq(id_text.clone()),
                wish_list_entries::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                wish_list_entries::item_id.eq(entry.to_string()),
            )
        })
        .collect();
    if !entries.is_empty() {
        per_backend!(connection, |c| diesel::insert_into(
            wish_list_entries::table
        )
        .values(&entries)
        .execute(c))?;
    }
    Ok(id)
}

fn entries_of(
    connection: &mut DbConnection,
    account_id: &str,
    id: &str,
) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<String> = wish_list_entries::table
        .filter(wish_list_entries::account_id.eq(account_id))
        .filter(wish_list_entries::wish_list_id.eq(id))
        .order(wish_list_entries::position.asc())
        .select(wish_list_entries::item_id)
        .load(connection)?;
    ids.iter()
        .map(|id| parse_id("wish_list_entries", id))
        .collect()
}

fn to_item(
    connection: &mut DbConnection,
    account_id: &str,
    row: ItemRow,
) -> Result<CatalogItem, StoreError> {
    let entries = if kind_of(&row.kind)? == ItemKind::WishList {
        entries_of(connection, account_id, &row.id)?
    } else {
        Vec::new()
    };
    with_entries(row, entries)
}

/// The item of `row` with its wish-list `entries` (empty for other kinds).
fn with_entries(row: ItemRow, entries: Vec<Uuid>) -> Result<CatalogItem, StoreError> {
    let kind = kind_of(&row.kind)?;
    let entries = if kind == ItemKind::WishList {
        entries
    } else {
        Vec::new()
    };
    Ok(CatalogItem {
        item: Item {
            id: parse_id("items", &row.id)?,
            kind,
            title: row.title,
            entries,
        },
        external_id: row.external_id,
        description: row.description,
        business_domain: row.business_domain,
        app: row.app,
        updated_at: row.updated_at.and_utc(),
    })
}

/// The item `id` of the account.
pub fn get(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<CatalogItem, StoreError> {
    let account_id = account.to_string();
    let row = items::table
        .find((&account_id, id.to_string()))
        .select(ItemRow::as_select())
        .first(connection)?;
    to_item(connection, &account_id, row)
}

/// Every item of the account, by kind then title.
pub fn list(
    connection: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<CatalogItem>, StoreError> {
    let account_id = account.to_string();
    let rows = items::table
        .filter(items::account_id.eq(&account_id))
        .order((items::kind.asc(), items::title.asc()))
        .select(ItemRow::as_select())
        .load(connection)?;
    // Every wish list's entries in one query, not one per wish list.
    let entry_rows: Vec<(String, String)> = wish_list_entries::table
        .filter(wish_list_entries::account_id.eq(&account_id))
        .order((
            wish_list_entries::wish_list_id.asc(),
            wish_list_entries::position.asc(),
        ))
        .select((wish_list_entries::wish_list_id, wish_list_entries::item_id))
        .load(connection)?;
    let mut entries: std::collections::HashMap<String, Vec<Uuid>> =
        std::collections::HashMap::new();
    for (wish_list, item) in entry_rows {
        entries
            .entry(wish_list)
            .or_default()
            .push(parse_id("wish_list_entries", &item)?);
    }
    rows.into_iter()
        .map(|row| {
            let listed = entries.remove(&row.id).unwrap_or_default();
            with_entries(row, listed)
        })
        .collect()
}

/// Creates or replaces a group (name and members). A taken name is [`StoreError::Conflict`].
pub fn save_group(
    connection: &mut DbConnection,
    account: AccountId,
    group: &RecipientGroup,
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let id = group.id.to_string();
    let updated = diesel::update(recipient_groups::table.find((&account_id, &id)))
        .set(recipient_groups::name.eq(&group.name))
        .execute(connection)?;
    if updated == 0 {
        diesel::insert_into(recipient_groups::table)
            .values((
                recipient_groups::account_id.eq(&account_id),
                recipient_groups::id.eq(&id),
                recipient_groups::name.eq(&group.name),
            ))
            .execute(connection)?;
    }
    diesel::delete(
        recipient_group_members::table
            .filter(recipient_group_members::account_id.eq(&account_id))
            .filter(recipient_group_members::group_id.eq(&id)),
    )
    .execute(connection)?;
    let members: Vec<_> = group
        .emails
        .iter()
        .map(|email| {
            (
                recipient_group_members::account_id.eq(account_id.clone()),
                recipient_group_members::group_id.eq(id.clone()),
                recipient_group_members::email.eq(email.clone()),
            )
        })
        .collect();
    if !members.is_empty() {
        per_backend!(connection, |c| diesel::insert_into(
            recipient_group_members::table
        )
        .values(&members)
        .execute(c))?;
    }
    Ok(())
}

/// The wish lists of the account that hold `item`.
pub fn wish_lists_with(
    connection: &mut DbConnection,
    account: AccountId,
    item: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<String> = wish_list_entries::table
        .filter(wish_list_entries::account_id.eq(account.to_string()))
        .filter(wish_list_entries::item_id.eq(item.to_string()))
        .select(wish_list_entries::wish_list_id)
        .distinct()
        .load(connection)?;
    ids.iter()
        .map(|id| parse_id("wish_list_entries", id))
        .collect()
}

/// Deletes an item (a wish list's entries go with it); [`StoreError::Referenced`] while a
/// share holds it, [`StoreError::NotFound`] when the account has no such item.
pub fn delete(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<(), StoreError> {
    let deleted = diesel::delete(items::table.find((account.to_string(), id.to_string())))
        .execute(connection)?;
    if deleted == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Every group of the account, by name.
pub fn groups(
    connection: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<RecipientGroup>, StoreError> {
    let account_id = account.to_string();
    let rows: Vec<(String, String)> = recipient_groups::table
        .filter(recipient_groups::account_id.eq(&account_id))
        .order(recipient_groups::name.asc())
        .select((recipient_groups::id, recipient_groups::name))
        .load(connection)?;
    rows.into_iter()
        .map(|(id, name)| {
            let emails: Vec<String> = recipient_group_members::table
                .filter(recipient_group_members::account_id.eq(&account_id))
                .filter(recipient_group_members::group_id.eq(&id))
                .order(recipient_group_members::email.asc())
                .select(recipient_group_members::email)
                .load(connection)?;
            Ok(RecipientGroup {
                id: parse_id("recipient_groups", &id)?,
                name,
                emails,
            })
        })
        .collect()
}

/// Deletes a group and its members.
pub fn delete_group(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<(), StoreError> {
    let deleted =
        diesel::delete(recipient_groups::table.find((account.to_string(), id.to_string())))
            .execute(connection)?;
    if deleted == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The item of the account registered under `external_id`, if any.
pub fn find_by_external_id(
    connection: &mut DbConnection,
    account: AccountId,
    external_id: &str,
) -> Result<Option<CatalogItem>, StoreError> {
    let account_id = account.to_string();
    let row = items::table
        .filter(items::account_id.eq(&account_id))
        .filter(items::external_id.eq(external_id))
        .select(ItemRow::as_select())
        .first(connection)
        .optional()?;
    row.map(|row| to_item(connection, &account_id, row))
        .transpose()
}
