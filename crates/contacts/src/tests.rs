use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use tessera_core::{SecretKey, UserId, Uuid};

use crate::portal::{PortalAction, PortalPolicy};
use crate::visibility::Memberships;
use crate::*;

fn key() -> SecretKey {
    SecretKey::from_bytes([9; 32])
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn person(email: Option<&str>) -> Contact {
    Contact::new(
        Uuid::from_u128(7),
        ContactKind::Person,
        None,
        "Ana",
        email,
        "en",
    )
    .unwrap()
}

#[test]
fn names_and_addresses_are_cleaned_or_refused_naming_the_field() {
    let contact = Contact::new(
        Uuid::from_u128(1),
        ContactKind::Person,
        Some(Uuid::from_u128(2)),
        "  Ana Pop ",
        Some(" Ana@Example.COM "),
        "ro",
    )
    .unwrap();
    assert_eq!(contact.name, "Ana Pop");
    assert_eq!(contact.email.as_deref(), Some("ana@example.com"));
    assert_eq!(contact.access, Access::None);
    assert!(matches!(
        Contact::new(Uuid::nil(), ContactKind::Person, None, " ", None, "en"),
        Err(ContactError::InvalidName { field: "name", .. })
    ));
    assert!(matches!(
        Contact::new(
            Uuid::nil(),
            ContactKind::Person,
            None,
            "A",
            Some("nope"),
            "en"
        ),
        Err(ContactError::InvalidEmail { .. })
    ));
    assert_eq!(
        Contact::new(
            Uuid::nil(),
            ContactKind::Company,
            Some(Uuid::from_u128(3)),
            "Acme",
            None,
            "en"
        ),
        Err(ContactError::CompanyInCompany)
    );
}

#[test]
fn only_admins_and_flagged_employees_may_grant() {
    assert!(may_grant(true, false).is_ok());
    assert!(may_grant(false, true).is_ok());
    assert_eq!(may_grant(false, false), Err(ContactError::MayNotGrant));
}

#[test]
fn granting_access_issues_an_activation_and_needs_an_address() {
    let mut contact = person(None);
    assert_eq!(
        contact.set_access(Access::Basic, &key(), [1; 16], now()),
        Err(ContactError::NoEmail)
    );
    let mut contact = person(Some("ana@example.com"));
    let change = contact
        .set_access(Access::Basic, &key(), [1; 16], now())
        .unwrap();
    let AccessChange::Granted { activation } = change else {
        panic!("expected a grant, got {change:?}");
    };
    assert_eq!(
        activation.expires_at,
        now() + Duration::days(ACTIVATION_DAYS)
    );
    assert_eq!(contact.activation.as_ref(), Some(&activation));
    assert!(!contact.signed_up);
    assert_eq!(
        contact
            .set_access(Access::Basic, &key(), [2; 16], now())
            .unwrap(),
        AccessChange::Unchanged
    );
}

#[test]
fn raising_lowering_and_revoking_say_what_must_end() {
    let mut contact = person(Some("ana@example.com"));
    contact
        .set_access(Access::Basic, &key(), [1; 16], now())
        .unwrap();
    let raised = contact
        .set_access(Access::Advanced, &key(), [2; 16], now())
        .unwrap();
    assert_eq!(raised, AccessChange::Raised);
    assert!(!raised.ends_sessions());
    let lowered = contact
        .set_access(Access::Basic, &key(), [3; 16], now())
        .unwrap();
    assert_eq!(lowered, AccessChange::Lowered);
    assert!(lowered.ends_sessions());
    let revoked = contact
        .set_access(Access::None, &key(), [4; 16], now())
        .unwrap();
    assert_eq!(revoked, AccessChange::Revoked);
    assert!(revoked.ends_sessions());
    assert!(contact.activation.is_none());
    assert!(!contact.signed_up);
}

#[test]
fn a_company_with_access_carries_a_warning() {
    let company = Contact::new(
        Uuid::from_u128(5),
        ContactKind::Company,
        None,
        "Acme",
        None,
        "en",
    )
    .unwrap();
    assert_eq!(
        company.warnings(Access::Basic),
        vec![Warning::CompanySharesSignIn]
    );
    assert!(company.warnings(Access::None).is_empty());
    assert!(person(None).warnings(Access::Advanced).is_empty());
    assert_eq!(company.company_scope(), Some(company.id));
}

#[test]
fn an_activation_works_once_before_it_expires() {
    let mut contact = person(Some("ana@example.com"));
    contact
        .set_access(Access::Basic, &key(), [1; 16], now())
        .unwrap();
    let activation = contact.activation.clone().unwrap();
    let link = activation.link(&key(), contact.id.as_bytes());
    let tag = link.tag(&key());
    assert_eq!(tag, activation.tag);

    let mut late = contact.clone();
    assert_eq!(
        late.activate(&tag, activation.expires_at),
        Err(ContactError::ActivationUnusable)
    );
    assert_eq!(
        contact.activate(&[0; 32], now()),
        Err(ContactError::ActivationUnusable)
    );
    contact.activate(&tag, now() + Duration::days(13)).unwrap();
    assert!(contact.signed_up);
    assert_eq!(
        contact.activate(&tag, now()),
        Err(ContactError::ActivationUnusable)
    );
    assert!(matches!(
        contact.reissue_activation(&key(), [2; 16], now()),
        Err(ContactError::NoPendingActivation { .. })
    ));
}

#[test]
fn a_resend_rotates_the_link() {
    let mut contact = person(Some("ana@example.com"));
    contact
        .set_access(Access::Advanced, &key(), [1; 16], now())
        .unwrap();
    let old = contact.activation.clone().unwrap();
    let new = contact.reissue_activation(&key(), [2; 16], now()).unwrap();
    assert_ne!(old.tag, new.tag);
    assert_eq!(
        contact.activate(&old.tag, now()),
        Err(ContactError::ActivationUnusable)
    );
    contact.activate(&new.tag, now()).unwrap();
    let mut off = person(Some("ana@example.com"));
    assert!(matches!(
        off.reissue_activation(&key(), [2; 16], now()),
        Err(ContactError::NoPendingActivation { .. })
    ));
}

fn project() -> Project {
    Project {
        id: Uuid::from_u128(100),
        name: "Website".into(),
        counterparty: Some(Uuid::from_u128(5)),
        client_manager: Some(UserId::from_u128(11)),
        supervisor: Some(UserId::from_u128(12)),
        auditors: Vec::new(),
        created_at: now(),
    }
}

#[test]
fn a_client_addresses_tasks_only_to_the_client_manager_or_supervisor() {
    let p = project();
    assert_eq!(client_task_assignee(&p, None), Ok(UserId::from_u128(11)));
    assert_eq!(
        client_task_assignee(&p, Some(Person::User(UserId::from_u128(12)))),
        Ok(UserId::from_u128(12))
    );
    assert_eq!(
        client_task_assignee(&p, Some(Person::User(UserId::from_u128(13)))),
        Err(ContactError::AssigneeNotAllowed)
    );
    assert_eq!(
        client_task_assignee(&p, Some(Person::Contact(Uuid::from_u128(7)))),
        Err(ContactError::AssigneeNotAllowed)
    );
    let bare = Project {
        client_manager: None,
        supervisor: None,
        ..p
    };
    assert_eq!(
        client_task_assignee(&bare, None),
        Err(ContactError::NoClientManager)
    );
}

#[test]
fn contacts_become_auditors_only_when_confirmed() {
    let ana = Person::Contact(Uuid::from_u128(7));
    let bob = Person::User(UserId::from_u128(11));
    assert_eq!(contact_auditors(&[], &[bob], false), Ok(vec![]));
    assert_eq!(
        contact_auditors(&[bob], &[bob, ana], false),
        Err(ContactError::AuditorNeedsConfirmation {
            contacts: vec![Uuid::from_u128(7)]
        })
    );
    assert_eq!(
        contact_auditors(&[bob], &[bob, ana], true),
        Ok(vec![Uuid::from_u128(7)])
    );
    // Already an auditor: nothing new to confirm.
    assert_eq!(contact_auditors(&[ana], &[ana], false), Ok(vec![]));
}

#[test]
fn task_people_refuse_duplicates_and_list_everyone_once() {
    let ana = Person::Contact(Uuid::from_u128(7));
    let bob = Person::User(UserId::from_u128(11));
    let people = TaskPeople {
        assignee: Some(bob),
        co_assignees: vec![ana],
        participants: vec![bob],
        auditors: vec![],
    };
    assert!(people.validate().is_ok());
    assert_eq!(people.everyone().len(), 2);
    assert!(people.contains(&ana));
    let pairs: Vec<_> = people.pairs().collect();
    assert_eq!(TaskPeople::from_pairs(pairs), people);
    let twice = TaskPeople {
        participants: vec![ana, ana],
        ..TaskPeople::default()
    };
    assert!(matches!(
        twice.validate(),
        Err(ContactError::DuplicatePerson {
            role: "participants",
            ..
        })
    ));
}

#[test]
fn comments_need_text_within_the_limit() {
    assert_eq!(clean_comment("  hi \n"), Ok("hi".into()));
    assert_eq!(clean_comment(" \n "), Err(ContactError::EmptyComment));
    assert!(matches!(
        clean_comment(&"x".repeat(MAX_COMMENT_CHARS + 1)),
        Err(ContactError::CommentTooLong { .. })
    ));
}

#[test]
fn the_portal_roles_are_the_engines_and_match_the_documented_table() {
    let portal = PortalPolicy::new().unwrap();
    let expected = [
        (PortalAction::ViewProject, true, true),
        (PortalAction::ViewTasks, true, true),
        (PortalAction::CreateTask, true, true),
        (PortalAction::Comment, true, true),
        (PortalAction::ViewHistory, true, true),
        (PortalAction::ChangeStatus, false, true),
        (PortalAction::ViewPeople, false, true),
    ];
    for (action, basic, advanced) in expected {
        assert_eq!(
            portal.allows(Access::Basic, action),
            basic,
            "{action:?} basic"
        );
        assert_eq!(
            portal.allows(Access::Advanced, action),
            advanced,
            "{action:?} advanced"
        );
        assert!(!portal.allows(Access::None, action));
    }
    let why = portal.explain(Access::Basic, PortalAction::ChangeStatus);
    assert!(why.contains("Contact (basic)"), "{why}");
    assert!(portal::portal_roles().iter().all(|role| role.predefined));
}

#[test]
fn memberships_decide_projects_and_tasks() {
    let (p1, p2, p3) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    let (t1, t2) = (Uuid::from_u128(10), Uuid::from_u128(20));
    let m = Memberships {
        counterparty_projects: vec![p1],
        tasks: vec![(t2, p2)],
        audited_projects: vec![p3],
    };
    assert_eq!(
        m.visible_projects().into_iter().collect::<Vec<_>>(),
        vec![p1, p2, p3]
    );
    assert!(m.sees_project(p1) && m.sees_project(p2) && m.sees_project(p3));
    assert!(!m.sees_project(Uuid::from_u128(4)));
    assert!(
        !m.sees_task(t1, p1),
        "a counterparty project shows only the tasks they are on"
    );
    assert!(m.sees_task(t2, p2));
    assert!(
        m.sees_task(Uuid::from_u128(99), p3),
        "an auditor sees every task"
    );
    assert_eq!(m.own_tasks_in(p2).len(), 1);
}

#[test]
fn reply_keys_are_per_task_recipient_and_issue() {
    let ana = Person::Contact(Uuid::from_u128(7));
    let bob = Person::User(UserId::from_u128(7));
    let task = [3; 16];
    let a = ReplyKey::derive(&key(), &task, &ana, &[1; 16]);
    assert_eq!(a.as_str().len(), 32);
    assert_ne!(a, ReplyKey::derive(&key(), &task, &bob, &[1; 16]));
    assert_ne!(a, ReplyKey::derive(&key(), &task, &ana, &[2; 16]));
    assert_ne!(a, ReplyKey::derive(&key(), &[4; 16], &ana, &[1; 16]));
    assert_eq!(ReplyKey::parse(&a.as_str().to_uppercase()), Some(a.clone()));
    assert_eq!(ReplyKey::parse("xyz"), None);
    assert!(a.address("reply.example.com").starts_with("reply+"));
    assert_eq!(format!("{a:?}"), "ReplyKey(..)");
}

proptest! {
    #[test]
    fn visible_tasks_are_exactly_own_or_audited(
        own in proptest::collection::vec((0u128..40, 0u128..5), 0..20),
        audited in proptest::collection::vec(0u128..5, 0..3),
        counterparty in proptest::collection::vec(0u128..5, 0..3),
    ) {
        let m = Memberships {
            counterparty_projects: counterparty.iter().map(|p| Uuid::from_u128(*p)).collect(),
            tasks: own.iter().map(|(t, p)| (Uuid::from_u128(1000 + t * 10 + p), Uuid::from_u128(*p))).collect(),
            audited_projects: audited.iter().map(|p| Uuid::from_u128(*p)).collect(),
        };
        for project in 0u128..5 {
            let project_id = Uuid::from_u128(project);
            let expected_project = counterparty.contains(&project)
                || audited.contains(&project)
                || own.iter().any(|(_, p)| *p == project);
            prop_assert_eq!(m.sees_project(project_id), expected_project);
            prop_assert_eq!(m.visible_projects().contains(&project_id), expected_project);
            for task in 0u128..40 {
                let on = own.iter().any(|(t, p)| *t == task && *p == project);
                let expected = audited.contains(&project) || on;
                prop_assert_eq!(m.sees_task(Uuid::from_u128(1000 + task * 10 + project), project_id), expected);
            }
        }
    }
}
