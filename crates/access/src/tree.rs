//! Feature trees: the things a role grants access to, as a tree of paths.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{AccessError, FeaturePath};

/// A feature's number inside one tree. Features are numbered parents-first: a parent's id is
/// always lower than its children's, which lets one forward pass resolve every `inherit`.
///
/// An id is only meaningful for the tree (or policy) that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeatureId(pub(crate) u32);

impl FeatureId {
    /// The id as an index (0-based).
    #[inline]
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The raw number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for FeatureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A tree of features of any depth, named by paths.
///
/// ```
/// use tessera_access::FeatureTree;
/// let tree = FeatureTree::builder()
///     .feature("reports")
///     .feature("reports/kind:sales")
///     .build()
///     .unwrap();
/// let sales = tree.id("reports/kind:sales").unwrap();
/// assert_eq!(tree.parent(sales), tree.id("reports").ok());
/// assert_eq!(tree.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TreeDocument", into = "TreeDocument")]
pub struct FeatureTree {
    paths: Vec<FeaturePath>,
    parents: Vec<Option<FeatureId>>,
    by_path: HashMap<FeaturePath, FeatureId>,
}

impl FeatureTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder that accepts features in any order and checks them all at `build`.
    pub fn builder() -> FeatureTreeBuilder {
        FeatureTreeBuilder::default()
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// True when the tree has no feature.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The id of the feature at `path`.
    pub fn id(&self, path: &str) -> Result<FeatureId, AccessError> {
        match self.by_path.get(path) {
            Some(id) => Ok(*id),
            // Only on a miss: say whether the path is malformed or merely absent.
            None => Err(crate::FeaturePath::parse(path).err().unwrap_or_else(|| {
                AccessError::UnknownFeature {
                    path: path.to_owned(),
                }
            })),
        }
    }

    /// True when `id` belongs to this tree.
    #[inline]
    pub fn contains(&self, id: FeatureId) -> bool {
        id.index() < self.paths.len()
    }

    /// Checks that `id` belongs to this tree.
    #[inline]
    pub fn check_id(&self, id: FeatureId) -> Result<FeatureId, AccessError> {
        if self.contains(id) {
            Ok(id)
        } else {
            Err(AccessError::UnknownFeatureId { id: id.0 })
        }
    }

    /// The path of feature `id`.
    pub fn path(&self, id: FeatureId) -> Result<&FeaturePath, AccessError> {
        match self.paths.get(id.index()) {
            Some(path) => Ok(path),
            None => Err(AccessError::UnknownFeatureId { id: id.0 }),
        }
    }

    /// The parent of feature `id` (`None` for top-level features and unknown ids).
    #[inline]
    pub fn parent(&self, id: FeatureId) -> Option<FeatureId> {
        self.parents.get(id.index()).copied().flatten()
    }

    /// Every feature, parents first, as `(id, path, parent)`.
    pub fn iter(
        &self,
    ) -> impl ExactSizeIterator<Item = (FeatureId, &FeaturePath, Option<FeatureId>)> {
        self.paths
            .iter()
            .zip(&self.parents)
            .enumerate()
            .map(|(i, (path, parent))| (FeatureId(i as u32), path, *parent))
    }

    /// The direct children of `id`, in id order.
    pub fn children(&self, id: FeatureId) -> impl Iterator<Item = FeatureId> + '_ {
        self.parents
            .iter()
            .enumerate()
            .skip(id.index() + 1)
            .filter(move |(_, parent)| **parent == Some(id))
            .map(|(i, _)| FeatureId(i as u32))
    }

    /// Adds one feature whose parent is already in the tree; returns its id.
    pub fn add(&mut self, path: FeaturePath) -> Result<FeatureId, AccessError> {
        if self.by_path.contains_key(path.as_str()) {
            return Err(AccessError::DuplicateFeature {
                path: path.to_string(),
            });
        }
        let parent = match path.parent_str() {
            None => None,
            Some(parent) => Some(self.by_path.get(parent).copied().ok_or_else(|| {
                AccessError::UnknownParent {
                    path: path.to_string(),
                    parent: parent.to_owned(),
                }
            })?),
        };
        let id =
            FeatureId(
                u32::try_from(self.paths.len()).map_err(|_| AccessError::InvalidPath {
                    path: path.to_string(),
                    reason: "the tree is full",
                })?,
            );
        self.by_path.insert(path.clone(), id);
        self.paths.push(path);
        self.parents.push(parent);
        Ok(id)
    }

    /// Parses and adds one feature (see [`FeatureTree::add`]).
    pub fn add_path(&mut self, path: &str) -> Result<FeatureId, AccessError> {
        self.add(FeaturePath::parse(path)?)
    }

