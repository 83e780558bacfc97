//! The policy of one account: feature tree, roles, assignments, compiled tables and version.
//!
//! [`Policy`] is one struct with its methods spread by job:
//!
//! - this module: the struct, construction, import/export, versions, the tree and feature
//!   lookup, and the private helpers the others share;
//! - `roles`: adding, updating and deleting roles, their settings and names, compiling the
//!   table;
//! - `assignments`: account-wide and scoped roles of users;
//! - `queries`: levels and checks, who-can, roles-with, what-can, table size;
//! - `explain`: why a user has the level they have.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use tessera_core::{RoleId, ScopeId, UserId};

use crate::hash::{Key128, UuidBuildHasher};
use crate::table::RoleTable;
use crate::users::{UserIndex, UserSlot};
use crate::{AccessError, CheckError, FeatureId, FeaturePath, FeatureTree, Level, Role, Setting};

mod assignments;
mod explain;
mod queries;
mod roles;

pub use explain::{Explanation, Grant};
pub use queries::{CheckQuery, UserHandle};
pub use roles::RoleInfo;

/// A counter that every change to a policy bumps. A cache or a caller that wrote a change can
/// ask for an answer "at least this fresh".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct PolicyVersion(pub u64);

impl fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The portable form of a policy's tree and roles (assignments are per-user data and are not
/// part of it): `{"features": [...], "roles": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// Every feature path.
    pub features: Vec<String>,
    /// Every role, predefined ones included.
    pub roles: Vec<Role>,
}

/// Marks a user without an account-wide role.
const NO_ROLE: u32 = u32::MAX - 1;

#[derive(Debug, Clone)]
struct RoleEntry {
    id: RoleId,
    name: String,
    /// [`tessera_core::name_key`] of `name`: what names are compared by.
    key: String,
    predefined: bool,
    /// Explicit levels, sorted by feature.
    explicit: Vec<(FeatureId, Level)>,
}

impl RoleEntry {
    /// An entry whose name was checked and normalized ([`Role::normalize_name`]).
    fn new(id: RoleId, name: String, predefined: bool, explicit: Vec<(FeatureId, Level)>) -> Self {
        RoleEntry {
            key: tessera_core::name_key(&name),
            id,
            name,
            predefined,
            explicit,
        }
    }

    fn explicit_at(&self, feature: FeatureId) -> Option<Level> {
        self.explicit
            .binary_search_by_key(&feature, |(at, _)| *at)
            .ok()
            .map(|i| self.explicit[i].1)
    }
}

/// The permission policy of one account: its feature tree, roles, user assignments, the
/// compiled table of every role's effective level, and a version bumped by every change.
///
/// Queries take [`FeatureId`]s (resolve a path once with [`Policy::feature`]); a check is a
/// hash lookup of the user and one index into the compiled table, with no allocation.
///
/// ```
/// use tessera_access::{standard_tree, Level, Policy, Role};
/// use tessera_core::{RoleId, UserId};
///
/// let tree = standard_tree(&["crm"], &["test", "production"], &[]).unwrap();
/// let mut policy = Policy::standard(tree).unwrap();
/// let releaser = RoleId::from_u128(100);
/// policy
///     .add_role(
///         Role::custom(releaser, "Releaser")
///             .with("publish_rights", Level::Write)
///             .with("publish_rights/env:production", Level::None),
///     )
///     .unwrap();
/// let ana = UserId::from_u128(1);
/// policy.assign(ana, releaser).unwrap();
///
/// let test = policy.feature("publish_rights/env:test").unwrap();
/// let production = policy.feature("publish_rights/env:production").unwrap();
/// assert!(policy.check(ana, test, Level::Write).unwrap());
/// assert!(!policy.check(ana, production, Level::Read).unwrap());
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    tree: FeatureTree,
    roles: Vec<RoleEntry>,
    role_numbers: HashMap<RoleId, usize, UuidBuildHasher>,
    table: RoleTable,
    users: UserIndex,
    members: Vec<Vec<UserId>>,
    scoped: HashMap<(Key128, Key128), RoleId, UuidBuildHasher>,
    version: PolicyVersion,
}

impl Policy {
    /// A policy over `tree` with no roles and no users.
    pub fn new(tree: FeatureTree) -> Self {
        Policy {
            tree,
            roles: Vec::new(),
            role_numbers: HashMap::default(),
            table: RoleTable::default(),
            users: UserIndex::default(),
            members: Vec::new(),
            scoped: HashMap::default(),
            version: PolicyVersion(0),
        }
    }

