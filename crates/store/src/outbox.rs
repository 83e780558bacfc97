//! The e-mail outbox: messages written in the transaction of the change that caused them,
//! claimed by a sender, settled with their outcome. Each message's kind is stored by name with
//! its data as JSON; its `Message-ID` is fixed at creation, so a retry reuses it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, Uuid};

use crate::db::micros;
use crate::db::per_backend;
use crate::schema::outbox;
use crate::{DbConnection, StoreError};

pub use tessera_service::records::{
    Claimed, DeliveryOutcome, MessageKind, OutboxEntry, OutboxMessage, OutboxState,
};

fn corrupt(detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table: "outbox",
        detail: detail.to_string(),
    }
}

/// Writes messages to the outbox (in the transaction of the change that causes them).
pub fn enqueue(
    connection: &mut DbConnection,
    messages: &[OutboxMessage],
) -> Result<(), StoreError> {
    let rows: Vec<_> = messages
        .iter()
        .map(|m| {
            (
                outbox::account_id.eq(m.account.to_string()),
                outbox::id.eq(m.id.to_string()),
                outbox::message_id.eq(m.message_id.clone()),
                outbox::invitation_id.eq(m.kind.invitation().map(|i| i.to_string())),
                outbox::recipient.eq(m.recipient.clone()),
                outbox::locale.eq(m.locale.clone()),
                outbox::template.eq(m.kind.name()),
                outbox::payload.eq(m.kind.to_payload()),
                outbox::state.eq(OutboxState::Pending.as_str()),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(micros(m.created_at)),
                outbox::created_at.eq(micros(m.created_at)),
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        per_backend!(connection, |c| diesel::insert_into(outbox::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct OutboxRow {
    account_id: String,
    id: String,
    message_id: String,
    recipient: String,
    locale: String,
    template: String,
    payload: String,
    attempts: i32,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<&OutboxRow> for OutboxMessage {
    type Error = StoreError;

    fn try_from(row: &OutboxRow) -> Result<Self, StoreError> {
        let kind = MessageKind::from_payload(&row.payload).map_err(corrupt)?;
        if kind.name() != row.template {
            return Err(corrupt(format!(
                "kind `{}` stored as `{}`",
                kind.name(),
                row.template
            )));
        }
        Ok(OutboxMessage {
            id: Uuid::parse_str(&row.id).map_err(corrupt)?,
            account: row
                .account_id
                .parse()
                .map_err(|e: tessera_core::IdParseError| corrupt(e))?,
            message_id: row.message_id.clone(),
            kind,
            recipient: row.recipient.clone(),
            locale: row.locale.clone(),
            attempts: row.attempts,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Claims up to `limit` messages due at `now`: pending ones whose next attempt has come, and
/// ones left `sending` for longer than `stale_after` (a sender that crashed mid-delivery —
/// they go out again with the same `Message-ID`). Claimed messages are marked `sending` with
/// one more attempt; a due row that cannot be read back is marked `failed` with the reason
/// and reported in [`Claimed::unreadable`]. Across accounts, like the sender loop it serves.
pub fn claim_due(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    stale_after: chrono::Duration,
    limit: i64,
) -> Result<Claimed, StoreError> {
    connection.transaction(|tx| {
        crate::begin_write(tx)?;
        let pending = OutboxState::Pending.as_str();
        let sending = OutboxState::Sending.as_str();
        let due: Vec<OutboxRow> = outbox::table
            .filter(
                outbox::state
                    .eq(pending)
                    .and(outbox::next_attempt_at.le(micros(now)))
                    .or(outbox::state
                        .eq(sending)
                        .and(outbox::next_attempt_at.le(micros(now - stale_after)))),
            )
            .order(outbox::next_attempt_at.asc())
            .limit(limit)
            .select(OutboxRow::as_select())
            .load(tx)?;
        let mut claimed = Claimed::default();
        for row in due {
            let key = outbox::table.find((&row.account_id, &row.id));
            let message = match OutboxMessage::try_from(&row) {
                Ok(message) => message,
                Err(error) => {
                    diesel::update(key)
                        .set((
                            outbox::state.eq(OutboxState::Failed.as_str()),
                            outbox::last_error.eq(Some(error.to_string())),
                        ))
                        .execute(tx)?;
                    claimed.unreadable.push(format!(
                        "{} of account {}: {error}",
                        row.message_id, row.account_id
                    ));
                    continue;
                }
            };
            let updated = diesel::update(key)
                .filter(outbox::state.eq_any([pending, sending]))
                .set((
                    outbox::state.eq(sending),
                    outbox::attempts.eq(outbox::attempts + 1),
                    outbox::next_attempt_at.eq(micros(now)),
                ))
                .execute(tx)?;
            if updated == 1 {
                claimed.messages.push(OutboxMessage {
                    attempts: message.attempts + 1,
                    ..message
                });
            }
        }
        Ok(claimed)
    })
}

/// Stores the outcome of delivering `message`.
pub fn record_outcome(
    connection: &mut DbConnection,
    message: &OutboxMessage,
    outcome: &DeliveryOutcome,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = outbox::table.find((message.account.to_string(), message.id.to_string()));
    let state = outcome.state().as_str();
    let updated = match outcome {
        DeliveryOutcome::Sent => diesel::update(row)
            .set((
                outbox::state.eq(state),
                outbox::sent_at.eq(Some(micros(now))),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(connection)?,
        DeliveryOutcome::RetryAt(at, reason) => diesel::update(row)
            .set((
                outbox::state.eq(state),
                outbox::next_attempt_at.eq(micros(*at)),
                outbox::last_error.eq(Some(reason.clone())),
            ))
            .execute(connection)?,
        DeliveryOutcome::Bounced(reason) | DeliveryOutcome::Failed(reason) => diesel::update(row)
            .set((
                outbox::state.eq(state),
                outbox::last_error.eq(Some(reason.clone())),
            ))
            .execute(connection)?,
    };
    if updated == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Returns claimed messages that were never attempted to `pending`, due at `now`, with the
/// attempt their claim counted taken back.
pub fn release_claims(
    connection: &mut DbConnection,
    messages: &[OutboxMessage],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for message in messages {
        diesel::update(outbox::table.find((message.account.to_string(), message.id.to_string())))
            .filter(outbox::state.eq(OutboxState::Sending.as_str()))
            .set((
                outbox::state.eq(OutboxState::Pending.as_str()),
                outbox::attempts.eq(outbox::attempts - 1),
                outbox::next_attempt_at.eq(micros(now)),
            ))
            .execute(connection)?;
    }
    Ok(())
}

/// The account's outbox, oldest first.
pub fn outbox_entries(
    connection: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let rows: Vec<(String, String, Option<String>, String, i32)> = outbox::table
        .filter(outbox::account_id.eq(account.to_string()))
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .select((
            outbox::message_id,
            outbox::template,
            outbox::invitation_id,
            outbox::state,
            outbox::attempts,
        ))
        .load(connection)?;
    rows.into_iter()
        .map(|(message_id, kind, invitation, state, attempts)| {
            Ok(OutboxEntry {
                message_id,
                kind,
                invitation: invitation
                    .map(|i| Uuid::parse_str(&i))
                    .transpose()
                    .map_err(corrupt)?,
                state: OutboxState::parse(&state)
                    .ok_or_else(|| corrupt(format!("state `{state}`")))?,
                attempts,
            })
        })
        .collect()
}
