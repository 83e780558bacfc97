//! Invitations: one per recipient of a share, with the HMAC tags of its link and code.
//!
//! Two lookups are not scoped by account, because they are how an outsider's request finds
//! its account: an invitation by the HMAC of its link token, and invitations by recipient
//! e-mail (for a typed code). Everything else takes the account first.

use diesel::prelude::*;
use tessera_core::{AccountId, Uuid};
use tessera_invitations::{Invitation, InvitationState};

use crate::db::per_backend;
use crate::db::{hex, micros};
use crate::schema::invitations;
use crate::{DbConnection, StoreError};

pub use tessera_service::records::{InvitationFilter, StoredInvitation};

fn unhex<const N: usize>(text: &str) -> Result<[u8; N], StoreError> {
    crate::db::unhex("invitations", text)
}

fn state_name(state: InvitationState) -> Result<&'static str, StoreError> {
    match state {
        InvitationState::Expired => Err(StoreError::Corrupt {
            table: "invitations",
            detail: "`expired` is read from the clock, never stored".into(),
        }),
        other => Ok(other.as_str()),
    }
}

fn state_of(name: &str) -> Result<InvitationState, StoreError> {
    Ok(match name {
        "pending" => InvitationState::Pending,
        "sent" => InvitationState::Sent,
        "delivered" => InvitationState::Delivered,
        "opened" => InvitationState::Opened,
        "verified" => InvitationState::Verified,
        "revoked" => InvitationState::Revoked,
        "bounced" => InvitationState::Bounced,
        other => {
            return Err(StoreError::Corrupt {
                table: "invitations",
                detail: format!("state `{other}`"),
            });
        }
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = invitations)]
struct InvitationRow {
    account_id: String,
    id: String,
    share_id: String,
    recipient: String,
    state: String,
    issued_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
    link_tag: String,
    nonce: String,
    code_tag: String,
    code_failures: i32,
    locale: String,
}

impl TryFrom<InvitationRow> for StoredInvitation {
    type Error = StoreError;

    fn try_from(row: InvitationRow) -> Result<Self, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            table: "invitations",
            detail,
        };
        let id = Uuid::parse_str(&row.id).map_err(|e| corrupt(e.to_string()))?;
        Ok(StoredInvitation {
            account: row
                .account_id
                .parse()
                .map_err(|e: tessera_core::IdParseError| corrupt(e.to_string()))?,
            share: Uuid::parse_str(&row.share_id).map_err(|e| corrupt(e.to_string()))?,
            invitation: Invitation {
                id: *id.as_bytes(),
                nonce: unhex(&row.nonce)?,
                recipient: row.recipient,
                state: state_of(&row.state)?,
                issued_at: row.issued_at.and_utc(),
                expires_at: row.expires_at.and_utc(),
                link_tag: unhex(&row.link_tag)?,
                code_tag: unhex(&row.code_tag)?,
                code_failures: u8::try_from(row.code_failures).unwrap_or(u8::MAX),
            },
            locale: row.locale,
        })
    }
}

