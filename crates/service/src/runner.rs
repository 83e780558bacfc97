//! The automation runner: takes queued runs (and runs whose runner died: their lease ran
//! out) and works each through its steps as the user it runs for.
//!
//! Durability: a run is written before it starts; each step's result is recorded. A step
//! whose effect is inside the database — an e-mail put in the outbox, a task created — is
//! committed in the same transaction as its result, so it happens exactly once. A webhook
//! call cannot be: its start is recorded first, and a step found started but not finished
//! after a crash fails the run rather than call again ([`next_action`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{Level, WORKSPACE};
use tessera_automations::{
    AccessState, Automation, INTERRUPTED, Mailbox, NextAction, RecentRuns, RunStatus, RunUser,
    Step, StepResult, StepStatus, Template, TriggerMode, check_webhook_url, next_action,
    parse_templates,
};
use tessera_contacts::{Person, Project, Task, TaskPeople, TaskStatus};
use tessera_core::{AccountId, AuditAction, UserId, Uuid};

use crate::outbox::message;
use crate::records::{AccessRecord, MessageKind, OutboxMessage, RunRecord, StoredEvent};
use crate::{Actor, ServiceError, Tessera, random_uuid};

/// How the runner works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerOptions {
    /// Runs taken per pass.
    pub batch: i64,
    /// Threads working a pass's runs.
    pub parallelism: usize,
    /// How long a taken run stays with its runner before another may take it (a runner that
    /// died leaves its runs; they are taken again after this).
    pub lease: chrono::Duration,
    /// How long the runner waits when nothing is queued.
    pub idle: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            batch: 200,
            parallelism: 8,
            lease: chrono::Duration::seconds(60),
            idle: Duration::from_millis(250),
        }
    }
}

/// What a pass of the runner did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunPass {
    /// Runs taken.
    pub taken: usize,
    /// Runs that ended succeeded.
    pub succeeded: usize,
    /// Runs that ended failed.
    pub failed: usize,
}

/// The JSON a webhook step posts.
fn webhook_body(
    automation: &Automation,
    run: &RunRecord,
    step: usize,
    user: &RunUser,
    event: &StoredEvent,
) -> String {
    json!({
        "automation": { "id": automation.id, "name": automation.definition.name },
        "run": run.id,
        "step": step,
        "user": { "id": run.user, "name": user.name, "email": user.email },
        "event": {
            "id": event.id,
            "type": event.event.event_type,
            "user": event.event.user,
            "fields": event.event.fields,
            "received_at": event.received_at,
        },
    })
    .to_string()
}

/// What one run of a batch has come to.
struct RunWork {
    run: RunRecord,
    results: Vec<StepResult>,
    ended: bool,
}

/// What a batch's runs need, read once: automations, events, users, mailboxes, activations.
#[derive(Default)]
struct BatchContext {
    automations: HashMap<Uuid, Automation>,
    events: HashMap<Uuid, StoredEvent>,
    users: HashMap<UserId, RunUser>,
    mailboxes: HashMap<UserId, Mailbox>,
    active: HashSet<(Uuid, UserId)>,
}

/// The writes one round of a batch makes, in one transaction.
#[derive(Default)]
struct RoundWrites {
    new_steps: Vec<(Uuid, StepResult)>,
    changed_steps: Vec<(Uuid, StepResult)>,
    messages: Vec<OutboxMessage>,
    tasks: Vec<(Task, UserId)>,
    ends: Vec<(Uuid, RunStatus, Option<String>)>,
    /// Failed runs that may pause their user's activation: (automation, user, step).
    failures: Vec<(Uuid, UserId, usize)>,
    /// Runs whose webhook is called after the transaction (indices into the batch).
    calls: Vec<usize>,
}

impl RoundWrites {
    fn is_empty(&self) -> bool {
        self.new_steps.is_empty()
            && self.changed_steps.is_empty()
            && self.ends.is_empty()
            && self.calls.is_empty()
    }
}

