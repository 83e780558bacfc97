//! Roles: adding, updating and deleting them, their settings and names, and compiling the
//! table of every role's effective levels.

use std::collections::HashSet;

use tessera_core::RoleId;

use super::{NO_ROLE, Policy, RoleEntry};
use crate::table::RoleTable;
use crate::{AccessError, FeatureId, Level, Role, Setting};

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

impl Policy {
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

    /// Checks `role`'s name and paths: its name as stored (NFC) and its explicit levels.
    fn resolve_role(&self, role: &Role) -> Result<RoleEntry, AccessError> {
        let name = Role::normalize_name(&role.name)?;
        let by_id = role
            .settings
            .iter()
            .map(|(path, setting)| Ok((self.tree.id(path.as_str())?, *setting)))
            .collect::<Result<Vec<_>, AccessError>>()?;
        let explicit = self.resolve_settings(by_id)?;
        Ok(RoleEntry::new(role.id, name, role.predefined, explicit))
    }

    /// Refuses `entry`'s name when another role (not `except`) has the same
    /// [`tessera_core::name_key`]: the same name but for case, width variants or invisible
    /// characters. Predefined roles are among the others, so no look-alike of theirs is free.
    fn check_name_free(
        &self,
        entry: &RoleEntry,
        except: Option<RoleId>,
    ) -> Result<(), AccessError> {
        let taken = self
            .roles
            .iter()
            .any(|r| Some(r.id) != except && r.key == entry.key);
        if taken {
            Err(AccessError::DuplicateRoleName {
                name: entry.name.clone(),
            })
        } else {
            Ok(())
        }
    }

    /// Adds a role (custom, or predefined when `role.predefined` is set — predefined roles are
    /// then locked). Every path must be in the tree; the id must be new, and so must the name
    /// compared by [`tessera_core::name_key`] (`editor` clashes with `Editor`, `ADMIN` with the
    /// predefined `Admin`). The name must pass [`Role::validate_name`] and is stored
    /// NFC-normalized.
    pub fn add_role(&mut self, role: Role) -> Result<(), AccessError> {
        let entry = self.resolve_role(&role)?;
        self.insert_role(entry)
    }

    /// Adds a custom role from settings keyed by feature id (for callers that resolved the
    /// paths already, such as bulk loads). The name is checked and stored as by
    /// [`Policy::add_role`].
    pub fn add_role_by_ids(
        &mut self,
        id: RoleId,
        name: impl Into<String>,
        settings: impl IntoIterator<Item = (FeatureId, Setting)>,
    ) -> Result<(), AccessError> {
        let name = Role::normalize_name(&name.into())?;
        let explicit = self.resolve_settings(settings)?;
        self.insert_role(RoleEntry::new(id, name, false, explicit))
    }

    /// Adds many roles at once (custom or predefined, as flagged) and compiles the table a
    /// single time. Either every role is added or, on the first invalid one, none is. Names
    /// are checked and stored as by [`Policy::add_role`], and must differ among the new roles
    /// too.
    pub fn add_roles(&mut self, roles: impl IntoIterator<Item = Role>) -> Result<(), AccessError> {
        let entries = roles
            .into_iter()
            .map(|role| self.resolve_role(&role))
            .collect::<Result<Vec<_>, _>>()?;
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
            let name = Role::normalize_name(&name)?;
            let explicit = self.resolve_settings(settings)?;
            entries.push(RoleEntry::new(id, name, false, explicit));
        }
        self.insert_roles(entries)
    }

    /// Checks that the new roles' ids and names (by key) are free, among themselves too, then
    /// adds them all and compiles once.
    fn insert_roles(&mut self, entries: Vec<RoleEntry>) -> Result<(), AccessError> {
        let mut ids = HashSet::new();
        let mut keys: HashSet<&str> = self.roles.iter().map(|r| r.key.as_str()).collect();
        for entry in &entries {
            if self.role_numbers.contains_key(&entry.id) || !ids.insert(entry.id) {
                return Err(AccessError::DuplicateRole { role: entry.id });
            }
            if !keys.insert(entry.key.as_str()) {
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
    /// refused. The name is checked and stored as by [`Policy::add_role`]; the role's own
    /// name in another case (or form) is free for it.
    pub fn update_role(&mut self, role: Role) -> Result<(), AccessError> {
        let number = self.editable(role.id)?;
        if role.predefined {
            return Err(AccessError::PredefinedRole {
                role: role.id,
                name: role.name,
            });
        }
        let updated = self.resolve_role(&role)?;
        self.check_name_free(&updated, Some(role.id))?;
        let entry = &mut self.roles[number];
        entry.name = updated.name;
        entry.key = updated.key;
        entry.explicit = updated.explicit;
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
}
