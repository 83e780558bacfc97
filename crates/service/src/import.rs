//! Bulk import of an app's users from CSV: every row decided by
//! [`tessera_contacts::import::plan_import`], the good ones written in one transaction, a
//! report for every row. People new to the account get an invitation through the outbox (a
//! link to choose their password) instead of a password hashed here, so an import of 10,000
//! rows takes seconds.
//!
//! The file has a header naming its columns, in any order and any case: `email`, `name` and
//! `user_type` are required, `case` and `case_role` optional. A header naming anything else,
//! or missing a required column, refuses the whole file, naming the column.

use std::collections::HashMap;

use serde_json::json;
use tessera_access::{Level, Policy, USER_MANAGEMENT, WORKSPACE};
use tessera_contacts::cases::{AppUserType, predefined_case_roles};
use tessera_contacts::import::{
    ImportPlan, ImportRow, ImportSnapshot, RowReport, RowStatus, SkipReason, plan_import,
};
use tessera_contacts::{Activation, ActivationKind};
use tessera_core::{AccountId, AuditAction, RoleId, UserId, Uuid};

use crate::outbox::message;
use crate::records::{CaseAssignment, MessageKind, User};
use crate::{Actor, Caller, ServiceError, Tessera, Tx, random, random_uuid};

/// Most rows in one file.
pub const MAX_IMPORT_ROWS: usize = 100_000;
/// The columns a file may have, required ones first.
pub const IMPORT_COLUMNS: [&str; 5] = ["email", "name", "user_type", "case", "case_role"];
/// How many of [`IMPORT_COLUMNS`] are required.
const REQUIRED_COLUMNS: usize = 3;
/// Rows written per step (progress is reported after each).
const WRITE_STEP: usize = 1_000;

/// The outcome of an import: one report per row, with the counts and seats after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Every row, in the file's order.
    pub rows: Vec<RowReport>,
    /// Rows whose person joined the app.
    pub created: usize,
    /// Rows that changed a type or an assignment.
    pub updated: usize,
    /// Rows the app held already.
    pub unchanged: usize,
    /// Rows not imported (each says why).
    pub skipped: usize,
    /// Invitations queued for people new to the account.
    pub invited: usize,
    /// Billable seats of the account after the import.
    pub seats_used: u32,
    /// The plan's seat limit.
    pub seat_limit: Option<u32>,
}

/// Who runs an import.
#[derive(Debug, Clone, Copy)]
pub enum Importer<'a> {
    /// A signed-in user who manages the app (adding people to the account also needs
    /// `user_management: write`).
    Caller(&'a Caller),
    /// An operator's command on the server (`tessera-server import users`).
    Operator,
}

/// Reads a CSV file into rows. A bad header refuses the file (naming the column); a row that
/// cannot be read becomes a skipped row of the report, returned beside the good ones.
pub fn parse_csv(data: &[u8]) -> Result<(Vec<ImportRow>, Vec<RowReport>), ServiceError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = reader
        .headers()
        .map_err(|e| ServiceError::invalid("header", format!("the header cannot be read: {e}")))?
        .clone();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (position, name) in headers.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').to_ascii_lowercase();
        let known = IMPORT_COLUMNS.iter().find(|c| **c == name).ok_or_else(|| {
            ServiceError::invalid(
                "header",
                format!(
                    "unknown column `{name}`: the columns are {}",
                    IMPORT_COLUMNS.join(", ")
                ),
            )
        })?;
        if index.insert(known, position).is_some() {
            return Err(ServiceError::invalid(
                "header",
                format!("column `{known}` appears twice"),
            ));
        }
    }
    if let Some(missing) = IMPORT_COLUMNS[..REQUIRED_COLUMNS]
        .iter()
        .find(|c| !index.contains_key(**c))
    {
        return Err(ServiceError::invalid(
            "header",
            format!("the header lacks the required column `{missing}`"),
        ));
    }
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    for (number, record) in reader.records().enumerate() {
        let fallback_line = number as u64 + 2;
        if rows.len() + unreadable.len() >= MAX_IMPORT_ROWS {
            return Err(ServiceError::invalid(
                "file",
                format!("at most {MAX_IMPORT_ROWS} rows per import"),
            ));
        }
        match record {
            Ok(record) => {
                let line = record.position().map_or(fallback_line, |p| p.line());
                let field = |column: &str| {
                    index
                        .get(column)
                        .and_then(|i| record.get(*i))
                        .unwrap_or_default()
                        .to_owned()
                };
                if record.len() > headers.len() {
                    unreadable.push(RowReport {
                        line,
                        email: field("email"),
                        status: RowStatus::Skipped(SkipReason::Malformed(format!(
                            "{} fields, the header has {}",
                            record.len(),
                            headers.len()
                        ))),
                    });
                    continue;
                }
                rows.push(ImportRow {
                    line,
                    email: field("email"),
                    name: field("name"),
                    user_type: field("user_type"),
                    case: field("case"),
                    case_role: field("case_role"),
                });
            }
            Err(error) => unreadable.push(RowReport {
                line: error.position().map_or(fallback_line, csv::Position::line),
                email: String::new(),
                status: RowStatus::Skipped(SkipReason::Malformed(error.to_string())),
            }),
        }
    }
    Ok((rows, unreadable))
}

