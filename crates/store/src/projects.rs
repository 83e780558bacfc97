//! Projects, tasks and the people on them, comments, task history and reply keys.
//!
//! A contact's memberships are read by index (`task_people_by_person`,
//! `projects_by_counterparty`, `project_auditors_by_person`); the visibility rule itself is
//! `tessera_contacts::visibility`'s.

use diesel::prelude::*;
use tessera_contacts::visibility::Memberships;
use tessera_contacts::{Person, Project, Task, TaskPeople, TaskRole, TaskStatus};
use tessera_core::{AccountId, UserId, Uuid};
use tessera_service::records::{Comment, CommentVia, StoredReplyKey, TaskEvent};

use crate::db::{corrupt, hex, micros, parse_uuid as uuid, per_backend, unhex};
use crate::schema::{
    project_auditors, projects, reply_keys, task_comments, task_events, task_people, tasks,
};
use crate::{DbConnection, StoreError};

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

fn person(table: &'static str, kind: &str, id: &str) -> Result<Person, StoreError> {
    Person::from_parts(kind, uuid(table, id)?)
        .ok_or_else(|| corrupt(table, format!("person kind `{kind}`")))
}

fn user(table: &'static str, id: Option<String>) -> Result<Option<UserId>, StoreError> {
    id.map(|id| uuid(table, &id).map(UserId::from_uuid))
        .transpose()
}

fn changed(rows: usize) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
struct ProjectRow {
    account_id: String,
    id: String,
    name: String,
    counterparty_id: Option<String>,
    client_manager_id: Option<String>,
    supervisor_id: Option<String>,
    created_at: chrono::NaiveDateTime,
}

impl ProjectRow {
    fn of(account: AccountId, project: &Project) -> Self {
        ProjectRow {
            account_id: account.to_string(),
            id: project.id.to_string(),
            name: project.name.clone(),
            counterparty_id: project.counterparty.map(|c| c.to_string()),
            client_manager_id: project.client_manager.map(|u| u.to_string()),
            supervisor_id: project.supervisor.map(|u| u.to_string()),
            created_at: micros(project.created_at),
        }
    }

    fn into_project(self, auditors: Vec<Person>) -> Result<Project, StoreError> {
        const T: &str = "projects";
        Ok(Project {
            id: uuid(T, &self.id)?,
            name: self.name,
            counterparty: self
                .counterparty_id
                .as_deref()
                .map(|c| uuid(T, c))
                .transpose()?,
            client_manager: user(T, self.client_manager_id)?,
            supervisor: user(T, self.supervisor_id)?,
            auditors,
            created_at: self.created_at.and_utc(),
        })
    }
}

