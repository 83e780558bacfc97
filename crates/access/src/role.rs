//! Roles: a name and a setting per feature path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tessera_core::{NameError, RoleId};

use crate::{AccessError, FeatureId, FeaturePath, FeatureTree, Level, Setting};

/// A feature's effective level under one role, and where it came from (see [`Role::resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// The effective level.
    pub level: Level,
    /// The feature whose explicit setting decided; `None` when none did (the level is `none`).
    pub set_on: Option<FeatureId>,
}

/// Longest accepted role name, in characters.
pub const MAX_ROLE_NAME_CHARS: usize = 100;

/// A role in its portable form: what import, export and the HTTP API carry.
///
/// Features the role does not mention are `inherit`. An explicit `inherit` entry means the
/// same; a policy stores only explicit levels, so it does not come back from [`crate::Policy::role`].
///
/// ```
/// use tessera_access::{Level, Role, Setting};
/// use tessera_core::RoleId;
///
/// let role = Role::custom(RoleId::from_u128(42), "Release manager")
///     .with("publish_rights", Level::Write)
///     .with("publish_rights/env:production", Level::None);
/// assert_eq!(role.setting("publish_rights/env:test"), Setting::Inherit);
/// assert_eq!(role.setting("publish_rights/env:production"), Setting::None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Stable id.
    pub id: RoleId,
    /// Display name, unique within a policy.
    pub name: String,
    /// Predefined roles can be viewed but never edited or deleted.
    #[serde(default)]
    pub predefined: bool,
    /// The setting for each mentioned feature.
    #[serde(default)]
    pub settings: BTreeMap<FeaturePath, Setting>,
}

impl Role {
    /// A custom role with no settings (`none` everywhere).
    pub fn custom(id: RoleId, name: impl Into<String>) -> Self {
        Role {
            id,
            name: name.into(),
            predefined: false,
            settings: BTreeMap::new(),
        }
    }

    /// Adds or replaces one setting. Panics on a malformed path; use
    /// [`Role::try_with`] for input that is not a literal.
    #[expect(
        clippy::expect_used,
        reason = "builder for literal paths; try_with is the fallible form"
    )]
    pub fn with(self, path: &str, setting: impl Into<Setting>) -> Self {
        self.try_with(path, setting)
            .expect("literal feature path must be valid")
    }

    /// Adds or replaces one setting, validating the path.
    pub fn try_with(
        mut self,
        path: &str,
        setting: impl Into<Setting>,
    ) -> Result<Self, AccessError> {
        self.settings
            .insert(FeaturePath::parse(path)?, setting.into());
        Ok(self)
    }

    /// The setting the role gives `path` (`inherit` when not mentioned).
    pub fn setting(&self, path: &str) -> Setting {
        self.settings.get(path).copied().unwrap_or_default()
    }

    /// What the role gives each feature of `tree`, parents first (indexed by feature id):
    /// the effective level and the feature whose explicit setting decided it (`None` when
    /// nothing on the way to the top was set, so the level is `none`). This is how a matrix
    /// shows where an `inherit` resolves.
    ///
    /// ```
    /// use tessera_access::{standard_tree, Level, Role};
    /// use tessera_core::RoleId;
    /// let tree = standard_tree(&[], &["test"], &[]).unwrap();
    /// let role = Role::custom(RoleId::from_u128(7), "Publisher")
    ///     .with("publish_rights", Level::Write);
    /// let resolved = role.resolve(&tree);
    /// let test = tree.id("publish_rights/env:test").unwrap();
    /// assert_eq!(resolved[test.index()].level, Level::Write);
    /// assert_eq!(resolved[test.index()].set_on, tree.id("publish_rights").ok());
    /// ```
    pub fn resolve(&self, tree: &FeatureTree) -> Vec<Resolved> {
        let mut resolved: Vec<Resolved> = Vec::with_capacity(tree.len());
        for (id, path, parent) in tree.iter() {
            let own = self.settings.get(path.as_str()).and_then(|s| s.level());
            let entry = match (own, parent) {
                (Some(level), _) => Resolved {
                    level,
                    set_on: Some(id),
                },
                (None, Some(parent)) => resolved[parent.index()],
                (None, None) => Resolved {
                    level: Level::None,
                    set_on: None,
                },
            };
            resolved.push(entry);
        }
        resolved
    }

    /// Checks the name: not blank, no leading or trailing spaces, at most
    /// [`MAX_ROLE_NAME_CHARS`] characters once NFC-normalized, and none of the control,
    /// invisible or direction-changing characters [`tessera_core::clean_name`] refuses.
    pub fn validate_name(name: &str) -> Result<(), AccessError> {
        Role::normalize_name(name).map(drop)
    }

    /// Checks the name as [`Role::validate_name`] does and returns it as a policy stores it:
    /// NFC-normalized (`"Jose\u{301}"` becomes `"José"`). Surrounding spaces are refused, not
    /// trimmed.
    ///
    /// ```
    /// use tessera_access::Role;
    /// assert_eq!(Role::normalize_name("Jose\u{301}").unwrap(), "Jos\u{E9}");
    /// assert!(Role::normalize_name(" Editor").is_err());
    /// assert!(Role::normalize_name("Adm\u{200B}in").is_err());
    /// ```
    pub fn normalize_name(name: &str) -> Result<String, AccessError> {
        let invalid = |reason: String| AccessError::InvalidRoleName {
            name: name.to_owned(),
            reason,
        };
        if name.trim().is_empty() {
            return Err(invalid("a role name cannot be blank".to_owned()));
        }
        if name.trim() != name {
            return Err(invalid(
                "a role name has no leading or trailing spaces".to_owned(),
            ));
        }
        tessera_core::clean_name(name, MAX_ROLE_NAME_CHARS).map_err(|error| {
            invalid(match error {
                NameError::Empty => "a role name cannot be blank".to_owned(),
                NameError::TooLong { max } => format!("a role name is at most {max} characters"),
                forbidden @ NameError::ForbiddenCharacter { .. } => {
                    format!("a role name {forbidden}")
                }
            })
        })
    }
}

