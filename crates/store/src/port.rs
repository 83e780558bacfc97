//! `tessera-service`'s repository traits on [`DbConnection`]: each method is one repository
//! function of this crate, its error mapped to the port's [`StorageError`]. Lookups the port
//! asks as `Option` turn this crate's [`StoreError::NotFound`] into `None`.

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
use tessera_service::records::{
    AccessRecord, ClaimedRun, Notification, RunRecord, StoredEvent, StoredMailbox,
};
use tessera_service::records::{
    Account, ApiToken, App, AppUser, AuditFilter, Case, CaseAssignment, CatalogItem, Claimed,
    Comment, ContactSession, DeliveryOutcome, InvitationFilter, OutboxEntry, OutboxMessage, Pruned,
    RecipientGroup, Session, Share, StoredContact, StoredInvitation, StoredReplyKey,
    StoredUserInvitation, TaskEvent, User,
};
use tessera_service::{
    AccountStore, AppStore, AuditStore, AutomationStore, CatalogStore, ContactStore,
    CredentialStore, Housekeeping, OutboxStore, PolicyStore, ProjectStore, SharingStore,
    StorageError, UserStore,
};

use crate::{
    DbConnection, StoreError, accounts, api_tokens, apps, attempts, audit, automations, contacts,
    external_sessions, housekeeping, invitations, items, outbox, policies, projects, sessions,
    shares, users,
};

/// The port's result.
type Result<T> = std::result::Result<T, StorageError>;

