//! Assignments: each user's account-wide role and their roles within scopes.

use tessera_core::{RoleId, ScopeId, UserId};

use super::{NO_ROLE, Policy};
use crate::AccessError;
use crate::hash::Key128;
use crate::users::UserSlot;

impl Policy {
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
    /// their account-wide role. An unknown user is registered without an account-wide role.
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
}