/// The standard top-level feature holding the apps (`workspace/app:<app>`).
pub const WORKSPACE: &str = "workspace";
/// The standard top-level feature for analytics.
pub const INSIGHTS: &str = "insights";
/// The standard top-level feature for managing users and their roles.
pub const USER_MANAGEMENT: &str = "user_management";
/// The standard top-level feature for editing languages.
pub const EDIT_LANGUAGES: &str = "edit_languages";
/// The standard top-level feature for account settings.
pub const SETTINGS: &str = "settings";
/// The standard top-level feature holding the environments (and systems) one may publish to.
pub const PUBLISH_RIGHTS: &str = "publish_rights";
/// The standard top-level feature for customization.
pub const CUSTOMIZE: &str = "customize";

/// The top-level features of the standard tree, in the order of the SPEC table.
pub const STANDARD_ROOTS: [&str; 7] = [
    WORKSPACE,
    INSIGHTS,
    USER_MANAGEMENT,
    EDIT_LANGUAGES,
    SETTINGS,
    PUBLISH_RIGHTS,
    CUSTOMIZE,
];

const N: Option<Level> = None;
const R: Option<Level> = Some(Level::Read);
const M: Option<Level> = Some(Level::Modify);
const W: Option<Level> = Some(Level::Write);

/// The predefined roles of the standard tree: (well-known id, name, level per
/// [`STANDARD_ROOTS`] entry; `None` = no access). All children inherit.
pub const PREDEFINED_ROLES: [(u128, &str, [Option<Level>; 7]); 8] = [
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0001,
        "Admin",
        [W, W, W, W, W, W, W],
    ),
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0002,
        "Analytics Access",
        [N, R, N, N, N, N, N],
    ),
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0003,
        "Content Curator",
        [R, N, N, N, N, N, N],
    ),
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0004,
        "Content Moderator",
        [W, N, N, N, N, N, N],
    ),
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0005,
        "Publisher",
        [R, N, N, N, N, W, N],
    ),
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0006,
        "Translator",
        [R, N, N, W, N, N, N],
    ),
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0007,
        "Workspace Moderator",
        [M, W, N, W, W, N, W],
    ),
    (
        0x7e55_e7a0_0000_4000_8000_0000_0000_0008,
        "Workspace Owner",
        [W, W, N, W, W, W, W],
    ),
];

/// The id of the predefined Admin role.
pub const ADMIN_ROLE: RoleId = RoleId::from_u128(PREDEFINED_ROLES[0].0);

