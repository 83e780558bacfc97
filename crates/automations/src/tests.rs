use std::collections::{BTreeMap, BTreeSet};

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use tessera_core::{UserId, Uuid};

use crate::*;

fn user(n: u128) -> UserId {
    UserId::from_u128(n)
}

fn deal_won() -> EventType {
    EventType {
        name: "deal.won".into(),
        fields: BTreeMap::from([
            ("title".into(), FieldKind::Text),
            ("value".into(), FieldKind::Number),
            ("vip".into(), FieldKind::Bool),
        ]),
    }
}

fn event(json: &str) -> Event {
    serde_json::from_str(json).expect("event json")
}

fn definition(steps: Vec<Step>) -> Definition {
    Definition {
        name: "  Thank the client ".into(),
        trigger: Trigger {
            event_type: "deal.won".into(),
            conditions: vec![Condition {
                field: "value".into(),
                op: Operator::GreaterThan,
                value: Some(Value::Number(1000.0)),
            }],
        },
        mode: TriggerMode::SelectedUsers,
        steps,
    }
}

fn email_step() -> Step {
    Step::SendEmail {
        to: "{{event.client}}".into(),
        subject: "Thanks for {{event.title}}".into(),
        body: "Dear client, from {{user.name}}".into(),
    }
}

fn automation(mode: TriggerMode, active: bool) -> Automation {
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    Automation {
        id: Uuid::from_u128(1),
        owner: user(100),
        definition: Definition {
            mode,
            ..definition(vec![email_step()])
        },
        active,
        created_at: at,
        updated_at: at,
    }
}

#[test]
fn the_gate_names_each_missing_requirement() {
    assert!(gate(Plan::Advanced, true).is_ok());
    assert!(gate(Plan::Professional, true).is_ok());
    let both = gate(Plan::Essential, false).unwrap_err();
    assert_eq!(
        both,
        AutomationError::GateClosed {
            plan: Plan::Essential,
            missing: vec![Requirement::Plan, Requirement::BetaSwitch]
        }
    );
    let text = both.to_string();
    assert!(text.contains("Advanced plan") && text.contains("essential") && text.contains("beta"));
    let beta_only = gate(Plan::Enterprise, false).unwrap_err().to_string();
    assert!(beta_only.contains("beta") && !beta_only.contains("plan or higher"));
    for plan in Plan::ALL {
        assert_eq!(Plan::from_name(plan.name()), Some(plan));
    }
}

