//! Engine-neutral description of the permission problem shared by the peer
//! encodings (Cedar, Casbin), a reference resolver and a small deterministic
//! fixture generator.
//!
//! Semantics: features form a tree (numbered parents-first). Levels are
//! `none(0) < read(1) < modify(2) < write(3)`. A role sets an explicit level
//! (including explicit `none`) on some features; every other feature inherits
//! the effective level of its parent (a root that inherits is `none`). A query
//! is allowed iff the effective level of the user's role on the feature is at
//! least `at_least`.

/// One feature of the tree; `parent` is the index of the parent feature (parents-first order).
pub struct PeerFeature {
    /// Full path, e.g. `publish_rights/system:s1/env:production`.
    pub path: String,
    /// Index of the parent feature (`None` for a root); always smaller than this feature's index.
    pub parent: Option<usize>,
}

/// A role's explicit settings: (feature index, level 0..=3). Features not listed inherit.
pub struct PeerRole {
    /// Explicit settings `(feature index, level 0..=3)`; at most one per feature.
    pub explicit: Vec<(usize, u8)>,
}

/// A check: may `user` act on `feature` at `at_least` (1 = read, 2 = modify, 3 = write)?
pub struct PeerQuery {
    /// Index into [`PeerFixture::user_roles`].
    pub user: usize,
    /// Index into [`PeerFixture::features`].
    pub feature: usize,
    /// Required level, 1..=3.
    pub at_least: u8,
}

/// The whole problem handed to each peer engine.
pub struct PeerFixture {
    /// The feature tree, parents first.
    pub features: Vec<PeerFeature>,
    /// All roles.
    pub roles: Vec<PeerRole>,
    /// The role index of each user (user `i` has role `user_roles[i]`).
    pub user_roles: Vec<usize>,
    /// The checks to answer.
    pub queries: Vec<PeerQuery>,
}

/// Level names indexed by level (`LEVEL_NAMES[3] == "write"`).
pub const LEVEL_NAMES: [&str; 4] = ["none", "read", "modify", "write"];

/// Reference resolver: the explicit level of `role` on `feature` or, failing
/// that, on its nearest ancestor that has one; `0` (none) if there is none.
pub fn naive_level(fx: &PeerFixture, role: usize, feature: usize) -> u8 {
    let explicit = &fx.roles[role].explicit;
    let mut cur = Some(feature);
    while let Some(f) = cur {
        if let Some(&(_, level)) = explicit.iter().find(|&&(ef, _)| ef == f) {
            return level;
        }
        cur = fx.features[f].parent;
    }
    0
}

/// The explicit setting of `role` per feature (`None` = inherit). If a
/// feature is listed twice the first entry wins, as in [`naive_level`].
pub fn explicit_levels(fx: &PeerFixture, role: usize) -> Vec<Option<u8>> {
    let mut explicit: Vec<Option<u8>> = vec![None; fx.features.len()];
    for &(f, level) in &fx.roles[role].explicit {
        explicit[f].get_or_insert(level);
    }
    explicit
}

/// Effective level of every feature for `role` (one pass, parents-first).
pub fn effective_levels(fx: &PeerFixture, role: usize) -> Vec<u8> {
    let explicit = explicit_levels(fx, role);
    let mut eff = vec![0u8; fx.features.len()];
    for (i, feat) in fx.features.iter().enumerate() {
        eff[i] = explicit[i].unwrap_or_else(|| feat.parent.map_or(0, |p| eff[p]));
    }
    eff
}

/// SplitMix64: a tiny deterministic RNG so fixtures need no `rand` dependency.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// New generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n as u64) as usize
    }
}
