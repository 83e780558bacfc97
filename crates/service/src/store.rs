//! The storage port: what the use cases ask of a database, and nothing about how it answers.
//! `tessera-store` implements it with diesel over SQLite and PostgreSQL; an embedder may bring
//! its own.
//!
//! A [`Store`] runs work on a [`Tx`] — one connection, in one transaction for writes. The
//! repository traits below are grouped by area; every method but the few marked *unscoped*
//! takes the account first. Implementations map rows to records and never decide a business
//! rule.

use chrono::{DateTime, Duration, Utc};
use tessera_access::{FeatureId, FeaturePath, Policy, PolicyVersion, Role};
use tessera_automations::{
    AccessState, Automation, EventType, Plan, RecentRuns, RunCursor, RunFilter, RunStatus,
    ShareCounts, StepResult,
};
use tessera_contacts::cases::AppUserType;
use tessera_contacts::visibility::Memberships;
use tessera_contacts::{Activation, Contact, Person, Project, Task};
use tessera_core::{AccountId, AuditEvent, RoleId, UserId, Uuid};
use tessera_invitations::Invitation;

use crate::ServiceError;
use crate::records::{
    AccessRecord, Account, ApiToken, App, AppUser, AuditFilter, Case, CaseAssignment, CatalogItem,
    Claimed, ClaimedRun, Comment, ContactSession, DeliveryOutcome, InvitationFilter, Notification,
    OutboxEntry, OutboxMessage, Pruned, RecipientGroup, RunRecord, Session, Share, StoredContact,
    StoredEvent, StoredInvitation, StoredMailbox, StoredReplyKey, StoredUserInvitation, TaskEvent,
    User,
};

/// What storage can fail with, whatever the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The database cannot be reached: no connection could be made or kept, or it is too busy
    /// to answer in time. Transient: the same call may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A unique constraint refused the write (`constraint` names it when the database says).
    #[error("already exists{}", constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Conflict {
        /// The violated constraint or index, when known.
        constraint: Option<String>,
    },
    /// A foreign key refused the write (the row is still referenced, or refers to nothing).
    #[error("still referenced or refers to nothing{}", constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Referenced {
        /// The violated constraint, when known.
        constraint: Option<String>,
    },
    /// The row to change does not exist in this account.
    #[error("not found")]
    NotFound,
    /// A stored value could not be read back into its record.
    #[error("corrupt row in `{table}`: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Any other database failure.
    #[error("database: {0}")]
    Failed(String),
}

/// Connections a store holds, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Connections {
    /// Open and idle.
    pub idle: u32,
    /// Open and in use.
    pub in_use: u32,
    /// The most it opens.
    pub max: u32,
}

/// Work run on a [`Tx`]; it returns `Ok(())` to commit (for writes).
pub type Work<'a> = dyn FnMut(&mut dyn Tx) -> Result<(), ServiceError> + 'a;

