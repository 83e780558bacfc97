//! Runs: one per (event, user), written before it starts, each step's result recorded, so
//! a crash never loses a run nor runs a step twice. Also the history's filters and cursor,
//! and the rule that pauses an activation whose runs nearly all fail.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tessera_core::{UserId, Uuid};

use crate::AutomationError;
use crate::automation::Step;

/// A run's id.
pub type RunId = Uuid;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Written, not started.
    Queued,
    /// A runner is working on it.
    Running,
    /// Every step succeeded.
    Succeeded,
    /// A step failed (the steps after it did not run).
    Failed,
}

impl RunStatus {
    /// Every status.
    pub const ALL: [RunStatus; 4] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::Failed,
    ];

    /// The name as stored and shown.
    pub const fn name(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }

    /// Reads a stored name back.
    pub fn from_name(name: &str) -> Option<Self> {
        RunStatus::ALL
            .into_iter()
            .find(|status| status.name() == name)
    }

    /// Whether the run is over.
    pub const fn is_finished(self) -> bool {
        matches!(self, RunStatus::Succeeded | RunStatus::Failed)
    }
}

/// Where a step of a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Begun and not finished: recorded before a step whose effect is outside Tessera (a
    /// webhook), so a crash in between is seen after a restart.
    Started,
    /// Done.
    Succeeded,
    /// Failed (the error says why).
    Failed,
}

impl StepStatus {
    /// The name as stored and shown.
    pub const fn name(self) -> &'static str {
        match self {
            StepStatus::Started => "started",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
        }
    }

    /// Reads a stored name back.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            StepStatus::Started,
            StepStatus::Succeeded,
            StepStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.name() == name)
    }
}

/// One step's result in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    /// The step (0-based).
    pub index: usize,
    /// Where it is.
    pub status: StepStatus,
    /// What it did (the message id, the task id, the webhook's HTTP status).
    pub output: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// What a runner does next with a run, given the steps and the results recorded so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextAction {
    /// Run step `index`.
    Run(usize),
    /// Every step is done: the run ends with this status.
    Finish(RunStatus),
    /// Step `index` was started and never finished (the process died): its effect may or may
    /// not have happened, so it is not run again; it fails, and the run with it.
    FailInterrupted(usize),
}

/// The error recorded for a step a crash interrupted.
pub const INTERRUPTED: &str =
    "interrupted by a restart while it ran; not retried, so that it cannot happen twice";

/// Decides what to do next. Results are in step order, at most one per step.
///
/// ```
/// use tessera_automations::{NextAction, RunStatus, next_action};
/// assert_eq!(next_action(2, &[]), NextAction::Run(0));
/// ```
pub fn next_action(step_count: usize, results: &[StepResult]) -> NextAction {
    match results.last() {
        None if step_count == 0 => NextAction::Finish(RunStatus::Succeeded),
        None => NextAction::Run(0),
        Some(last) => match last.status {
            StepStatus::Started => NextAction::FailInterrupted(last.index),
            StepStatus::Failed => NextAction::Finish(RunStatus::Failed),
            StepStatus::Succeeded if last.index + 1 >= step_count => {
                NextAction::Finish(RunStatus::Succeeded)
            }
            StepStatus::Succeeded => NextAction::Run(last.index + 1),
        },
    }
}

/// Whether `step` records [`StepStatus::Started`] before it acts (its effect cannot be
/// committed together with its result).
pub fn records_start(step: &Step) -> bool {
    step.acts_outside()
}

/// The window over which failing runs pause an activation.
pub const PAUSE_WINDOW_DAYS: i64 = 7;
/// The fewest runs in the window before the rule applies.
pub const PAUSE_MIN_RUNS: u32 = 20;
/// The share of failed runs (percent) that pauses.
pub const PAUSE_FAILED_PERCENT: u32 = 95;

/// A user's finished runs of one automation in the last [`PAUSE_WINDOW_DAYS`] days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentRuns {
    /// Finished runs.
    pub finished: u32,
    /// Of which failed.
    pub failed: u32,
}

impl RecentRuns {
    /// Whether the activation pauses itself: at least [`PAUSE_MIN_RUNS`] runs, of which at
    /// least [`PAUSE_FAILED_PERCENT`]% failed.
    ///
    /// ```
    /// use tessera_automations::RecentRuns;
    /// assert!(RecentRuns { finished: 20, failed: 19 }.should_pause());
    /// assert!(!RecentRuns { finished: 20, failed: 18 }.should_pause());
    /// assert!(!RecentRuns { finished: 19, failed: 19 }.should_pause());
    /// ```
    pub fn should_pause(self) -> bool {
        self.finished >= PAUSE_MIN_RUNS
            && u64::from(self.failed) * 100
                >= u64::from(PAUSE_FAILED_PERCENT) * u64::from(self.finished)
    }

    /// Where the window starts.
    pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(PAUSE_WINDOW_DAYS)
    }
}

/// Most runs on one page of history.
pub const MAX_PAGE: u32 = 200;
/// Runs on a page unless asked otherwise.
pub const DEFAULT_PAGE: u32 = 50;

/// A filter on run history (all parts optional; newest first).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunFilter {
    /// Only this user's runs.
    pub user: Option<UserId>,
    /// Only runs queued at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only runs queued before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only runs in this status.
    pub status: Option<RunStatus>,
}

impl RunFilter {
    /// Refuses a window that ends before it starts.
    pub fn validate(&self) -> Result<(), AutomationError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(AutomationError::invalid(
                "to",
                "the window ends before it starts",
            ));
        }
        Ok(())
    }
}

/// Where the next page starts: after the run queued at `at` with id `id` (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunCursor {
    /// The last run's queue time.
    pub at: DateTime<Utc>,
    /// The last run's id (breaks ties).
    pub id: RunId,
}

impl RunCursor {
    /// The opaque text handed to clients: `<microseconds>.<id>`.
    ///
    /// ```
    /// use tessera_automations::RunCursor;
    /// use chrono::{TimeZone, Utc};
    /// let cursor = RunCursor { at: Utc.timestamp_micros(1_700_000_000_123_456).unwrap(), id: Default::default() };
    /// assert_eq!(RunCursor::parse(&cursor.to_text()).unwrap(), cursor);
    /// assert!(RunCursor::parse("nonsense").is_err());
    /// ```
    pub fn to_text(&self) -> String {
        format!("{}.{}", self.at.timestamp_micros(), self.id.simple())
    }

    /// Reads [`RunCursor::to_text`] back (`cursor` names the field on error).
    pub fn parse(text: &str) -> Result<Self, AutomationError> {
        let bad = || AutomationError::invalid("cursor", "not a cursor this server handed out");
        let (micros, id) = text.split_once('.').ok_or_else(bad)?;
        let at = micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(bad)?;
        let id = Uuid::try_parse(id).map_err(|_| bad())?;
        Ok(RunCursor { at, id })
    }
}

/// Checks a page size, defaulting to [`DEFAULT_PAGE`].
pub fn page_size(limit: Option<u32>) -> Result<u32, AutomationError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(limit) if (1..=MAX_PAGE).contains(&limit) => Ok(limit),
        Some(_) => Err(AutomationError::invalid(
            "limit",
            format!("between 1 and {MAX_PAGE}"),
        )),
    }
}
