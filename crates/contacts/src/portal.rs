//! What a contact may do in the projects they see: two fixed, read-only roles of the
//! permission engine — **Contact (basic)** and **Contact (advanced)** — over a small tree of
//! project features. A check is the engine's: one index into a compiled table.
//!
//! The roles apply only inside what [`visibility`](crate::visibility) lets the contact see;
//! a contact with access `none` has no portal at all.
//!
//! | feature                  | action                                 | basic  | advanced |
//! |--------------------------|----------------------------------------|--------|----------|
//! | `project`                | see the project card                   | read   | read     |
//! | `project/tasks`          | list and open their tasks              | read   | read     |
//! | `project/tasks/create`   | create a task for the client manager   | write  | write    |
//! | `project/tasks/comments` | read and add comments                  | modify | modify   |
//! | `project/tasks/history`  | read a task's history                  | read   | read     |
//! | `project/tasks/status`   | change the status of their tasks       | none   | modify   |
//! | `project/people`         | see who is on their tasks, by name     | none   | read     |

use tessera_access::{AccessError, Level, Policy, Role};
use tessera_core::{RoleId, UserId};

use crate::Access;

/// The id of the predefined **Contact (basic)** role.
pub const BASIC_ROLE: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0101);
/// The id of the predefined **Contact (advanced)** role.
pub const ADVANCED_ROLE: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0102);

/// The project features the portal roles set.
pub const PORTAL_FEATURES: [&str; 7] = [
    "project",
    "project/tasks",
    "project/tasks/create",
    "project/tasks/comments",
    "project/tasks/history",
    "project/tasks/status",
    "project/people",
];

/// Something a contact does in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortalAction {
    /// See the project's card.
    ViewProject,
    /// List and open the tasks they see.
    ViewTasks,
    /// Create a task addressed to the client manager or supervisor.
    CreateTask,
    /// Add a comment to a task they see.
    Comment,
    /// Read a task's history.
    ViewHistory,
    /// Change the status of a task they see.
    ChangeStatus,
    /// See who is on their tasks.
    ViewPeople,
}

impl PortalAction {
    /// Every action.
    pub const ALL: [PortalAction; 7] = [
        PortalAction::ViewProject,
        PortalAction::ViewTasks,
        PortalAction::CreateTask,
        PortalAction::Comment,
        PortalAction::ViewHistory,
        PortalAction::ChangeStatus,
        PortalAction::ViewPeople,
    ];

    /// The feature and level the action needs.
    pub const fn requirement(self) -> (&'static str, Level) {
        match self {
            PortalAction::ViewProject => ("project", Level::Read),
            PortalAction::ViewTasks => ("project/tasks", Level::Read),
            PortalAction::CreateTask => ("project/tasks/create", Level::Write),
            PortalAction::Comment => ("project/tasks/comments", Level::Modify),
            PortalAction::ViewHistory => ("project/tasks/history", Level::Read),
            PortalAction::ChangeStatus => ("project/tasks/status", Level::Modify),
            PortalAction::ViewPeople => ("project/people", Level::Read),
        }
    }
}

/// The two portal roles, exactly as the table in this module's documentation.
pub fn portal_roles() -> [Role; 2] {
    let shared = |role: Role| {
        role.with("project", Level::Read)
            .with("project/tasks", Level::Read)
            .with("project/tasks/create", Level::Write)
            .with("project/tasks/comments", Level::Modify)
            .with("project/tasks/history", Level::Read)
    };
    let mut basic = shared(Role::custom(BASIC_ROLE, "Contact (basic)"))
        .with("project/tasks/status", Level::None)
        .with("project/people", Level::None);
    let mut advanced = shared(Role::custom(ADVANCED_ROLE, "Contact (advanced)"))
        .with("project/tasks/status", Level::Modify)
        .with("project/people", Level::Read);
    basic.predefined = true;
    advanced.predefined = true;
    [basic, advanced]
}

/// One stand-in user per access type holds its role, so a check is the engine's own.
const fn holder(access: Access) -> Option<UserId> {
    match access {
        Access::None => None,
        Access::Basic => Some(UserId::from_u128(1)),
        Access::Advanced => Some(UserId::from_u128(2)),
    }
}

/// The portal's compiled policy: build once, share.
#[derive(Debug, Clone)]
pub struct PortalPolicy {
    policy: Policy,
}

impl PortalPolicy {
    /// Compiles the project tree and the two roles.
    pub fn new() -> Result<Self, AccessError> {
        let mut tree = tessera_access::FeatureTree::new();
        for path in PORTAL_FEATURES {
            tree.add_path(path)?;
        }
        let mut policy = Policy::new(tree);
        let [basic, advanced] = portal_roles();
        policy.add_role(basic)?;
        policy.add_role(advanced)?;
        for (access, role) in [
            (Access::Basic, BASIC_ROLE),
            (Access::Advanced, ADVANCED_ROLE),
        ] {
            if let Some(user) = holder(access) {
                policy.assign(user, role)?;
            }
        }
        Ok(PortalPolicy { policy })
    }

    /// May a contact with `access` do `action` (in a project and on tasks they see)?
    pub fn allows(&self, access: Access, action: PortalAction) -> bool {
        let Some(user) = holder(access) else {
            return false;
        };
        let (path, level) = action.requirement();
        self.policy
            .feature(path)
            .ok()
            .and_then(|feature| self.policy.check(user, feature, level).ok())
            .unwrap_or(false)
    }

    /// Why a contact with `access` may or may not do `action`: the engine's explanation.
    pub fn explain(&self, access: Access, action: PortalAction) -> String {
        let (path, level) = action.requirement();
        let Some(user) = holder(access) else {
            return format!("access `none` has no client portal: `{path}` needs `{level}`");
        };
        match self
            .policy
            .feature(path)
            .and_then(|feature| self.policy.explain(user, feature))
        {
            Ok(explanation) => format!(
                "{}; `{path}` needs `{level}`",
                explanation.describe(&format!("a contact with {} access", access.as_str()))
            ),
            Err(error) => error.to_string(),
        }
    }
}
