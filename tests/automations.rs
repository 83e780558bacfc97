//! Shared automations through the service, as an embedder uses them, on a real SQLite file
//! and (with `TESSERA_TEST_POSTGRES_URL`) a real PostgreSQL: the plan gate, sharing and each
//! user's consent, diagnostics refusing an activation with a notification, events fanning
//! out into runs that the runner works through — the e-mail delivered over SMTP from the
//! user's mailbox with their signature, the task created as them, the webhook called once on
//! loopback — run history and who may see it, deactivation, the failing-runs pause, nothing
//! across accounts, and concurrent activations.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera::automations::{
    AccessState, AutomationError, Condition, Definition, Event, EventType, FieldKind, Operator,
    Plan, ProblemCode, Requirement, RunFilter, RunStatus, Step, StepStatus, Trigger, TriggerMode,
    Value,
};
use tessera::core::{AccountId, RoleId, SecretKey, UserId, Uuid};
use tessera::mail::SmtpMailer;
use tessera::mail::testing::{SmtpSink, parse};
use tessera::service::audit::AuditQuery;
use tessera::service::automations::{Activated, AutomationSettings, MailboxInput};
use tessera::service::projects::NewProject;
use tessera::service::runner::RunnerOptions;
use tessera::service::{Caller, NewAccount, NewUser, ServiceError, Tessera, WorkerOptions};
use tessera::store::DieselStore;
use tessera::store::testing::TestDb;

/// Workspace `write`, no settings: may create tasks, is no admin.
const CONTENT_MODERATOR: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0004);
/// Workspace `read` only: may not create tasks.
const CONTENT_CURATOR: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0003);

fn service(db: &TestDb, sink: &SmtpSink) -> Tessera {
    let (store, _) = DieselStore::open(&db.url, 8).expect("store");
    let mailer = SmtpMailer::from_url(&sink.url()).expect("smtp");
    Tessera::builder(store, SecretKey::from_bytes([5; 32]), mailer)
        .public_url("https://tessera.example")
        .mail_from("Tessera <tessera@example.com>")
        .webhooks(Duration::from_secs(5), true)
        .build()
        .expect("tessera")
}

fn quick_workers() -> WorkerOptions {
    WorkerOptions {
        outbox_idle: Duration::from_millis(50),
        runner: RunnerOptions {
            idle: Duration::from_millis(50),
            ..RunnerOptions::default()
        },
        ..WorkerOptions::default()
    }
}

/// A loopback webhook receiver answering `status`, keeping each request's idempotency key
/// and body.
struct Hook {
    url: String,
    received: Arc<Mutex<Vec<(String, String)>>>,
}

impl Hook {
    fn start(status: u16) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream);
                    let (mut key, mut length) = (String::new(), 0);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(value) = lower.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap();
                        }
                        if let Some(value) = lower.strip_prefix("idempotency-key:") {
                            key = value.trim().to_owned();
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    kept.lock()
                        .unwrap()
                        .push((key, String::from_utf8(body).unwrap()));
                    let mut stream = reader.into_inner();
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                });
            }
        });
        Hook { url, received }
    }

    fn requests(&self) -> Vec<(String, String)> {
        self.received.lock().unwrap().clone()
    }
}

/// Waits until `done` holds (the workers run on their own threads).
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Account {
    id: AccountId,
    admin: Caller,
}

fn account(tessera: &Tessera, name: &str) -> Account {
    let created = tessera
        .create_account(NewAccount {
            name: name.into(),
            apps: vec!["crm".into()],
            environments: vec!["production".into()],
            admin_email: format!("admin@{name}.example"),
            admin_display_name: Some("Admin".into()),
            admin_password: Some("initial-password-1".into()),
            must_change_password: false,
        })
        .expect("account");
    let admin = tessera
        .act_as(created.account, created.admin, None)
        .expect("admin");
    Account {
        id: created.account,
        admin,
    }
}

