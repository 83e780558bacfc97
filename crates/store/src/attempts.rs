//! Failed attempts, counted for rate limits: code verifications on the external site, and
//! sign-ins. Rows older than every limit's window are removed by housekeeping.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, Uuid};

use crate::db::micros;
use crate::{DbConnection, StoreError};

/// Records a failed verification (for rate limits): the account whose invitation the
/// attempt touched (`None` for an unknown address) and the client address.
pub fn record_verification_failure(
    connection: &mut DbConnection,
    id: Uuid,
    account: Option<AccountId>,
    client_addr: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::schema::verification_failures;
    diesel::insert_into(verification_failures::table)
        .values((
            verification_failures::id.eq(id.to_string()),
            verification_failures::account_id.eq(account.map(|a| a.to_string())),
            verification_failures::client_addr.eq(client_addr),
            verification_failures::occurred_at.eq(micros(now)),
        ))
        .execute(connection)?;
    Ok(())
}

/// Failed verifications since `since`: from `client_addr` (in any account), and against
/// each of `accounts` (from anywhere), in that order — one round trip for the address and
/// the first account, one more per further account.
pub fn verification_failure_counts(
    connection: &mut DbConnection,
    client_addr: &str,
    accounts: &[AccountId],
    since: DateTime<Utc>,
) -> Result<(i64, Vec<i64>), StoreError> {
    use crate::schema::verification_failures as failures;
    use diesel::dsl::count_star;
    let since = micros(since);
    let from_addr = || {
        failures::table
            .filter(failures::client_addr.eq(client_addr))
            .filter(failures::occurred_at.ge(since))
            .select(count_star())
            .single_value()
    };
    let in_account = |account: &AccountId| {
        failures::table
            .filter(failures::account_id.eq(account.to_string()))
            .filter(failures::occurred_at.ge(since))
            .select(count_star())
            .single_value()
    };
    // The usual case — an address invited by one account — is one round trip.
    let (by_addr, first): (Option<i64>, Option<i64>) = match accounts.first() {
        Some(account) => {
            diesel::select((from_addr(), in_account(account))).get_result(connection)?
        }
        None => (diesel::select(from_addr()).get_result(connection)?, None),
    };
    let mut by_account = Vec::with_capacity(accounts.len());
    if !accounts.is_empty() {
        by_account.push(first.unwrap_or_default());
    }
    for account in accounts.iter().skip(1) {
        let count: Option<i64> = diesel::select(in_account(account)).get_result(connection)?;
        by_account.push(count.unwrap_or_default());
    }
    Ok((by_addr.unwrap_or_default(), by_account))
}

/// Records a failed sign-in for `email` (as typed, normalized; whether or not a user has it)
/// from `client_addr`.
pub fn record_sign_in_failure(
    connection: &mut DbConnection,
    id: Uuid,
    email: &str,
    client_addr: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::schema::sign_in_failures;
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::id.eq(id.to_string()),
            sign_in_failures::email.eq(email),
            sign_in_failures::client_addr.eq(client_addr),
            sign_in_failures::occurred_at.eq(micros(now)),
        ))
        .execute(connection)?;
    Ok(())
}

/// Failed sign-ins for `email` since `email_since` and from `client_addr` since
/// `addr_since`, in one query.
pub fn sign_in_failures(
    connection: &mut DbConnection,
    email: &str,
    email_since: DateTime<Utc>,
    client_addr: &str,
    addr_since: DateTime<Utc>,
) -> Result<(i64, i64), StoreError> {
    use crate::schema::sign_in_failures as failures;
    use diesel::dsl::count_star;
    let for_email = failures::table
        .filter(failures::email.eq(email))
        .filter(failures::occurred_at.ge(micros(email_since)))
        .select(count_star())
        .single_value();
    let from_addr = failures::table
        .filter(failures::client_addr.eq(client_addr))
        .filter(failures::occurred_at.ge(micros(addr_since)))
        .select(count_star())
        .single_value();
    let (for_email, from_addr): (Option<i64>, Option<i64>) =
        diesel::select((for_email, from_addr)).get_result(connection)?;
    Ok((for_email.unwrap_or_default(), from_addr.unwrap_or_default()))
}

/// Removes a recorded sign-in attempt (it turned out to be the right password).
pub fn forget_sign_in_failure(connection: &mut DbConnection, id: Uuid) -> Result<(), StoreError> {
    use crate::schema::sign_in_failures;
    diesel::delete(sign_in_failures::table.find(id.to_string())).execute(connection)?;
    Ok(())
}

/// Serializes sign-in attempts for `email` and from `client_addr` until the transaction
/// ends. PostgreSQL takes two transaction-scoped advisory locks, always the e-mail's first
/// (so two attempts can never wait on each other in a cycle); SQLite's writer lock, taken
/// by [`crate::begin_write`], already covers the whole database.
pub fn lock_sign_in(
    connection: &mut DbConnection,
    email: &str,
    client_addr: &str,
) -> Result<(), StoreError> {
    if let DbConnection::Postgresql(pg) = connection {
        use diesel::sql_types::Text;
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(1, hashtext($1)), pg_advisory_xact_lock(2, hashtext($2))",
        )
        .bind::<Text, _>(email)
        .bind::<Text, _>(client_addr)
        .execute(pg)?;
    }
    Ok(())
}
