//! Shared automations from Rust, with no web server: the plan gate, an event type, an
//! automation an admin builds and shares, a user whose activation the diagnostics refuse
//! until she sets up her mailbox, an event that starts a run for her, the runner working it
//! through (her e-mail into the outbox, a task created as her), and the run's history. Run
//! with `cargo run --example automations`.

use std::collections::BTreeMap;
use std::error::Error;
use std::sync::atomic::AtomicBool;

use tessera::access::PREDEFINED_ROLES;
use tessera::automations::{
    Condition, Definition, Event, EventType, FieldKind, Operator, Plan, RunFilter, Step, Trigger,
    TriggerMode, Value,
};
use tessera::core::RoleId;
use tessera::mail::FileMailer;
use tessera::service::automations::{AutomationSettings, MailboxInput};
use tessera::service::projects::NewProject;
use tessera::service::runner::RunnerOptions;
use tessera::service::{NewUser, ServiceError, Tessera, new_key};
use tessera::store::{DatabaseUrl, DieselStore};

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!(
        "tessera-automations-example-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("tessera.db").display()))?;
    let (store, _) = DieselStore::open(&url, 4)?;
    let tessera = Tessera::builder(store, new_key(), FileMailer::new(dir.join("outbox")))
        .public_url("https://tessera.example")
        .build()?;
    let account = tessera
        .bootstrap("admin@acme.example", None)?
        .ok_or("the database already had an account")?;
    let admin = tessera.act_as(account.account, account.admin, None)?;

    // Automations need the Advanced plan or higher and the beta switch.
    let project = tessera.create_project(
        &admin,
        NewProject {
            name: "Renewals".into(),
            counterparty: None,
            client_manager: None,
            supervisor: None,
            auditors: vec![],
            confirm_auditor: false,
        },
    )?;
    let definition = Definition {
        name: "Thank the client".into(),
        trigger: Trigger {
            event_type: "deal.won".into(),
            conditions: vec![Condition {
                field: "value".into(),
                op: Operator::GreaterThan,
                value: Some(Value::Number(1_000.0)),
            }],
        },
        mode: TriggerMode::SelectedUsers,
        steps: vec![
            Step::SendEmail {
                to: "{{event.client}}".into(),
                subject: "Thank you for {{event.title}}".into(),
                body: "Dear client, thank you for your trust.".into(),
            },
            Step::CreateTask {
                project: Some(project.id),
                title: "Follow up {{event.title}}".into(),
                description: "Worth {{event.value}}".into(),
            },
        ],
    };
    match tessera.create_automation(&admin, definition.clone()) {
        Err(ServiceError::Automation(refused)) => println!("before the plan allows it: {refused}"),
        other => return Err(format!("expected the gate to refuse, got {other:?}").into()),
    }
    tessera.set_automation_settings(
        &admin,
        AutomationSettings {
            plan: Plan::Advanced,
            beta: true,
        },
    )?;
    tessera.put_event_type(
        &admin,
        EventType {
            name: "deal.won".into(),
            fields: BTreeMap::from([
                ("title".into(), FieldKind::Text),
                ("value".into(), FieldKind::Number),
                ("client".into(), FieldKind::Text),
            ]),
        },
    )?;
    let automation = tessera.create_automation(&admin, definition)?.automation;

    // Share it with Ana (a Content Moderator: she may create tasks, she is no admin).
    let moderator = RoleId::from_u128(PREDEFINED_ROLES[3].0);
    let ana = tessera.add_user(
        &admin,
        NewUser {
            email: "ana@acme.example".into(),
            role: moderator,
            initial_password: None,
            display_name: Some("Ana Pop".into()),
        },
    )?;
    let ana = tessera.act_as(account.account, ana.user.id, None)?;
    tessera.share_automation(&admin, automation.id, &[ana.user])?;

    // Her consent: refused until she has a mailbox to send from.
    if let Err(refused) = tessera.activate_automation(&ana, automation.id) {
        println!("Ana's first activation: {refused}");
        for problem in tessera
            .diagnose_automation(&ana, automation.id, None)?
            .problems
        {
            println!("  troubleshooting: {} — {}", problem.message, problem.fix);
        }
    }
    tessera.set_my_mailbox(
        &ana,
        MailboxInput {
            address: "ana.pop@acme.example".into(),
            display_name: "Ana Pop".into(),
            signature: "Ana Pop\nSales, Acme".into(),
            smtp_url: None,
        },
    )?;
    tessera.activate_automation(&ana, automation.id)?;
    let listed = tessera.automations(&admin)?;
    println!(
        "{}: activated {} / shared {}",
        listed[0].automation.definition.name, listed[0].counts.activated, listed[0].counts.shared
    );

    // An event; the runner works the run through as Ana.
    let event = Event {
        event_type: "deal.won".into(),
        user: None,
        fields: BTreeMap::from([
            ("title".into(), Value::Text("Acme renewal".into())),
            ("value".into(), Value::Number(5_000.0)),
            (
                "client".into(),
                Value::Text("client@customer.example".into()),
            ),
        ]),
    };
    let ingested = tessera.ingest_events(&admin, vec![event])?;
    println!("the event started {} run(s)", ingested.runs);
    let pass = tessera.run_automations(&RunnerOptions::default(), &AtomicBool::new(false))?;
    println!(
        "runner: {} succeeded, {} failed",
        pass.succeeded, pass.failed
    );
    let history =
        tessera.automation_runs(&admin, automation.id, RunFilter::default(), None, None)?;
    for run in &history.runs {
        let detail = tessera.automation_run(&ana, run.id)?;
        println!("run {} for {}: {:?}", run.id, run.user, run.status);
        for step in detail.steps {
            println!(
                "  step {}: {:?} {}",
                step.index + 1,
                step.status,
                step.output.unwrap_or_default()
            );
        }
    }
    let tasks = tessera.tasks(&admin, project.id)?;
    println!(
        "task created as Ana: {:?}",
        tasks.iter().map(|t| &t.title).collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