impl Tessera {
    /// One pass: takes up to `options.batch` due runs and works them through, a round at a
    /// time: each round takes every unfinished run one step further and writes all of it —
    /// e-mails into the outbox, tasks, step results, ended runs — in one transaction; the
    /// round's webhook calls are made after their start is committed, on
    /// `options.parallelism` threads, and their results written in one more. Stops between
    /// rounds once `stop` is set (the runs it holds are taken again after the lease).
    pub fn run_automations(
        &self,
        options: &RunnerOptions,
        stop: &AtomicBool,
    ) -> Result<RunPass, ServiceError> {
        let now = self.now();
        let claimed = self.write(|tx| Ok(tx.claim_runs(now, options.lease, options.batch)?))?;
        let mut pass = RunPass {
            taken: claimed.len(),
            ..RunPass::default()
        };
        let mut by_account: BTreeMap<AccountId, Vec<RunRecord>> = BTreeMap::new();
        for claimed in claimed {
            by_account
                .entry(claimed.account)
                .or_default()
                .push(claimed.run);
        }
        for (account, runs) in by_account {
            if stop.load(Ordering::Acquire) {
                break;
            }
            let (succeeded, failed) = self.work_batch(account, runs, options, stop)?;
            pass.succeeded += succeeded;
            pass.failed += failed;
        }
        Ok(pass)
    }

    /// Reads what a batch of one account's runs needs.
    fn batch_context(
        &self,
        account: AccountId,
        runs: &[RunRecord],
    ) -> Result<(BatchContext, HashMap<Uuid, Vec<StepResult>>), ServiceError> {
        self.read(|tx| {
            let mut context = BatchContext::default();
            let automations: BTreeSet<Uuid> = runs.iter().map(|r| r.automation).collect();
            for id in automations {
                if let Some(automation) = tx.automation(account, id, false)? {
                    for record in tx.access(account, id)? {
                        if record.state.is_active() {
                            context.active.insert((id, record.user));
                        }
                    }
                    context.automations.insert(id, automation);
                }
            }
            let events: Vec<Uuid> = runs
                .iter()
                .map(|r| r.event)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            for event in tx.events(account, &events)? {
                context.events.insert(event.id, event);
            }
            let users: BTreeSet<UserId> = runs.iter().map(|r| r.user).collect();
            for user in users {
                if let Some(found) = tx.user(account, user)? {
                    context.users.insert(
                        user,
                        RunUser {
                            name: found.shown_name().to_owned(),
                            email: found.email.clone(),
                        },
                    );
                }
                if let Some(stored) = tx.mailbox(account, user)? {
                    context.mailboxes.insert(user, stored.mailbox);
                }
            }
            let ids: Vec<Uuid> = runs.iter().map(|r| r.id).collect();
            let mut steps: HashMap<Uuid, Vec<StepResult>> = HashMap::new();
            for (run, result) in tx.steps_of(account, &ids)? {
                steps.entry(run).or_default().push(result);
            }
            Ok((context, steps))
        })
    }