fn user(tessera: &Tessera, account: &Account, email: &str, name: &str, role: RoleId) -> Caller {
    let added = tessera
        .add_user(
            &account.admin,
            NewUser {
                email: email.into(),
                role,
                initial_password: Some("initial-password-1".into()),
                display_name: Some(name.into()),
            },
        )
        .expect("user");
    tessera
        .act_as(account.id, added.user.id, None)
        .expect("caller")
}

fn open_gate(tessera: &Tessera, account: &Account) {
    tessera
        .set_automation_settings(
            &account.admin,
            AutomationSettings {
                plan: Plan::Advanced,
                beta: true,
            },
        )
        .expect("settings");
}

/// An account whose plan allows automations, with `deal.won` declared.
fn ready(tessera: &Tessera, name: &str) -> Account {
    let acme = account(tessera, name);
    open_gate(tessera, &acme);
    tessera.put_event_type(&acme.admin, deal_won()).unwrap();
    acme
}

/// Creates an automation from `definition`, shares it with `user`, who activates it.
fn shared_and_active(
    tessera: &Tessera,
    acme: &Account,
    definition: Definition,
    user: &Caller,
) -> Uuid {
    let id = tessera
        .create_automation(&acme.admin, definition)
        .unwrap()
        .automation
        .id;
    tessera
        .share_automation(&acme.admin, id, &[user.user])
        .unwrap();
    tessera.activate_automation(user, id).unwrap();
    id
}

fn deal_won() -> EventType {
    EventType {
        name: "deal.won".into(),
        fields: BTreeMap::from([
            ("title".into(), FieldKind::Text),
            ("value".into(), FieldKind::Number),
            ("client".into(), FieldKind::Text),
        ]),
    }
}

fn won(title: &str, value: f64, user: Option<UserId>) -> Event {
    Event {
        event_type: "deal.won".into(),
        user,
        fields: BTreeMap::from([
            ("title".into(), Value::Text(title.into())),
            ("value".into(), Value::Number(value)),
            (
                "client".into(),
                Value::Text("client@customer.example".into()),
            ),
        ]),
    }
}

fn definition(project: Uuid, hook: &str) -> Definition {
    Definition {
        name: "Thank the client".into(),
        trigger: Trigger {
            event_type: "deal.won".into(),
            conditions: vec![Condition {
                field: "value".into(),
                op: Operator::GreaterThan,
                value: Some(Value::Number(1000.0)),
            }],
        },
        mode: TriggerMode::SelectedUsers,
        steps: vec![
            Step::SendEmail {
                to: "{{event.client}}".into(),
                subject: "Thank you for {{event.title}}".into(),
                body: "Dear client, thank you. {{user.name}}".into(),
            },
            Step::CreateTask {
                project: Some(project),
                title: "Follow up {{event.title}}".into(),
                description: "Worth {{event.value}}".into(),
            },
            Step::CallWebhook { url: hook.into() },
        ],
    }
}

fn mailbox(tessera: &Tessera, caller: &Caller, address: &str, name: &str) {
    tessera
        .set_my_mailbox(
            caller,
            MailboxInput {
                address: address.into(),
                display_name: name.into(),
                signature: format!("{name}\nSales, Acme"),
                smtp_url: None,
            },
        )
        .expect("mailbox");
}

fn problems_of(error: ServiceError) -> Vec<ProblemCode> {
    match error {
        ServiceError::Automation(AutomationError::DiagnosticsFailed { problems }) => {
            problems.into_iter().map(|p| p.code).collect()
        }
        other => panic!("expected diagnostics to fail, got {other:?}"),
    }
}

fn audit_count(tessera: &Tessera, admin: &Caller, action: &str) -> usize {
    tessera
        .audit(
            admin,
            AuditQuery {
                action: Some(action.into()),
                limit: Some(200),
                ..AuditQuery::default()
            },
        )
        .expect("audit")
        .events
        .len()
}

