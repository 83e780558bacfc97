use chrono::{DateTime, Duration, Utc};
use tessera_core::{SecretKey, Uuid};

use crate::*;

fn key() -> SecretKey {
    SecretKey::from_bytes([3; 32])
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).expect("timestamp")
}

fn secrets(seed: u8) -> IssuedSecrets {
    IssuedSecrets::derive(&key(), &[9; 16], &[seed; 16])
}

/// A code check as the states it entered, or the refusal.
fn code(
    inv: &mut Invitation,
    code: &VerificationCode,
    at: DateTime<Utc>,
) -> Result<Vec<InvitationState>, CodeCheck> {
    match inv.verify_code(&key(), code, at) {
        CodeCheck::Verified { entered } => Ok(entered.states().collect()),
        other => Err(other),
    }
}

/// A link check as the states it entered, or the refusal.
fn link(
    inv: &mut Invitation,
    token: &tessera_core::BearerSecret,
    at: DateTime<Utc>,
) -> Result<Vec<InvitationState>, InvitationError> {
    inv.verify_link(&key(), token, at)
        .map(|entered| entered.states().collect())
}

fn states(entered: Entered) -> Vec<InvitationState> {
    entered.states().collect()
}

fn invitation() -> Invitation {
    Invitation::issue(
        &key(),
        [9; 16],
        "ana@example.com".into(),
        [1; 16],
        now(),
        DEFAULT_VALIDITY_DAYS,
    )
    .expect("issue")
}

#[test]
fn valid_fourteen_days_from_issue_then_expired() {
    let mut inv = invitation();
    assert_eq!(inv.expires_at - inv.issued_at, Duration::days(14));
    assert_eq!(inv.state_at(now()), InvitationState::Pending);
    let last_moment = inv.expires_at - Duration::nanoseconds(1);
    assert!(inv.usable_at(last_moment));
    assert_eq!(inv.state_at(inv.expires_at), InvitationState::Expired);
    let code_now = secrets(1).code;
    let expiry = inv.expires_at;
    assert_eq!(code(&mut inv, &code_now, expiry), Err(CodeCheck::Refused));
    let token = secrets(1).token;
    assert_eq!(
        link(&mut inv, &token, expiry),
        Err(InvitationError::Refused)
    );
    assert_eq!(
        inv.code_failures, 0,
        "an expired invitation does not count attempts"
    );
}

#[test]
fn validity_is_one_to_ninety_days() {
    for days in [0, 91, -1] {
        let issued = Invitation::issue(&key(), [1; 16], "a@b.co".into(), [1; 16], now(), days);
        assert_eq!(issued, Err(InvitationError::InvalidValidity { days }));
    }
    assert!(Invitation::issue(&key(), [1; 16], "a@b.co".into(), [1; 16], now(), 90).is_ok());
}

#[test]
fn states_follow_delivery_and_use() {
    use InvitationState::*;
    let mut inv = invitation();
    assert_eq!(states(inv.mark_sent()), [Sent]);
    assert_eq!(states(inv.mark_sent()), []);
    assert_eq!(states(inv.mark_delivered()), [Delivered]);
    assert_eq!(states(inv.mark_opened(now())), [Opened]);
    assert_eq!(link(&mut inv, &secrets(1).token, now()), Ok(vec![Verified]));
    assert_eq!(inv.state, Verified);
    assert_eq!(
        code(&mut inv, &secrets(1).code, now()),
        Ok(vec![]),
        "verified again"
    );
    // Late delivery reports do not move a verified invitation back.
    assert_eq!(states(inv.mark_sent()), []);
    assert_eq!(states(inv.mark_delivered()), []);
    assert_eq!(states(inv.mark_bounced()), []);
    assert_eq!(inv.state, Verified);
}

#[test]
fn transitions_report_every_state_they_pass_through() {
    use InvitationState::*;
    let mut inv = invitation();
    assert_eq!(
        states(inv.mark_delivered()),
        [Sent, Delivered],
        "pending to delivered"
    );
    let mut inv = invitation();
    assert_eq!(
        link(&mut inv, &secrets(1).token, now()),
        Ok(vec![Opened, Verified])
    );
    assert_eq!(
        link(&mut inv, &secrets(1).token, now()),
        Ok(vec![]),
        "a second click"
    );
    let mut inv = invitation();
    assert_eq!(states(inv.mark_bounced()), [Bounced]);
    assert_eq!(states(inv.mark_bounced()), []);
    assert_eq!(
        states(inv.mark_opened(now())),
        [],
        "a bounced invitation is not opened"
    );
}

