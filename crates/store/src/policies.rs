//! An account's policy: feature tree, roles and their settings, account-wide and scoped
//! assignments. Loading builds a [`Policy`]; writes mirror changes the engine accepted.
//!
//! Every function takes the account first and touches only that account's rows. Callers run
//! a change and [`crate::accounts::bump_policy_version`] in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tessera_access::{FeatureId, FeaturePath, Level, Policy, PolicyVersion, Role, Setting};
use tessera_core::{AccountId, RoleId, ScopeId, UserId};

use crate::db::{INSERT_CHUNK, micros, per_backend};
use crate::schema::{features, role_settings, roles, scoped_assignments, users};
use crate::{DbConnection, StoreError, accounts};

#[derive(Insertable)]
#[diesel(table_name = features)]
struct FeatureRow<'a> {
    account_id: &'a str,
    path: &'a str,
    position: i64,
}

#[derive(Insertable)]
#[diesel(table_name = roles)]
struct RoleRow<'a> {
    account_id: &'a str,
    id: String,
    name: &'a str,
    predefined: bool,
    created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = role_settings)]
struct SettingRow<'a> {
    account_id: &'a str,
    role_id: String,
    feature_path: &'a str,
    setting: &'static str,
}

fn corrupt(table: &'static str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: detail.to_string(),
    }
}

/// Inserts feature `path` at `position` (its id in the engine's tree).
pub fn insert_feature(
    connection: &mut DbConnection,
    account: AccountId,
    path: &FeaturePath,
    feature: FeatureId,
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    diesel::insert_into(features::table)
        .values(FeatureRow {
            account_id: &account_id,
            path: path.as_str(),
            position: i64::from(feature.get()),
        })
        .execute(connection)?;
    Ok(())
}

/// Inserts a role and its explicit settings (`inherit` entries are not stored).
pub fn insert_role(
    connection: &mut DbConnection,
    account: AccountId,
    role: &Role,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    insert_roles(connection, account, std::slice::from_ref(role), now)
}

