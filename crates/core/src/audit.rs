//! The audit trail's vocabulary: what happened ([`AuditAction`]) and the event that records
//! it ([`AuditEvent`]) — who, what, to what, when, from where.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{AccountId, UserId};

/// Declares [`AuditAction`] with its stable wire names in one table.
macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// Every kind of state change the audit trail records. The names are stable: they
        /// are stored, and operators filter on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)*
        }

        impl AuditAction {
            /// Every action, in declaration order.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The stable name (`user.add`, `invitation.sent`, …).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }

            /// The action with this stable name.
            pub fn parse(name: &str) -> Option<AuditAction> {
                match name {
                    $($name => Some(AuditAction::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    /// An operator created the account.
    AccountCreate = "account.create",
    /// The account's settings changed (name, invitation validity).
    AccountUpdate = "account.update",
    /// A user signed in (a session began).
    SignIn = "session.sign_in",
    /// A user signed out (their session ended).
    SignOut = "session.sign_out",
    /// A user replaced their password.
    PasswordChange = "session.password_change",
    /// A user created an API token.
    TokenCreate = "token.create",
    /// A user revoked an API token.
    TokenRevoke = "token.revoke",
    /// A user was added to the account.
    UserAdd = "user.add",
    /// A user was given another account-wide role.
    UserChangeRole = "user.change_role",
    /// A user's display name was set or cleared.
    UserRename = "user.rename",
    /// A user was deleted.
    UserDelete = "user.delete",
    /// A custom role was created.
    RoleCreate = "role.create",
    /// A custom role was changed.
    RoleUpdate = "role.update",
    /// A custom role was deleted.
    RoleDelete = "role.delete",
    /// An app was added to the feature tree.
    FeatureAddApp = "feature.add_app",
    /// An environment was added to the feature tree.
    FeatureAddEnvironment = "feature.add_environment",
    /// A system was added to the feature tree.
    FeatureAddSystem = "feature.add_system",
    /// A catalog item was registered or replaced.
    ItemPut = "item.put",
    /// A catalog item was deleted.
    ItemDelete = "item.delete",
    /// A recipient group was created.
    GroupCreate = "group.create",
    /// A recipient group was changed.
    GroupUpdate = "group.update",
    /// A recipient group was deleted.
    GroupDelete = "group.delete",
    /// Workflows were shared with outsiders.
    ShareCreate = "share.create",
    /// An invitation was sent again with a new link and code.
    InvitationResend = "invitation.resend",
    /// An invitation was revoked.
    InvitationRevoke = "invitation.revoke",
    /// An invitation's e-mail was handed to the mail server.
    InvitationSent = "invitation.sent",
    /// The mail server accepted an invitation's e-mail for delivery.
    InvitationDelivered = "invitation.delivered",
    /// The mail server refused an invitation's address.
    InvitationBounced = "invitation.bounced",
    /// The recipient followed an invitation's link.
    InvitationOpened = "invitation.opened",
    /// The recipient proved they hold the link or the code; an external session began.
    InvitationVerified = "invitation.verified",
    /// A user's "may grant client access" flag was set or cleared.
    UserClientAccessFlag = "user.client_access_flag",
    /// A contact (company or person) was added.
    ContactCreate = "contact.create",
    /// A contact's name, e-mail or company changed.
    ContactUpdate = "contact.update",
    /// A contact was deleted.
    ContactDelete = "contact.delete",
    /// A contact's access type changed (on, off, up or down).
    ContactAccess = "contact.access",
    /// A contact's activation e-mail was sent again with a new link.
    ContactActivationResend = "contact.activation_resend",
    /// A contact followed their activation link and chose a password.
    ContactActivate = "contact.activate",
    /// A contact signed in to the client portal.
    ContactSignIn = "contact.sign_in",
    /// A contact signed out of the client portal.
    ContactSignOut = "contact.sign_out",
    /// A project was created.
    ProjectCreate = "project.create",
    /// A project's name, counterparty, managers or auditors changed.
    ProjectUpdate = "project.update",
    /// A project was deleted with its tasks.
    ProjectDelete = "project.delete",
    /// A task was created.
    TaskCreate = "task.create",
    /// A task's fields or people changed.
    TaskUpdate = "task.update",
    /// A task was deleted.
    TaskDelete = "task.delete",
    /// Contacts were made auditors, confirmed by the one who did it.
    AuditorConfirmed = "task.auditor_confirmed",
    /// A comment was added to a task (typed, or a reply by e-mail).
    CommentAdd = "task.comment",
    /// An inbound e-mail was dropped (unknown, revoked or mismatched key, automatic reply).
    InboundDropped = "inbound.dropped",
    /// An app was created (with its first case; its creator became its Administrator).
    AppCreate = "app.create",
    /// A case was created in an app.
    CaseCreate = "case.create",
    /// A case was deleted with its assignments.
    CaseDelete = "case.delete",
    /// A custom case role was created.
    CaseRoleCreate = "case_role.create",
    /// A custom case role's name or settings changed.
    CaseRoleUpdate = "case_role.update",
    /// A custom case role was deleted.
    CaseRoleDelete = "case_role.delete",
    /// A user joined an app with a type.
    AppUserAdd = "app.user_add",
    /// A user's type in an app changed.
    AppUserChangeType = "app.user_type",
    /// A user left an app (their case assignments there ended).
    AppUserRemove = "app.user_remove",
    /// A user was assigned to a case with a case role (or given another).
    CaseAssign = "case.assign",
    /// A user's assignment in a case ended.
    CaseUnassign = "case.unassign",
    /// Users were imported into an app from a file (the counts are in the detail).
    AppImport = "app.import",
    /// A person an import added followed their invitation and chose a password.
    UserInvitationAccept = "user.invitation_accept",
    /// The account's plan or automations beta switch changed.
    AutomationSettings = "automation.settings",
    /// An event type was declared or its fields changed.
    EventTypePut = "event_type.put",
    /// An automation was created (or duplicated).
    AutomationCreate = "automation.create",
    /// An automation's definition or switch changed.
    AutomationUpdate = "automation.update",
    /// An automation was handed to another owner.
    AutomationTransfer = "automation.transfer",
    /// An automation was deleted.
    AutomationDelete = "automation.delete",
    /// An automation was shared with users.
    AutomationShare = "automation.share",
    /// Users' access to an automation ended.
    AutomationUnshare = "automation.unshare",
    /// A user activated an automation shared with them.
    AutomationActivate = "automation.activate",
    /// A user's activation was refused by the diagnostics.
    AutomationActivationRefused = "automation.activation_refused",
    /// An admin deactivated an automation for a user (temporarily or permanently).
    AutomationDeactivate = "automation.deactivate",
    /// An automation paused itself for a user after nearly all their runs failed.
    AutomationPause = "automation.pause",
    /// A user set or removed their mailbox identity.
    MailboxChange = "mailbox.change",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of an account's audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Its id within the account.
    pub id: Uuid,
    /// The account it happened in.
    pub account: AccountId,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it, when a user did (recipients and the system act without one).
    pub actor: Option<UserId>,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to, when anything (an id or a name).
    pub target: Option<String>,
    /// Details as JSON text.
    pub detail: String,
    /// The client's address, when known.
    pub client_addr: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert!(seen.insert(action.as_str()), "{action} twice");
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
        assert_eq!(AuditAction::parse("user.fly"), None);
    }
}
