//! Sign-in sessions. The caller draws the secret and hashes it (SHA-256, hex); storage only
//! ever sees the hash, so a leaked table does not sign anyone in.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, UserId};

use crate::db::micros;
use crate::schema::sessions;
use crate::{DbConnection, StoreError};

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 (hex) of the session secret; unique across all accounts.
    pub token_hash: String,
    /// The account the session signs in to.
    pub account: AccountId,
    /// The signed-in user.
    pub user: UserId,
    /// When the session began (microsecond precision, as both backends keep it).
    pub created_at: DateTime<Utc>,
    /// The first instant the session is no longer valid.
    pub expires_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    token_hash: String,
    account_id: String,
    user_id: String,
    created_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;

    fn try_from(row: SessionRow) -> Result<Self, StoreError> {
        let corrupt = |e: tessera_core::IdParseError| StoreError::Corrupt {
            table: "sessions",
            detail: e.to_string(),
        };
        Ok(Session {
            token_hash: row.token_hash,
            account: row.account_id.parse().map_err(corrupt)?,
            user: row.user_id.parse().map_err(corrupt)?,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.and_utc(),
        })
    }
}

/// Inserts `session` into its own account (`session.account`: a session is created for a
/// user of an account, so the account travels with it); its times are kept to the
/// microsecond. A hash already in use is [`StoreError::Conflict`]; a user not in the
/// account is [`StoreError::Referenced`].
pub fn insert(connection: &mut DbConnection, session: &Session) -> Result<(), StoreError> {
    let row = SessionRow {
        token_hash: session.token_hash.clone(),
        account_id: session.account.to_string(),
        user_id: session.user.to_string(),
        created_at: micros(session.created_at),
        expires_at: micros(session.expires_at),
    };
    diesel::insert_into(sessions::table)
        .values(&row)
        .execute(connection)?;
    Ok(())
}

/// The session with this hash if it is still valid at `now` (`expires_at > now`).
///
/// This is the one lookup that takes no account: a request presents only its secret, and
/// the session found is how the request learns its account. Every later call uses that
/// account.
pub fn find_valid(
    connection: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, StoreError> {
    sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(micros(now)))
        .select(SessionRow::as_select())
        .first(connection)
        .optional()?
        .map(Session::try_from)
        .transpose()
}

/// Deletes the account's session with this hash (signing out); returns whether there was
/// one.
pub fn delete(
    connection: &mut DbConnection,
    account: AccountId,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        sessions::table
            .filter(sessions::account_id.eq(account.to_string()))
            .filter(sessions::token_hash.eq(token_hash)),
    )
    .execute(connection)?;
    Ok(deleted > 0)
}

/// Deletes every session of the account's user `user` (signing them out everywhere);
/// returns how many there were.
pub fn delete_for_user(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        sessions::table
            .filter(sessions::account_id.eq(account.to_string()))
            .filter(sessions::user_id.eq(user.to_string())),
    )
    .execute(connection)?)
}

/// Deletes every session of the account's user `user` but the one whose hash is `keep`
/// (after a password change: other devices are signed out); returns how many.
pub fn delete_for_user_except(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
    keep: Option<&str>,
) -> Result<usize, StoreError> {
    let Some(keep) = keep else {
        return delete_for_user(connection, account, user);
    };
    Ok(diesel::delete(
        sessions::table
            .filter(sessions::account_id.eq(account.to_string()))
            .filter(sessions::user_id.eq(user.to_string()))
            .filter(sessions::token_hash.ne(keep)),
    )
    .execute(connection)?)
}

/// Housekeeping: deletes the sessions of every account that are no longer valid at `now`
/// (`expires_at <= now`); returns how many. It takes no account because it serves none:
/// it only removes what [`find_valid`] already refuses.
pub fn delete_expired(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::expires_at.le(micros(now))))
            .execute(connection)?,
    )
}

/// Records a failed sign-in for `email` (as typed, normalized; whether or not a user has it)
/// from `client_addr`.
pub fn record_sign_in_failure(
    connection: &mut DbConnection,
    id: tessera_core::Uuid,
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
