//! Secrets: the server key with purpose-bound HMAC-SHA256, and bearer secrets (session
//! cookies, API tokens, magic links) that are handed out once and stored only as hashes.
//!
//! Nothing here draws randomness: callers pass bytes from a cryptographic RNG.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The server's 256-bit secret key. Every HMAC it makes is bound to a purpose string, so a
/// tag made for one use (say, a verification code) is never valid for another.
///
/// ```
/// use tessera_core::SecretKey;
/// let key = SecretKey::from_bytes([7; 32]);
/// let tag = key.sign("invite-code", b"ABCD1234");
/// assert!(key.verify("invite-code", b"ABCD1234", &tag));
/// assert!(!key.verify("magic-link", b"ABCD1234", &tag));
/// assert_eq!(format!("{key:?}"), "SecretKey(..)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

/// A key given as text was not 32 bytes of standard base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKeyError;

impl fmt::Display for SecretKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a secret key is 32 bytes in standard base64 (44 characters)")
    }
}

impl std::error::Error for SecretKeyError {}

impl SecretKey {
    /// A key from 32 bytes (drawn from a cryptographic RNG, or read from configuration).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }

    /// Parses the key from standard base64.
    pub fn from_base64(text: &str) -> Result<Self, SecretKeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| SecretKeyError)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SecretKeyError)?;
        Ok(SecretKey(bytes))
    }

    /// The key in standard base64, for storing it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    fn mac(&self, purpose: &str, message: &[u8]) -> HmacSha256 {
        // A 32-byte key is always accepted by HMAC.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(&(purpose.len() as u64).to_be_bytes());
        mac.update(purpose.as_bytes());
        mac.update(message);
        mac
    }

    /// HMAC-SHA256 of `message` for `purpose`.
    pub fn sign(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        self.mac(purpose, message).finalize().into_bytes().into()
    }

    /// Checks a tag made by [`SecretKey::sign`], in constant time.
    pub fn verify(&self, purpose: &str, message: &[u8], tag: &[u8]) -> bool {
        self.mac(purpose, message).verify_slice(tag).is_ok()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// A 256-bit bearer secret, shown to its holder once as base64url text; only its SHA-256
/// ([`BearerSecret::hash`]) is stored. Looking a request's secret up by its hash needs no
/// comparison of the secret itself.
///
/// ```
/// use tessera_core::BearerSecret;
/// let secret = BearerSecret::from_bytes([1; 32]);
/// let text = secret.to_string();
/// assert_eq!(text.len(), 43);
/// assert_eq!(BearerSecret::parse(&text).unwrap().hash(), secret.hash());
/// assert!(BearerSecret::parse("too-short").is_none());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BearerSecret([u8; 32]);

impl BearerSecret {
    /// A secret from 32 bytes drawn from a cryptographic RNG.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        BearerSecret(bytes)
    }

    /// Reads the text form back; `None` when it is not 32 bytes of base64url.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(BearerSecret(bytes.try_into().ok()?))
    }

    /// The SHA-256 of the secret, lowercase hex: what storage keeps.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl fmt::Display for BearerSecret {
    /// The base64url text handed to the holder (never logged by this crate).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for BearerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerSecret(..)")
    }
}

/// Same bytes, compared without stopping at the first difference (for secrets and their
/// tags; only the length may be learned from the time taken).
///
/// ```
/// use tessera_core::constant_time_eq;
/// assert!(constant_time_eq(b"tag", b"tag"));
/// assert!(!constant_time_eq(b"tag", b"tab"));
/// assert!(!constant_time_eq(b"tag", b"tags"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256 of `data` as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Bytes as lowercase hexadecimal text, in one allocation (this runs on every
/// authenticated request, where a `format!` per byte showed in the profile).
///
/// ```
/// assert_eq!(tessera_core::hex(&[0x00, 0xab, 0x7f]), "00ab7f");
/// ```
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_base64() {
        let key = SecretKey::from_bytes([42; 32]);
        assert_eq!(SecretKey::from_base64(&key.to_base64()), Ok(key));
        assert_eq!(SecretKey::from_base64("c2hvcnQ="), Err(SecretKeyError));
        assert_eq!(SecretKey::from_base64("not base64!"), Err(SecretKeyError));
    }

    #[test]
    fn tags_are_bound_to_key_purpose_and_message() {
        let key = SecretKey::from_bytes([1; 32]);
        let other = SecretKey::from_bytes([2; 32]);
        let tag = key.sign("p", b"m");
        assert!(key.verify("p", b"m", &tag));
        assert!(!other.verify("p", b"m", &tag));
        assert!(!key.verify("p", b"n", &tag));
        assert!(!key.verify("q", b"m", &tag));
        assert!(!key.verify("p", b"m", &tag[..31]));
        // The purpose is length-prefixed: moving bytes between purpose and message changes it.
        assert_ne!(key.sign("ab", b"c"), key.sign("a", b"bc"));
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        assert_eq!(
            format!("{:?}", BearerSecret::from_bytes([9; 32])),
            "BearerSecret(..)"
        );
    }
}
