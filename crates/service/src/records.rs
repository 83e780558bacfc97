//! What the use cases keep: the records a [`Store`](crate::Store) reads and writes. Plain
//! data, no behaviour beyond naming and parsing their stored forms.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_access::PolicyVersion;
use tessera_contacts::{Contact, Person};
use tessera_core::{AccountId, RoleId, UserId, Uuid};
use tessera_invitations::{Invitation, InvitationState, Item};

/// An account (tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// Display name.
    pub name: String,
    /// Bumped in the same transaction as every policy change.
    pub policy_version: PolicyVersion,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How many days its invitation links and codes stay valid (1 to 90; 14 by default).
    pub invitation_validity_days: i64,
    /// The plan's limit on billable seats (`None`: no limit).
    pub seat_limit: Option<u32>,
}

/// A user of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Sign-in e-mail, unique within the account.
    pub email: String,
    /// The PHC string of the password's argon2id hash.
    pub password_hash: String,
    /// True until the user replaces their initial password.
    pub must_change_password: bool,
    /// The account-wide role.
    pub role: RoleId,
    /// When the user was added.
    pub created_at: DateTime<Utc>,
    /// A name people recognise (e-mails from the user, explanations), when given.
    pub display_name: Option<String>,
    /// The card's "may grant client access" flag: the user may grant and change contact
    /// access without managing users.
    pub may_grant_client_access: bool,
}

impl User {
    /// The name to show: the display name, or the e-mail address.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.email)
    }
}

/// A sign-in session: only the SHA-256 of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 (hex) of the session secret; unique across all accounts.
    pub token_hash: String,
    /// The account the session signs in to.
    pub account: AccountId,
    /// The signed-in user.
    pub user: UserId,
    /// When the session began.
    pub created_at: DateTime<Utc>,
    /// The first instant the session is no longer valid.
    pub expires_at: DateTime<Utc>,
}

/// A named API token of a user: only the SHA-256 of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id within the account (what the user revokes it by).
    pub id: Uuid,
    /// The account the token acts in.
    pub account: AccountId,
    /// The user the token acts as.
    pub user: UserId,
    /// The name its owner gave it.
    pub name: String,
    /// SHA-256 (hex) of the token secret; unique across all accounts.
    pub token_hash: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The first instant the token is no longer valid.
    pub expires_at: DateTime<Utc>,
}

/// A shareable item as the catalog keeps it: the sharing domain's [`Item`] plus what the
/// catalog shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogItem {
    /// The item (id, kind, title, wish-list entries).
    pub item: Item,
    /// The product's own id for it (unique in the account).
    pub external_id: String,
    /// Description.
    pub description: String,
    /// Business domain (workflows are listed by it on the external site).
    pub business_domain: String,
    /// The app it belongs to (sharing needs `read` on `workspace/app:<app>`).
    pub app: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A named list of recipient addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientGroup {
    /// Its id.
    pub id: Uuid,
    /// Name, unique in the account.
    pub name: String,
    /// Normalized addresses, sorted, without duplicates.
    pub emails: Vec<String>,
}

/// A share: workflows one user shared with outsiders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Its id.
    pub id: Uuid,
    /// Who shared.
    pub sender: UserId,
    /// The personal message.
    pub message: Option<String>,
    /// The workflows shared, in order.
    pub items: Vec<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An invitation with the share it belongs to and the language of its e-mails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInvitation {
    /// The account.
    pub account: AccountId,
    /// The share.
    pub share: Uuid,
    /// The invitation.
    pub invitation: Invitation,
    /// The language of its e-mails.
    pub locale: String,
}

impl StoredInvitation {
    /// The invitation's id as a UUID.
    pub fn id(&self) -> Uuid {
        Uuid::from_bytes(self.invitation.id)
    }
}

/// Filters for listing invitations; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    /// Only this share.
    pub share: Option<Uuid>,
    /// Only this recipient.
    pub recipient: Option<String>,
    /// Only these stored states.
    pub states: Option<Vec<InvitationState>>,
}

