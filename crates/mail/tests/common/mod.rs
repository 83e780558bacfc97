//! Shared test fixtures: message data, scratch directories, the MIME reader.

#![allow(dead_code, reason = "each test file uses part of the fixtures")]

use std::path::PathBuf;

use tessera_mail::testing::Parsed;
use tessera_mail::{
    AUTOMATION_NOTICE, AutomationNoticeEmail, CONTACT_ACTIVATION, ContactActivationEmail,
    INVITATION, InvitationEmail, SharedWorkflow, TASK_NOTIFICATION, TaskNotificationEmail,
    USER_INVITATION, UserInvitationEmail,
};

pub const LINK: &str = "https://share.example.com/external/i/q9Xk2-Lm_7";
pub const CODE: &str = "ZW014D2P";
pub const EXPIRES: &str = "14 March 2027";
pub const SITE: &str = "https://share.example.com/external";

/// An invitation with two workflows and the given personal message.
pub fn invitation(personal_message: Option<&str>) -> InvitationEmail {
    InvitationEmail {
        sender_name: "Ana Pop".into(),
        sender_email: "ana@example.com".into(),
        personal_message: personal_message.map(str::to_owned),
        workflows: vec![
            SharedWorkflow {
                title: "Supplier onboarding".into(),
                business_domain: "Procurement".into(),
                description: "Collects documents and approvals for new suppliers.".into(),
            },
            SharedWorkflow {
                title: "Quarterly close".into(),
                business_domain: "Finance".into(),
                description: String::new(),
            },
        ],
        link: LINK.into(),
        code: CODE.into(),
        expires_on: EXPIRES.into(),
        site_url: SITE.into(),
    }
}

pub const ACTIVATION_LINK: &str = "https://portal.example.com/activate/Zq81-kP";
pub const USER_INVITATION_LINK: &str = "https://app.example.com/invitation/Hx4-7pQ";
pub const TASK_URL: &str = "https://app.example.com/projects/7/tasks/42";

/// Ana Pop gives Bo Berg `access` to Acme Ltd's client portal.
pub fn contact_activation(access: &str) -> ContactActivationEmail {
    ContactActivationEmail {
        contact_name: "Bo Berg".into(),
        granted_by: "Ana Pop".into(),
        account_name: "Acme Ltd".into(),
        access: access.into(),
        link: ACTIVATION_LINK.into(),
        expires_on: EXPIRES.into(),
    }
}

/// Ana Pop's import adds Bo Berg to Acme Ltd's app Field Service as a `user_type`.
pub fn user_invitation(user_type: &str) -> UserInvitationEmail {
    UserInvitationEmail {
        user_name: "Bo Berg".into(),
        invited_by: "Ana Pop".into(),
        account_name: "Acme Ltd".into(),
        app_name: "Field Service".into(),
        user_type: user_type.into(),
        link: USER_INVITATION_LINK.into(),
        expires_on: EXPIRES.into(),
    }
}

/// Ana Pop did `event` on the task "Collect documents" of "Supplier onboarding"; the comment,
/// status and assignee are filled in, the link only when `with_url`.
pub fn task_notification(event: &str, with_url: bool) -> TaskNotificationEmail {
    TaskNotificationEmail {
        project: "Supplier onboarding".into(),
        task: "Collect documents".into(),
        actor: "Ana Pop".into(),
        event: event.into(),
        comment: Some("Please upload the signed contract.\nThanks!".into()),
        status: Some("In review".into()),
        assignee: Some("Bo Berg".into()),
        task_url: with_url.then(|| TASK_URL.into()),
    }
}

pub const TROUBLESHOOTING_LINK: &str = "https://app.example.com/automations/9/troubleshooting";
/// The problems the diagnostics found in [`automation_notice`].
pub const PROBLEMS: [&str; 2] = [
    "The webhook URL of step 2 is missing: enter it in the settings of the step.",
    "The mailbox of step 3 is no longer connected: connect it again under Integrations.",
];
pub const FAILING_STEP: &str = "step 2 (call_webhook)";

/// Bo Berg's automation "Invoice reminders" needs attention for `reason`; the problems and
/// the failing step are both filled in.
pub fn automation_notice(reason: &str) -> AutomationNoticeEmail {
    AutomationNoticeEmail {
        user_name: "Bo Berg".into(),
        automation_name: "Invoice reminders".into(),
        reason: reason.into(),
        problems: PROBLEMS
            .iter()
            .map(|problem| (*problem).to_owned())
            .collect(),
        failing_step: Some(FAILING_STEP.into()),
        link: TROUBLESHOOTING_LINK.into(),
    }
}

/// Representative data for a message, as JSON.
pub fn sample(message: &str) -> serde_json::Value {
    match message {
        INVITATION => serde_json::to_value(invitation(Some("Have a look before Friday."))),
        CONTACT_ACTIVATION => serde_json::to_value(contact_activation("basic")),
        USER_INVITATION => serde_json::to_value(user_invitation("staff")),
        TASK_NOTIFICATION => serde_json::to_value(task_notification("comment", true)),
        AUTOMATION_NOTICE => serde_json::to_value(automation_notice("activation_refused")),
        other => panic!("no sample data for {other}"),
    }
    .unwrap()
}

/// A fresh, empty directory under the system's temporary directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-mail-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Parses a message as lettre writes it; panics when it is not one.
pub fn parse(raw: &str) -> Parsed {
    tessera_mail::testing::parse(raw).expect("a MIME message")
}