/// A database the use cases run on.
pub trait Store: Send + Sync + 'static {
    /// Runs `work` on one connection, outside any transaction (single reads).
    fn read(&self, work: &mut Work<'_>) -> Result<(), ServiceError>;

    /// Runs `work` in one transaction that may write: a writer from its first statement (so
    /// read-then-write transactions never deadlock on upgrade), committed when `work` returns
    /// `Ok` and rolled back when it returns an error.
    fn write(&self, work: &mut Work<'_>) -> Result<(), ServiceError>;

    /// Checks that the database answers.
    fn ping(&self) -> Result<(), StorageError>;

    /// The connections held now.
    fn connections(&self) -> Connections;
}

/// Accounts and their policy version.
pub trait AccountStore {
    /// Creates an account at policy version 0.
    fn create_account(
        &mut self,
        id: AccountId,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, StorageError>;
    /// How many accounts exist (*unscoped*: the first start asks).
    fn count_accounts(&mut self) -> Result<i64, StorageError>;
    /// Every account, oldest first (*unscoped*: for the operator).
    fn accounts(&mut self) -> Result<Vec<Account>, StorageError>;
    /// The account, if it exists.
    fn account(&mut self, account: AccountId) -> Result<Option<Account>, StorageError>;
    /// Replaces the account's name, invitation validity and seat limit.
    fn update_account(
        &mut self,
        account: AccountId,
        name: &str,
        invitation_validity_days: i64,
        seat_limit: Option<u32>,
    ) -> Result<(), StorageError>;
    /// The account's policy version.
    fn policy_version(&mut self, account: AccountId) -> Result<PolicyVersion, StorageError>;
    /// Bumps the account's policy version and returns the new one (serializes the account's
    /// policy writers for the rest of the transaction).
    fn bump_policy_version(&mut self, account: AccountId) -> Result<PolicyVersion, StorageError>;
    /// Locks the account for the rest of the write transaction, so seat-taking writes run one
    /// after another, and returns its seat limit.
    fn lock_seats(&mut self, account: AccountId) -> Result<Option<u32>, StorageError>;
    /// How many days the account's invitations stay valid.
    fn invitation_validity_days(&mut self, account: AccountId) -> Result<i64, StorageError>;
}

/// The account's policy: feature tree, roles, assignments.
pub trait PolicyStore {
    /// The whole policy at the account's stored version.
    fn load_policy(&mut self, account: AccountId) -> Result<Policy, StorageError>;
    /// Writes a whole policy for an account that has none yet.
    fn insert_policy(
        &mut self,
        account: AccountId,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Adds feature `path` with the engine's id `id`.
    fn insert_feature(
        &mut self,
        account: AccountId,
        path: &FeaturePath,
        id: FeatureId,
    ) -> Result<(), StorageError>;
    /// Adds a role with its settings.
    fn insert_role(
        &mut self,
        account: AccountId,
        role: &Role,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Replaces a role's name and settings.
    fn replace_role(&mut self, account: AccountId, role: &Role) -> Result<(), StorageError>;
    /// Deletes a role.
    fn delete_role(&mut self, account: AccountId, role: RoleId) -> Result<(), StorageError>;
}

/// Users of an account.
pub trait UserStore {
    /// Adds a user ([`StorageError::Conflict`] when the e-mail is taken).
    fn insert_user(&mut self, account: AccountId, user: &User) -> Result<(), StorageError>;
    /// The user, if the account has it.
    fn user(&mut self, account: AccountId, id: UserId) -> Result<Option<User>, StorageError>;
    /// Every user of the account, by e-mail.
    fn users(&mut self, account: AccountId) -> Result<Vec<User>, StorageError>;
    /// Gives a user another account-wide role.
    fn set_user_role(
        &mut self,
        account: AccountId,
        id: UserId,
        role: RoleId,
    ) -> Result<(), StorageError>;
    /// Replaces a user's password hash and must-change flag.
    fn set_password(
        &mut self,
        account: AccountId,
        id: UserId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<(), StorageError>;
    /// Sets or clears a user's display name.
    fn set_display_name(
        &mut self,
        account: AccountId,
        id: UserId,
        display_name: Option<&str>,
    ) -> Result<(), StorageError>;
    /// Sets or clears a user's "may grant client access" flag.
    fn set_may_grant_client_access(
        &mut self,
        account: AccountId,
        id: UserId,
        may_grant: bool,
    ) -> Result<(), StorageError>;
    /// Deletes a user; their sessions and tokens go with them.
    fn delete_user(&mut self, account: AccountId, id: UserId) -> Result<(), StorageError>;
    /// Every user with this e-mail, in any account (*unscoped*: sign-in is how a caller's
    /// account becomes known).
    fn users_by_email(&mut self, email: &str) -> Result<Vec<(AccountId, User)>, StorageError>;
}

/// Sign-in sessions, API tokens, and failed sign-ins.
pub trait CredentialStore {
    /// Stores a session.
    fn insert_session(&mut self, session: &Session) -> Result<(), StorageError>;
    /// The session with this hash, if still valid at `now` (*unscoped*: a request presents
    /// only its secret).
    fn valid_session(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StorageError>;
    /// Ends one session; returns whether there was one.
    fn delete_session(
        &mut self,
        account: AccountId,
        token_hash: &str,
    ) -> Result<bool, StorageError>;
    /// Ends every session of a user but `except`; returns how many.
    fn delete_sessions(
        &mut self,
        account: AccountId,
        user: UserId,
        except: Option<&str>,
    ) -> Result<usize, StorageError>;
    /// Stores an API token.
    fn insert_token(&mut self, token: &ApiToken) -> Result<(), StorageError>;
    /// The token with this hash, if still valid at `now` (*unscoped*, like sessions).
    fn valid_token(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiToken>, StorageError>;
    /// `user`'s API tokens (valid or not), oldest first.
    fn tokens(&mut self, account: AccountId, user: UserId) -> Result<Vec<ApiToken>, StorageError>;
    /// Deletes one of `user`'s tokens; returns whether there was one.
    fn delete_token(
        &mut self,
        account: AccountId,
        user: UserId,
        id: Uuid,
    ) -> Result<bool, StorageError>;
    /// Serializes sign-in attempts for `email` and from `client_addr` until the transaction
    /// ends, so counting failures and recording one cannot interleave.
    fn lock_sign_in(&mut self, email: &str, client_addr: &str) -> Result<(), StorageError>;
    /// Failed sign-ins for `email` since `email_since`, and from `client_addr` since
    /// `address_since` (*unscoped*: the e-mail may belong to no account).
    fn sign_in_failures(
        &mut self,
        email: &str,
        email_since: DateTime<Utc>,
        client_addr: &str,
        address_since: DateTime<Utc>,
    ) -> Result<(i64, i64), StorageError>;
    /// Records a failed (or not yet decided) sign-in.
    fn record_sign_in_failure(
        &mut self,
        id: Uuid,
        email: &str,
        client_addr: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Removes a recorded attempt (the password turned out right).
    fn forget_sign_in_failure(&mut self, id: Uuid) -> Result<(), StorageError>;
}

/// The audit trail.
pub trait AuditStore {
    /// Appends an event to its account's trail.
    fn append_audit(&mut self, event: &AuditEvent) -> Result<(), StorageError>;
    /// The account's events matching `filter`, newest first (time, then id), at most
    /// `limit`.
    fn audit_events(
        &mut self,
        account: AccountId,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StorageError>;
}

/// Shareable items and recipient groups.
pub trait CatalogStore {
    /// Inserts or replaces the item with `item.external_id`; returns its (kept) id.
    fn upsert_item(&mut self, account: AccountId, item: &CatalogItem)
    -> Result<Uuid, StorageError>;
    /// The item, if the account has it.
    fn item(&mut self, account: AccountId, id: Uuid) -> Result<Option<CatalogItem>, StorageError>;
    /// The item registered under the product's id, if any.
    fn item_by_external_id(
        &mut self,
        account: AccountId,
        external_id: &str,
    ) -> Result<Option<CatalogItem>, StorageError>;
    /// Every item of the account.
    fn items(&mut self, account: AccountId) -> Result<Vec<CatalogItem>, StorageError>;
    /// The wish lists that hold `item`.
    fn wish_lists_with(
        &mut self,
        account: AccountId,
        item: Uuid,
    ) -> Result<Vec<Uuid>, StorageError>;
    /// Deletes an item ([`StorageError::Referenced`] while a share holds it).
    fn delete_item(&mut self, account: AccountId, id: Uuid) -> Result<(), StorageError>;
    /// Inserts or replaces a group by id ([`StorageError::Conflict`] when the name is taken).
    fn save_group(
        &mut self,
        account: AccountId,
        group: &RecipientGroup,
    ) -> Result<(), StorageError>;
    /// Every group of the account, by name.
    fn groups(&mut self, account: AccountId) -> Result<Vec<RecipientGroup>, StorageError>;
    /// Deletes a group; returns whether there was one.
    fn delete_group(&mut self, account: AccountId, id: Uuid) -> Result<bool, StorageError>;
}

/// Shares, invitations, external sessions and failed code verifications.
pub trait SharingStore {
    /// Stores a share and its items.
    fn insert_share(&mut self, account: AccountId, share: &Share) -> Result<(), StorageError>;
    /// The share, if the account has it.
    fn share(&mut self, account: AccountId, id: Uuid) -> Result<Option<Share>, StorageError>;
    /// The ids of the shares that hold `item`.
    fn shares_with_item(
        &mut self,
        account: AccountId,
        item: Uuid,
    ) -> Result<Vec<Uuid>, StorageError>;
    /// The ids of the shares `sender` made.
    fn share_ids_by_sender(
        &mut self,
        account: AccountId,
        sender: UserId,
    ) -> Result<Vec<Uuid>, StorageError>;
    /// Stores a share's invitations.
    fn insert_invitations(
        &mut self,
        account: AccountId,
        share: Uuid,
        locale: &str,
        invitations: &[Invitation],
    ) -> Result<(), StorageError>;
    /// Writes back an invitation's state, secrets' tags, times and failure count.
    fn update_invitation(
        &mut self,
        account: AccountId,
        invitation: &Invitation,
    ) -> Result<(), StorageError>;
    /// The invitation, if the account has it.
    fn invitation(
        &mut self,
        account: AccountId,
        id: Uuid,
    ) -> Result<Option<StoredInvitation>, StorageError>;
    /// The account's invitations matching `filter`, by recipient.
    fn invitations(
        &mut self,
        account: AccountId,
        filter: &InvitationFilter,
    ) -> Result<Vec<StoredInvitation>, StorageError>;
    /// The invitation whose link token has this HMAC (*unscoped*: a link is how an
    /// outsider's request finds its account).
    fn invitation_by_link_tag(
        &mut self,
        tag: &[u8; 32],
    ) -> Result<Option<StoredInvitation>, StorageError>;
    /// Every invitation to `recipient`, locked for the rest of the transaction (*unscoped*:
    /// an e-mail and a code is how an outsider's request finds its invitation).
    fn invitations_to_locked(
        &mut self,
        recipient: &str,
    ) -> Result<Vec<StoredInvitation>, StorageError>;
    /// Opens an external session for an invitation (only the secret's hash is given).
    fn insert_external_session(
        &mut self,
        account: AccountId,
        invitation: Uuid,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// The invitation behind a valid external session (*unscoped*: the cookie is how an
    /// outsider's request finds its account).
    fn external_session(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredInvitation>, StorageError>;
    /// Ends every external session of an invitation; returns how many.
    fn end_external_sessions(
        &mut self,
        account: AccountId,
        invitation: Uuid,
    ) -> Result<usize, StorageError>;
    /// Records a failed code verification against `account` (`None`: an unknown address).
    fn record_verification_failure(
        &mut self,
        id: Uuid,
        account: Option<AccountId>,
        client_addr: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Failed verifications since `since`: from `client_addr`, and against each of
    /// `accounts` in order.
    fn verification_failures(
        &mut self,
        client_addr: &str,
        accounts: &[AccountId],
        since: DateTime<Utc>,
    ) -> Result<(i64, Vec<i64>), StorageError>;
}

/// The e-mail outbox (*unscoped* where it serves the sender loop, which serves every account).
pub trait OutboxStore {
    /// Writes messages (in the transaction of the change that causes them).
    fn enqueue(&mut self, messages: &[OutboxMessage]) -> Result<(), StorageError>;
    /// Claims up to `limit` messages due at `now` — pending ones whose time has come, and
    /// ones claimed longer than `lease` ago — marking them sending with one more attempt. A
    /// due row that cannot be read back is marked failed and reported, not returned.
    fn claim_due(
        &mut self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Claimed, StorageError>;
    /// Stores the outcome of delivering `message`.
    fn record_outcome(
        &mut self,
        message: &OutboxMessage,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Returns claimed messages that were never attempted to pending, due at `now`, their
    /// attempt uncounted (a sender stopping).
    fn release_claims(
        &mut self,
        messages: &[OutboxMessage],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// The account's outbox, oldest first.
    fn outbox_entries(&mut self, account: AccountId) -> Result<Vec<OutboxEntry>, StorageError>;
}

/// Contacts, their sign-ins and portal sessions.
pub trait ContactStore {
    /// Adds a contact ([`StorageError::Conflict`] when the e-mail is taken in the account).
    fn insert_contact(
        &mut self,
        account: AccountId,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Writes back a contact's name, e-mail, company, access, activation and locale; clears
    /// the password when the contact is no longer signed up.
    fn update_contact(&mut self, account: AccountId, contact: &Contact)
    -> Result<(), StorageError>;
    /// Stores the password hash of a contact who just activated access.
    fn set_contact_password(
        &mut self,
        account: AccountId,
        contact: Uuid,
        password_hash: &str,
    ) -> Result<(), StorageError>;
    /// The contact, if the account has it.
    fn contact(
        &mut self,
        account: AccountId,
        id: Uuid,
    ) -> Result<Option<StoredContact>, StorageError>;
    /// Every contact of the account, companies first, then by name.
    fn contacts(&mut self, account: AccountId) -> Result<Vec<StoredContact>, StorageError>;
    /// Deletes a contact ([`StorageError::Referenced`] while a person or project refers to
    /// it); returns whether there was one.
    fn delete_contact(&mut self, account: AccountId, id: Uuid) -> Result<bool, StorageError>;
    /// The contact whose activation link has this HMAC, locked for the rest of the
    /// transaction (*unscoped*: the link is how the request finds its account).
    fn contact_by_activation_tag_locked(
        &mut self,
        tag: &[u8; 32],
    ) -> Result<Option<StoredContact>, StorageError>;
    /// Every signed-up contact with this e-mail, in any account (*unscoped*: sign-in).
    fn contacts_by_email(&mut self, email: &str) -> Result<Vec<StoredContact>, StorageError>;
    /// Stores a portal session.
    fn insert_contact_session(&mut self, session: &ContactSession) -> Result<(), StorageError>;
    /// The portal session with this hash, if valid at `now`, and its contact (*unscoped*,
    /// like sessions).
    fn valid_contact_session(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(ContactSession, StoredContact)>, StorageError>;
    /// Ends one portal session; returns whether there was one.
    fn delete_contact_session(
        &mut self,
        account: AccountId,
        token_hash: &str,
    ) -> Result<bool, StorageError>;
    /// Ends every portal session of a contact; returns how many.
    fn end_contact_sessions(
        &mut self,
        account: AccountId,
        contact: Uuid,
    ) -> Result<usize, StorageError>;
}

/// Projects, tasks, the people on them, comments, history and reply keys.
pub trait ProjectStore {
    /// Adds a project with its auditors.
    fn insert_project(&mut self, account: AccountId, project: &Project)
    -> Result<(), StorageError>;
    /// Writes back a project's name, counterparty, managers and auditors.
    fn update_project(&mut self, account: AccountId, project: &Project)
    -> Result<(), StorageError>;
    /// The project, if the account has it.
    fn project(&mut self, account: AccountId, id: Uuid) -> Result<Option<Project>, StorageError>;
    /// The account's projects, by name; only those in `only` when given.
    fn projects(
        &mut self,
        account: AccountId,
        only: Option<&[Uuid]>,
    ) -> Result<Vec<Project>, StorageError>;
    /// Deletes a project with its tasks; returns whether there was one.
    fn delete_project(&mut self, account: AccountId, id: Uuid) -> Result<bool, StorageError>;
    /// Adds a task with its people.
    fn insert_task(&mut self, account: AccountId, task: &Task) -> Result<(), StorageError>;
    /// Writes back a task's fields and people.
    fn update_task(&mut self, account: AccountId, task: &Task) -> Result<(), StorageError>;
    /// The task, if the account has it.
    fn task(&mut self, account: AccountId, id: Uuid) -> Result<Option<Task>, StorageError>;
    /// The tasks of a project, oldest first; only those in `only` when given.
    fn tasks_of(
        &mut self,
        account: AccountId,
        project: Uuid,
        only: Option<&[Uuid]>,
    ) -> Result<Vec<Task>, StorageError>;
    /// Deletes a task; returns whether there was one.
    fn delete_task(&mut self, account: AccountId, id: Uuid) -> Result<bool, StorageError>;
    /// Where a contact appears: projects of their company (`company`), tasks they are on,
    /// projects they audit — read by index.
    fn memberships(
        &mut self,
        account: AccountId,
        contact: Uuid,
        company: Option<Uuid>,
    ) -> Result<Memberships, StorageError>;
    /// Adds a comment.
    fn insert_comment(&mut self, account: AccountId, comment: &Comment)
    -> Result<(), StorageError>;
    /// A task's comments, oldest first.
    fn comments(&mut self, account: AccountId, task: Uuid) -> Result<Vec<Comment>, StorageError>;
    /// Adds a history entry.
    fn insert_task_event(
        &mut self,
        account: AccountId,
        event: &TaskEvent,
    ) -> Result<(), StorageError>;
    /// One history entry, if the account has it.
    fn task_event(
        &mut self,
        account: AccountId,
        id: Uuid,
    ) -> Result<Option<TaskEvent>, StorageError>;
    /// A task's history, oldest first.
    fn task_events(
        &mut self,
        account: AccountId,
        task: Uuid,
    ) -> Result<Vec<TaskEvent>, StorageError>;
    /// Stores a reply key ([`StorageError::Conflict`] when the person has one on the task).
    fn insert_reply_key(&mut self, key: &StoredReplyKey) -> Result<(), StorageError>;
    /// The person's reply key on a task, if any.
    fn reply_key(
        &mut self,
        account: AccountId,
        task: Uuid,
        person: &Person,
    ) -> Result<Option<StoredReplyKey>, StorageError>;
    /// The reply key with this HMAC (*unscoped*: a reply is how the message finds its
    /// account).
    fn reply_key_by_tag(&mut self, tag: &[u8; 32]) -> Result<Option<StoredReplyKey>, StorageError>;
    /// Revokes every reply key of a person; returns how many.
    fn delete_reply_keys(
        &mut self,
        account: AccountId,
        person: &Person,
    ) -> Result<usize, StorageError>;
}

/// Apps, their cases, users, case roles and case assignments, and the invitations of people an
/// import added.
pub trait AppStore {
    /// Adds an app ([`StorageError::Conflict`] when the name is taken).
    fn insert_app(&mut self, account: AccountId, app: &App) -> Result<(), StorageError>;
    /// The app, if the account has it.
    fn app(&mut self, account: AccountId, id: Uuid) -> Result<Option<App>, StorageError>;
    /// The app with this id and its account (*unscoped*: an operator's command names an app
    /// by id alone).
    fn find_app(&mut self, id: Uuid) -> Result<Option<(AccountId, App)>, StorageError>;
    /// The account's apps, by name.
    fn apps(&mut self, account: AccountId) -> Result<Vec<App>, StorageError>;
    /// Adds a case.
    fn insert_case(&mut self, account: AccountId, case: &Case) -> Result<(), StorageError>;
    /// The case, if the account has it.
    fn case(&mut self, account: AccountId, id: Uuid) -> Result<Option<Case>, StorageError>;
    /// An app's cases, oldest first.
    fn cases(&mut self, account: AccountId, app: Uuid) -> Result<Vec<Case>, StorageError>;
    /// Deletes a case with its assignments; returns whether there was one.
    fn delete_case(&mut self, account: AccountId, id: Uuid) -> Result<bool, StorageError>;
    /// Adds users to an app or changes their type, many at once.
    fn set_app_users(
        &mut self,
        account: AccountId,
        app: Uuid,
        users: &[(UserId, AppUserType)],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// An app's users, by e-mail.
    fn app_users(&mut self, account: AccountId, app: Uuid) -> Result<Vec<AppUser>, StorageError>;
    /// A user's type in an app, if they are in it.
    fn app_user_type(
        &mut self,
        account: AccountId,
        app: Uuid,
        user: UserId,
    ) -> Result<Option<AppUserType>, StorageError>;
    /// Takes a user out of an app (their case assignments there go too); returns whether they
    /// were in it.
    fn remove_app_user(
        &mut self,
        account: AccountId,
        app: Uuid,
        user: UserId,
    ) -> Result<bool, StorageError>;
    /// Every `(app, user)` of the account holding a billable type.
    fn billable_app_users(
        &mut self,
        account: AccountId,
    ) -> Result<Vec<(Uuid, UserId)>, StorageError>;
    /// The apps a user is the Administrator of.
    fn apps_administered_by(
        &mut self,
        account: AccountId,
        user: UserId,
    ) -> Result<Vec<Uuid>, StorageError>;
    /// Adds a custom case role to an app ([`StorageError::Conflict`] when the name is taken).
    fn insert_case_role(
        &mut self,
        account: AccountId,
        app: Uuid,
        role: &Role,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Replaces a custom case role's name and settings.
    fn replace_case_role(
        &mut self,
        account: AccountId,
        app: Uuid,
        role: &Role,
    ) -> Result<(), StorageError>;
    /// Deletes a custom case role.
    fn delete_case_role(
        &mut self,
        account: AccountId,
        app: Uuid,
        role: RoleId,
    ) -> Result<(), StorageError>;
    /// An app's custom case roles, oldest first.
    fn case_roles(&mut self, account: AccountId, app: Uuid) -> Result<Vec<Role>, StorageError>;
    /// Sets (or replaces) case assignments of an app, many at once.
    fn set_case_assignments(
        &mut self,
        account: AccountId,
        app: Uuid,
        assignments: &[CaseAssignment],
    ) -> Result<(), StorageError>;
    /// Ends a user's assignment in a case; returns whether there was one.
    fn remove_case_assignment(
        &mut self,
        account: AccountId,
        case: Uuid,
        user: UserId,
    ) -> Result<bool, StorageError>;
    /// A user's case role in a case, if they have one.
    fn case_assignment(
        &mut self,
        account: AccountId,
        case: Uuid,
        user: UserId,
    ) -> Result<Option<RoleId>, StorageError>;
    /// The assignments in an app's cases, or in one `case` of it.
    fn case_assignments(
        &mut self,
        account: AccountId,
        app: Uuid,
        case: Option<Uuid>,
    ) -> Result<Vec<CaseAssignment>, StorageError>;
    /// Adds many users at once (an import's new people).
    fn insert_users(&mut self, account: AccountId, users: &[User]) -> Result<(), StorageError>;
    /// Stores the pending invitations of users (replacing earlier ones).
    fn set_user_invitations(
        &mut self,
        account: AccountId,
        invitations: &[(UserId, Activation)],
    ) -> Result<(), StorageError>;
    /// A user's pending invitation, if any.
    fn user_invitation(
        &mut self,
        account: AccountId,
        user: UserId,
    ) -> Result<Option<Activation>, StorageError>;
    /// The pending invitation whose link has this tag, locked for the rest of a write
    /// transaction (*unscoped*: the link is all its holder has).
    fn user_invitation_by_tag_locked(
        &mut self,
        tag: &[u8; 32],
    ) -> Result<Option<StoredUserInvitation>, StorageError>;
    /// Deletes a user's pending invitation; returns whether there was one.
    fn delete_user_invitation(
        &mut self,
        account: AccountId,
        user: UserId,
    ) -> Result<bool, StorageError>;
}

/// Shared automations: the account's gate, event types, automations and who they are shared
/// with, mailboxes, events, durable runs and their steps, notifications.
pub trait AutomationStore {
    /// The account's plan and automations beta switch.
    fn automation_gate(&mut self, account: AccountId) -> Result<(Plan, bool), StorageError>;
    /// Sets the account's plan and beta switch.
    fn set_automation_gate(
        &mut self,
        account: AccountId,
        plan: Plan,
        beta: bool,
    ) -> Result<(), StorageError>;
    /// Declares an event type or replaces its fields.
    fn put_event_type(
        &mut self,
        account: AccountId,
        event_type: &EventType,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// The event types the account declared, by name.
    fn event_types(&mut self, account: AccountId) -> Result<Vec<EventType>, StorageError>;
    /// One event type, if declared.
    fn event_type(
        &mut self,
        account: AccountId,
        name: &str,
    ) -> Result<Option<EventType>, StorageError>;
    /// Adds an automation.
    fn insert_automation(
        &mut self,
        account: AccountId,
        automation: &Automation,
    ) -> Result<(), StorageError>;
    /// Replaces an automation's definition, switch and owner.
    fn update_automation(
        &mut self,
        account: AccountId,
        automation: &Automation,
    ) -> Result<(), StorageError>;
    /// Deletes an automation with its shares and runs; returns whether there was one.
    fn delete_automation(&mut self, account: AccountId, id: Uuid) -> Result<bool, StorageError>;
    /// The automation, if the account has it; locked for the rest of a write transaction
    /// when `lock` (changes to it and its shares then run one after another).
    fn automation(
        &mut self,
        account: AccountId,
        id: Uuid,
        lock: bool,
    ) -> Result<Option<Automation>, StorageError>;
    /// The account's automations by name, each with its share counts and `viewer`'s own
    /// standing; only those shared with `viewer` when `only_shared`.
    fn automations(
        &mut self,
        account: AccountId,
        viewer: UserId,
        only_shared: bool,
    ) -> Result<Vec<(Automation, ShareCounts, Option<AccessState>)>, StorageError>;
    /// The active automations triggered by `event_type`.
    fn automations_for_event(
        &mut self,
        account: AccountId,
        event_type: &str,
    ) -> Result<Vec<Automation>, StorageError>;
    /// Sets users' standing with an automation (adds or replaces).
    fn set_access(
        &mut self,
        account: AccountId,
        automation: Uuid,
        records: &[AccessRecord],
    ) -> Result<(), StorageError>;
    /// Ends users' access; returns how many had it.
    fn remove_access(
        &mut self,
        account: AccountId,
        automation: Uuid,
        users: &[UserId],
    ) -> Result<usize, StorageError>;
    /// Everyone an automation is shared with, by user id.
    fn access(
        &mut self,
        account: AccountId,
        automation: Uuid,
    ) -> Result<Vec<AccessRecord>, StorageError>;
    /// The users who have each of `automations` active, by automation.
    fn activated_users(
        &mut self,
        account: AccountId,
        automations: &[Uuid],
    ) -> Result<Vec<(Uuid, UserId)>, StorageError>;
    /// Sets (or replaces) a user's mailbox identity.
    fn set_mailbox(
        &mut self,
        account: AccountId,
        user: UserId,
        mailbox: &StoredMailbox,
    ) -> Result<(), StorageError>;
    /// A user's mailbox identity, if set.
    fn mailbox(
        &mut self,
        account: AccountId,
        user: UserId,
    ) -> Result<Option<StoredMailbox>, StorageError>;
    /// Removes a user's mailbox identity; returns whether there was one.
    fn delete_mailbox(&mut self, account: AccountId, user: UserId) -> Result<bool, StorageError>;
    /// Keeps events for the runs they start.
    fn insert_events(
        &mut self,
        account: AccountId,
        events: &[StoredEvent],
    ) -> Result<(), StorageError>;
    /// Events by id (missing ones are left out).
    fn events(
        &mut self,
        account: AccountId,
        ids: &[Uuid],
    ) -> Result<Vec<StoredEvent>, StorageError>;
    /// The step results of many runs, each run's in step order.
    fn steps_of(
        &mut self,
        account: AccountId,
        runs: &[Uuid],
    ) -> Result<Vec<(Uuid, StepResult)>, StorageError>;
    /// Adds the first result of many steps at once.
    fn insert_steps(
        &mut self,
        account: AccountId,
        results: &[(Uuid, StepResult)],
    ) -> Result<(), StorageError>;
    /// Ends many runs at once: `(run, status, error)`.
    fn finish_runs(
        &mut self,
        account: AccountId,
        ends: &[(Uuid, RunStatus, Option<String>)],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Writes queued runs.
    fn insert_runs(&mut self, account: AccountId, runs: &[RunRecord]) -> Result<(), StorageError>;
    /// Takes up to `limit` runs to work on (*unscoped*: the runner serves every account):
    /// queued ones, oldest first, and running ones a runner took longer than `lease` ago
    /// (its process died); marks them running, taken at `now`.
    fn claim_runs(
        &mut self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedRun>, StorageError>;
    /// Keeps runs a runner holds from being taken again for another lease.
    fn renew_run_claims(
        &mut self,
        account: AccountId,
        runs: &[Uuid],
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// A run's step results, in step order.
    fn run_steps(&mut self, account: AccountId, run: Uuid)
    -> Result<Vec<StepResult>, StorageError>;
    /// Records (or replaces) a step's result.
    fn record_step(
        &mut self,
        account: AccountId,
        run: Uuid,
        result: &StepResult,
    ) -> Result<(), StorageError>;
    /// A run of one of the account's automations, if any.
    fn run(&mut self, account: AccountId, id: Uuid) -> Result<Option<RunRecord>, StorageError>;
    /// A page of an automation's runs matching `filter`, newest first, after `cursor`.
    fn runs(
        &mut self,
        account: AccountId,
        automation: Uuid,
        filter: &RunFilter,
        after: Option<RunCursor>,
        limit: u32,
    ) -> Result<Vec<RunRecord>, StorageError>;
    /// A user's finished runs of an automation since `since`, and how many failed.
    fn recent_runs(
        &mut self,
        account: AccountId,
        automation: Uuid,
        user: UserId,
        since: DateTime<Utc>,
    ) -> Result<RecentRuns, StorageError>;
    /// Raises a notification.
    fn insert_notification(
        &mut self,
        account: AccountId,
        notification: &Notification,
    ) -> Result<(), StorageError>;
    /// One notification, if the account has it.
    fn notification(
        &mut self,
        account: AccountId,
        id: Uuid,
    ) -> Result<Option<Notification>, StorageError>;
    /// A user's notifications, newest first.
    fn notifications(
        &mut self,
        account: AccountId,
        user: UserId,
        limit: i64,
    ) -> Result<Vec<Notification>, StorageError>;
}

/// Removing rows nothing reads any more (*unscoped*).
pub trait Housekeeping {
    /// Deletes sessions expired at `now` and failure records older than `failures_before`.
    fn prune(
        &mut self,
        now: DateTime<Utc>,
        failures_before: DateTime<Utc>,
    ) -> Result<Pruned, StorageError>;
}

/// One connection of a [`Store`]: every repository at once.
pub trait Tx:
    AccountStore
    + PolicyStore
    + UserStore
    + CredentialStore
    + AuditStore
    + CatalogStore
    + SharingStore
    + OutboxStore
    + ContactStore
    + ProjectStore
    + AppStore
    + AutomationStore
    + Housekeeping
{
}

impl<T> Tx for T where
    T: AccountStore
        + PolicyStore
        + UserStore
        + CredentialStore
        + AuditStore
        + CatalogStore
        + SharingStore
        + OutboxStore
        + ContactStore
        + ProjectStore
        + AppStore
        + AutomationStore
        + Housekeeping
{
}