#[test]
fn the_plan_and_the_beta_switch_gate_automations() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let tessera = service(&db, &sink);
        let acme = account(&tessera, "acme");
        let create =
            |t: &Tessera| t.create_automation(&acme.admin, definition(Uuid::nil(), "http://x/"));
        let missing = |error: ServiceError| match error {
            ServiceError::Automation(AutomationError::GateClosed { missing, .. }) => missing,
            other => panic!("[{backend}] {other:?}"),
        };
        assert_eq!(
            missing(create(&tessera).unwrap_err()),
            [Requirement::Plan, Requirement::BetaSwitch],
            "[{backend}] a new account has neither"
        );
        let settings = |plan, beta| AutomationSettings { plan, beta };
        tessera
            .set_automation_settings(&acme.admin, settings(Plan::Professional, false))
            .unwrap();
        assert_eq!(
            missing(create(&tessera).unwrap_err()),
            [Requirement::BetaSwitch]
        );
        tessera
            .set_automation_settings(&acme.admin, settings(Plan::Essential, true))
            .unwrap();
        assert_eq!(missing(create(&tessera).unwrap_err()), [Requirement::Plan]);
        tessera
            .set_automation_settings(&acme.admin, settings(Plan::Advanced, true))
            .unwrap();
        create(&tessera).expect("allowed now");
        let ana = user(
            &tessera,
            &acme,
            "ana@acme.example",
            "Ana",
            CONTENT_MODERATOR,
        );
        assert!(matches!(
            tessera.set_automation_settings(&ana, settings(Plan::Enterprise, true)),
            Err(ServiceError::Forbidden { .. })
        ));
        assert!(
            matches!(
                tessera.create_automation(&ana, definition(Uuid::nil(), "http://x/")),
                Err(ServiceError::Forbidden { .. })
            ),
            "[{backend}] only global admins build and share"
        );
    }
}

