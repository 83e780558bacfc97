//! Shared automations: the account's gate, event types, automations shared with users who
//! each consent by activating, mailbox identities, events that fan out into durable runs,
//! run history, diagnostics and notifications. The runner that works runs through is in
//! [`crate::runner`].
//!
//! Who may do what: a *global admin* is a user with `settings: write`; admins build, share,
//! deactivate, transfer, duplicate and delete automations, declare event types and send
//! events. Anyone may set their own mailbox, activate what is shared with them, and see it
//! and their own runs. Everything needs the account's plan (Advanced or above) and its beta
//! switch; what the gate refuses names which of the two is missing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{Level, SETTINGS, WORKSPACE};
use tessera_automations::diagnostics::{StaticFacts, UserFacts, static_problems, user_problems};
use tessera_automations::{
    AccessState, Automation, AutomationError, Definition, Event, EventType, Mailbox, Plan, Problem,
    RunCursor, RunFilter, RunStatus, ShareCounts, Step, StepResult, TriggerMode, check_mode_change,
    check_shareable, gate, page_size,
};
use tessera_core::{AccountId, AuditAction, UserId, Uuid};

use crate::outbox::message;
use crate::records::{
    AccessRecord, MessageKind, Notification, RunRecord, StoredEvent, StoredMailbox,
};
use crate::{Actor, Caller, ServiceError, Tessera, Tx, random_uuid, time_ordered_uuid};

/// Most events in one batch.
pub const MAX_EVENT_BATCH: usize = 1_000;
/// Most users shared with in one call.
pub const MAX_SHARE_BATCH: usize = 1_000;
/// Notifications listed at most.
pub const MAX_NOTIFICATIONS: i64 = 100;

const NOT_FOUND: ServiceError = ServiceError::NotFound { what: "automation" };
const NOT_FOUND_RUN: ServiceError = ServiceError::NotFound { what: "run" };
/// The HMAC purpose of the key that seals users' SMTP URLs.
const SMTP_SEAL_PURPOSE: &str = "tessera/mailbox-smtp-seal";

/// The account's gate to automations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutomationSettings {
    /// The plan.
    pub plan: Plan,
    /// The beta switch.
    pub beta: bool,
}

/// An automation as a caller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationView {
    /// The automation.
    pub automation: Automation,
    /// Users who activated it / users it is shared with.
    pub counts: ShareCounts,
    /// The caller's own standing with it, when shared with them.
    pub my_access: Option<AccessState>,
    /// Whether the caller may edit, share, transfer, duplicate and delete it (an admin).
    pub may_manage: bool,
}

/// What the diagnostics found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The user the per-user checks ran for (`None`: only the static checks).
    pub user: Option<UserId>,
    /// Each problem with its fix; empty when the automation can be activated.
    pub problems: Vec<Problem>,
}

/// A page of run history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPage {
    /// The runs, newest first.
    pub runs: Vec<RunRecord>,
    /// Where the next page starts (`None`: this is the last page).
    pub next_cursor: Option<String>,
}

/// A run with its steps' results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDetail {
    /// The run.
    pub run: RunRecord,
    /// Each step's result so far, in step order.
    pub steps: Vec<StepResult>,
}

/// What an event batch started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    /// Events kept.
    pub events: usize,
    /// Runs queued.
    pub runs: usize,
}

/// A mailbox identity as a user enters it (its `Debug` never shows the SMTP URL, which
/// carries a password).
#[derive(Clone, PartialEq, Eq)]
pub struct MailboxInput {
    /// The address e-mail goes out from.
    pub address: String,
    /// The name shown beside it.
    pub display_name: String,
    /// Appended to every automation e-mail.
    pub signature: String,
    /// The user's own SMTP server (`smtp://` or `smtps://` URL with credentials); `None`
    /// sends through the account's server with the user as `From`.
    pub smtp_url: Option<String>,
}

impl std::fmt::Debug for MailboxInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxInput")
            .field("address", &self.address)
            .field("display_name", &self.display_name)
            .field("signature", &self.signature)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "(hidden)"))
            .finish()
    }
}