/// An account role by id or by exact name.
fn find_account_role(policy: &Policy, given: &str) -> Result<RoleId, ServiceError> {
    let given = given.trim();
    if let Ok(id) = given.parse::<RoleId>()
        && policy.role(id).is_ok()
    {
        return Ok(id);
    }
    policy
        .roles()
        .find(|role| role.name == given)
        .map(|role| role.id)
        .ok_or_else(|| {
            ServiceError::invalid("account_role", format!("no role `{given}` in the account"))
        })
}

impl Tessera {
    /// Imports users into `app` from a CSV file; see the module documentation. With
    /// `account_role`, people new to the account join it with that role and are invited;
    /// without, their rows are skipped. `progress` hears `(rows written, rows to write)`.
    pub fn import_app_users(
        &self,
        importer: Importer<'_>,
        app: Uuid,
        data: &[u8],
        account_role: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport, ServiceError> {
        let (rows, unreadable) = parse_csv(data)?;
        let account = match importer {
            Importer::Caller(caller) => caller.account,
            Importer::Operator => {
                self.read(|tx| Ok(tx.find_app(app)?))?
                    .ok_or(ServiceError::NotFound { what: "app" })?
                    .0
            }
        };
        let policy = self.policy(account, None)?;
        let role = account_role
            .map(|given| find_account_role(&policy, given))
            .transpose()?;
        let (workspace, actor, invited_by) = match importer {
            Importer::Caller(caller) => {
                if role.is_some() {
                    caller.require(&policy, USER_MANAGEMENT, Level::Write)?;
                }
                let level = policy.level(caller.user, policy.feature(WORKSPACE)?)?;
                (level, Actor::caller(caller), Some(caller.user))
            }
            Importer::Operator => (Level::Write, Actor::anonymous(account, None), None),
        };
        let now = self.now();
        let report = self.write(|tx| {
            if let Importer::Caller(caller) = importer {
                Self::app_managed_by(tx, caller, workspace, app)?;
            } else if tx.app(account, app)?.is_none() {
                return Err(ServiceError::NotFound { what: "app" });
            }
            let snapshot = snapshot(tx, account, app, role.is_some())?;
            let plan = plan_import(&rows, &snapshot, || UserId::from_uuid(random_uuid()));
            let invited = self.write_plan(
                tx,
                account,
                app,
                &plan,
                role,
                invited_by,
                now,
                &mut *progress,
            )?;
            // New people hold an account role: the account's policy changes with them.
            let version = if plan.new_people.is_empty() {
                None
            } else {
                Some(tx.bump_policy_version(account)?)
            };
            let (created, updated, unchanged, skipped) = plan.counts();
            let detail = json!({
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
                "skipped": skipped + unreadable.len(),
                "invited": invited,
            });
            self.record_event(tx, &actor, AuditAction::AppImport, app, detail)?;
            let mut all = plan.report;
            all.extend(unreadable.iter().cloned());
            all.sort_by_key(|row| row.line);
            Ok((
                version,
                ImportReport {
                    rows: all,
                    created,
                    updated,
                    unchanged,
                    skipped: skipped + unreadable.len(),
                    invited,
                    seats_used: plan.seats_used,
                    seat_limit: snapshot.seat_limit,
                },
            ))
        })?;
        if let (Some(version), _) = &report {
            self.0.policies.note_write(account, *version);
        }
        Ok(report.1)
    }

    /// Writes a decided import in steps of [`WRITE_STEP`] rows; returns how many people were
    /// invited.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; the arguments are the import's parts"
    )]
    fn write_plan(
        &self,
        tx: &mut dyn Tx,
        account: AccountId,
        app: Uuid,
        plan: &ImportPlan,
        role: Option<RoleId>,
        invited_by: Option<UserId>,
        now: chrono::DateTime<chrono::Utc>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize, ServiceError> {
        let total = plan.new_people.len() + plan.types.len() + plan.assignments.len();
        let mut done = 0;
        progress(done, total);
        if let Some(role) = role {
            for step in plan.new_people.chunks(WRITE_STEP) {
                let users: Vec<User> = step
                    .iter()
                    .map(|person| User {
                        id: person.id,
                        email: person.email.clone(),
                        // No password until they follow their invitation: a hash nothing
                        // verifies against.
                        password_hash: String::new(),
                        display_name: person.display_name.clone(),
                        must_change_password: false,
                        role,
                        created_at: now,
                        may_grant_client_access: false,
                    })
                    .collect();
                tx.insert_users(account, &users)?;
                let invitations: Vec<(UserId, Activation)> = step
                    .iter()
                    .map(|person| {
                        let activation = Activation::issue_for(
                            ActivationKind::User,
                            self.key(),
                            person.id.as_uuid().as_bytes(),
                            random::nonce(),
                            now,
                        );
                        (person.id, activation)
                    })
                    .collect();
                tx.set_user_invitations(account, &invitations)?;
                done += step.len();
                progress(done, total);
            }
        }
        for step in plan.types.chunks(WRITE_STEP) {
            tx.set_app_users(account, app, step, now)?;
            done += step.len();
            progress(done, total);
        }
        for step in plan.assignments.chunks(WRITE_STEP) {
            let assignments: Vec<CaseAssignment> = step
                .iter()
                .map(|(case, user, role)| CaseAssignment {
                    case: *case,
                    user: *user,
                    role: *role,
                })
                .collect();
            tx.set_case_assignments(account, app, &assignments)?;
            done += step.len();
            progress(done, total);
        }
        let messages: Vec<_> = plan
            .new_people
            .iter()
            .map(|person| {
                let kind = MessageKind::UserInvitation {
                    user: person.id,
                    app,
                    invited_by,
                };
                message(account, kind, &person.email, "en", now)
            })
            .collect();
        tx.enqueue(&messages)?;
        Ok(messages.len())
    }
}

