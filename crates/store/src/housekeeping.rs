//! Removing rows nothing reads any more: expired sessions (internal, external, portal) and
//! failure counters older than every limit's window. Housekeeping across accounts, like the
//! outbox sender; the server runs it periodically.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::micros;
use crate::schema::{external_sessions, sessions, sign_in_failures, verification_failures};
use crate::{DbConnection, StoreError};

pub use tessera_service::records::Pruned;

/// Deletes sessions expired at `now` and failure records older than `failures_before`
/// (which must lie before every rate limit's window), in one transaction.
pub fn prune(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    failures_before: DateTime<Utc>,
) -> Result<Pruned, StoreError> {
    let now = micros(now);
    let cut = micros(failures_before);
    connection.transaction(|tx| {
        Ok(Pruned {
            sessions: diesel::delete(sessions::table.filter(sessions::expires_at.le(now)))
                .execute(tx)?,
            external_sessions: diesel::delete(
                external_sessions::table.filter(external_sessions::expires_at.le(now)),
            )
            .execute(tx)?,
            contact_sessions: crate::contacts::prune_sessions(tx, now.and_utc())?,
            verification_failures: diesel::delete(
                verification_failures::table.filter(verification_failures::occurred_at.lt(cut)),
            )
            .execute(tx)?,
            sign_in_failures: diesel::delete(
                sign_in_failures::table.filter(sign_in_failures::occurred_at.lt(cut)),
            )
            .execute(tx)?,
        })
    })
}