    /// Works one account's runs through to their end (or until `stop`); how many ended
    /// succeeded and failed.
    fn work_batch(
        &self,
        account: AccountId,
        runs: Vec<RunRecord>,
        options: &RunnerOptions,
        stop: &AtomicBool,
    ) -> Result<(usize, usize), ServiceError> {
        let (context, mut steps) = self.batch_context(account, &runs)?;
        let policy = self.policy(account, None)?;
        let workspace = policy.feature(WORKSPACE)?;
        let mut work: Vec<RunWork> = runs
            .into_iter()
            .map(|run| RunWork {
                results: steps.remove(&run.id).unwrap_or_default(),
                run,
                ended: false,
            })
            .collect();
        let (mut succeeded, mut failed) = (0, 0);
        loop {
            if stop.load(Ordering::Acquire) {
                break;
            }
            let now = self.now();
            let mut round = RoundWrites::default();
            for (position, item) in work.iter_mut().enumerate() {
                if item.ended {
                    continue;
                }
                let run = &item.run;
                let (Some(automation), Some(event), Some(user)) = (
                    context.automations.get(&run.automation),
                    context.events.get(&run.event),
                    context.users.get(&run.user),
                ) else {
                    round.ends.push((
                        run.id,
                        RunStatus::Failed,
                        Some("the automation, its event or its user no longer exists".into()),
                    ));
                    item.ended = true;
                    continue;
                };
                if item.results.is_empty()
                    && automation.definition.mode == TriggerMode::SelectedUsers
                    && !context.active.contains(&(run.automation, run.user))
                {
                    round.ends.push((
                        run.id,
                        RunStatus::Failed,
                        Some(
                            "the automation was not active for the user any more when the run started"
                                .into(),
                        ),
                    ));
                    item.ended = true;
                    continue;
                }
                match next_action(automation.definition.steps.len(), &item.results) {
                    NextAction::Run(index) => {
                        let prepared = self.prepare_step(
                            account, run, automation, index, event, user, &context, now,
                        );
                        match prepared {
                            Prepared::Done { result, message } => {
                                round.messages.extend(message.map(|m| *m));
                                round.new_steps.push((run.id, result.clone()));
                                item.results.push(result);
                            }
                            Prepared::Call(started) => {
                                // Its start is written just before the call (in groups of
                                // `parallelism`), so a crash interrupts few calls.
                                item.results.push(started);
                                round.calls.push(position);
                            }
                            Prepared::Task(task) => {
                                let may = policy.check(run.user, workspace, Level::Modify)?;
                                let result = match task {
                                    _ if !may => failed_step(
                                        index,
                                        "the user may not create tasks (needs `workspace: modify`)"
                                            .into(),
                                        now,
                                    ),
                                    Err(error) => failed_step(index, error, now),
                                    Ok(task) => {
                                        let done = StepResult {
                                            index,
                                            status: StepStatus::Succeeded,
                                            output: Some(json!({ "task": task.id }).to_string()),
                                            error: None,
                                            at: now,
                                        };
                                        round.tasks.push((task, run.user));
                                        done
                                    }
                                };
                                round.new_steps.push((run.id, result.clone()));
                                item.results.push(result);
                            }
                        }
                    }
                    NextAction::Finish(status) => {
                        let last = item.results.last();
                        let error = last.and_then(|r| r.error.clone());
                        if status == RunStatus::Failed
                            && let Some(last) = last
                        {
                            round.failures.push((run.automation, run.user, last.index));
                        }
                        round.ends.push((run.id, status, error));
                        item.ended = true;
                    }
                    NextAction::FailInterrupted(index) => {
                        let result = StepResult {
                            index,
                            status: StepStatus::Failed,
                            output: None,
                            error: Some(INTERRUPTED.to_owned()),
                            at: now,
                        };
                        round.changed_steps.push((run.id, result.clone()));
                        if let Some(last) = item.results.last_mut() {
                            *last = result;
                        }
                        round.failures.push((run.automation, run.user, index));
                        round
                            .ends
                            .push((run.id, RunStatus::Failed, Some(INTERRUPTED.to_owned())));
                        item.ended = true;
                    }
                }
            }
            if round.is_empty() {
                break;
            }
            for (_, status, _) in &round.ends {
                match status {
                    RunStatus::Succeeded => succeeded += 1,
                    _ => failed += 1,
                }
            }
            self.write_round(account, &round, &context, now)?;
            if !round.calls.is_empty() {
                self.call_webhooks(account, &mut work, &round.calls, &context, options)?;
            }
        }
        Ok((succeeded, failed))
    }

    /// Writes a round in one transaction.
    fn write_round(
        &self,
        account: AccountId,
        round: &RoundWrites,
        context: &BatchContext,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        self.write(|tx| {
            if !round.messages.is_empty() {
                tx.enqueue(&round.messages)?;
            }
            for (task, user) in &round.tasks {
                let actor = Actor {
                    account,
                    user: Some(*user),
                    client_addr: None,
                };
                self.insert_new_task(tx, account, task, &actor)?;
            }
            if !round.new_steps.is_empty() {
                tx.insert_steps(account, &round.new_steps)?;
            }
            for (run, result) in &round.changed_steps {
                tx.record_step(account, *run, result)?;
            }
            if !round.ends.is_empty() {
                tx.finish_runs(account, &round.ends, now)?;
            }
            let pairs: BTreeMap<(Uuid, UserId), usize> = round
                .failures
                .iter()
                .map(|(automation, user, step)| ((*automation, *user), *step))
                .collect();
            for ((automation, user), step) in pairs {
                if let Some(automation) = context.automations.get(&automation)
                    && automation.definition.mode == TriggerMode::SelectedUsers
                {
                    self.pause_if_failing(tx, account, automation, user, step, now)?;
                }
            }
            Ok(())
        })
    }

