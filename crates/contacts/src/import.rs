//! A bulk import of an app's users: each row of the file decided against what the app holds,
//! in order, into a per-row report and the writes to make. A bad row never stops the good
//! ones; importing the same file twice changes nothing the second time.
//!
//! A row names a person by e-mail, a display name for people new to the account, a user type,
//! and optionally a case (by id or title) with a case role (by id or name). Assigning to a
//! case needs both.

use std::collections::{HashMap, HashSet};
use std::fmt;

use tessera_core::{RoleId, UserId, Uuid, clean_name, normalize_email};

use crate::cases::{AppUserType, CaseError, change_user_type, check_seat};

/// Longest display name of an imported person, in characters.
pub const MAX_IMPORTED_NAME_CHARS: usize = 100;

/// One row of the file, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportRow {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    /// The person's e-mail.
    pub email: String,
    /// Their display name (used for people new to the account).
    pub name: String,
    /// Their user type in the app.
    pub user_type: String,
    /// A case of the app, by id or title (empty: none).
    pub case: String,
    /// The case role there, by id or name (empty: none).
    pub case_role: String,
}

/// What became of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowStatus {
    /// The person joined the app (and the account, when new to it).
    Created,
    /// The person's type or case role changed.
    Updated,
    /// Nothing to change: the app holds the row already.
    Unchanged,
    /// Not imported, for the reason given.
    Skipped(SkipReason),
}

impl RowStatus {
    /// The wire name: `created`, `updated`, `unchanged` or `skipped`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            RowStatus::Created => "created",
            RowStatus::Updated => "updated",
            RowStatus::Unchanged => "unchanged",
            RowStatus::Skipped(_) => "skipped",
        }
    }
}

/// Why a row was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The e-mail is not an address.
    BadEmail,
    /// The name is blank where one is needed, too long, or has control characters.
    BadName(String),
    /// The user type is none of the five.
    UnknownUserType(String),
    /// No case of the app has this id or title.
    UnknownCase(String),
    /// No case role of the app has this id or name.
    UnknownCaseRole(String),
    /// A case without a case role, or a role without a case.
    IncompleteAssignment,
    /// The same e-mail appeared on an earlier row.
    DuplicateRow {
        /// The earlier row's line.
        first_line: u64,
    },
    /// Not a user of the account, and the import does not add people (no account role was
    /// given for them).
    NotInAccount,
    /// The row could not be read (its text, or its number of fields).
    Malformed(String),
    /// An app rule refused it (the Administrator, the seat limit).
    Refused(CaseError),
}

impl SkipReason {
    /// A short stable code for the reason.
    pub const fn code(&self) -> &'static str {
        match self {
            SkipReason::BadEmail => "bad-email",
            SkipReason::BadName(_) => "bad-name",
            SkipReason::UnknownUserType(_) => "unknown-user-type",
            SkipReason::UnknownCase(_) => "unknown-case",
            SkipReason::UnknownCaseRole(_) => "unknown-case-role",
            SkipReason::IncompleteAssignment => "incomplete-assignment",
            SkipReason::DuplicateRow { .. } => "duplicate-row",
            SkipReason::NotInAccount => "not-in-account",
            SkipReason::Malformed(_) => "malformed-row",
            SkipReason::Refused(CaseError::SeatLimitReached { .. }) => "seat-limit-reached",
            SkipReason::Refused(_) => "administrator-immutable",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::BadEmail => f.write_str("email: not an e-mail address"),
            SkipReason::BadName(why) => write!(f, "name: {why}"),
            SkipReason::UnknownUserType(given) => write!(
                f,
                "user_type: `{given}` is not administrator, manager, staff, user or bot"
            ),
            SkipReason::UnknownCase(given) => write!(f, "case: no case `{given}` in this app"),
            SkipReason::UnknownCaseRole(given) => {
                write!(f, "case_role: no case role `{given}` in this app")
            }
            SkipReason::IncompleteAssignment => {
                f.write_str("case_role: a case and a case role go together (give both or neither)")
            }
            SkipReason::DuplicateRow { first_line } => {
                write!(f, "email: duplicate row (first on line {first_line})")
            }
            SkipReason::NotInAccount => f.write_str(
                "email: not a user of the account; import with an account role to add new people",
            ),
            SkipReason::Malformed(why) => write!(f, "row: {why}"),
            SkipReason::Refused(error) => write!(f, "{error}"),
        }
    }
}

/// The report of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// The row's line.
    pub line: u64,
    /// The e-mail as given.
    pub email: String,
    /// What became of it.
    pub status: RowStatus,
}