/// Which audit events to read; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only what this user did.
    pub actor: Option<UserId>,
    /// Only this action.
    pub action: Option<tessera_core::AuditAction>,
    /// Only what was done to this target (an id or a name).
    pub target: Option<String>,
    /// Only at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Only before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Only events older than this one (time, then id): where the previous page ended.
    pub before: Option<(DateTime<Utc>, Uuid)>,
}

/// A contact with what only storage keeps: the account, the sign-in's password hash, and
/// when the contact was added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContact {
    /// The account.
    pub account: AccountId,
    /// The contact.
    pub contact: Contact,
    /// The PHC string of the password's argon2id hash, once the contact activated access.
    pub password_hash: Option<String>,
    /// When the contact was added.
    pub created_at: DateTime<Utc>,
}

/// A contact's portal session: only the SHA-256 of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSession {
    /// SHA-256 (hex) of the session secret.
    pub token_hash: String,
    /// The account.
    pub account: AccountId,
    /// The signed-in contact.
    pub contact: Uuid,
    /// When it began.
    pub created_at: DateTime<Utc>,
    /// The first instant it is no longer valid.
    pub expires_at: DateTime<Utc>,
}

/// How a comment arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentVia {
    /// Typed in the API or a console.
    Ui,
    /// A reply to a task e-mail.
    Email,
}

impl CommentVia {
    /// The stored and wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CommentVia::Ui => "ui",
            CommentVia::Email => "email",
        }
    }
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: Uuid,
    /// The task.
    pub task: Uuid,
    /// Who wrote it.
    pub author: Person,
    /// The text.
    pub body: String,
    /// Names of the files that came with it (a reply's attachments).
    pub attachments: Vec<String>,
    /// How it arrived.
    pub via: CommentVia,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One entry of a task's history.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskEvent {
    /// Its id.
    pub id: Uuid,
    /// The task.
    pub task: Uuid,
    /// Who did it.
    pub actor: Person,
    /// What: `created`, `commented`, `assigned`, `status_changed`, `edited`, `people_changed`.
    pub kind: String,
    /// Details (the values before and after, the comment's id …).
    pub detail: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A reply key as stored: the recipient it belongs to, the nonce it is derived from, and its
/// HMAC (the key itself is derived again from the server key when an e-mail is rendered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReplyKey {
    /// The account.
    pub account: AccountId,
    /// The task.
    pub task: Uuid,
    /// Whose replies it carries.
    pub person: Person,
    /// The nonce of this issue.
    pub nonce: [u8; 16],
    /// HMAC of the key.
    pub tag: [u8; 32],
    /// When it was issued.
    pub created_at: DateTime<Utc>,
}

/// What an outbox message is about. Each kind has exactly one renderer (an exhaustive
/// `match` in the sender): a kind without one does not compile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MessageKind {
    /// The e-mail of an invitation to shared workflows (its link and code are derived again
    /// from the key when it is rendered).
    Invitation {
        /// The invitation.
        invitation: Uuid,
    },
    /// A contact's activation e-mail (its link is derived again from the key).
    ContactActivation {
        /// The contact.
        contact: Uuid,
        /// Who turned access on (or sent it again).
        #[serde(default)]
        granted_by: Option<UserId>,
    },
    /// A task's news for one person on it, with their reply key in `Reply-To`.
    TaskNotification {
        /// The task.
        task: Uuid,
        /// The history entry announced (a comment, an assignment, a status change).
        event: Uuid,
        /// The recipient.
        recipient: Person,
    },
    /// The invitation of a person an import added to an app: a link to choose a password
    /// (derived again from the key when rendered).
    UserInvitation {
        /// The person.
        user: UserId,
        /// The app they were added to.
        app: Uuid,
        /// Who imported them (`None`: an operator's command).
        #[serde(default)]
        invited_by: Option<UserId>,
    },
    /// An automation's e-mail, sent as the user a run acts for: what it says was rendered
    /// when the step ran and is kept with the step's result.
    AutomationEmail {
        /// The run.
        run: Uuid,
        /// The step (0-based).
        step: usize,
    },
    /// A notification about an automation, e-mailed to its user.
    AutomationNotice {
        /// The notification.
        notification: Uuid,
    },
}

