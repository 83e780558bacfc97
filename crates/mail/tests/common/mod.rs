//! Shared test fixtures: invitation data, scratch directories, the MIME reader.

#![allow(dead_code, reason = "each test file uses part of the fixtures")]

use std::path::PathBuf;

use tessera_mail::testing::Parsed;
use tessera_mail::{InvitationEmail, SharedWorkflow};

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
