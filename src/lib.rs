#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

/// The permission engine ([`tessera_access`]).
pub use tessera_access as access;
/// Shared automations: triggers, steps, consent, runs, diagnostics ([`tessera_automations`]).
pub use tessera_automations as automations;
/// Contacts, projects and tasks, apps and cases ([`tessera_contacts`]).
pub use tessera_contacts as contacts;
/// Typed ids, clocks, secrets, audit events ([`tessera_core`]).
pub use tessera_core as core;
/// The actix-web services ([`tessera_http`]).
#[cfg(feature = "http")]
pub use tessera_http as http;
/// Shares, invitations, links and verification codes ([`tessera_invitations`]).
pub use tessera_invitations as invitations;
/// E-mail templates and transports ([`tessera_mail`]).
#[cfg(feature = "service")]
pub use tessera_mail as mail;
/// The use cases and workers, framework-free ([`tessera_service`]).
#[cfg(feature = "service")]
pub use tessera_service as service;
/// The service's store over SQLite and PostgreSQL ([`tessera_store`]).
#[cfg(feature = "store")]
pub use tessera_store as store;