fn insert_auditors(
    connection: &mut DbConnection,
    account: AccountId,
    project: &Project,
) -> Result<(), StoreError> {
    let rows: Vec<_> = project
        .auditors
        .iter()
        .map(|p| {
            (
                project_auditors::account_id.eq(account.to_string()),
                project_auditors::project_id.eq(project.id.to_string()),
                project_auditors::person_kind.eq(p.kind()),
                project_auditors::person_id.eq(p.id().to_string()),
            )
        })
        .collect();
    if !rows.is_empty() {
        per_backend!(connection, |c| diesel::insert_into(project_auditors::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Adds a project with its auditors.
pub fn insert_project(
    connection: &mut DbConnection,
    account: AccountId,
    project: &Project,
) -> Result<(), StoreError> {
    diesel::insert_into(projects::table)
        .values(ProjectRow::of(account, project))
        .execute(connection)?;
    insert_auditors(connection, account, project)
}

/// Writes back a project's fields and replaces its auditors.
pub fn update_project(
    connection: &mut DbConnection,
    account: AccountId,
    project: &Project,
) -> Result<(), StoreError> {
    let row = ProjectRow::of(account, project);
    changed(
        diesel::update(projects::table.find((&row.account_id, &row.id)))
            .set((
                projects::name.eq(&row.name),
                projects::counterparty_id.eq(&row.counterparty_id),
                projects::client_manager_id.eq(&row.client_manager_id),
                projects::supervisor_id.eq(&row.supervisor_id),
            ))
            .execute(connection)?,
    )?;
    diesel::delete(
        project_auditors::table
            .filter(project_auditors::account_id.eq(&row.account_id))
            .filter(project_auditors::project_id.eq(&row.id)),
    )
    .execute(connection)?;
    insert_auditors(connection, account, project)
}

/// An auditor's columns, absent for a project without auditors.
type AuditorColumns = (Option<String>, Option<String>);

/// Folds joined (project, auditor) rows into projects, keeping the rows' order.
fn fold_auditors(rows: Vec<(ProjectRow, AuditorColumns)>) -> Result<Vec<Project>, StoreError> {
    let mut out: Vec<(ProjectRow, Vec<Person>)> = Vec::new();
    for (row, (kind, id)) in rows {
        let auditor = match (kind, id) {
            (Some(kind), Some(id)) => Some(person("project_auditors", &kind, &id)?),
            _ => None,
        };
        match out.last_mut() {
            Some((last, auditors)) if last.id == row.id => auditors.extend(auditor),
            _ => out.push((row, auditor.into_iter().collect())),
        }
    }
    out.into_iter()
        .map(|(row, mut auditors)| {
            auditors.sort();
            row.into_project(auditors)
        })
        .collect()
}

/// The projects of the account matching `only` (all when `None`), with their auditors, in
/// one query per chunk of ids, ordered by name.
fn load_projects(
    connection: &mut DbConnection,
    account: AccountId,
    only: Option<&[String]>,
) -> Result<Vec<Project>, StoreError> {
    let account_id = account.to_string();
    let query = || {
        projects::table
            .left_join(
                project_auditors::table.on(project_auditors::account_id
                    .eq(projects::account_id)
                    .and(project_auditors::project_id.eq(projects::id))),
            )
            .filter(projects::account_id.eq(account_id.clone()))
            // By the primary key: the database walks it for the ids asked (an order by name
            // would walk the account's every project); the name order is made below.
            .order(projects::id.asc())
            .select((
                ProjectRow::as_select(),
                (
                    project_auditors::person_kind.nullable(),
                    project_auditors::person_id.nullable(),
                ),
            ))
    };
    let mut projects = match only {
        None => fold_auditors(query().load(connection)?)?,
        Some(ids) => {
            let mut all = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(CHUNK) {
                all.extend(fold_auditors(
                    query()
                        .filter(projects::id.eq_any(chunk))
                        .load(connection)?,
                )?);
            }
            all
        }
    };
    projects.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(projects)
}

/// The project `id` of the account.
pub fn get_project(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<Project, StoreError> {
    load_projects(connection, account, Some(&[id.to_string()]))?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The account's projects by name; only those in `only` when given.
pub fn list_projects(
    connection: &mut DbConnection,
    account: AccountId,
    only: Option<&[Uuid]>,
) -> Result<Vec<Project>, StoreError> {
    let ids: Option<Vec<String>> = only.map(|ids| ids.iter().map(Uuid::to_string).collect());
    load_projects(connection, account, ids.as_deref())
}

/// Deletes a project with its tasks; returns whether there was one.
pub fn delete_project(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<bool, StoreError> {
    Ok(
        diesel::delete(projects::table.find((account.to_string(), id.to_string())))
            .execute(connection)?
            > 0,
    )
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = tasks)]
struct TaskRow {
    account_id: String,
    id: String,
    project_id: String,
    title: String,
    description: String,
    status: String,
    created_by_kind: String,
    created_by_id: String,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

impl TaskRow {
    fn of(account: AccountId, task: &Task) -> Self {
        TaskRow {
            account_id: account.to_string(),
            id: task.id.to_string(),
            project_id: task.project.to_string(),
            title: task.title.clone(),
            description: task.description.clone(),
            status: task.status.as_str().to_owned(),
            created_by_kind: task.created_by.kind().to_owned(),
            created_by_id: task.created_by.id().to_string(),
            created_at: micros(task.created_at),
            updated_at: micros(task.updated_at),
        }
    }

    fn into_task(self, people: TaskPeople) -> Result<Task, StoreError> {
        const T: &str = "tasks";
        Ok(Task {
            id: uuid(T, &self.id)?,
            project: uuid(T, &self.project_id)?,
            status: TaskStatus::parse(&self.status)
                .ok_or_else(|| corrupt(T, format!("status `{}`", self.status)))?,
            created_by: person(T, &self.created_by_kind, &self.created_by_id)?,
            title: self.title,
            description: self.description,
            people,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        })
    }
}

fn insert_people(
    connection: &mut DbConnection,
    account: AccountId,
    task: &Task,
) -> Result<(), StoreError> {
    let rows: Vec<_> = task
        .people
        .pairs()
        .map(|(role, p)| {
            (
                task_people::account_id.eq(account.to_string()),
                task_people::task_id.eq(task.id.to_string()),
                task_people::project_id.eq(task.project.to_string()),
                task_people::role.eq(role.as_str()),
                task_people::person_kind.eq(p.kind()),
                task_people::person_id.eq(p.id().to_string()),
            )
        })
        .collect();
    if !rows.is_empty() {
        per_backend!(connection, |c| diesel::insert_into(task_people::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Adds a task with its people.
pub fn insert_task(
    connection: &mut DbConnection,
    account: AccountId,
    task: &Task,
) -> Result<(), StoreError> {
    diesel::insert_into(tasks::table)
        .values(TaskRow::of(account, task))
        .execute(connection)?;
    insert_people(connection, account, task)
}

/// Adds many projects at once (bulk loads: imports, benchmark fixtures), in chunks.
pub fn insert_projects(
    connection: &mut DbConnection,
    account: AccountId,
    list: &[Project],
) -> Result<(), StoreError> {
    let rows: Vec<ProjectRow> = list.iter().map(|p| ProjectRow::of(account, p)).collect();
    for chunk in rows.chunks(CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(projects::table)
            .values(chunk)
            .execute(c))?;
    }
    for project in list.iter().filter(|p| !p.auditors.is_empty()) {
        insert_auditors(connection, account, project)?;
    }
    Ok(())
}

/// Adds many tasks with their people at once (bulk loads), in chunks.
pub fn insert_tasks(
    connection: &mut DbConnection,
    account: AccountId,
    list: &[Task],
) -> Result<(), StoreError> {
    let rows: Vec<TaskRow> = list.iter().map(|t| TaskRow::of(account, t)).collect();
    for chunk in rows.chunks(CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(tasks::table)
            .values(chunk)
            .execute(c))?;
    }
    let account_id = account.to_string();
    let people: Vec<_> = list
        .iter()
        .flat_map(|task| {
            let (task_id, project_id) = (task.id.to_string(), task.project.to_string());
            let account_id = account_id.clone();
            task.people.pairs().map(move |(role, p)| {
                (
                    task_people::account_id.eq(account_id.clone()),
                    task_people::task_id.eq(task_id.clone()),
                    task_people::project_id.eq(project_id.clone()),
                    task_people::role.eq(role.as_str()),
                    task_people::person_kind.eq(p.kind()),
                    task_people::person_id.eq(p.id().to_string()),
                )
            })
        })
        .collect();
    for chunk in people.chunks(CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(task_people::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Writes back a task's fields and replaces its people.
pub fn update_task(
    connection: &mut DbConnection,
    account: AccountId,
    task: &Task,
) -> Result<(), StoreError> {
    let row = TaskRow::of(account, task);
    changed(
        diesel::update(tasks::table.find((&row.account_id, &row.id)))
            .set((
                tasks::title.eq(&row.title),
                tasks::description.eq(&row.description),
                tasks::status.eq(&row.status),
                tasks::updated_at.eq(row.updated_at),
            ))
            .execute(connection)?,
    )?;
    diesel::delete(
        task_people::table
            .filter(task_people::account_id.eq(&row.account_id))
            .filter(task_people::task_id.eq(&row.id)),
    )
    .execute(connection)?;
    insert_people(connection, account, task)
}

/// A person-on-task's columns, absent for a task with nobody on it.
type PeopleColumns = (Option<String>, Option<String>, Option<String>);

/// Folds joined (task, person) rows into tasks, keeping the rows' order.
fn fold_people(rows: Vec<(TaskRow, PeopleColumns)>) -> Result<Vec<Task>, StoreError> {
    const T: &str = "task_people";
    let mut out: Vec<(TaskRow, Vec<(TaskRole, Person)>)> = Vec::new();
    for (row, (role, kind, id)) in rows {
        let pair = match (role, kind, id) {
            (Some(role), Some(kind), Some(id)) => Some((
                TaskRole::parse(&role).ok_or_else(|| corrupt(T, format!("role `{role}`")))?,
                person(T, &kind, &id)?,
            )),
            _ => None,
        };
        match out.last_mut() {
            Some((last, pairs)) if last.id == row.id => pairs.extend(pair),
            _ => out.push((row, pair.into_iter().collect())),
        }
    }
    out.into_iter()
        .map(|(row, pairs)| row.into_task(TaskPeople::from_pairs(pairs)))
        .collect()
}

/// Tasks joined with their people: the select every task query shares (not boxed, so each
/// statement is prepared once per connection).
macro_rules! tasks_with_people {
    ($account:expr) => {
        tasks::table
            .left_join(
                task_people::table.on(task_people::account_id
                    .eq(tasks::account_id)
                    .and(task_people::task_id.eq(tasks::id))),
            )
            .filter(tasks::account_id.eq($account))
            .order((
                tasks::created_at.asc(),
                tasks::id.asc(),
                task_people::role.asc(),
                task_people::person_kind.asc(),
                task_people::person_id.asc(),
            ))
            .select((
                TaskRow::as_select(),
                (
                    task_people::role.nullable(),
                    task_people::person_kind.nullable(),
                    task_people::person_id.nullable(),
                ),
            ))
    };
}

/// The task `id` of the account.
pub fn get_task(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<Task, StoreError> {
    let rows = tasks_with_people!(account.to_string())
        .filter(tasks::id.eq(id.to_string()))
        .load(connection)?;
    fold_people(rows)?.pop().ok_or(StoreError::NotFound)
}

/// The tasks of a project, oldest first; only those in `only` when given.
pub fn tasks_of(
    connection: &mut DbConnection,
    account: AccountId,
    project: Uuid,
    only: Option<&[Uuid]>,
) -> Result<Vec<Task>, StoreError> {
    let (account_id, project_id) = (account.to_string(), project.to_string());
    let Some(only) = only else {
        let rows = tasks_with_people!(account_id)
            .filter(tasks::project_id.eq(project_id))
            .load(connection)?;
        return fold_people(rows);
    };
    let ids: Vec<String> = only.iter().map(Uuid::to_string).collect();
    let mut tasks = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows = tasks_with_people!(account_id.clone())
            .filter(tasks::project_id.eq(project_id.clone()))
            .filter(tasks::id.eq_any(chunk))
            .load(connection)?;
        tasks.extend(fold_people(rows)?);
    }
    if ids.len() > CHUNK {
        tasks.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    Ok(tasks)
}

/// Deletes a task; returns whether there was one.
pub fn delete_task(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<bool, StoreError> {
    Ok(
        diesel::delete(tasks::table.find((account.to_string(), id.to_string())))
            .execute(connection)?
            > 0,
    )
}

/// Takes a person off every task and project of the account (they are being deleted).
pub fn remove_person(
    connection: &mut DbConnection,
    account: AccountId,
    person: &Person,
) -> Result<usize, StoreError> {
    let (account_id, person_id) = (account.to_string(), person.id().to_string());
    let tasks = diesel::delete(
        task_people::table
            .filter(task_people::account_id.eq(&account_id))
            .filter(task_people::person_kind.eq(person.kind()))
            .filter(task_people::person_id.eq(&person_id)),
    )
    .execute(connection)?;
    let audited = diesel::delete(
        project_auditors::table
            .filter(project_auditors::account_id.eq(&account_id))
            .filter(project_auditors::person_kind.eq(person.kind()))
            .filter(project_auditors::person_id.eq(&person_id)),
    )
    .execute(connection)?;
    if let Person::User(_) = person {
        for column in [Managed::ClientManager, Managed::Supervisor] {
            column.clear(connection, &account_id, &person_id)?;
        }
    }
    Ok(tasks + audited)
}

/// The two user columns of a project.
#[derive(Clone, Copy)]
enum Managed {
    ClientManager,
    Supervisor,
}

impl Managed {
    /// Empties this column wherever it names `user`.
    fn clear(
        self,
        connection: &mut DbConnection,
        account: &str,
        user: &str,
    ) -> Result<(), StoreError> {
        let scope = projects::table.filter(projects::account_id.eq(account));
        match self {
            Managed::ClientManager => {
                diesel::update(scope.filter(projects::client_manager_id.eq(user)))
                    .set(projects::client_manager_id.eq(None::<String>))
                    .execute(connection)?
            }
            Managed::Supervisor => diesel::update(scope.filter(projects::supervisor_id.eq(user)))
                .set(projects::supervisor_id.eq(None::<String>))
                .execute(connection)?,
        };
        Ok(())
    }
}

/// Where a contact appears — projects of their company, tasks they are on, projects they
/// audit — in one query of three index lookups (`UNION ALL`).
pub fn memberships(
    connection: &mut DbConnection,
    account: AccountId,
    contact: Uuid,
    company: Option<Uuid>,
) -> Result<Memberships, StoreError> {
    use diesel::IntoSql;
    use diesel::sql_types::{Integer, Nullable, Text};
    // Bound values, not SQL literals: the statement is prepared once per connection.
    let none = || None::<String>.into_sql::<Nullable<Text>>();
    let account_id = account.to_string();
    let contact_id = contact.to_string();
    // A company no project names when the contact has none.
    let company_id = company.map_or_else(String::new, |c| c.to_string());
    let counterparty = projects::table
        .filter(projects::account_id.eq(account_id.clone()))
        .filter(projects::counterparty_id.eq(company_id))
        .select((0.into_sql::<Integer>(), projects::id, none()));
    let on_tasks = task_people::table
        .filter(task_people::account_id.eq(account_id.clone()))
        .filter(task_people::person_kind.eq("contact"))
        .filter(task_people::person_id.eq(contact_id.clone()))
        .select((
            1.into_sql::<Integer>(),
            task_people::project_id,
            task_people::task_id.nullable(),
        ));
    let audited = project_auditors::table
        .filter(project_auditors::account_id.eq(account_id))
        .filter(project_auditors::person_kind.eq("contact"))
        .filter(project_auditors::person_id.eq(contact_id))
        .select((
            2.into_sql::<Integer>(),
            project_auditors::project_id,
            none(),
        ));
    // `MultiConnection` has no `UNION`: the one statement is compiled per backend.
    let rows: Vec<(i32, String, Option<String>)> = per_backend!(connection, |c| counterparty
        .union_all(on_tasks)
        .union_all(audited)
        .load(c))?;
    let mut memberships = Memberships::default();
    for (source, project, task) in rows {
        let project = uuid("projects", &project)?;
        match (source, task) {
            (0, _) => memberships.counterparty_projects.push(project),
            (1, Some(task)) => memberships
                .tasks
                .push((uuid("task_people", &task)?, project)),
            (2, _) => memberships.audited_projects.push(project),
            (other, _) => return Err(corrupt("task_people", format!("membership source {other}"))),
        }
    }
    memberships.tasks.sort_unstable();
    memberships.tasks.dedup();
    Ok(memberships)
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = task_comments)]
struct CommentRow {
    account_id: String,
    id: String,
    task_id: String,
    author_kind: String,
    author_id: String,
    body: String,
    attachments: String,
    via: String,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<CommentRow> for Comment {
    type Error = StoreError;

    fn try_from(row: CommentRow) -> Result<Self, StoreError> {
        const T: &str = "task_comments";
        Ok(Comment {
            id: uuid(T, &row.id)?,
            task: uuid(T, &row.task_id)?,
            author: person(T, &row.author_kind, &row.author_id)?,
            body: row.body,
            attachments: serde_json::from_str(&row.attachments)
                .map_err(|e| corrupt(T, e.to_string()))?,
            via: match row.via.as_str() {
                "ui" => CommentVia::Ui,
                "email" => CommentVia::Email,
                other => return Err(corrupt(T, format!("via `{other}`"))),
            },
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Adds a comment.
pub fn insert_comment(
    connection: &mut DbConnection,
    account: AccountId,
    comment: &Comment,
) -> Result<(), StoreError> {
    diesel::insert_into(task_comments::table)
        .values(CommentRow {
            account_id: account.to_string(),
            id: comment.id.to_string(),
            task_id: comment.task.to_string(),
            author_kind: comment.author.kind().to_owned(),
            author_id: comment.author.id().to_string(),
            body: comment.body.clone(),
            attachments: serde_json::to_string(&comment.attachments)
                .map_err(|e| corrupt("task_comments", e.to_string()))?,
            via: comment.via.as_str().to_owned(),
            created_at: micros(comment.created_at),
        })
        .execute(connection)?;
    Ok(())
}

/// A task's comments, oldest first.
pub fn comments(
    connection: &mut DbConnection,
    account: AccountId,
    task: Uuid,
) -> Result<Vec<Comment>, StoreError> {
    task_comments::table
        .filter(task_comments::account_id.eq(account.to_string()))
        .filter(task_comments::task_id.eq(task.to_string()))
        .order((task_comments::created_at.asc(), task_comments::id.asc()))
        .select(CommentRow::as_select())
        .load(connection)?
        .into_iter()
        .map(Comment::try_from)
        .collect()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = task_events)]
struct EventRow {
    account_id: String,
    id: String,
    task_id: String,
    actor_kind: String,
    actor_id: String,
    kind: String,
    detail: String,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<EventRow> for TaskEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        const T: &str = "task_events";
        Ok(TaskEvent {
            id: uuid(T, &row.id)?,
            task: uuid(T, &row.task_id)?,
            actor: person(T, &row.actor_kind, &row.actor_id)?,
            kind: row.kind,
            detail: serde_json::from_str(&row.detail).map_err(|e| corrupt(T, e.to_string()))?,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Adds a history entry.
pub fn insert_event(
    connection: &mut DbConnection,
    account: AccountId,
    event: &TaskEvent,
) -> Result<(), StoreError> {
    diesel::insert_into(task_events::table)
        .values(EventRow {
            account_id: account.to_string(),
            id: event.id.to_string(),
            task_id: event.task.to_string(),
            actor_kind: event.actor.kind().to_owned(),
            actor_id: event.actor.id().to_string(),
            kind: event.kind.clone(),
            detail: event.detail.to_string(),
            created_at: micros(event.created_at),
        })
        .execute(connection)?;
    Ok(())
}

/// One history entry of the account.
pub fn get_event(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<TaskEvent, StoreError> {
    task_events::table
        .find((account.to_string(), id.to_string()))
        .select(EventRow::as_select())
        .first(connection)?
        .try_into()
}

/// A task's history, oldest first.
pub fn events(
    connection: &mut DbConnection,
    account: AccountId,
    task: Uuid,
) -> Result<Vec<TaskEvent>, StoreError> {
    task_events::table
        .filter(task_events::account_id.eq(account.to_string()))
        .filter(task_events::task_id.eq(task.to_string()))
        .order((task_events::created_at.asc(), task_events::id.asc()))
        .select(EventRow::as_select())
        .load(connection)?
        .into_iter()
        .map(TaskEvent::try_from)
        .collect()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = reply_keys)]
struct ReplyKeyRow {
    tag: String,
    account_id: String,
    task_id: String,
    person_kind: String,
    person_id: String,
    nonce: String,
    created_at: chrono::NaiveDateTime,
}

impl TryFrom<ReplyKeyRow> for StoredReplyKey {
    type Error = StoreError;

    fn try_from(row: ReplyKeyRow) -> Result<Self, StoreError> {
        const T: &str = "reply_keys";
        Ok(StoredReplyKey {
            account: row
                .account_id
                .parse()
                .map_err(|e: tessera_core::IdParseError| corrupt(T, e.to_string()))?,
            task: uuid(T, &row.task_id)?,
            person: person(T, &row.person_kind, &row.person_id)?,
            nonce: unhex(T, &row.nonce)?,
            tag: unhex(T, &row.tag)?,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores a reply key (`Conflict` when the person already has one on the task).
pub fn insert_reply_key(
    connection: &mut DbConnection,
    key: &StoredReplyKey,
) -> Result<(), StoreError> {
    diesel::insert_into(reply_keys::table)
        .values(ReplyKeyRow {
            tag: hex(&key.tag),
            account_id: key.account.to_string(),
            task_id: key.task.to_string(),
            person_kind: key.person.kind().to_owned(),
            person_id: key.person.id().to_string(),
            nonce: hex(&key.nonce),
            created_at: micros(key.created_at),
        })
        .execute(connection)?;
    Ok(())
}

/// The person's reply key on a task.
pub fn reply_key(
    connection: &mut DbConnection,
    account: AccountId,
    task: Uuid,
    person: &Person,
) -> Result<StoredReplyKey, StoreError> {
    reply_keys::table
        .filter(reply_keys::account_id.eq(account.to_string()))
        .filter(reply_keys::task_id.eq(task.to_string()))
        .filter(reply_keys::person_kind.eq(person.kind()))
        .filter(reply_keys::person_id.eq(person.id().to_string()))
        .select(ReplyKeyRow::as_select())
        .first(connection)?
        .try_into()
}

/// The reply key with this HMAC, in any account.
pub fn reply_key_by_tag(
    connection: &mut DbConnection,
    tag: &[u8; 32],
) -> Result<StoredReplyKey, StoreError> {
    reply_keys::table
        .find(hex(tag))
        .select(ReplyKeyRow::as_select())
        .first(connection)?
        .try_into()
}

/// Revokes every reply key of a person; returns how many.
pub fn delete_reply_keys(
    connection: &mut DbConnection,
    account: AccountId,
    person: &Person,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        reply_keys::table
            .filter(reply_keys::account_id.eq(account.to_string()))
            .filter(reply_keys::person_kind.eq(person.kind()))
            .filter(reply_keys::person_id.eq(person.id().to_string())),
    )
    .execute(connection)?)
}