/// What activating did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activated {
    /// It is now active for the caller.
    Now(AccessRecord),
    /// It was active already (nothing changed).
    Already(AccessRecord),
}

impl Activated {
    /// The caller's standing after the call.
    pub fn record(&self) -> &AccessRecord {
        match self {
            Activated::Now(record) | Activated::Already(record) => record,
        }
    }
}

impl Tessera {
    /// Refuses unless the account's plan and beta switch allow automations.
    fn gate(&self, tx: &mut dyn Tx, account: AccountId) -> Result<(), ServiceError> {
        let (plan, beta) = tx.automation_gate(account)?;
        Ok(gate(plan, beta)?)
    }

    /// Whether the caller is a global admin (`settings: write`).
    fn is_admin(&self, caller: &Caller) -> Result<bool, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let settings = policy.feature(SETTINGS)?;
        Ok(policy.check(caller.user, settings, Level::Write)?)
    }

    /// Refuses unless the caller is a global admin.
    fn require_admin(&self, caller: &Caller) -> Result<(), ServiceError> {
        self.authorized(caller, SETTINGS, Level::Write).map(|_| ())
    }

    /// The account's plan and beta switch (`settings: read`).
    pub fn automation_settings(&self, caller: &Caller) -> Result<AutomationSettings, ServiceError> {
        self.authorized(caller, SETTINGS, Level::Read)?;
        let (plan, beta) = self.read(|tx| Ok(tx.automation_gate(caller.account)?))?;
        Ok(AutomationSettings { plan, beta })
    }

    /// Sets the account's plan and beta switch (`settings: write`). In a hosted product the
    /// embedder's billing calls this; the console shows it to admins.
    pub fn set_automation_settings(
        &self,
        caller: &Caller,
        settings: AutomationSettings,
    ) -> Result<AutomationSettings, ServiceError> {
        self.require_admin(caller)?;
        self.write(|tx| {
            tx.set_automation_gate(caller.account, settings.plan, settings.beta)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AutomationSettings,
                caller.account,
                json!({ "plan": settings.plan.name(), "beta": settings.beta }),
            )
        })?;
        Ok(settings)
    }

    /// Declares an event type or replaces its fields (admin).
    pub fn put_event_type(
        &self,
        caller: &Caller,
        event_type: EventType,
    ) -> Result<EventType, ServiceError> {
        self.require_admin(caller)?;
        event_type.validate()?;
        let now = self.now();
        self.write(|tx| {
            self.gate(tx, caller.account)?;
            tx.put_event_type(caller.account, &event_type, now)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::EventTypePut,
                &event_type.name,
                json!({ "fields": event_type.fields.len() }),
            )
        })?;
        Ok(event_type)
    }

    /// The account's event types (anyone in the account).
    pub fn event_types(&self, caller: &Caller) -> Result<Vec<EventType>, ServiceError> {
        self.read(|tx| {
            self.gate(tx, caller.account)?;
            Ok(tx.event_types(caller.account)?)
        })
    }

    /// Creates an automation owned by the caller (admin); it starts switched on and shared
    /// with nobody.
    pub fn create_automation(
        &self,
        caller: &Caller,
        definition: Definition,
    ) -> Result<AutomationView, ServiceError> {
        self.require_admin(caller)?;
        let definition = definition.validate()?;
        let now = self.now();
        let automation = Automation {
            id: random_uuid(),
            owner: caller.user,
            definition,
            active: true,
            created_at: now,
            updated_at: now,
        };
        self.write(|tx| {
            self.gate(tx, caller.account)?;
            tx.insert_automation(caller.account, &automation)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AutomationCreate,
                automation.id,
                json!({ "name": automation.definition.name }),
            )
        })?;
        Ok(AutomationView {
            automation,
            counts: ShareCounts::default(),
            my_access: None,
            may_manage: true,
        })
    }

    /// The automations the caller may see: every one for an admin, those shared with them
    /// for anyone else; by name, with counts.
    pub fn automations(&self, caller: &Caller) -> Result<Vec<AutomationView>, ServiceError> {
        let admin = self.is_admin(caller)?;
        self.read(|tx| {
            self.gate(tx, caller.account)?;
            let views = tx
                .automations(caller.account, caller.user, !admin)?
                .into_iter()
                .map(|(automation, counts, my_access)| AutomationView {
                    automation,
                    counts,
                    my_access,
                    may_manage: admin,
                })
                .collect();
            Ok(views)
        })
    }

    /// One automation: an admin sees any; anyone else only one shared with them (else
    /// not found).
    pub fn automation(&self, caller: &Caller, id: Uuid) -> Result<AutomationView, ServiceError> {
        let admin = self.is_admin(caller)?;
        self.read(|tx| {
            self.gate(tx, caller.account)?;
            let automation = tx.automation(caller.account, id, false)?.ok_or(NOT_FOUND)?;
            let access = tx.access(caller.account, id)?;
            let my_access = access
                .iter()
                .find(|record| record.user == caller.user)
                .map(|record| record.state);
            if !admin && my_access.is_none() {
                return Err(NOT_FOUND);
            }
            Ok(AutomationView {
                counts: ShareCounts::of(access.iter().map(|record| record.state)),
                automation,
                my_access,
                may_manage: admin,
            })
        })
    }

    /// Loads an automation for an admin's change, locked, behind the gate.
    fn automation_for_change(
        &self,
        tx: &mut dyn Tx,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Automation, ServiceError> {
        self.gate(tx, caller.account)?;
        tx.automation(caller.account, id, true)?.ok_or(NOT_FOUND)
    }

    /// Replaces an automation's definition (admin). Switching it to `any_user` is refused
    /// while it is active for anyone (the error lists them); otherwise its remaining shares
    /// end with the switch.
    pub fn update_automation(
        &self,
        caller: &Caller,
        id: Uuid,
        definition: Definition,
    ) -> Result<AutomationView, ServiceError> {
        self.require_admin(caller)?;
        let definition = definition.validate()?;
        let now = self.now();
        self.write(|tx| {
            let mut automation = self.automation_for_change(tx, caller, id)?;
            let access = tx.access(caller.account, id)?;
            let states: Vec<(UserId, AccessState)> = access
                .iter()
                .map(|record| (record.user, record.state))
                .collect();
            check_mode_change(definition.mode, &states)?;
            let mut ended = 0;
            if definition.mode == TriggerMode::AnyUser && !access.is_empty() {
                let users: Vec<UserId> = access.iter().map(|record| record.user).collect();
                ended = tx.remove_access(caller.account, id, &users)?;
            }
            automation.definition = definition;
            automation.updated_at = now;
            tx.update_automation(caller.account, &automation)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AutomationUpdate,
                id,
                json!({ "mode": automation.definition.mode.name(), "shares_ended": ended }),
            )?;
            let counts = if ended > 0 {
                ShareCounts::default()
            } else {
                ShareCounts::of(access.iter().map(|record| record.state))
            };
            Ok(AutomationView {
                my_access: access
                    .iter()
                    .find(|record| record.user == caller.user && ended == 0)
                    .map(|record| record.state),
                automation,
                counts,
                may_manage: true,
            })
        })
    }

    /// Switches an automation on or off for everyone (admin).
    pub fn set_automation_active(
        &self,
        caller: &Caller,
        id: Uuid,
        active: bool,
    ) -> Result<(), ServiceError> {
        self.require_admin(caller)?;
        let now = self.now();
        self.write(|tx| {
            let mut automation = self.automation_for_change(tx, caller, id)?;
            if automation.active == active {
                return Ok(());
            }
            automation.active = active;
            automation.updated_at = now;
            tx.update_automation(caller.account, &automation)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AutomationUpdate,
                id,
                json!({ "active": active }),
            )
        })
    }

    /// Hands an automation to another user of the account (admin); it then runs as them
    /// when triggered by any user.
    pub fn transfer_automation(
        &self,
        caller: &Caller,
        id: Uuid,
        owner: UserId,
    ) -> Result<(), ServiceError> {
        self.require_admin(caller)?;
        let now = self.now();
        self.write(|tx| {
            let mut automation = self.automation_for_change(tx, caller, id)?;
            if tx.user(caller.account, owner)?.is_none() {
                return Err(ServiceError::invalid(
                    "owner",
                    "no such user in this account",
                ));
            }
            let from = automation.owner;
            automation.owner = owner;
            automation.updated_at = now;
            tx.update_automation(caller.account, &automation)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AutomationTransfer,
                id,
                json!({ "from": from, "to": owner }),
            )
        })
    }

    /// Copies an automation (admin): same definition, named "Copy of …", owned by the
    /// caller, switched off, shared with nobody.
    pub fn duplicate_automation(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<AutomationView, ServiceError> {
        self.require_admin(caller)?;
        let now = self.now();
        self.write(|tx| {
            let original = self.automation_for_change(tx, caller, id)?;
            let mut definition = original.definition.clone();
            let name: String = format!("Copy of {}", definition.name)
                .chars()
                .take(tessera_automations::MAX_AUTOMATION_NAME_CHARS)
                .collect();
            definition.name = name;
            let copy = Automation {
                id: random_uuid(),
                owner: caller.user,
                definition,
                active: false,
                created_at: now,
                updated_at: now,
            };
            tx.insert_automation(caller.account, &copy)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AutomationCreate,
                copy.id,
                json!({ "name": copy.definition.name, "copy_of": id }),
            )?;
            Ok(AutomationView {
                automation: copy,
                counts: ShareCounts::default(),
                my_access: None,
                may_manage: true,
            })
        })
    }

    /// Deletes an automation with its shares and run history (admin).
    pub fn delete_automation(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        self.require_admin(caller)?;
        self.write(|tx| {
            let automation = self.automation_for_change(tx, caller, id)?;
            tx.delete_automation(caller.account, id)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AutomationDelete,
                id,
                json!({ "name": automation.definition.name }),
            )
        })
    }

    /// Everyone an automation is shared with and where they stand (admin).
    pub fn automation_access(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Vec<AccessRecord>, ServiceError> {
        self.require_admin(caller)?;
        self.read(|tx| {
            self.gate(tx, caller.account)?;
            tx.automation(caller.account, id, false)?.ok_or(NOT_FOUND)?;
            Ok(tx.access(caller.account, id)?)
        })
    }

    /// Shares an automation with users (admin): each must activate it before it runs for
    /// them. Sharing again lifts a permanent deactivation; anyone else keeps their standing.
    pub fn share_automation(
        &self,
        caller: &Caller,
        id: Uuid,
        users: &[UserId],
    ) -> Result<Vec<AccessRecord>, ServiceError> {
        self.require_admin(caller)?;
        if users.is_empty() || users.len() > MAX_SHARE_BATCH {
            return Err(ServiceError::invalid(
                "users",
                format!("between 1 and {MAX_SHARE_BATCH} users"),
            ));
        }
        let now = self.now();
        self.write(|tx| {
            let automation = self.automation_for_change(tx, caller, id)?;
            check_shareable(automation.definition.mode)?;
            let existing: HashMap<UserId, AccessRecord> = tx
                .access(caller.account, id)?
                .into_iter()
                .map(|record| (record.user, record))
                .collect();
            let mut changed = Vec::new();
            let wanted: BTreeSet<UserId> = users.iter().copied().collect();
            for (index, user) in wanted.iter().enumerate() {
                if tx.user(caller.account, *user)?.is_none() {
                    return Err(ServiceError::invalid(
                        format!("users[{index}]"),
                        format!("no user {user} in this account"),
                    ));
                }
                let state = match existing.get(user) {
                    None => AccessState::Shared,
                    Some(record) => record.state.share_again(),
                };
                if existing.get(user).map(|record| record.state) != Some(state) {
                    changed.push(AccessRecord {
                        user: *user,
                        state,
                        reason: None,
                        changed_by: Some(caller.user),
                        changed_at: now,
                    });
                }
            }
            if !changed.is_empty() {
                tx.set_access(caller.account, id, &changed)?;
                self.record_event(
                    tx,
                    &Actor::caller(caller),
                    AuditAction::AutomationShare,
                    id,
                    json!({ "users": changed.iter().map(|r| r.user).collect::<Vec<_>>() }),
                )?;
            }
            Ok(tx.access(caller.account, id)?)
        })
    }

    /// Ends users' access to an automation (admin); it stops running for them.
    pub fn unshare_automation(
        &self,
        caller: &Caller,
        id: Uuid,
        users: &[UserId],
    ) -> Result<usize, ServiceError> {
        self.require_admin(caller)?;
        self.write(|tx| {
            self.automation_for_change(tx, caller, id)?;
            let ended = tx.remove_access(caller.account, id, users)?;
            if ended > 0 {
                self.record_event(
                    tx,
                    &Actor::caller(caller),
                    AuditAction::AutomationUnshare,
                    id,
                    json!({ "users": users, "ended": ended }),
                )?;
            }
            Ok(ended)
        })
    }

    /// Deactivates an automation for a user (admin): temporarily (they activate it again
    /// themselves) or permanently (they cannot until an admin shares it again).
    pub fn deactivate_automation_for(
        &self,
        caller: &Caller,
        id: Uuid,
        user: UserId,
        permanently: bool,
    ) -> Result<AccessRecord, ServiceError> {
        self.require_admin(caller)?;
        let now = self.now();
        self.write(|tx| {
            self.automation_for_change(tx, caller, id)?;
            let current =
                access_of(tx, caller.account, id, user)?.ok_or(ServiceError::NotFound {
                    what: "user with access",
                })?;
            let state = current.state.deactivate(permanently);
            if state == current.state {
                return Ok(current);
            }
            self.change_access(
                tx,
                caller,
                id,
                (user, state),
                AuditAction::AutomationDeactivate,
                json!({ "user": user, "permanently": permanently }),
                now,
            )
        })
    }

    /// What the diagnostics find for an automation: the static checks and, for `user` (the
    /// caller when not an admin), the per-user checks.
    pub fn diagnose_automation(
        &self,
        caller: &Caller,
        id: Uuid,
        user: Option<UserId>,
    ) -> Result<Diagnosis, ServiceError> {
        let admin = self.is_admin(caller)?;
        let user = match user {
            Some(user) if admin || user == caller.user => Some(user),
            Some(_) => return Err(NOT_FOUND),
            None if admin => None,
            None => Some(caller.user),
        };
        let policy = self.policy(caller.account, None)?;
        self.read(|tx| {
            self.gate(tx, caller.account)?;
            let automation = tx.automation(caller.account, id, false)?.ok_or(NOT_FOUND)?;
            let shared = tx.access(caller.account, id)?;
            if !admin && !shared.iter().any(|record| record.user == caller.user) {
                return Err(NOT_FOUND);
            }
            let problems = self.problems(tx, caller.account, &automation, user, &policy)?;
            Ok(Diagnosis { user, problems })
        })
    }

    /// The diagnostics' findings for `automation`, and for `user` when given.
    fn problems(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        automation: &Automation,
        user: Option<UserId>,
        policy: &tessera_access::Policy,
    ) -> Result<Vec<Problem>, ServiceError> {
        let definition = &automation.definition;
        let event_type = tx.event_type(account, &definition.trigger.event_type)?;
        let mut projects = BTreeSet::new();
        for step in &definition.steps {
            if let Step::CreateTask {
                project: Some(project),
                ..
            } = step
                && tx.project(account, *project)?.is_some()
            {
                projects.insert(*project);
            }
        }
        let mut problems = static_problems(
            definition,
            StaticFacts {
                event_type: event_type.as_ref(),
                projects: &projects,
            },
        );
        if let Some(user) = user {
            let workspace = policy.feature(WORKSPACE)?;
            let facts = UserFacts {
                has_mailbox: tx.mailbox(account, user)?.is_some(),
                may_create_tasks: policy.check(user, workspace, Level::Modify)?,
            };
            problems.extend(user_problems(definition, facts));
        }
        Ok(problems)
    }

    /// Activates an automation shared with the caller, for the caller: the diagnostics run
    /// first, and a problem refuses it — raising a notification (in the app and by e-mail)
    /// and answering [`AutomationError::DiagnosticsFailed`] with the problems. Activating
    /// twice is activating once; concurrent calls end in one activation.
    pub fn activate_automation(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Activated, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let now = self.now();
        let outcome = self.write(|tx| {
            let automation = self.automation_for_change(tx, caller, id)?;
            let current = access_of(tx, caller.account, id, caller.user)?.ok_or(NOT_FOUND)?;
            let state = current.state.activate()?;
            if current.state == state {
                return Ok(Ok(Activated::Already(current)));
            }
            let problems =
                self.problems(tx, caller.account, &automation, Some(caller.user), &policy)?;
            if !problems.is_empty() {
                self.notify_automation(
                    tx,
                    caller.account,
                    caller.user,
                    &automation,
                    "activation_refused",
                    &problems,
                    None,
                    now,
                )?;
                self.record_event(
                    tx,
                    &Actor::caller(caller),
                    AuditAction::AutomationActivationRefused,
                    id,
                    json!({ "problems": problems.iter().map(|p| p.code).collect::<Vec<_>>() }),
                )?;
                return Ok(Err(problems));
            }
            let record = self.change_access(
                tx,
                caller,
                id,
                (caller.user, state),
                AuditAction::AutomationActivate,
                json!({ "from": current.state.name() }),
                now,
            )?;
            Ok(Ok(Activated::Now(record)))
        })?;
        outcome.map_err(|problems| AutomationError::DiagnosticsFailed { problems }.into())
    }

    /// Sets one user's standing as `caller` decided it, with its audit event.
    #[allow(clippy::too_many_arguments)]
    fn change_access(
        &self,
        tx: &mut dyn Tx,
        caller: &Caller,
        automation: Uuid,
        (user, state): (UserId, AccessState),
        action: AuditAction,
        detail: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<AccessRecord, ServiceError> {
        let record = AccessRecord {
            user,
            state,
            reason: None,
            changed_by: Some(caller.user),
            changed_at: now,
        };
        tx.set_access(caller.account, automation, std::slice::from_ref(&record))?;
        self.record_event(tx, &Actor::caller(caller), action, automation, detail)?;
        Ok(record)
    }

    /// Raises a notification about `automation` for `user`, in the app and by e-mail.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn notify_automation(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        user: UserId,
        automation: &Automation,
        kind: &str,
        problems: &[Problem],
        failing_step: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let name = &automation.definition.name;
        let message = match kind {
            "activation_refused" => format!(
                "\"{name}\" could not be activated: {}",
                problems
                    .iter()
                    .map(|p| format!("{} ({})", p.message, p.fix))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            _ => format!(
                "\"{name}\" paused itself: nearly every run in 7 days failed{}",
                failing_step
                    .map(|step| format!(", most at {step}"))
                    .unwrap_or_default()
            ),
        };
        let notification = Notification {
            id: random_uuid(),
            user,
            kind: kind.to_owned(),
            automation: Some(automation.id),
            message,
            problems: problems
                .iter()
                .map(|p| format!("{} — {}", p.message, p.fix))
                .collect(),
            failing_step: failing_step.map(str::to_owned),
            created_at: now,
        };
        tx.insert_notification(account, &notification)?;
        if let Some(found) = tx.user(account, user)? {
            tx.enqueue(&[message_for(account, &notification, &found.email, now)])?;
        }
        Ok(())
    }

    /// The caller's notifications, newest first.
    pub fn notifications(&self, caller: &Caller) -> Result<Vec<Notification>, ServiceError> {
        self.read(|tx| Ok(tx.notifications(caller.account, caller.user, MAX_NOTIFICATIONS)?))
    }

    /// Sets the caller's mailbox identity; an SMTP URL is kept sealed with a key derived
    /// from the server key, never in clear.
    pub fn set_my_mailbox(
        &self,
        caller: &Caller,
        input: MailboxInput,
    ) -> Result<Mailbox, ServiceError> {
        let smtp_url = input
            .smtp_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty());
        if let Some(url) = smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ServiceError::invalid(
                "smtp_url",
                "an smtp:// or smtps:// URL",
            ));
        }
        let mailbox = Mailbox::new(
            &input.address,
            &input.display_name,
            &input.signature,
            smtp_url.is_some(),
        )?;
        let stored = StoredMailbox {
            mailbox: mailbox.clone(),
            smtp_url_sealed: smtp_url.map(|url| self.seal(url)),
            updated_at: self.now(),
        };
        self.write(|tx| {
            tx.set_mailbox(caller.account, caller.user, &stored)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::MailboxChange,
                caller.user,
                json!({ "address": mailbox.address, "own_smtp": mailbox.own_smtp }),
            )
        })?;
        Ok(mailbox)
    }

    /// The caller's mailbox identity, if set.
    pub fn my_mailbox(&self, caller: &Caller) -> Result<Option<Mailbox>, ServiceError> {
        self.read(|tx| Ok(tx.mailbox(caller.account, caller.user)?.map(|s| s.mailbox)))
    }

    /// Removes the caller's mailbox identity.
    pub fn delete_my_mailbox(&self, caller: &Caller) -> Result<bool, ServiceError> {
        self.write(|tx| {
            let removed = tx.delete_mailbox(caller.account, caller.user)?;
            if removed {
                self.record_event(
                    tx,
                    &Actor::caller(caller),
                    AuditAction::MailboxChange,
                    caller.user,
                    json!({ "removed": true }),
                )?;
            }
            Ok(removed)
        })
    }

    fn seal_cipher(&self) -> ChaCha20Poly1305 {
        let key = self.key().sign(SMTP_SEAL_PURPOSE, b"");
        ChaCha20Poly1305::new(Key::from_slice(&key))
    }

    /// Seals text (an SMTP URL with its password) for storage: base64url of a random
    /// 12-byte nonce and the ChaCha20-Poly1305 ciphertext.
    fn seal(&self, text: &str) -> String {
        let nonce_bytes: [u8; 12] = crate::random::nonce()[..12].try_into().unwrap_or([0; 12]);
        let sealed = self
            .seal_cipher()
            .encrypt(Nonce::from_slice(&nonce_bytes), text.as_bytes())
            .unwrap_or_default();
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// Opens what [`Tessera::seal`] sealed (`None` when it was not sealed with this key).
    pub(crate) fn unseal(&self, sealed: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let (nonce, ciphertext) = bytes.split_at_checked(12)?;
        let plain = self
            .seal_cipher()
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .ok()?;
        String::from_utf8(plain).ok()
    }

    /// Takes a batch of events (admin; at most [`MAX_EVENT_BATCH`]): each is checked against
    /// its declared type, kept, and starts a run for every user whose activation matches —
    /// all written in one transaction, before any of them runs.
    pub fn ingest_events(
        &self,
        caller: &Caller,
        events: Vec<Event>,
    ) -> Result<Ingested, ServiceError> {
        self.require_admin(caller)?;
        if events.is_empty() || events.len() > MAX_EVENT_BATCH {
            return Err(ServiceError::invalid(
                "events",
                format!("between 1 and {MAX_EVENT_BATCH} events"),
            ));
        }
        let now = self.now();
        self.write(|tx| {
            self.gate(tx, caller.account)?;
            let account = caller.account;
            let mut types: BTreeMap<String, Option<EventType>> = BTreeMap::new();
            let mut by_type: BTreeMap<String, Vec<Automation>> = BTreeMap::new();
            let mut activated: HashMap<Uuid, Vec<UserId>> = HashMap::new();
            let mut stored = Vec::with_capacity(events.len());
            let mut runs = Vec::new();
            for (index, event) in events.into_iter().enumerate() {
                let at = format!("events[{index}]");
                if !types.contains_key(&event.event_type) {
                    let found = tx.event_type(account, &event.event_type)?;
                    types.insert(event.event_type.clone(), found);
                }
                let Some(Some(event_type)) = types.get(&event.event_type) else {
                    return Err(ServiceError::invalid(
                        format!("{at}.type"),
                        format!("no event type `{}` is declared", event.event_type),
                    ));
                };
                event_type.check_event(&event, &at)?;
                if let Some(user) = event.user
                    && tx.user(account, user)?.is_none()
                {
                    return Err(ServiceError::invalid(
                        format!("{at}.user"),
                        format!("no user {user} in this account"),
                    ));
                }
                if !by_type.contains_key(&event.event_type) {
                    let automations = tx.automations_for_event(account, &event.event_type)?;
                    let ids: Vec<Uuid> = automations.iter().map(|a| a.id).collect();
                    for (automation, user) in tx.activated_users(account, &ids)? {
                        activated.entry(automation).or_default().push(user);
                    }
                    by_type.insert(event.event_type.clone(), automations);
                }
                let id = time_ordered_uuid();
                for automation in &by_type[&event.event_type] {
                    let users = activated.get(&automation.id).map_or(&[][..], Vec::as_slice);
                    for user in automation.runs_for(&event, users) {
                        runs.push(RunRecord {
                            id: time_ordered_uuid(),
                            automation: automation.id,
                            user,
                            event: id,
                            status: RunStatus::Queued,
                            queued_at: now,
                            finished_at: None,
                            error: None,
                        });
                    }
                }
                stored.push(StoredEvent {
                    id,
                    event,
                    received_at: now,
                });
            }
            tx.insert_events(account, &stored)?;
            tx.insert_runs(account, &runs)?;
            Ok(Ingested {
                events: stored.len(),
                runs: runs.len(),
            })
        })
    }

    /// A page of an automation's run history, newest first. Admins see every run and may
    /// filter by user; anyone else sees only their own runs (asking for another user's is
    /// not found).
    pub fn automation_runs(
        &self,
        caller: &Caller,
        id: Uuid,
        mut filter: RunFilter,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<RunPage, ServiceError> {
        filter.validate()?;
        let limit = page_size(limit)?;
        let after = cursor.map(RunCursor::parse).transpose()?;
        let admin = self.is_admin(caller)?;
        if !admin {
            match filter.user {
                Some(user) if user != caller.user => return Err(NOT_FOUND_RUN),
                _ => filter.user = Some(caller.user),
            }
        }
        self.read(|tx| {
            self.gate(tx, caller.account)?;
            tx.automation(caller.account, id, false)?.ok_or(NOT_FOUND)?;
            if !admin
                && !tx
                    .access(caller.account, id)?
                    .iter()
                    .any(|record| record.user == caller.user)
            {
                return Err(NOT_FOUND);
            }
            let mut runs = tx.runs(caller.account, id, &filter, after, limit + 1)?;
            let next_cursor = if runs.len() > limit as usize {
                runs.truncate(limit as usize);
                runs.last().map(|run| {
                    RunCursor {
                        at: run.queued_at,
                        id: run.id,
                    }
                    .to_text()
                })
            } else {
                None
            };
            Ok(RunPage { runs, next_cursor })
        })
    }

    /// One run with its steps: an admin sees any; anyone else only their own (else not
    /// found).
    pub fn automation_run(&self, caller: &Caller, run: Uuid) -> Result<RunDetail, ServiceError> {
        let admin = self.is_admin(caller)?;
        self.read(|tx| {
            self.gate(tx, caller.account)?;
            let found = tx.run(caller.account, run)?.ok_or(NOT_FOUND_RUN)?;
            if !admin && found.user != caller.user {
                return Err(NOT_FOUND_RUN);
            }
            let steps = tx.run_steps(caller.account, run)?;
            Ok(RunDetail { run: found, steps })
        })
    }
}

/// A user's standing with an automation, if it is shared with them.
pub(crate) fn access_of(
    tx: &mut dyn Tx,
    account: AccountId,
    automation: Uuid,
    user: UserId,
) -> Result<Option<AccessRecord>, ServiceError> {
    Ok(tx
        .access(account, automation)?
        .into_iter()
        .find(|record| record.user == user))
}

/// The outbox message of a notification's e-mail.
fn message_for(
    account: AccountId,
    notification: &Notification,
    email: &str,
    now: DateTime<Utc>,
) -> crate::records::OutboxMessage {
    message(
        account,
        MessageKind::AutomationNotice {
            notification: notification.id,
        },
        email,
        tessera_mail::DEFAULT_LOCALE,
        now,
    )
}
