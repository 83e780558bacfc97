//! Users of an account: e-mail, password hash (argon2id, made by the caller), the
//! must-change flag and the one account-wide role.

use diesel::prelude::*;
use tessera_core::{AccountId, RoleId, UserId};

use crate::db::{micros, per_backend};
use crate::schema::users;
use crate::{DbConnection, StoreError};

pub use tessera_service::records::User;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct UserRow {
    account_id: String,
    id: String,
    email: String,
    password_hash: String,
    must_change_password: bool,
    role_id: String,
    created_at: chrono::NaiveDateTime,
    display_name: Option<String>,
    may_grant_client_access: bool,
}

impl UserRow {
    /// The row of `user` in `account_id`.
    fn new(account_id: &str, user: &User) -> Self {
        UserRow {
            account_id: account_id.to_owned(),
            id: user.id.to_string(),
            email: user.email.clone(),
            password_hash: user.password_hash.clone(),
            must_change_password: user.must_change_password,
            role_id: user.role.to_string(),
            created_at: micros(user.created_at),
            display_name: user.display_name.clone(),
            may_grant_client_access: user.may_grant_client_access,
        }
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        let corrupt = |e: tessera_core::IdParseError| StoreError::Corrupt {
            table: "users",
            detail: e.to_string(),
        };
        Ok(User {
            id: row.id.parse().map_err(corrupt)?,
            email: row.email,
            password_hash: row.password_hash,
            must_change_password: row.must_change_password,
            role: row.role_id.parse().map_err(corrupt)?,
            created_at: row.created_at.and_utc(),
            display_name: row.display_name,
            may_grant_client_access: row.may_grant_client_access,
        })
    }
}

/// Inserts `user` (its `created_at` is kept to the microsecond). A taken e-mail is
/// [`StoreError::Conflict`]; a role not in the account is [`StoreError::Referenced`].
pub fn insert(
    connection: &mut DbConnection,
    account: AccountId,
    user: &User,
) -> Result<User, StoreError> {
    let row = UserRow::new(&account.to_string(), user);
    diesel::insert_into(users::table)
        .values(&row)
        .execute(connection)?;
    row.try_into()
}

/// Inserts many users in multi-row statements (an import's new people). A taken e-mail is
/// [`StoreError::Conflict`] and nothing is inserted.
pub fn insert_many(
    connection: &mut DbConnection,
    account: AccountId,
    new: &[User],
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let rows: Vec<UserRow> = new
        .iter()
        .map(|user| UserRow::new(&account_id, user))
        .collect();
    for chunk in rows.chunks(crate::db::INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(users::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// The user `id` of the account.
pub fn get(
    connection: &mut DbConnection,
    account: AccountId,
    id: UserId,
) -> Result<User, StoreError> {
    users::table
        .find((account.to_string(), id.to_string()))
        .select(UserRow::as_select())
        .first(connection)?
        .try_into()
}

/// The user of the account with this exact e-mail, if any.
pub fn find_by_email(
    connection: &mut DbConnection,
    account: AccountId,
    email: &str,
) -> Result<Option<User>, StoreError> {
    users::table
        .filter(users::account_id.eq(account.to_string()))
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(connection)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// Every user of the account, by e-mail.
pub fn list(connection: &mut DbConnection, account: AccountId) -> Result<Vec<User>, StoreError> {
    users::table
        .filter(users::account_id.eq(account.to_string()))
        .order(users::email.asc())
        .select(UserRow::as_select())
        .load(connection)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

fn changed(rows: usize) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Gives the user another account-wide role.
pub fn set_role(
    connection: &mut DbConnection,
    account: AccountId,
    id: UserId,
    role: RoleId,
) -> Result<(), StoreError> {
    changed(
        diesel::update(users::table.find((account.to_string(), id.to_string())))
            .set(users::role_id.eq(role.to_string()))
            .execute(connection)?,
    )
}

/// Replaces the password hash and the must-change flag.
pub fn set_password(
    connection: &mut DbConnection,
    account: AccountId,
    id: UserId,
    password_hash: &str,
    must_change_password: bool,
) -> Result<(), StoreError> {
    changed(
        diesel::update(users::table.find((account.to_string(), id.to_string())))
            .set((
                users::password_hash.eq(password_hash),
                users::must_change_password.eq(must_change_password),
            ))
            .execute(connection)?,
    )
}

/// Sets or clears the user's display name.
pub fn set_display_name(
    connection: &mut DbConnection,
    account: AccountId,
    id: UserId,
    display_name: Option<&str>,
) -> Result<(), StoreError> {
    changed(
        diesel::update(users::table.find((account.to_string(), id.to_string())))
            .set(users::display_name.eq(display_name))
            .execute(connection)?,
    )
}

/// Sets or clears the user's "may grant client access" flag.
pub fn set_may_grant_client_access(
    connection: &mut DbConnection,
    account: AccountId,
    id: UserId,
    may_grant: bool,
) -> Result<(), StoreError> {
    changed(
        diesel::update(users::table.find((account.to_string(), id.to_string())))
            .set(users::may_grant_client_access.eq(may_grant))
            .execute(connection)?,
    )
}

/// Deletes the user; their sessions, API tokens and scoped roles go with them (foreign keys
/// cascade), so access ends with the transaction.
pub fn delete(
    connection: &mut DbConnection,
    account: AccountId,
    id: UserId,
) -> Result<(), StoreError> {
    crate::projects::remove_person(connection, account, &tessera_contacts::Person::User(id))?;
    changed(
        diesel::delete(users::table.find((account.to_string(), id.to_string())))
            .execute(connection)?,
    )
}

/// Every user, in any account, with this exact e-mail, with their account: the one lookup
/// not scoped by account, because sign-in is how a caller's account becomes known.
pub fn find_for_sign_in(
    connection: &mut DbConnection,
    email: &str,
) -> Result<Vec<(AccountId, User)>, StoreError> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .load(connection)?
        .into_iter()
        .map(|row| {
            let account = row
                .account_id
                .parse()
                .map_err(|e: tessera_core::IdParseError| StoreError::Corrupt {
                    table: "users",
                    detail: e.to_string(),
                })?;
            Ok((account, User::try_from(row)?))
        })
        .collect()
}
