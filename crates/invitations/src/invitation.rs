//! One invitation: a recipient of a share, the magic link and the code that let them in, and
//! the states it goes through. Pure: time comes in as `now`, secrets as hashes made by the
//! caller's [`SecretKey`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{BearerSecret, SecretKey};

use crate::{InvitationError, VerificationCode};

/// HMAC purpose of magic-link tokens.
pub const LINK_PURPOSE: &str = "tessera/invitation-link";
/// HMAC purpose of verification codes (the message is the invitation id and the code).
pub const CODE_PURPOSE: &str = "tessera/invitation-code";
/// Wrong codes that void the current code; a resend issues a new one.
pub const MAX_CODE_ATTEMPTS: u8 = 5;
/// Default validity of a link and code, from issue.
pub const DEFAULT_VALIDITY_DAYS: i64 = 14;
/// Shortest and longest validity an account may set.
pub const VALIDITY_DAYS: std::ops::RangeInclusive<i64> = 1..=90;

/// Where an invitation stands. `expired` is not stored: it is read from the expiry time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvitationState {
    /// Created, its e-mail not yet handed to the mail server.
    Pending,
    /// Handed to the mail server.
    Sent,
    /// The mail server accepted it for delivery.
    Delivered,
    /// The recipient opened the external site with the link or the code.
    Opened,
    /// The recipient proved they hold the link or the code.
    Verified,
    /// The link and code are past their validity.
    Expired,
    /// Ended by the sender or an admin.
    Revoked,
    /// The mail server refused the address.
    Bounced,
}

impl InvitationState {
    /// The lowercase wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Sent => "sent",
            InvitationState::Delivered => "delivered",
            InvitationState::Opened => "opened",
            InvitationState::Verified => "verified",
            InvitationState::Expired => "expired",
            InvitationState::Revoked => "revoked",
            InvitationState::Bounced => "bounced",
        }
    }
}

/// HMAC purpose that derives an invitation's secrets from its id and issue nonce.
pub const DERIVE_PURPOSE: &str = "tessera/invitation-secrets";

/// An invitation's secrets: the link token and the code, put in the recipient's e-mail.
///
/// They are never stored. They are derived from the server key, the invitation id and a
/// random per-issue nonce, so the outbox can render the e-mail (again, after a crash) from
/// what is stored, while whoever reads the database without the key learns nothing; what
/// is stored to check them is their HMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedSecrets {
    /// The magic-link token (256 bits, base64url in the link).
    pub token: BearerSecret,
    /// The verification code.
    pub code: VerificationCode,
}

impl IssuedSecrets {
    /// The secrets of invitation `id` issued with `nonce`.
    pub fn derive(key: &SecretKey, id: &[u8; 16], nonce: &[u8; 16]) -> Self {
        let mut message = [0u8; 33];
        message[..16].copy_from_slice(id);
        message[16..32].copy_from_slice(nonce);
        let token = key.sign(DERIVE_PURPOSE, &message);
        message[32] = 1;
        let code_bits = key.sign(DERIVE_PURPOSE, &message);
        let mut code = [0u8; 5];
        code.copy_from_slice(&code_bits[..5]);
        IssuedSecrets {
            token: BearerSecret::from_bytes(token),
            code: VerificationCode::from_bytes(code),
        }
    }
}

/// The HMAC of a magic-link token (how it is stored and looked up).
pub fn link_tag(key: &SecretKey, token: &BearerSecret) -> [u8; 32] {
    key.sign(LINK_PURPOSE, token.to_string().as_bytes())
}

fn code_message(invitation_id: &[u8; 16], code: &VerificationCode) -> [u8; 24] {
    let mut message = [0u8; 24];
    message[..16].copy_from_slice(invitation_id);
    message[16..].copy_from_slice(code.as_bytes());
    message
}

