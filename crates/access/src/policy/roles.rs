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
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
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
}
