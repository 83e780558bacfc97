//! What a contact sees.
//!
//! A contact with access sees the projects whose counterparty is their company (or the
//! company itself, when access was granted to a company), the projects holding tasks they are
//! on, and the projects they audit. Inside a project they see only the tasks they are on —
//! every task when they audit the project — with those tasks' comments and history.
//!
//! Storage loads the contact's memberships by index ([`Memberships`]); the rule is decided
//! here, so every front door and every database applies the same one.

use std::collections::BTreeSet;

use tessera_core::Uuid;

/// Where a contact appears, as loaded for one decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memberships {
    /// Projects whose counterparty is the contact's company (or the contact, a company).
    pub counterparty_projects: Vec<Uuid>,
    /// (task, project) of every task the contact is on, in any role.
    pub tasks: Vec<(Uuid, Uuid)>,
    /// Projects the contact audits.
    pub audited_projects: Vec<Uuid>,
}

impl Memberships {
    /// The projects the contact sees.
    pub fn visible_projects(&self) -> BTreeSet<Uuid> {
        self.counterparty_projects
            .iter()
            .chain(self.tasks.iter().map(|(_, project)| project))
            .chain(&self.audited_projects)
            .copied()
            .collect()
    }

    /// True when the contact sees project `project`.
    pub fn sees_project(&self, project: Uuid) -> bool {
        self.counterparty_projects.contains(&project)
            || self.audited_projects.contains(&project)
            || self.tasks.iter().any(|(_, p)| *p == project)
    }

    /// True when the contact sees every task of `project` (they audit it).
    pub fn sees_all_tasks_of(&self, project: Uuid) -> bool {
        self.audited_projects.contains(&project)
    }

    /// True when the contact sees task `task` of project `project`.
    pub fn sees_task(&self, task: Uuid, project: Uuid) -> bool {
        self.sees_all_tasks_of(project) || self.tasks.iter().any(|(t, _)| *t == task)
    }

    /// The tasks of `project` the contact is on (what they see there unless they audit it).
    pub fn own_tasks_in(&self, project: Uuid) -> BTreeSet<Uuid> {
        self.tasks
            .iter()
            .filter(|(_, p)| *p == project)
            .map(|(t, _)| *t)
            .collect()
    }
}
