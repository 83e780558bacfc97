//! Queries: levels and checks (account-wide and within a scope), who can, which roles,
//! what can, and the size of the compiled table.

use tessera_core::{RoleId, ScopeId, UserId};

use super::{NO_ROLE, Policy, PolicyVersion};
use crate::{AccessError, CheckError, FeatureId, Level};

/// A user resolved once by [`Policy::user_handle`], so that [`Policy::check_handle`] skips
/// the user lookup: for a caller that asks many questions about one user (a request, a page).
/// It holds the user's role at the policy version it was taken at; after any change to the
/// policy, a check with it answers [`CheckError::StaleHandle`] and the caller takes a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserHandle {
    role: u32,
    version: PolicyVersion,
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

impl Policy {
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

    /// Resolves `user` once, for [`Policy::check_handle`].
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let crm = policy.feature("workspace/app:crm").unwrap();
    /// let handle = policy.user_handle(ana).unwrap();
    /// assert!(policy.check_handle(handle, crm, Level::Write).unwrap());
    /// policy.add_app("erp").unwrap();
    /// assert!(policy.check_handle(handle, crm, Level::Write).is_err(), "stale after a change");
    /// ```
    pub fn user_handle(&self, user: UserId) -> Result<UserHandle, CheckError> {
        Ok(UserHandle {
            role: self.slot(user)?.role,
            version: self.version,
        })
    }

    /// [`Policy::check`] for a user resolved by [`Policy::user_handle`]: a version compare and
    /// one byte of the table. No allocation.
    #[inline]
    pub fn check_handle(
        &self,
        handle: UserHandle,
        feature: FeatureId,
        at_least: Level,
    ) -> Result<bool, CheckError> {
        if handle.version != self.version {
            return Err(CheckError::StaleHandle {
                taken: handle.version.0,
                current: self.version.0,
            });
        }
        self.known_feature(feature)?;
        let level = if handle.role == NO_ROLE {
            Level::None
        } else {
            self.table.get(feature, handle.role as usize)
        };
        Ok(level.allows(at_least))
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

    /// Every user whose account-wide role gives at least `at_least` on `feature`, grouped by
    /// role in role order.
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
    /// level, parents first.
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
