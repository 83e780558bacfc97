//! Compiled role tables: the effective level of every (role, feature) pair, one byte each.
//!
//! The table is stored feature-major: row `f` holds the level of every role on feature `f`.
//! That makes the three hot operations cheap: a check is one index, a new feature is one row
//! copied from its parent (O(roles), no recompilation), and "who can" reads one contiguous row.

use crate::{FeatureId, Level};

/// Roles whose explicit settings are written together, so their bytes of every row share a
/// cache-resident band while they are scattered.
const ROLE_BLOCK: usize = 64;

/// Marks "inherit" in a row under construction; never left in a finished table.
const INHERIT: u8 = u8::MAX;

/// A role's explicit levels, sorted by feature id (what compilation reads).
pub(crate) type ExplicitLevels = [(FeatureId, Level)];

/// The effective level of every role on every feature, as `Level` bytes (0..=3).
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleTable {
    roles: usize,
    levels: Vec<u8>,
}

impl RoleTable {
    /// Compiles `roles` (their explicit levels, sorted by feature) against a tree given as the
    /// parent of each feature, numbered parents-first.
    ///
    /// Three branch-free passes: fill with `inherit`; write every explicit level, a block of
    /// roles at a time; then one forward pass over the rows replaces each `inherit` byte with
    /// the byte above it in the parent's (already final) row, or `none` at the top.
    pub(crate) fn compile<'a>(
        parents: &[Option<FeatureId>],
        roles: impl ExactSizeIterator<Item = &'a ExplicitLevels>,
    ) -> Self {
        let role_count = roles.len();
        let mut levels = vec![INHERIT; parents.len() * role_count];
        let roles: Vec<&ExplicitLevels> = roles.collect();
        for (block, chunk) in roles.chunks(ROLE_BLOCK).enumerate() {
            for (offset, explicit) in chunk.iter().enumerate() {
                let column = block * ROLE_BLOCK + offset;
                for &(feature, level) in explicit.iter() {
                    levels[feature.index() * role_count + column] = level as u8;
                }
            }
        }
        for (feature, parent) in parents.iter().enumerate() {
            let start = feature * role_count;
            match parent {
                None => resolve_row(&mut levels[start..start + role_count], None),
                Some(parent) => {
                    let (done, rest) = levels.split_at_mut(start);
                    let from = parent.index() * role_count;
                    resolve_row(
                        &mut rest[..role_count],
                        Some(&done[from..from + role_count]),
                    );
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
        Level::from_bits(self.levels[feature.index() * self.roles + role])
    }

    /// Every role's level on `feature`, by role number, as `Level` bytes.
    pub(crate) fn row(&self, feature: FeatureId) -> &[u8] {
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
                .resize(self.levels.len() + self.roles, Level::None as u8),
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
                Some(&(_, level)) => level as u8,
                None => parent.map_or(Level::None as u8, |p| {
                    self.levels[p.index() * self.roles + role]
                }),
            };
            self.levels[feature * self.roles + role] = level;
        }
    }

    /// Bytes held by the table (its allocation, spare capacity included).
    pub(crate) fn allocated_bytes(&self) -> usize {
        self.levels.capacity()
    }

    /// Number of (role, feature) pairs stored.
    pub(crate) fn pairs(&self) -> usize {
        self.levels.len()
    }
}

/// Replaces every `inherit` byte of `row` with the parent's byte (or `none` at the top).
/// Written as a plain select so the compiler vectorizes it.
fn resolve_row(row: &mut [u8], parent: Option<&[u8]>) {
    match parent {
        Some(parent) => {
            for (byte, above) in row.iter_mut().zip(parent) {
                let inherit = u8::from(*byte == INHERIT).wrapping_neg();
                *byte ^= (*byte ^ *above) & inherit;
            }
        }
        None => {
            for byte in row.iter_mut() {
                *byte = if *byte == INHERIT {
                    Level::None as u8
                } else {
                    *byte
                };
            }
        }
    }
}