#[test]
fn a_bounce_ends_an_unverified_invitation() {
    let mut inv = invitation();
    inv.mark_sent();
    inv.mark_bounced();
    assert_eq!(inv.state_at(now()), InvitationState::Bounced);
    assert_eq!(
        code(&mut inv, &secrets(1).code, now()),
        Err(CodeCheck::Refused)
    );
}

#[test]
fn the_sixth_code_is_refused_even_when_right() {
    let mut inv = invitation();
    let wrong = VerificationCode::from_bytes([0xAB; 5]);
    assert_ne!(wrong, secrets(1).code);
    for _ in 0..MAX_CODE_ATTEMPTS {
        assert_eq!(code(&mut inv, &wrong, now()), Err(CodeCheck::Wrong));
    }
    assert_eq!(inv.code_failures, MAX_CODE_ATTEMPTS);
    assert_eq!(
        code(&mut inv, &secrets(1).code, now()),
        Err(CodeCheck::Refused)
    );
    assert_eq!(
        code(&mut inv, &wrong, now()),
        Err(CodeCheck::Refused),
        "no longer counted"
    );
    assert_eq!(inv.code_failures, MAX_CODE_ATTEMPTS);
    // The link still works: only the code is voided.
    assert_eq!(
        link(&mut inv, &secrets(1).token, now()),
        Ok(vec![InvitationState::Opened, InvitationState::Verified])
    );
}

#[test]
fn resend_voids_the_old_link_and_code_and_restarts_validity() {
    let mut inv = invitation();
    let wrong = VerificationCode::from_bytes([0xAB; 5]);
    for _ in 0..MAX_CODE_ATTEMPTS {
        let _ = inv.verify_code(&key(), &wrong, now());
    }
    let later = now() + Duration::days(10);
    assert_eq!(
        inv.resend(&key(), [1; 16], later, 7),
        Err(InvitationError::NonceReused)
    );
    inv.resend(&key(), [2; 16], later, 7).expect("resend");
    assert_eq!(inv.secrets(&key()), secrets(2));
    assert_eq!(
        (inv.state, inv.code_failures),
        (InvitationState::Pending, 0)
    );
    assert_eq!(inv.expires_at, later + Duration::days(7));
    assert_eq!(
        code(&mut inv, &secrets(1).code, later),
        Err(CodeCheck::Wrong)
    );
    assert_eq!(
        link(&mut inv, &secrets(1).token, later),
        Err(InvitationError::Refused)
    );
    assert_eq!(
        code(&mut inv, &secrets(2).code, later),
        Ok(vec![InvitationState::Verified])
    );
}

#[test]
fn revoke_ends_access_at_once_and_for_good() {
    let mut inv = invitation();
    assert!(link(&mut inv, &secrets(1).token, now()).is_ok());
    inv.revoke().expect("revoke");
    assert_eq!(inv.state_at(now()), InvitationState::Revoked);
    assert!(!inv.usable_at(now()));
    assert_eq!(
        link(&mut inv, &secrets(1).token, now()),
        Err(InvitationError::Refused)
    );
    assert_eq!(inv.revoke(), Err(InvitationError::AlreadyRevoked));
    assert_eq!(
        inv.resend(&key(), [2; 16], now(), 14),
        Err(InvitationError::AlreadyRevoked)
    );
}

#[test]
fn codes_are_bound_to_their_invitation_and_key() {
    let inv = invitation();
    let mut other = Invitation::issue(
        &key(),
        [8; 16],
        "bob@example.com".into(),
        [1; 16],
        now(),
        14,
    )
    .expect("issue");
    assert_ne!(
        inv.code_tag, other.code_tag,
        "different invitation, different tag"
    );
    assert_ne!(
        other.secrets(&key()),
        inv.secrets(&key()),
        "secrets depend on the invitation id"
    );
    assert_eq!(inv.secrets(&key()), secrets(1), "derived again, the same");
    let mut copy = inv.clone();
    let other_key = SecretKey::from_bytes([4; 32]);
    assert_eq!(
        copy.verify_code(&other_key, &secrets(1).code, now()),
        CodeCheck::Wrong
    );
    let theirs = other.secrets(&key()).code;
    assert_eq!(
        code(&mut other, &theirs, now()),
        Ok(vec![InvitationState::Verified])
    );
    assert_eq!(link_tag(&key(), &secrets(1).token), inv.link_tag);
}

