//! Projects, tasks and the people on them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{UserId, Uuid, clean_name};

use crate::ContactError;

/// Longest project or task title.
pub const MAX_TASK_TITLE_CHARS: usize = 300;
/// Longest comment.
pub const MAX_COMMENT_CHARS: usize = 20_000;

/// Someone on a project or task: a user of the account or a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    content = "id",
    rename_all = "lowercase",
    deny_unknown_fields
)]
pub enum Person {
    /// A user (an employee).
    User(UserId),
    /// A contact.
    Contact(Uuid),
}

impl Person {
    /// `user` or `contact`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Person::User(_) => "user",
            Person::Contact(_) => "contact",
        }
    }

    /// The id, whatever the kind.
    pub fn id(&self) -> Uuid {
        match self {
            Person::User(user) => user.as_uuid(),
            Person::Contact(contact) => *contact,
        }
    }

    /// Builds a person from its stored kind and id.
    pub fn from_parts(kind: &str, id: Uuid) -> Option<Self> {
        match kind {
            "user" => Some(Person::User(UserId::from_uuid(id))),
            "contact" => Some(Person::Contact(id)),
            _ => None,
        }
    }

    /// The contact, if this is one.
    pub fn contact(&self) -> Option<Uuid> {
        match self {
            Person::Contact(id) => Some(*id),
            Person::User(_) => None,
        }
    }
}

impl std::fmt::Display for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

/// How someone is on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskRole {
    /// Responsible for the task.
    Assignee,
    /// Shares the responsibility.
    CoAssignee,
    /// Follows and takes part.
    Participant,
    /// Oversees: sees every task of the project and can close or delete them.
    Auditor,
}

impl TaskRole {
    /// Every role.
    pub const ALL: [TaskRole; 4] = [
        TaskRole::Assignee,
        TaskRole::CoAssignee,
        TaskRole::Participant,
        TaskRole::Auditor,
    ];

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskRole::Assignee => "assignee",
            TaskRole::CoAssignee => "co_assignee",
            TaskRole::Participant => "participant",
            TaskRole::Auditor => "auditor",
        }
    }

    /// Reads the name back.
    pub fn parse(name: &str) -> Option<Self> {
        TaskRole::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// New or waiting.
    Open,
    /// Being worked on.
    InProgress,
    /// Finished.
    Done,
    /// Dropped.
    Cancelled,
}

impl TaskStatus {
    /// Every status.
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Open,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Cancelled,
    ];

    /// The wire and storage name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Reads the name back.
    pub fn parse(name: &str) -> Option<Self> {
        TaskStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

/// A project with a counterparty company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The company on the other side (a contact of kind company).
    pub counterparty: Option<Uuid>,
    /// The employee clients address their requests to.
    pub client_manager: Option<UserId>,
    /// The employee overseeing the project.
    pub supervisor: Option<UserId>,
    /// Project auditors: they see every task of the project.
    pub auditors: Vec<Person>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Project {
    /// A title as stored (`field` names it in the error).
    pub fn clean_title(title: &str, field: &'static str) -> Result<String, ContactError> {
        clean_name(title, MAX_TASK_TITLE_CHARS).map_err(|error| ContactError::InvalidName {
            field,
            reason: error.to_string(),
        })
    }
}

/// The people on a task, by role. A person appears at most once per role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskPeople {
    /// The one responsible.
    pub assignee: Option<Person>,
    /// Sharing the responsibility.
    #[serde(default)]
    pub co_assignees: Vec<Person>,
    /// Taking part.
    #[serde(default)]
    pub participants: Vec<Person>,
    /// Overseeing.
    #[serde(default)]
    pub auditors: Vec<Person>,
}

impl TaskPeople {
    /// Every (role, person) pair, assignee first.
    pub fn pairs(&self) -> impl Iterator<Item = (TaskRole, Person)> + '_ {
        self.assignee
            .iter()
            .map(|p| (TaskRole::Assignee, *p))
            .chain(self.co_assignees.iter().map(|p| (TaskRole::CoAssignee, *p)))
            .chain(
                self.participants
                    .iter()
                    .map(|p| (TaskRole::Participant, *p)),
            )
            .chain(self.auditors.iter().map(|p| (TaskRole::Auditor, *p)))
    }

    /// Builds the people from (role, person) pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (TaskRole, Person)>) -> Self {
        let mut people = TaskPeople::default();
        for (role, person) in pairs {
            match role {
                TaskRole::Assignee => people.assignee = Some(person),
                TaskRole::CoAssignee => people.co_assignees.push(person),
                TaskRole::Participant => people.participants.push(person),
                TaskRole::Auditor => people.auditors.push(person),
            }
        }
        people
    }

    /// True when `person` is on the task in any role.
    pub fn contains(&self, person: &Person) -> bool {
        self.pairs().any(|(_, p)| p == *person)
    }

    /// Everyone on the task, each once, in a stable order.
    pub fn everyone(&self) -> Vec<Person> {
        let mut all: Vec<Person> = self.pairs().map(|(_, p)| p).collect();
        all.sort();
        all.dedup();
        all
    }

    /// Refuses a person listed twice in one role.
    pub fn validate(&self) -> Result<(), ContactError> {
        for (field, list) in [
            ("co_assignees", &self.co_assignees),
            ("participants", &self.participants),
            ("auditors", &self.auditors),
        ] {
            let mut seen = list.clone();
            seen.sort();
            if let Some(pair) = seen.windows(2).find(|pair| pair[0] == pair[1]) {
                return Err(ContactError::DuplicatePerson {
                    role: field,
                    person: pair[0].to_string(),
                });
            }
        }
        Ok(())
    }
}

/// A task in a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Its id.
    pub id: Uuid,
    /// Its project.
    pub project: Uuid,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Status.
    pub status: TaskStatus,
    /// Who is on it.
    pub people: TaskPeople,
    /// Who created it.
    pub created_by: Person,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The assignee of a task a client creates: the requested one if it is the project's client
/// manager or supervisor; with none requested, the client manager, else the supervisor.
pub fn client_task_assignee(
    project: &Project,
    requested: Option<Person>,
) -> Result<UserId, ContactError> {
    let allowed = [project.client_manager, project.supervisor];
    match requested {
        Some(Person::User(user)) if allowed.contains(&Some(user)) => Ok(user),
        Some(_) => Err(ContactError::AssigneeNotAllowed),
        None => project
            .client_manager
            .or(project.supervisor)
            .ok_or(ContactError::NoClientManager),
    }
}

/// Contacts who become auditors going from `before` to `after` (auditor lists of a task or
/// a project). Refused unless `confirmed`: auditors see every task of the project and can
/// close or delete them. Returns the new contact auditors (to audit the confirmation).
pub fn contact_auditors(
    before: &[Person],
    after: &[Person],
    confirmed: bool,
) -> Result<Vec<Uuid>, ContactError> {
    let added: Vec<Uuid> = after
        .iter()
        .filter(|person| !before.contains(person))
        .filter_map(Person::contact)
        .collect();
    if added.is_empty() || confirmed {
        Ok(added)
    } else {
        Err(ContactError::AuditorNeedsConfirmation { contacts: added })
    }
}

/// A comment's text as stored, or why not.
pub fn clean_comment(body: &str) -> Result<String, ContactError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(ContactError::EmptyComment);
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(ContactError::CommentTooLong {
            max: MAX_COMMENT_CHARS,
        });
    }
    Ok(body.to_owned())
}
