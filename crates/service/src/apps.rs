//! Apps and cases: apps of the account, their cases, their users with a type, the case roles
//! that decide what a user may do in a case, billable seats, and questions asked per case.
//!
//! Who may do what:
//! - See an app (its cases, users, case roles, assignments): its users, of any type, and
//!   anyone with `workspace: read` on the account.
//! - Manage an app (cases, case roles, users, assignments, imports): its Administrator and
//!   Managers, and anyone with `workspace: write` on the account. Creating an app needs
//!   `workspace: write`; its creator becomes its Administrator.
//! - Seats: `settings: read`.
//! - Per-case checks: anyone about themselves; about others (and who-can) the app's managers
//!   and anyone with `user_management: read`.
//!
//! Writes that may take a billable seat lock the account's seat limit first, so two of them
//! cannot both take the last seat.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::json;
use tessera_access::{
    Explanation, FeaturePath, Level, Policy, PolicyVersion, Role, SETTINGS, Setting,
    USER_MANAGEMENT, WORKSPACE,
};
use tessera_contacts::cases::{
    AppUserType, CaseError, CaseKind, case_policy, case_scope, change_user_type, check_seat,
    predefined_case_roles,
};
use tessera_core::{AccountId, AuditAction, RoleId, UserId, Uuid};

use crate::records::{App, AppUser, Case, CaseAssignment};
use crate::{Actor, AnyCaller, Caller, ServiceError, StorageError, Tessera, Tx, random_uuid};

/// The app every new account starts with.
pub const SAMPLE_APP: &str = "Sample app";
/// The title of the case every new app starts with.
pub const FIRST_CASE: &str = "First case";
/// Longest app name, in characters.
pub const MAX_APP_NAME_CHARS: usize = 100;
/// Longest case title, in characters.
pub const MAX_CASE_TITLE_CHARS: usize = 200;

/// An app just created, with its first case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedApp {
    /// The app.
    pub app: App,
    /// Its first case.
    pub first_case: Case,
}

/// Billable seats: per app and for the account (a person billable in two apps takes one
/// seat of the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seats {
    /// Seats taken in the account.
    pub used: u32,
    /// The plan's limit, if any.
    pub limit: Option<u32>,
    /// Each app's billable users, by app name.
    pub apps: Vec<AppSeats>,
}

/// The billable users of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSeats {
    /// The app.
    pub app: Uuid,
    /// Its name.
    pub name: String,
    /// Its users of a billable type.
    pub billable: u32,
}

/// The answer to a question asked in a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAnswer {
    /// Whether the user has at least the level.
    pub allowed: bool,
    /// The user's level there.
    pub level: Level,
    /// The case role that decided, if the user has one in the case.
    pub case_role: Option<RoleId>,
    /// The account's policy version when asked.
    pub policy_version: PolicyVersion,
}

/// What the caller needs on an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Read,
    Manage,
}

