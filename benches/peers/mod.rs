//! Peer engines for the permission benchmark, built from one engine-neutral fixture.

pub mod casbin;
pub mod cedar;
pub mod fixture;
pub mod floor;
