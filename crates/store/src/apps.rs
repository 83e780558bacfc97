//! Apps and cases: apps, their cases and users (with a type), custom case roles and their
//! settings, case assignments, and the invitations of people an import added (stored only as
//! an HMAC tag, hex).
//!
//! Writes of many rows (an import) go in multi-row statements; a change of an existing row
//! is an upsert on its key, so a user's case assignments survive a change of their type.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use tessera_access::{FeaturePath, Level, Role, Setting};
use tessera_contacts::Activation;
use tessera_contacts::cases::{AppUserType, CaseKind};
use tessera_core::{AccountId, RoleId, UserId, Uuid};
use tessera_service::records::{App, AppUser, Case, CaseAssignment, StoredUserInvitation};

use crate::db::{INSERT_CHUNK, corrupt, hex, micros, parse_uuid, per_backend, unhex};
use crate::schema::{
    app_users, apps, case_assignments, case_role_settings, case_roles, cases, user_invitations,
    users,
};
use crate::{DbConnection, StoreError};

/// Inserts `$rows` into `$table`, updating `$set` where the key `$conflict` exists already.
/// SQLite takes an upsert one row at a time (diesel has no multi-row form for it), each a
/// B-tree update inside the write transaction; PostgreSQL takes them 1,000 at a time.
macro_rules! upsert {
    ($connection:expr, $table:path, $rows:expr, $conflict:expr, $set:expr) => {
        match $connection {
            DbConnection::Sqlite(c) => {
                for row in $rows {
                    diesel::insert_into($table)
                        .values(row)
                        .on_conflict($conflict)
                        .do_update()
                        .set($set)
                        .execute(c)?;
                }
            }
            DbConnection::Postgresql(c) => {
                for chunk in $rows.chunks(INSERT_CHUNK) {
                    diesel::insert_into($table)
                        .values(chunk)
                        .on_conflict($conflict)
                        .do_update()
                        .set($set)
                        .execute(c)?;
                }
            }
        }
    };
}

