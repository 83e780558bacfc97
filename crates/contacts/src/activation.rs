//! The activation of a contact's access: a single-use link, derived from the server key and
//! a per-issue nonce (so the outbox can render it again), stored only as its HMAC.

use chrono::{DateTime, Duration, Utc};
use tessera_core::{BearerSecret, SecretKey};

/// HMAC purpose deriving an activation's link token from the contact id and nonce.
pub const ACTIVATION_PURPOSE: &str = "tessera/contact-activation";
/// HMAC purpose of the stored tag of an activation's link token.
const TAG_PURPOSE: &str = "tessera/contact-activation-link";
/// HMAC purpose deriving an imported user's invitation token from the user id and nonce.
const USER_INVITATION_PURPOSE: &str = "tessera/user-invitation";
/// HMAC purpose of the stored tag of a user invitation's token.
const USER_INVITATION_TAG_PURPOSE: &str = "tessera/user-invitation-link";

/// Whom an activation link lets in: each kind has its own HMAC purposes, so a token of one
/// kind is never a token of the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivationKind {
    /// A contact turning on the access granted to them (the client portal).
    Contact,
    /// A user added to an app by an import, choosing a password.
    User,
}

impl ActivationKind {
    const fn purposes(self) -> (&'static str, &'static str) {
        match self {
            ActivationKind::Contact => (ACTIVATION_PURPOSE, TAG_PURPOSE),
            ActivationKind::User => (USER_INVITATION_PURPOSE, USER_INVITATION_TAG_PURPOSE),
        }
    }
}
/// How long an activation link works.
pub const ACTIVATION_DAYS: i64 = 14;

/// An activation link's secret, put in the contact's e-mail; never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationLink(pub BearerSecret);

impl ActivationLink {
    /// The HMAC stored for (and looked up by) this link.
    pub fn tag(&self, key: &SecretKey) -> [u8; 32] {
        self.tag_for(ActivationKind::Contact, key)
    }

    /// The HMAC stored for this link, for an activation of `kind`.
    pub fn tag_for(&self, kind: ActivationKind, key: &SecretKey) -> [u8; 32] {
        key.sign(kind.purposes().1, self.0.to_string().as_bytes())
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
        Self::issue_for(ActivationKind::Contact, key, id, nonce, now)
    }

    /// A new activation of `kind` for `id`, valid [`ACTIVATION_DAYS`] from `now`.
    pub fn issue_for(
        kind: ActivationKind,
        key: &SecretKey,
        id: &[u8; 16],
        nonce: [u8; 16],
        now: DateTime<Utc>,
    ) -> Self {
        let link = Self::derive_for(kind, key, id, &nonce);
        Activation {
            nonce,
            issued_at: now,
            expires_at: now + Duration::days(ACTIVATION_DAYS),
            tag: link.tag_for(kind, key),
        }
    }

    /// The link of contact `id`'s activation issued with `nonce`.
    pub fn derive(key: &SecretKey, id: &[u8; 16], nonce: &[u8; 16]) -> ActivationLink {
        Self::derive_for(ActivationKind::Contact, key, id, nonce)
    }

    /// The link of `id`'s activation of `kind` issued with `nonce`.
    pub fn derive_for(
        kind: ActivationKind,
        key: &SecretKey,
        id: &[u8; 16],
        nonce: &[u8; 16],
    ) -> ActivationLink {
        let mut message = [0u8; 32];
        message[..16].copy_from_slice(id);
        message[16..].copy_from_slice(nonce);
        ActivationLink(BearerSecret::from_bytes(
            key.sign(kind.purposes().0, &message),
        ))
    }

    /// This activation's link (for the e-mail).
    pub fn link(&self, key: &SecretKey, id: &[u8; 16]) -> ActivationLink {
        Self::derive(key, id, &self.nonce)
    }

    /// This activation's link, for an activation of `kind`.
    pub fn link_for(&self, kind: ActivationKind, key: &SecretKey, id: &[u8; 16]) -> ActivationLink {
        Self::derive_for(kind, key, id, &self.nonce)
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
