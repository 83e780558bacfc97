//! Projects and tasks, for employees (any project, by their role on `workspace`) and for
//! contacts in the client portal (only what [`tessera_contacts::visibility`] lets them see,
//! and only what their portal role allows). An id a contact may not see answers exactly as
//! an id that does not exist.
//!
//! Comments, assignments and status changes are written to the task's history and mailed to
//! everyone else on the task — contacts with access `none` included — each message with the
//! recipient's reply key in `Reply-To`.

use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{Level, WORKSPACE};
use tessera_contacts::portal::PortalAction;
use tessera_contacts::visibility::Memberships;
use tessera_contacts::{
    Person, Project, ReplyKey, Task, TaskPeople, TaskStatus, clean_comment, client_task_assignee,
    contact_auditors,
};
use tessera_core::{AccountId, AuditAction, Uuid};

use crate::contacts::ContactCaller;
use crate::outbox::message;
use crate::records::{Comment, CommentVia, MessageKind, StoredReplyKey, TaskEvent};
use crate::{Actor, Caller, ServiceError, Tessera, Tx, random_uuid};

/// A project to create.
#[derive(Debug, Clone, Default)]
pub struct NewProject {
    /// Name.
    pub name: String,
    /// The company on the other side.
    pub counterparty: Option<Uuid>,
    /// The employee clients address requests to.
    pub client_manager: Option<tessera_core::UserId>,
    /// The employee overseeing the project.
    pub supervisor: Option<tessera_core::UserId>,
    /// Project auditors.
    pub auditors: Vec<Person>,
    /// Confirms making contacts auditors (they see every task and can close or delete them).
    pub confirm_auditor: bool,
}

/// A task to create.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Who is on it.
    pub people: TaskPeople,
    /// Confirms making contacts auditors.
    pub confirm_auditor: bool,
}

/// Changes to a task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskUpdate {
    /// A new title.
    pub title: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new status.
    pub status: Option<TaskStatus>,
    /// New people (replacing all of them).
    pub people: Option<TaskPeople>,
    /// Confirms making contacts auditors.
    pub confirm_auditor: bool,
}

/// A task as the client portal shows it: the people only to contacts allowed to see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalTask {
    /// The task.
    pub task: Task,
    /// True when `task.people` may be shown.
    pub people_visible: bool,
}

const NOT_FOUND_PROJECT: ServiceError = ServiceError::NotFound { what: "project" };
const NOT_FOUND_TASK: ServiceError = ServiceError::NotFound { what: "task" };

/// The longest task description.
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;

