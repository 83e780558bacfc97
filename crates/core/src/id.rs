//! Typed ids: one newtype over [`Uuid`] per kind of entity, so a user id can never be passed
//! where a role id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The text given was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdParseError {
    /// What was given.
    pub input: String,
}

impl fmt::Display for IdParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a UUID", self.input)
    }
}

impl std::error::Error for IdParseError {}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// Builds the id from its 128-bit value (handy for fixed, well-known ids).
            pub const fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }

            /// Builds a random (version 4) id from 16 bytes the caller drew from its RNG.
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// The id as one 128-bit number.
            pub const fn as_u128(&self) -> u128 {
                self.0.as_u128()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| IdParseError { input: s.to_owned() })
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

typed_id!(
    /// A tenant. Every entity belongs to exactly one account, and every query is scoped by it.
    AccountId
);
typed_id!(
    /// A person who signs in to an account.
    UserId
);
typed_id!(
    /// A role: a named set of access settings over a feature tree.
    RoleId
);
typed_id!(
    /// Something a role can be assigned within (a case, a project), as opposed to account-wide.
    ScopeId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_make_a_version_4_uuid() {
        let id = UserId::from_random_bytes([0xff; 16]);
        assert_eq!(id.as_uuid().get_version_num(), 4);
    }

    #[test]
    fn parse_and_display_round_trip() {
        let text = "0b6f2a43-6a1f-4c38-9a55-0c1e8a1d2b3c";
        let id: RoleId = text.parse().expect("valid uuid");
        assert_eq!(id.to_string(), text);
        assert_eq!(format!("{id:?}"), format!("RoleId({text})"));
    }

    #[test]
    fn parse_error_names_the_input() {
        let err = "not-a-uuid".parse::<AccountId>().expect_err("invalid");
        assert_eq!(err.to_string(), "`not-a-uuid` is not a UUID");
    }

    #[test]
    fn serde_is_a_plain_string() {
        let id = ScopeId::from_u128(1);
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, "\"00000000-0000-0000-0000-000000000001\"");
        let back: ScopeId = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, id);
    }
}
