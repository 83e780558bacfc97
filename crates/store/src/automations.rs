//! Shared automations: the account's gate (plan, beta switch), event types, automations and
//! their shares, mailboxes, events, runs with their step results, and notifications.
//!
//! An automation's trigger and steps are kept as one JSON document (`definition`); its name,
//! mode and event type in columns (the event type is how events find automations). Runs are
//! written in multi-row statements (an event batch fans out to many users at once).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use tessera_automations::{
    AccessState, Automation, Definition, EventType, Mailbox, Plan, RecentRuns, RunCursor,
    RunFilter, RunStatus, ShareCounts, Step, StepResult, StepStatus, Trigger, TriggerMode,
};
use tessera_core::{AccountId, UserId, Uuid};
use tessera_service::records::{
    AccessRecord, ClaimedRun, Notification, RunRecord, StoredEvent, StoredMailbox,
};

use crate::db::{INSERT_CHUNK, corrupt, micros, parse_uuid, per_backend};
use crate::schema::{
    accounts, automation_access, automation_events, automation_run_steps, automation_runs,
    automations, event_types, mailboxes, notifications,
};
use crate::{DbConnection, StoreError};

fn user_id(table: &'static str, text: &str) -> Result<UserId, StoreError> {
    Ok(UserId::from_uuid(parse_uuid(table, text)?))
}

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
        table: "automations",
        detail: e.to_string(),
    })
}

fn from_json<T: for<'de> Deserialize<'de>>(
    table: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(table, e.to_string()))
}

/// The account's plan and automations beta switch.
pub fn gate(connection: &mut DbConnection, account: AccountId) -> Result<(Plan, bool), StoreError> {
    let (plan, beta): (String, bool) = accounts::table
        .find(account.to_string())
        .select((accounts::plan, accounts::automations_beta))
        .first(connection)?;
    let plan =
        Plan::from_name(&plan).ok_or_else(|| corrupt("accounts", format!("plan `{plan}`")))?;
    Ok((plan, beta))
}

/// Sets the account's plan and beta switch.
pub fn set_gate(
    connection: &mut DbConnection,
    account: AccountId,
    plan: Plan,
    beta: bool,
) -> Result<(), StoreError> {
    let updated = diesel::update(accounts::table.find(account.to_string()))
        .set((
            accounts::plan.eq(plan.name()),
            accounts::automations_beta.eq(beta),
        ))
        .execute(connection)?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = event_types)]
struct EventTypeRow {
    account_id: String,
    name: String,
    fields: String,
    updated_at: chrono::NaiveDateTime,
}

impl TryFrom<EventTypeRow> for EventType {
    type Error = StoreError;

    fn try_from(row: EventTypeRow) -> Result<Self, StoreError> {
        Ok(EventType {
            fields: from_json("event_types", &row.fields)?,
            name: row.name,
        })
    }
}

/// Declares an event type or replaces its fields.
pub fn put_event_type(
    connection: &mut DbConnection,
    account: AccountId,
    event_type: &EventType,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = EventTypeRow {
        account_id: account.to_string(),
        name: event_type.name.clone(),
        fields: json(&event_type.fields)?,
        updated_at: micros(now),
    };
    per_backend!(connection, |c| diesel::insert_into(event_types::table)
        .values(&row)
        .on_conflict((event_types::account_id, event_types::name))
        .do_update()
        .set((
            event_types::fields.eq(&row.fields),
            event_types::updated_at.eq(row.updated_at),
        ))
        .execute(c))?;
    Ok(())
}

/// The account's event types, by name.
pub fn event_types(
    connection: &mut DbConnection,
    account: AccountId,
) -> Result<Vec<EventType>, StoreError> {
    event_types::table
        .filter(event_types::account_id.eq(account.to_string()))
        .order(event_types::name.asc())
        .select(EventTypeRow::as_select())
        .load(connection)?
        .into_iter()
        .map(EventType::try_from)
        .collect()
}

/// One event type.
pub fn event_type(
    connection: &mut DbConnection,
    account: AccountId,
    name: &str,
) -> Result<EventType, StoreError> {
    event_types::table
        .find((account.to_string(), name))
        .select(EventTypeRow::as_select())
        .first(connection)?
        .try_into()
}

