//! Tessera's permission engine: who may see, edit and publish what inside an account.
//!
//! - A [`FeatureTree`] names what can be granted (`workspace/app:crm`,
//!   `publish_rights/system:sap/env:production`, …); [`standard_tree`] builds the standard one.
//! - A [`Role`] sets, per feature, a [`Level`] (`none < read < modify < write`) or `inherit`
//!   (the parent's effective level; nothing above means `none`). The nearest explicit setting
//!   wins. [`predefined_roles`] are the eight built-in, read-only roles.
//! - A [`Policy`] holds the tree, the roles, each user's account-wide role and scoped (per case
//!   or project) roles. It compiles every role into a dense table — one byte per
//!   (role, feature) — so [`Policy::check`] is a hash lookup and an index, with no allocation.
//!   It answers *why* ([`Policy::explain`]), *who can* ([`Policy::who_can`]) and *what can*
//!   ([`Policy::what_can`]), and carries a [`PolicyVersion`] that every change bumps.
//!
//! The crate is pure: no I/O, no clock, no randomness.
//!
//! ```
//! use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
//! use tessera_core::UserId;
//!
//! let mut policy = Policy::standard(standard_tree(&["crm"], &["production"], &[])?)?;
//! let admin = UserId::from_u128(1);
//! policy.assign(admin, ADMIN_ROLE)?;
//! let crm = policy.feature("workspace/app:crm")?;
//! assert!(policy.check(admin, crm, Level::Write)?);
//! println!("{}", policy.explain(admin, crm)?);
//! # Ok::<(), tessera_access::AccessError>(())
//! ```

#![deny(missing_docs)]

mod error;
mod hash;
mod level;
mod path;
mod policy;
mod role;
mod standard;
mod table;
mod tree;
mod users;

pub use error::{AccessError, CheckError};
pub use level::{Level, Setting};
pub use path::{FeaturePath, MAX_DEPTH, MAX_PATH_LEN, MAX_SEGMENT_LEN};
pub use policy::{
    CheckQuery, Explanation, Grant, Policy, PolicyDocument, PolicyVersion, RoleInfo, UserHandle,
};
pub use role::{
    ADMIN_ROLE, CUSTOMIZE, EDIT_LANGUAGES, INSIGHTS, MAX_ROLE_NAME_CHARS, PREDEFINED_ROLES,
    PUBLISH_RIGHTS, Resolved, Role, SETTINGS, STANDARD_ROOTS, USER_MANAGEMENT, WORKSPACE,
    predefined_roles,
};
pub use standard::{app_feature, standard_tree};
pub use tree::{FeatureId, FeatureTree, FeatureTreeBuilder, TreeDocument};