/// What the app and its account hold, as the import needs it.
#[derive(Debug, Clone, Default)]
pub struct ImportSnapshot {
    /// The account's users by normalized e-mail.
    pub users_by_email: HashMap<String, UserId>,
    /// Each of the app's users' type.
    pub types: HashMap<UserId, AppUserType>,
    /// Users holding a billable type in another app of the account.
    pub billable_elsewhere: HashSet<UserId>,
    /// Billable seats taken in the account.
    pub seats_used: u32,
    /// The plan's seat limit, if any.
    pub seat_limit: Option<u32>,
    /// The app's cases: `(id, title)`.
    pub cases: Vec<(Uuid, String)>,
    /// The app's case roles: `(id, name)`, predefined ones included.
    pub case_roles: Vec<(RoleId, String)>,
    /// Each `(case, user)` assignment's role in the app's cases.
    pub assignments: HashMap<(Uuid, UserId), RoleId>,
    /// Whether people new to the account are added (else their rows are skipped).
    pub may_add_people: bool,
}

/// A person new to the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    /// Their new id.
    pub id: UserId,
    /// Normalized e-mail.
    pub email: String,
    /// Display name, if the row gave one.
    pub display_name: Option<String>,
}

/// The decided import: the report, then the writes to make in one transaction.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// One entry per row, in the file's order.
    pub report: Vec<RowReport>,
    /// People to add to the account (each gets an invitation to choose a password).
    pub new_people: Vec<NewPerson>,
    /// `(user, type)` to set in the app, for users joining it or changing type.
    pub types: Vec<(UserId, AppUserType)>,
    /// `(case, user, role)` assignments to set.
    pub assignments: Vec<(Uuid, UserId, RoleId)>,
    /// Billable seats taken once the plan is written.
    pub seats_used: u32,
}

impl ImportPlan {
    /// How many rows ended in each status: `(created, updated, unchanged, skipped)`.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut counts = (0, 0, 0, 0);
        for row in &self.report {
            match row.status {
                RowStatus::Created => counts.0 += 1,
                RowStatus::Updated => counts.1 += 1,
                RowStatus::Unchanged => counts.2 += 1,
                RowStatus::Skipped(_) => counts.3 += 1,
            }
        }
        counts
    }
}

/// Looks up a case or role by id, else by name (any case).
struct Lookup<T> {
    by_id: HashMap<String, T>,
    by_name: HashMap<String, T>,
}

impl<T: Copy> Lookup<T> {
    fn new(entries: impl IntoIterator<Item = (T, String, String)>) -> Self {
        let mut lookup = Lookup {
            by_id: HashMap::new(),
            by_name: HashMap::new(),
        };
        for (value, id, name) in entries {
            lookup.by_id.insert(id, value);
            lookup.by_name.insert(name.trim().to_lowercase(), value);
        }
        lookup
    }

    fn find(&self, given: &str) -> Option<T> {
        let given = given.trim();
        self.by_id
            .get(&given.to_ascii_lowercase())
            .or_else(|| self.by_name.get(&given.to_lowercase()))
            .copied()
    }
}