/// An invitation as the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id (16 bytes of a UUID), bound into the code's HMAC.
    pub id: [u8; 16],
    /// The random nonce of the current issue (secrets are derived from it and the key).
    pub nonce: [u8; 16],
    /// The recipient's e-mail (normalized).
    pub recipient: String,
    /// The stored state (see [`Invitation::state_at`] for the state including expiry).
    pub state: InvitationState,
    /// When the current link and code were issued.
    pub issued_at: DateTime<Utc>,
    /// When they stop working.
    pub expires_at: DateTime<Utc>,
    /// HMAC of the current link token.
    pub link_tag: [u8; 32],
    /// HMAC of (id, current code).
    pub code_tag: [u8; 32],
    /// Wrong codes entered against the current code.
    pub code_failures: u8,
}

/// The states an invitation entered in one transition, in order; empty when nothing
/// changed. Callers record one event per state entered and write the invitation back only
/// when something changed — they never compare states themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Entered([Option<InvitationState>; 2]);

impl Entered {
    /// Nothing changed.
    pub const NOTHING: Entered = Entered([None, None]);

    fn push(&mut self, state: InvitationState) {
        if let Some(slot) = self.0.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some(state);
        }
    }

    /// True when the transition changed nothing.
    pub fn is_empty(&self) -> bool {
        self.0[0].is_none()
    }

    /// The states entered, oldest first.
    pub fn states(&self) -> impl Iterator<Item = InvitationState> + '_ {
        self.0.iter().flatten().copied()
    }
}

/// What checking a typed code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// The code is right: the recipient is in. `entered` is empty when the invitation was
    /// verified before (a second device).
    Verified {
        /// The states entered (`verified`, or nothing).
        entered: Entered,
    },
    /// A wrong code, counted against the invitation (write it back); the fifth voids the code.
    Wrong,
    /// Refused without counting: expired, revoked, bounced, or the code already voided.
    Refused,
}

impl Invitation {
    /// A new pending invitation for `recipient`, valid `validity_days` from `now`; `nonce` is
    /// 16 random bytes.
    pub fn issue(
        key: &SecretKey,
        id: [u8; 16],
        recipient: String,
        nonce: [u8; 16],
        now: DateTime<Utc>,
        validity_days: i64,
    ) -> Result<Self, InvitationError> {
        if !VALIDITY_DAYS.contains(&validity_days) {
            return Err(InvitationError::InvalidValidity {
                days: validity_days,
            });
        }
        let secrets = IssuedSecrets::derive(key, &id, &nonce);
        Ok(Invitation {
            id,
            nonce,
            recipient,
            state: InvitationState::Pending,
            issued_at: now,
            expires_at: now + Duration::days(validity_days),
            link_tag: link_tag(key, &secrets.token),
            code_tag: key.sign(CODE_PURPOSE, &code_message(&id, &secrets.code)),
            code_failures: 0,
        })
    }

    /// The state at `now`: the stored one, or `expired` once past the expiry (unless it
    /// already ended as revoked or bounced).
    pub fn state_at(&self, now: DateTime<Utc>) -> InvitationState {
        match self.state {
            InvitationState::Revoked | InvitationState::Bounced => self.state,
            _ if now >= self.expires_at => InvitationState::Expired,
            state => state,
        }
    }