/// What the import decides against, read in a few statements.
fn snapshot(
    tx: &mut dyn Tx,
    account: AccountId,
    app: Uuid,
    may_add_people: bool,
) -> Result<ImportSnapshot, ServiceError> {
    let seat_limit = tx.lock_seats(account)?;
    let users_by_email = tx
        .users(account)?
        .into_iter()
        .map(|user| (user.email, user.id))
        .collect();
    let types: HashMap<UserId, AppUserType> = tx
        .app_users(account, app)?
        .into_iter()
        .map(|u| (u.user, u.user_type))
        .collect();
    let billable = tx.billable_app_users(account)?;
    let seats_used = billable
        .iter()
        .map(|(_, user)| *user)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let billable_elsewhere = billable
        .iter()
        .filter(|(other, _)| *other != app)
        .map(|(_, user)| *user)
        .collect();
    let cases = tx
        .cases(account, app)?
        .into_iter()
        .map(|case| (case.id, case.title))
        .collect();
    let mut case_roles: Vec<(RoleId, String)> = predefined_case_roles()?
        .into_iter()
        .map(|role| (role.id, role.name))
        .collect();
    case_roles.extend(
        tx.case_roles(account, app)?
            .into_iter()
            .map(|role| (role.id, role.name)),
    );
    let assignments = tx
        .case_assignments(account, app, None)?
        .into_iter()
        .map(|a| ((a.case, a.user), a.role))
        .collect();
    Ok(ImportSnapshot {
        users_by_email,
        types,
        billable_elsewhere,
        seats_used: u32::try_from(seats_used).unwrap_or(u32::MAX),
        seat_limit,
        cases,
        case_roles,
        assignments,
        may_add_people,
    })
}
