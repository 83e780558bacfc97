//! Shares: the workflows a user shared with outsiders, in order.

use diesel::prelude::*;
use tessera_core::{AccountId, Uuid};

use crate::db::micros;
use crate::db::per_backend;
use crate::schema::{share_items, shares};
use crate::{DbConnection, StoreError};

pub use tessera_service::records::Share;

/// Inserts a share and its items.
pub fn insert_share(
    connection: &mut DbConnection,
    account: AccountId,
    share: &Share,
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let id = share.id.to_string();
    diesel::insert_into(shares::table)
        .values((
            shares::account_id.eq(&account_id),
            shares::id.eq(&id),
            shares::sender_user_id.eq(share.sender.to_string()),
            shares::message.eq(&share.message),
            shares::created_at.eq(micros(share.created_at)),
        ))
        .execute(connection)?;
    let rows: Vec<_> = share
        .items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            (
                share_items::account_id.eq(account_id.clone()),
                share_items::share_id.eq(id.clone()),
                share_items::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                share_items::item_id.eq(item.to_string()),
            )
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        per_backend!(connection, |c| diesel::insert_into(share_items::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// The share `id` of the account.
pub fn get_share(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<Share, StoreError> {
    let account_id = account.to_string();
    let (sender, message, created_at): (String, Option<String>, chrono::NaiveDateTime) =
        shares::table
            .find((&account_id, id.to_string()))
            .select((shares::sender_user_id, shares::message, shares::created_at))
            .first(connection)?;
    let items: Vec<String> = share_items::table
        .filter(share_items::account_id.eq(&account_id))
        .filter(share_items::share_id.eq(id.to_string()))
        .order(share_items::position.asc())
        .select(share_items::item_id)
        .load(connection)?;
    let corrupt = |detail: String| StoreError::Corrupt {
        table: "shares",
        detail,
    };
    Ok(Share {
        id,
        sender: sender
            .parse()
            .map_err(|e: tessera_core::IdParseError| corrupt(e.to_string()))?,
        message,
        items: items
            .iter()
            .map(|i| Uuid::parse_str(i).map_err(|e| corrupt(e.to_string())))
            .collect::<Result<_, _>>()?,
        created_at: created_at.and_utc(),
    })
}

/// The ids of the account's shares sent by `sender`.
pub fn share_ids_by_sender(
    connection: &mut DbConnection,
    account: AccountId,
    sender: tessera_core::UserId,
) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<String> = shares::table
        .filter(shares::account_id.eq(account.to_string()))
        .filter(shares::sender_user_id.eq(sender.to_string()))
        .select(shares::id)
        .load(connection)?;
    ids.iter()
        .map(|id| {
            Uuid::parse_str(id).map_err(|e| StoreError::Corrupt {
                table: "shares",
                detail: e.to_string(),
            })
        })
        .collect()
}

/// The ids of the account's shares that hold `item`.
pub fn shares_with_item(
    connection: &mut DbConnection,
    account: AccountId,
    item: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let mut ids: Vec<String> = share_items::table
        .filter(share_items::account_id.eq(account.to_string()))
        .filter(share_items::item_id.eq(item.to_string()))
        .select(share_items::share_id)
        .load(connection)?;
    ids.sort();
    ids.dedup();
    ids.iter()
        .map(|id| {
            Uuid::parse_str(id).map_err(|e| StoreError::Corrupt {
                table: "share_items",
                detail: e.to_string(),
            })
        })
        .collect()
}