/// The eight predefined roles of the standard tree, exactly as the SPEC's table: every top-level
/// feature explicit (`none` where the table says `-`), every child `inherit`.
///
/// ```
/// use tessera_access::{predefined_roles, Setting};
/// let roles = predefined_roles();
/// assert_eq!(roles.len(), 8);
/// assert!(roles.iter().all(|r| r.predefined));
/// assert_eq!(roles[4].name, "Publisher");
/// assert_eq!(roles[4].setting("publish_rights"), Setting::Write);
/// ```
pub fn predefined_roles() -> Vec<Role> {
    PREDEFINED_ROLES
        .iter()
        .map(|(id, name, levels)| {
            let mut role = Role::custom(RoleId::from_u128(*id), *name);
            role.predefined = true;
            for (root, level) in STANDARD_ROOTS.iter().zip(levels) {
                role = role.with(root, level.unwrap_or(Level::None));
            }
            role
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        assert!(Role::validate_name("Editor").is_ok());
        for bad in ["", "  ", " Editor", "Editor\n", &"x".repeat(101)] {
            assert!(matches!(
                Role::validate_name(bad),
                Err(AccessError::InvalidRoleName { name, .. }) if name == bad
            ));
        }
    }

    #[test]
    fn names_refuse_control_invisible_and_bidi_characters() {
        for bad in [
            "Edi\ttor",
            "Adm\u{200B}in",
            "Admin\u{200D}",
            "\u{FEFF}Admin",
            "Ad\u{AD}min",
            "Admin\u{202E}",
            "\u{2066}Admin\u{2069}",
            "Admin\u{061C}",
        ] {
            assert!(
                matches!(
                    Role::validate_name(bad),
                    Err(AccessError::InvalidRoleName { ref name, .. }) if name == bad
                ),
                "{bad:?}"
            );
        }
        let err = Role::validate_name("Adm\u{200B}in").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid role name `Adm\u{200B}in`: a role name contains an invisible or \
             direction-changing character U+200B at position 3"
        );
    }

    #[test]
    fn names_are_normalized_to_nfc_and_counted_after() {
        assert_eq!(Role::normalize_name("Jose\u{301}").unwrap(), "Jos\u{E9}");
        assert_eq!(Role::normalize_name("Éditeur").unwrap(), "Éditeur");
        // 100 "é" written decomposed are 200 characters given, 100 stored.
        let decomposed = "e\u{301}".repeat(MAX_ROLE_NAME_CHARS);
        assert_eq!(
            Role::normalize_name(&decomposed).unwrap(),
            "\u{E9}".repeat(MAX_ROLE_NAME_CHARS)
        );
        let err = Role::normalize_name(&"é".repeat(101)).unwrap_err();
        assert_eq!(
            err,
            AccessError::InvalidRoleName {
                name: "é".repeat(101),
                reason: "a role name is at most 100 characters".into()
            }
        );
    }

    #[test]
    fn blank_and_padded_names_keep_their_reasons() {
        let reason = |name: &str| match Role::validate_name(name) {
            Err(AccessError::InvalidRoleName { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(""), "a role name cannot be blank");
        assert_eq!(reason(" \t "), "a role name cannot be blank");
        assert_eq!(
            reason(" Editor"),
            "a role name has no leading or trailing spaces"
        );
    }

    #[test]
    fn try_with_rejects_bad_paths() {
        let err = Role::custom(RoleId::from_u128(1), "x")
            .try_with("a//b", Level::Read)
            .unwrap_err();
        assert!(matches!(err, AccessError::InvalidPath { path, .. } if path == "a//b"));
    }

    #[test]
    fn json_shape() {
        let role = Role::custom(RoleId::from_u128(1), "Editor").with("workspace", Level::Write);
        let json = serde_json::to_value(&role).unwrap();
        assert_eq!(json["settings"]["workspace"], "write");
        assert_eq!(json["predefined"], false);
        let back: Role = serde_json::from_value(json).unwrap();
        assert_eq!(back, role);
        let err = serde_json::from_str::<Role>(
            r#"{"id":"00000000-0000-0000-0000-000000000001","name":"x","settings":{"a//b":"read"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("`a//b`"), "{err}");
    }
}
