#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

/// The permission engine ([`tessera_access`]).
pub use tessera_access as access;
/// Typed ids, clocks, secrets ([`tessera_core`]).
pub use tessera_core as core;
/// Shares, invitations, links and verification codes ([`tessera_invitations`]).
pub use tessera_invitations as invitations;
