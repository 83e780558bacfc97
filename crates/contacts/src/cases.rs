//! Apps and cases: what a case role allows in a case, the types of an app's users, billable
//! seats, and the checks of a bulk import — decided here, stored and served elsewhere.
//!
//! A case has four features, `case/feed`, `case/convo`, `case/events` and `case/notes`. A
//! case role sets a level on each; assigning a user to a case with a role is a scoped
//! assignment of the permission engine (the case is the scope). Three case roles are
//! predefined and read-only:
//!
//! | feature       | Staff | Client | Bot  |
//! |---------------|-------|--------|------|
//! | `case/feed`   | write | modify | read |
//! | `case/convo`  | write | modify | read |
//! | `case/events` | write | read   | read |
//! | `case/notes`  | write | none   | read |

use serde::{Deserialize, Serialize};
use tessera_access::{AccessError, FeatureTree, Level, Policy, Role};
use tessera_core::{RoleId, ScopeId, UserId, Uuid};
use thiserror::Error;

/// The features of a case, parents first.
pub const CASE_FEATURES: [&str; 5] = [
    "case",
    "case/feed",
    "case/convo",
    "case/events",
    "case/notes",
];

/// The predefined **Staff** case role.
pub const STAFF_CASE_ROLE: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0201);
/// The predefined **Client** case role.
pub const CLIENT_CASE_ROLE: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0202);
/// The predefined **Bot** case role.
pub const BOT_CASE_ROLE: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0203);

/// One feature of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseFeature {
    /// The case's feed of updates.
    Feed,
    /// The conversation between staff and client.
    Convo,
    /// The case's events.
    Events,
    /// Internal notes.
    Notes,
}

impl CaseFeature {
    /// Every case feature.
    pub const ALL: [CaseFeature; 4] = [
        CaseFeature::Feed,
        CaseFeature::Convo,
        CaseFeature::Events,
        CaseFeature::Notes,
    ];

    /// The feature's path in the case tree.
    pub const fn path(self) -> &'static str {
        match self {
            CaseFeature::Feed => "case/feed",
            CaseFeature::Convo => "case/convo",
            CaseFeature::Events => "case/events",
            CaseFeature::Notes => "case/notes",
        }
    }
}

/// The tree of a case's features.
pub fn case_tree() -> Result<FeatureTree, AccessError> {
    let mut tree = FeatureTree::new();
    for path in CASE_FEATURES {
        tree.add_path(path)?;
    }
    Ok(tree)
}

/// A case role from a level per case feature (`none` where not given).
pub fn case_role(
    id: RoleId,
    name: &str,
    levels: &[(CaseFeature, Level)],
) -> Result<Role, AccessError> {
    let mut role =
        Role::custom(id, Role::normalize_name(name.trim())?).try_with("case", Level::None)?;
    for feature in CaseFeature::ALL {
        let level = levels
            .iter()
            .find(|(f, _)| *f == feature)
            .map_or(Level::None, |(_, level)| *level);
        role = role.try_with(feature.path(), level)?;
    }
    Ok(role)
}

/// The three predefined, read-only case roles, exactly as the table in this module's
/// documentation.
pub fn predefined_case_roles() -> Result<[Role; 3], AccessError> {
    use CaseFeature::{Convo, Events, Feed, Notes};
    let mut roles = [
        case_role(
            STAFF_CASE_ROLE,
            "Staff",
            &[
                (Feed, Level::Write),
                (Convo, Level::Write),
                (Events, Level::Write),
                (Notes, Level::Write),
            ],
        )?,
        case_role(
            CLIENT_CASE_ROLE,
            "Client",
            &[
                (Feed, Level::Modify),
                (Convo, Level::Modify),
                (Events, Level::Read),
                (Notes, Level::None),
            ],
        )?,
        case_role(
            BOT_CASE_ROLE,
            "Bot",
            &[
                (Feed, Level::Read),
                (Convo, Level::Read),
                (Events, Level::Read),
                (Notes, Level::Read),
            ],
        )?,
    ];
    for role in &mut roles {
        role.predefined = true;
    }
    Ok(roles)
}

/// What a case tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseKind {
    /// Something that happened and must be handled.
    Incident,
    /// A piece of work with a goal.
    Project,
}