    /// The parent of every feature, by id (what compilation walks).
    pub(crate) fn parents(&self) -> &[Option<FeatureId>] {
        &self.parents
    }

    /// All paths, parents first.
    pub fn paths(&self) -> &[FeaturePath] {
        &self.paths
    }
}

/// Collects feature paths in any order; [`FeatureTreeBuilder::build`] validates them all and
/// numbers them parents-first (stable within a depth).
#[derive(Debug, Clone, Default)]
pub struct FeatureTreeBuilder {
    paths: Vec<String>,
}

impl FeatureTreeBuilder {
    /// Adds a feature path.
    pub fn feature(mut self, path: impl Into<String>) -> Self {
        self.paths.push(path.into());
        self
    }

    /// Adds several feature paths.
    pub fn features<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.paths.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Validates every path and builds the tree. The first malformed path, duplicate or
    /// feature with an unknown parent is the error, naming that path.
    pub fn build(self) -> Result<FeatureTree, AccessError> {
        let mut parsed = self
            .paths
            .iter()
            .map(|p| FeaturePath::parse(p))
            .collect::<Result<Vec<_>, _>>()?;
        parsed.sort_by_key(FeaturePath::depth);
        let mut tree = FeatureTree::new();
        for path in parsed {
            tree.add(path)?;
        }
        Ok(tree)
    }
}

/// The serialized form of a tree: `{"features": ["workspace", "workspace/app:crm", …]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeDocument {
    /// Every feature path; parents may come in any order relative to children.
    pub features: Vec<String>,
}

impl TryFrom<TreeDocument> for FeatureTree {
    type Error = AccessError;

    fn try_from(doc: TreeDocument) -> Result<Self, Self::Error> {
        FeatureTree::builder().features(doc.features).build()
    }
}

impl From<FeatureTree> for TreeDocument {
    fn from(tree: FeatureTree) -> Self {
        TreeDocument {
            features: tree.paths.iter().map(|p| p.to_string()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_miss_says_malformed_or_absent() {
        let tree = FeatureTree::builder().feature("a").build().unwrap();
        assert!(matches!(
            tree.id("a//b"),
            Err(AccessError::InvalidPath { .. })
        ));
        assert!(matches!(
            tree.id("a/b"),
            Err(AccessError::UnknownFeature { .. })
        ));
    }

    #[test]
    fn builder_orders_parents_first() {
        let tree = FeatureTree::builder()
            .features(["a/b/c", "a", "a/b", "z"])
            .build()
            .unwrap();
        for (id, _, parent) in tree.iter() {
            if let Some(parent) = parent {
                assert!(parent < id);
            }
        }
        let c = tree.id("a/b/c").unwrap();
        assert_eq!(tree.path(tree.parent(c).unwrap()).unwrap().as_str(), "a/b");
        let a = tree.id("a").unwrap();
        assert_eq!(
            tree.children(a).collect::<Vec<_>>(),
            vec![tree.id("a/b").unwrap()]
        );
    }

    #[test]
    fn errors_name_the_path() {
        let dup = FeatureTree::builder()
            .features(["a", "a"])
            .build()
            .unwrap_err();
        assert_eq!(dup, AccessError::DuplicateFeature { path: "a".into() });
        let orphan = FeatureTree::builder()
            .features(["a", "b/c"])
            .build()
            .unwrap_err();
        assert_eq!(
            orphan,
            AccessError::UnknownParent {
                path: "b/c".into(),
                parent: "b".into()
            }
        );
        let bad = FeatureTree::builder().feature("a b").build().unwrap_err();
        assert!(matches!(bad, AccessError::InvalidPath { path, .. } if path == "a b"));
        let tree = FeatureTree::new();
        assert_eq!(
            tree.id("x"),
            Err(AccessError::UnknownFeature { path: "x".into() })
        );
        assert_eq!(
            tree.path(FeatureId(3)),
            Err(AccessError::UnknownFeatureId { id: 3 })
        );
    }

    #[test]
    fn json_round_trip_and_validation() {
        let tree = FeatureTree::builder()
            .features(["a", "a/k:v"])
            .build()
            .unwrap();
        let json = serde_json::to_string(&tree).unwrap();
        assert_eq!(json, r#"{"features":["a","a/k:v"]}"#);
        assert_eq!(serde_json::from_str::<FeatureTree>(&json).unwrap(), tree);
        let err = serde_json::from_str::<FeatureTree>(r#"{"features":["a","b/c"]}"#).unwrap_err();
        assert!(err.to_string().contains("`b/c`"), "{err}");
        assert!(serde_json::from_str::<FeatureTree>(r#"{"features":[],"x":1}"#).is_err());
    }
}
