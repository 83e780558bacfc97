//! Shared vocabulary of Tessera: typed ids, account scoping, clocks, secrets, the audit
//! trail's event types, and the rules for names ([`clean_name`], [`name_key`]) and e-mail
//! addresses ([`normalize_email`]).
//!
//! Every other crate of the workspace speaks in these types. The crate is tiny and does no
//! I/O: ids are made from bytes the caller supplies (from whatever random source it trusts),
//! and time is read through a [`Clock`] so that domain code can be tested at a pinned instant.
//!
//! ```
//! use tessera_core::{AccountId, UserId};
//!
//! let account = AccountId::from_random_bytes([7; 16]);
//! let user: UserId = "0b6f2a43-6a1f-4c38-9a55-0c1e8a1d2b3c".parse().unwrap();
//! assert_eq!(user.to_string(), "0b6f2a43-6a1f-4c38-9a55-0c1e8a1d2b3c");
//! assert_ne!(account.as_uuid(), user.as_uuid());
//! ```

mod audit;
mod clock;
mod email;
mod id;
mod names;
mod secret;

pub use audit::{AuditAction, AuditEvent};
pub use clock::{Clock, FixedClock, ManualClock, SystemClock};
pub use email::normalize_email;
pub use id::{AccountId, IdParseError, RoleId, ScopeId, UserId};
pub use names::{NameError, clean_name, name_key};
pub use secret::{BearerSecret, SecretKey, SecretKeyError, constant_time_eq, hex, sha256_hex};
pub use uuid::Uuid;