impl MessageKind {
    /// The stable name of the kind (also the template's name).
    pub const fn name(&self) -> &'static str {
        match self {
            MessageKind::Invitation { .. } => tessera_mail::INVITATION,
            MessageKind::ContactActivation { .. } => tessera_mail::CONTACT_ACTIVATION,
            MessageKind::TaskNotification { .. } => tessera_mail::TASK_NOTIFICATION,
            MessageKind::UserInvitation { .. } => tessera_mail::USER_INVITATION,
            MessageKind::AutomationEmail { .. } => "automation_email",
            MessageKind::AutomationNotice { .. } => tessera_mail::AUTOMATION_NOTICE,
        }
    }

    /// The invitation the message announces, if it is about one.
    pub const fn invitation(&self) -> Option<Uuid> {
        match self {
            MessageKind::Invitation { invitation } => Some(*invitation),
            MessageKind::ContactActivation { .. }
            | MessageKind::TaskNotification { .. }
            | MessageKind::UserInvitation { .. }
            | MessageKind::AutomationEmail { .. }
            | MessageKind::AutomationNotice { .. } => None,
        }
    }

    /// The stored form: JSON with the kind's name under `kind`.
    pub fn to_payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the stored form back.
    pub fn from_payload(payload: &str) -> Result<MessageKind, String> {
        serde_json::from_str(payload).map_err(|error| error.to_string())
    }
}

/// Where an outbox message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting for its (next) attempt.
    Pending,
    /// Claimed by a sender; its outcome is not stored yet.
    Sending,
    /// The mail server accepted it.
    Sent,
    /// The mail server refused the address for good.
    Bounced,
    /// Given up: attempts ran out, or what it announced ended before it left.
    Failed,
}

impl OutboxState {
    /// Every state.
    pub const ALL: [OutboxState; 5] = [
        OutboxState::Pending,
        OutboxState::Sending,
        OutboxState::Sent,
        OutboxState::Bounced,
        OutboxState::Failed,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Bounced => "bounced",
            OutboxState::Failed => "failed",
        }
    }

    /// The state with this stored name.
    pub fn parse(name: &str) -> Option<OutboxState> {
        OutboxState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A message in the outbox, written in the transaction of the change that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Its id.
    pub id: Uuid,
    /// The account.
    pub account: AccountId,
    /// The `Message-ID` it is sent with, fixed at creation (a retry reuses it).
    pub message_id: String,
    /// What it is about.
    pub kind: MessageKind,
    /// The recipient.
    pub recipient: String,
    /// Template locale.
    pub locale: String,
    /// Attempts made (counting the current one once claimed).
    pub attempts: i32,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// What claiming due messages returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimed {
    /// The messages claimed, marked sending with one more attempt.
    pub messages: Vec<OutboxMessage>,
    /// Due rows that could not be read back (described for the log); they are marked failed
    /// with the reason, never retried and never lost from sight.
    pub unreadable: Vec<String>,
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The mail server accepted it.
    Sent,
    /// The mail server refused the address for good.
    Bounced(String),
    /// A transient failure: try again at the given time.
    RetryAt(DateTime<Utc>, String),
    /// Given up (attempts ran out, or what it announced ended).
    Failed(String),
}

impl DeliveryOutcome {
    /// The state the message is left in.
    pub const fn state(&self) -> OutboxState {
        match self {
            DeliveryOutcome::Sent => OutboxState::Sent,
            DeliveryOutcome::Bounced(_) => OutboxState::Bounced,
            DeliveryOutcome::RetryAt(..) => OutboxState::Pending,
            DeliveryOutcome::Failed(_) => OutboxState::Failed,
        }
    }
}

/// One outbox message as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The `Message-ID` it is (or was) sent with.
    pub message_id: String,
    /// The kind's name (`invitation`, …).
    pub kind: String,
    /// The invitation it announces, if any.
    pub invitation: Option<Uuid>,
    /// Where it stands.
    pub state: OutboxState,
    /// Attempts made.
    pub attempts: i32,
}

