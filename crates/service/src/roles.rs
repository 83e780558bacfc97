//! Roles of the caller's account: list and read (`user_management: read`), create, update
//! and delete custom roles (`user_management: write`). The engine refuses changes to
//! predefined roles and deleting a role still assigned.

use std::collections::BTreeMap;

use tessera_access::{FeaturePath, Level, PolicyVersion, Role, Setting, USER_MANAGEMENT};
use tessera_core::{AuditAction, RoleId};

use crate::{Caller, ServiceError, Tessera, random_uuid};

/// A created or updated role with the policy version that includes it.
#[derive(Debug, Clone)]
pub struct SavedRole {
    /// The role as stored.
    pub role: Role,
    /// The policy version that includes it.
    pub policy_version: PolicyVersion,
}

impl Tessera {
    /// Every role of the account with its settings.
    pub fn roles(&self, caller: &Caller) -> Result<Vec<Role>, ServiceError> {
        let policy = self.authorized(caller, USER_MANAGEMENT, Level::Read)?;
        Ok(policy.export().roles)
    }

    /// One role.
    pub fn role(&self, caller: &Caller, id: RoleId) -> Result<Role, ServiceError> {
        let policy = self.authorized(caller, USER_MANAGEMENT, Level::Read)?;
        policy
            .role(id)
            .map_err(|_| ServiceError::NotFound { what: "role" })
    }

    /// Creates a custom role; unlisted features inherit.
    pub fn create_role(
        &self,
        caller: &Caller,
        name: String,
        settings: BTreeMap<FeaturePath, Setting>,
    ) -> Result<SavedRole, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        let role = Role {
            id: RoleId::from_uuid(random_uuid()),
            name,
            predefined: false,
            settings,
        };
        let now = self.now();
        let account = caller.account;
        let (role, policy_version) =
            self.change_policy(caller, AuditAction::RoleCreate, role.id, |tx, policy| {
                policy.add_role(role.clone())?;
                tx.insert_role(account, &role, now)?;
                Ok(policy.role(role.id)?)
            })?;
        Ok(SavedRole {
            role,
            policy_version,
        })
    }

    /// Replaces a custom role's name and settings.
    pub fn update_role(
        &self,
        caller: &Caller,
        id: RoleId,
        name: String,
        settings: BTreeMap<FeaturePath, Setting>,
    ) -> Result<SavedRole, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        let role = Role {
            id,
            name,
            predefined: false,
            settings,
        };
        let account = caller.account;
        let (role, policy_version) =
            self.change_policy(caller, AuditAction::RoleUpdate, id, |tx, policy| {
                if policy.role(id).is_err() {
                    return Err(ServiceError::NotFound { what: "role" });
                }
                policy.update_role(role)?;
                let stored = policy.role(id)?;
                tx.replace_role(account, &stored)?;
                Ok(stored)
            })?;
        Ok(SavedRole {
            role,
            policy_version,
        })
    }

    /// Deletes a custom role that no user holds.
    pub fn delete_role(&self, caller: &Caller, id: RoleId) -> Result<PolicyVersion, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        let account = caller.account;
        let ((), version) =
            self.change_policy(caller, AuditAction::RoleDelete, id, |tx, policy| {
                if policy.role(id).is_err() {
                    return Err(ServiceError::NotFound { what: "role" });
                }
                policy.delete_role(id)?;
                Ok(tx.delete_role(account, id)?)
            })?;
        Ok(version)
    }
}
