//! Compiled role tables: the effective level of every (role, feature) pair, one byte each.
//!
//! The table is stored feature-major: row `f` holds the level of every role on feature `f`.
//! That makes the three hot operations cheap: a check is one index, a new feature is one row
//! copied from its parent (O(roles), no recompilation), and "who can" reads one contiguous row.

use crate::{FeatureId, Level};

/// Roles compiled together per cache-line-sized block, so a pass touches each row's block once.
const ROLE_BLOCK: usize = 64;

/// A role's explicit levels, sorted by feature id (what compilation reads).
pub(crate) type ExplicitLevels = [(FeatureId, Level)];

/// The effective level of every role on every feature.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleTable {
    roles: usize,
    levels: Vec<Level>,
}

impl RoleTable {
    /// Compiles `roles` (their explicit levels, sorted by feature) against a tree given as the
    /// parent of each feature, numbered parents-first. One forward pass over the features, in
    /// blocks of roles, resolves every `inherit`.
    pub(crate) fn compile<'a>(
        parents: &[Option<FeatureId>],
        roles: impl ExactSizeIterator<Item = &'a ExplicitLevels> + Clone,
    ) -> Self {
        let role_count = roles.len();
        let mut levels = vec![Level::None; parents.len() * role_count];
        let explicit: Vec<&ExplicitLevels> = roles.collect();
        let mut cursors = [0usize; ROLE_BLOCK];
        for block_start in (0..role_count).step_by(ROLE_BLOCK) {
            let block = &explicit[block_start..(block_start + ROLE_BLOCK).min(role_count)];
            cursors[..block.len()].fill(0);
            for (feature, parent) in parents.iter().enumerate() {
                let row = feature * role_count + block_start;
                if let Some(parent) = parent {
                    let from = parent.index() * role_count + block_start;
                    levels.copy_within(from..from + block.len(), row);
                }
                for (offset, (settings, cursor)) in block.iter().zip(&mut cursors).enumerate() {
                    if let Some(&(at, level)) = settings.get(*cursor)
                        && at.index() == feature
                    {
                        levels[row + offset] = level;
                        *cursor += 1;
                    }
                }
            }
        }
        RoleTable {
            roles: role_count,
            levels,
        }
    }

    /// The effective level of role number `role` on `feature`. Both must be in range.
    #[inline]
    pub(crate) fn get(&self, feature: FeatureId, role: usize) -> Level {
        self.levels[feature.index() * self.roles + role]
    }

    /// Every role's level on `feature`, by role number.
    pub(crate) fn row(&self, feature: FeatureId) -> &[Level] {
        let start = feature.index() * self.roles;
        &self.levels[start..start + self.roles]
    }

    /// Appends the row of a new feature: a copy of its parent's row (every role inherits, since
    /// no role can mention a feature before it exists), or `none` for a new top-level feature.
    pub(crate) fn push_feature(&mut self, parent: Option<FeatureId>) {
        let spare = self.levels.capacity() - self.levels.len();
        if spare < self.roles {
            // Bounded slack: at most 1/32 of the table, so the table stays ~1 byte per pair.
            self.levels
                .reserve_exact(self.roles.max(self.levels.len() / 32));
        }
        match parent {
            Some(parent) => {
                let from = parent.index() * self.roles;
                self.levels.extend_from_within(from..from + self.roles);
            }
            None => self
                .levels
                .resize(self.levels.len() + self.roles, Level::None),
        }
    }

    /// Recomputes the column of role number `role` after its settings changed.
    pub(crate) fn recompute_role(
        &mut self,
        parents: &[Option<FeatureId>],
        role: usize,
        explicit: &ExplicitLevels,
    ) {
        let mut settings = explicit.iter().peekable();
        for (feature, parent) in parents.iter().enumerate() {
            let level = match settings.next_if(|(at, _)| at.index() == feature) {
                Some(&(_, level)) => level,
                None => parent.map_or(Level::None, |p| self.levels[p.index() * self.roles + role]),
            };
            self.levels[feature * self.roles + role] = level;
        }
    }

    /// Bytes held by the table (its allocation, spare capacity included).
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.levels.capacity() * std::mem::size_of::<Level>()
    }

    /// Number of (role, feature) pairs stored.
    pub(crate) fn pairs(&self) -> usize {
        self.levels.len()
    }
}