/// Inserts invitations of a share (one per recipient; a recipient twice is a conflict).
pub fn insert_invitations(
    connection: &mut DbConnection,
    account: AccountId,
    share: Uuid,
    locale: &str,
    list: &[Invitation],
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let rows = list
        .iter()
        .map(|inv| {
            Ok((
                invitations::account_id.eq(account_id.clone()),
                invitations::id.eq(Uuid::from_bytes(inv.id).to_string()),
                invitations::share_id.eq(share.to_string()),
                invitations::recipient.eq(inv.recipient.clone()),
                invitations::state.eq(state_name(inv.state)?),
                invitations::issued_at.eq(micros(inv.issued_at)),
                invitations::expires_at.eq(micros(inv.expires_at)),
                invitations::link_tag.eq(hex(&inv.link_tag)),
                invitations::nonce.eq(hex(&inv.nonce)),
                invitations::code_tag.eq(hex(&inv.code_tag)),
                invitations::code_failures.eq(i32::from(inv.code_failures)),
                invitations::locale.eq(locale.to_owned()),
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    for chunk in rows.chunks(500) {
        per_backend!(connection, |c| diesel::insert_into(invitations::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Writes back an invitation's state, secrets, times and failure count.
pub fn update_invitation(
    connection: &mut DbConnection,
    account: AccountId,
    inv: &Invitation,
) -> Result<(), StoreError> {
    let updated = diesel::update(
        invitations::table.find((account.to_string(), Uuid::from_bytes(inv.id).to_string())),
    )
    .set((
        invitations::state.eq(state_name(inv.state)?),
        invitations::issued_at.eq(micros(inv.issued_at)),
        invitations::expires_at.eq(micros(inv.expires_at)),
        invitations::link_tag.eq(hex(&inv.link_tag)),
        invitations::nonce.eq(hex(&inv.nonce)),
        invitations::code_tag.eq(hex(&inv.code_tag)),
        invitations::code_failures.eq(i32::from(inv.code_failures)),
    ))
    .execute(connection)?;
    if updated == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The invitation `id` of the account.
pub fn get_invitation(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<StoredInvitation, StoreError> {
    invitations::table
        .find((account.to_string(), id.to_string()))
        .select(InvitationRow::as_select())
        .first(connection)?
        .try_into()
}

/// The invitation whose link token has this HMAC, in any account (unscoped: a link is how an
/// outsider's request finds its account).
pub fn find_by_link_tag(
    connection: &mut DbConnection,
    tag: &[u8; 32],
) -> Result<Option<StoredInvitation>, StoreError> {
    invitations::table
        .filter(invitations::link_tag.eq(hex(tag)))
        .select(InvitationRow::as_select())
        .first(connection)
        .optional()?
        .map(StoredInvitation::try_from)
        .transpose()
}

/// The account's invitations matching `filter`, by recipient.
pub fn list_invitations(
    connection: &mut DbConnection,
    account: AccountId,
    filter: &InvitationFilter,
) -> Result<Vec<StoredInvitation>, StoreError> {
    let mut query = invitations::table
        .filter(invitations::account_id.eq(account.to_string()))
        .select(InvitationRow::as_select())
        .order((invitations::recipient.asc(), invitations::id.asc()))
        .into_boxed();
    if let Some(share) = filter.share {
        query = query.filter(invitations::share_id.eq(share.to_string()));
    }
    if let Some(recipient) = &filter.recipient {
        query = query.filter(invitations::recipient.eq(recipient.clone()));
    }
    if let Some(states) = &filter.states {
        let names = states
            .iter()
            .map(|s| state_name(*s))
            .collect::<Result<Vec<_>, _>>()?;
        query = query.filter(invitations::state.eq_any(names));
    }
    query
        .load(connection)?
        .into_iter()
        .map(StoredInvitation::try_from)
        .collect()
}

/// Every invitation to `recipient`, in any account, locked for the rest of the transaction
/// (call [`crate::begin_write`] first). Concurrent verifications of one address then run one
/// after the other, each reading the failures the previous one counted — without the lock,
/// PostgreSQL's read-committed transactions would each count from the same stale value and
/// lose failures. PostgreSQL locks the rows (`FOR UPDATE`); SQLite's writer lock, taken by
/// `begin_write`, already covers the whole database.
pub fn find_by_recipient_locked(
    connection: &mut DbConnection,
    recipient: &str,
) -> Result<Vec<StoredInvitation>, StoreError> {
    let by_recipient = invitations::table.filter(invitations::recipient.eq(recipient));
    let rows: Vec<InvitationRow> = match connection {
        DbConnection::Postgresql(pg) => by_recipient
            .select(InvitationRow::as_select())
            .for_update()
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => by_recipient
            .select(InvitationRow::as_select())
            .load(sqlite)?,
    };
    rows.into_iter().map(StoredInvitation::try_from).collect()
}