#[test]
fn a_shared_automation_runs_for_those_who_consented_as_themselves() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let hook = Hook::start(200);
        let tessera = service(&db, &sink);
        let acme = account(&tessera, "acme");
        open_gate(&tessera, &acme);
        let ana = user(
            &tessera,
            &acme,
            "ana@acme.example",
            "Ana Pop",
            CONTENT_MODERATOR,
        );
        let bob = user(&tessera, &acme, "bob@acme.example", "Bob", CONTENT_CURATOR);
        tessera.put_event_type(&acme.admin, deal_won()).unwrap();
        let project = tessera
            .create_project(
                &acme.admin,
                NewProject {
                    name: "Renewals".into(),
                    counterparty: None,
                    client_manager: None,
                    supervisor: None,
                    auditors: vec![],
                    confirm_auditor: false,
                },
            )
            .unwrap();
        let created = tessera
            .create_automation(&acme.admin, definition(project.id, &hook.url))
            .unwrap();
        let id = created.automation.id;
        tessera
            .share_automation(&acme.admin, id, &[ana.user, bob.user])
            .unwrap();
        let listed = tessera.automations(&acme.admin).unwrap();
        assert_eq!(
            (listed[0].counts.activated, listed[0].counts.shared),
            (0, 2)
        );

        // Nothing runs before anyone consents.
        let ingested = tessera
            .ingest_events(&acme.admin, vec![won("Acme renewal", 5000.0, None)])
            .unwrap();
        assert_eq!((ingested.events, ingested.runs), (1, 0), "[{backend}]");

        // Ana has no mailbox yet: refused, with a notification in the app and by e-mail.
        let workers = tessera.start_workers(quick_workers()).expect("workers");
        let refused = tessera.activate_automation(&ana, id).unwrap_err();
        assert_eq!(
            problems_of(refused),
            [ProblemCode::NoMailbox],
            "[{backend}]"
        );
        let notes = tessera.notifications(&ana).unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, "activation_refused");
        assert_eq!(notes[0].automation, Some(id));
        let mails = sink.wait_for(1, Duration::from_secs(20));
        let notice = parse(&mails[0]).unwrap();
        assert!(notice.header("To").unwrap().contains("ana@acme.example"));
        assert!(
            notice
                .part("text/plain")
                .unwrap()
                .contains("Thank the client"),
            "[{backend}] the notice names the automation"
        );
        let diagnosis = tessera.diagnose_automation(&ana, id, None).unwrap();
        assert_eq!(diagnosis.user, Some(ana.user));
        assert_eq!(diagnosis.problems.len(), 1);

        // After the fix the diagnostics pass and she activates, once.
        mailbox(&tessera, &ana, "ana.pop@acme.example", "Ana Pop");
        assert!(
            tessera
                .diagnose_automation(&ana, id, None)
                .unwrap()
                .problems
                .is_empty()
        );
        assert!(matches!(
            tessera.activate_automation(&ana, id).unwrap(),
            Activated::Now(_)
        ));
        assert!(matches!(
            tessera.activate_automation(&ana, id).unwrap(),
            Activated::Already(_)
        ));
        // Bob may not create tasks and has no mailbox.
        let bob_refused = problems_of(tessera.activate_automation(&bob, id).unwrap_err());
        assert_eq!(
            bob_refused,
            [ProblemCode::NoMailbox, ProblemCode::MayNotCreateTasks]
        );
        let listed = tessera.automations(&acme.admin).unwrap();
        assert_eq!(
            (listed[0].counts.activated, listed[0].counts.shared),
            (1, 2)
        );
        let bobs = tessera.automations(&bob).unwrap();
        assert_eq!(bobs.len(), 1);
        assert_eq!(bobs[0].my_access, Some(AccessState::Shared));
        assert!(!bobs[0].may_manage);

        // An event: one run, for Ana, as Ana.
        let small = tessera
            .ingest_events(&acme.admin, vec![won("Tiny", 10.0, None)])
            .unwrap();
        assert_eq!(
            small.runs, 0,
            "[{backend}] the condition holds back small deals"
        );
        let ingested = tessera
            .ingest_events(&acme.admin, vec![won("Acme renewal", 5000.0, None)])
            .unwrap();
        assert_eq!(ingested.runs, 1, "[{backend}]");
        let page = || {
            tessera
                .automation_runs(&acme.admin, id, RunFilter::default(), None, None)
                .unwrap()
        };
        eventually("the run ends", || {
            page()
                .runs
                .first()
                .is_some_and(|run| run.status.is_finished())
        });
        let run = page().runs.remove(0);
        assert_eq!(run.status, RunStatus::Succeeded, "[{backend}] {run:?}");
        assert_eq!(run.user, ana.user);
        let detail = tessera.automation_run(&ana, run.id).unwrap();
        assert_eq!(detail.steps.len(), 3);
        assert!(
            detail
                .steps
                .iter()
                .all(|s| s.status == StepStatus::Succeeded)
        );

        // The e-mail left from Ana's mailbox, signed.
        let mails = sink.wait_for(3, Duration::from_secs(20));
        let sent = mails
            .iter()
            .map(|raw| parse(raw).unwrap())
            .find(|mail| {
                mail.header("To")
                    .unwrap()
                    .contains("client@customer.example")
            })
            .expect("the automation's e-mail");
        let from = sent.header("From").unwrap();
        assert!(
            from.contains("ana.pop@acme.example") && from.contains("Ana Pop"),
            "{from}"
        );
        assert_eq!(
            sent.header("Subject").unwrap(),
            "Thank you for Acme renewal"
        );
        let text = sent.part("text/plain").unwrap();
        assert!(text.contains("thank you. Ana Pop"), "{text}");
        assert!(
            text.contains("-- \r\nAna Pop\r\nSales, Acme")
                || text.contains("-- \nAna Pop\nSales, Acme"),
            "{text}"
        );

        // The task, created by and assigned to Ana.
        let tasks = tessera.tasks(&acme.admin, project.id).unwrap();
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].title, "Follow up Acme renewal");
        assert_eq!(tasks[0].description, "Worth 5000");
        assert_eq!(
            tasks[0].created_by,
            tessera::contacts::Person::User(ana.user)
        );

        // The webhook, called once, with the run's idempotency key.
        let calls = hook.requests();
        assert_eq!(calls.len(), 1, "[{backend}]");
        assert_eq!(calls[0].0, format!("{}:2", run.id));
        let body: serde_json::Value = serde_json::from_str(&calls[0].1).unwrap();
        assert_eq!(body["event"]["fields"]["title"], "Acme renewal");
        assert_eq!(body["user"]["email"], "ana@acme.example");

        // History: the admin filters; Ana sees her own; Bob sees nothing of Ana's.
        let failed = tessera
            .automation_runs(
                &acme.admin,
                id,
                RunFilter {
                    status: Some(RunStatus::Failed),
                    ..RunFilter::default()
                },
                None,
                None,
            )
            .unwrap();
        assert!(failed.runs.is_empty());
        let by_ana = RunFilter {
            user: Some(ana.user),
            ..RunFilter::default()
        };
        assert_eq!(
            tessera
                .automation_runs(&acme.admin, id, by_ana.clone(), None, None)
                .unwrap()
                .runs
                .len(),
            1
        );
        assert_eq!(
            tessera
                .automation_runs(&ana, id, RunFilter::default(), None, None)
                .unwrap()
                .runs
                .len(),
            1
        );
        assert!(
            tessera
                .automation_runs(&bob, id, RunFilter::default(), None, None)
                .unwrap()
                .runs
                .is_empty()
        );
        assert!(matches!(
            tessera.automation_runs(&bob, id, by_ana, None, None),
            Err(ServiceError::NotFound { .. })
        ));
        assert!(matches!(
            tessera.automation_run(&bob, run.id),
            Err(ServiceError::NotFound { .. })
        ));

        // Recipients may look, not change.
        assert!(matches!(
            tessera.update_automation(&ana, id, definition(project.id, &hook.url)),
            Err(ServiceError::Forbidden { .. })
        ));
        assert!(matches!(
            tessera.delete_automation(&ana, id),
            Err(ServiceError::Forbidden { .. })
        ));
        assert!(matches!(
            tessera.duplicate_automation(&ana, id),
            Err(ServiceError::Forbidden { .. })
        ));
        assert!(matches!(
            tessera.transfer_automation(&ana, id, ana.user),
            Err(ServiceError::Forbidden { .. })
        ));

        // Triggered by any user? Not while Ana has it active; the error names her.
        let mut any = definition(project.id, &hook.url);
        any.mode = TriggerMode::AnyUser;
        match tessera
            .update_automation(&acme.admin, id, any.clone())
            .unwrap_err()
        {
            ServiceError::Automation(AutomationError::UsersStillActive { users }) => {
                assert_eq!(users, [ana.user]);
            }
            other => panic!("{other:?}"),
        }

        // Deactivations: temporary (she re-activates), permanent (she cannot until shared again).
        let record = tessera
            .deactivate_automation_for(&acme.admin, id, ana.user, false)
            .unwrap();
        assert_eq!(record.state, AccessState::DeactivatedTemporarily);
        assert!(matches!(
            tessera.activate_automation(&ana, id).unwrap(),
            Activated::Now(_)
        ));
        tessera
            .deactivate_automation_for(&acme.admin, id, ana.user, true)
            .unwrap();
        assert!(matches!(
            tessera.activate_automation(&ana, id),
            Err(ServiceError::Automation(
                AutomationError::PermanentlyDeactivated
            ))
        ));
        let none_ran = tessera
            .ingest_events(&acme.admin, vec![won("Second", 5000.0, None)])
            .unwrap();
        assert_eq!(none_ran.runs, 0, "[{backend}] deactivated: no run");
        tessera
            .share_automation(&acme.admin, id, &[ana.user])
            .unwrap();
        assert!(matches!(
            tessera.activate_automation(&ana, id).unwrap(),
            Activated::Now(_)
        ));

        // Once nobody has it active, it may switch; the other shares end.
        tessera
            .deactivate_automation_for(&acme.admin, id, ana.user, false)
            .unwrap();
        let switched = tessera.update_automation(&acme.admin, id, any).unwrap();
        assert_eq!(switched.counts.shared, 0);
        assert!(matches!(
            tessera.share_automation(&acme.admin, id, &[ana.user]),
            Err(ServiceError::Automation(AutomationError::NotShareable))
        ));
        workers.shutdown();
    }
}

