//! The activation of a contact's access: a single-use link, derived from the server key and
//! a per-issue nonce (so the outbox can render it again), stored only as its HMAC.

use chrono::{DateTime, Duration, Utc};
use tessera_core::{BearerSecret, SecretKey};

/// HMAC purpose deriving an activation's link token from the contact id and nonce.
pub const ACTIVATION_PURPOSE: &str = "tessera/contact-activation";
/// HMAC purpose of the stored tag of an activation's link token.
const TAG_PURPOSE: &str = "tessera/contact-activation-link";
/// How long an activation link works.
pub const ACTIVATION_DAYS: i64 = 14;

/// An activation link's secret, put in the contact's e-mail; never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationLink(pub BearerSecret);

impl ActivationLink {
    /// The HMAC stored for (and looked up by) this link.
    pub fn tag(&self, key: &SecretKey) -> [u8; 32] {
        key.sign(TAG_PURPOSE, self.0.to_string().as_bytes())
    }
}

/// A pending activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// The random nonce of this issue.
    pub nonce: [u8; 16],
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// HMAC of the link token.
    pub tag: [u8; 32],
}

impl Activation {
    /// A new activation for contact `id`, valid [`ACTIVATION_DAYS`] from `now`.
    pub fn issue(key: &SecretKey, id: &[u8; 16], nonce: [u8; 16], now: DateTime<Utc>) -> Self {
        let link = Self::derive(key, id, &nonce);
        Activation {
            nonce,
            issued_at: now,
            expires_at: now + Duration::days(ACTIVATION_DAYS),
            tag: link.tag(key),
        }
    }

    /// The link of contact `id`'s activation issued with `nonce`.
    pub fn derive(key: &SecretKey, id: &[u8; 16], nonce: &[u8; 16]) -> ActivationLink {
        let mut message = [0u8; 32];
        message[..16].copy_from_slice(id);
        message[16..].copy_from_slice(nonce);
        ActivationLink(BearerSecret::from_bytes(
            key.sign(ACTIVATION_PURPOSE, &message),
        ))
    }

    /// This activation's link (for the e-mail).
    pub fn link(&self, key: &SecretKey, id: &[u8; 16]) -> ActivationLink {
        Self::derive(key, id, &self.nonce)
    }

    /// True before it expires.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }

    /// Compares a presented tag with this activation's, in constant time.
    pub fn matches(&self, tag: &[u8; 32]) -> bool {
        tessera_core::constant_time_eq(&self.tag, tag)
    }
}