/// What the `definition` column holds.
#[derive(Serialize, Deserialize)]
struct StoredDefinition {
    trigger: Trigger,
    steps: Vec<Step>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = automations)]
struct AutomationRow {
    account_id: String,
    id: String,
    owner_id: String,
    name: String,
    event_type: String,
    mode: String,
    definition: String,
    active: bool,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

impl AutomationRow {
    fn new(account: AccountId, automation: &Automation) -> Result<Self, StoreError> {
        let definition = &automation.definition;
        Ok(AutomationRow {
            account_id: account.to_string(),
            id: automation.id.to_string(),
            owner_id: automation.owner.to_string(),
            name: definition.name.clone(),
            event_type: definition.trigger.event_type.clone(),
            mode: definition.mode.name().to_owned(),
            definition: json(&StoredDefinition {
                trigger: definition.trigger.clone(),
                steps: definition.steps.clone(),
            })?,
            active: automation.active,
            created_at: micros(automation.created_at),
            updated_at: micros(automation.updated_at),
        })
    }
}

impl TryFrom<AutomationRow> for Automation {
    type Error = StoreError;

    fn try_from(row: AutomationRow) -> Result<Self, StoreError> {
        let stored: StoredDefinition = from_json("automations", &row.definition)?;
        Ok(Automation {
            id: parse_uuid("automations", &row.id)?,
            owner: user_id("automations", &row.owner_id)?,
            definition: Definition {
                name: row.name,
                trigger: stored.trigger,
                mode: TriggerMode::from_name(&row.mode)
                    .ok_or_else(|| corrupt("automations", format!("mode `{}`", row.mode)))?,
                steps: stored.steps,
            },
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// Adds an automation.
pub fn insert_automation(
    connection: &mut DbConnection,
    account: AccountId,
    automation: &Automation,
) -> Result<(), StoreError> {
    diesel::insert_into(automations::table)
        .values(AutomationRow::new(account, automation)?)
        .execute(connection)?;
    Ok(())
}

/// Replaces an automation's definition, switch and owner.
pub fn update_automation(
    connection: &mut DbConnection,
    account: AccountId,
    automation: &Automation,
) -> Result<(), StoreError> {
    let row = AutomationRow::new(account, automation)?;
    let updated = diesel::update(automations::table.find((&row.account_id, &row.id)))
        .set((
            automations::owner_id.eq(&row.owner_id),
            automations::name.eq(&row.name),
            automations::event_type.eq(&row.event_type),
            automations::mode.eq(&row.mode),
            automations::definition.eq(&row.definition),
            automations::active.eq(row.active),
            automations::updated_at.eq(row.updated_at),
        ))
        .execute(connection)?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Deletes an automation (its shares, runs and their steps go with it).
pub fn delete_automation(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let account = account.to_string();
    let id = id.to_string();
    let runs = automation_runs::table
        .filter(automation_runs::account_id.eq(&account))
        .filter(automation_runs::automation_id.eq(&id))
        .select(automation_runs::id);
    diesel::delete(
        automation_run_steps::table
            .filter(automation_run_steps::account_id.eq(&account))
            .filter(automation_run_steps::run_id.eq_any(runs)),
    )
    .execute(connection)?;
    diesel::delete(
        automation_runs::table
            .filter(automation_runs::account_id.eq(&account))
            .filter(automation_runs::automation_id.eq(&id)),
    )
    .execute(connection)?;
    diesel::delete(
        automation_access::table
            .filter(automation_access::account_id.eq(&account))
            .filter(automation_access::automation_id.eq(&id)),
    )
    .execute(connection)?;
    let deleted = diesel::delete(automations::table.find((&account, &id))).execute(connection)?;
    Ok(deleted == 1)
}

/// The automation, locked for the rest of the write transaction when `lock` (PostgreSQL's
/// row lock; SQLite's writer lock already serializes writers).
pub fn automation(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
    lock: bool,
) -> Result<Automation, StoreError> {
    let key = (account.to_string(), id.to_string());
    let row: AutomationRow = match connection {
        DbConnection::Postgresql(pg) if lock => automations::table
            .find(key)
            .select(AutomationRow::as_select())
            .for_update()
            .first(pg)?,
        connection => automations::table
            .find(key)
            .select(AutomationRow::as_select())
            .first(connection)?,
    };
    row.try_into()
}

/// The account's automations by name, each with its share counts and `viewer`'s own standing;
/// only those shared with `viewer` when `only_shared`. Two queries whatever the number.
pub fn automations(
    connection: &mut DbConnection,
    account: AccountId,
    viewer: UserId,
    only_shared: bool,
) -> Result<Vec<(Automation, ShareCounts, Option<AccessState>)>, StoreError> {
    let account_text = account.to_string();
    let viewer = viewer.to_string();
    let mut query = automations::table
        .filter(automations::account_id.eq(&account_text))
        .into_boxed();
    if only_shared {
        let shared = automation_access::table
            .filter(automation_access::account_id.eq(account_text.clone()))
            .filter(automation_access::user_id.eq(viewer.clone()))
            .select(automation_access::automation_id);
        query = query.filter(automations::id.eq_any(shared));
    }
    let rows: Vec<AutomationRow> = query
        .order((automations::name.asc(), automations::id.asc()))
        .select(AutomationRow::as_select())
        .load(connection)?;
    let states: Vec<(String, String, String)> = automation_access::table
        .filter(automation_access::account_id.eq(&account_text))
        .select((
            automation_access::automation_id,
            automation_access::user_id,
            automation_access::state,
        ))
        .load(connection)?;
    let mut by_automation: std::collections::HashMap<
        String,
        (Vec<AccessState>, Option<AccessState>),
    > = std::collections::HashMap::new();
    for (automation, user, state) in states {
        let state = AccessState::from_name(&state)
            .ok_or_else(|| corrupt("automation_access", format!("state `{state}`")))?;
        let entry = by_automation.entry(automation).or_default();
        entry.0.push(state);
        if user == viewer {
            entry.1 = Some(state);
        }
    }
    rows.into_iter()
        .map(|row| {
            let (states, mine) = by_automation.remove(&row.id).unwrap_or_default();
            Ok((Automation::try_from(row)?, ShareCounts::of(states), mine))
        })
        .collect()
}

/// The active automations triggered by `event_type`.
pub fn automations_for_event(
    connection: &mut DbConnection,
    account: AccountId,
    event_type: &str,
) -> Result<Vec<Automation>, StoreError> {
    automations::table
        .filter(automations::account_id.eq(account.to_string()))
        .filter(automations::event_type.eq(event_type))
        .filter(automations::active.eq(true))
        .select(AutomationRow::as_select())
        .load(connection)?
        .into_iter()
        .map(Automation::try_from)
        .collect()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = automation_access)]
struct AccessRow {
    account_id: String,
    automation_id: String,
    user_id: String,
    state: String,
    reason: Option<String>,
    changed_by: Option<String>,
    changed_at: chrono::NaiveDateTime,
}

impl TryFrom<AccessRow> for AccessRecord {
    type Error = StoreError;

    fn try_from(row: AccessRow) -> Result<Self, StoreError> {
        Ok(AccessRecord {
            user: user_id("automation_access", &row.user_id)?,
            state: AccessState::from_name(&row.state)
                .ok_or_else(|| corrupt("automation_access", format!("state `{}`", row.state)))?,
            reason: row.reason,
            changed_by: row
                .changed_by
                .as_deref()
                .map(|text| user_id("automation_access", text))
                .transpose()?,
            changed_at: row.changed_at.and_utc(),
        })
    }
}

/// Sets users' standing with an automation (adds or replaces).
pub fn set_access(
    connection: &mut DbConnection,
    account: AccountId,
    automation: Uuid,
    records: &[AccessRecord],
) -> Result<(), StoreError> {
    let account = account.to_string();
    let automation = automation.to_string();
    for record in records {
        let row = AccessRow {
            account_id: account.clone(),
            automation_id: automation.clone(),
            user_id: record.user.to_string(),
            state: record.state.name().to_owned(),
            reason: record.reason.clone(),
            changed_by: record.changed_by.map(|user| user.to_string()),
            changed_at: micros(record.changed_at),
        };
        per_backend!(connection, |c| diesel::insert_into(
            automation_access::table
        )
        .values(&row)
        .on_conflict((
            automation_access::account_id,
            automation_access::automation_id,
            automation_access::user_id,
        ))
        .do_update()
        .set((
            automation_access::state.eq(&row.state),
            automation_access::reason.eq(&row.reason),
            automation_access::changed_by.eq(&row.changed_by),
            automation_access::changed_at.eq(row.changed_at),
        ))
        .execute(c))?;
    }
    Ok(())
}

/// Ends users' access; returns how many had it.
pub fn remove_access(
    connection: &mut DbConnection,
    account: AccountId,
    automation: Uuid,
    users: &[UserId],
) -> Result<usize, StoreError> {
    let users: Vec<String> = users.iter().map(ToString::to_string).collect();
    Ok(diesel::delete(
        automation_access::table
            .filter(automation_access::account_id.eq(account.to_string()))
            .filter(automation_access::automation_id.eq(automation.to_string()))
            .filter(automation_access::user_id.eq_any(users)),
    )
    .execute(connection)?)
}

/// Everyone an automation is shared with.
pub fn access(
    connection: &mut DbConnection,
    account: AccountId,
    automation: Uuid,
) -> Result<Vec<AccessRecord>, StoreError> {
    automation_access::table
        .filter(automation_access::account_id.eq(account.to_string()))
        .filter(automation_access::automation_id.eq(automation.to_string()))
        .order(automation_access::user_id.asc())
        .select(AccessRow::as_select())
        .load(connection)?
        .into_iter()
        .map(AccessRecord::try_from)
        .collect()
}

/// The users who have each of `automations` active.
pub fn activated_users(
    connection: &mut DbConnection,
    account: AccountId,
    automations: &[Uuid],
) -> Result<Vec<(Uuid, UserId)>, StoreError> {
    let ids: Vec<String> = automations.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, String)> = automation_access::table
        .filter(automation_access::account_id.eq(account.to_string()))
        .filter(automation_access::automation_id.eq_any(ids))
        .filter(automation_access::state.eq(AccessState::Active.name()))
        .order((automation_access::automation_id, automation_access::user_id))
        .select((automation_access::automation_id, automation_access::user_id))
        .load(connection)?;
    rows.into_iter()
        .map(|(automation, user)| {
            Ok((
                parse_uuid("automation_access", &automation)?,
                user_id("automation_access", &user)?,
            ))
        })
        .collect()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = mailboxes)]
struct MailboxRow {
    account_id: String,
    user_id: String,
    address: String,
    display_name: String,
    signature: String,
    smtp_url_sealed: Option<String>,
    updated_at: chrono::NaiveDateTime,
}

/// Sets (or replaces) a user's mailbox identity.
pub fn set_mailbox(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
    stored: &StoredMailbox,
) -> Result<(), StoreError> {
    let row = MailboxRow {
        account_id: account.to_string(),
        user_id: user.to_string(),
        address: stored.mailbox.address.clone(),
        display_name: stored.mailbox.display_name.clone(),
        signature: stored.mailbox.signature.clone(),
        smtp_url_sealed: stored.smtp_url_sealed.clone(),
        updated_at: micros(stored.updated_at),
    };
    per_backend!(connection, |c| diesel::insert_into(mailboxes::table)
        .values(&row)
        .on_conflict((mailboxes::account_id, mailboxes::user_id))
        .do_update()
        .set((
            mailboxes::address.eq(&row.address),
            mailboxes::display_name.eq(&row.display_name),
            mailboxes::signature.eq(&row.signature),
            mailboxes::smtp_url_sealed.eq(&row.smtp_url_sealed),
            mailboxes::updated_at.eq(row.updated_at),
        ))
        .execute(c))?;
    Ok(())
}

/// A user's mailbox identity.
pub fn mailbox(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<StoredMailbox, StoreError> {
    let row: MailboxRow = mailboxes::table
        .find((account.to_string(), user.to_string()))
        .select(MailboxRow::as_select())
        .first(connection)?;
    Ok(StoredMailbox {
        mailbox: Mailbox {
            address: row.address,
            display_name: row.display_name,
            signature: row.signature,
            own_smtp: row.smtp_url_sealed.is_some(),
        },
        smtp_url_sealed: row.smtp_url_sealed,
        updated_at: row.updated_at.and_utc(),
    })
}

/// Removes a user's mailbox identity.
pub fn delete_mailbox(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(mailboxes::table.find((account.to_string(), user.to_string())))
        .execute(connection)?;
    Ok(deleted == 1)
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = automation_events)]
struct EventRow {
    account_id: String,
    id: String,
    event_type: String,
    user_id: Option<String>,
    fields: String,
    received_at: chrono::NaiveDateTime,
}

/// Keeps events for the runs they start.
pub fn insert_events(
    connection: &mut DbConnection,
    account: AccountId,
    events: &[StoredEvent],
) -> Result<(), StoreError> {
    let account = account.to_string();
    let rows = events
        .iter()
        .map(|stored| {
            Ok(EventRow {
                account_id: account.clone(),
                id: stored.id.to_string(),
                event_type: stored.event.event_type.clone(),
                user_id: stored.event.user.map(|user| user.to_string()),
                fields: json(&stored.event.fields)?,
                received_at: micros(stored.received_at),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    for chunk in rows.chunks(INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(
            automation_events::table
        )
        .values(chunk)
        .execute(c))?;
    }
    Ok(())
}

/// Events by id (any missing are left out), 500 per query.
pub fn events(
    connection: &mut DbConnection,
    account: AccountId,
    ids: &[Uuid],
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows: Vec<EventRow> = automation_events::table
            .filter(automation_events::account_id.eq(account.to_string()))
            .filter(automation_events::id.eq_any(keys))
            .select(EventRow::as_select())
            .load(connection)?;
        for row in rows {
            found.push(stored_event(row)?);
        }
    }
    Ok(found)
}

fn stored_event(row: EventRow) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        id: parse_uuid("automation_events", &row.id)?,
        event: tessera_automations::Event {
            event_type: row.event_type,
            user: row
                .user_id
                .as_deref()
                .map(|text| user_id("automation_events", text))
                .transpose()?,
            fields: from_json("automation_events", &row.fields)?,
        },
        received_at: row.received_at.and_utc(),
    })
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = automation_runs)]
struct RunRow {
    account_id: String,
    id: String,
    automation_id: String,
    user_id: String,
    event_id: String,
    status: String,
    queued_at: chrono::NaiveDateTime,
    claimed_at: Option<chrono::NaiveDateTime>,
    finished_at: Option<chrono::NaiveDateTime>,
    error: Option<String>,
}

impl TryFrom<RunRow> for RunRecord {
    type Error = StoreError;

