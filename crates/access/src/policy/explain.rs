//! Explanations: why a user has the level they have on a feature, and through which role.

use std::fmt;

use serde::Serialize;
use tessera_core::{RoleId, ScopeId, UserId};

use super::Policy;
use crate::{AccessError, FeatureId, FeaturePath, Level};

/// How a user came to hold the role an answer was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grant {
    /// The user's account-wide role.
    AccountRole {
        /// The role.
        role: RoleId,
        /// Its name.
        role_name: String,
    },
    /// A role assigned to the user within a scope (a case, a project).
    ScopedRole {
        /// The scope.
        scope: ScopeId,
        /// The role.
        role: RoleId,
        /// Its name.
        role_name: String,
    },
    /// The user holds no role: `none` everywhere.
    Unassigned,
}

/// Why a user has the level they have on a feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Who.
    pub user: UserId,
    /// On what.
    pub feature: FeaturePath,
    /// The effective level.
    pub level: Level,
    /// The role the level comes from.
    pub grant: Grant,
    /// The feature whose explicit setting decided; `None` when no feature on the way to the
    /// top was set (then the level is `none`), or when the user holds no role.
    pub set_on: Option<FeaturePath>,
    /// The features walked with `inherit`, starting at the one asked about, up to (not
    /// including) `set_on`.
    pub inherited_through: Vec<FeaturePath>,
}

impl Explanation {
    /// The explanation as a sentence, naming the user as `who` (an e-mail, a display name)
    /// instead of by id.
    ///
    /// ```
    /// use tessera_access::{standard_tree, Policy, ADMIN_ROLE};
    /// use tessera_core::UserId;
    /// let mut policy = Policy::standard(standard_tree(&[], &[], &[]).unwrap()).unwrap();
    /// let ana = UserId::from_u128(1);
    /// policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let why = policy.explain(ana, policy.feature("insights").unwrap()).unwrap();
    /// assert!(why.describe("ana@example.com").starts_with("`ana@example.com` on `insights`"));
    /// ```
    pub fn describe(&self, who: &str) -> String {
        struct Named<'a>(&'a Explanation, &'a str);
        impl fmt::Display for Named<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write(f, self.1)
            }
        }
        Named(self, who).to_string()
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, who: &str) -> fmt::Result {
        write!(f, "`{who}` on `{}`: `{}`", self.feature, self.level)?;
        match &self.grant {
            Grant::AccountRole { role_name, .. } => write!(f, " through role `{role_name}`")?,
            Grant::ScopedRole {
                scope, role_name, ..
            } => write!(f, " through role `{role_name}` in scope `{scope}`")?,
            Grant::Unassigned => return write!(f, " (no role assigned)"),
        }
        if !self.inherited_through.is_empty() {
            let chain: Vec<&str> = self
                .inherited_through
                .iter()
                .map(FeaturePath::as_str)
                .collect();
            write!(f, ", inherited through `{}`", chain.join("` → `"))?;
        }
        match &self.set_on {
            Some(set_on) => write!(f, ", set on `{set_on}`"),
            None => write!(f, ", nothing set up to the top (none by default)"),
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, &self.user.to_string())
    }
}

impl Policy {
    /// Why `user` has the level they have on `feature` (account-wide).
    ///
    /// ```
    /// # use tessera_access::{standard_tree, Level, Policy, ADMIN_ROLE};
    /// # use tessera_core::UserId;
    /// # let mut policy = Policy::standard(standard_tree(&["crm"], &["test"], &[]).unwrap()).unwrap();
    /// # let ana = UserId::from_u128(1);
    /// # policy.assign(ana, ADMIN_ROLE).unwrap();
    /// let crm = policy.feature("workspace/app:crm").unwrap();
    /// let why = policy.explain(ana, crm).unwrap();
    /// assert_eq!(why.level, Level::Write);
    /// assert_eq!(why.set_on.unwrap().as_str(), "workspace");
    /// assert_eq!(why.inherited_through[0].as_str(), "workspace/app:crm");
    /// ```
    pub fn explain(&self, user: UserId, feature: FeatureId) -> Result<Explanation, AccessError> {
        self.explain_with(user, None, feature)
    }

    /// Why `user` has the level they have on `feature` within `scope`.
    pub fn explain_in(
        &self,
        user: UserId,
        scope: ScopeId,
        feature: FeatureId,
    ) -> Result<Explanation, AccessError> {
        self.explain_with(user, Some(scope), feature)
    }

    fn explain_with(
        &self,
        user: UserId,
        scope: Option<ScopeId>,
        feature: FeatureId,
    ) -> Result<Explanation, AccessError> {
        let path = self.tree.path(feature)?.clone();
        let Some((number, scope)) = self.deciding_role(user, scope)? else {
            return Ok(Explanation {
                user,
                feature: path,
                level: Level::None,
                grant: Grant::Unassigned,
                set_on: None,
                inherited_through: Vec::new(),
            });
        };
        let entry = &self.roles[number];
        let grant = match scope {
            Some(scope) => Grant::ScopedRole {
                scope,
                role: entry.id,
                role_name: entry.name.clone(),
            },
            None => Grant::AccountRole {
                role: entry.id,
                role_name: entry.name.clone(),
            },
        };
        let mut inherited_through = Vec::new();
        let mut at = Some(feature);
        while let Some(current) = at {
            if let Some(level) = entry.explicit_at(current) {
                debug_assert_eq!(level, self.table.get(feature, number));
                return Ok(Explanation {
                    user,
                    feature: path,
                    level,
                    grant,
                    set_on: Some(self.tree.path(current)?.clone()),
                    inherited_through,
                });
            }
            inherited_through.push(self.tree.path(current)?.clone());
            at = self.tree.parent(current);
        }
        Ok(Explanation {
            user,
            feature: path,
            level: Level::None,
            grant,
            set_on: None,
            inherited_through,
        })
    }
}