/// How many rows one housekeeping pass removed, by table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Expired sign-in sessions.
    pub sessions: usize,
    /// Expired external-site sessions.
    pub external_sessions: usize,
    /// Expired client-portal sessions of contacts.
    pub contact_sessions: usize,
    /// Failed code verifications older than the cut-off.
    pub verification_failures: usize,
    /// Failed sign-ins older than the cut-off.
    pub sign_in_failures: usize,
}

impl Pruned {
    /// Rows removed in all.
    pub fn total(&self) -> usize {
        self.sessions
            + self.external_sessions
            + self.contact_sessions
            + self.verification_failures
            + self.sign_in_failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_kinds_round_trip_through_their_stored_form() {
        let kind = MessageKind::Invitation {
            invitation: Uuid::from_u128(7),
        };
        let payload = kind.to_payload();
        assert!(payload.contains("\"kind\":\"invitation\""), "{payload}");
        assert_eq!(MessageKind::from_payload(&payload), Ok(kind));
        assert!(MessageKind::from_payload("{\"kind\":\"fax\"}").is_err());
    }

    #[test]
    fn outbox_states_parse_back() {
        for state in OutboxState::ALL {
            assert_eq!(OutboxState::parse(state.as_str()), Some(state));
        }
        assert_eq!(OutboxState::parse("lost"), None);
    }
}

/// An app: a workspace of the account holding cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Id.
    pub id: Uuid,
    /// Name, unique in the account.
    pub name: String,
    /// Its creator, the app's Administrator.
    pub created_by: UserId,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// A case of an app: an incident or a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Id (the case's scope in the permission engine).
    pub id: Uuid,
    /// The app it lives in.
    pub app: Uuid,
    /// Title.
    pub title: String,
    /// Incident or project.
    pub kind: tessera_contacts::cases::CaseKind,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// A user of an app, with how the account knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppUser {
    /// The user.
    pub user: UserId,
    /// Their sign-in e-mail.
    pub email: String,
    /// Their display name, if any.
    pub display_name: Option<String>,
    /// Their type in the app.
    pub user_type: tessera_contacts::cases::AppUserType,
    /// When they joined the app.
    pub added_at: DateTime<Utc>,
}

/// A case assignment: `user` holds `role` in `case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseAssignment {
    /// The case.
    pub case: Uuid,
    /// The user.
    pub user: UserId,
    /// The case role.
    pub role: RoleId,
}

/// A pending invitation of a user an import added, found by its link's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUserInvitation {
    /// The account.
    pub account: AccountId,
    /// The user.
    pub user: UserId,
    /// The link's activation (nonce, times, tag).
    pub activation: tessera_contacts::Activation,
}

/// An event as kept for the runs it started (their templates read its fields).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Its id.
    pub id: Uuid,
    /// The event.
    pub event: tessera_automations::Event,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// A user's standing with a shared automation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// The user.
    pub user: UserId,
    /// Where they stand.
    pub state: tessera_automations::AccessState,
    /// Why it paused (the failing step), when it did.
    pub reason: Option<String>,
    /// Who changed it last (`None`: the system).
    pub changed_by: Option<UserId>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// A run of an automation for one user and one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Its id.
    pub id: Uuid,
    /// The automation.
    pub automation: Uuid,
    /// The user it runs for (and as).
    pub user: UserId,
    /// The event that started it.
    pub event: Uuid,
    /// Where it is.
    pub status: tessera_automations::RunStatus,
    /// When it was written.
    pub queued_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A run a runner took, with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRun {
    /// The account.
    pub account: AccountId,
    /// The run.
    pub run: RunRecord,
}

/// A user's mailbox identity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMailbox {
    /// The identity.
    pub mailbox: tessera_automations::Mailbox,
    /// The user's own SMTP URL, sealed (see the service's mailbox use cases).
    pub smtp_url_sealed: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An in-app notification for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: Uuid,
    /// Whom it is for.
    pub user: UserId,
    /// What it is about: `activation_refused`, `automation_paused`.
    pub kind: String,
    /// The automation concerned.
    pub automation: Option<Uuid>,
    /// What it says.
    pub message: String,
    /// The problems found, each a sentence with its fix (a refused activation).
    pub problems: Vec<String>,
    /// The step that failed (a pause), e.g. `step 2 (call_webhook)`.
    pub failing_step: Option<String>,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
}
