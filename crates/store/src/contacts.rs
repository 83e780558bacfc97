//! Contacts, their sign-ins and portal sessions.
//!
//! Two lookups are not scoped by account, because they are how an outsider's request finds
//! its account: a contact by the HMAC of its activation link, and signed-up contacts by
//! e-mail (sign-in). Everything else takes the account first.

use diesel::prelude::*;
use tessera_contacts::{Access, Activation, Contact, ContactKind};
use tessera_core::{AccountId, Uuid};

use crate::db::{hex, micros, unhex};
use crate::schema::{contact_sessions, contacts};
use crate::{DbConnection, StoreError};

pub use tessera_service::records::{ContactSession, StoredContact};

const TABLE: &str = "contacts";

fn corrupt(detail: impl Into<String>) -> StoreError {
    crate::db::corrupt(TABLE, detail)
}

fn uuid(text: &str) -> Result<Uuid, StoreError> {
    crate::db::parse_uuid(TABLE, text)
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = contacts)]
struct ContactRow {
    account_id: String,
    id: String,
    kind: String,
    company_id: Option<String>,
    name: String,
    email: Option<String>,
    access: String,
    password_hash: Option<String>,
    activation_nonce: Option<String>,
    activation_tag: Option<String>,
    activation_issued_at: Option<chrono::NaiveDateTime>,
    activation_expires_at: Option<chrono::NaiveDateTime>,
    locale: String,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<ContactRow> for StoredContact {
    type Error = StoreError;

    fn try_from(row: ContactRow) -> Result<Self, StoreError> {
        let activation = match (
            row.activation_nonce,
            row.activation_tag,
            row.activation_issued_at,
            row.activation_expires_at,
        ) {
            (Some(nonce), Some(tag), Some(issued), Some(expires)) => Some(Activation {
                nonce: unhex(TABLE, &nonce)?,
                tag: unhex(TABLE, &tag)?,
                issued_at: issued.and_utc(),
                expires_at: expires.and_utc(),
            }),
            (None, None, None, None) => None,
            _ => return Err(corrupt("a partial activation")),
        };
        Ok(StoredContact {
            account: row
                .account_id
                .parse()
                .map_err(|e: tessera_core::IdParseError| corrupt(e.to_string()))?,
            contact: Contact {
                id: uuid(&row.id)?,
                kind: ContactKind::parse(&row.kind)
                    .ok_or_else(|| corrupt(format!("kind `{}`", row.kind)))?,
                company: row.company_id.as_deref().map(uuid).transpose()?,
                name: row.name,
                email: row.email,
                access: Access::parse(&row.access)
                    .ok_or_else(|| corrupt(format!("access `{}`", row.access)))?,
                activation,
                signed_up: row.password_hash.is_some(),
                locale: row.locale,
            },
            password_hash: row.password_hash,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Adds a contact (no password yet).
pub fn insert(
    connection: &mut DbConnection,
    account: AccountId,
    contact: &Contact,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let activation = contact.activation.as_ref();
    let row = ContactRow {
        account_id: account.to_string(),
        id: contact.id.to_string(),
        kind: contact.kind.as_str().to_owned(),
        company_id: contact.company.map(|c| c.to_string()),
        name: contact.name.clone(),
        email: contact.email.clone(),
        access: contact.access.as_str().to_owned(),
        password_hash: None,
        activation_nonce: activation.map(|a| hex(&a.nonce)),
        activation_tag: activation.map(|a| hex(&a.tag)),
        activation_issued_at: activation.map(|a| micros(a.issued_at)),
        activation_expires_at: activation.map(|a| micros(a.expires_at)),
        locale: contact.locale.clone(),
        created_at: micros(now),
    };
    diesel::insert_into(contacts::table)
        .values(&row)
        .execute(connection)?;
    Ok(())
}

/// Writes back what a contact's use cases change; a contact no longer signed up loses the
/// password hash.
pub fn update(
    connection: &mut DbConnection,
    account: AccountId,
    contact: &Contact,
) -> Result<(), StoreError> {
    let activation = contact.activation.as_ref();
    let target = contacts::table.find((account.to_string(), contact.id.to_string()));
    let changes = (
        contacts::company_id.eq(contact.company.map(|c| c.to_string())),
        contacts::name.eq(&contact.name),
        contacts::email.eq(contact.email.as_deref()),
        contacts::access.eq(contact.access.as_str()),
        contacts::activation_nonce.eq(activation.map(|a| hex(&a.nonce))),
        contacts::activation_tag.eq(activation.map(|a| hex(&a.tag))),
        contacts::activation_issued_at.eq(activation.map(|a| micros(a.issued_at))),
        contacts::activation_expires_at.eq(activation.map(|a| micros(a.expires_at))),
        contacts::locale.eq(&contact.locale),
    );
    let updated = if contact.signed_up {
        diesel::update(target).set(changes).execute(connection)?
    } else {
        diesel::update(target)
            .set((changes, contacts::password_hash.eq(None::<String>)))
            .execute(connection)?
    };
    if updated == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Stores the password hash of a contact who activated access.
pub fn set_password(
    connection: &mut DbConnection,
    account: AccountId,
    contact: Uuid,
    password_hash: &str,
) -> Result<(), StoreError> {
    let updated = diesel::update(contacts::table.find((account.to_string(), contact.to_string())))
        .set(contacts::password_hash.eq(password_hash))
        .execute(connection)?;
    if updated == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The contact `id` of the account.
pub fn get(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<StoredContact, StoreError> {
    contacts::table
        .find((account.to_string(), id.to_string()))
        .select(ContactRow::as_select())
        .first(connection)?
        .try_into()
}

/// Every contact of the account: companies first, then by name.
pub fn list(
    connection: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<StoredContact>, StoreError> {
    contacts::table
        .filter(contacts::account_id.eq(account.to_string()))
        .order((
            contacts::kind.asc(),
            contacts::name.asc(),
            contacts::id.asc(),
        ))
        .select(ContactRow::as_select())
        .load(connection)?
        .into_iter()
        .map(StoredContact::try_from)
        .collect()
}

/// Deletes a contact and takes them off every task and project they were on; `Referenced`
/// while a person of a company or a project's counterparty refers to it.
pub fn delete(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<bool, StoreError> {
    crate::projects::remove_person(connection, account, &tessera_contacts::Person::Contact(id))?;
    Ok(
        diesel::delete(contacts::table.find((account.to_string(), id.to_string())))
            .execute(connection)?
            > 0,
    )
}

/// The contact whose activation link has HMAC `tag`, in any account, locked for the rest of
/// the transaction on PostgreSQL (SQLite's writer lock, taken by `begin_write`, covers it).
pub fn find_by_activation_tag_locked(
    connection: &mut DbConnection,
    tag: &[u8; 32],
) -> Result<Option<StoredContact>, StoreError> {
    let by_tag = contacts::table.filter(contacts::activation_tag.eq(hex(tag)));
    let row: Option<ContactRow> = match connection {
        DbConnection::Postgresql(pg) => by_tag
            .select(ContactRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => by_tag
            .select(ContactRow::as_select())
            .first(sqlite)
            .optional()?,
    };
    row.map(StoredContact::try_from).transpose()
}

/// Signed-up contacts with this e-mail, in any account (sign-in finds the account).
pub fn find_signed_up_by_email(
    connection: &mut DbConnection,
    email: &str,
) -> Result<Vec<StoredContact>, StoreError> {
    contacts::table
        .filter(contacts::email.eq(email))
        .filter(contacts::password_hash.is_not_null())
        .select(ContactRow::as_select())
        .load(connection)?
        .into_iter()
        .map(StoredContact::try_from)
        .collect()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = contact_sessions)]
struct SessionRow {
    token_hash: String,
    account_id: String,
    contact_id: String,
    created_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

/// Stores a portal session.
pub fn insert_session(
    connection: &mut DbConnection,
    session: &ContactSession,
) -> Result<(), StoreError> {
    diesel::insert_into(contact_sessions::table)
        .values(SessionRow {
            token_hash: session.token_hash.clone(),
            account_id: session.account.to_string(),
            contact_id: session.contact.to_string(),
            created_at: micros(session.created_at),
            expires_at: micros(session.expires_at),
        })
        .execute(connection)?;
    Ok(())
}

/// The portal session with this hash, if valid at `now`, with its contact — one query.
pub fn valid_session(
    connection: &mut DbConnection,
    token_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<(ContactSession, StoredContact)>, StoreError> {
    let row: Option<(SessionRow, ContactRow)> = contact_sessions::table
        .inner_join(
            contacts::table.on(contacts::account_id
                .eq(contact_sessions::account_id)
                .and(contacts::id.eq(contact_sessions::contact_id))),
        )
        .filter(contact_sessions::token_hash.eq(token_hash))
        .filter(contact_sessions::expires_at.gt(micros(now)))
        .select((SessionRow::as_select(), ContactRow::as_select()))
        .first(connection)
        .optional()?;
    row.map(|(session, contact)| {
        Ok((
            ContactSession {
                account: session
                    .account_id
                    .parse()
                    .map_err(|e: tessera_core::IdParseError| corrupt(e.to_string()))?,
                contact: uuid(&session.contact_id)?,
                token_hash: session.token_hash,
                created_at: session.created_at.and_utc(),
                expires_at: session.expires_at.and_utc(),
            },
            StoredContact::try_from(contact)?,
        ))
    })
    .transpose()
}

/// Ends one portal session of the account; returns whether there was one.
pub fn delete_session(
    connection: &mut DbConnection,
    account: AccountId,
    token_hash: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(
        contact_sessions::table
            .filter(contact_sessions::account_id.eq(account.to_string()))
            .filter(contact_sessions::token_hash.eq(token_hash)),
    )
    .execute(connection)?
        > 0)
}

/// Ends every portal session of a contact; returns how many.
pub fn end_sessions(
    connection: &mut DbConnection,
    account: AccountId,
    contact: Uuid,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        contact_sessions::table
            .filter(contact_sessions::account_id.eq(account.to_string()))
            .filter(contact_sessions::contact_id.eq(contact.to_string())),
    )
    .execute(connection)?)
}

/// Deletes portal sessions expired at `now`; returns how many.
pub fn prune_sessions(
    connection: &mut DbConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(
            contact_sessions::table.filter(contact_sessions::expires_at.le(micros(now))),
        )
        .execute(connection)?,
    )
}