#[test]
fn nothing_crosses_accounts() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let tessera = service(&db, &sink);
        let acme = account(&tessera, "acme");
        let other = account(&tessera, "other");
        open_gate(&tessera, &acme);
        open_gate(&tessera, &other);
        tessera.put_event_type(&acme.admin, deal_won()).unwrap();
        let ana = user(
            &tessera,
            &acme,
            "ana@acme.example",
            "Ana",
            CONTENT_MODERATOR,
        );
        let id = tessera
            .create_automation(&acme.admin, definition(Uuid::nil(), "http://127.0.0.1:9/"))
            .unwrap()
            .automation
            .id;
        tessera
            .share_automation(&acme.admin, id, &[ana.user])
            .unwrap();
        let not_found = |result: Result<_, ServiceError>| {
            assert!(
                matches!(result, Err(ServiceError::NotFound { .. })),
                "[{backend}]"
            )
        };
        not_found(tessera.automation(&other.admin, id).map(|_| ()));
        not_found(tessera.automation_access(&other.admin, id).map(|_| ()));
        not_found(tessera.delete_automation(&other.admin, id));
        not_found(tessera.activate_automation(&other.admin, id).map(|_| ()));
        not_found(
            tessera
                .automation_runs(&other.admin, id, RunFilter::default(), None, None)
                .map(|_| ()),
        );
        assert!(tessera.automations(&other.admin).unwrap().is_empty());
        // Sharing with a user of another account is refused, naming the field.
        let stranger = user(
            &tessera,
            &other,
            "eve@other.example",
            "Eve",
            CONTENT_MODERATOR,
        );
        match tessera.share_automation(&acme.admin, id, &[stranger.user]) {
            Err(ServiceError::InvalidInput { field, .. }) => {
                assert_eq!(field.as_deref(), Some("users[0]"));
            }
            other => panic!("[{backend}] {other:?}"),
        }
        // Events of another account's type are unknown there.
        match tessera.ingest_events(&other.admin, vec![won("x", 5000.0, None)]) {
            Err(ServiceError::InvalidInput { field, .. }) => {
                assert_eq!(field.as_deref(), Some("events[0].type"));
            }
            other => panic!("[{backend}] {other:?}"),
        }
    }
}

