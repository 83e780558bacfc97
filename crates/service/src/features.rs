//! The account's feature tree: read it (any signed-in user), add an app, environment or
//! system (`settings: write`).

use tessera_access::{FeatureId, Level, PolicyVersion, SETTINGS};
use tessera_core::AuditAction;

use crate::{Caller, ServiceError, Tessera};

/// Feature paths and the policy version they were read at (or written in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureList {
    /// Feature paths, parents first.
    pub features: Vec<String>,
    /// The version.
    pub policy_version: PolicyVersion,
}

/// What to add to the standard tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    /// `workspace/app:<name>`.
    App,
    /// `publish_rights/env:<name>`, or under every system.
    Environment,
    /// `publish_rights/system:<name>` with every known environment.
    System,
}

impl FeatureKind {
    fn action(self) -> AuditAction {
        match self {
            FeatureKind::App => AuditAction::FeatureAddApp,
            FeatureKind::Environment => AuditAction::FeatureAddEnvironment,
            FeatureKind::System => AuditAction::FeatureAddSystem,
        }
    }
}

impl Tessera {
    /// The account's feature tree.
    pub fn features(&self, caller: &Caller) -> Result<FeatureList, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        Ok(FeatureList {
            features: policy
                .tree()
                .paths()
                .iter()
                .map(ToString::to_string)
                .collect(),
            policy_version: policy.version(),
        })
    }

    /// Adds an app, environment or system; returns the features added.
    pub fn add_features(
        &self,
        caller: &Caller,
        kind: FeatureKind,
        name: &str,
    ) -> Result<FeatureList, ServiceError> {
        self.authorized(caller, SETTINGS, Level::Write)?;
        let account = caller.account;
        let (features, policy_version) =
            self.change_policy(caller, kind.action(), name, |tx, policy| {
                let ids: Vec<FeatureId> = match kind {
                    FeatureKind::App => vec![policy.add_app(name)?],
                    FeatureKind::Environment => policy.add_environment(name)?,
                    FeatureKind::System => policy.add_system(name)?,
                };
                let mut added = Vec::with_capacity(ids.len());
                for id in ids {
                    let path = policy.tree().path(id)?;
                    tx.insert_feature(account, path, id)?;
                    added.push(path.to_string());
                }
                Ok(added)
            })?;
        Ok(FeatureList {
            features,
            policy_version,
        })
    }
}
