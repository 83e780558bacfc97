//! Named API tokens of a user. As with sessions, the caller hashes the secret (SHA-256,
//! hex) and storage only ever sees the hash.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, UserId, Uuid};

use crate::db::micros;
use crate::schema::api_tokens;
use crate::{DbConnection, StoreError};

pub use tessera_service::records::ApiToken;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
struct ApiTokenRow {
    account_id: String,
    id: String,
    user_id: String,
    name: String,
    token_hash: String,
    created_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

fn corrupt(detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table: "api_tokens",
        detail: detail.to_string(),
    }
}

impl TryFrom<ApiTokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(row: ApiTokenRow) -> Result<Self, StoreError> {
        Ok(ApiToken {
            id: Uuid::parse_str(&row.id).map_err(corrupt)?,
            account: row.account_id.parse().map_err(corrupt)?,
            user: row.user_id.parse().map_err(corrupt)?,
            name: row.name,
            token_hash: row.token_hash,
            created_at: row.created_at.and_utc(),
            expires_at: row.expires_at.and_utc(),
        })
    }
}

/// Inserts `token` into its own account (`token.account`: a token is made for a user of an
/// account, so the account travels with it); its times are kept to the microsecond. A
/// taken id or hash is [`StoreError::Conflict`]; a user not in the account is
/// [`StoreError::Referenced`].
pub fn insert(connection: &mut DbConnection, token: &ApiToken) -> Result<(), StoreError> {
    let row = ApiTokenRow {
        account_id: token.account.to_string(),
        id: token.id.to_string(),
        user_id: token.user.to_string(),
        name: token.name.clone(),
        token_hash: token.token_hash.clone(),
        created_at: micros(token.created_at),
        expires_at: micros(token.expires_at),
    };
    diesel::insert_into(api_tokens::table)
        .values(&row)
        .execute(connection)?;
    Ok(())
}

/// The token with this hash if it is still valid at `now` (`expires_at > now`).
///
/// This is the one lookup that takes no account: a request presents only its secret, and
/// the token found is how the request learns its account. Every later call uses that
/// account.
pub fn find_valid(
    connection: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApiToken>, StoreError> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::expires_at.gt(micros(now)))
        .select(ApiTokenRow::as_select())
        .first(connection)
        .optional()?
        .map(ApiToken::try_from)
        .transpose()
}

/// Every token of the account's user `user`, expired ones included, oldest first.
pub fn list_for_user(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<Vec<ApiToken>, StoreError> {
    api_tokens::table
        .filter(api_tokens::account_id.eq(account.to_string()))
        .filter(api_tokens::user_id.eq(user.to_string()))
        .order((api_tokens::created_at.asc(), api_tokens::id.asc()))
        .select(ApiTokenRow::as_select())
        .load(connection)?
        .into_iter()
        .map(ApiToken::try_from)
        .collect()
}

/// Deletes (revokes) the token `id` of the account's user `user`; returns whether there was
/// one (another user's token is left alone).
pub fn delete(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        api_tokens::table
            .find((account.to_string(), id.to_string()))
            .filter(api_tokens::user_id.eq(user.to_string())),
    )
    .execute(connection)?;
    Ok(deleted > 0)
}

/// Deletes every token of the account's user `user`; returns how many there were.
pub fn delete_for_user(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        api_tokens::table
            .filter(api_tokens::account_id.eq(account.to_string()))
            .filter(api_tokens::user_id.eq(user.to_string())),
    )
    .execute(connection)?)
}
