#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

/// The permission engine ([`tessera_access`]).
pub use tessera_access as access;
/// Typed ids and clocks ([`tessera_core`]).
pub use tessera_core as core;