    /// A policy over a standard tree with the eight predefined roles installed. Fails when the
    /// tree lacks one of the standard top-level features.
    pub fn standard(tree: FeatureTree) -> Result<Self, AccessError> {
        let mut policy = Policy::new(tree);
        policy.add_roles(crate::predefined_roles())?;
        Ok(policy)
    }

    /// Rebuilds a policy from its portable form, validating every path and role. Errors name
    /// the offending path or role.
    pub fn import(document: PolicyDocument) -> Result<Self, AccessError> {
        let tree = FeatureTree::builder().features(document.features).build()?;
        let mut policy = Policy::new(tree);
        policy.add_roles(document.roles)?;
        Ok(policy)
    }

    /// The portable form of the tree and every role.
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let json = serde_json::to_string(&policy.export()).unwrap();
    /// let copy = Policy::import(serde_json::from_str(&json).unwrap()).unwrap();
    /// assert_eq!(copy.export(), policy.export());
    /// ```
    pub fn export(&self) -> PolicyDocument {
        PolicyDocument {
            features: self.tree.paths().iter().map(ToString::to_string).collect(),
            roles: self
                .roles
                .iter()
                .map(|entry| self.role_of_entry(entry))
                .collect(),
        }
    }

    // ---- version -------------------------------------------------------------------------

    /// The current version; every successful change bumps it.
    pub fn version(&self) -> PolicyVersion {
        self.version
    }

    /// Sets the version, for a policy rebuilt from storage that keeps the version there.
    pub fn with_version(mut self, version: PolicyVersion) -> Self {
        self.version = version;
        self
    }

    /// True when this policy reflects at least `version`.
    pub fn is_at_least(&self, version: PolicyVersion) -> bool {
        self.version >= version
    }

    fn bump(&mut self) {
        self.version.0 += 1;
    }

    // ---- features ------------------------------------------------------------------------

    /// The feature tree.
    pub fn tree(&self) -> &FeatureTree {
        &self.tree
    }

    /// The id of the feature at `path`.
    pub fn feature(&self, path: &str) -> Result<FeatureId, AccessError> {
        self.tree.id(path)
    }

    /// Adds a feature at run time (its parent must exist). Every compiled role table is
    /// extended by one entry copied from the parent: O(roles), no recompilation.
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let before = policy.version();
    /// let hr = policy.add_feature("workspace/app:hr").unwrap();
    /// assert_eq!(policy.level(ana, hr).unwrap(), Level::Write);
    /// assert!(policy.version() > before);
    /// ```
    pub fn add_feature(&mut self, path: &str) -> Result<FeatureId, AccessError> {
        let id = self.tree.add_path(path)?;
        let parent = self.tree.parent(id);
        self.table.push_feature(parent);
        self.bump();
        Ok(id)
    }

    // ---- shared helpers ------------------------------------------------------------------

    fn role_of_entry(&self, entry: &RoleEntry) -> Role {
        let settings: BTreeMap<FeaturePath, Setting> = entry
            .explicit
            .iter()
            .filter_map(|&(feature, level)| {
                self.tree
                    .path(feature)
                    .ok()
                    .map(|p| (p.clone(), Setting::from(level)))
            })
            .collect();
        Role {
            id: entry.id,
            name: entry.name.clone(),
            predefined: entry.predefined,
            settings,
        }
    }

    fn role_number(&self, id: RoleId) -> Result<usize, AccessError> {
        match self.role_numbers.get(&id) {
            Some(number) => Ok(*number),
            None => Err(AccessError::UnknownRole { role: id }),
        }
    }

    #[inline]
    fn slot(&self, user: UserId) -> Result<UserSlot, CheckError> {
        match self.users.get(Key128::of(user.as_u128())) {
            Some(slot) => Ok(slot),
            None => Err(CheckError::UnknownUser { user }),
        }
    }

    /// The role number deciding for `user` in `scope`: the scoped role if any, else the
    /// account-wide one; with how it was granted.
    fn deciding_role(
        &self,
        user: UserId,
        scope: Option<ScopeId>,
    ) -> Result<Option<(usize, Option<ScopeId>)>, CheckError> {
        let slot = self.slot(user)?;
        // A scoped role always exists: roles cannot be deleted while assigned.
        if let Some(scope) = scope
            && let Some(role) = self
                .scoped
                .get(&(Key128::of(user.as_u128()), Key128::of(scope.as_u128())))
            && let Some(number) = self.role_numbers.get(role)
        {
            return Ok(Some((*number, Some(scope))));
        }
        Ok((slot.role != NO_ROLE).then_some((slot.role as usize, None)))
    }
}

#[cfg(test)]
mod tests;
