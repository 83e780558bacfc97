//! The policy of one account: feature tree, roles, assignments, compiled tables and version.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use tessera_core::{RoleId, ScopeId, UserId};

use crate::hash::{Key128, UuidBuildHasher};
use crate::table::RoleTable;
use crate::users::{UserIndex, UserSlot};
use crate::{AccessError, CheckError, FeatureId, FeaturePath, FeatureTree, Level, Role, Setting};

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

/// One question of a batch: may `user` act on `feature` at `at_least`?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckQuery {
    /// Who asks.
    pub user: UserId,
    /// On what.
    pub feature: FeatureId,
    /// The level needed.
    pub at_least: Level,
}

/// A role's id, name and predefined flag, without its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleInfo<'a> {
    /// Stable id.
    pub id: RoleId,
    /// Display name.
    pub name: &'a str,
    /// Predefined roles cannot be edited or deleted.
    pub predefined: bool,
}

/// How a user came to hold the role an answer was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grant {
    /// The user's account-wide role.
    AccountRole {
        /// The role.
        role: RoleId,
        /// Its name.
        role_name: String,
    },
    /// A role assigned to the user within a scope (a case, a project).
    ScopedRole {
        /// The scope.
        scope: ScopeId,
        /// The role.
        role: RoleId,
        /// Its name.
        role_name: String,
    },
    /// The user holds no role: `none` everywhere.
    Unassigned,
}

