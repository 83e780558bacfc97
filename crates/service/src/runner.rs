//! The automation runner: takes queued runs (and runs whose runner died: their lease ran
//! out) and works each through its steps as the user it runs for.
//!
//! Durability: a run is written before it starts; each step's result is recorded. A step
//! whose effect is inside the database — an e-mail put in the outbox, a task created — is
//! committed in the same transaction as its result, so it happens exactly once. A webhook
//! call cannot be: its start is recorded first, and a step found started but not finished
//! after a crash fails the run rather than call again ([`next_action`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{Level, WORKSPACE};
use tessera_automations::{
    AccessState, Automation, INTERRUPTED, NextAction, RecentRuns, RunStatus, RunUser, Step,
    StepResult, StepStatus, Template, TriggerMode, check_webhook_url, next_action, parse_templates,
};
use tessera_contacts::{Person, Project, Task, TaskPeople, TaskStatus};
use tessera_core::{AccountId, AuditAction, UserId, Uuid};

use crate::outbox::message;
use crate::records::{AccessRecord, ClaimedRun, MessageKind, RunRecord, StoredEvent};
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

impl Tessera {
    /// One pass: takes up to `options.batch` due runs and works them through on
    /// `options.parallelism` threads. Stops starting runs once `stop` is set (the runs it
    /// took and did not start are taken again after the lease).
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
        if claimed.is_empty() {
            return Ok(pass);
        }
        let next = AtomicUsize::new(0);
        let work = || -> Result<(usize, usize), ServiceError> {
            let (mut succeeded, mut failed) = (0, 0);
            while !stop.load(Ordering::Acquire) {
                let Some(run) = claimed.get(next.fetch_add(1, Ordering::AcqRel)) else {
                    break;
                };
                match self.work_run(run)? {
                    RunStatus::Succeeded => succeeded += 1,
                    _ => failed += 1,
                }
            }
            Ok((succeeded, failed))
        };
        let threads = options.parallelism.max(1).min(claimed.len());
        let results: Vec<Result<(usize, usize), ServiceError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(ServiceError::Internal("a runner thread panicked".into()))
                    })
                })
                .collect()
        });
        for result in results {
            let (succeeded, failed) = result?;
            pass.succeeded += succeeded;
            pass.failed += failed;
        }
        Ok(pass)
    }

    /// Works one run through to its end; returns how it ended.
    fn work_run(&self, claimed: &ClaimedRun) -> Result<RunStatus, ServiceError> {
        let account = claimed.account;
        let run = &claimed.run;
        let loaded = self.read(|tx| {
            let automation = tx.automation(account, run.automation, false)?;
            let event = tx.event(account, run.event)?;
            let user = tx.user(account, run.user)?;
            let access = tx
                .access(account, run.automation)?
                .into_iter()
                .find(|record| record.user == run.user);
            let steps = tx.run_steps(account, run.id)?;
            Ok((automation, event, user, access, steps))
        })?;
        let (Some(automation), Some(event), Some(user)) = (loaded.0, loaded.1, loaded.2) else {
            return self.end_run(
                account,
                run,
                RunStatus::Failed,
                Some("the automation, its event or its user no longer exists"),
                None,
            );
        };
        let mut results = loaded.4;
        if results.is_empty()
            && automation.definition.mode == TriggerMode::SelectedUsers
            && !loaded.3.is_some_and(|access| access.state.is_active())
        {
            return self.end_run(
                account,
                run,
                RunStatus::Failed,
                Some("the automation was not active for the user any more when the run started"),
                None,
            );
        }
        let run_user = RunUser {
            name: user.shown_name().to_owned(),
            email: user.email.clone(),
        };
        let steps = &automation.definition.steps;
        loop {
            match next_action(steps.len(), &results) {
                NextAction::Run(index) => {
                    let result =
                        self.run_step(account, run, &automation, index, &event, &run_user)?;
                    results.push(result);
                }
                NextAction::Finish(RunStatus::Succeeded) => {
                    return self.end_run(account, run, RunStatus::Succeeded, None, None);
                }
                NextAction::Finish(status) => {
                    let failed = results.last().map(|r| r.index);
                    let error = results.last().and_then(|r| r.error.clone());
                    return self.end_run(
                        account,
                        run,
                        status,
                        error.as_deref(),
                        failed.map(|index| (&automation, index)),
                    );
                }
                NextAction::FailInterrupted(index) => {
                    let result = StepResult {
                        index,
                        status: StepStatus::Failed,
                        output: None,
                        error: Some(INTERRUPTED.to_owned()),
                        at: self.now(),
                    };
                    self.write(|tx| Ok(tx.record_step(account, run.id, &result)?))?;
                    return self.end_run(
                        account,
                        run,
                        RunStatus::Failed,
                        Some(INTERRUPTED),
                        Some((&automation, index)),
                    );
                }
            }
        }
    }

    /// Ends a run; a failed one may pause the user's activation (`failed_step`: the
    /// automation and the step that failed).
    fn end_run(
        &self,
        account: AccountId,
        run: &RunRecord,
        status: RunStatus,
        error: Option<&str>,
        failed_step: Option<(&Automation, usize)>,
    ) -> Result<RunStatus, ServiceError> {
        let now = self.now();
        self.write(|tx| {
            tx.finish_run(account, run.id, status, error, now)?;
            if let Some((automation, index)) = failed_step
                && automation.definition.mode == TriggerMode::SelectedUsers
            {
                self.pause_if_failing(tx, account, automation, run.user, index, now)?;
            }
            Ok(())
        })?;
        Ok(status)
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
        let Some(current) = tx
            .access(account, automation.id)?
            .into_iter()
            .find(|record| record.user == user)
        else {
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

    /// Runs step `index` of `run`; its result, already recorded.
    fn run_step(
        &self,
        account: AccountId,
        run: &RunRecord,
        automation: &Automation,
        index: usize,
        event: &StoredEvent,
        user: &RunUser,
    ) -> Result<StepResult, ServiceError> {
        let step = &automation.definition.steps[index];
        let failed = |error: String| StepResult {
            index,
            status: StepStatus::Failed,
            output: None,
            error: Some(error),
            at: self.now(),
        };
        let templates = match parse_templates(step, index) {
            Ok(templates) => templates,
            Err(error) => return self.record(account, run, failed(error.to_string())),
        };
        let render = |template: &Template| template.render(&event.event, user);
        match step {
            Step::SendEmail { .. } => {
                let [to, subject, body] = templates.as_slice() else {
                    return Err(ServiceError::Internal(
                        "send_email has three templates".into(),
                    ));
                };
                let (to, subject, body) = (render(to), render(subject), render(body));
                let Some(to) = tessera_core::normalize_email(&to) else {
                    return self.record(
                        account,
                        run,
                        failed(format!(
                            "steps[{index}].to: `{to}` is not an e-mail address"
                        )),
                    );
                };
                let now = self.now();
                self.write(|tx| {
                    let Some(stored) = tx.mailbox(account, run.user)? else {
                        let result = failed(
                            "the user has no mailbox identity to send from (set one, then run the diagnostics again)"
                                .into(),
                        );
                        tx.record_step(account, run.id, &result)?;
                        return Ok(result);
                    };
                    let mailbox = stored.mailbox;
                    let outgoing = message(
                        account,
                        MessageKind::AutomationEmail { run: run.id, step: index },
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
                    tx.enqueue(std::slice::from_ref(&outgoing))?;
                    let result = StepResult {
                        index,
                        status: StepStatus::Succeeded,
                        output: Some(output.to_string()),
                        error: None,
                        at: now,
                    };
                    tx.record_step(account, run.id, &result)?;
                    Ok(result)
                })
            }
            Step::CreateTask { project, .. } => {
                let [title, description] = templates.as_slice() else {
                    return Err(ServiceError::Internal(
                        "create_task has two templates".into(),
                    ));
                };
                let Some(project) = *project else {
                    return self.record(
                        account,
                        run,
                        failed(format!("steps[{index}].project: no project")),
                    );
                };
                let policy = self.policy(account, None)?;
                let workspace = policy.feature(WORKSPACE)?;
                if !policy.check(run.user, workspace, Level::Modify)? {
                    return self.record(
                        account,
                        run,
                        failed("the user may not create tasks (needs `workspace: modify`)".into()),
                    );
                }
                let title = match Project::clean_title(&render(title), "title") {
                    Ok(title) => title,
                    Err(error) => {
                        return self.record(
                            account,
                            run,
                            failed(format!("steps[{index}].{error}")),
                        );
                    }
                };
                let description = match crate::projects::clean_description(&render(description)) {
                    Ok(text) => text,
                    Err(error) => return self.record(account, run, failed(error.to_string())),
                };
                let now = self.now();
                self.write(|tx| {
                    if tx.project(account, project)?.is_none() {
                        let result = failed(format!("project {project} does not exist"));
                        tx.record_step(account, run.id, &result)?;
                        return Ok(result);
                    }
                    let author = Person::User(run.user);
                    let task = Task {
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
                    };
                    let actor = Actor {
                        account,
                        user: Some(run.user),
                        client_addr: None,
                    };
                    self.insert_new_task(tx, account, &task, &actor)?;
                    let result = StepResult {
                        index,
                        status: StepStatus::Succeeded,
                        output: Some(json!({ "task": task.id }).to_string()),
                        error: None,
                        at: now,
                    };
                    tx.record_step(account, run.id, &result)?;
                    Ok(result)
                })
            }
            Step::CallWebhook { url } => {
                if let Err(reason) = check_webhook_url(url) {
                    return self.record(
                        account,
                        run,
                        failed(format!("steps[{index}].url: {reason}")),
                    );
                }
                let now = self.now();
                let started = StepResult {
                    index,
                    status: StepStatus::Started,
                    output: None,
                    error: None,
                    at: now,
                };
                self.write(|tx| {
                    tx.renew_run_claim(account, run.id, now)?;
                    Ok(tx.record_step(account, run.id, &started)?)
                })?;
                let body = webhook_body(automation, run, index, user, event);
                let key = format!("{}:{index}", run.id);
                let result = match self.0.webhooks.post_json(url, &body, &key) {
                    Ok(status) => StepResult {
                        index,
                        status: StepStatus::Succeeded,
                        output: Some(json!({ "status": status }).to_string()),
                        error: None,
                        at: self.now(),
                    },
                    Err(error) => failed(error.to_string()),
                };
                self.record(account, run, result)
            }
        }
    }

    /// Records a step's result on its own.
    fn record(
        &self,
        account: AccountId,
        run: &RunRecord,
        result: StepResult,
    ) -> Result<StepResult, ServiceError> {
        self.write(|tx| Ok(tx.record_step(account, run.id, &result)?))?;
        Ok(result)
    }
}

/// The id of the user a claimed run acts for (for logs).
pub fn run_user(run: &ClaimedRun) -> (AccountId, UserId, Uuid) {
    (run.account, run.run.user, run.run.id)
}