impl CaseKind {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CaseKind::Incident => "incident",
            CaseKind::Project => "project",
        }
    }

    /// Reads a wire name back.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "incident" => Some(CaseKind::Incident),
            "project" => Some(CaseKind::Project),
            _ => None,
        }
    }
}

/// The scope of a case in the permission engine (the case's id).
pub const fn case_scope(case: Uuid) -> ScopeId {
    ScopeId::from_uuid(case)
}

/// The permission engine's policy of an app's cases: the case tree, the predefined case roles
/// and the app's `custom` ones, and each `(user, case, role)` assignment as a scoped
/// assignment. Nobody has an account-wide role in it, so a user answers `none` in every case
/// they are not assigned to.
///
/// ```
/// use tessera_access::Level;
/// use tessera_contacts::cases::{CLIENT_CASE_ROLE, case_policy, case_scope};
/// use tessera_core::{UserId, Uuid};
/// let (ana, case) = (UserId::from_u128(1), Uuid::from_u128(7));
/// let policy = case_policy([], [(ana, case, CLIENT_CASE_ROLE)]).unwrap();
/// let notes = policy.feature("case/notes").unwrap();
/// let feed = policy.feature("case/feed").unwrap();
/// assert!(policy.check_in(ana, case_scope(case), feed, Level::Modify).unwrap());
/// assert!(!policy.check_in(ana, case_scope(case), notes, Level::Read).unwrap());
/// ```
pub fn case_policy(
    custom: impl IntoIterator<Item = Role>,
    assignments: impl IntoIterator<Item = (UserId, Uuid, RoleId)>,
) -> Result<Policy, AccessError> {
    let mut policy = Policy::new(case_tree()?);
    policy.add_roles(predefined_case_roles()?)?;
    policy.add_roles(custom)?;
    for (user, case, role) in assignments {
        policy.assign_in(user, case_scope(case), role)?;
    }
    Ok(policy)
}

/// True for the ids of the predefined case roles.
pub fn is_predefined_case_role(id: RoleId) -> bool {
    [STAFF_CASE_ROLE, CLIENT_CASE_ROLE, BOT_CASE_ROLE].contains(&id)
}

/// The type of a user in an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppUserType {
    /// The app's creator: manages everything; cannot be changed or removed.
    Administrator,
    /// The same rights as the Administrator, revocable.
    Manager,
    /// An employee.
    Staff,
    /// A client member: not billed.
    User,
    /// Read-only, for automations and integrations: not billed.
    Bot,
}

impl AppUserType {
    /// Every type.
    pub const ALL: [AppUserType; 5] = [
        AppUserType::Administrator,
        AppUserType::Manager,
        AppUserType::Staff,
        AppUserType::User,
        AppUserType::Bot,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AppUserType::Administrator => "administrator",
            AppUserType::Manager => "manager",
            AppUserType::Staff => "staff",
            AppUserType::User => "user",
            AppUserType::Bot => "bot",
        }
    }

    /// Reads a wire name back (any case, surrounding spaces ignored: CSV files vary).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        AppUserType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// True for the types that take a billable seat (all but User and Bot).
    pub const fn billable(self) -> bool {
        !matches!(self, AppUserType::User | AppUserType::Bot)
    }

    /// True for the types that manage the app (Administrator and Manager).
    pub const fn manages(self) -> bool {
        matches!(self, AppUserType::Administrator | AppUserType::Manager)
    }
}

/// What apps and cases refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CaseError {
    /// The Administrator's type cannot change, nor can they be removed.
    #[error("the app's Administrator (its creator) cannot be changed or removed")]
    AdministratorImmutable,
    /// Only the app's creator is its Administrator.
    #[error(
        "user_type: only the app's creator is its Administrator; use `manager` for the same rights"
    )]
    OneAdministrator,
    /// Adding the user would pass the account's seat limit.
    #[error("seat limit reached: the plan allows {limit} billable seats")]
    SeatLimitReached {
        /// The plan's limit.
        limit: u32,
    },
}

/// Checks a change of a user's type in an app (`None`: removing them from it).
pub fn change_user_type(current: AppUserType, new: Option<AppUserType>) -> Result<(), CaseError> {
    match (current, new) {
        (AppUserType::Administrator, Some(AppUserType::Administrator)) => Ok(()),
        (AppUserType::Administrator, _) => Err(CaseError::AdministratorImmutable),
        (_, Some(AppUserType::Administrator)) => Err(CaseError::OneAdministrator),
        _ => Ok(()),
    }
}