#[test]
fn concurrent_activations_end_in_one_and_deactivation_races_end_well_defined() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let tessera = service(&db, &sink);
        let acme = ready(&tessera, "acme");
        let ana = user(
            &tessera,
            &acme,
            "ana@acme.example",
            "Ana",
            CONTENT_MODERATOR,
        );
        mailbox(&tessera, &ana, "ana@acme.example", "Ana");
        let mut only_mail = definition(Uuid::nil(), "http://x/");
        only_mail.steps.truncate(1);
        let id = tessera
            .create_automation(&acme.admin, only_mail)
            .unwrap()
            .automation
            .id;
        tessera
            .share_automation(&acme.admin, id, &[ana.user])
            .unwrap();

        let outcomes: Vec<Activated> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..50)
                .map(|_| scope.spawn(|| tessera.activate_automation(&ana, id).expect("activate")))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let now = outcomes
            .iter()
            .filter(|o| matches!(o, Activated::Now(_)))
            .count();
        assert_eq!(
            now, 1,
            "[{backend}] 50 concurrent activations, one activation"
        );
        assert_eq!(audit_count(&tessera, &acme.admin, "automation.activate"), 1);

        for round in 0..10 {
            let permanently = round % 2 == 1;
            let (activated, deactivated) = std::thread::scope(|scope| {
                let a = scope.spawn(|| tessera.activate_automation(&ana, id));
                let d = scope.spawn(|| {
                    tessera.deactivate_automation_for(&acme.admin, id, ana.user, permanently)
                });
                (a.join().unwrap(), d.join().unwrap().expect("deactivate"))
            });
            let state = tessera.automation_access(&acme.admin, id).unwrap()[0].state;
            match activated {
                // The activation came last (or found it active): active now, unless it was
                // refused by a permanent deactivation that came first.
                Ok(_) => assert!(
                    state == AccessState::Active || state == deactivated.state,
                    "[{backend}] round {round}: {state:?}"
                ),
                Err(ServiceError::Automation(AutomationError::PermanentlyDeactivated)) => {
                    assert_eq!(state, AccessState::DeactivatedPermanently, "[{backend}]");
                }
                Err(other) => panic!("[{backend}] {other:?}"),
            }
            // Back to a known state for the next round.
            tessera
                .share_automation(&acme.admin, id, &[ana.user])
                .unwrap();
            tessera.activate_automation(&ana, id).unwrap();
            assert_eq!(
                tessera.automation_access(&acme.admin, id).unwrap()[0].state,
                AccessState::Active
            );
        }
    }
}

