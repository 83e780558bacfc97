//! Accounts (tenants) and their policy version.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_access::PolicyVersion;
use tessera_core::AccountId;

use crate::db::micros;
use crate::schema::accounts;
use crate::{DbConnection, StoreError};

pub use tessera_service::records::Account;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
struct AccountRow {
    id: String,
    name: String,
    policy_version: i64,
    created_at: chrono::NaiveDateTime,
    invitation_validity_days: i32,
    seat_limit: Option<i32>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> Result<Self, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            table: "accounts",
            detail,
        };
        Ok(Account {
            id: row.id.parse().map_err(|e| corrupt(format!("{e}")))?,
            name: row.name,
            policy_version: PolicyVersion(
                u64::try_from(row.policy_version).map_err(|e| corrupt(e.to_string()))?,
            ),
            created_at: row.created_at.and_utc(),
            invitation_validity_days: i64::from(row.invitation_validity_days),
            seat_limit: row
                .seat_limit
                .map(u32::try_from)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

/// Creates an account with policy version 0.
pub fn create(
    connection: &mut DbConnection,
    id: AccountId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Account, StoreError> {
    let row = AccountRow {
        id: id.to_string(),
        name: name.to_owned(),
        policy_version: 0,
        created_at: micros(now),
        invitation_validity_days: tessera_invitations::DEFAULT_VALIDITY_DAYS as i32,
        seat_limit: None,
    };
    diesel::insert_into(accounts::table)
        .values(&row)
        .execute(connection)?;
    row.try_into()
}

/// The account `id`.
pub fn get(connection: &mut DbConnection, id: AccountId) -> Result<Account, StoreError> {
    accounts::table
        .find(id.to_string())
        .select(AccountRow::as_select())
        .first(connection)?
        .try_into()
}

/// Every account, oldest first (*unscoped*: for the operator).
pub fn list(connection: &mut DbConnection) -> Result<Vec<Account>, StoreError> {
    accounts::table
        .order((accounts::created_at.asc(), accounts::id.asc()))
        .select(AccountRow::as_select())
        .load(connection)?
        .into_iter()
        .map(Account::try_from)
        .collect()
}

/// Replaces the account's name, invitation validity (the caller checks the 1–90 range) and
/// seat limit.
pub fn update_settings(
    connection: &mut DbConnection,
    id: AccountId,
    name: &str,
    invitation_validity_days: i64,
    seat_limit: Option<u32>,
) -> Result<(), StoreError> {
    let seat_limit =
        seat_limit
            .map(i32::try_from)
            .transpose()
            .map_err(|_| StoreError::Corrupt {
                table: "accounts",
                detail: "seat limit over i32".to_owned(),
            })?;
    let days = i32::try_from(invitation_validity_days).map_err(|_| StoreError::Corrupt {
        table: "accounts",
        detail: format!("invitation validity {invitation_validity_days}"),
    })?;
    let updated = diesel::update(accounts::table.find(id.to_string()))
        .set((
            accounts::name.eq(name),
            accounts::invitation_validity_days.eq(days),
            accounts::seat_limit.eq(seat_limit),
        ))
        .execute(connection)?;
    if updated == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The account's current policy version.
pub fn policy_version(
    connection: &mut DbConnection,
    id: AccountId,
) -> Result<PolicyVersion, StoreError> {
    let version: i64 = accounts::table
        .find(id.to_string())
        .select(accounts::policy_version)
        .first(connection)?;
    Ok(PolicyVersion(u64::try_from(version).unwrap_or_default()))
}

/// Bumps the account's policy version by one and returns the new version. Call it inside
/// the transaction that changes the policy.
pub fn bump_policy_version(
    connection: &mut DbConnection,
    id: AccountId,
) -> Result<PolicyVersion, StoreError> {
    let updated = diesel::update(accounts::table.find(id.to_string()))
        .set(accounts::policy_version.eq(accounts::policy_version + 1))
        .execute(connection)?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    policy_version(connection, id)
}

/// Locks the account's row for the rest of the write transaction and returns its seat limit:
/// seat-taking writes of one account run one after another (PostgreSQL's row lock; SQLite's
/// writer lock, taken by `begin_write`, already serializes them).
pub fn lock_seats(connection: &mut DbConnection, id: AccountId) -> Result<Option<u32>, StoreError> {
    let by_id = accounts::table
        .find(id.to_string())
        .select(accounts::seat_limit);
    let limit: Option<i32> = match connection {
        DbConnection::Postgresql(pg) => by_id.for_update().first(pg)?,
        DbConnection::Sqlite(sqlite) => by_id.first(sqlite)?,
    };
    limit
        .map(u32::try_from)
        .transpose()
        .map_err(|e| StoreError::Corrupt {
            table: "accounts",
            detail: e.to_string(),
        })
}

/// How many accounts exist (zero on a fresh database).
pub fn count(connection: &mut DbConnection) -> Result<i64, StoreError> {
    Ok(accounts::table.count().get_result(connection)?)
}

/// How many days the account's invitation links and codes stay valid (1 to 90; 14 unless
/// changed).
pub fn invitation_validity_days(
    connection: &mut DbConnection,
    id: AccountId,
) -> Result<i64, StoreError> {
    let days: i32 = accounts::table
        .find(id.to_string())
        .select(accounts::invitation_validity_days)
        .first(connection)?;
    Ok(i64::from(days))
}

/// Sets the account's invitation validity (the caller checks the 1–90 range).
pub fn set_invitation_validity_days(
    connection: &mut DbConnection,
    id: AccountId,
    days: i32,
) -> Result<(), StoreError> {
    let updated = diesel::update(accounts::table.find(id.to_string()))
        .set(accounts::invitation_validity_days.eq(days))
        .execute(connection)?;
    if updated == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