    /// Makes a round's webhook calls, `options.parallelism` at a time: each group's starts
    /// are committed (and its runs' leases renewed), the calls made on parallel threads, and
    /// their results committed — so a crash leaves at most one group's calls unfinished.
    fn call_webhooks(
        &self,
        account: AccountId,
        work: &mut [RunWork],
        calls: &[usize],
        context: &BatchContext,
        options: &RunnerOptions,
    ) -> Result<(), ServiceError> {
        for group in calls.chunks(options.parallelism.max(1)) {
            let now = self.now();
            let started: Vec<(Uuid, StepResult)> = group
                .iter()
                .filter_map(|&position| {
                    let item = &work[position];
                    item.results.last().map(|r| (item.run.id, r.clone()))
                })
                .collect();
            let runs: Vec<Uuid> = started.iter().map(|(run, _)| *run).collect();
            self.write(|tx| {
                tx.insert_steps(account, &started)?;
                Ok(tx.renew_run_claims(account, &runs, now)?)
            })?;
            let shared: &[RunWork] = work;
            let results: Vec<(usize, StepResult)> = std::thread::scope(|scope| {
                let handles: Vec<_> = group
                    .iter()
                    .map(|&position| {
                        scope.spawn(move || {
                            self.call_webhook(&shared[position], context)
                                .map(|result| (position, result))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|handle| handle.join().ok().flatten())
                    .collect()
            });
            self.write(|tx| {
                for (position, result) in &results {
                    tx.record_step(account, work[*position].run.id, result)?;
                }
                Ok(())
            })?;
            for (position, result) in results {
                if let Some(last) = work[position].results.last_mut() {
                    *last = result;
                }
            }
        }
        Ok(())
    }

    /// Calls one run's webhook; the step's result.
    fn call_webhook(&self, item: &RunWork, context: &BatchContext) -> Option<StepResult> {
        let run = &item.run;
        let index = item.results.last()?.index;
        let automation = context.automations.get(&run.automation)?;
        let event = context.events.get(&run.event)?;
        let user = context.users.get(&run.user)?;
        let Step::CallWebhook { url } = &automation.definition.steps[index] else {
            return None;
        };
        let body = webhook_body(automation, run, index, user, event);
        let key = format!("{}:{index}", run.id);
        Some(match self.0.webhooks.post_json(url, &body, &key) {
            Ok(status) => StepResult {
                index,
                status: StepStatus::Succeeded,
                output: Some(json!({ "status": status }).to_string()),
                error: None,
                at: self.now(),
            },
            Err(error) => failed_step(index, error.to_string(), self.now()),
        })
    }

    /// Prepares step `index` of `run`: the result of an internal step with its effect, the
    /// start of a webhook call, or a task step that still needs the user's right checked.
    #[allow(clippy::too_many_arguments)]
    fn prepare_step(
        &self,
        account: AccountId,
        run: &RunRecord,
        automation: &Automation,
        index: usize,
        event: &StoredEvent,
        user: &RunUser,
        context: &BatchContext,
        now: DateTime<Utc>,
    ) -> Prepared {
        let step = &automation.definition.steps[index];
        let done = |result: StepResult| Prepared::Done {
            result,
            message: None,
        };
        let templates = match parse_templates(step, index) {
            Ok(templates) => templates,
            Err(error) => return done(failed_step(index, error.to_string(), now)),
        };
        let render = |template: &Template| template.render(&event.event, user);
        match step {
            Step::SendEmail { .. } => {
                let [to, subject, body] = templates.as_slice() else {
                    return done(failed_step(
                        index,
                        "send_email has three templates".into(),
                        now,
                    ));
                };
                let (to, subject, body) = (render(to), render(subject), render(body));
                let Some(to) = tessera_core::normalize_email(&to) else {
                    return done(failed_step(
                        index,
                        format!("steps[{index}].to: `{to}` is not an e-mail address"),
                        now,
                    ));
                };
                let Some(mailbox) = context.mailboxes.get(&run.user) else {
                    return done(failed_step(
                        index,
                        "the user has no mailbox identity to send from (set one, then run the diagnostics again)".into(),
                        now,
                    ));
                };
                let outgoing = message(
                    account,
                    MessageKind::AutomationEmail {
                        run: run.id,
                        step: index,
                    },
                    &to,
                    tessera_mail::DEFAULT_LOCALE,
                    now,
                );
                let output = json!({
                    "message_id": outgoing.message_id,
                    "from": mailbox.address,
                    "from_name": mailbox.display_name,
                    "to": to,
                    "subject": subject.lines().next().unwrap_or_default(),
                    "body": mailbox.signed(&body),
                });
                Prepared::Done {
                    result: StepResult {
                        index,
                        status: StepStatus::Succeeded,
                        output: Some(output.to_string()),
                        error: None,
                        at: now,
                    },
                    message: Some(Box::new(outgoing)),
                }
            }
            Step::CreateTask { project: None, .. } => done(failed_step(
                index,
                format!("steps[{index}].project: no project"),
                now,
            )),
            Step::CreateTask {
                project: Some(project),
                ..
            } => {
                let [title, description] = templates.as_slice() else {
                    return done(failed_step(
                        index,
                        "create_task has two templates".into(),
                        now,
                    ));
                };
                Prepared::Task(task_for(
                    run,
                    *project,
                    index,
                    &render(title),
                    &render(description),
                    now,
                ))
            }
            Step::CallWebhook { url } => match check_webhook_url(url) {
                Err(reason) => done(failed_step(
                    index,
                    format!("steps[{index}].url: {reason}"),
                    now,
                )),
                Ok(()) => Prepared::Call(StepResult {
                    index,
                    status: StepStatus::Started,
                    output: None,
                    error: None,
                    at: now,
                }),
            },
        }
    }

    /// Pauses `user`'s activation when nearly all their recent runs failed, with a
    /// notification naming the step that failed.
    fn pause_if_failing(
        &self,
        tx: &mut dyn crate::Tx,
        account: AccountId,
        automation: &Automation,
        user: UserId,
        step: usize,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let recent = tx.recent_runs(account, automation.id, user, RecentRuns::window_start(now))?;
        if !recent.should_pause() {
            return Ok(());
        }
        let Some(current) = crate::automations::access_of(tx, account, automation.id, user)? else {
            return Ok(());
        };
        if current.state != AccessState::Active {
            return Ok(());
        }
        let kind = automation
            .definition
            .steps
            .get(step)
            .map_or("step", Step::kind);
        let failing = format!("step {} ({kind})", step + 1);
        let record = AccessRecord {
            user,
            state: AccessState::Paused,
            reason: Some(format!(
                "{} of {} runs in 7 days failed, the last at {failing}",
                recent.failed, recent.finished
            )),
            changed_by: None,
            changed_at: now,
        };
        tx.set_access(account, automation.id, std::slice::from_ref(&record))?;
        self.notify_automation(
            tx,
            account,
            user,
            automation,
            "paused",
            &[],
            Some(&failing),
            now,
        )?;
        self.record_event(
            tx,
            &Actor::anonymous(account, None),
            AuditAction::AutomationPause,
            automation.id,
            json!({ "user": user, "step": step, "finished": recent.finished, "failed": recent.failed }),
        )
    }
}

/// What preparing a step gave.
enum Prepared {
    /// The step's result, with the e-mail to write with it.
    Done {
        result: StepResult,
        message: Option<Box<OutboxMessage>>,
    },
    /// A webhook call to make once its start (this result) is committed.
    Call(StepResult),
    /// A create-task step's task (or why it cannot be made): written if the user may create
    /// tasks.
    Task(Result<Task, String>),
}

/// The task a create-task step makes, as `run`'s user, from its rendered title and
/// description (its project is checked when it is written: a deleted project fails the
/// round's transaction, and the run is taken again).
fn task_for(
    run: &RunRecord,
    project: Uuid,
    index: usize,
    title: &str,
    description: &str,
    now: DateTime<Utc>,
) -> Result<Task, String> {
    let title =
        Project::clean_title(title, "title").map_err(|error| format!("steps[{index}].{error}"))?;
    let description =
        crate::projects::clean_description(description).map_err(|error| error.to_string())?;
    let author = Person::User(run.user);
    Ok(Task {
        id: random_uuid(),
        project,
        title,
        description,
        status: TaskStatus::Open,
        people: TaskPeople {
            assignee: Some(author),
            ..TaskPeople::default()
        },
        created_by: author,
        created_at: now,
        updated_at: now,
    })
}

/// A failed step's result.
fn failed_step(index: usize, error: String, at: DateTime<Utc>) -> StepResult {
    StepResult {
        index,
        status: StepStatus::Failed,
        output: None,
        error: Some(error),
        at,
    }
}