#[test]
fn nearly_all_runs_failing_pause_the_activation_and_say_which_step() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let hook = Hook::start(500);
        let tessera = service(&db, &sink);
        let acme = ready(&tessera, "acme");
        let ana = user(
            &tessera,
            &acme,
            "ana@acme.example",
            "Ana",
            CONTENT_MODERATOR,
        );
        let mut webhook_only = definition(Uuid::nil(), &hook.url);
        webhook_only.steps = vec![Step::CallWebhook {
            url: hook.url.clone(),
        }];
        let id = shared_and_active(&tessera, &acme, webhook_only, &ana);
        let events: Vec<Event> = (0..25)
            .map(|i| won(&format!("deal {i}"), 5000.0, None))
            .collect();
        assert_eq!(tessera.ingest_events(&acme.admin, events).unwrap().runs, 25);
        let stop = std::sync::atomic::AtomicBool::new(false);
        let options = RunnerOptions {
            parallelism: 1,
            ..RunnerOptions::default()
        };
        let pass = tessera.run_automations(&options, &stop).unwrap();
        assert_eq!((pass.taken, pass.failed), (25, 25), "[{backend}]");
        let access = tessera.automation_access(&acme.admin, id).unwrap();
        assert_eq!(access[0].state, AccessState::Paused, "[{backend}]");
        assert!(
            access[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("step 1 (call_webhook)")
        );
        let notes = tessera.notifications(&ana).unwrap();
        assert_eq!(notes[0].kind, "paused");
        assert_eq!(
            notes[0].failing_step.as_deref(),
            Some("step 1 (call_webhook)")
        );
        // All 25 were taken in one batch, so each called the webhook (and recorded why it
        // failed); the pause stops the runs that start after it.
        let runs = tessera
            .automation_runs(&ana, id, RunFilter::default(), None, Some(200))
            .unwrap()
            .runs;
        assert_eq!(runs.len(), 25);
        for run in &runs {
            let detail = tessera.automation_run(&ana, run.id).unwrap();
            let error = detail.steps[0].error.as_deref().unwrap();
            assert!(error.contains("HTTP 500"), "{error}");
        }
        assert_eq!(hook.requests().len(), 25);
        // Paused: no new runs until she re-activates, which clears it.
        assert_eq!(
            tessera
                .ingest_events(&acme.admin, vec![won("x", 5000.0, None)])
                .unwrap()
                .runs,
            0
        );
        assert!(matches!(
            tessera.activate_automation(&ana, id).unwrap(),
            Activated::Now(_)
        ));
        assert_eq!(
            tessera.automation_access(&acme.admin, id).unwrap()[0].state,
            AccessState::Active
        );
    }
}

