//! The one error type of the engine.

use tessera_core::{RoleId, UserId};
use thiserror::Error;

/// Everything the engine can refuse. Each variant names the input at fault, so a caller can
/// point at the offending field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    /// A feature path that does not follow the grammar (`segment/segment`, each segment
    /// `name` or `kind:name`).
    #[error("invalid feature path `{path}`: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A feature that already exists in the tree.
    #[error("feature `{path}` already exists")]
    DuplicateFeature {
        /// The path given twice.
        path: String,
    },
    /// A feature whose parent is not in the tree.
    #[error("feature `{path}` has no parent `{parent}` in the tree")]
    UnknownParent {
        /// The feature being added.
        path: String,
        /// Its missing parent.
        parent: String,
    },
    /// A feature path that is not in the tree.
    #[error("unknown feature `{path}`")]
    UnknownFeature {
        /// The path asked for.
        path: String,
    },
    /// A feature id that is not in the tree (from another tree, or forged).
    #[error("unknown feature id {id}")]
    UnknownFeatureId {
        /// The numeric id asked for.
        id: u32,
    },
    /// A user the policy does not know.
    #[error("unknown user `{user}`")]
    UnknownUser {
        /// The user asked for.
        user: UserId,
    },
    /// A role the policy does not know.
    #[error("unknown role `{role}`")]
    UnknownRole {
        /// The role asked for.
        role: RoleId,
    },
    /// A role id that is already taken.
    #[error("role `{role}` already exists")]
    DuplicateRole {
        /// The id given twice.
        role: RoleId,
    },
    /// A role name that another role of the policy already has, or a look-alike of it: names
    /// are compared by [`tessera_core::name_key`], ignoring case, width variants (`Ａｄｍｉｎ`)
    /// and invisible characters, so `editor` clashes with `Editor` and no custom role can pass
    /// for a predefined one (`ADMIN`).
    #[error(
        "a role named `{name}` already exists (role names are compared ignoring case and look-alike characters)"
    )]
    DuplicateRoleName {
        /// The name given twice.
        name: String,
    },
    /// A role name that is blank, too long, has surrounding spaces, or contains a control,
    /// invisible or direction-changing character (see [`tessera_core::clean_name`]).
    #[error("invalid role name `{name}`: {reason}")]
    InvalidRoleName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Predefined roles can be viewed, never edited or deleted.
    #[error("role `{name}` is predefined and cannot be changed")]
    PredefinedRole {
        /// The role's id.
        role: RoleId,
        /// The role's name.
        name: String,
    },
    /// A role cannot be deleted while users hold it.
    #[error("role `{name}` is still assigned to {assignments} user assignment(s)")]
    RoleInUse {
        /// The role's id.
        role: RoleId,
        /// The role's name.
        name: String,
        /// How many assignments (account-wide and scoped) still use it.
        assignments: usize,
    },
    /// A level name that is not `none`, `read`, `modify` or `write`.
    #[error("invalid level `{value}`: expected `none`, `read`, `modify` or `write`")]
    InvalidLevel {
        /// The text given.
        value: String,
    },
    /// A [`crate::UserHandle`] taken before the policy last changed.
    #[error("the user handle was taken at policy version {taken}; the policy is at {current}")]
    StaleHandle {
        /// The version the handle was taken at.
        taken: u64,
        /// The policy's version now.
        current: u64,
    },
    /// One query of a batch failed; `index` is its position in the batch.
    #[error("check #{index}: {source}")]
    InBatch {
        /// Position of the failing query in the batch.
        index: usize,
        /// Why it failed.
        source: Box<AccessError>,
    },
}

/// Why a check could not be answered: the small, `Copy` error of the hot path
/// ([`crate::Policy::check`], [`crate::Policy::level`] and their scoped forms). It has no
/// drop glue, so `check(..).unwrap_or(false)` costs nothing extra; `?` turns it into the
/// matching [`AccessError`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum CheckError {
    /// A user the policy does not know.
    #[error("unknown user `{user}`")]
    UnknownUser {
        /// The user asked for.
        user: UserId,
    },
    /// A feature id that is not in the tree.
    #[error("unknown feature id {id}")]
    UnknownFeatureId {
        /// The numeric id asked for.
        id: u32,
    },
    /// A [`crate::UserHandle`] taken before the policy last changed: take a new one.
    #[error("the user handle was taken at policy version {taken}; the policy is at {current}")]
    StaleHandle {
        /// The version the handle was taken at.
        taken: u64,
        /// The policy's version now.
        current: u64,
    },
}

impl From<CheckError> for AccessError {
    fn from(error: CheckError) -> Self {
        match error {
            CheckError::UnknownUser { user } => AccessError::UnknownUser { user },
            CheckError::UnknownFeatureId { id } => AccessError::UnknownFeatureId { id },
            CheckError::StaleHandle { taken, current } => {
                AccessError::StaleHandle { taken, current }
            }
        }
    }
}