/// A lookup by key: a missing row is `None`, any other failure an error.
fn found<T>(result: std::result::Result<T, StoreError>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

impl AccountStore for DbConnection {
    fn create_account(&mut self, id: AccountId, name: &str, now: DateTime<Utc>) -> Result<Account> {
        Ok(accounts::create(self, id, name, now)?)
    }

    fn count_accounts(&mut self) -> Result<i64> {
        Ok(accounts::count(self)?)
    }

    fn accounts(&mut self) -> Result<Vec<Account>> {
        Ok(accounts::list(self)?)
    }

    fn account(&mut self, account: AccountId) -> Result<Option<Account>> {
        found(accounts::get(self, account))
    }

    fn update_account(
        &mut self,
        account: AccountId,
        name: &str,
        days: i64,
        seat_limit: Option<u32>,
    ) -> Result<()> {
        Ok(accounts::update_settings(
            self, account, name, days, seat_limit,
        )?)
    }

    fn lock_seats(&mut self, account: AccountId) -> Result<Option<u32>> {
        Ok(accounts::lock_seats(self, account)?)
    }

    fn policy_version(&mut self, account: AccountId) -> Result<PolicyVersion> {
        Ok(accounts::policy_version(self, account)?)
    }

    fn bump_policy_version(&mut self, account: AccountId) -> Result<PolicyVersion> {
        Ok(accounts::bump_policy_version(self, account)?)
    }

    fn invitation_validity_days(&mut self, account: AccountId) -> Result<i64> {
        Ok(accounts::invitation_validity_days(self, account)?)
    }
}

impl PolicyStore for DbConnection {
    fn load_policy(&mut self, account: AccountId) -> Result<Policy> {
        Ok(policies::load(self, account)?)
    }

    fn insert_policy(
        &mut self,
        account: AccountId,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(policies::insert_policy(self, account, policy, now)?)
    }

    fn insert_feature(
        &mut self,
        account: AccountId,
        path: &FeaturePath,
        id: FeatureId,
    ) -> Result<()> {
        Ok(policies::insert_feature(self, account, path, id)?)
    }

    fn insert_role(&mut self, account: AccountId, role: &Role, now: DateTime<Utc>) -> Result<()> {
        Ok(policies::insert_role(self, account, role, now)?)
    }

    fn replace_role(&mut self, account: AccountId, role: &Role) -> Result<()> {
        Ok(policies::replace_role(self, account, role)?)
    }

    fn delete_role(&mut self, account: AccountId, role: RoleId) -> Result<()> {
        Ok(policies::delete_role(self, account, role)?)
    }
}

impl UserStore for DbConnection {
    fn insert_user(&mut self, account: AccountId, user: &User) -> Result<()> {
        users::insert(self, account, user)?;
        Ok(())
    }

    fn user(&mut self, account: AccountId, id: UserId) -> Result<Option<User>> {
        found(users::get(self, account, id))
    }

    fn users(&mut self, account: AccountId) -> Result<Vec<User>> {
        Ok(users::list(self, account)?)
    }

    fn set_user_role(&mut self, account: AccountId, id: UserId, role: RoleId) -> Result<()> {
        Ok(users::set_role(self, account, id, role)?)
    }

    fn set_password(
        &mut self,
        account: AccountId,
        id: UserId,
        password_hash: &str,
        must_change: bool,
    ) -> Result<()> {
        Ok(users::set_password(
            self,
            account,
            id,
            password_hash,
            must_change,
        )?)
    }

    fn set_display_name(
        &mut self,
        account: AccountId,
        id: UserId,
        name: Option<&str>,
    ) -> Result<()> {
        Ok(users::set_display_name(self, account, id, name)?)
    }

    fn set_may_grant_client_access(
        &mut self,
        account: AccountId,
        id: UserId,
        may_grant: bool,
    ) -> Result<()> {
        Ok(users::set_may_grant_client_access(
            self, account, id, may_grant,
        )?)
    }

    fn delete_user(&mut self, account: AccountId, id: UserId) -> Result<()> {
        Ok(users::delete(self, account, id)?)
    }

    fn users_by_email(&mut self, email: &str) -> Result<Vec<(AccountId, User)>> {
        Ok(users::find_for_sign_in(self, email)?)
    }
}

impl CredentialStore for DbConnection {
    fn insert_session(&mut self, session: &Session) -> Result<()> {
        Ok(sessions::insert(self, session)?)
    }

    fn valid_session(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        Ok(sessions::find_valid(self, token_hash, now)?)
    }

    fn delete_session(&mut self, account: AccountId, token_hash: &str) -> Result<bool> {
        Ok(sessions::delete(self, account, token_hash)?)
    }

    fn delete_sessions(
        &mut self,
        account: AccountId,
        user: UserId,
        except: Option<&str>,
    ) -> Result<usize> {
        Ok(sessions::delete_for_user_except(
            self, account, user, except,
        )?)
    }

    fn insert_token(&mut self, token: &ApiToken) -> Result<()> {
        Ok(api_tokens::insert(self, token)?)
    }

    fn valid_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<ApiToken>> {
        Ok(api_tokens::find_valid(self, token_hash, now)?)
    }

    fn tokens(&mut self, account: AccountId, user: UserId) -> Result<Vec<ApiToken>> {
        Ok(api_tokens::list_for_user(self, account, user)?)
    }

    fn delete_token(&mut self, account: AccountId, user: UserId, id: Uuid) -> Result<bool> {
        Ok(api_tokens::delete(self, account, user, id)?)
    }

    fn lock_sign_in(&mut self, email: &str, client_addr: &str) -> Result<()> {
        Ok(attempts::lock_sign_in(self, email, client_addr)?)
    }

    fn sign_in_failures(
        &mut self,
        email: &str,
        email_since: DateTime<Utc>,
        client_addr: &str,
        address_since: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        Ok(attempts::sign_in_failures(
            self,
            email,
            email_since,
            client_addr,
            address_since,
        )?)
    }

    fn record_sign_in_failure(
        &mut self,
        id: Uuid,
        email: &str,
        client_addr: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(attempts::record_sign_in_failure(
            self,
            id,
            email,
            client_addr,
            now,
        )?)
    }

    fn forget_sign_in_failure(&mut self, id: Uuid) -> Result<()> {
        Ok(attempts::forget_sign_in_failure(self, id)?)
    }
}

impl AuditStore for DbConnection {
    fn append_audit(&mut self, event: &AuditEvent) -> Result<()> {
        Ok(audit::insert(self, event)?)
    }

    fn audit_events(
        &mut self,
        account: AccountId,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditEvent>> {
        Ok(audit::page(self, account, filter, limit)?)
    }
}

impl CatalogStore for DbConnection {
    fn upsert_item(&mut self, account: AccountId, item: &CatalogItem) -> Result<Uuid> {
        Ok(items::upsert(self, account, item)?)
    }

    fn item(&mut self, account: AccountId, id: Uuid) -> Result<Option<CatalogItem>> {
        found(items::get(self, account, id))
    }

    fn item_by_external_id(
        &mut self,
        account: AccountId,
        external_id: &str,
    ) -> Result<Option<CatalogItem>> {
        Ok(items::find_by_external_id(self, account, external_id)?)
    }

    fn items(&mut self, account: AccountId) -> Result<Vec<CatalogItem>> {
        Ok(items::list(self, account)?)
    }

    fn wish_lists_with(&mut self, account: AccountId, item: Uuid) -> Result<Vec<Uuid>> {
        Ok(items::wish_lists_with(self, account, item)?)
    }

    fn delete_item(&mut self, account: AccountId, id: Uuid) -> Result<()> {
        Ok(items::delete(self, account, id)?)
    }

    fn save_group(&mut self, account: AccountId, group: &RecipientGroup) -> Result<()> {
        Ok(items::save_group(self, account, group)?)
    }

    fn groups(&mut self, account: AccountId) -> Result<Vec<RecipientGroup>> {
        Ok(items::groups(self, account)?)
    }

    fn delete_group(&mut self, account: AccountId, id: Uuid) -> Result<bool> {
        Ok(found(items::delete_group(self, account, id))?.is_some())
    }
}

impl SharingStore for DbConnection {
    fn insert_share(&mut self, account: AccountId, share: &Share) -> Result<()> {
        Ok(shares::insert_share(self, account, share)?)
    }

    fn share(&mut self, account: AccountId, id: Uuid) -> Result<Option<Share>> {
        found(shares::get_share(self, account, id))
    }

    fn shares_with_item(&mut self, account: AccountId, item: Uuid) -> Result<Vec<Uuid>> {
        Ok(shares::shares_with_item(self, account, item)?)
    }

    fn share_ids_by_sender(&mut self, account: AccountId, sender: UserId) -> Result<Vec<Uuid>> {
        Ok(shares::share_ids_by_sender(self, account, sender)?)
    }

    fn insert_invitations(
        &mut self,
        account: AccountId,
        share: Uuid,
        locale: &str,
        list: &[Invitation],
    ) -> Result<()> {
        Ok(invitations::insert_invitations(
            self, account, share, locale, list,
        )?)
    }

    fn update_invitation(&mut self, account: AccountId, invitation: &Invitation) -> Result<()> {
        Ok(invitations::update_invitation(self, account, invitation)?)
    }

    fn invitation(&mut self, account: AccountId, id: Uuid) -> Result<Option<StoredInvitation>> {
        found(invitations::get_invitation(self, account, id))
    }

    fn invitations(
        &mut self,
        account: AccountId,
        filter: &InvitationFilter,
    ) -> Result<Vec<StoredInvitation>> {
        Ok(invitations::list_invitations(self, account, filter)?)
    }

    fn invitation_by_link_tag(&mut self, tag: &[u8; 32]) -> Result<Option<StoredInvitation>> {
        Ok(invitations::find_by_link_tag(self, tag)?)
    }

    fn invitations_to_locked(&mut self, recipient: &str) -> Result<Vec<StoredInvitation>> {
        Ok(invitations::find_by_recipient_locked(self, recipient)?)
    }

    fn insert_external_session(
        &mut self,
        account: AccountId,
        invitation: Uuid,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        Ok(external_sessions::insert_external_session(
            self, account, invitation, token_hash, now, expires_at,
        )?)
    }

    fn external_session(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredInvitation>> {
        Ok(external_sessions::find_external_session(
            self, token_hash, now,
        )?)
    }

    fn end_external_sessions(&mut self, account: AccountId, invitation: Uuid) -> Result<usize> {
        Ok(external_sessions::end_external_sessions(
            self, account, invitation,
        )?)
    }

    fn record_verification_failure(
        &mut self,
        id: Uuid,
        account: Option<AccountId>,
        client_addr: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(attempts::record_verification_failure(
            self,
            id,
            account,
            client_addr,
            now,
        )?)
    }

    fn verification_failures(
        &mut self,
        client_addr: &str,
        accounts: &[AccountId],
        since: DateTime<Utc>,
    ) -> Result<(i64, Vec<i64>)> {
        Ok(attempts::verification_failure_counts(
            self,
            client_addr,
            accounts,
            since,
        )?)
    }
}

impl OutboxStore for DbConnection {
    fn enqueue(&mut self, messages: &[OutboxMessage]) -> Result<()> {
        Ok(outbox::enqueue(self, messages)?)
    }

    fn claim_due(&mut self, now: DateTime<Utc>, lease: Duration, limit: i64) -> Result<Claimed> {
        Ok(outbox::claim_due(self, now, lease, limit)?)
    }

    fn record_outcome(
        &mut self,
        message: &OutboxMessage,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(outbox::record_outcome(self, message, outcome, now)?)
    }

    fn release_claims(&mut self, messages: &[OutboxMessage], now: DateTime<Utc>) -> Result<()> {
        Ok(outbox::release_claims(self, messages, now)?)
    }

    fn outbox_entries(&mut self, account: AccountId) -> Result<Vec<OutboxEntry>> {
        Ok(outbox::outbox_entries(self, account)?)
    }
}

impl ContactStore for DbConnection {
    fn insert_contact(
        &mut self,
        account: AccountId,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(contacts::insert(self, account, contact, now)?)
    }

    fn update_contact(&mut self, account: AccountId, contact: &Contact) -> Result<()> {
        Ok(contacts::update(self, account, contact)?)
    }

    fn set_contact_password(
        &mut self,
        account: AccountId,
        contact: Uuid,
        password_hash: &str,
    ) -> Result<()> {
        Ok(contacts::set_password(
            self,
            account,
            contact,
            password_hash,
        )?)
    }

    fn contact(&mut self, account: AccountId, id: Uuid) -> Result<Option<StoredContact>> {
        found(contacts::get(self, account, id))
    }

    fn contacts(&mut self, account: AccountId) -> Result<Vec<StoredContact>> {
        Ok(contacts::list(self, account)?)
    }

    fn delete_contact(&mut self, account: AccountId, id: Uuid) -> Result<bool> {
        Ok(contacts::delete(self, account, id)?)
    }

    fn contact_by_activation_tag_locked(
        &mut self,
        tag: &[u8; 32],
    ) -> Result<Option<StoredContact>> {
        Ok(contacts::find_by_activation_tag_locked(self, tag)?)
    }

    fn contacts_by_email(&mut self, email: &str) -> Result<Vec<StoredContact>> {
        Ok(contacts::find_signed_up_by_email(self, email)?)
    }

    fn insert_contact_session(&mut self, session: &ContactSession) -> Result<()> {
        Ok(contacts::insert_session(self, session)?)
    }

    fn valid_contact_session(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(ContactSession, StoredContact)>> {
        Ok(contacts::valid_session(self, token_hash, now)?)
    }

    fn delete_contact_session(&mut self, account: AccountId, token_hash: &str) -> Result<bool> {
        Ok(contacts::delete_session(self, account, token_hash)?)
    }

    fn end_contact_sessions(&mut self, account: AccountId, contact: Uuid) -> Result<usize> {
        Ok(contacts::end_sessions(self, account, contact)?)
    }
}

impl ProjectStore for DbConnection {
    fn insert_project(&mut self, account: AccountId, project: &Project) -> Result<()> {
        Ok(projects::insert_project(self, account, project)?)
    }

    fn update_project(&mut self, account: AccountId, project: &Project) -> Result<()> {
        Ok(projects::update_project(self, account, project)?)
    }

    fn project(&mut self, account: AccountId, id: Uuid) -> Result<Option<Project>> {
        found(projects::get_project(self, account, id))
    }

    fn projects(&mut self, account: AccountId, only: Option<&[Uuid]>) -> Result<Vec<Project>> {
        Ok(projects::list_projects(self, account, only)?)
    }

    fn delete_project(&mut self, account: AccountId, id: Uuid) -> Result<bool> {
        Ok(projects::delete_project(self, account, id)?)
    }

    fn insert_task(&mut self, account: AccountId, task: &Task) -> Result<()> {
        Ok(projects::insert_task(self, account, task)?)
    }

    fn update_task(&mut self, account: AccountId, task: &Task) -> Result<()> {
        Ok(projects::update_task(self, account, task)?)
    }

    fn task(&mut self, account: AccountId, id: Uuid) -> Result<Option<Task>> {
        found(projects::get_task(self, account, id))
    }

    fn tasks_of(
        &mut self,
        account: AccountId,
        project: Uuid,
        only: Option<&[Uuid]>,
    ) -> Result<Vec<Task>> {
        Ok(projects::tasks_of(self, account, project, only)?)
    }

    fn delete_task(&mut self, account: AccountId, id: Uuid) -> Result<bool> {
        Ok(projects::delete_task(self, account, id)?)
    }

    fn memberships(
        &mut self,
        account: AccountId,
        contact: Uuid,
        company: Option<Uuid>,
    ) -> Result<Memberships> {
        Ok(projects::memberships(self, account, contact, company)?)
    }

    fn insert_comment(&mut self, account: AccountId, comment: &Comment) -> Result<()> {
        Ok(projects::insert_comment(self, account, comment)?)
    }

    fn comments(&mut self, account: AccountId, task: Uuid) -> Result<Vec<Comment>> {
        Ok(projects::comments(self, account, task)?)
    }

    fn insert_task_event(&mut self, account: AccountId, event: &TaskEvent) -> Result<()> {
        Ok(projects::insert_event(self, account, event)?)
    }

    fn task_event(&mut self, account: AccountId, id: Uuid) -> Result<Option<TaskEvent>> {
        found(projects::get_event(self, account, id))
    }

    fn task_events(&mut self, account: AccountId, task: Uuid) -> Result<Vec<TaskEvent>> {
        Ok(projects::events(self, account, task)?)
    }

    fn insert_reply_key(&mut self, key: &StoredReplyKey) -> Result<()> {
        Ok(projects::insert_reply_key(self, key)?)
    }

    fn reply_key(
        &mut self,
        account: AccountId,
        task: Uuid,
        person: &Person,
    ) -> Result<Option<StoredReplyKey>> {
        found(projects::reply_key(self, account, task, person))
    }

    fn reply_key_by_tag(&mut self, tag: &[u8; 32]) -> Result<Option<StoredReplyKey>> {
        found(projects::reply_key_by_tag(self, tag))
    }

    fn delete_reply_keys(&mut self, account: AccountId, person: &Person) -> Result<usize> {
        Ok(projects::delete_reply_keys(self, account, person)?)
    }
}

impl AppStore for DbConnection {
    fn insert_app(&mut self, account: AccountId, app: &App) -> Result<()> {
        Ok(apps::insert_app(self, account, app)?)
    }

    fn app(&mut self, account: AccountId, id: Uuid) -> Result<Option<App>> {
        found(apps::app(self, account, id))
    }

    fn find_app(&mut self, id: Uuid) -> Result<Option<(AccountId, App)>> {
        Ok(apps::find_app(self, id)?)
    }

    fn apps(&mut self, account: AccountId) -> Result<Vec<App>> {
        Ok(apps::apps(self, account)?)
    }

    fn insert_case(&mut self, account: AccountId, case: &Case) -> Result<()> {
        Ok(apps::insert_case(self, account, case)?)
    }

    fn case(&mut self, account: AccountId, id: Uuid) -> Result<Option<Case>> {
        found(apps::case(self, account, id))
    }

    fn cases(&mut self, account: AccountId, app: Uuid) -> Result<Vec<Case>> {
        Ok(apps::cases(self, account, app)?)
    }

    fn delete_case(&mut self, account: AccountId, id: Uuid) -> Result<bool> {
        Ok(apps::delete_case(self, account, id)?)
    }

    fn set_app_users(
        &mut self,
        account: AccountId,
        app: Uuid,
        users: &[(UserId, AppUserType)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(apps::set_app_users(self, account, app, users, now)?)
    }

    fn app_users(&mut self, account: AccountId, app: Uuid) -> Result<Vec<AppUser>> {
        Ok(apps::app_users(self, account, app)?)
    }

    fn app_user_type(
        &mut self,
        account: AccountId,
        app: Uuid,
        user: UserId,
    ) -> Result<Option<AppUserType>> {
        found(apps::app_user_type(self, account, app, user))
    }

    fn remove_app_user(&mut self, account: AccountId, app: Uuid, user: UserId) -> Result<bool> {
        Ok(apps::remove_app_user(self, account, app, user)?)
    }

    fn billable_app_users(&mut self, account: AccountId) -> Result<Vec<(Uuid, UserId)>> {
        Ok(apps::billable_app_users(self, account)?)
    }

    fn apps_administered_by(&mut self, account: AccountId, user: UserId) -> Result<Vec<Uuid>> {
        Ok(apps::apps_administered_by(self, account, user)?)
    }

    fn insert_case_role(
        &mut self,
        account: AccountId,
        app: Uuid,
        role: &Role,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(apps::insert_case_role(self, account, app, role, now)?)
    }

    fn replace_case_role(&mut self, account: AccountId, app: Uuid, role: &Role) -> Result<()> {
        Ok(apps::replace_case_role(self, account, app, role)?)
    }

    fn delete_case_role(&mut self, account: AccountId, app: Uuid, role: RoleId) -> Result<()> {
        Ok(apps::delete_case_role(self, account, app, role)?)
    }

    fn case_roles(&mut self, account: AccountId, app: Uuid) -> Result<Vec<Role>> {
        Ok(apps::case_roles(self, account, app)?)
    }

    fn set_case_assignments(
        &mut self,
        account: AccountId,
        app: Uuid,
        assignments: &[CaseAssignment],
    ) -> Result<()> {
        Ok(apps::set_case_assignments(self, account, app, assignments)?)
    }

    fn remove_case_assignment(
        &mut self,
        account: AccountId,
        case: Uuid,
        user: UserId,
    ) -> Result<bool> {
        Ok(apps::remove_case_assignment(self, account, case, user)?)
    }

    fn case_assignment(
        &mut self,
        account: AccountId,
        case: Uuid,
        user: UserId,
    ) -> Result<Option<RoleId>> {
        found(apps::case_assignment(self, account, case, user))
    }

    fn case_assignments(
        &mut self,
        account: AccountId,
        app: Uuid,
        case: Option<Uuid>,
    ) -> Result<Vec<CaseAssignment>> {
        Ok(apps::case_assignments(self, account, app, case)?)
    }

    fn insert_users(&mut self, account: AccountId, new: &[User]) -> Result<()> {
        Ok(users::insert_many(self, account, new)?)
    }

    fn set_user_invitations(
        &mut self,
        account: AccountId,
        invitations: &[(UserId, Activation)],
    ) -> Result<()> {
        Ok(apps::set_user_invitations(self, account, invitations)?)
    }

    fn user_invitation(&mut self, account: AccountId, user: UserId) -> Result<Option<Activation>> {
        found(apps::user_invitation(self, account, user))
    }

    fn user_invitation_by_tag_locked(
        &mut self,
        tag: &[u8; 32],
    ) -> Result<Option<StoredUserInvitation>> {
        Ok(apps::user_invitation_by_tag_locked(self, tag)?)
    }

    fn delete_user_invitation(&mut self, account: AccountId, user: UserId) -> Result<bool> {
        Ok(apps::delete_user_invitation(self, account, user)?)
    }
}

impl Housekeeping for DbConnection {
    fn prune(&mut self, now: DateTime<Utc>, failures_before: DateTime<Utc>) -> Result<Pruned> {
        Ok(housekeeping::prune(self, now, failures_before)?)
    }
}

impl AutomationStore for DbConnection {
    fn automation_gate(&mut self, account: AccountId) -> Result<(Plan, bool)> {
        Ok(automations::gate(self, account)?)
    }

    fn set_automation_gate(&mut self, account: AccountId, plan: Plan, beta: bool) -> Result<()> {
        Ok(automations::set_gate(self, account, plan, beta)?)
    }

    fn put_event_type(
        &mut self,
        account: AccountId,
        event_type: &EventType,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(automations::put_event_type(self, account, event_type, now)?)
    }

    fn event_types(&mut self, account: AccountId) -> Result<Vec<EventType>> {
        Ok(automations::event_types(self, account)?)
    }

    fn event_type(&mut self, account: AccountId, name: &str) -> Result<Option<EventType>> {
        found(automations::event_type(self, account, name))
    }

    fn insert_automation(&mut self, account: AccountId, automation: &Automation) -> Result<()> {
        Ok(automations::insert_automation(self, account, automation)?)
    }

    fn update_automation(&mut self, account: AccountId, automation: &Automation) -> Result<()> {
        Ok(automations::update_automation(self, account, automation)?)
    }

    fn delete_automation(&mut self, account: AccountId, id: Uuid) -> Result<bool> {
        Ok(automations::delete_automation(self, account, id)?)
    }

    fn automation(
        &mut self,
        account: AccountId,
        id: Uuid,
        lock: bool,
    ) -> Result<Option<Automation>> {
        found(automations::automation(self, account, id, lock))
    }

    fn automations(
        &mut self,
        account: AccountId,
        viewer: UserId,
        only_shared: bool,
    ) -> Result<Vec<(Automation, ShareCounts, Option<AccessState>)>> {
        Ok(automations::automations(
            self,
            account,
            viewer,
            only_shared,
        )?)
    }

    fn automations_for_event(
        &mut self,
        account: AccountId,
        event_type: &str,
    ) -> Result<Vec<Automation>> {
        Ok(automations::automations_for_event(
            self, account, event_type,
        )?)
    }

    fn set_access(
        &mut self,
        account: AccountId,
        automation: Uuid,
        records: &[AccessRecord],
    ) -> Result<()> {
        Ok(automations::set_access(self, account, automation, records)?)
    }

    fn remove_access(
        &mut self,
        account: AccountId,
        automation: Uuid,
        users: &[UserId],
    ) -> Result<usize> {
        Ok(automations::remove_access(
            self, account, automation, users,
        )?)
    }

    fn access(&mut self, account: AccountId, automation: Uuid) -> Result<Vec<AccessRecord>> {
        Ok(automations::access(self, account, automation)?)
    }

    fn activated_users(
        &mut self,
        account: AccountId,
        automations: &[Uuid],
    ) -> Result<Vec<(Uuid, UserId)>> {
        Ok(automations::activated_users(self, account, automations)?)
    }

    fn set_mailbox(
        &mut self,
        account: AccountId,
        user: UserId,
        mailbox: &StoredMailbox,
    ) -> Result<()> {
        Ok(automations::set_mailbox(self, account, user, mailbox)?)
    }

    fn mailbox(&mut self, account: AccountId, user: UserId) -> Result<Option<StoredMailbox>> {
        found(automations::mailbox(self, account, user))
    }

    fn delete_mailbox(&mut self, account: AccountId, user: UserId) -> Result<bool> {
        Ok(automations::delete_mailbox(self, account, user)?)
    }

    fn insert_events(&mut self, account: AccountId, events: &[StoredEvent]) -> Result<()> {
        Ok(automations::insert_events(self, account, events)?)
    }

    fn events(&mut self, account: AccountId, ids: &[Uuid]) -> Result<Vec<StoredEvent>> {
        Ok(automations::events(self, account, ids)?)
    }

    fn steps_of(&mut self, account: AccountId, runs: &[Uuid]) -> Result<Vec<(Uuid, StepResult)>> {
        Ok(automations::steps_of(self, account, runs)?)
    }

    fn insert_steps(&mut self, account: AccountId, results: &[(Uuid, StepResult)]) -> Result<()> {
        Ok(automations::insert_steps(self, account, results)?)
    }

    fn finish_runs(
        &mut self,
        account: AccountId,
        ends: &[(Uuid, RunStatus, Option<String>)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(automations::finish_runs(self, account, ends, now)?)
    }

    fn insert_runs(&mut self, account: AccountId, runs: &[RunRecord]) -> Result<()> {
        Ok(automations::insert_runs(self, account, runs)?)
    }

    fn claim_runs(
        &mut self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<ClaimedRun>> {
        Ok(automations::claim_runs(self, now, lease, limit)?)
    }

    fn renew_run_claims(
        &mut self,
        account: AccountId,
        runs: &[Uuid],
        now: DateTime<Utc>,
    ) -> Result<()> {
        Ok(automations::renew_run_claims(self, account, runs, now)?)
    }

    fn run_steps(&mut self, account: AccountId, run: Uuid) -> Result<Vec<StepResult>> {
        Ok(automations::run_steps(self, account, run)?)
    }

    fn record_step(&mut self, account: AccountId, run: Uuid, result: &StepResult) -> Result<()> {
        Ok(automations::record_step(self, account, run, result)?)
    }

    fn run(&mut self, account: AccountId, id: Uuid) -> Result<Option<RunRecord>> {
        found(automations::run(self, account, id))
    }

    fn runs(
        &mut self,
        account: AccountId,
        automation: Uuid,
        filter: &RunFilter,
        after: Option<RunCursor>,
        limit: u32,
    ) -> Result<Vec<RunRecord>> {
        Ok(automations::runs(
            self, account, automation, filter, after, limit,
        )?)
    }

    fn recent_runs(
        &mut self,
        account: AccountId,
        automation: Uuid,
        user: UserId,
        since: DateTime<Utc>,
    ) -> Result<RecentRuns> {
        Ok(automations::recent_runs(
            self, account, automation, user, since,
        )?)
    }

    fn insert_notification(
        &mut self,
        account: AccountId,
        notification: &Notification,
    ) -> Result<()> {
        Ok(automations::insert_notification(
            self,
            account,
            notification,
        )?)
    }

    fn notification(&mut self, account: AccountId, id: Uuid) -> Result<Option<Notification>> {
        found(automations::notification(self, account, id))
    }

    fn notifications(
        &mut self,
        account: AccountId,
        user: UserId,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        Ok(automations::notifications(self, account, user, limit)?)
    }
}