pub(crate) fn clean_description(text: &str) -> Result<String, ServiceError> {
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ServiceError::invalid(
            "description",
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(text.trim().to_owned())
}

impl Tessera {
    /// Checks that every person exists in the account (`field` names the list).
    fn check_people<'a>(
        tx: &mut dyn Tx,
        account: AccountId,
        field: &str,
        people: impl IntoIterator<Item = &'a Person>,
    ) -> Result<(), ServiceError> {
        for person in people {
            let exists = match person {
                Person::User(user) => tx.user(account, *user)?.is_some(),
                Person::Contact(contact) => tx.contact(account, *contact)?.is_some(),
            };
            if !exists {
                return Err(ServiceError::invalid(
                    field,
                    format!("no {} `{}` in this account", person.kind(), person.id()),
                ));
            }
        }
        Ok(())
    }

    fn check_project_fields(
        tx: &mut dyn Tx,
        account: AccountId,
        project: &Project,
    ) -> Result<(), ServiceError> {
        Self::check_company(tx, account, project.counterparty, "counterparty")?;
        for (field, user) in [
            ("client_manager", project.client_manager),
            ("supervisor", project.supervisor),
        ] {
            if let Some(user) = user {
                Self::check_people(tx, account, field, [&Person::User(user)])?;
            }
        }
        Self::check_people(tx, account, "auditors", &project.auditors)
    }

    fn audit_confirmed(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        target: Uuid,
        contacts: &[Uuid],
    ) -> Result<(), ServiceError> {
        if contacts.is_empty() {
            return Ok(());
        }
        self.record_event(
            tx,
            actor,
            AuditAction::AuditorConfirmed,
            target,
            json!({ "contacts": contacts }),
        )
    }

    /// Creates a project (`workspace: modify`).
    pub fn create_project(
        &self,
        caller: &Caller,
        new: NewProject,
    ) -> Result<Project, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        let mut auditors = new.auditors;
        auditors.sort();
        auditors.dedup();
        let project = Project {
            id: random_uuid(),
            name: Project::clean_title(&new.name, "name")?,
            counterparty: new.counterparty,
            client_manager: new.client_manager,
            supervisor: new.supervisor,
            auditors,
            created_at: self.now(),
        };
        let confirmed = contact_auditors(&[], &project.auditors, new.confirm_auditor)?;
        self.write(|tx| {
            Self::check_project_fields(tx, caller.account, &project)?;
            tx.insert_project(caller.account, &project)?;
            let actor = Actor::caller(caller);
            self.record_event(
                tx,
                &actor,
                AuditAction::ProjectCreate,
                project.id,
                json!({}),
            )?;
            self.audit_confirmed(tx, &actor, project.id, &confirmed)?;
            Ok(project.clone())
        })
    }

    /// Replaces a project's fields (`workspace: modify`).
    pub fn update_project(
        &self,
        caller: &Caller,
        id: Uuid,
        new: NewProject,
    ) -> Result<Project, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        let name = Project::clean_title(&new.name, "name")?;
        let mut auditors = new.auditors;
        auditors.sort();
        auditors.dedup();
        self.write(|tx| {
            let mut project = tx.project(caller.account, id)?.ok_or(NOT_FOUND_PROJECT)?;
            let confirmed = contact_auditors(&project.auditors, &auditors, new.confirm_auditor)?;
            project.name = name;
            project.counterparty = new.counterparty;
            project.client_manager = new.client_manager;
            project.supervisor = new.supervisor;
            project.auditors = auditors;
            Self::check_project_fields(tx, caller.account, &project)?;
            tx.update_project(caller.account, &project)?;
            let actor = Actor::caller(caller);
            self.record_event(tx, &actor, AuditAction::ProjectUpdate, id, json!({}))?;
            self.audit_confirmed(tx, &actor, id, &confirmed)?;
            Ok(project)
        })
    }

    /// Every project of the account (`workspace: read`).
    pub fn projects(&self, caller: &Caller) -> Result<Vec<Project>, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| Ok(tx.projects(caller.account, None)?))
    }

    /// One project (`workspace: read`).
    pub fn project(&self, caller: &Caller, id: Uuid) -> Result<Project, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| tx.project(caller.account, id)?.ok_or(NOT_FOUND_PROJECT))
    }

    /// Deletes a project with its tasks (`workspace: modify`).
    pub fn delete_project(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        self.write(|tx| {
            if !tx.delete_project(caller.account, id)? {
                return Err(NOT_FOUND_PROJECT);
            }
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::ProjectDelete,
                id,
                json!({}),
            )
        })
    }

    /// Creates a task in a project (`workspace: modify`).
    pub fn create_task(
        &self,
        caller: &Caller,
        project: Uuid,
        new: NewTask,
    ) -> Result<Task, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        let title = Project::clean_title(&new.title, "title")?;
        let description = clean_description(&new.description)?;
        new.people.validate()?;
        let confirmed = contact_auditors(&[], &new.people.auditors, new.confirm_auditor)?;
        let now = self.now();
        let author = Person::User(caller.user);
        self.write(|tx| {
            if tx.project(caller.account, project)?.is_none() {
                return Err(NOT_FOUND_PROJECT);
            }
            let people = new.people.pairs().map(|(_, p)| p).collect::<Vec<_>>();
            Self::check_people(tx, caller.account, "people", &people)?;
            let task = Task {
                id: random_uuid(),
                project,
                title: title.clone(),
                description: description.clone(),
                status: TaskStatus::Open,
                people: new.people.clone(),
                created_by: author,
                created_at: now,
                updated_at: now,
            };
            let actor = Actor::caller(caller);
            self.insert_new_task(tx, caller.account, &task, &actor)?;
            self.audit_confirmed(tx, &actor, task.id, &confirmed)?;
            Ok(task)
        })
    }

    /// Stores a new task, its `created` (and `assigned`) history and notifications.
    pub(crate) fn insert_new_task(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        task: &Task,
        actor: &Actor,
    ) -> Result<(), ServiceError> {
        tx.insert_task(account, task)?;
        self.history(
            tx,
            account,
            task,
            task.created_by,
            "created",
            json!({ "title": task.title }),
            false,
        )?;
        if let Some(assignee) = task.people.assignee {
            self.history(
                tx,
                account,
                task,
                task.created_by,
                "assigned",
                json!({ "to": assignee }),
                true,
            )?;
        }
        self.record_event(
            tx,
            actor,
            AuditAction::TaskCreate,
            task.id,
            json!({ "project": task.project }),
        )
    }

    /// One task (`workspace: read`).
    pub fn task(&self, caller: &Caller, id: Uuid) -> Result<Task, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| tx.task(caller.account, id)?.ok_or(NOT_FOUND_TASK))
    }

    /// The tasks of a project (`workspace: read`).
    pub fn tasks(&self, caller: &Caller, project: Uuid) -> Result<Vec<Task>, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| {
            if tx.project(caller.account, project)?.is_none() {
                return Err(NOT_FOUND_PROJECT);
            }
            Ok(tx.tasks_of(caller.account, project, None)?)
        })
    }

    /// Changes a task (`workspace: modify`): each change goes to its history; a new
    /// assignee and a new status are mailed to the people on the task.
    pub fn update_task(
        &self,
        caller: &Caller,
        id: Uuid,
        update: TaskUpdate,
    ) -> Result<Task, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        let title = update
            .title
            .as_deref()
            .map(|t| Project::clean_title(t, "title"))
            .transpose()?;
        let description = update
            .description
            .as_deref()
            .map(clean_description)
            .transpose()?;
        if let Some(people) = &update.people {
            people.validate()?;
        }
        let now = self.now();
        let author = Person::User(caller.user);
        self.write(|tx| {
            let mut task = tx.task(caller.account, id)?.ok_or(NOT_FOUND_TASK)?;
            let before = task.clone();
            let mut confirmed = Vec::new();
            if let Some(people) = &update.people {
                confirmed = contact_auditors(
                    &task.people.auditors,
                    &people.auditors,
                    update.confirm_auditor,
                )?;
                let listed = people.pairs().map(|(_, p)| p).collect::<Vec<_>>();
                Self::check_people(tx, caller.account, "people", &listed)?;
                task.people = people.clone();
            }
            if let Some(title) = &title {
                task.title = title.clone();
            }
            if let Some(description) = &description {
                task.description = description.clone();
            }
            if let Some(status) = update.status {
                task.status = status;
            }
            if task == before {
                return Ok(task);
            }
            task.updated_at = now;
            tx.update_task(caller.account, &task)?;
            self.record_changes(tx, caller.account, &before, &task, author)?;
            let actor = Actor::caller(caller);
            self.record_event(tx, &actor, AuditAction::TaskUpdate, id, json!({}))?;
            self.audit_confirmed(tx, &actor, id, &confirmed)?;
            Ok(task)
        })
    }

    /// Writes the history of a change from `before` to `after`, mailing what people are told
    /// about (a new assignee, a new status).
    fn record_changes(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        before: &Task,
        after: &Task,
        actor: Person,
    ) -> Result<(), ServiceError> {
        if before.title != after.title || before.description != after.description {
            self.history(
                tx,
                account,
                after,
                actor,
                "edited",
                json!({ "title": { "from": before.title, "to": after.title } }),
                false,
            )?;
        }
        if before.people.assignee != after.people.assignee {
            self.history(
                tx,
                account,
                after,
                actor,
                "assigned",
                json!({ "from": before.people.assignee, "to": after.people.assignee }),
                after.people.assignee.is_some(),
            )?;
        }
        let (mut was, mut now) = (before.people.clone(), after.people.clone());
        was.assignee = None;
        now.assignee = None;
        if was != now {
            self.history(
                tx,
                account,
                after,
                actor,
                "people_changed",
                json!({ "from": was, "to": now }),
                false,
            )?;
        }
        if before.status != after.status {
            self.history(
                tx,
                account,
                after,
                actor,
                "status_changed",
                json!({ "from": before.status, "to": after.status }),
                true,
            )?;
        }
        Ok(())
    }

    /// Deletes a task (`workspace: modify`).
    pub fn delete_task(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        self.write(|tx| {
            if !tx.delete_task(caller.account, id)? {
                return Err(NOT_FOUND_TASK);
            }
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::TaskDelete,
                id,
                json!({}),
            )
        })
    }

    /// Comments on a task (`workspace: modify`); mailed to the others on the task.
    pub fn comment(
        &self,
        caller: &Caller,
        task: Uuid,
        body: &str,
    ) -> Result<Comment, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Modify)?;
        let body = clean_comment(body)?;
        self.write(|tx| {
            let task = tx.task(caller.account, task)?.ok_or(NOT_FOUND_TASK)?;
            self.add_comment(
                tx,
                caller.account,
                &task,
                Person::User(caller.user),
                body.clone(),
                Vec::new(),
                CommentVia::Ui,
                &Actor::caller(caller),
            )
        })
    }

    /// A task's comments (`workspace: read`).
    pub fn comments(&self, caller: &Caller, task: Uuid) -> Result<Vec<Comment>, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| {
            tx.task(caller.account, task)?.ok_or(NOT_FOUND_TASK)?;
            Ok(tx.comments(caller.account, task)?)
        })
    }

    /// A task's history (`workspace: read`).
    pub fn task_history(
        &self,
        caller: &Caller,
        task: Uuid,
    ) -> Result<Vec<TaskEvent>, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Read)?;
        self.read(|tx| {
            tx.task(caller.account, task)?.ok_or(NOT_FOUND_TASK)?;
            Ok(tx.task_events(caller.account, task)?)
        })
    }

    /// Stores a comment, its history entry, the notifications and the audit event.
    #[allow(
        clippy::too_many_arguments,
        reason = "one internal step shared by three doors"
    )]
    pub(crate) fn add_comment(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        task: &Task,
        author: Person,
        body: String,
        attachments: Vec<String>,
        via: CommentVia,
        actor: &Actor,
    ) -> Result<Comment, ServiceError> {
        let comment = Comment {
            id: random_uuid(),
            task: task.id,
            author,
            body,
            attachments,
            via,
            created_at: self.now(),
        };
        tx.insert_comment(account, &comment)?;
        self.history(
            tx,
            account,
            task,
            author,
            "commented",
            json!({ "comment": comment.id, "via": via.as_str() }),
            true,
        )?;
        self.record_event(
            tx,
            actor,
            AuditAction::CommentAdd,
            task.id,
            json!({ "comment": comment.id, "author": author, "via": via.as_str() }),
        )?;
        Ok(comment)
    }

    /// Appends a history entry; when `notify`, mails it to everyone on the task but `actor`.
    #[allow(clippy::too_many_arguments, reason = "the entry's fields, spelled out")]
    fn history(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        task: &Task,
        actor: Person,
        kind: &str,
        detail: serde_json::Value,
        notify: bool,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let event = TaskEvent {
            id: random_uuid(),
            task: task.id,
            actor,
            kind: kind.to_owned(),
            detail,
            created_at: now,
        };
        tx.insert_task_event(account, &event)?;
        if notify {
            self.notify(tx, account, task, &event, now)?;
        }
        Ok(())
    }

    /// Queues one e-mail per person on the task but the actor, issuing their reply key on the
    /// task when they have none.
    fn notify(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        task: &Task,
        event: &TaskEvent,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let mut messages = Vec::new();
        for person in task.people.everyone() {
            if person == event.actor {
                continue;
            }
            let (email, locale) = match person {
                Person::User(user) => match tx.user(account, user)? {
                    Some(user) => (user.email, "en".to_owned()),
                    None => continue,
                },
                Person::Contact(contact) => match tx.contact(account, contact)? {
                    Some(stored) => match stored.contact.email {
                        Some(email) => (email, stored.contact.locale),
                        None => continue,
                    },
                    None => continue,
                },
            };
            if tx.reply_key(account, task.id, &person)?.is_none() {
                let nonce = *random_uuid().as_bytes();
                let key = ReplyKey::derive(self.key(), task.id.as_bytes(), &person, &nonce);
                tx.insert_reply_key(&StoredReplyKey {
                    account,
                    task: task.id,
                    person,
                    nonce,
                    tag: key.tag(self.key()),
                    created_at: now,
                })?;
            }
            let kind = MessageKind::TaskNotification {
                task: task.id,
                event: event.id,
                recipient: person,
            };
            messages.push(message(account, kind, &email, &locale, now));
        }
        if !messages.is_empty() {
            tx.enqueue(&messages)?;
        }
        Ok(())
    }

    /// The memberships of the calling contact.
    fn memberships_of(
        tx: &mut dyn Tx,
        caller: &ContactCaller,
    ) -> Result<Memberships, ServiceError> {
        Ok(tx.memberships(
            caller.account,
            caller.contact.id,
            caller.contact.company_scope(),
        )?)
    }

    fn portal_allows(
        &self,
        caller: &ContactCaller,
        action: PortalAction,
    ) -> Result<(), ServiceError> {
        if self.0.portal.allows(caller.contact.access, action) {
            Ok(())
        } else {
            let (feature, level) = action.requirement();
            Err(ServiceError::Forbidden {
                feature: feature.to_owned(),
                level,
            })
        }
    }

    /// A task the calling contact sees, with their memberships; not found otherwise.
    fn visible_task(
        tx: &mut dyn Tx,
        caller: &ContactCaller,
        id: Uuid,
    ) -> Result<(Task, Memberships), ServiceError> {
        let memberships = Self::memberships_of(tx, caller)?;
        let task = tx.task(caller.account, id)?.ok_or(NOT_FOUND_TASK)?;
        if memberships.sees_task(task.id, task.project) {
            Ok((task, memberships))
        } else {
            Err(NOT_FOUND_TASK)
        }
    }

    /// The projects the calling contact sees.
    pub fn portal_projects(&self, caller: &ContactCaller) -> Result<Vec<Project>, ServiceError> {
        self.portal_allows(caller, PortalAction::ViewProject)?;
        self.read(|tx| {
            let visible: Vec<Uuid> = Self::memberships_of(tx, caller)?
                .visible_projects()
                .into_iter()
                .collect();
            if visible.is_empty() {
                return Ok(Vec::new());
            }
            Ok(tx.projects(caller.account, Some(&visible))?)
        })
    }

    /// One project the calling contact sees.
    pub fn portal_project(
        &self,
        caller: &ContactCaller,
        id: Uuid,
    ) -> Result<Project, ServiceError> {
        self.portal_allows(caller, PortalAction::ViewProject)?;
        self.read(|tx| {
            if !Self::memberships_of(tx, caller)?.sees_project(id) {
                return Err(NOT_FOUND_PROJECT);
            }
            tx.project(caller.account, id)?.ok_or(NOT_FOUND_PROJECT)
        })
    }

    /// The tasks of a project the calling contact sees: those they are on (all of them when
    /// they audit the project).
    pub fn portal_tasks(
        &self,
        caller: &ContactCaller,
        project: Uuid,
    ) -> Result<Vec<PortalTask>, ServiceError> {
        self.portal_allows(caller, PortalAction::ViewTasks)?;
        let people_visible = self
            .0
            .portal
            .allows(caller.contact.access, PortalAction::ViewPeople);
        self.read(|tx| {
            let memberships = Self::memberships_of(tx, caller)?;
            if !memberships.sees_project(project) {
                return Err(NOT_FOUND_PROJECT);
            }
            let tasks = if memberships.sees_all_tasks_of(project) {
                tx.tasks_of(caller.account, project, None)?
            } else {
                let own: Vec<Uuid> = memberships.own_tasks_in(project).into_iter().collect();
                if own.is_empty() {
                    Vec::new()
                } else {
                    tx.tasks_of(caller.account, project, Some(&own))?
                }
            };
            Ok(tasks
                .into_iter()
                .map(|task| PortalTask {
                    task,
                    people_visible,
                })
                .collect())
        })
    }

    /// One task the calling contact sees.
    pub fn portal_task(
        &self,
        caller: &ContactCaller,
        id: Uuid,
    ) -> Result<PortalTask, ServiceError> {
        self.portal_allows(caller, PortalAction::ViewTasks)?;
        let people_visible = self
            .0
            .portal
            .allows(caller.contact.access, PortalAction::ViewPeople);
        self.read(|tx| {
            let (task, _) = Self::visible_task(tx, caller, id)?;
            Ok(PortalTask {
                task,
                people_visible,
            })
        })
    }

    /// The comments of a task the calling contact sees.
    pub fn portal_comments(
        &self,
        caller: &ContactCaller,
        task: Uuid,
    ) -> Result<Vec<Comment>, ServiceError> {
        self.portal_allows(caller, PortalAction::Comment)?;
        self.read(|tx| {
            Self::visible_task(tx, caller, task)?;
            Ok(tx.comments(caller.account, task)?)
        })
    }

    /// The history of a task the calling contact sees.
    pub fn portal_history(
        &self,
        caller: &ContactCaller,
        task: Uuid,
    ) -> Result<Vec<TaskEvent>, ServiceError> {
        self.portal_allows(caller, PortalAction::ViewHistory)?;
        self.read(|tx| {
            Self::visible_task(tx, caller, task)?;
            Ok(tx.task_events(caller.account, task)?)
        })
    }

    /// The calling contact comments on a task they see.
    pub fn portal_comment(
        &self,
        caller: &ContactCaller,
        task: Uuid,
        body: &str,
    ) -> Result<Comment, ServiceError> {
        self.portal_allows(caller, PortalAction::Comment)?;
        let body = clean_comment(body)?;
        self.write(|tx| {
            let (task, _) = Self::visible_task(tx, caller, task)?;
            self.add_comment(
                tx,
                caller.account,
                &task,
                caller.person(),
                body.clone(),
                Vec::new(),
                CommentVia::Ui,
                &caller.actor(),
            )
        })
    }

    /// The calling contact changes the status of a task they see (`advanced` access).
    pub fn portal_set_status(
        &self,
        caller: &ContactCaller,
        task: Uuid,
        status: TaskStatus,
    ) -> Result<Task, ServiceError> {
        self.portal_allows(caller, PortalAction::ChangeStatus)?;
        let now = self.now();
        self.write(|tx| {
            let (mut task, _) = Self::visible_task(tx, caller, task)?;
            if task.status == status {
                return Ok(task);
            }
            let before = task.clone();
            task.status = status;
            task.updated_at = now;
            tx.update_task(caller.account, &task)?;
            self.record_changes(tx, caller.account, &before, &task, caller.person())?;
            self.record_event(
                tx,
                &caller.actor(),
                AuditAction::TaskUpdate,
                task.id,
                json!({ "contact": caller.contact.id }),
            )?;
            Ok(task)
        })
    }

    /// The calling contact creates a task in a project they see, addressed only to the
    /// project's client manager or supervisor (`assignee`; by default the client manager).
    /// The contact is on the task as a participant, so they see it.
    pub fn portal_create_task(
        &self,
        caller: &ContactCaller,
        project: Uuid,
        title: &str,
        description: &str,
        assignee: Option<Person>,
    ) -> Result<Task, ServiceError> {
        self.portal_allows(caller, PortalAction::CreateTask)?;
        let title = Project::clean_title(title, "title")?;
        let description = clean_description(description)?;
        let now = self.now();
        self.write(|tx| {
            if !Self::memberships_of(tx, caller)?.sees_project(project) {
                return Err(NOT_FOUND_PROJECT);
            }
            let found = tx
                .project(caller.account, project)?
                .ok_or(NOT_FOUND_PROJECT)?;
            let assignee = client_task_assignee(&found, assignee)?;
            let task = Task {
                id: random_uuid(),
                project,
                title: title.clone(),
                description: description.clone(),
                status: TaskStatus::Open,
                people: TaskPeople {
                    assignee: Some(Person::User(assignee)),
                    co_assignees: Vec::new(),
                    participants: vec![caller.person()],
                    auditors: Vec::new(),
                },
                created_by: caller.person(),
                created_at: now,
                updated_at: now,
            };
            self.insert_new_task(tx, caller.account, &task, &caller.actor())?;
            Ok(task)
        })
    }
}
