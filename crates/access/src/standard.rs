//! The standard tree of an account, as a preset, and its run-time additions.
//!
//! ```text
//! workspace          one child per app:          workspace/app:<app>
//! insights
//! user_management
//! edit_languages
//! settings
//! publish_rights     one child per environment:  publish_rights/env:<env>
//!                    multi-system accounts:      publish_rights/system:<sys>/env:<env>
//! customize
//! ```

use crate::{
    AccessError, FeatureId, FeaturePath, FeatureTree, PUBLISH_RIGHTS, Policy, STANDARD_ROOTS,
    WORKSPACE,
};

/// Builds the standard tree for the given apps, environments and systems. With no systems,
/// environments hang under `publish_rights`; with systems, under each system.
///
/// ```
/// use tessera_access::standard_tree;
/// let tree = standard_tree(&["crm"], &["test", "production"], &["sap"]).unwrap();
/// assert!(tree.id("workspace/app:crm").is_ok());
/// assert!(tree.id("publish_rights/system:sap/env:production").is_ok());
/// assert!(tree.id("publish_rights/env:production").is_err());
/// assert_eq!(tree.len(), 7 + 1 + 1 + 2);
/// ```
pub fn standard_tree(
    apps: &[&str],
    environments: &[&str],
    systems: &[&str],
) -> Result<FeatureTree, AccessError> {
    let mut tree = FeatureTree::new();
    for root in STANDARD_ROOTS {
        tree.add_path(root)?;
    }
    for app in apps {
        tree.add_path(&app_feature(app))?;
    }
    if systems.is_empty() {
        for env in environments {
            tree.add_path(&format!("{PUBLISH_RIGHTS}/env:{env}"))?;
        }
    }
    for system in systems {
        tree.add_path(&system_path(system))?;
        for env in environments {
            tree.add_path(&format!("{}/env:{env}", system_path(system)))?;
        }
    }
    Ok(tree)
}

/// The path of an app's feature in the standard tree: `workspace/app:<app>`.
///
/// ```
/// use tessera_access::app_feature;
/// assert_eq!(app_feature("crm"), "workspace/app:crm");
/// ```
pub fn app_feature(app: &str) -> String {
    format!("{WORKSPACE}/app:{app}")
}

fn system_path(system: &str) -> String {
    format!("{PUBLISH_RIGHTS}/system:{system}")
}

/// The names after `kind:` of the children of `parent` whose last segment is `kind:<name>`.
fn child_names(tree: &FeatureTree, parent: FeatureId, kind: &str) -> Vec<String> {
    tree.children(parent)
        .filter_map(|child| tree.path(child).ok())
        .filter_map(|path| {
            path.last_segment()
                .strip_prefix(kind)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::to_owned)
        })
        .collect()
}

impl Policy {
    /// Adds an app to a standard tree (`workspace/app:<app>`); every role inherits from
    /// `workspace` there until told otherwise.
    pub fn add_app(&mut self, app: &str) -> Result<FeatureId, AccessError> {
        self.add_feature(&app_feature(app))
    }

    /// The systems of a standard tree (`publish_rights/system:<sys>`).
    pub fn systems(&self) -> Result<Vec<String>, AccessError> {
        Ok(child_names(
            self.tree(),
            self.feature(PUBLISH_RIGHTS)?,
            "system",
        ))
    }

    /// The environments of a standard tree, as found under `publish_rights` or its first
    /// system.
    pub fn environments(&self) -> Result<Vec<String>, AccessError> {
        let publish = self.feature(PUBLISH_RIGHTS)?;
        let mut environments = child_names(self.tree(), publish, "env");
        if let Some(system) = self.systems()?.first() {
            let system = self.feature(&system_path(system))?;
            for env in child_names(self.tree(), system, "env") {
                if !environments.contains(&env) {
                    environments.push(env);
                }
            }
        }
        Ok(environments)
    }

    /// Adds an environment to a standard tree: under every system in a multi-system account,
    /// else under `publish_rights`. Returns the features added. All or nothing: the paths are
    /// checked before any is added.
    pub fn add_environment(&mut self, env: &str) -> Result<Vec<FeatureId>, AccessError> {
        let systems = self.systems()?;
        let paths: Vec<String> = if systems.is_empty() {
            vec![format!("{PUBLISH_RIGHTS}/env:{env}")]
        } else {
            systems
                .iter()
                .map(|s| format!("{}/env:{env}", system_path(s)))
                .collect()
        };
        self.add_all(&paths)
    }

    /// Adds a system to a standard tree with every known environment under it. Returns the
    /// features added (the system first). All or nothing.
    pub fn add_system(&mut self, system: &str) -> Result<Vec<FeatureId>, AccessError> {
        let mut paths = vec![system_path(system)];
        for env in self.environments()? {
            paths.push(format!("{}/env:{env}", system_path(system)));
        }
        self.add_all(&paths)
    }

    /// Adds features given parents-first, after checking every one (valid, new, parent known),
    /// so a failure leaves the policy unchanged.
    fn add_all(&mut self, paths: &[String]) -> Result<Vec<FeatureId>, AccessError> {
        for (i, path) in paths.iter().enumerate() {
            let parsed = FeaturePath::parse(path)?;
            let earlier = &paths[..i];
            if self.feature(path).is_ok() || earlier.contains(path) {
                return Err(AccessError::DuplicateFeature { path: path.clone() });
            }
            if let Some(parent) = parsed.parent_str()
                && self.feature(parent).is_err()
                && !earlier.iter().any(|p| p == parent)
            {
                return Err(AccessError::UnknownParent {
                    path: path.clone(),
                    parent: parent.to_owned(),
                });
            }
        }
        paths.iter().map(|path| self.add_feature(path)).collect()
    }
}