/// The billable types, as stored.
const BILLABLE: [&str; 3] = ["administrator", "manager", "staff"];

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = apps)]
struct AppRow {
    account_id: String,
    id: String,
    name: String,
    created_by: String,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<AppRow> for App {
    type Error = StoreError;

    fn try_from(row: AppRow) -> Result<Self, StoreError> {
        Ok(App {
            id: parse_uuid("apps", &row.id)?,
            name: row.name,
            created_by: row
                .created_by
                .parse()
                .map_err(|e: tessera_core::IdParseError| corrupt("apps", e.to_string()))?,
            created_at: row.created_at.and_utc(),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
struct CaseRow {
    account_id: String,
    id: String,
    app_id: String,
    title: String,
    kind: String,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<CaseRow> for Case {
    type Error = StoreError;

    fn try_from(row: CaseRow) -> Result<Self, StoreError> {
        Ok(Case {
            id: parse_uuid("cases", &row.id)?,
            app: parse_uuid("cases", &row.app_id)?,
            kind: CaseKind::parse(&row.kind)
                .ok_or_else(|| corrupt("cases", format!("kind `{}`", row.kind)))?,
            title: row.title,
            created_at: row.created_at.and_utc(),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = app_users)]
struct AppUserRow<'a> {
    account_id: &'a str,
    app_id: &'a str,
    user_id: String,
    user_type: &'static str,
    added_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = case_assignments)]
struct AssignmentRow<'a> {
    account_id: &'a str,
    app_id: &'a str,
    case_id: String,
    user_id: String,
    role_id: String,
}

#[derive(Insertable)]
#[diesel(table_name = case_role_settings)]
struct SettingRow<'a> {
    account_id: &'a str,
    app_id: &'a str,
    role_id: String,
    feature_path: &'a str,
    setting: &'static str,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = user_invitations)]
struct InvitationRow {
    account_id: String,
    user_id: String,
    nonce: String,
    tag: String,
    issued_at: chrono::NaiveDateTime,
    expires_at: chrono::NaiveDateTime,
}

impl TryFrom<InvitationRow> for StoredUserInvitation {
    type Error = StoreError;

    fn try_from(row: InvitationRow) -> Result<Self, StoreError> {
        let id = |e: tessera_core::IdParseError| corrupt("user_invitations", e.to_string());
        Ok(StoredUserInvitation {
            account: row.account_id.parse().map_err(id)?,
            user: row.user_id.parse().map_err(id)?,
            activation: Activation {
                nonce: unhex("user_invitations", &row.nonce)?,
                issued_at: row.issued_at.and_utc(),
                expires_at: row.expires_at.and_utc(),
                tag: unhex("user_invitations", &row.tag)?,
            },
        })
    }
}

fn user_type(text: &str) -> Result<AppUserType, StoreError> {
    AppUserType::parse(text).ok_or_else(|| corrupt("app_users", format!("user type `{text}`")))
}

fn user_id(table: &'static str, text: &str) -> Result<UserId, StoreError> {
    text.parse()
        .map_err(|e: tessera_core::IdParseError| corrupt(table, e.to_string()))
}

fn role_id(table: &'static str, text: &str) -> Result<RoleId, StoreError> {
    text.parse()
        .map_err(|e: tessera_core::IdParseError| corrupt(table, e.to_string()))
}

/// Adds an app; a taken name is [`StoreError::Conflict`].
pub fn insert_app(
    connection: &mut DbConnection,
    account: AccountId,
    app: &App,
) -> Result<(), StoreError> {
    diesel::insert_into(apps::table)
        .values(AppRow {
            account_id: account.to_string(),
            id: app.id.to_string(),
            name: app.name.clone(),
            created_by: app.created_by.to_string(),
            created_at: micros(app.created_at),
        })
        .execute(connection)?;
    Ok(())
}

/// The app `id` of the account.
pub fn app(connection: &mut DbConnection, account: AccountId, id: Uuid) -> Result<App, StoreError> {
    apps::table
        .find((account.to_string(), id.to_string()))
        .select(AppRow::as_select())
        .first(connection)?
        .try_into()
}

/// The app with this id, in any account, with its account (*unscoped*: for the operator).
pub fn find_app(
    connection: &mut DbConnection,
    id: Uuid,
) -> Result<Option<(AccountId, App)>, StoreError> {
    let row: Option<AppRow> = apps::table
        .filter(apps::id.eq(id.to_string()))
        .select(AppRow::as_select())
        .first(connection)
        .optional()?;
    row.map(|row| {
        let account: AccountId = row
            .account_id
            .parse()
            .map_err(|e: tessera_core::IdParseError| corrupt("apps", e.to_string()))?;
        Ok((account, App::try_from(row)?))
    })
    .transpose()
}

/// The account's apps, by name.
pub fn apps(connection: &mut DbConnection, account: AccountId) -> Result<Vec<App>, StoreError> {
    apps::table
        .filter(apps::account_id.eq(account.to_string()))
        .order(apps::name.asc())
        .select(AppRow::as_select())
        .load(connection)?
        .into_iter()
        .map(App::try_from)
        .collect()
}

/// Adds a case.
pub fn insert_case(
    connection: &mut DbConnection,
    account: AccountId,
    case: &Case,
) -> Result<(), StoreError> {
    diesel::insert_into(cases::table)
        .values(CaseRow {
            account_id: account.to_string(),
            id: case.id.to_string(),
            app_id: case.app.to_string(),
            title: case.title.clone(),
            kind: case.kind.as_str().to_owned(),
            created_at: micros(case.created_at),
        })
        .execute(connection)?;
    Ok(())
}

/// The case `id` of the account.
pub fn case(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<Case, StoreError> {
    cases::table
        .find((account.to_string(), id.to_string()))
        .select(CaseRow::as_select())
        .first(connection)?
        .try_into()
}

/// An app's cases, oldest first.
pub fn cases(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
) -> Result<Vec<Case>, StoreError> {
    cases::table
        .filter(cases::account_id.eq(account.to_string()))
        .filter(cases::app_id.eq(app.to_string()))
        .order((cases::created_at.asc(), cases::id.asc()))
        .select(CaseRow::as_select())
        .load(connection)?
        .into_iter()
        .map(Case::try_from)
        .collect()
}

/// Deletes a case; its assignments go with it. Returns whether there was one.
pub fn delete_case(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let key = (account.to_string(), id.to_string());
    diesel::delete(
        case_assignments::table
            .filter(case_assignments::account_id.eq(&key.0))
            .filter(case_assignments::case_id.eq(&key.1)),
    )
    .execute(connection)?;
    Ok(diesel::delete(cases::table.find((&key.0, &key.1))).execute(connection)? > 0)
}

/// Adds users to an app or changes their type (an upsert per row, in multi-row statements).
pub fn set_app_users(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    entries: &[(UserId, AppUserType)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (account_id, app_id, added_at) = (account.to_string(), app.to_string(), micros(now));
    let rows: Vec<AppUserRow<'_>> = entries
        .iter()
        .map(|(user, user_type)| AppUserRow {
            account_id: &account_id,
            app_id: &app_id,
            user_id: user.to_string(),
            user_type: user_type.as_str(),
            added_at,
        })
        .collect();
    upsert!(
        connection,
        app_users::table,
        &rows,
        (app_users::account_id, app_users::app_id, app_users::user_id),
        app_users::user_type.eq(excluded(app_users::user_type))
    );
    Ok(())
}

/// An app's users with their e-mail and name, by e-mail.
pub fn app_users(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
) -> Result<Vec<AppUser>, StoreError> {
    let account_id = account.to_string();
    let rows: Vec<(
        String,
        String,
        chrono::NaiveDateTime,
        String,
        Option<String>,
    )> = app_users::table
        .inner_join(
            users::table.on(users::account_id
                .eq(app_users::account_id)
                .and(users::id.eq(app_users::user_id))),
        )
        .filter(app_users::account_id.eq(&account_id))
        .filter(app_users::app_id.eq(app.to_string()))
        .order(users::email.asc())
        .select((
            app_users::user_id,
            app_users::user_type,
            app_users::added_at,
            users::email,
            users::display_name,
        ))
        .load(connection)?;
    rows.into_iter()
        .map(|(user, kind, added_at, email, display_name)| {
            Ok(AppUser {
                user: user_id("app_users", &user)?,
                email,
                display_name,
                user_type: user_type(&kind)?,
                added_at: added_at.and_utc(),
            })
        })
        .collect()
}

/// A user's type in an app.
pub fn app_user_type(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    user: UserId,
) -> Result<AppUserType, StoreError> {
    let text: String = app_users::table
        .find((account.to_string(), app.to_string(), user.to_string()))
        .select(app_users::user_type)
        .first(connection)?;
    user_type(&text)
}

/// Takes a user out of an app with their case assignments there.
pub fn remove_app_user(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    user: UserId,
) -> Result<bool, StoreError> {
    let key = (account.to_string(), app.to_string(), user.to_string());
    diesel::delete(
        case_assignments::table
            .filter(case_assignments::account_id.eq(&key.0))
            .filter(case_assignments::app_id.eq(&key.1))
            .filter(case_assignments::user_id.eq(&key.2)),
    )
    .execute(connection)?;
    Ok(diesel::delete(app_users::table.find((&key.0, &key.1, &key.2))).execute(connection)? > 0)
}

/// Every `(app, user)` of the account with a billable type.
pub fn billable_app_users(
    connection: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<(Uuid, UserId)>, StoreError> {
    let rows: Vec<(String, String)> = app_users::table
        .filter(app_users::account_id.eq(account.to_string()))
        .filter(app_users::user_type.eq_any(BILLABLE))
        .select((app_users::app_id, app_users::user_id))
        .load(connection)?;
    rows.into_iter()
        .map(|(app, user)| Ok((parse_uuid("app_users", &app)?, user_id("app_users", &user)?)))
        .collect()
}

/// The apps `user` is the Administrator of.
pub fn apps_administered_by(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<Vec<Uuid>, StoreError> {
    let rows: Vec<String> = app_users::table
        .filter(app_users::account_id.eq(account.to_string()))
        .filter(app_users::user_id.eq(user.to_string()))
        .filter(app_users::user_type.eq("administrator"))
        .select(app_users::app_id)
        .load(connection)?;
    rows.iter()
        .map(|app| parse_uuid("app_users", app))
        .collect()
}

fn insert_case_role_settings(
    connection: &mut DbConnection,
    account_id: &str,
    app_id: &str,
    role: &Role,
) -> Result<(), StoreError> {
    let rows: Vec<SettingRow<'_>> = role
        .settings
        .iter()
        .filter_map(|(path, setting)| {
            setting.level().map(|level| SettingRow {
                account_id,
                app_id,
                role_id: role.id.to_string(),
                feature_path: path.as_str(),
                setting: level.as_str(),
            })
        })
        .collect();
    per_backend!(connection, |c| diesel::insert_into(
        case_role_settings::table
    )
    .values(&rows)
    .execute(c))?;
    Ok(())
}

/// Adds a custom case role and its explicit settings; a taken name is
/// [`StoreError::Conflict`].
pub fn insert_case_role(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    role: &Role,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (account_id, app_id) = (account.to_string(), app.to_string());
    diesel::insert_into(case_roles::table)
        .values((
            case_roles::account_id.eq(&account_id),
            case_roles::app_id.eq(&app_id),
            case_roles::id.eq(role.id.to_string()),
            case_roles::name.eq(&role.name),
            case_roles::created_at.eq(micros(now)),
        ))
        .execute(connection)?;
    insert_case_role_settings(connection, &account_id, &app_id, role)
}

/// Replaces a custom case role's name and settings.
pub fn replace_case_role(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    role: &Role,
) -> Result<(), StoreError> {
    let (account_id, app_id, id) = (account.to_string(), app.to_string(), role.id.to_string());
    let updated = diesel::update(case_roles::table.find((&account_id, &app_id, &id)))
        .set(case_roles::name.eq(&role.name))
        .execute(connection)?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    diesel::delete(
        case_role_settings::table
            .filter(case_role_settings::account_id.eq(&account_id))
            .filter(case_role_settings::app_id.eq(&app_id))
            .filter(case_role_settings::role_id.eq(&id)),
    )
    .execute(connection)?;
    insert_case_role_settings(connection, &account_id, &app_id, role)
}

/// Deletes a custom case role with its settings.
pub fn delete_case_role(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    role: RoleId,
) -> Result<(), StoreError> {
    let key = (account.to_string(), app.to_string(), role.to_string());
    diesel::delete(
        case_role_settings::table
            .filter(case_role_settings::account_id.eq(&key.0))
            .filter(case_role_settings::app_id.eq(&key.1))
            .filter(case_role_settings::role_id.eq(&key.2)),
    )
    .execute(connection)?;
    if diesel::delete(case_roles::table.find((&key.0, &key.1, &key.2))).execute(connection)? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// An app's custom case roles with their settings, oldest first.
pub fn case_roles(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
) -> Result<Vec<Role>, StoreError> {
    let (account_id, app_id) = (account.to_string(), app.to_string());
    let rows: Vec<(String, String)> = case_roles::table
        .filter(case_roles::account_id.eq(&account_id))
        .filter(case_roles::app_id.eq(&app_id))
        .order((case_roles::created_at.asc(), case_roles::name.asc()))
        .select((case_roles::id, case_roles::name))
        .load(connection)?;
    let setting_rows: Vec<(String, String, String)> = case_role_settings::table
        .filter(case_role_settings::account_id.eq(&account_id))
        .filter(case_role_settings::app_id.eq(&app_id))
        .select((
            case_role_settings::role_id,
            case_role_settings::feature_path,
            case_role_settings::setting,
        ))
        .load(connection)?;
    let mut settings: BTreeMap<String, BTreeMap<FeaturePath, Setting>> = BTreeMap::new();
    for (role, path, setting) in setting_rows {
        let path =
            FeaturePath::parse(&path).map_err(|e| corrupt("case_role_settings", e.to_string()))?;
        let level: Level = setting.parse().map_err(|e: tessera_access::AccessError| {
            corrupt("case_role_settings", e.to_string())
        })?;
        settings.entry(role).or_default().insert(path, level.into());
    }
    rows.into_iter()
        .map(|(id, name)| {
            Ok(Role {
                id: role_id("case_roles", &id)?,
                settings: settings.remove(&id).unwrap_or_default(),
                name,
                predefined: false,
            })
        })
        .collect()
}

/// Sets (or replaces) assignments in an app's cases, in multi-row upserts.
pub fn set_case_assignments(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    assignments: &[CaseAssignment],
) -> Result<(), StoreError> {
    let (account_id, app_id) = (account.to_string(), app.to_string());
    let rows: Vec<AssignmentRow<'_>> = assignments
        .iter()
        .map(|a| AssignmentRow {
            account_id: &account_id,
            app_id: &app_id,
            case_id: a.case.to_string(),
            user_id: a.user.to_string(),
            role_id: a.role.to_string(),
        })
        .collect();
    upsert!(
        connection,
        case_assignments::table,
        &rows,
        (
            case_assignments::account_id,
            case_assignments::case_id,
            case_assignments::user_id,
        ),
        case_assignments::role_id.eq(excluded(case_assignments::role_id))
    );
    Ok(())
}

/// Ends a user's assignment in a case.
pub fn remove_case_assignment(
    connection: &mut DbConnection,
    account: AccountId,
    case: Uuid,
    user: UserId,
) -> Result<bool, StoreError> {
    let key = (account.to_string(), case.to_string(), user.to_string());
    Ok(
        diesel::delete(case_assignments::table.find((&key.0, &key.1, &key.2)))
            .execute(connection)?
            > 0,
    )
}

/// A user's case role in a case (a primary-key lookup).
pub fn case_assignment(
    connection: &mut DbConnection,
    account: AccountId,
    case: Uuid,
    user: UserId,
) -> Result<RoleId, StoreError> {
    let role: String = case_assignments::table
        .find((account.to_string(), case.to_string(), user.to_string()))
        .select(case_assignments::role_id)
        .first(connection)?;
    role_id("case_assignments", &role)
}

/// The assignments in an app's cases, or in its case `only`.
pub fn case_assignments(
    connection: &mut DbConnection,
    account: AccountId,
    app: Uuid,
    only: Option<Uuid>,
) -> Result<Vec<CaseAssignment>, StoreError> {
    let account_id = account.to_string();
    let rows: Vec<(String, String, String)> = match only {
        Some(case) => case_assignments::table
            .filter(case_assignments::account_id.eq(&account_id))
            .filter(case_assignments::case_id.eq(case.to_string()))
            .filter(case_assignments::app_id.eq(app.to_string()))
            .select((
                case_assignments::case_id,
                case_assignments::user_id,
                case_assignments::role_id,
            ))
            .load(connection)?,
        None => case_assignments::table
            .filter(case_assignments::account_id.eq(&account_id))
            .filter(case_assignments::app_id.eq(app.to_string()))
            .select((
                case_assignments::case_id,
                case_assignments::user_id,
                case_assignments::role_id,
            ))
            .load(connection)?,
    };
    rows.into_iter()
        .map(|(case, user, role)| {
            Ok(CaseAssignment {
                case: parse_uuid("case_assignments", &case)?,
                user: user_id("case_assignments", &user)?,
                role: role_id("case_assignments", &role)?,
            })
        })
        .collect()
}

/// Stores pending user invitations, replacing each user's earlier one.
pub fn set_user_invitations(
    connection: &mut DbConnection,
    account: AccountId,
    invitations: &[(UserId, Activation)],
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let rows: Vec<InvitationRow> = invitations
        .iter()
        .map(|(user, activation)| InvitationRow {
            account_id: account_id.clone(),
            user_id: user.to_string(),
            nonce: hex(&activation.nonce),
            tag: hex(&activation.tag),
            issued_at: micros(activation.issued_at),
            expires_at: micros(activation.expires_at),
        })
        .collect();
    upsert!(
        connection,
        user_invitations::table,
        &rows,
        (user_invitations::account_id, user_invitations::user_id),
        (
            user_invitations::nonce.eq(excluded(user_invitations::nonce)),
            user_invitations::tag.eq(excluded(user_invitations::tag)),
            user_invitations::issued_at.eq(excluded(user_invitations::issued_at)),
            user_invitations::expires_at.eq(excluded(user_invitations::expires_at)),
        )
    );
    Ok(())
}

/// A user's pending invitation.
pub fn user_invitation(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<Activation, StoreError> {
    let row: InvitationRow = user_invitations::table
        .find((account.to_string(), user.to_string()))
        .select(InvitationRow::as_select())
        .first(connection)?;
    Ok(StoredUserInvitation::try_from(row)?.activation)
}

/// The pending invitation whose link has HMAC `tag`, in any account, locked for the rest of
/// the transaction on PostgreSQL (SQLite's writer lock, taken by `begin_write`, covers it).
pub fn user_invitation_by_tag_locked(
    connection: &mut DbConnection,
    tag: &[u8; 32],
) -> Result<Option<StoredUserInvitation>, StoreError> {
    let by_tag = user_invitations::table.filter(user_invitations::tag.eq(hex(tag)));
    let row: Option<InvitationRow> = match connection {
        DbConnection::Postgresql(pg) => by_tag
            .select(InvitationRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => by_tag
            .select(InvitationRow::as_select())
            .first(sqlite)
            .optional()?,
    };
    row.map(StoredUserInvitation::try_from).transpose()
}

/// Deletes a user's pending invitation.
pub fn delete_user_invitation(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<bool, StoreError> {
    let key = (account.to_string(), user.to_string());
    Ok(diesel::delete(user_invitations::table.find((&key.0, &key.1))).execute(connection)? > 0)
}