fn item(id: u128, kind: ItemKind, title: &str, entries: &[u128]) -> Item {
    Item {
        id: Uuid::from_u128(id),
        kind,
        title: title.into(),
        entries: entries.iter().map(|e| Uuid::from_u128(*e)).collect(),
    }
}

#[test]
fn tasks_are_refused_by_name() {
    let selected = [
        item(1, ItemKind::Workflow, "Onboarding", &[]),
        item(2, ItemKind::Task, "Call the client", &[]),
        item(3, ItemKind::Task, "Send the invoice", &[]),
    ];
    let err = plan_share(&selected, |_| None, &["a@b.co".into()], &[], None).unwrap_err();
    assert_eq!(
        err,
        InvitationError::TasksNotShareable {
            titles: vec!["Call the client".into(), "Send the invoice".into()]
        }
    );
    assert!(err.to_string().contains("`Call the client`"), "{err}");
}

#[test]
fn wish_lists_share_their_workflows_and_report_their_tasks() {
    let flow_a = item(1, ItemKind::Workflow, "A", &[]);
    let task = item(2, ItemKind::Task, "T", &[]);
    let flow_b = item(3, ItemKind::Workflow, "B", &[]);
    let list = item(10, ItemKind::WishList, "List", &[1, 2, 3, 1]);
    let catalog = [flow_a.clone(), task.clone(), flow_b.clone()];
    let lookup = |id: Uuid| catalog.iter().find(|i| i.id == id);
    let plan = plan_share(
        &[flow_b.clone(), list],
        lookup,
        &["a@b.co".into()],
        &[],
        None,
    )
    .expect("plan");
    assert_eq!(
        plan.workflows,
        vec![flow_b.id, flow_a.id],
        "each once, in the order chosen"
    );
    assert_eq!(plan.left_out_tasks, vec![task.id]);

    let only_tasks = item(11, ItemKind::WishList, "Tasks", &[2]);
    assert_eq!(
        plan_share(&[only_tasks], lookup, &["a@b.co".into()], &[], None),
        Err(InvitationError::NothingToShare)
    );
    let dangling = item(12, ItemKind::WishList, "Dangling", &[99]);
    assert_eq!(
        plan_share(&[dangling], lookup, &["a@b.co".into()], &[], None),
        Err(InvitationError::UnknownItem {
            id: Uuid::from_u128(99)
        })
    );
}

#[test]
fn recipients_are_normalized_deduplicated_and_validated() {
    let flow = [item(1, ItemKind::Workflow, "A", &[])];
    let group = Group {
        name: "Partners".into(),
        emails: vec!["BOB@example.com".into(), "cy@example.com".into()],
    };
    let plan = plan_share(
        &flow,
        |_| None,
        &["bob@example.com".into(), " Ana@Example.com".into()],
        &[group],
        Some("   "),
    )
    .expect("plan");
    assert_eq!(
        plan.recipients,
        vec!["bob@example.com", "ana@example.com", "cy@example.com"]
    );
    assert_eq!(plan.message, None);
    assert_eq!(
        plan_share(&flow, |_| None, &["not an email".into()], &[], None),
        Err(InvitationError::InvalidEmail {
            email: "not an email".into()
        })
    );
    assert_eq!(
        plan_share(&flow, |_| None, &[], &[], None),
        Err(InvitationError::NoRecipients)
    );
    let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
    assert_eq!(
        plan_share(&flow, |_| None, &["a@b.co".into()], &[], Some(&long)),
        Err(InvitationError::MessageTooLong {
            max: MAX_MESSAGE_CHARS
        })
    );
    let many: Vec<String> = (0..=MAX_RECIPIENTS)
        .map(|i| format!("p{i}@example.com"))
        .collect();
    assert_eq!(
        plan_share(&flow, |_| None, &many, &[], None),
        Err(InvitationError::TooManyRecipients {
            max: MAX_RECIPIENTS
        })
    );
    assert_eq!(
        plan_share(&[], |_| None, &["a@b.co".into()], &[], None),
        Err(InvitationError::NothingToShare)
    );
}

#[test]
fn a_resend_needs_a_new_nonce() {
    let mut inv = invitation();
    assert_eq!(
        inv.resend(&key(), [1; 16], now(), 14),
        Err(InvitationError::NonceReused)
    );
    inv.resend(&key(), [2; 16], now(), 14).expect("resend");
    assert_eq!(inv.secrets(&key()), secrets(2));
}
