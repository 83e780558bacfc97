//! Sharing with outsiders: deciding a share ([`plan_share`]: workflows yes, tasks never, wish
//! lists by their workflows; recipients normalized and de-duplicated), and the life of each
//! recipient's [`Invitation`]: a 256-bit magic link and an 8-character verification code,
//! stored only as HMAC-SHA256 under the server key, valid 14 days by default, re-sendable,
//! revocable, with five wrong codes voiding the code; and how many wrong codes are tried
//! before the external site stops ([`accounts_to_try`]).
//!
//! Pure: no I/O, no clock, no randomness — `now` and random bytes come from the caller.

#![deny(missing_docs)]

mod code;
mod error;
mod invitation;
mod limits;
mod share;

pub use code::{CODE_LEN, VerificationCode};
pub use error::InvitationError;
pub use invitation::{
    CODE_PURPOSE, CodeCheck, DEFAULT_VALIDITY_DAYS, DERIVE_PURPOSE, Entered, Invitation,
    InvitationState, IssuedSecrets, LINK_PURPOSE, MAX_CODE_ATTEMPTS, VALIDITY_DAYS, link_tag,
};
pub use limits::{
    FAILURE_WINDOW_HOURS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, accounts_to_try,
};
pub use share::{Group, Item, ItemKind, MAX_MESSAGE_CHARS, MAX_RECIPIENTS, SharePlan, plan_share};

#[cfg(test)]
mod tests;