/// May a user of type `adding` join, with `used` billable seats taken and the plan's
/// `limit` (`None`: no limit)? Users and Bots always may.
pub fn check_seat(used: u32, limit: Option<u32>, adding: AppUserType) -> Result<(), CaseError> {
    match limit {
        Some(limit) if adding.billable() && used >= limit => {
            Err(CaseError::SeatLimitReached { limit })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use tessera_access::Policy;
    use tessera_core::{ScopeId, UserId};

    use super::*;

    #[test]
    fn the_predefined_case_roles_match_the_documented_matrix() {
        let tree = case_tree().unwrap();
        let mut policy = Policy::new(tree);
        for role in predefined_case_roles().unwrap() {
            assert!(role.predefined);
            policy.add_role(role).unwrap();
        }
        let case = ScopeId::from_u128(42);
        let other = ScopeId::from_u128(43);
        let expected = [
            (
                STAFF_CASE_ROLE,
                [Level::Write, Level::Write, Level::Write, Level::Write],
            ),
            (
                CLIENT_CASE_ROLE,
                [Level::Modify, Level::Modify, Level::Read, Level::None],
            ),
            (
                BOT_CASE_ROLE,
                [Level::Read, Level::Read, Level::Read, Level::Read],
            ),
        ];
        for (n, (role, levels)) in expected.into_iter().enumerate() {
            let user = UserId::from_u128(n as u128 + 1);
            policy.add_unassigned_user(user);
            policy.assign_in(user, case, role).unwrap();
            for (feature, level) in CaseFeature::ALL.into_iter().zip(levels) {
                let id = policy.feature(feature.path()).unwrap();
                assert_eq!(
                    policy.level_in(user, case, id).unwrap(),
                    level,
                    "{role:?} {feature:?}"
                );
                assert_eq!(
                    policy.level_in(user, other, id).unwrap(),
                    Level::None,
                    "only in its case"
                );
            }
        }
    }

    #[test]
    fn custom_case_roles_default_to_none() {
        let role = case_role(
            RoleId::from_u128(9),
            " Reviewer ",
            &[(CaseFeature::Notes, Level::Read)],
        )
        .unwrap();
        assert_eq!(role.name, "Reviewer");
        assert!(!role.predefined);
        assert_eq!(role.setting("case/notes"), Level::Read.into());
        assert_eq!(role.setting("case/feed"), Level::None.into());
    }

    #[test]
    fn user_types_bill_and_change_as_the_seed_says() {
        let billable: Vec<_> = AppUserType::ALL
            .into_iter()
            .filter(|t| t.billable())
            .collect();
        assert_eq!(
            billable,
            [
                AppUserType::Administrator,
                AppUserType::Manager,
                AppUserType::Staff
            ]
        );
        assert_eq!(AppUserType::parse(" Manager "), Some(AppUserType::Manager));
        assert_eq!(AppUserType::parse("owner"), None);
        use AppUserType::*;
        assert_eq!(
            change_user_type(Administrator, Some(Staff)),
            Err(CaseError::AdministratorImmutable)
        );
        assert_eq!(
            change_user_type(Administrator, None),
            Err(CaseError::AdministratorImmutable)
        );
        assert_eq!(change_user_type(Manager, None), Ok(()));
        assert_eq!(change_user_type(Manager, Some(Staff)), Ok(()));
        assert_eq!(
            change_user_type(Staff, Some(Administrator)),
            Err(CaseError::OneAdministrator)
        );
    }

    #[test]
    fn seats_count_only_billable_types() {
        assert_eq!(
            check_seat(5, Some(5), AppUserType::Staff),
            Err(CaseError::SeatLimitReached { limit: 5 })
        );
        assert_eq!(check_seat(5, Some(5), AppUserType::User), Ok(()));
        assert_eq!(check_seat(5, Some(5), AppUserType::Bot), Ok(()));
        assert_eq!(check_seat(4, Some(5), AppUserType::Manager), Ok(()));
        assert_eq!(check_seat(1_000, None, AppUserType::Staff), Ok(()));
    }
}
