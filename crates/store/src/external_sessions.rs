//! External sessions: what an invitation's link or code opened, stored as the hash of the
//! session's secret.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, Uuid};

use crate::db::micros;
use crate::invitations::{StoredInvitation, get_invitation};
use crate::{DbConnection, StoreError};

/// Ends every external session opened with the invitation (after a revoke or a resend).
pub fn end_external_sessions(
    connection: &mut DbConnection,
    account: AccountId,
    invitation: Uuid,
) -> Result<usize, StoreError> {
    use crate::schema::external_sessions;
    Ok(diesel::delete(
        external_sessions::table
            .filter(external_sessions::account_id.eq(account.to_string()))
            .filter(external_sessions::invitation_id.eq(invitation.to_string())),
    )
    .execute(connection)?)
}

/// Opens an external session for an invitation (the caller hashes the session secret).
pub fn insert_external_session(
    connection: &mut DbConnection,
    account: AccountId,
    invitation: Uuid,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    use crate::schema::external_sessions;
    diesel::insert_into(external_sessions::table)
        .values((
            external_sessions::token_hash.eq(token_hash),
            external_sessions::account_id.eq(account.to_string()),
            external_sessions::invitation_id.eq(invitation.to_string()),
            external_sessions::created_at.eq(micros(now)),
            external_sessions::expires_at.eq(micros(expires_at)),
        ))
        .execute(connection)?;
    Ok(())
}

/// The invitation behind a valid external session, in any account (unscoped: the session
/// cookie is how an outsider's request finds its account).
pub fn find_external_session(
    connection: &mut DbConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredInvitation>, StoreError> {
    use crate::schema::external_sessions;
    let found: Option<(String, String)> = external_sessions::table
        .filter(external_sessions::token_hash.eq(token_hash))
        .filter(external_sessions::expires_at.gt(micros(now)))
        .select((
            external_sessions::account_id,
            external_sessions::invitation_id,
        ))
        .first(connection)
        .optional()?;
    let Some((account, invitation)) = found else {
        return Ok(None);
    };
    let corrupt = |detail: String| StoreError::Corrupt {
        table: "external_sessions",
        detail,
    };
    let account: AccountId = account
        .parse()
        .map_err(|e: tessera_core::IdParseError| corrupt(e.to_string()))?;
    let invitation = Uuid::parse_str(&invitation).map_err(|e| corrupt(e.to_string()))?;
    get_invitation(connection, account, invitation).map(Some)
}