    /// True while the link or code can still let the recipient in.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        !matches!(
            self.state_at(now),
            InvitationState::Expired | InvitationState::Revoked | InvitationState::Bounced
        )
    }

    /// Moves to `to` and reports it, or reports nothing when already there.
    fn enter(&mut self, to: InvitationState, entered: &mut Entered) {
        if self.state != to {
            self.state = to;
            entered.push(to);
        }
    }

    /// The mail server took the e-mail.
    pub fn mark_sent(&mut self) -> Entered {
        let mut entered = Entered::NOTHING;
        if self.state == InvitationState::Pending {
            self.enter(InvitationState::Sent, &mut entered);
        }
        entered
    }

    /// The mail server accepted it for delivery (passing through `sent` when the e-mail was
    /// still pending).
    pub fn mark_delivered(&mut self) -> Entered {
        let mut entered = self.mark_sent();
        if self.state == InvitationState::Sent {
            self.enter(InvitationState::Delivered, &mut entered);
        }
        entered
    }

    /// The mail server refused the address: the invitation ends (unless it was verified or
    /// revoked already).
    pub fn mark_bounced(&mut self) -> Entered {
        let mut entered = Entered::NOTHING;
        if !matches!(
            self.state,
            InvitationState::Verified | InvitationState::Revoked
        ) {
            self.enter(InvitationState::Bounced, &mut entered);
        }
        entered
    }

    /// The recipient opened the external site (before proving anything).
    pub fn mark_opened(&mut self, now: DateTime<Utc>) -> Entered {
        let mut entered = Entered::NOTHING;
        if self.usable_at(now)
            && matches!(
                self.state,
                InvitationState::Pending | InvitationState::Sent | InvitationState::Delivered
            )
        {
            self.enter(InvitationState::Opened, &mut entered);
        }
        entered
    }

    /// Ends the invitation at once.
    pub fn revoke(&mut self) -> Result<(), InvitationError> {
        if self.state == InvitationState::Revoked {
            return Err(InvitationError::AlreadyRevoked);
        }
        self.state = InvitationState::Revoked;
        Ok(())
    }

    /// The current link token and code (derived again from the key; for the e-mail).
    pub fn secrets(&self, key: &SecretKey) -> IssuedSecrets {
        IssuedSecrets::derive(key, &self.id, &self.nonce)
    }

    /// Issues a new link and code from a new random `nonce` (the old ones stop working),
    /// valid `validity_days` from `now`, and starts over at `pending`. A revoked invitation
    /// stays revoked.
    pub fn resend(
        &mut self,
        key: &SecretKey,
        nonce: [u8; 16],
        now: DateTime<Utc>,
        validity_days: i64,
    ) -> Result<(), InvitationError> {
        if self.state == InvitationState::Revoked {
            return Err(InvitationError::AlreadyRevoked);
        }
        if nonce == self.nonce {
            return Err(InvitationError::NonceReused);
        }
        let fresh = Invitation::issue(
            key,
            self.id,
            self.recipient.clone(),
            nonce,
            now,
            validity_days,
        )?;
        let verified = self.state == InvitationState::Verified;
        *self = fresh;
        if verified {
            self.state = InvitationState::Verified;
        }
        Ok(())
    }

    /// Checks a magic-link token in constant time.
    pub fn link_matches(&self, key: &SecretKey, token: &BearerSecret) -> bool {
        key.verify(LINK_PURPOSE, token.to_string().as_bytes(), &self.link_tag)
    }

    /// Verifies with the magic link (the POST behind the landing page's button): the
    /// invitation is opened, then verified. Nothing changes on a refusal.
    pub fn verify_link(
        &mut self,
        key: &SecretKey,
        token: &BearerSecret,
        now: DateTime<Utc>,
    ) -> Result<Entered, InvitationError> {
        if !self.link_matches(key, token) || !self.usable_at(now) {
            return Err(InvitationError::Refused);
        }
        let mut entered = self.mark_opened(now);
        self.enter(InvitationState::Verified, &mut entered);
        Ok(entered)
    }

    /// Checks a typed code. A wrong code counts, and the fifth wrong one voids the code, so
    /// even the right code is refused afterwards until a resend. Callers answer every
    /// outcome but [`CodeCheck::Verified`] the same way.
    pub fn verify_code(
        &mut self,
        key: &SecretKey,
        code: &VerificationCode,
        now: DateTime<Utc>,
    ) -> CodeCheck {
        let matches = key.verify(CODE_PURPOSE, &code_message(&self.id, code), &self.code_tag);
        if !self.usable_at(now) || self.code_failures >= MAX_CODE_ATTEMPTS {
            return CodeCheck::Refused;
        }
        if !matches {
            self.code_failures += 1;
            return CodeCheck::Wrong;
        }
        let mut entered = Entered::NOTHING;
        self.enter(InvitationState::Verified, &mut entered);
        CodeCheck::Verified { entered }
    }
}