#[test]
fn history_pages_with_a_cursor_newest_first() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let tessera = service(&db, &sink);
        let acme = ready(&tessera, "acme");
        let users: Vec<Caller> = (0..3)
            .map(|i| {
                user(
                    &tessera,
                    &acme,
                    &format!("u{i}@acme.example"),
                    "U",
                    CONTENT_MODERATOR,
                )
            })
            .collect();
        let mut only_mail = definition(Uuid::nil(), "http://x/");
        only_mail.steps.truncate(1);
        let id = tessera
            .create_automation(&acme.admin, only_mail)
            .unwrap()
            .automation
            .id;
        let ids: Vec<UserId> = users.iter().map(|u| u.user).collect();
        tessera.share_automation(&acme.admin, id, &ids).unwrap();
        for u in &users {
            mailbox(&tessera, u, "x@acme.example", "U");
            tessera.activate_automation(u, id).unwrap();
        }
        for batch in 0..4 {
            let events = (0..5)
                .map(|i| won(&format!("{batch}/{i}"), 5000.0, None))
                .collect();
            assert_eq!(tessera.ingest_events(&acme.admin, events).unwrap().runs, 15);
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = tessera
                .automation_runs(
                    &acme.admin,
                    id,
                    RunFilter::default(),
                    cursor.as_deref(),
                    Some(7),
                )
                .unwrap();
            assert!(page.runs.len() <= 7);
            seen.extend(page.runs.iter().map(|r| (r.queued_at, r.id)));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), 60, "[{backend}]");
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        sorted.dedup();
        assert_eq!(seen, sorted, "[{backend}] newest first, no repeats");
        let one_user = RunFilter {
            user: Some(users[1].user),
            ..RunFilter::default()
        };
        let page = tessera
            .automation_runs(&acme.admin, id, one_user, None, Some(200))
            .unwrap();
        assert_eq!(page.runs.len(), 20);
        assert!(page.runs.iter().all(|r| r.user == users[1].user));
        assert!(matches!(
            tessera.automation_runs(&acme.admin, id, RunFilter::default(), Some("bogus"), None),
            Err(ServiceError::Automation(AutomationError::Invalid { .. }))
        ));
    }
}

#[test]
fn a_user_with_their_own_smtp_server_sends_through_it() {
    for (backend, db) in TestDb::all() {
        let account_server = SmtpSink::start().expect("sink");
        let own_server = SmtpSink::start().expect("the user's own server");
        let tessera = service(&db, &account_server);
        let acme = ready(&tessera, "acme");
        let ana = user(
            &tessera,
            &acme,
            "ana@acme.example",
            "Ana",
            CONTENT_MODERATOR,
        );
        let saved = tessera
            .set_my_mailbox(
                &ana,
                MailboxInput {
                    address: "ana@own-domain.example".into(),
                    display_name: "Ana".into(),
                    signature: String::new(),
                    smtp_url: Some(own_server.url()),
                },
            )
            .unwrap();
        assert!(saved.own_smtp);
        assert!(
            !format!(
                "{:?}",
                MailboxInput {
                    address: String::new(),
                    display_name: String::new(),
                    signature: String::new(),
                    smtp_url: Some("smtp://ana:secret-pw@mail.example".into()),
                }
            )
            .contains("secret-pw"),
            "the URL's password never shows in logs"
        );
        let mut only_mail = definition(Uuid::nil(), "http://x/");
        only_mail.steps.truncate(1);
        shared_and_active(&tessera, &acme, only_mail, &ana);
        assert_eq!(
            tessera
                .ingest_events(&acme.admin, vec![won("Own", 5000.0, None)])
                .unwrap()
                .runs,
            1
        );
        let workers = tessera.start_workers(quick_workers()).expect("workers");
        let received = own_server.wait_for(1, Duration::from_secs(20));
        workers.shutdown();
        assert_eq!(
            received.len(),
            1,
            "[{backend}] through the user's own server"
        );
        let mail = parse(&received[0]).unwrap();
        assert!(
            mail.header("From")
                .unwrap()
                .contains("ana@own-domain.example")
        );
        assert!(
            mail.header("To")
                .unwrap()
                .contains("client@customer.example")
        );
        assert!(
            account_server.messages().is_empty(),
            "[{backend}] nothing through the account's server"
        );
    }
}
