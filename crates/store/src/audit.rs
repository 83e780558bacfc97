//! The audit log of an account: append and read back, newest first. Storage keeps each
//! event as given; `detail` is JSON text it never looks into.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, AuditAction, Uuid};

use crate::db::micros;
use crate::schema::audit_events;
use crate::{DbConnection, StoreError};

pub use tessera_core::AuditEvent;
pub use tessera_service::records::AuditFilter;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
struct AuditEventRow {
    account_id: String,
    id: String,
    occurred_at: chrono::NaiveDateTime,
    actor_user_id: Option<String>,
    action: String,
    target: Option<String>,
    detail: String,
    client_addr: Option<String>,
}

fn corrupt(detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table: "audit_events",
        detail: detail.to_string(),
    }
}

impl TryFrom<AuditEventRow> for AuditEvent {
    type Error = StoreError;

    fn try_from(row: AuditEventRow) -> Result<Self, StoreError> {
        Ok(AuditEvent {
            id: Uuid::parse_str(&row.id).map_err(corrupt)?,
            account: row.account_id.parse().map_err(corrupt)?,
            occurred_at: row.occurred_at.and_utc(),
            actor: row
                .actor_user_id
                .map(|actor| actor.parse())
                .transpose()
                .map_err(corrupt)?,
            action: AuditAction::parse(&row.action)
                .ok_or_else(|| corrupt(format!("action `{}`", row.action)))?,
            target: row.target,
            detail: row.detail,
            client_addr: row.client_addr,
        })
    }
}

/// Appends `event` to its own account's log (`event.account`: the event records where it
/// happened, so the account travels with it); `occurred_at` is kept to the microsecond. A
/// taken id is [`StoreError::Conflict`]; an account that does not exist is
/// [`StoreError::Referenced`].
pub fn insert(connection: &mut DbConnection, event: &AuditEvent) -> Result<(), StoreError> {
    let row = AuditEventRow {
        account_id: event.account.to_string(),
        id: event.id.to_string(),
        occurred_at: micros(event.occurred_at),
        actor_user_id: event.actor.map(|actor| actor.to_string()),
        action: event.action.as_str().to_owned(),
        target: event.target.clone(),
        detail: event.detail.clone(),
        client_addr: event.client_addr.clone(),
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(connection)?;
    Ok(())
}

/// The account's events, newest first (by `occurred_at`, then by id), at most `limit` of
/// them (a negative limit is 0); with `since`, only those that occurred at or after it.
pub fn list(
    connection: &mut DbConnection,
    account: AccountId,
    since: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    let filter = AuditFilter {
        since,
        ..AuditFilter::default()
    };
    page(connection, account, &filter, limit)
}

/// The account's events matching `filter`, newest first (by time, then by id), at most
/// `limit` (a negative limit is 0).
pub fn page(
    connection: &mut DbConnection,
    account: AccountId,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut query = audit_events::table
        .filter(audit_events::account_id.eq(account.to_string()))
        .into_boxed();
    if let Some(actor) = filter.actor {
        query = query.filter(audit_events::actor_user_id.eq(actor.to_string()));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_events::action.eq(action.as_str()));
    }
    if let Some(target) = &filter.target {
        query = query.filter(audit_events::target.eq(target.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_events::occurred_at.ge(micros(since)));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::occurred_at.lt(micros(until)));
    }
    if let Some((at, id)) = filter.before {
        let at = micros(at);
        query = query.filter(
            audit_events::occurred_at
                .lt(at)
                .or(audit_events::occurred_at
                    .eq(at)
                    .and(audit_events::id.lt(id.to_string()))),
        );
    }
    query
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .limit(limit.max(0))
        .select(AuditEventRow::as_select())
        .load(connection)?
        .into_iter()
        .map(AuditEvent::try_from)
        .collect()
}
