//! Feature paths: `publish_rights/system:sap/env:production`.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::AccessError;

/// Longest accepted path, in bytes.
pub const MAX_PATH_LEN: usize = 512;
/// Deepest accepted path, in segments.
pub const MAX_DEPTH: usize = 16;
/// Longest accepted segment, in bytes.
pub const MAX_SEGMENT_LEN: usize = 64;

/// A validated feature path: segments joined by `/`, each segment either `name` or
/// `kind:name`. A kind is lowercase ASCII letters, digits and `_`, starting with a letter; a
/// name is ASCII letters, digits, `_`, `-` and `.`. A plain segment follows the kind rule.
///
/// Cloning is cheap (the text is shared).
///
/// ```
/// use tessera_access::FeaturePath;
/// let path = FeaturePath::parse("publish_rights/system:sap/env:production").unwrap();
/// assert_eq!(path.parent().unwrap().as_str(), "publish_rights/system:sap");
/// assert_eq!(path.depth(), 3);
/// assert!(FeaturePath::parse("publish_rights//env:x").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeaturePath(Arc<str>);

impl FeaturePath {
    /// Validates `text` as a feature path.
    pub fn parse(text: &str) -> Result<Self, AccessError> {
        validate(text)?;
        Ok(Self(Arc::from(text)))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number of segments (a top-level feature has depth 1).
    pub fn depth(&self) -> usize {
        self.0.split('/').count()
    }

    /// The path of the parent feature, or `None` for a top-level feature.
    pub fn parent(&self) -> Option<FeaturePath> {
        self.parent_str().map(|p| Self(Arc::from(p)))
    }

    /// The parent's path as a slice of this one.
    pub fn parent_str(&self) -> Option<&str> {
        self.0.rfind('/').map(|i| &self.0[..i])
    }

    /// The last segment (`env:production` in `publish_rights/env:production`).
    pub fn last_segment(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// A child path: this path, `/`, and `segment` (validated).
    pub fn child(&self, segment: &str) -> Result<FeaturePath, AccessError> {
        FeaturePath::parse(&format!("{}/{}", self.0, segment))
    }
}

fn invalid(text: &str, reason: &'static str) -> AccessError {
    AccessError::InvalidPath {
        path: text.to_owned(),
        reason,
    }
}

fn is_kind(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn validate(text: &str) -> Result<(), AccessError> {
    if text.is_empty() {
        return Err(invalid(text, "a path cannot be empty"));
    }
    if text.len() > MAX_PATH_LEN {
        return Err(invalid(text, "a path is at most 512 bytes long"));
    }
    let mut depth = 0;
    for segment in text.split('/') {
        depth += 1;
        if segment.is_empty() {
            return Err(invalid(text, "a path has no empty segments"));
        }
        if segment.len() > MAX_SEGMENT_LEN {
            return Err(invalid(text, "a segment is at most 64 bytes long"));
        }
        let valid = match segment.split_once(':') {
            Some((kind, name)) => is_kind(kind) && is_name(name),
            None => is_kind(segment),
        };
        if !valid {
            return Err(invalid(
                text,
                "each segment is `name` or `kind:name` (kind: a-z, 0-9, _; name: letters, digits, _ - .)",
            ));
        }
    }
    if depth > MAX_DEPTH {
        return Err(invalid(text, "a path has at most 16 segments"));
    }
    Ok(())
}

impl fmt::Display for FeaturePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for FeaturePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FeaturePath({:?})", &*self.0)
    }
}

impl Borrow<str> for FeaturePath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FeaturePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for FeaturePath {
    type Err = AccessError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for FeaturePath {
    type Error = AccessError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl Serialize for FeaturePath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FeaturePath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        FeaturePath::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standard_shapes() {
        for ok in [
            "workspace",
            "workspace/app:crm-eu.v2",
            "publish_rights/env:production",
            "publish_rights/system:SAP_1/env:test",
            "user_management",
        ] {
            assert!(FeaturePath::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_paths_naming_them() {
        for bad in [
            "",
            "/workspace",
            "workspace/",
            "a//b",
            "Workspace",
            "work space",
            "app:",
            ":x",
            "Kind:x",
            "a:b:c",
            "a/b:c d",
        ] {
            match FeaturePath::parse(bad) {
                Err(AccessError::InvalidPath { path, .. }) => assert_eq!(path, bad),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        let long = "a".repeat(65);
        assert!(FeaturePath::parse(&long).is_err());
        let deep = vec!["a"; 17].join("/");
        assert!(FeaturePath::parse(&deep).is_err());
        assert!(FeaturePath::parse(&vec!["a"; 16].join("/")).is_ok());
    }

    #[test]
    fn parent_and_segments() {
        let p = FeaturePath::parse("a/b:c/d").unwrap();
        assert_eq!(p.parent_str(), Some("a/b:c"));
        assert_eq!(p.last_segment(), "d");
        assert_eq!(FeaturePath::parse("a").unwrap().parent(), None);
        assert_eq!(p.child("e:f").unwrap().as_str(), "a/b:c/d/e:f");
        assert!(p.child("E").is_err());
    }

    #[test]
    fn deserializing_validates() {
        let err = serde_json::from_str::<FeaturePath>("\"a//b\"").unwrap_err();
        assert!(err.to_string().contains("`a//b`"), "{err}");
        let ok: FeaturePath = serde_json::from_str("\"a/b\"").unwrap();
        assert_eq!(ok.as_str(), "a/b");
    }
}