/// Why a user has the level they have on a feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Who.
    pub user: UserId,
    /// On what.
    pub feature: FeaturePath,
    /// The effective level.
    pub level: Level,
    /// The role the level comes from.
    pub grant: Grant,
    /// The feature whose explicit setting decided; `None` when no feature on the way to the
    /// top was set (then the level is `none`), or when the user holds no role.
    pub set_on: Option<FeaturePath>,
    /// The features walked with `inherit`, starting at the one asked about, up to (not
    /// including) `set_on`.
    pub inherited_through: Vec<FeaturePath>,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` on `{}`: `{}`", self.user, self.feature, self.level)?;
        match &self.grant {
            Grant::AccountRole { role_name, .. } => write!(f, " through role `{role_name}`")?,
            Grant::ScopedRole {
                scope, role_name, ..
            } => write!(f, " through role `{role_name}` in scope `{scope}`")?,
            Grant::Unassigned => return write!(f, " (no role assigned)"),
        }
        if !self.inherited_through.is_empty() {
            let chain: Vec<&str> = self
                .inherited_through
                .iter()
                .map(FeaturePath::as_str)
                .collect();
            write!(f, ", inherited through `{}`", chain.join("` → `"))?;
        }
        match &self.set_on {
            Some(set_on) => write!(f, ", set on `{set_on}`"),
            None => write!(f, ", nothing set up to the top (none by default)"),
        }
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
    predefined: bool,
    /// Explicit levels, sorted by feature.
    explicit: Vec<(FeatureId, Level)>,
}

impl RoleEntry {
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
    /// extended by one entry copied from the parent: O(roles), no recompilation.
    pub fn add_feature(&mut self, path: &str) -> Result<FeatureId, AccessError> {
        let id = self.tree.add_path(path)?;
        let parent = self.tree.parent(id);
        self.table.push_feature(parent);
        self.bump();
        Ok(id)
    }

    // ---- roles ---------------------------------------------------------------------------

    /// Every role, in creation order.
    pub fn roles(&self) -> impl ExactSizeIterator<Item = RoleInfo<'_>> {
        self.roles.iter().map(|r| RoleInfo {
            id: r.id,
            name: &r.name,
            predefined: r.predefined,
        })
    }

    /// The role `id` in its portable form.
    pub fn role(&self, id: RoleId) -> Result<Role, AccessError> {
        Ok(self.role_of_entry(&self.roles[self.role_number(id)?]))
    }

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

    /// Checks settings keyed by feature id and keeps the explicit levels, sorted by feature.
    /// When a feature appears more than once, its last setting wins.
    fn resolve_settings(
        &self,
        settings: impl IntoIterator<Item = (FeatureId, Setting)>,
    ) -> Result<Vec<(FeatureId, Level)>, AccessError> {
        let settings = settings.into_iter();
        let mut given: Vec<(FeatureId, Setting)> = Vec::with_capacity(settings.size_hint().0);
        let features = self.tree.len();
        for (feature, setting) in settings {
            if feature.index() >= features {
                return Err(AccessError::UnknownFeatureId { id: feature.get() });
            }
            given.push((feature, setting));
        }
        // Inputs usually come sorted (from a map, a table or a previous export).
        if !given.is_sorted_by(|a, b| a.0 < b.0) {
            given.sort_by_key(|(feature, _)| *feature); // stable: equal features keep order
        }
        let mut explicit = Vec::with_capacity(given.len());
        for (i, &(feature, setting)) in given.iter().enumerate() {
            let last_of_feature = given.get(i + 1).is_none_or(|next| next.0 != feature);
            if let (true, Some(level)) = (last_of_feature, setting.level()) {
                explicit.push((feature, level));
            }
        }
        Ok(explicit)
    }

    fn resolve_role(&self, role: &Role) -> Result<Vec<(FeatureId, Level)>, AccessError> {
        Role::validate_name(&role.name)?;
        let by_id = role
            .settings
            .iter()
            .map(|(path, setting)| Ok((self.tree.id(path.as_str())?, *setting)))
            .collect::<Result<Vec<_>, AccessError>>()?;
        self.resolve_settings(by_id)
    }

    fn check_name_free(&self, name: &str, except: Option<RoleId>) -> Result<(), AccessError> {
        let taken = self
            .roles
            .iter()
            .any(|r| Some(r.id) != except && r.name == name);
        if taken {
            Err(AccessError::DuplicateRoleName {
                name: name.to_owned(),
            })
        } else {
            Ok(())
        }
    }

    /// Adds a role (custom, or predefined when `role.predefined` is set — predefined roles are
    /// then locked). Every path must be in the tree; the id and the name must be new.
    pub fn add_role(&mut self, role: Role) -> Result<(), AccessError> {
        let explicit = self.resolve_role(&role)?;
        self.insert_role(RoleEntry {
            id: role.id,
            name: role.name,
            predefined: role.predefined,
            explicit,
        })
    }

    /// Adds a custom role from settings keyed by feature id (for callers that resolved the
    /// paths already, such as bulk loads).
    pub fn add_role_by_ids(
        &mut self,
        id: RoleId,
        name: impl Into<String>,
        settings: impl IntoIterator<Item = (FeatureId, Setting)>,
    ) -> Result<(), AccessError> {
        let name = name.into();
        Role::validate_name(&name)?;
        let explicit = self.resolve_settings(settings)?;
        self.insert_role(RoleEntry {
            id,
            name,
            predefined: false,
            explicit,
        })
    }

    /// Adds many roles at once (custom or predefined, as flagged) and compiles the table a
    /// single time. Either every role is added or, on the first invalid one, none is.
    pub fn add_roles(&mut self, roles: impl IntoIterator<Item = Role>) -> Result<(), AccessError> {
        let mut entries = Vec::new();
        for role in roles {
            let explicit = self.resolve_role(&role)?;
            entries.push(RoleEntry {
                id: role.id,
                name: role.name,
                predefined: role.predefined,
                explicit,
            });
        }
        self.insert_roles(entries)
    }

    /// Adds many custom roles from settings keyed by feature id and compiles the table a
    /// single time. Either every role is added or, on the first invalid one, none is.
    pub fn add_roles_by_ids<I, S>(&mut self, roles: I) -> Result<(), AccessError>
    where
        I: IntoIterator<Item = (RoleId, String, S)>,
        S: IntoIterator<Item = (FeatureId, Setting)>,
    {
        let mut entries = Vec::new();
        for (id, name, settings) in roles {
            Role::validate_name(&name)?;
            let explicit = self.resolve_settings(settings)?;
            entries.push(RoleEntry {
                id,
                name,
                predefined: false,
                explicit,
            });
        }
        self.insert_roles(entries)
    }

    /// Checks that the new roles' ids and names are free (among themselves too), then adds
    /// them all and compiles once.
    fn insert_roles(&mut self, entries: Vec<RoleEntry>) -> Result<(), AccessError> {
        let mut ids = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for entry in &entries {
            if self.role_numbers.contains_key(&entry.id) || !ids.insert(entry.id) {
                return Err(AccessError::DuplicateRole { role: entry.id });
            }
            self.check_name_free(&entry.name, None)?;
            if !names.insert(entry.name.as_str()) {
                return Err(AccessError::DuplicateRoleName {
                    name: entry.name.clone(),
                });
            }
        }
        for entry in entries {
            self.stage_role(entry);
        }
        self.recompile();
        self.bump();
        Ok(())
    }

    /// Appends a role whose id and name were checked to be free (no recompilation).
    fn stage_role(&mut self, entry: RoleEntry) {
        self.role_numbers.insert(entry.id, self.roles.len());
        self.roles.push(entry);
        self.members.push(Vec::new());
    }

    fn insert_role(&mut self, entry: RoleEntry) -> Result<(), AccessError> {
        self.insert_roles(vec![entry])
    }

    /// Rebuilds the compiled table from every role's explicit settings.
    fn recompile(&mut self) {
        self.table = RoleTable::compile(
            self.tree.parents(),
            self.roles.iter().map(|r| &r.explicit[..]),
        );
    }

    fn editable(&self, id: RoleId) -> Result<usize, AccessError> {
        let number = self.role_number(id)?;
        let entry = &self.roles[number];
        if entry.predefined {
            return Err(AccessError::PredefinedRole {
                role: id,
                name: entry.name.clone(),
            });
        }
        Ok(number)
    }

    /// Replaces a custom role's name and settings (matched by `role.id`). Predefined roles are
    /// refused.
    pub fn update_role(&mut self, role: Role) -> Result<(), AccessError> {
        let number = self.editable(role.id)?;
        if role.predefined {
            return Err(AccessError::PredefinedRole {
                role: role.id,
                name: role.name,
            });
        }
        let explicit = self.resolve_role(&role)?;
        self.check_name_free(&role.name, Some(role.id))?;
        let entry = &mut self.roles[number];
        entry.name = role.name;
        entry.explicit = explicit;
        self.table
            .recompute_role(self.tree.parents(), number, &self.roles[number].explicit);
        self.bump();
        Ok(())
    }

    /// Changes one setting of a custom role. Predefined roles are refused.
    pub fn set_setting(
        &mut self,
        role: RoleId,
        path: &str,
        setting: Setting,
    ) -> Result<(), AccessError> {
        let number = self.editable(role)?;
        let feature = self.tree.id(path)?;
        let explicit = &mut self.roles[number].explicit;
        match (
            explicit.binary_search_by_key(&feature, |(at, _)| *at),
            setting.level(),
        ) {
            (Ok(i), Some(level)) => explicit[i].1 = level,
            (Ok(i), None) => {
                explicit.remove(i);
            }
            (Err(i), Some(level)) => explicit.insert(i, (feature, level)),
            (Err(_), None) => {}
        }
        self.table
            .recompute_role(self.tree.parents(), number, &self.roles[number].explicit);
        self.bump();
        Ok(())
    }

    /// Deletes a custom role. Refused for predefined roles and for roles still assigned
    /// (account-wide or in any scope).
    pub fn delete_role(&mut self, id: RoleId) -> Result<(), AccessError> {
        let number = self.editable(id)?;
        let assignments =
            self.members[number].len() + self.scoped.values().filter(|r| **r == id).count();
        if assignments > 0 {
            let name = self.roles[number].name.clone();
            return Err(AccessError::RoleInUse {
                role: id,
                name,
                assignments,
            });
        }
        self.roles.remove(number);
        self.members.remove(number);
        self.role_numbers.remove(&id);
        for (later, entry) in self.roles.iter().enumerate().skip(number) {
            self.role_numbers.insert(entry.id, later);
        }
        for slot in self.users.slots_mut() {
            if slot.role != NO_ROLE && slot.role as usize > number {
                slot.role -= 1;
            }
        }
        self.recompile();
        self.bump();
        Ok(())
    }

    // ---- assignments ---------------------------------------------------------------------

    /// Gives `user` the account-wide role `role`, replacing any previous one. An unknown user
    /// is registered.
    pub fn assign(&mut self, user: UserId, role: RoleId) -> Result<(), AccessError> {
        let number = self.role_number(role)?;
        self.detach_member(user);
        let member_at = self.members[number].len() as u32;
        self.members[number].push(user);
        self.users.insert(
            Key128::of(user.as_u128()),
            UserSlot {
                role: number as u32,
                member_at,
            },
        );
        self.bump();
        Ok(())
    }

    /// Registers `user` without an account-wide role (`none` everywhere outside the scopes
    /// they are assigned in). Does nothing to a user already known.
    pub fn add_unassigned_user(&mut self, user: UserId) {
        let key = Key128::of(user.as_u128());
        if !self.users.contains(key) {
            self.users.insert(
                key,
                UserSlot {
                    role: NO_ROLE,
                    member_at: 0,
                },
            );
            self.bump();
        }
    }

    /// Removes `user` and all their assignments, account-wide and scoped.
    pub fn remove_user(&mut self, user: UserId) -> Result<(), AccessError> {
        if !self.users.contains(Key128::of(user.as_u128())) {
            return Err(AccessError::UnknownUser { user });
        }
        self.detach_member(user);
        self.users.remove(Key128::of(user.as_u128()));
        self.scoped
            .retain(|(who, _), _| *who != Key128::of(user.as_u128()));
        self.bump();
        Ok(())
    }

    /// Takes `user` out of their role's member list (O(1): the last member moves into place).
    fn detach_member(&mut self, user: UserId) {
        let Some(slot) = self.users.get(Key128::of(user.as_u128())) else {
            return;
        };
        if slot.role == NO_ROLE {
            return;
        }
        let list = &mut self.members[slot.role as usize];
        list.swap_remove(slot.member_at as usize);
        if let Some(moved) = list.get(slot.member_at as usize).copied()
            && let Some(moved_slot) = self.users.get_mut(Key128::of(moved.as_u128()))
        {
            moved_slot.member_at = slot.member_at;
        }
        if let Some(slot) = self.users.get_mut(Key128::of(user.as_u128())) {
            slot.role = NO_ROLE;
        }
    }

    /// The account-wide role of `user` (`None` when unassigned).
    pub fn role_of(&self, user: UserId) -> Result<Option<RoleId>, AccessError> {
        let slot = self.slot(user)?;
        Ok((slot.role != NO_ROLE).then(|| self.roles[slot.role as usize].id))
    }

    /// Gives `user` role `role` within `scope` (a case, a project). In that scope it replaces
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// use tessera_core::ScopeId;
    /// let (bob, case) = (UserId::from_u128(2), ScopeId::from_u128(9));
    /// policy.assign_in(bob, case, ADMIN_ROLE).unwrap();
    /// let insights = policy.feature("insights").unwrap();
    /// assert_eq!(policy.level_in(bob, case, insights).unwrap(), Level::Write);
    /// assert_eq!(policy.level(bob, insights).unwrap(), Level::None);
    /// ```
    /// their account-wide role. An unknown user is registered without an account-wide role.
    pub fn assign_in(
        &mut self,
        user: UserId,
        scope: ScopeId,
        role: RoleId,
    ) -> Result<(), AccessError> {
        self.role_number(role)?;
        self.add_unassigned_user(user);
        self.scoped.insert(
            (Key128::of(user.as_u128()), Key128::of(scope.as_u128())),
            role,
        );
        self.bump();
        Ok(())
    }

    /// Removes `user`'s role within `scope`; returns whether there was one.
    pub fn unassign_in(&mut self, user: UserId, scope: ScopeId) -> Result<bool, AccessError> {
        self.slot(user)?;
        let removed = self
            .scoped
            .remove(&(Key128::of(user.as_u128()), Key128::of(scope.as_u128())))
            .is_some();
        if removed {
            self.bump();
        }
        Ok(removed)
    }

    /// The role `user` holds within `scope`, if any (not counting the account-wide one).
    pub fn role_in(&self, user: UserId, scope: ScopeId) -> Result<Option<RoleId>, AccessError> {
        self.slot(user)?;
        Ok(self
            .scoped
            .get(&(Key128::of(user.as_u128()), Key128::of(scope.as_u128())))
            .copied())
    }

    /// Number of users known to the policy.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    // ---- queries -------------------------------------------------------------------------

    #[inline]
    fn slot(&self, user: UserId) -> Result<UserSlot, CheckError> {
        match self.users.get(Key128::of(user.as_u128())) {
            Some(slot) => Ok(slot),
            None => Err(CheckError::UnknownUser { user }),
        }
    }

    #[inline]
    fn known_feature(&self, feature: FeatureId) -> Result<(), CheckError> {
        if self.tree.contains(feature) {
            Ok(())
        } else {
            Err(CheckError::UnknownFeatureId { id: feature.get() })
        }
    }

    /// The effective level of `user` on `feature` through their account-wide role.
    ///
    /// The error is the small, `Copy` [`CheckError`] (it converts into [`AccessError`] with `?`),
    /// so the answer travels without drop glue on the hot path.
    #[inline]
    pub fn level(&self, user: UserId, feature: FeatureId) -> Result<Level, CheckError> {
        let slot = self.slot(user)?;
        self.known_feature(feature)?;
        if slot.role == NO_ROLE {
            return Ok(Level::None);
        }
        Ok(self.table.get(feature, slot.role as usize))
    }

    /// May `user` act on `feature` at level `at_least`? No allocation.
    #[inline]
    pub fn check(
        &self,
        user: UserId,
        feature: FeatureId,
        at_least: Level,
    ) -> Result<bool, CheckError> {
        Ok(self.level(user, feature)?.allows(at_least))
    }

    /// Answers many checks; the first failing query fails the batch, naming its index.
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// use tessera_access::CheckQuery;
    /// let crm = policy.feature("workspace/app:crm").unwrap();
    /// let answers = policy
    ///     .check_batch(&[CheckQuery { user: ana, feature: crm, at_least: Level::Write }])
    ///     .unwrap();
    /// assert_eq!(answers, vec![true]);
    /// ```
    pub fn check_batch(&self, queries: &[CheckQuery]) -> Result<Vec<bool>, AccessError> {
        queries
            .iter()
            .enumerate()
            .map(|(index, q)| {
                self.check(q.user, q.feature, q.at_least)
                    .map_err(|source| AccessError::InBatch {
                        index,
                        source: Box::new(source.into()),
                    })
            })
            .collect()
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

    /// The effective level of `user` on `feature` within `scope`: their role in that scope if
    /// they have one, else their account-wide role.
    pub fn level_in(
        &self,
        user: UserId,
        scope: ScopeId,
        feature: FeatureId,
    ) -> Result<Level, CheckError> {
        self.known_feature(feature)?;
        Ok(match self.deciding_role(user, Some(scope))? {
            Some((number, _)) => self.table.get(feature, number),
            None => Level::None,
        })
    }

    /// May `user` act on `feature` at `at_least` within `scope`?
    pub fn check_in(
        &self,
        user: UserId,
        scope: ScopeId,
        feature: FeatureId,
        at_least: Level,
    ) -> Result<bool, CheckError> {
        Ok(self.level_in(user, scope, feature)?.allows(at_least))
    }

    /// Why `user` has the level they have on `feature` (account-wide).
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let crm = policy.feature("workspace/app:crm").unwrap();
    /// let why = policy.explain(ana, crm).unwrap();
    /// assert_eq!(why.level, Level::Write);
    /// assert_eq!(why.set_on.unwrap().as_str(), "workspace");
    /// assert_eq!(why.inherited_through[0].as_str(), "workspace/app:crm");
    /// ```
    pub fn explain(&self, user: UserId, feature: FeatureId) -> Result<Explanation, AccessError> {
        self.explain_with(user, None, feature)
    }

    /// Why `user` has the level they have on `feature` within `scope`.
    pub fn explain_in(
        &self,
        user: UserId,
        scope: ScopeId,
        feature: FeatureId,
    ) -> Result<Explanation, AccessError> {
        self.explain_with(user, Some(scope), feature)
    }

    fn explain_with(
        &self,
        user: UserId,
        scope: Option<ScopeId>,
        feature: FeatureId,
    ) -> Result<Explanation, AccessError> {
        let path = self.tree.path(feature)?.clone();
        let Some((number, scope)) = self.deciding_role(user, scope)? else {
            return Ok(Explanation {
                user,
                feature: path,
                level: Level::None,
                grant: Grant::Unassigned,
                set_on: None,
                inherited_through: Vec::new(),
            });
        };
        let entry = &self.roles[number];
        let grant = match scope {
            Some(scope) => Grant::ScopedRole {
                scope,
                role: entry.id,
                role_name: entry.name.clone(),
            },
            None => Grant::AccountRole {
                role: entry.id,
                role_name: entry.name.clone(),
            },
        };
        let mut inherited_through = Vec::new();
        let mut at = Some(feature);
        while let Some(current) = at {
            if let Some(level) = entry.explicit_at(current) {
                debug_assert_eq!(level, self.table.get(feature, number));
                return Ok(Explanation {
                    user,
                    feature: path,
                    level,
                    grant,
                    set_on: Some(self.tree.path(current)?.clone()),
                    inherited_through,
                });
            }
            inherited_through.push(self.tree.path(current)?.clone());
            at = self.tree.parent(current);
        }
        Ok(Explanation {
            user,
            feature: path,
            level: Level::None,
            grant,
            set_on: None,
            inherited_through,
        })
    }

    /// Every user whose account-wide role gives at least `at_least` on `feature`, grouped by
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let settings = policy.feature("settings").unwrap();
    /// assert_eq!(policy.who_can(settings, Level::Write).unwrap(), vec![ana]);
    /// ```
    /// role in role order.
    pub fn who_can(&self, feature: FeatureId, at_least: Level) -> Result<Vec<UserId>, AccessError> {
        self.tree.check_id(feature)?;
        let row = self.table.row(feature);
        let mut users = Vec::new();
        for (number, level) in row.iter().enumerate() {
            if *level >= at_least as u8 {
                users.extend_from_slice(&self.members[number]);
            }
        }
        Ok(users)
    }

    /// Every role that gives at least `at_least` on `feature`.
    pub fn roles_with(
        &self,
        feature: FeatureId,
        at_least: Level,
    ) -> Result<Vec<RoleId>, AccessError> {
        self.tree.check_id(feature)?;
        Ok(self
            .table
            .row(feature)
            .iter()
            .zip(&self.roles)
            .filter(|(level, _)| **level >= at_least as u8)
            .map(|(_, role)| role.id)
            .collect())
    }

    /// Every feature where `user`'s account-wide role gives at least `at_least`, with the
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let reach = policy.what_can(ana, Level::Write).unwrap();
    /// assert_eq!(reach.len(), policy.tree().len()); // Admin writes everywhere
    /// ```
    /// level, parents first.
    pub fn what_can(
        &self,
        user: UserId,
        at_least: Level,
    ) -> Result<Vec<(FeatureId, Level)>, AccessError> {
        let slot = self.slot(user)?;
        if slot.role == NO_ROLE {
            return Ok(if at_least == Level::None {
                self.tree
                    .iter()
                    .map(|(id, _, _)| (id, Level::None))
                    .collect()
            } else {
                Vec::new()
            });
        }
        Ok(self
            .tree
            .iter()
            .map(|(id, _, _)| (id, self.table.get(id, slot.role as usize)))
            .filter(|(_, level)| level.allows(at_least))
            .collect())
    }

    /// Bytes held by the compiled role table (one byte per (role, feature) pair, plus bounded
    /// spare room for features added at run time).
    pub fn table_bytes(&self) -> usize {
        self.table.allocated_bytes()
    }

    /// Number of (role, feature) pairs in the compiled table.
    pub fn table_pairs(&self) -> usize {
        self.table.pairs()
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
