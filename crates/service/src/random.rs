//! Randomness, from the thread's cryptographic RNG: ids, bearer secrets, nonces.

use rand::Rng;
use tessera_core::{BearerSecret, SecretKey, UserId, Uuid};

/// A time-ordered (version 7) UUID: later calls in this process give greater ids, so rows
/// keyed by them are appended to their indexes (a million runs are written in order).
pub fn time_ordered_uuid() -> Uuid {
    Uuid::now_v7()
}

/// A random (version 4) UUID.
pub fn random_uuid() -> Uuid {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    UserId::from_random_bytes(bytes).as_uuid()
}

/// A fresh 256-bit bearer secret (sessions, API tokens).
pub fn new_secret() -> BearerSecret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    BearerSecret::from_bytes(bytes)
}

/// A fresh 256-bit server key (keep it: links and codes issued under it need it).
pub fn new_key() -> SecretKey {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretKey::from_bytes(bytes)
}

/// 16 random bytes (an invitation's per-issue nonce).
pub(crate) fn nonce() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A random password for a first Admin or an added user: 36 hexadecimal characters.
pub(crate) fn password() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    tessera_core::hex(&bytes)
}