    fn try_from(row: RunRow) -> Result<Self, StoreError> {
        Ok(RunRecord {
            id: parse_uuid("automation_runs", &row.id)?,
            automation: parse_uuid("automation_runs", &row.automation_id)?,
            user: user_id("automation_runs", &row.user_id)?,
            event: parse_uuid("automation_runs", &row.event_id)?,
            status: RunStatus::from_name(&row.status)
                .ok_or_else(|| corrupt("automation_runs", format!("status `{}`", row.status)))?,
            queued_at: row.queued_at.and_utc(),
            finished_at: row.finished_at.map(|at| at.and_utc()),
            error: row.error,
        })
    }
}

/// Writes queued runs, 1,000 per statement.
pub fn insert_runs(
    connection: &mut DbConnection,
    account: AccountId,
    runs: &[RunRecord],
) -> Result<(), StoreError> {
    let account = account.to_string();
    let rows: Vec<RunRow> = runs
        .iter()
        .map(|run| RunRow {
            account_id: account.clone(),
            id: run.id.to_string(),
            automation_id: run.automation.to_string(),
            user_id: run.user.to_string(),
            event_id: run.event.to_string(),
            status: run.status.name().to_owned(),
            queued_at: micros(run.queued_at),
            claimed_at: None,
            finished_at: run.finished_at.map(micros),
            error: run.error.clone(),
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(automation_runs::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Takes up to `limit` runs to work on, across accounts: queued ones oldest first, and
/// running ones taken longer than `lease` ago. Each is marked running, taken at `now`, only
/// if no other runner took it in between.
pub fn claim_runs(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<ClaimedRun>, StoreError> {
    connection.transaction(|tx| {
        crate::begin_write(tx)?;
        let queued = RunStatus::Queued.name();
        let running = RunStatus::Running.name();
        let stale = micros(now - lease);
        // The `IN` term repeats the partial index's condition word for word, as constants:
        // SQLite uses a partial index only then — not with bound parameters — and without it
        // each claim scanned and sorted every run.
        let due: Vec<RunRow> = automation_runs::table
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "automation_runs.status IN ('queued', 'running')",
            ))
            .filter(
                automation_runs::status
                    .eq(queued)
                    .or(automation_runs::status
                        .eq(running)
                        .and(automation_runs::claimed_at.le(stale))),
            )
            .order(automation_runs::queued_at.asc())
            .limit(limit)
            .select(RunRow::as_select())
            .load(tx)?;
        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            let taken = diesel::update(automation_runs::table.find((&row.account_id, &row.id)))
                .filter(
                    automation_runs::status
                        .eq(queued)
                        .or(automation_runs::status
                            .eq(running)
                            .and(automation_runs::claimed_at.le(stale))),
                )
                .set((
                    automation_runs::status.eq(running),
                    automation_runs::claimed_at.eq(Some(micros(now))),
                ))
                .execute(tx)?;
            if taken == 1 {
                let account = row
                    .account_id
                    .parse()
                    .map_err(|e: tessera_core::IdParseError| {
                        corrupt("automation_runs", e.to_string())
                    })?;
                let mut run = RunRecord::try_from(row)?;
                run.status = RunStatus::Running;
                claimed.push(ClaimedRun { account, run });
            }
        }
        Ok(claimed)
    })
}

/// Renews a runner's hold on runs it is working on.
pub fn renew_run_claims(
    connection: &mut DbConnection,
    account: AccountId,
    runs: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in runs.chunks(500) {
        let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        // By key alone: a `status` term made SQLite walk the account's status index instead
        // of the primary key. (A finished run's `claimed_at` means nothing, so renewing one
        // that ended is harmless.)
        diesel::update(
            automation_runs::table
                .filter(automation_runs::account_id.eq(account.to_string()))
                .filter(automation_runs::id.eq_any(ids)),
        )
        .set(automation_runs::claimed_at.eq(Some(micros(now))))
        .execute(connection)?;
    }
    Ok(())
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = automation_run_steps)]
struct StepRow {
    account_id: String,
    run_id: String,
    step_index: i32,
    status: String,
    output: Option<String>,
    error: Option<String>,
    recorded_at: chrono::NaiveDateTime,
}

/// A run's step results, in step order.
pub fn run_steps(
    connection: &mut DbConnection,
    account: AccountId,
    run: Uuid,
) -> Result<Vec<StepResult>, StoreError> {
    let rows: Vec<StepRow> = automation_run_steps::table
        .filter(automation_run_steps::account_id.eq(account.to_string()))
        .filter(automation_run_steps::run_id.eq(run.to_string()))
        .order(automation_run_steps::step_index.asc())
        .select(StepRow::as_select())
        .load(connection)?;
    rows.into_iter().map(step_result).collect()
}

fn step_result(row: StepRow) -> Result<StepResult, StoreError> {
    Ok(StepResult {
        index: usize::try_from(row.step_index)
            .map_err(|e| corrupt("automation_run_steps", e.to_string()))?,
        status: StepStatus::from_name(&row.status)
            .ok_or_else(|| corrupt("automation_run_steps", format!("status `{}`", row.status)))?,
        output: row.output,
        error: row.error,
        at: row.recorded_at.and_utc(),
    })
}

/// The step results of many runs, each run's in step order, 500 runs per query.
pub fn steps_of(
    connection: &mut DbConnection,
    account: AccountId,
    runs: &[Uuid],
) -> Result<Vec<(Uuid, StepResult)>, StoreError> {
    let mut found = Vec::new();
    for chunk in runs.chunks(500) {
        let keys: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let rows: Vec<StepRow> = automation_run_steps::table
            .filter(automation_run_steps::account_id.eq(account.to_string()))
            .filter(automation_run_steps::run_id.eq_any(keys))
            .order((
                automation_run_steps::run_id.asc(),
                automation_run_steps::step_index.asc(),
            ))
            .select(StepRow::as_select())
            .load(connection)?;
        for row in rows {
            let run = parse_uuid("automation_run_steps", &row.run_id)?;
            found.push((run, step_result(row)?));
        }
    }
    Ok(found)
}

/// Adds the first result of many steps (none recorded before), 1,000 per statement.
pub fn insert_steps(
    connection: &mut DbConnection,
    account: AccountId,
    results: &[(Uuid, StepResult)],
) -> Result<(), StoreError> {
    let account = account.to_string();
    let rows = results
        .iter()
        .map(|(run, result)| {
            Ok(StepRow {
                account_id: account.clone(),
                run_id: run.to_string(),
                step_index: i32::try_from(result.index)
                    .map_err(|e| corrupt("automation_run_steps", e.to_string()))?,
                status: result.status.name().to_owned(),
                output: result.output.clone(),
                error: result.error.clone(),
                recorded_at: micros(result.at),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    for chunk in rows.chunks(INSERT_CHUNK) {
        per_backend!(connection, |c| diesel::insert_into(
            automation_run_steps::table
        )
        .values(chunk)
        .execute(c))?;
    }
    Ok(())
}

/// Records (or replaces) a step's result.
pub fn record_step(
    connection: &mut DbConnection,
    account: AccountId,
    run: Uuid,
    result: &StepResult,
) -> Result<(), StoreError> {
    let row = StepRow {
        account_id: account.to_string(),
        run_id: run.to_string(),
        step_index: i32::try_from(result.index)
            .map_err(|e| corrupt("automation_run_steps", e.to_string()))?,
        status: result.status.name().to_owned(),
        output: result.output.clone(),
        error: result.error.clone(),
        recorded_at: micros(result.at),
    };
    per_backend!(connection, |c| diesel::insert_into(
        automation_run_steps::table
    )
    .values(&row)
    .on_conflict((
        automation_run_steps::account_id,
        automation_run_steps::run_id,
        automation_run_steps::step_index,
    ))
    .do_update()
    .set((
        automation_run_steps::status.eq(&row.status),
        automation_run_steps::output.eq(&row.output),
        automation_run_steps::error.eq(&row.error),
        automation_run_steps::recorded_at.eq(row.recorded_at),
    ))
    .execute(c))?;
    Ok(())
}

/// Ends many runs: each `(run, status, error)`; runs that end alike are updated in one
/// statement.
pub fn finish_runs(
    connection: &mut DbConnection,
    account: AccountId,
    ends: &[(Uuid, RunStatus, Option<String>)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut alike: std::collections::BTreeMap<(&'static str, Option<&str>), Vec<String>> =
        std::collections::BTreeMap::new();
    for (run, status, error) in ends {
        alike
            .entry((status.name(), error.as_deref()))
            .or_default()
            .push(run.to_string());
    }
    for ((status, error), runs) in alike {
        for chunk in runs.chunks(500) {
            diesel::update(
                automation_runs::table
                    .filter(automation_runs::account_id.eq(account.to_string()))
                    .filter(automation_runs::id.eq_any(chunk)),
            )
            .set((
                automation_runs::status.eq(status),
                automation_runs::error.eq(error),
                automation_runs::finished_at.eq(Some(micros(now))),
            ))
            .execute(connection)?;
        }
    }
    Ok(())
}

/// A run.
pub fn run(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<RunRecord, StoreError> {
    automation_runs::table
        .find((account.to_string(), id.to_string()))
        .select(RunRow::as_select())
        .first(connection)?
        .try_into()
}

/// A page of an automation's runs matching `filter`, newest first, after `cursor`: each
/// filter walks one of the history indexes in order.
pub fn runs(
    connection: &mut DbConnection,
    account: AccountId,
    automation: Uuid,
    filter: &RunFilter,
    after: Option<RunCursor>,
    limit: u32,
) -> Result<Vec<RunRecord>, StoreError> {
    let mut query = automation_runs::table
        .filter(automation_runs::account_id.eq(account.to_string()))
        .filter(automation_runs::automation_id.eq(automation.to_string()))
        .into_boxed();
    if let Some(user) = filter.user {
        query = query.filter(automation_runs::user_id.eq(user.to_string()));
    }
    if let Some(status) = filter.status {
        query = query.filter(automation_runs::status.eq(status.name()));
    }
    if let Some(from) = filter.from {
        query = query.filter(automation_runs::queued_at.ge(micros(from)));
    }
    if let Some(to) = filter.to {
        query = query.filter(automation_runs::queued_at.lt(micros(to)));
    }
    if let Some(cursor) = after {
        // A row-value comparison: both databases seek the history index to the cursor
        // (an `a < x OR (a = x AND b < y)` form makes SQLite walk every run of the same
        // instant — a whole event batch — before the page).
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "(automation_runs.queued_at, automation_runs.id) < (",
            )
            .bind::<diesel::sql_types::Timestamp, _>(micros(cursor.at))
            .sql(", ")
            .bind::<diesel::sql_types::Text, _>(cursor.id.to_string())
            .sql(")"),
        );
    }
    query
        .order((
            automation_runs::queued_at.desc(),
            automation_runs::id.desc(),
        ))
        .limit(i64::from(limit))
        .select(RunRow::as_select())
        .load(connection)?
        .into_iter()
        .map(RunRecord::try_from)
        .collect()
}

/// A user's finished runs of an automation since `since`, and how many failed.
pub fn recent_runs(
    connection: &mut DbConnection,
    account: AccountId,
    automation: Uuid,
    user: UserId,
    since: DateTime<Utc>,
) -> Result<RecentRuns, StoreError> {
    let statuses: Vec<String> = automation_runs::table
        .filter(automation_runs::account_id.eq(account.to_string()))
        .filter(automation_runs::automation_id.eq(automation.to_string()))
        .filter(automation_runs::user_id.eq(user.to_string()))
        .filter(automation_runs::queued_at.ge(micros(since)))
        .filter(
            automation_runs::status.eq_any([RunStatus::Succeeded.name(), RunStatus::Failed.name()]),
        )
        .select(automation_runs::status)
        .load(connection)?;
    let failed = statuses
        .iter()
        .filter(|status| *status == RunStatus::Failed.name())
        .count();
    Ok(RecentRuns {
        finished: u32::try_from(statuses.len()).unwrap_or(u32::MAX),
        failed: u32::try_from(failed).unwrap_or(u32::MAX),
    })
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
struct NotificationRow {
    account_id: String,
    id: String,
    user_id: String,
    kind: String,
    automation_id: Option<String>,
    message: String,
    detail: String,
    created_at: chrono::NaiveDateTime,
}

/// What a notification's `detail` column holds.
#[derive(Serialize, Deserialize)]
struct NotificationDetail {
    problems: Vec<String>,
    failing_step: Option<String>,
}

impl TryFrom<NotificationRow> for Notification {
    type Error = StoreError;

    fn try_from(row: NotificationRow) -> Result<Self, StoreError> {
        let detail: NotificationDetail = from_json("notifications", &row.detail)?;
        Ok(Notification {
            id: parse_uuid("notifications", &row.id)?,
            user: user_id("notifications", &row.user_id)?,
            kind: row.kind,
            automation: row
                .automation_id
                .as_deref()
                .map(|text| parse_uuid("notifications", text))
                .transpose()?,
            message: row.message,
            problems: detail.problems,
            failing_step: detail.failing_step,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// One notification.
pub fn notification(
    connection: &mut DbConnection,
    account: AccountId,
    id: Uuid,
) -> Result<Notification, StoreError> {
    notifications::table
        .find((account.to_string(), id.to_string()))
        .select(NotificationRow::as_select())
        .first(connection)?
        .try_into()
}

/// Raises a notification.
pub fn insert_notification(
    connection: &mut DbConnection,
    account: AccountId,
    notification: &Notification,
) -> Result<(), StoreError> {
    diesel::insert_into(notifications::table)
        .values(NotificationRow {
            account_id: account.to_string(),
            id: notification.id.to_string(),
            user_id: notification.user.to_string(),
            kind: notification.kind.clone(),
            automation_id: notification.automation.map(|id| id.to_string()),
            message: notification.message.clone(),
            detail: json(&NotificationDetail {
                problems: notification.problems.clone(),
                failing_step: notification.failing_step.clone(),
            })?,
            created_at: micros(notification.created_at),
        })
        .execute(connection)?;
    Ok(())
}

/// A user's notifications, newest first.
pub fn notifications(
    connection: &mut DbConnection,
    account: AccountId,
    user: UserId,
    limit: i64,
) -> Result<Vec<Notification>, StoreError> {
    let rows: Vec<NotificationRow> = notifications::table
        .filter(notifications::account_id.eq(account.to_string()))
        .filter(notifications::user_id.eq(user.to_string()))
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit.max(0))
        .select(NotificationRow::as_select())
        .load(connection)?;
    rows.into_iter().map(Notification::try_from).collect()
}