/// Decides every row against `snapshot`, in order (a row sees the rows before it). New people
/// get ids from `new_id`.
pub fn plan_import(
    rows: &[ImportRow],
    snapshot: &ImportSnapshot,
    mut new_id: impl FnMut() -> UserId,
) -> ImportPlan {
    let cases = Lookup::new(
        snapshot
            .cases
            .iter()
            .map(|(id, title)| (*id, id.to_string(), title.clone())),
    );
    let roles = Lookup::new(
        snapshot
            .case_roles
            .iter()
            .map(|(id, name)| (*id, id.to_string(), name.clone())),
    );
    let mut plan = ImportPlan {
        seats_used: snapshot.seats_used,
        ..ImportPlan::default()
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut users_by_email = snapshot.users_by_email.clone();
    let mut types = snapshot.types.clone();
    let mut assignments = snapshot.assignments.clone();
    for row in rows {
        let status = match decide(
            row,
            &cases,
            &roles,
            &mut seen,
            &users_by_email,
            snapshot.may_add_people,
        ) {
            Err(reason) => RowStatus::Skipped(reason),
            Ok(decided) => apply(
                decided,
                snapshot,
                &mut plan,
                &mut users_by_email,
                &mut types,
                &mut assignments,
                &mut new_id,
            ),
        };
        plan.report.push(RowReport {
            line: row.line,
            email: row.email.trim().to_owned(),
            status,
        });
    }
    plan
}

/// A row that reads well: who, which type, which assignment.
struct Decided {
    email: String,
    user: Option<UserId>,
    display_name: Option<String>,
    user_type: AppUserType,
    assignment: Option<(Uuid, RoleId)>,
}

fn decide(
    row: &ImportRow,
    cases: &Lookup<Uuid>,
    roles: &Lookup<RoleId>,
    seen: &mut HashMap<String, u64>,
    users_by_email: &HashMap<String, UserId>,
    may_add_people: bool,
) -> Result<Decided, SkipReason> {
    let email = normalize_email(&row.email).ok_or(SkipReason::BadEmail)?;
    if let Some(first_line) = seen.get(&email) {
        return Err(SkipReason::DuplicateRow {
            first_line: *first_line,
        });
    }
    seen.insert(email.clone(), row.line);
    let user = users_by_email.get(&email).copied();
    if user.is_none() && !may_add_people {
        return Err(SkipReason::NotInAccount);
    }
    let display_name = if row.name.trim().is_empty() {
        None
    } else {
        Some(
            clean_name(&row.name, MAX_IMPORTED_NAME_CHARS)
                .map_err(|e| SkipReason::BadName(e.to_string()))?,
        )
    };
    let user_type = AppUserType::parse(&row.user_type)
        .ok_or_else(|| SkipReason::UnknownUserType(row.user_type.trim().to_owned()))?;
    let assignment = match (row.case.trim(), row.case_role.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => return Err(SkipReason::IncompleteAssignment),
        (case, role) => Some((
            cases
                .find(case)
                .ok_or_else(|| SkipReason::UnknownCase(case.to_owned()))?,
            roles
                .find(role)
                .ok_or_else(|| SkipReason::UnknownCaseRole(role.to_owned()))?,
        )),
    };
    Ok(Decided {
        email,
        user,
        display_name,
        user_type,
        assignment,
    })
}

fn apply(
    decided: Decided,
    snapshot: &ImportSnapshot,
    plan: &mut ImportPlan,
    users_by_email: &mut HashMap<String, UserId>,
    types: &mut HashMap<UserId, AppUserType>,
    assignments: &mut HashMap<(Uuid, UserId), RoleId>,
    new_id: &mut impl FnMut() -> UserId,
) -> RowStatus {
    let current = decided.user.and_then(|user| types.get(&user).copied());
    if let Some(current) = current
        && let Err(error) = change_user_type(current, Some(decided.user_type))
    {
        return RowStatus::Skipped(SkipReason::Refused(error));
    }
    if current.is_none() && decided.user_type == AppUserType::Administrator {
        return RowStatus::Skipped(SkipReason::Refused(CaseError::OneAdministrator));
    }
    let held_before = decided.user.is_some_and(|user| {
        snapshot.billable_elsewhere.contains(&user) || current.is_some_and(AppUserType::billable)
    });
    let held_after = decided.user_type.billable()
        || decided
            .user
            .is_some_and(|user| snapshot.billable_elsewhere.contains(&user));
    if held_after
        && !held_before
        && let Err(error) = check_seat(plan.seats_used, snapshot.seat_limit, decided.user_type)
    {
        return RowStatus::Skipped(SkipReason::Refused(error));
    }
    match (held_before, held_after) {
        (false, true) => plan.seats_used += 1,
        (true, false) => plan.seats_used = plan.seats_used.saturating_sub(1),
        _ => {}
    }
    let user = decided.user.unwrap_or_else(|| {
        let id = new_id();
        plan.new_people.push(NewPerson {
            id,
            email: decided.email.clone(),
            display_name: decided.display_name.clone(),
        });
        users_by_email.insert(decided.email.clone(), id);
        id
    });
    let mut changed = false;
    if current != Some(decided.user_type) {
        plan.types.push((user, decided.user_type));
        types.insert(user, decided.user_type);
        changed = true;
    }
    if let Some((case, role)) = decided.assignment
        && assignments.get(&(case, user)) != Some(&role)
    {
        plan.assignments.push((case, user, role));
        assignments.insert((case, user), role);
        changed = true;
    }
    match (current, changed) {
        (None, _) => RowStatus::Created,
        (Some(_), true) => RowStatus::Updated,
        (Some(_), false) => RowStatus::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{CLIENT_CASE_ROLE, STAFF_CASE_ROLE};

    fn row(line: u64, email: &str, user_type: &str, case: &str, role: &str) -> ImportRow {
        ImportRow {
            line,
            email: email.to_owned(),
            name: format!("Person {line}"),
            user_type: user_type.to_owned(),
            case: case.to_owned(),
            case_role: role.to_owned(),
        }
    }

    fn snapshot() -> ImportSnapshot {
        let admin = UserId::from_u128(1);
        ImportSnapshot {
            users_by_email: HashMap::from([("admin@example.com".to_owned(), admin)]),
            types: HashMap::from([(admin, AppUserType::Administrator)]),
            seats_used: 1,
            seat_limit: Some(3),
            cases: vec![(Uuid::from_u128(10), "First case".to_owned())],
            case_roles: vec![
                (STAFF_CASE_ROLE, "Staff".to_owned()),
                (CLIENT_CASE_ROLE, "Client".to_owned()),
            ],
            may_add_people: true,
            ..ImportSnapshot::default()
        }
    }

    fn ids() -> impl FnMut() -> UserId {
        let mut next = 100;
        move || {
            next += 1;
            UserId::from_u128(next)
        }
    }

    #[test]
    fn every_row_gets_its_status_and_bad_rows_do_not_stop_good_ones() {
        let rows = [
            row(2, "ana@example.com", "staff", "First case", "staff"),
            row(3, "not-an-address", "staff", "", ""),
            row(4, "bo@example.com", "user", "first CASE", "Client"),
            row(5, "ana@example.com", "staff", "", ""),
            row(6, "cy@example.com", "owner", "", ""),
            row(7, "di@example.com", "staff", "Other", "Staff"),
            row(8, "ed@example.com", "staff", "First case", "Reviewer"),
            row(9, "fa@example.com", "staff", "First case", ""),
            row(10, "admin@example.com", "staff", "", ""),
            row(11, "gu@example.com", "manager", "", ""),
            row(12, "ha@example.com", "staff", "", ""),
            row(13, "io@example.com", "bot", "", ""),
            row(14, "ju@example.com", "administrator", "", ""),
        ];
        let plan = plan_import(&rows, &snapshot(), ids());
        let statuses: Vec<&str> = plan.report.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(
            statuses,
            [
                "created", "skipped", "created", "skipped", "skipped", "skipped", "skipped",
                "skipped", "skipped", "created", "skipped", "created", "skipped"
            ]
        );
        let reason = |line: u64| match &plan.report.iter().find(|r| r.line == line).unwrap().status
        {
            RowStatus::Skipped(reason) => reason.code(),
            other => other.as_str(),
        };
        assert_eq!(reason(3), "bad-email");
        assert_eq!(reason(5), "duplicate-row");
        assert_eq!(reason(6), "unknown-user-type");
        assert_eq!(reason(7), "unknown-case");
        assert_eq!(reason(8), "unknown-case-role");
        assert_eq!(reason(9), "incomplete-assignment");
        assert_eq!(reason(10), "administrator-immutable");
        assert_eq!(reason(12), "seat-limit-reached");
        assert_eq!(reason(14), "administrator-immutable");
        assert_eq!(
            plan.seats_used, 3,
            "admin, ana and gu; bo is a user, io a bot"
        );
        assert_eq!(plan.new_people.len(), 4);
        assert_eq!(plan.assignments.len(), 2);
        assert_eq!(plan.counts(), (4, 0, 0, 9));
    }

    #[test]
    fn importing_the_plan_again_changes_nothing() {
        let rows = [
            row(2, "ana@example.com", "staff", "First case", "Staff"),
            row(3, "bo@example.com", "user", "", ""),
        ];
        let mut state = snapshot();
        let plan = plan_import(&rows, &state, ids());
        for person in &plan.new_people {
            state.users_by_email.insert(person.email.clone(), person.id);
        }
        for (user, user_type) in &plan.types {
            state.types.insert(*user, *user_type);
        }
        for (case, user, role) in &plan.assignments {
            state.assignments.insert((*case, *user), *role);
        }
        state.seats_used = plan.seats_used;
        let again = plan_import(&rows, &state, ids());
        assert_eq!(again.counts(), (0, 0, 2, 0));
        assert!(again.new_people.is_empty() && again.types.is_empty());
        let changed = [row(2, "ana@example.com", "manager", "First case", "Client")];
        let plan = plan_import(&changed, &state, ids());
        assert_eq!(plan.counts(), (0, 1, 0, 0));
        assert_eq!(
            plan.seats_used, state.seats_used,
            "staff to manager: same seat"
        );
        state.may_add_people = false;
        let newcomer = [row(2, "new@example.com", "staff", "", "")];
        let plan = plan_import(&newcomer, &state, ids());
        assert_eq!(
            plan.report[0].status,
            RowStatus::Skipped(SkipReason::NotInAccount)
        );
    }
}
