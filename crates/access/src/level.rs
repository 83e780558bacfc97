//! Access levels and per-feature settings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a user may do on a feature, ordered `none < read < modify < write`.
///
/// - `read`: view items only;
/// - `modify`: view and change the text of items (only items that have text);
/// - `write`: view, change, and add new items.
///
/// One byte: a compiled role table stores one `Level` per feature.
///
/// ```
/// use tessera_access::Level;
/// assert!(Level::Write > Level::Modify && Level::Modify > Level::Read && Level::Read > Level::None);
/// assert_eq!(serde_json::to_string(&Level::Modify).unwrap(), "\"modify\"");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Level {
    /// No access.
    #[default]
    None = 0,
    /// View items only.
    Read = 1,
    /// View and change the text of items.
    Modify = 2,
    /// View, change and add new items.
    Write = 3,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 4] = [Level::None, Level::Read, Level::Modify, Level::Write];

    /// The lowercase name used on the wire (`none`, `read`, `modify`, `write`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Read => "read",
            Level::Modify => "modify",
            Level::Write => "write",
        }
    }

    /// The level stored as byte `bits` in a compiled table (always 0..=3 there).
    #[inline]
    pub(crate) const fn from_bits(bits: u8) -> Level {
        // A table load, not a match: LLVM turns the match into a jump table, which random
        // levels mispredict.
        Level::ALL[(bits & 3) as usize]
    }

    /// True when this level grants at least `required`.
    #[inline]
    pub const fn allows(self, required: Level) -> bool {
        self as u8 >= required as u8
    }
}

impl std::str::FromStr for Level {
    type Err = crate::AccessError;

    /// Parses the lowercase wire name.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
            .ok_or_else(|| crate::AccessError::InvalidLevel {
                value: text.to_owned(),
            })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a role says about one feature: take the parent's effective level (`inherit`), or an
/// explicit level. A feature a role does not mention is `inherit`.
///
/// ```
/// use tessera_access::{Level, Setting};
/// let s: Setting = serde_json::from_str("\"inherit\"").unwrap();
/// assert_eq!(s, Setting::Inherit);
/// assert_eq!(Setting::from(Level::Write).level(), Some(Level::Write));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Setting {
    /// Take the effective level of the parent feature (`none` on a top-level feature).
    #[default]
    Inherit = 0,
    /// Explicitly no access, whatever the parent has.
    None = 1,
    /// Explicitly `read`.
    Read = 2,
    /// Explicitly `modify`.
    Modify = 3,
    /// Explicitly `write`.
    Write = 4,
}

impl Setting {
    /// The explicit level, or `None` for `inherit`.
    #[inline]
    pub const fn level(self) -> Option<Level> {
        // Arithmetic rather than a five-way match: random settings would mispredict a jump
        // table on every call when millions are compiled.
        match self as u8 {
            0 => None,
            bits => Some(Level::from_bits(bits - 1)),
        }
    }

    /// The lowercase name used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Setting::Inherit => "inherit",
            Setting::None => "none",
            Setting::Read => "read",
            Setting::Modify => "modify",
            Setting::Write => "write",
        }
    }
}

impl From<Level> for Setting {
    fn from(level: Level) -> Self {
        match level {
            Level::None => Setting::None,
            Level::Read => Setting::Read,
            Level::Modify => Setting::Modify,
            Level::Write => Setting::Write,
        }
    }
}

impl From<Option<Level>> for Setting {
    fn from(level: Option<Level>) -> Self {
        level.map_or(Setting::Inherit, Setting::from)
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_one_byte() {
        assert_eq!(std::mem::size_of::<Level>(), 1);
        assert!(Level::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!(Level::Write.allows(Level::Read));
        assert!(!Level::Read.allows(Level::Modify));
        assert!(Level::None.allows(Level::None));
    }

    #[test]
    fn settings_serialize_as_lowercase_strings() {
        for (setting, text) in [
            (Setting::Inherit, "inherit"),
            (Setting::None, "none"),
            (Setting::Read, "read"),
            (Setting::Modify, "modify"),
            (Setting::Write, "write"),
        ] {
            let json = serde_json::to_string(&setting).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Setting>(&json).unwrap(), setting);
            assert_eq!(setting.to_string(), text);
        }
        assert!(serde_json::from_str::<Setting>("\"Write\"").is_err());
        assert!(serde_json::from_str::<Level>("\"inherit\"").is_err());
    }

    #[test]
    fn levels_parse_from_their_names() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
        }
        assert_eq!(
            "inherit".parse::<Level>(),
            Err(crate::AccessError::InvalidLevel {
                value: "inherit".into()
            })
        );
    }

    #[test]
    fn setting_level_round_trip() {
        for level in Level::ALL {
            assert_eq!(Setting::from(level).level(), Some(level));
        }
        assert_eq!(Setting::from(None), Setting::Inherit);
    }
}
