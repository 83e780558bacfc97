//! Shares, their invitations and the e-mail outbox.
//!
//! Two lookups are not scoped by account, because they are how an outsider's request finds
//! its account: an invitation by the HMAC of its link token, and invitations by recipient
//! e-mail (for a typed code). Everything else takes the account first.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_core::{AccountId, Uuid};
use tessera_invitations::{Invitation, InvitationState};

use crate::db::micros;
use crate::db::per_backend;
use crate::schema::{invitations, outbox, share_items, shares};
use crate::{DbConnection, StoreError};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(text: &str) -> Result<[u8; N], StoreError> {
    let corrupt = || StoreError::Corrupt {
        table: "invitations",
        detail: format!("hex `{text}`"),
    };
    if text.len() != 2 * N {
        return Err(corrupt());
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| corrupt())?;
    }
    Ok(out)
}

/// The stored HMAC text of a link tag (what [`find_by_link_tag`] takes).
pub fn link_tag_text(tag: &[u8; 32]) -> String {
    hex(tag)
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

/// A share as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Its id.
    pub id: Uuid,
    /// Who shared.
    pub sender: tessera_core::UserId,
    /// The personal message.
    pub message: Option<String>,
    /// The workflows shared, in order.
    pub items: Vec<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Inserts a share and its items.
pub fn insert_share(
    connection: &mut DbConnection,
    account: AccountId,
    share: &Share,
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let id = share.id.to_string();
    diesel::insert_into(shares::table)
        .values((
            shares::account_id.eq(&account_id),
            shares::id.eq(&id),
            shares::sender_user_id.eq(share.sender.to_string()),
            shares::message.eq(&share.message),
            shares::created_at.eq(micros(share.created_at)),
        ))
        .execute(connection)?;
    let rows: Vec<_> = share
        .items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            (
                share_items::account_id.eq(account_id.clone()),
                share_items::share_id.eq(id.clone()),
                share_items::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                share_items::item_id.eq(item.to_string()),
            )
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        per_backend!(connection, |c| diesel::insert_into(share_items::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// The share `id` of the account.
pub fn get_share(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<Share, StoreError> {
    let account_id = account.to_string();
    let (sender, message, created_at): (String, Option<String>, chrono::NaiveDateTime) =
        shares::table
            .find((&account_id, id.to_string()))
            .select((shares::sender_user_id, shares::message, shares::created_at))
            .first(connection)?;
    let items: Vec<String> = share_items::table
        .filter(share_items::account_id.eq(&account_id))
        .filter(share_items::share_id.eq(id.to_string()))
        .order(share_items::position.asc())
        .select(share_items::item_id)
        .load(connection)?;
    let corrupt = |detail: String| StoreError::Corrupt {
        table: "shares",
        detail,
    };
    Ok(Share {
        id,
        sender: sender
            .parse()
            .map_err(|e: tessera_core::IdParseError| corrupt(e.to_string()))?,
        message,
        items: items
            .iter()
            .map(|i| Uuid::parse_str(i).map_err(|e| corrupt(e.to_string())))
            .collect::<Result<_, _>>()?,
        created_at: created_at.and_utc(),
    })
}

/// An invitation with the share it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInvitation {
    /// The account.
    pub account: AccountId,
    /// The share.
    pub share: Uuid,
    /// The invitation.
    pub invitation: Invitation,
    /// The language of its e-mails.
    pub locale: String,
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

/// Every invitation to `recipient`, in any account (unscoped: an e-mail and a typed code is
/// how an outsider's request finds its invitation).
pub fn find_by_recipient(
    connection: &mut DbConnection,
    recipient: &str,
) -> Result<Vec<StoredInvitation>, StoreError> {
    invitations::table
        .filter(invitations::recipient.eq(recipient))
        .select(InvitationRow::as_select())
        .load(connection)?
        .into_iter()
        .map(StoredInvitation::try_from)
        .collect()
}

/// Filters for [`list_invitations`]; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    /// Only this share.
    pub share: Option<Uuid>,
    /// Only this recipient.
    pub recipient: Option<String>,
    /// Only these stored states.
    pub states: Option<Vec<InvitationState>>,
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

/// A message waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Its id.
    pub id: Uuid,
    /// The account.
    pub account: AccountId,
    /// The `Message-ID` it is sent with, fixed at creation (a retry reuses it).
    pub message_id: String,
    /// The invitation it announces, if any.
    pub invitation: Option<Uuid>,
    /// The recipient.
    pub recipient: String,
    /// Template locale.
    pub locale: String,
    /// Template name.
    pub template: String,
    /// Template data (JSON).
    pub payload: String,
    /// Attempts made.
    pub attempts: i32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
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
                outbox::invitation_id.eq(m.invitation.map(|i| i.to_string())),
                outbox::recipient.eq(m.recipient.clone()),
                outbox::locale.eq(m.locale.clone()),
                outbox::template.eq(m.template.clone()),
                outbox::payload.eq(m.payload.clone()),
                outbox::state.eq("pending"),
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
    invitation_id: Option<String>,
    recipient: String,
    locale: String,
    template: String,
    payload: String,
    attempts: i32,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            table: "outbox",
            detail,
        };
        Ok(OutboxMessage {
            id: Uuid::parse_str(&row.id).map_err(|e| corrupt(e.to_string()))?,
            account: row
                .account_id
                .parse()
                .map_err(|e: tessera_core::IdParseError| corrupt(e.to_string()))?,
            message_id: row.message_id,
            invitation: row
                .invitation_id
                .map(|i| Uuid::parse_str(&i).map_err(|e| corrupt(e.to_string())))
                .transpose()?,
            recipient: row.recipient,
            locale: row.locale,
            template: row.template,
            payload: row.payload,
            attempts: row.attempts,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Claims up to `limit` messages due at `now`: pending ones whose next attempt has come, and
/// ones left `sending` for longer than `stale_after` (a sender that crashed mid-delivery —
/// they go out again with the same `Message-ID`). Claimed messages are marked `sending` with
/// one more attempt. Housekeeping across accounts, like the sender loop it serves.
pub fn claim_due(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    stale_after: chrono::Duration,
    limit: i64,
) -> Result<Vec<OutboxMessage>, StoreError> {
    connection.transaction(|tx| {
        crate::begin_write(tx)?;
        let due: Vec<OutboxRow> = outbox::table
            .filter(
                outbox::state
                    .eq("pending")
                    .and(outbox::next_attempt_at.le(micros(now)))
                    .or(outbox::state
                        .eq("sending")
                        .and(outbox::next_attempt_at.le(micros(now - stale_after)))),
            )
            .order(outbox::next_attempt_at.asc())
            .limit(limit)
            .select(OutboxRow::as_select())
            .load(tx)?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            let updated = diesel::update(outbox::table.find((&row.account_id, &row.id)))
                .filter(outbox::state.eq_any(["pending", "sending"]))
                .set((
                    outbox::state.eq("sending"),
                    outbox::attempts.eq(outbox::attempts + 1),
                    outbox::next_attempt_at.eq(micros(now)),
                ))
                .execute(tx)?;
            if updated == 1 {
                let mut message = OutboxMessage::try_from(row)?;
                message.attempts += 1;
                claimed.push(message);
            }
        }
        Ok(claimed)
    })
}

/// Records the outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The mail server accepted it.
    Sent,
    /// The mail server refused the address for good.
    Bounced(String),
    /// A transient failure: try again at the given time.
    RetryAt(DateTime<Utc>, String),
    /// Given up after too many attempts.
    Failed(String),
}

/// Stores the outcome of delivering `message`.
pub fn record_outcome(
    connection: &mut DbConnection,
    message: &OutboxMessage,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = outbox::table.find((message.account.to_string(), message.id.to_string()));
    let updated = match outcome {
        Outcome::Sent => diesel::update(row)
            .set((
                outbox::state.eq("sent"),
                outbox::sent_at.eq(Some(micros(now))),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(connection)?,
        Outcome::Bounced(reason) => diesel::update(row)
            .set((
                outbox::state.eq("bounced"),
                outbox::last_error.eq(Some(reason.clone())),
            ))
            .execute(connection)?,
        Outcome::RetryAt(at, reason) => diesel::update(row)
            .set((
                outbox::state.eq("pending"),
                outbox::next_attempt_at.eq(micros(*at)),
                outbox::last_error.eq(Some(reason.clone())),
            ))
            .execute(connection)?,
        Outcome::Failed(reason) => diesel::update(row)
            .set((
                outbox::state.eq("failed"),
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

/// One outbox message as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The `Message-ID` it is (or was) sent with.
    pub message_id: String,
    /// The invitation it announces, if any.
    pub invitation: Option<Uuid>,
    /// `pending`, `sending` (claimed, outcome not yet stored), `sent`, `bounced` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
}

/// The account's outbox, oldest first.
pub fn outbox_entries(
    connection: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let rows: Vec<(String, Option<String>, String, i32)> = outbox::table
        .filter(outbox::account_id.eq(account.to_string()))
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .select((
            outbox::message_id,
            outbox::invitation_id,
            outbox::state,
            outbox::attempts,
        ))
        .load(connection)?;
    rows.into_iter()
        .map(|(message_id, invitation, state, attempts)| {
            let invitation = invitation
                .map(|i| Uuid::parse_str(&i))
                .transpose()
                .map_err(|e| StoreError::Corrupt {
                    table: "outbox",
                    detail: e.to_string(),
                })?;
            Ok(OutboxEntry {
                message_id,
                invitation,
                state,
                attempts,
            })
        })
        .collect()
}

/// The ids of the account's shares sent by `sender`.
pub fn share_ids_by_sender(
    connection: &mut DbConnection,
    account: AccountId,
    sender: tessera_core::UserId,
) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<String> = shares::table
        .filter(shares::account_id.eq(account.to_string()))
        .filter(shares::sender_user_id.eq(sender.to_string()))
        .select(shares::id)
        .load(connection)?;
    ids.iter()
        .map(|id| {
            Uuid::parse_str(id).map_err(|e| StoreError::Corrupt {
                table: "shares",
                detail: e.to_string(),
            })
        })
        .collect()
}

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

/// Records a failed verification (for rate limits): the account whose invitation the
/// attempt touched (`None` for an unknown address) and the client address.
pub fn record_failure(
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
pub fn failure_counts(
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
