//! Users of the caller's account: list (`user_management: read`), add, change role, delete
//! (`user_management: write`).

use chrono::{DateTime, Utc};
use tessera_access::{Level, PolicyVersion, USER_MANAGEMENT};
use tessera_core::{AuditAction, RoleId, UserId};

use crate::records::User;
use crate::{Caller, ServiceError, StorageError, Tessera, new_secret, passwords, random_uuid};

/// A user as callers see them (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    /// Id.
    pub id: UserId,
    /// Sign-in e-mail.
    pub email: String,
    /// Account-wide role.
    pub role: RoleId,
    /// True until the initial password was replaced.
    pub must_change_password: bool,
    /// When added.
    pub created_at: DateTime<Utc>,
    /// A name people recognise, when given.
    pub display_name: Option<String>,
    /// The card's "may grant client access" flag.
    pub may_grant_client_access: bool,
}

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

impl From<User> for UserSummary {
    fn from(user: User) -> Self {
        UserSummary {
            id: user.id,
            email: user.email,
            role: user.role,
            must_change_password: user.must_change_password,
            created_at: user.created_at,
            display_name: user.display_name,
            may_grant_client_access: user.may_grant_client_access,
        }
    }
}

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in e-mail, unique in the account.
    pub email: String,
    /// The account-wide role (required).
    pub role: RoleId,
    /// The initial password; generated (and returned once) when absent.
    pub initial_password: Option<String>,
    /// A name people recognise, if any.
    pub display_name: Option<String>,
}

/// The user added.
#[derive(Debug, Clone)]
pub struct AddedUser {
    /// The user.
    pub user: UserSummary,
    /// The generated initial password (shown once); `None` when the caller chose it.
    pub initial_password: Option<String>,
    /// The policy version that includes the user.
    pub policy_version: PolicyVersion,
}

impl Tessera {
    /// One user of the account: oneself, or anyone with `user_management: read`.
    pub fn user(&self, caller: &Caller, id: UserId) -> Result<UserSummary, ServiceError> {
        if id != caller.user {
            self.authorized(caller, USER_MANAGEMENT, Level::Read)?;
        }
        let found = self.read(|tx| Ok(tx.user(caller.account, id)?))?;
        found
            .map(UserSummary::from)
            .ok_or(ServiceError::NotFound { what: "user" })
    }

    /// Sets or clears a user's display name: one's own, or anyone's with
    /// `user_management: write`.
    pub fn rename_user(
        &self,
        caller: &Caller,
        id: UserId,
        display_name: Option<&str>,
    ) -> Result<UserSummary, ServiceError> {
        if id != caller.user {
            self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        }
        let display_name = display_name
            .map(|shown| crate::names::clean("display_name", shown, MAX_DISPLAY_NAME_CHARS))
            .transpose()?;
        self.write(|tx| {
            if tx.user(caller.account, id)?.is_none() {
                return Err(ServiceError::NotFound { what: "user" });
            }
            tx.set_display_name(caller.account, id, display_name.as_deref())?;
            let detail = serde_json::json!({ "display_name": display_name });
            self.record_event(
                tx,
                &crate::Actor::caller(caller),
                AuditAction::UserRename,
                id,
                detail,
            )?;
            tx.user(caller.account, id)?
                .map(UserSummary::from)
                .ok_or(ServiceError::NotFound { what: "user" })
        })
    }

    /// The account's users, by e-mail.
    pub fn users(&self, caller: &Caller) -> Result<Vec<UserSummary>, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Read)?;
        let users = self.read(|tx| Ok(tx.users(caller.account)?))?;
        Ok(users.into_iter().map(UserSummary::from).collect())
    }

    /// Adds a user who must change the initial password at first sign-in.
    pub fn add_user(&self, caller: &Caller, new: NewUser) -> Result<AddedUser, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        let email = crate::normalize_email("email", &new.email)?;
        let display_name = new
            .display_name
            .as_deref()
            .map(|shown| crate::names::clean("display_name", shown, MAX_DISPLAY_NAME_CHARS))
            .transpose()?;
        let generated = new.initial_password.is_none();
        let password = match new.initial_password {
            Some(password) => {
                passwords::validate_new_password("initial_password", &password)?;
                password
            }
            None => new_secret().to_string(),
        };
        let user = User {
            id: UserId::from_uuid(random_uuid()),
            email,
            password_hash: passwords::hash_password(&password)?,
            display_name,
            must_change_password: true,
            role: new.role,
            created_at: self.now(),
            may_grant_client_access: false,
        };
        let account = caller.account;
        let ((), version) =
            self.change_policy(caller, AuditAction::UserAdd, user.id, |tx, policy| {
                policy.assign(user.id, user.role)?;
                tx.insert_user(account, &user).map_err(|error| match error {
                    StorageError::Conflict { .. } => ServiceError::conflict(
                        "email",
                        format!("a user with e-mail `{}` already exists", user.email),
                    ),
                    other => other.into(),
                })
            })?;
        Ok(AddedUser {
            user: user.into(),
            initial_password: generated.then_some(password),
            policy_version: version,
        })
    }

    /// Gives a user another account-wide role. Changing one's own role is refused, like
    /// deleting oneself: it could leave the account without an administrator.
    pub fn change_user_role(
        &self,
        caller: &Caller,
        user: UserId,
        role: RoleId,
    ) -> Result<PolicyVersion, ServiceError> {
        if user == caller.user {
            return Err(ServiceError::conflict(
                "id",
                "you cannot change your own role",
            ));
        }
        self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        let account = caller.account;
        let ((), version) =
            self.change_policy(caller, AuditAction::UserChangeRole, user, |tx, policy| {
                if policy.role_of(user).is_err() {
                    return Err(ServiceError::NotFound { what: "user" });
                }
                policy.assign(user, role)?;
                Ok(tx.set_user_role(account, user, role)?)
            })?;
        Ok(version)
    }

    /// Deletes a user: their sessions and tokens end in the same transaction. Deleting
    /// oneself is refused (it could leave the account without an administrator).
    pub fn delete_user(
        &self,
        caller: &Caller,
        user: UserId,
    ) -> Result<PolicyVersion, ServiceError> {
        self.authorized(caller, USER_MANAGEMENT, Level::Write)?;
        if user == caller.user {
            return Err(ServiceError::conflict("id", "you cannot delete yourself"));
        }
        let account = caller.account;
        let ((), version) =
            self.change_policy(caller, AuditAction::UserDelete, user, |tx, policy| {
                if policy.remove_user(user).is_err() {
                    return Err(ServiceError::NotFound { what: "user" });
                }
                let administered = tx.apps_administered_by(account, user)?;
                if !administered.is_empty() {
                    return Err(ServiceError::conflict(
                        "id",
                        format!(
                            "the user is the Administrator of {} app(s), who cannot be removed",
                            administered.len()
                        ),
                    ));
                }
                tx.delete_sessions(account, user, None)?;
                tx.delete_reply_keys(account, &tessera_contacts::Person::User(user))?;
                Ok(tx.delete_user(account, user)?)
            })?;
        self.0.credentials.forget_user(account, user);
        Ok(version)
    }
}
