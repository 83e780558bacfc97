//! Sharing with outsiders: deciding a share ([`plan_share`]: workflows yes, tasks never, wish
//! lists by their workflows; recipients normalized and de-duplicated), and the life of each
//! recipient's [`Invitation`]: a 256-bit magic link and an 8-character verification code,
//! stored only as HMAC-SHA256 under the server key, valid 14 days by default, re-sendable,
//! revocable, with five wrong codes voiding the code.
//!
//! Pure: no I/O, no clock, no randomness — `now` and random bytes come from the caller.

#![deny(missing_docs)]

mod code;
mod error;
mod invitation;
mod share;

pub use code::{CODE_LEN, VerificationCode};
pub use error::InvitationError;
pub use invitation::{
    CODE_PURPOSE, DEFAULT_VALIDITY_DAYS, DERIVE_PURPOSE, Invitation, InvitationState,
    IssuedSecrets, LINK_PURPOSE, MAX_CODE_ATTEMPTS, VALIDITY_DAYS, Verified, link_tag,
};
pub use share::{Group, Item, ItemKind, MAX_MESSAGE_CHARS, MAX_RECIPIENTS, SharePlan, plan_share};

#[cfg(test)]
mod tests;