/// The seats the account's billable users take: `(seats, each app's billable users)`.
fn seat_holders(rows: &[(Uuid, UserId)]) -> HashSet<UserId> {
    rows.iter().map(|(_, user)| *user).collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Which assignments a case policy is loaded with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Assignments {
    /// None: the roles alone (creating or editing a role).
    None,
    /// Every assignment in the app's cases (what deleting a case role counts).
    App,
    /// Those of one case (who-can there).
    Case(Uuid),
    /// One user's in one case (a check or an explanation: a primary-key lookup).
    UserInCase(Uuid, UserId),
}

/// Loads the case policy of `app`: its case roles and the `assignments` asked for.
pub(crate) fn load_case_policy(
    tx: &mut dyn Tx,
    account: AccountId,
    app: Uuid,
    assignments: Assignments,
) -> Result<Policy, ServiceError> {
    let roles = tx.case_roles(account, app)?;
    let assignments = match assignments {
        Assignments::None => Vec::new(),
        Assignments::App => tx.case_assignments(account, app, None)?,
        Assignments::Case(case) => tx.case_assignments(account, app, Some(case))?,
        Assignments::UserInCase(case, user) => tx
            .case_assignment(account, case, user)?
            .map(|role| CaseAssignment { case, user, role })
            .into_iter()
            .collect(),
    };
    case_policy(roles, assignments.iter().map(|a| (a.user, a.case, a.role))).map_err(|error| {
        ServiceError::Storage(StorageError::Corrupt {
            table: "case_roles",
            detail: error.to_string(),
        })
    })
}

/// Refuses a billable type that would pass the account's seat limit (locks the limit for
/// the rest of the transaction). A user already holding a seat elsewhere takes no new one.
fn take_seat(
    tx: &mut dyn Tx,
    account: AccountId,
    user: UserId,
    user_type: AppUserType,
) -> Result<(), ServiceError> {
    let limit = tx.lock_seats(account)?;
    if !user_type.billable() {
        return Ok(());
    }
    let holders = seat_holders(&tx.billable_app_users(account)?);
    if holders.contains(&user) {
        return Ok(());
    }
    Ok(check_seat(count(holders.len()), limit, user_type)?)
}

/// Creates an app with its first case; `creator` becomes its Administrator. Used by account
/// creation (the sample app) and by [`Tessera::create_app`].
pub(crate) fn insert_app(
    tx: &mut dyn Tx,
    account: AccountId,
    name: &str,
    creator: UserId,
    now: DateTime<Utc>,
) -> Result<CreatedApp, ServiceError> {
    let app = App {
        id: random_uuid(),
        name: name.to_owned(),
        created_by: creator,
        created_at: now,
    };
    tx.insert_app(account, &app).map_err(|error| match error {
        StorageError::Conflict { .. } => {
            ServiceError::conflict("name", format!("an app named `{name}` already exists"))
        }
        other => other.into(),
    })?;
    tx.set_app_users(
        account,
        app.id,
        &[(creator, AppUserType::Administrator)],
        now,
    )?;
    let first_case = Case {
        id: random_uuid(),
        app: app.id,
        title: FIRST_CASE.to_owned(),
        kind: CaseKind::Project,
        created_at: now,
    };
    tx.insert_case(account, &first_case)?;
    Ok(CreatedApp { app, first_case })
}

impl Tessera {
    /// The caller's level on an account feature.
    fn account_level(&self, caller: &AnyCaller, feature: &str) -> Result<Level, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        let id = policy.feature(feature)?;
        Ok(policy.level(caller.user, id)?)
    }

    /// The app, if the caller may see it (`Read`) or manage it (`Manage`).
    fn app_for(
        tx: &mut dyn Tx,
        caller: &AnyCaller,
        workspace: Level,
        app: Uuid,
        need: Need,
    ) -> Result<App, ServiceError> {
        let found = tx
            .app(caller.account, app)?
            .ok_or(ServiceError::NotFound { what: "app" })?;
        let user_type = tx.app_user_type(caller.account, app, caller.user)?;
        let (allowed, level) = match need {
            Need::Read => (
                workspace.allows(Level::Read) || user_type.is_some(),
                Level::Read,
            ),
            Need::Manage => (
                workspace.allows(Level::Write) || user_type.is_some_and(AppUserType::manages),
                Level::Write,
            ),
        };
        if allowed {
            Ok(found)
        } else {
            Err(ServiceError::Forbidden {
                feature: WORKSPACE.to_owned(),
                level,
            })
        }
    }

    /// The app, if the caller may manage it.
    pub(crate) fn app_managed_by(
        tx: &mut dyn Tx,
        caller: &AnyCaller,
        workspace: Level,
        app: Uuid,
    ) -> Result<App, ServiceError> {
        Self::app_for(tx, caller, workspace, app, Need::Manage)
    }

    /// The case and its app, if the caller may see (or manage) the app.
    fn case_for(
        tx: &mut dyn Tx,
        caller: &AnyCaller,
        workspace: Level,
        case: Uuid,
        need: Need,
    ) -> Result<(App, Case), ServiceError> {
        let found = tx
            .case(caller.account, case)?
            .ok_or(ServiceError::NotFound { what: "case" })?;
        let app = Self::app_for(tx, caller, workspace, found.app, need)?;
        Ok((app, found))
    }

    /// Creates an app (`workspace: write`) with its first case; the caller becomes its
    /// Administrator (a billable seat).
    pub fn create_app(&self, caller: &Caller, name: &str) -> Result<CreatedApp, ServiceError> {
        self.authorized(caller, WORKSPACE, Level::Write)?;
        let name = crate::names::clean("name", name, MAX_APP_NAME_CHARS)?;
        let now = self.now();
        self.write(|tx| {
            take_seat(tx, caller.account, caller.user, AppUserType::Administrator)?;
            let created = insert_app(tx, caller.account, &name, caller.user, now)?;
            let detail = json!({ "name": name, "first_case": created.first_case.id });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AppCreate,
                created.app.id,
                detail,
            )?;
            Ok(created)
        })
    }

    /// The apps the caller may see, by name: all of them with `workspace: read`, else those
    /// they are a user of.
    pub fn apps(&self, caller: &Caller) -> Result<Vec<App>, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.read(|tx| {
            let apps = tx.apps(caller.account)?;
            if workspace.allows(Level::Read) {
                return Ok(apps);
            }
            let mut mine = Vec::new();
            for app in apps {
                if tx
                    .app_user_type(caller.account, app.id, caller.user)?
                    .is_some()
                {
                    mine.push(app);
                }
            }
            Ok(mine)
        })
    }

    /// One app.
    pub fn app(&self, caller: &Caller, app: Uuid) -> Result<App, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.read(|tx| Self::app_for(tx, caller, workspace, app, Need::Read))
    }

    /// Creates a case in an app.
    pub fn create_case(
        &self,
        caller: &Caller,
        app: Uuid,
        title: &str,
        kind: CaseKind,
    ) -> Result<Case, ServiceError> {
        let title = crate::names::clean("title", title, MAX_CASE_TITLE_CHARS)?;
        let workspace = self.account_level(caller, WORKSPACE)?;
        let now = self.now();
        self.write(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Manage)?;
            let case = Case {
                id: random_uuid(),
                app,
                title,
                kind,
                created_at: now,
            };
            tx.insert_case(caller.account, &case)?;
            let detail = json!({ "app": app, "title": case.title, "kind": kind.as_str() });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::CaseCreate,
                case.id,
                detail,
            )?;
            Ok(case)
        })
    }

    /// An app's cases, oldest first.
    pub fn cases(&self, caller: &Caller, app: Uuid) -> Result<Vec<Case>, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.read(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Read)?;
            Ok(tx.cases(caller.account, app)?)
        })
    }

    /// One case with its assignments.
    pub fn case(
        &self,
        caller: &Caller,
        case: Uuid,
    ) -> Result<(Case, Vec<CaseAssignment>), ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.read(|tx| {
            let (app, found) = Self::case_for(tx, caller, workspace, case, Need::Read)?;
            let assignments = tx.case_assignments(caller.account, app.id, Some(case))?;
            Ok((found, assignments))
        })
    }

    /// Deletes a case with its assignments.
    pub fn delete_case(&self, caller: &Caller, case: Uuid) -> Result<(), ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.write(|tx| {
            let (app, _) = Self::case_for(tx, caller, workspace, case, Need::Manage)?;
            tx.delete_case(caller.account, case)?;
            let detail = json!({ "app": app.id });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::CaseDelete,
                case,
                detail,
            )
        })
    }

    /// An app's case roles: the predefined Staff, Client and Bot, then its custom ones.
    pub fn case_roles(&self, caller: &Caller, app: Uuid) -> Result<Vec<Role>, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.read(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Read)?;
            let mut roles = predefined_case_roles()?.to_vec();
            roles.extend(tx.case_roles(caller.account, app)?);
            Ok(roles)
        })
    }

    /// Creates a custom case role; case features it does not list inherit from `case`
    /// (`none` when `case` is not set either).
    pub fn create_case_role(
        &self,
        caller: &Caller,
        app: Uuid,
        name: &str,
        settings: std::collections::BTreeMap<FeaturePath, Setting>,
    ) -> Result<Role, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        let role = Role {
            id: RoleId::from_uuid(random_uuid()),
            name: Role::normalize_name(name)?,
            predefined: false,
            settings,
        };
        let now = self.now();
        self.write(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Manage)?;
            let mut policy = load_case_policy(tx, caller.account, app, Assignments::None)?;
            policy.add_role(role.clone())?;
            let stored = policy.role(role.id)?;
            tx.insert_case_role(caller.account, app, &stored, now)?;
            let detail = json!({ "app": app, "name": stored.name });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::CaseRoleCreate,
                stored.id,
                detail,
            )?;
            Ok(stored)
        })
    }

    /// Replaces a custom case role's name and settings (predefined ones are read-only).
    pub fn update_case_role(
        &self,
        caller: &Caller,
        app: Uuid,
        id: RoleId,
        name: &str,
        settings: std::collections::BTreeMap<FeaturePath, Setting>,
    ) -> Result<Role, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        let role = Role {
            id,
            name: Role::normalize_name(name)?,
            predefined: false,
            settings,
        };
        self.write(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Manage)?;
            let mut policy = load_case_policy(tx, caller.account, app, Assignments::None)?;
            if policy.role(id).is_err() {
                return Err(ServiceError::NotFound { what: "case role" });
            }
            policy.update_role(role)?;
            let stored = policy.role(id)?;
            tx.replace_case_role(caller.account, app, &stored)?;
            let detail = json!({ "app": app, "name": stored.name });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::CaseRoleUpdate,
                id,
                detail,
            )?;
            Ok(stored)
        })
    }

    /// Deletes a custom case role, refused while any assignment holds it (the error says how
    /// many).
    pub fn delete_case_role(
        &self,
        caller: &Caller,
        app: Uuid,
        id: RoleId,
    ) -> Result<(), ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.write(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Manage)?;
            let mut policy = load_case_policy(tx, caller.account, app, Assignments::App)?;
            if policy.role(id).is_err() {
                return Err(ServiceError::NotFound { what: "case role" });
            }
            policy.delete_role(id)?;
            tx.delete_case_role(caller.account, app, id)?;
            let detail = json!({ "app": app });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::CaseRoleDelete,
                id,
                detail,
            )
        })
    }

    /// An app's users, by e-mail.
    pub fn app_users(&self, caller: &Caller, app: Uuid) -> Result<Vec<AppUser>, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.read(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Read)?;
            Ok(tx.app_users(caller.account, app)?)
        })
    }

    /// Adds a user of the account to an app with a type, or changes their type there. The
    /// Administrator's type never changes and nobody else becomes Administrator; a billable
    /// type past the seat limit is refused.
    pub fn set_app_user(
        &self,
        caller: &Caller,
        app: Uuid,
        user: UserId,
        user_type: AppUserType,
    ) -> Result<AppUser, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        let now = self.now();
        self.write(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Manage)?;
            if tx.user(caller.account, user)?.is_none() {
                return Err(ServiceError::NotFound { what: "user" });
            }
            let current = tx.app_user_type(caller.account, app, user)?;
            match current {
                Some(current) => change_user_type(current, Some(user_type))?,
                None if user_type == AppUserType::Administrator => {
                    return Err(CaseError::OneAdministrator.into());
                }
                None => {}
            }
            if current != Some(user_type) {
                take_seat(tx, caller.account, user, user_type)?;
                tx.set_app_users(caller.account, app, &[(user, user_type)], now)?;
                let action = if current.is_some() {
                    AuditAction::AppUserChangeType
                } else {
                    AuditAction::AppUserAdd
                };
                let detail = json!({ "app": app, "user_type": user_type.as_str() });
                self.record_event(tx, &Actor::caller(caller), action, user, detail)?;
            }
            tx.app_users(caller.account, app)?
                .into_iter()
                .find(|u| u.user == user)
                .ok_or(ServiceError::NotFound { what: "user" })
        })
    }

    /// Takes a user out of an app; their case assignments there end. The Administrator
    /// cannot be removed.
    pub fn remove_app_user(
        &self,
        caller: &Caller,
        app: Uuid,
        user: UserId,
    ) -> Result<(), ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.write(|tx| {
            Self::app_for(tx, caller, workspace, app, Need::Manage)?;
            let current = tx
                .app_user_type(caller.account, app, user)?
                .ok_or(ServiceError::NotFound { what: "app user" })?;
            change_user_type(current, None)?;
            tx.remove_app_user(caller.account, app, user)?;
            let detail = json!({ "app": app, "user_type": current.as_str() });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::AppUserRemove,
                user,
                detail,
            )
        })
    }

    /// Assigns a user of the case's app to the case with a case role (replacing the role
    /// they had there).
    pub fn assign_to_case(
        &self,
        caller: &Caller,
        case: Uuid,
        user: UserId,
        role: RoleId,
    ) -> Result<CaseAssignment, ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.write(|tx| {
            let (app, _) = Self::case_for(tx, caller, workspace, case, Need::Manage)?;
            if tx.app_user_type(caller.account, app.id, user)?.is_none() {
                return Err(ServiceError::invalid(
                    "user",
                    "the user is not in the case's app: add them to the app first",
                ));
            }
            let policy = load_case_policy(
                tx,
                caller.account,
                app.id,
                Assignments::UserInCase(case, user),
            )?;
            if policy.role(role).is_err() {
                return Err(ServiceError::invalid(
                    "role",
                    format!("no case role `{role}` in this app"),
                ));
            }
            let assignment = CaseAssignment { case, user, role };
            tx.set_case_assignments(caller.account, app.id, &[assignment])?;
            let detail = json!({ "user": user, "role": role });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::CaseAssign,
                case,
                detail,
            )?;
            Ok(assignment)
        })
    }

    /// Ends a user's assignment in a case.
    pub fn unassign_from_case(
        &self,
        caller: &Caller,
        case: Uuid,
        user: UserId,
    ) -> Result<(), ServiceError> {
        let workspace = self.account_level(caller, WORKSPACE)?;
        self.write(|tx| {
            Self::case_for(tx, caller, workspace, case, Need::Manage)?;
            if !tx.remove_case_assignment(caller.account, case, user)? {
                return Err(ServiceError::NotFound {
                    what: "case assignment",
                });
            }
            let detail = json!({ "user": user });
            self.record_event(
                tx,
                &Actor::caller(caller),
                AuditAction::CaseUnassign,
                case,
                detail,
            )
        })
    }

    /// Billable seats of the account and of each app (`settings: read`).
    pub fn seats(&self, caller: &Caller) -> Result<Seats, ServiceError> {
        self.authorized(caller, SETTINGS, Level::Read)?;
        self.read(|tx| {
            let limit = tx
                .account(caller.account)?
                .ok_or(ServiceError::NotFound { what: "account" })?
                .seat_limit;
            let rows = tx.billable_app_users(caller.account)?;
            let apps = tx
                .apps(caller.account)?
                .into_iter()
                .map(|app| AppSeats {
                    billable: count(rows.iter().filter(|(id, _)| *id == app.id).count()),
                    app: app.id,
                    name: app.name,
                })
                .collect();
            Ok(Seats {
                used: count(seat_holders(&rows).len()),
                limit,
                apps,
            })
        })
    }

    /// The case's policy with `user` known to it, after checking the caller may ask about
    /// `user` there; with the account's policy version.
    fn case_question(
        &self,
        caller: &AnyCaller,
        case: Uuid,
        user: Option<UserId>,
    ) -> Result<(Policy, PolicyVersion), ServiceError> {
        let account_policy = self.policy(caller.account, None)?;
        let level_of = |feature: &str| -> Result<Level, ServiceError> {
            Ok(account_policy.level(caller.user, account_policy.feature(feature)?)?)
        };
        let workspace = level_of(WORKSPACE)?;
        let sees_users = level_of(USER_MANAGEMENT)?.allows(Level::Read);
        let mut policy = self.read(|tx| {
            let (app, _) = Self::case_for(tx, caller, workspace, case, Need::Read)?;
            if user != Some(caller.user) && !sees_users {
                Self::app_for(tx, caller, workspace, app.id, Need::Manage).map_err(|_| {
                    ServiceError::Forbidden {
                        feature: USER_MANAGEMENT.to_owned(),
                        level: Level::Read,
                    }
                })?;
            }
            if let Some(user) = user
                && tx.user(caller.account, user)?.is_none()
            {
                return Err(ServiceError::NotFound { what: "user" });
            }
            let wanted = match user {
                Some(user) => Assignments::UserInCase(case, user),
                None => Assignments::Case(case),
            };
            load_case_policy(tx, caller.account, app.id, wanted)
        })?;
        if let Some(user) = user {
            policy.add_unassigned_user(user);
        }
        Ok((policy, account_policy.version()))
    }

    /// Has `user` at least `at_least` on case feature `feature` (`case/feed` …) in `case`?
    pub fn case_check(
        &self,
        caller: &AnyCaller,
        case: Uuid,
        user: UserId,
        feature: &str,
        at_least: Level,
    ) -> Result<CaseAnswer, ServiceError> {
        let (policy, policy_version) = self.case_question(caller, case, Some(user))?;
        let feature = policy.feature(feature)?;
        let scope = case_scope(case);
        let level = policy.level_in(user, scope, feature)?;
        Ok(CaseAnswer {
            allowed: level.allows(at_least),
            level,
            case_role: policy.role_in(user, scope)?,
            policy_version,
        })
    }

    /// Why `user` has their level on `feature` in `case`: the case role and where the level
    /// was set.
    pub fn case_explain(
        &self,
        caller: &AnyCaller,
        case: Uuid,
        user: UserId,
        feature: &str,
    ) -> Result<crate::checks::NamedExplanation, ServiceError> {
        let (policy, policy_version) = self.case_question(caller, case, Some(user))?;
        let feature = policy.feature(feature)?;
        let explanation: Explanation = policy.explain_in(user, case_scope(case), feature)?;
        let record = self.read(|tx| Ok(tx.user(caller.account, user)?))?;
        let who = record.map_or_else(|| user.to_string(), |u| u.shown_name().to_owned());
        Ok(crate::checks::NamedExplanation {
            summary: explanation.describe(&who),
            explanation,
            who,
            policy_version,
        })
    }

    /// Who has at least `at_least` on `feature` in `case`, sorted.
    pub fn case_who_can(
        &self,
        caller: &AnyCaller,
        case: Uuid,
        feature: &str,
        at_least: Level,
    ) -> Result<(Vec<UserId>, PolicyVersion), ServiceError> {
        let (policy, policy_version) = self.case_question(caller, case, None)?;
        let feature = policy.feature(feature)?;
        let assignments = self.read(|tx| {
            let found = tx
                .case(caller.account, case)?
                .ok_or(ServiceError::NotFound { what: "case" })?;
            Ok(tx.case_assignments(caller.account, found.app, Some(case))?)
        })?;
        let scope = case_scope(case);
        let mut users = Vec::new();
        for assignment in assignments {
            if policy.check_in(assignment.user, scope, feature, at_least)? {
                users.push(assignment.user);
            }
        }
        users.sort();
        Ok((users, policy_version))
    }
}