fn insert_roles(
    connection: &mut DbConnection,
    account: AccountId,
    roles: &[Role],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let created_at = micros(now);
    let rows: Vec<RoleRow<'_>> = roles
        .iter()
        .map(|role| RoleRow {
            account_id: &account_id,
            id: role.id.to_string(),
            name: &role.name,
            predefined: role.predefined,
            created_at,
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(roles::table)
            .values(chunk)
            .execute(c))?;
    }
    let settings: Vec<SettingRow<'_>> = roles
        .iter()
        .flat_map(|role| {
            let role_id = role.id.to_string();
            let account_id = &account_id;
            role.settings.iter().filter_map(move |(path, setting)| {
                setting.level().map(|level| SettingRow {
                    account_id,
                    role_id: role_id.clone(),
                    feature_path: path.as_str(),
                    setting: level.as_str(),
                })
            })
        })
        .collect();
    for chunk in settings.chunks(INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(role_settings::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Replaces a role's name and settings.
pub fn replace_role(
    connection: &mut DbConnection,
    account: AccountId,
    role: &Role,
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let role_id = role.id.to_string();
    let updated = diesel::update(roles::table.find((&account_id, &role_id)))
        .set(roles::name.eq(&role.name))
        .execute(connection)?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    diesel::delete(
        role_settings::table
            .filter(role_settings::account_id.eq(&account_id))
            .filter(role_settings::role_id.eq(&role_id)),
    )
    .execute(connection)?;
    let rows: Vec<SettingRow<'_>> = role
        .settings
        .iter()
        .filter_map(|(path, setting)| {
            setting.level().map(|level| SettingRow {
                account_id: &account_id,
                role_id: role_id.clone(),
                feature_path: path.as_str(),
                setting: level.as_str(),
            })
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(role_settings::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Deletes a role and its settings. A role still held by a user is refused by the database
/// ([`StoreError::Referenced`]); the engine refuses it first.
pub fn delete_role(
    connection: &mut DbConnection,
    account: AccountId,
    role: RoleId,
) -> Result<(), StoreError> {
    let deleted = diesel::delete(roles::table.find((account.to_string(), role.to_string())))
        .execute(connection)?;
    if deleted == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Writes a whole policy for an account that has none yet: every feature and role.
/// Assignments are written with their users.
pub fn insert_policy(
    connection: &mut DbConnection,
    account: AccountId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let account_id = account.to_string();
    let rows: Vec<FeatureRow<'_>> = policy
        .tree()
        .iter()
        .map(|(id, path, _)| FeatureRow {
            account_id: &account_id,
            path: path.as_str(),
            position: i64::from(id.get()),
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(features::table)
            .values(chunk)
            .execute(c))?;
    }
    let roles = policy.export().roles;
    insert_roles(connection, account, &roles, now)
}

/// Sets (or replaces) `user`'s role within `scope`.
pub fn assign_in(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
    scope: ScopeId,
    role: RoleId,
) -> Result<(), StoreError> {
    let key = (account.to_string(), user.to_string(), scope.to_string());
    diesel::delete(scoped_assignments::table.find((&key.0, &key.1, &key.2))).execute(connection)?;
    diesel::insert_into(scoped_assignments::table)
        .values((
            scoped_assignments::account_id.eq(&key.0),
            scoped_assignments::user_id.eq(&key.1),
            scoped_assignments::scope_id.eq(&key.2),
            scoped_assignments::role_id.eq(role.to_string()),
        ))
        .execute(connection)?;
    Ok(())
}

/// Removes `user`'s role within `scope`; returns whether there was one.
pub fn unassign_in(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
    scope: ScopeId,
) -> Result<bool, StoreError> {
    let key = (account.to_string(), user.to_string(), scope.to_string());
    Ok(
        diesel::delete(scoped_assignments::table.find((&key.0, &key.1, &key.2)))
            .execute(connection)?
            > 0,
    )
}

/// Loads the account's whole policy — tree, roles, every user's role, scoped roles — at the
/// account's stored version.
pub fn load(connection: &mut DbConnection, account: AccountId) -> Result<Policy, StoreError> {
    let account_id = account.to_string();
    let version: PolicyVersion = accounts::policy_version(connection, account)?;

    let paths: Vec<String> = features::table
        .filter(features::account_id.eq(&account_id))
        .order(features::position.asc())
        .select(features::path)
        .load(connection)?;
    let mut tree = tessera_access::FeatureTree::new();
    for path in &paths {
        tree.add_path(path).map_err(|e| corrupt("features", e))?;
    }

    let role_rows: Vec<(String, String, bool)> = roles::table
        .filter(roles::account_id.eq(&account_id))
        .order((
            roles::predefined.desc(),
            roles::created_at.asc(),
            roles::name.asc(),
        ))
        .select((roles::id, roles::name, roles::predefined))
        .load(connection)?;
    let setting_rows: Vec<(String, String, String)> = role_settings::table
        .filter(role_settings::account_id.eq(&account_id))
        .select((
            role_settings::role_id,
            role_settings::feature_path,
            role_settings::setting,
        ))
        .load(connection)?;
    let mut settings: BTreeMap<String, BTreeMap<FeaturePath, Setting>> = BTreeMap::new();
    for (role_id, path, setting) in setting_rows {
        let path = FeaturePath::parse(&path).map_err(|e| corrupt("role_settings", e))?;
        let level: Level = setting.parse().map_err(|e| corrupt("role_settings", e))?;
        settings
            .entry(role_id)
            .or_default()
            .insert(path, level.into());
    }
    let roles = role_rows
        .into_iter()
        .map(|(id, name, predefined)| {
            Ok(Role {
                id: id.parse().map_err(|e| corrupt("roles", e))?,
                settings: settings.remove(&id).unwrap_or_default(),
                name,
                predefined,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut policy = Policy::new(tree);
    policy.add_roles(roles).map_err(|e| corrupt("roles", e))?;

    let user_rows: Vec<(String, String)> = users::table
        .filter(users::account_id.eq(&account_id))
        .select((users::id, users::role_id))
        .load(connection)?;
    for (user, role) in user_rows {
        let user: UserId = user.parse().map_err(|e| corrupt("users", e))?;
        let role: RoleId = role.parse().map_err(|e| corrupt("users", e))?;
        policy.assign(user, role).map_err(|e| corrupt("users", e))?;
    }
    let scoped_rows: Vec<(String, String, String)> = scoped_assignments::table
        .filter(scoped_assignments::account_id.eq(&account_id))
        .select((
            scoped_assignments::user_id,
            scoped_assignments::scope_id,
            scoped_assignments::role_id,
        ))
        .load(connection)?;
    for (user, scope, role) in scoped_rows {
        let parse_error = |e: tessera_core::IdParseError| corrupt("scoped_assignments", e);
        policy
            .assign_in(
                user.parse().map_err(parse_error)?,
                scope.parse().map_err(parse_error)?,
                role.parse().map_err(parse_error)?,
            )
            .map_err(|e| corrupt("scoped_assignments", e))?;
    }
    Ok(policy.with_version(version))
}