#[test]
fn conditions_compare_by_kind() {
    let big = event(
        r#"{"type": "deal.won", "fields": {"title": "Acme renewal", "value": 5000, "vip": true}}"#,
    );
    let small = event(r#"{"type": "deal.won", "fields": {"value": 10}}"#);
    let other = event(r#"{"type": "deal.lost", "fields": {"value": 5000}}"#);
    let trigger = definition(vec![]).trigger;
    assert!(trigger.matches(&big));
    assert!(!trigger.matches(&small));
    assert!(!trigger.matches(&other));
    let holds = |field: &str, op, value: Option<Value>| {
        Condition {
            field: field.into(),
            op,
            value,
        }
        .holds(&big)
    };
    assert!(holds(
        "title",
        Operator::Contains,
        Some(Value::Text("Acme".into()))
    ));
    assert!(!holds(
        "title",
        Operator::Contains,
        Some(Value::Number(1.0))
    ));
    assert!(holds("vip", Operator::Equals, Some(Value::Bool(true))));
    assert!(holds(
        "value",
        Operator::LessThan,
        Some(Value::Number(5001.0))
    ));
    assert!(holds(
        "value",
        Operator::NotEquals,
        Some(Value::Number(1.0))
    ));
    assert!(holds("title", Operator::Exists, None));
    assert!(!holds("missing", Operator::Exists, None));
    assert!(!holds(
        "missing",
        Operator::NotEquals,
        Some(Value::Number(1.0))
    ));
}

#[test]
fn definitions_are_checked_field_by_field() {
    let valid = definition(vec![email_step()]).validate().unwrap();
    assert_eq!(valid.name, "Thank the client");
    let field_of = |definition: Definition| match definition.validate().unwrap_err() {
        AutomationError::Invalid { field, .. } => field,
        other => panic!("unexpected {other:?}"),
    };
    let mut bad = definition(vec![]);
    bad.name = " ".into();
    assert_eq!(field_of(bad), "name");
    let mut bad = definition(vec![]);
    bad.trigger.event_type = "Deal Won".into();
    assert_eq!(field_of(bad), "trigger.event_type");
    let mut bad = definition(vec![]);
    bad.trigger.conditions[0].value = None;
    assert_eq!(field_of(bad), "trigger.conditions[0].value");
    let mut bad = definition(vec![]);
    bad.trigger.conditions[0].value = Some(Value::Text("x".into()));
    assert_eq!(field_of(bad), "trigger.conditions[0].value");
    let bad = definition(vec![email_step(); MAX_STEPS + 1]);
    assert_eq!(field_of(bad), "steps");
    let bad = definition(vec![Step::CallWebhook {
        url: format!("https://example.com/{}", "x".repeat(MAX_URL_CHARS)),
    }]);
    assert_eq!(field_of(bad), "steps[0].url");
}

#[test]
fn steps_read_from_json_by_type() {
    let steps: Vec<Step> = serde_json::from_str(
        r#"[{"type": "send_email", "to": "a@example.com", "subject": "s", "body": "b"},
            {"type": "create_task", "title": "Call {{event.title}}"},
            {"type": "call_webhook", "url": "https://example.com/hook"}]"#,
    )
    .unwrap();
    assert_eq!(steps[1].kind(), "create_task");
    assert!(steps[2].acts_outside() && !steps[0].acts_outside());
    assert!(serde_json::from_str::<Step>(r#"{"type": "send_sms"}"#).is_err());
    assert!(serde_json::from_str::<Step>(r#"{"type": "call_webhook", "uri": "x"}"#).is_err());
}

#[test]
fn templates_render_event_fields_and_the_user() {
    let template = Template::parse(
        "{{event.title}} ({{ event.value }}) for {{user.name}} <{{user.email}}>{{event.none}}",
        "body",
    )
    .unwrap();
    let fields: Vec<_> = template.event_fields().collect();
    assert_eq!(fields, ["title", "value", "none"]);
    let user = RunUser {
        name: "Ana".into(),
        email: "ana@example.com".into(),
    };
    let e = event(r#"{"type": "deal.won", "fields": {"title": "Acme", "value": 1500}}"#);
    assert_eq!(
        template.render(&e, &user),
        "Acme (1500) for Ana <ana@example.com>"
    );
    let e = event(r#"{"type": "deal.won", "fields": {"value": 2.5}}"#);
    assert_eq!(
        Template::parse("{{event.value}}", "x")
            .unwrap()
            .render(&e, &user),
        "2.5"
    );
    for bad in ["{{event.title", "{{ evnt.title }}", "{{event.}}", "{{}}"] {
        let error = Template::parse(bad, "steps[0].body").unwrap_err();
        assert!(
            matches!(error, AutomationError::Invalid { ref field, .. } if field == "steps[0].body"),
            "{bad}"
        );
    }
    assert!(Template::parse("  ", "x").unwrap().is_blank());
    assert!(!Template::parse("{{user.name}}", "x").unwrap().is_blank());
}

#[test]
fn events_are_checked_against_their_type() {
    let kind = deal_won();
    kind.validate().unwrap();
    kind.check_event(
        &event(r#"{"type": "deal.won", "fields": {"title": "A"}}"#),
        "events[0]",
    )
    .unwrap();
    let error = kind
        .check_event(
            &event(r#"{"type": "deal.won", "fields": {"owner": "A"}}"#),
            "events[3]",
        )
        .unwrap_err();
    assert!(
        matches!(error, AutomationError::Invalid { ref field, .. } if field == "events[3].fields.owner")
    );
    let error = kind
        .check_event(
            &event(r#"{"type": "deal.won", "fields": {"value": "high"}}"#),
            "events[0]",
        )
        .unwrap_err();
    assert!(error.to_string().contains("expected number, got text"));
    let mut bad = deal_won();
    bad.fields.insert("Bad Name".into(), FieldKind::Text);
    assert!(bad.validate().is_err());
}

#[test]
fn selected_users_run_for_those_who_activated() {
    let shared = automation(TriggerMode::SelectedUsers, true);
    let activated = [user(1), user(2)];
    let anyone = event(r#"{"type": "deal.won", "fields": {"value": 5000}}"#);
    assert_eq!(shared.runs_for(&anyone, &activated), activated);
    let by_one = Event {
        user: Some(user(2)),
        ..anyone.clone()
    };
    assert_eq!(shared.runs_for(&by_one, &activated), [user(2)]);
    let by_stranger = Event {
        user: Some(user(9)),
        ..anyone.clone()
    };
    assert!(shared.runs_for(&by_stranger, &activated).is_empty());
    let off = automation(TriggerMode::SelectedUsers, false);
    assert!(off.runs_for(&anyone, &activated).is_empty());
    let small = event(r#"{"type": "deal.won", "fields": {"value": 1}}"#);
    assert!(shared.runs_for(&small, &activated).is_empty());
    let owned = automation(TriggerMode::AnyUser, true);
    assert_eq!(owned.runs_for(&by_stranger, &[]), [user(100)]);
}

#[test]
fn consent_and_deactivation() {
    use AccessState::*;
    assert_eq!(Shared.activate(), Ok(Active));
    assert_eq!(DeactivatedTemporarily.activate(), Ok(Active));
    assert_eq!(Paused.activate(), Ok(Active));
    assert_eq!(
        DeactivatedPermanently.activate(),
        Err(AutomationError::PermanentlyDeactivated)
    );
    assert_eq!(Active.deactivate(false), DeactivatedTemporarily);
    assert_eq!(Shared.deactivate(false), Shared);
    assert_eq!(Active.deactivate(true), DeactivatedPermanently);
    assert_eq!(
        DeactivatedPermanently.deactivate(false),
        DeactivatedTemporarily
    );
    assert_eq!(DeactivatedPermanently.share_again(), Shared);
    assert_eq!(Active.share_again(), Active);
    assert_eq!(Active.pause(), Paused);
    assert_eq!(Shared.pause(), Shared);
    for state in AccessState::ALL {
        assert_eq!(AccessState::from_name(state.name()), Some(state));
    }
    let counts = ShareCounts::of([Active, Shared, Active, DeactivatedPermanently]);
    assert_eq!(
        counts,
        ShareCounts {
            activated: 2,
            shared: 4
        }
    );
}

#[test]
fn only_selected_users_automations_are_shared_and_stay_so_while_active() {
    assert!(check_shareable(TriggerMode::SelectedUsers).is_ok());
    assert_eq!(
        check_shareable(TriggerMode::AnyUser),
        Err(AutomationError::NotShareable)
    );
    let accesses = [
        (user(3), AccessState::Active),
        (user(1), AccessState::Shared),
        (user(2), AccessState::Active),
    ];
    assert_eq!(
        check_mode_change(TriggerMode::AnyUser, &accesses),
        Err(AutomationError::UsersStillActive {
            users: vec![user(2), user(3)]
        })
    );
    assert!(check_mode_change(TriggerMode::SelectedUsers, &accesses).is_ok());
    let inactive = [(user(1), AccessState::DeactivatedTemporarily)];
    assert!(check_mode_change(TriggerMode::AnyUser, &inactive).is_ok());
}

#[test]
fn diagnostics_find_every_static_problem() {
    let kind = deal_won();
    let project = Uuid::from_u128(7);
    let projects = BTreeSet::from([project]);
    let facts = StaticFacts {
        event_type: Some(&kind),
        projects: &projects,
    };
    let good = definition(vec![
        Step::SendEmail {
            to: "client@example.com".into(),
            subject: "Thanks for {{event.title}}".into(),
            body: "From {{user.name}}".into(),
        },
        Step::CreateTask {
            project: Some(project),
            title: "Follow up {{event.title}}".into(),
            description: String::new(),
        },
        Step::CallWebhook {
            url: "https://hooks.example.com/won".into(),
        },
    ]);
    assert_eq!(static_problems(&good, facts), []);

    let mut bad = definition(vec![
        Step::SendEmail {
            to: String::new(),
            subject: "{{event.stage}}".into(),
            body: "{{ oops }}".into(),
        },
        Step::CreateTask {
            project: None,
            title: "x".into(),
            description: String::new(),
        },
        Step::CreateTask {
            project: Some(Uuid::from_u128(8)),
            title: " ".into(),
            description: String::new(),
        },
        Step::CallWebhook {
            url: "ftp://example.com".into(),
        },
    ]);
    bad.trigger.conditions.push(Condition {
        field: "stage".into(),
        op: Operator::Exists,
        value: None,
    });
    bad.trigger.conditions.push(Condition {
        field: "vip".into(),
        op: Operator::Equals,
        value: Some(Value::Text("yes".into())),
    });
    let found: Vec<(ProblemCode, String)> = static_problems(&bad, facts)
        .into_iter()
        .map(|p| (p.code, p.field))
        .collect();
    use ProblemCode::*;
    assert_eq!(
        found,
        [
            (UnknownEventField, "trigger.conditions[1].field".to_owned()),
            (
                ConditionKindMismatch,
                "trigger.conditions[2].value".to_owned()
            ),
            (BadTemplate, "steps[0].body".to_owned()),
            (StepIncomplete, "steps[1].project".to_owned()),
            (StepIncomplete, "steps[2].title".to_owned()),
            (UnknownProject, "steps[2].project".to_owned()),
            (InvalidWebhookUrl, "steps[3].url".to_owned()),
        ]
    );
    let empty = definition(vec![]);
    let no_type = StaticFacts {
        event_type: None,
        projects: &projects,
    };
    let codes: Vec<_> = static_problems(&empty, no_type)
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(codes, [NoSteps, UnknownEventType]);
    let incomplete = definition(vec![Step::SendEmail {
        to: "{{event.title}}".into(),
        subject: String::new(),
        body: "{{event.stage}}".into(),
    }]);
    let found: Vec<_> = static_problems(&incomplete, facts)
        .into_iter()
        .map(|p| (p.code, p.field))
        .collect();
    assert_eq!(
        found,
        [
            (StepIncomplete, "steps[0].subject".to_owned()),
            (UnknownEventField, "steps[0].body".to_owned()),
        ]
    );
    for problem in static_problems(&bad, facts) {
        assert!(!problem.fix.is_empty() && !problem.message.is_empty());
    }
}

#[test]
fn diagnostics_for_a_user() {
    let steps = vec![
        email_step(),
        Step::CreateTask {
            project: Some(Uuid::from_u128(7)),
            title: "t".into(),
            description: String::new(),
        },
    ];
    let d = definition(steps);
    let ready = UserFacts {
        has_mailbox: true,
        may_create_tasks: true,
    };
    assert_eq!(user_problems(&d, ready), []);
    let codes: Vec<_> = user_problems(
        &d,
        UserFacts {
            has_mailbox: false,
            may_create_tasks: false,
        },
    )
    .into_iter()
    .map(|p| (p.code, p.step))
    .collect();
    assert_eq!(
        codes,
        [
            (ProblemCode::NoMailbox, Some(0)),
            (ProblemCode::MayNotCreateTasks, Some(1))
        ]
    );
}

#[test]
fn webhook_urls() {
    for good in [
        "https://example.com",
        "http://127.0.0.1:9000/x",
        "https://[::1]:8443/hook",
        "https://example.com/a?b=c#d",
    ] {
        assert_eq!(check_webhook_url(good), Ok(()), "{good}");
    }
    for bad in [
        "",
        "example.com",
        "https://",
        "https://:80/",
        "https://example.com:0/",
        "https://example.com:99999/",
        "https://a b.com/",
        "https://u:p@example.com/",
        "javascript:alert(1)",
    ] {
        assert!(check_webhook_url(bad).is_err(), "{bad}");
    }
}

fn result(index: usize, status: StepStatus) -> StepResult {
    StepResult {
        index,
        status,
        output: None,
        error: None,
        at: Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap(),
    }
}

#[test]
fn a_run_resumes_or_fails_after_a_crash_and_never_repeats_a_step() {
    use StepStatus::*;
    assert_eq!(
        next_action(0, &[]),
        NextAction::Finish(RunStatus::Succeeded)
    );
    assert_eq!(next_action(3, &[]), NextAction::Run(0));
    assert_eq!(next_action(3, &[result(0, Succeeded)]), NextAction::Run(1));
    assert_eq!(
        next_action(3, &[result(0, Succeeded), result(1, Started)]),
        NextAction::FailInterrupted(1)
    );
    assert_eq!(
        next_action(3, &[result(0, Failed)]),
        NextAction::Finish(RunStatus::Failed)
    );
    assert_eq!(
        next_action(2, &[result(0, Succeeded), result(1, Succeeded)]),
        NextAction::Finish(RunStatus::Succeeded)
    );
    assert!(records_start(&Step::CallWebhook { url: "x".into() }));
    assert!(!records_start(&email_step()));
}

#[test]
fn run_filters_cursors_and_pages() {
    assert_eq!(page_size(None), Ok(DEFAULT_PAGE));
    assert_eq!(page_size(Some(MAX_PAGE)), Ok(MAX_PAGE));
    assert!(page_size(Some(0)).is_err() && page_size(Some(MAX_PAGE + 1)).is_err());
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let backwards = RunFilter {
        from: Some(at),
        to: Some(at - chrono::Duration::seconds(1)),
        ..RunFilter::default()
    };
    assert!(
        matches!(backwards.validate(), Err(AutomationError::Invalid { ref field, .. }) if field == "to")
    );
    for bad in [
        "",
        "1.2",
        "x.0b6f2a436a1f4c389a550c1e8a1d2b3c",
        "99999999999999999999.0b6f2a436a1f4c389a550c1e8a1d2b3c",
    ] {
        assert!(RunCursor::parse(bad).is_err(), "{bad}");
    }
    for status in RunStatus::ALL {
        assert_eq!(RunStatus::from_name(status.name()), Some(status));
    }
}

#[test]
fn mailboxes() {
    let mailbox = Mailbox::new(" Ana@Example.com ", " Ana Pop ", "Ana\r\nSales\n\n", true).unwrap();
    assert_eq!(mailbox.address, "ana@example.com");
    assert_eq!(mailbox.display_name, "Ana Pop");
    assert_eq!(mailbox.signed("Hi\n"), "Hi\n\n-- \nAna\nSales");
    let plain = Mailbox::new("ana@example.com", "Ana", "", false).unwrap();
    assert_eq!(plain.signed("Hi"), "Hi");
    let field = |error: AutomationError| match error {
        AutomationError::Invalid { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(Mailbox::new("nope", "Ana", "", false).unwrap_err()),
        "address"
    );
    assert_eq!(
        field(Mailbox::new("a@example.com", "", "", false).unwrap_err()),
        "display_name"
    );
    let long = "x".repeat(MAX_SIGNATURE_CHARS + 1);
    assert_eq!(
        field(Mailbox::new("a@example.com", "A", &long, false).unwrap_err()),
        "signature"
    );
}

fn any_state() -> impl Strategy<Value = AccessState> {
    prop::sample::select(AccessState::ALL.to_vec())
}

#[derive(Debug, Clone, Copy)]
enum Command {
    Activate,
    Deactivate(bool),
    ShareAgain,
    Pause,
}

fn any_command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Activate),
        any::<bool>().prop_map(Command::Deactivate),
        Just(Command::ShareAgain),
        Just(Command::Pause),
    ]
}

proptest! {
    /// Whatever admins and the failure rule do, a user whom an admin deactivated permanently
    /// can activate only after an admin shares it again; and activating twice is activating once.
    #[test]
    fn permanent_deactivation_holds_until_shared_again(
        start in any_state(),
        commands in prop::collection::vec(any_command(), 0..30),
    ) {
        let mut state = start;
        let mut blocked = state == AccessState::DeactivatedPermanently;
        for command in commands {
            match command {
                Command::Activate => match state.activate() {
                    Ok(next) => {
                        prop_assert!(!blocked);
                        prop_assert_eq!(next.activate(), Ok(next));
                        state = next;
                    }
                    Err(_) => prop_assert!(blocked),
                },
                Command::Deactivate(permanently) => {
                    state = state.deactivate(permanently);
                    blocked = permanently || (blocked && state == AccessState::DeactivatedPermanently);
                }
                Command::ShareAgain => {
                    state = state.share_again();
                    blocked = false;
                }
                Command::Pause => state = state.pause(),
            }
            prop_assert_eq!(blocked, state == AccessState::DeactivatedPermanently);
        }
    }

    /// The pause rule: never under 20 runs, always at 95% or more failed.
    #[test]
    fn the_pause_rule(finished in 0u32..200, failed_share in 0u32..=100) {
        let failed = finished * failed_share / 100;
        let recent = RecentRuns { finished, failed };
        let expected = finished >= 20 && failed * 100 >= 95 * finished;
        prop_assert_eq!(recent.should_pause(), expected);
    }
}

use crate::diagnostics::{StaticFacts, UserFacts, static_problems, user_problems};

#[test]
fn whole_numbers_are_written_without_a_fraction() {
    assert_eq!(serde_json::to_string(&Value::Number(10.0)).unwrap(), "10");
    assert_eq!(serde_json::to_string(&Value::Number(2.5)).unwrap(), "2.5");
    let back: Value = serde_json::from_str("10").unwrap();
    assert_eq!(back, Value::Number(10.0));
}
