//! Sign-in sessions. The caller draws the secret and hashes it (SHA-256, hex); storage only
//! ever sees the hash, so a leaked table does not sign anyone in.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, UserId};

use crate::db::micros;
use crate::schema::sessions;
use crate::{DbConnection, StoreError};

pub use tessera_service::records::Session;

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
