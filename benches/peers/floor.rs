//! What a careful engineer writes by hand for the same problem, as a floor to hold Tessera
//! against: user → role in a `HashMap` with a fast hasher (foldhash), and the levels resolved
//! once into a role × feature `Vec<u8>`. Beside it the naive map: `HashMap<(role, feature),
//! level>` with the standard library's hasher.

use std::collections::HashMap;

use tessera::core::UserId;

use super::fixture::{PeerFixture, effective_levels};

/// The hand-written floor: a hash lookup of the user's role, then one byte.
pub struct Floor {
    roles: HashMap<UserId, u32, foldhash::fast::RandomState>,
    /// Row-major: `role * features + feature` → resolved level.
    table: Vec<u8>,
    features: usize,
}

impl Floor {
    /// Resolves every (role, feature) once; `users[i]` holds role `fixture.user_roles[i]`.
    pub fn new(fixture: &PeerFixture, users: &[UserId]) -> Self {
        let features = fixture.features.len();
        let mut table = Vec::with_capacity(fixture.roles.len() * features);
        for role in 0..fixture.roles.len() {
            table.extend(effective_levels(fixture, role));
        }
        let mut roles =
            HashMap::with_capacity_and_hasher(users.len(), foldhash::fast::RandomState::default());
        for (user, role) in users.iter().zip(&fixture.user_roles) {
            roles.insert(*user, *role as u32);
        }
        Floor {
            roles,
            table,
            features,
        }
    }

    /// May `user` act on feature `feature` at `at_least` (1..=3)?
    #[inline]
    pub fn check(&self, user: UserId, feature: usize, at_least: u8) -> bool {
        match self.roles.get(&user) {
            Some(&role) => self.table[role as usize * self.features + feature] >= at_least,
            None => false,
        }
    }
}

/// The naive encoding: every resolved (role, feature) level in a `HashMap` with SipHash.
pub struct NaiveMap {
    roles: HashMap<UserId, u32>,
    levels: HashMap<(u32, u32), u8>,
}

impl NaiveMap {
    /// Resolves every (role, feature) once into the map (levels ≥ read only; absent = none).
    pub fn new(fixture: &PeerFixture, users: &[UserId]) -> Self {
        let mut levels = HashMap::new();
        for role in 0..fixture.roles.len() {
            for (feature, level) in effective_levels(fixture, role).into_iter().enumerate() {
                if level > 0 {
                    levels.insert((role as u32, feature as u32), level);
                }
            }
        }
        let roles = users
            .iter()
            .zip(&fixture.user_roles)
            .map(|(user, role)| (*user, *role as u32))
            .collect();
        NaiveMap { roles, levels }
    }

    /// May `user` act on feature `feature` at `at_least` (1..=3)?
    #[inline]
    pub fn check(&self, user: UserId, feature: usize, at_least: u8) -> bool {
        let Some(&role) = self.roles.get(&user) else {
            return false;
        };
        self.levels
            .get(&(role, feature as u32))
            .is_some_and(|level| *level >= at_least)
    }
}
