//! A hasher for keys that are already random (UUIDs): one multiply-fold instead of SipHash.
//! Only used for the engine's internal maps, whose keys are ids the embedding service issued;
//! a collision costs a probe, never a wrong answer.

use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A 128-bit key (a UUID) stored as two words: 8-byte alignment keeps map entries compact
/// (a `u128` would align them to 16 bytes and pad every entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key128([u64; 2]);

impl Key128 {
    /// The key of a 128-bit id.
    #[inline]
    pub(crate) const fn of(value: u128) -> Self {
        Key128([value as u64, (value >> 64) as u64])
    }

    /// The key's hash: one multiply-fold of its two words.
    #[inline]
    pub(crate) fn mix(self) -> u64 {
        fold_multiply(self.0[0] ^ K1, self.0[1] ^ K2)
    }
}

impl Hash for Key128 {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128(u128::from(self.0[0]) | (u128::from(self.0[1]) << 64));
    }
}

/// Multiply-fold mixing of 128-bit keys (UUIDs and pairs of them).
#[derive(Default, Clone, Copy)]
pub(crate) struct UuidHasher(u64);

/// Builds [`UuidHasher`]s.
pub(crate) type UuidBuildHasher = BuildHasherDefault<UuidHasher>;

const K1: u64 = 0x243f_6a88_85a3_08d3;
const K2: u64 = 0x1319_8a2e_0370_7345;

#[inline]
fn fold_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl Hasher for UuidHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write_u128(&mut self, value: u128) {
        let low = value as u64;
        let high = (value >> 64) as u64;
        self.0 = fold_multiply(self.0 ^ low ^ K1, high ^ K2);
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.0 = fold_multiply(self.0 ^ value ^ K1, K2);
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn sequential_keys_spread_over_buckets_and_top_bits() {
        let build = UuidBuildHasher::default();
        let low_bits: HashSet<u64> = (0u128..4096).map(|i| build.hash_one(i) & 4095).collect();
        assert!(low_bits.len() > 2300, "{}", low_bits.len());
        let top_bits: HashSet<u64> = (0u128..4096).map(|i| build.hash_one(i) >> 57).collect();
        assert_eq!(top_bits.len(), 128);
    }

    #[test]
    fn pairs_hash_differently_by_order() {
        let build = UuidBuildHasher::default();
        assert_ne!(
            build.hash_one((1u128, 2u128)),
            build.hash_one((2u128, 1u128))
        );
    }
}
