//! Tessera: access control and sharing for SaaS products.
//!
//! This crate re-exports the workspace's library crates under one roof:
//! [`core`] (ids, clocks) and [`access`] (the permission engine).

#![deny(missing_docs)]

pub use tessera_access as access;
pub use tessera_core as core;
