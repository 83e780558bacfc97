//! Shared automations at scale, over a real database (a SQLite file; PostgreSQL too when
//! `TESSERA_TEST_POSTGRES_URL` is set):
//!
//! - **Fan-out**: 10,000 events of a declared type, in batches of 1,000 through
//!   `Tessera::ingest_events`, each matching one automation shared with and activated by 100
//!   users: 1,000,000 runs written (queued, before any runs). The rate is runs written per
//!   second, over the whole ingestion.
//! - **Runner**: the runner works queued runs through — each a send-e-mail step (into the
//!   outbox, from the user's mailbox) and a webhook step (a POST to an actix-web server on
//!   loopback) — for `TESSERA_BENCH_RUNNER_SECONDS` (default 20); the rate is runs finished
//!   per second.
//! - **History**: pages of 50 runs of the automation at 1,000,000 runs — unfiltered, by
//!   user, by status, by user and a one-hour window, each with and without a cursor deep in
//!   the history — 200 pages per filter; p50/p99 per page, and the database's plan of each
//!   query (`EXPLAIN QUERY PLAN` / `EXPLAIN`).
//!
//! One line per backend:
//! `summary[<backend>]: fanout_runs_per_s=… runner_runs_per_s=… history_p50_ms=… history_p99_ms=… peak_rss_mb=…`

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark aborts loudly on a broken fixture"
)]

mod common;

use common::{Lcg, percentile_ms};

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::RunQueryDsl;
use tessera::automations::{
    Condition, Definition, Event, EventType, FieldKind, Operator, Plan, RunCursor, RunFilter,
    RunStatus, Step, Trigger, TriggerMode, Value,
};
use tessera::core::{RoleId, SecretKey, UserId};
use tessera_mail::FileMailer;
use tessera_service::automations::{AutomationSettings, MailboxInput};
use tessera_service::runner::RunnerOptions;
use tessera_service::{Caller, NewUser, Tessera};
use tessera_store::DbConnection;
use tessera_store::testing::TestDb;

const USERS: usize = 100;
const EVENTS: usize = 10_000;
const BATCH: usize = 1_000;
const PAGES: usize = 200;
/// Workspace `write`, no settings.
const CONTENT_MODERATOR: RoleId = RoleId::from_u128(0x7e55_e7a0_0000_4000_8000_0000_0000_0004);

/// The resident memory high-water mark of this process, MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// An actix-web server on loopback answering every POST with 204; its URL.
fn webhook_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(|| {
                App::new().route(
                    "/hook",
                    web::post().to(|| async { HttpResponse::NoContent().finish() }),
                )
            })
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run()
            .await
            .expect("server");
        });
    });
    url
}

fn event(n: usize) -> Event {
    Event {
        event_type: "deal.won".into(),
        user: None,
        fields: BTreeMap::from([
            ("title".into(), Value::Text(format!("Deal {n}"))),
            ("value".into(), Value::Number(5_000.0 + n as f64)),
            (
                "client".into(),
                Value::Text(format!("client{n}@customer.example")),
            ),
        ]),
    }
}

/// Draws the next filter of one kind.
type FilterMaker<'a> = Box<dyn Fn(&mut Lcg) -> RunFilter + 'a>;

struct Fixture {
    tessera: Tessera,
    admin: Caller,
    users: Vec<UserId>,
    automation: tessera::core::Uuid,
}

fn fixture(db: &TestDb, backend: &str, hook: &str) -> Fixture {
    let (store, _) = tessera_store::DieselStore::open(&db.url, 16).expect("store");
    let outbox = std::env::temp_dir().join(format!(
        "tessera-bench-automations-{}-{backend}",
        std::process::id()
    ));
    let tessera = Tessera::builder(
        store,
        SecretKey::from_bytes([9; 32]),
        FileMailer::new(outbox),
    )
    .webhooks(Duration::from_secs(10), true)
    .build()
    .expect("tessera");
    let created = tessera
        .bootstrap("admin@example.com", Some("bench-password-1"))
        .expect("bootstrap")
        .expect("fresh database");
    let admin = tessera
        .act_as(created.account, created.admin, None)
        .expect("admin");
    tessera
        .set_automation_settings(
            &admin,
            AutomationSettings {
                plan: Plan::Advanced,
                beta: true,
            },
        )
        .expect("gate");
    tessera
        .put_event_type(
            &admin,
            EventType {
                name: "deal.won".into(),
                fields: BTreeMap::from([
                    ("title".into(), FieldKind::Text),
                    ("value".into(), FieldKind::Number),
                    ("client".into(), FieldKind::Text),
                ]),
            },
        )
        .expect("event type");
    let automation = tessera
        .create_automation(
            &admin,
            Definition {
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
                        body: "Dear client, thank you. {{user.name}}".into(),
                    },
                    Step::CallWebhook {
                        url: hook.to_owned(),
                    },
                ],
            },
        )
        .expect("automation")
        .automation
        .id;
    let mut users = Vec::with_capacity(USERS);
    for n in 0..USERS {
        let added = tessera
            .add_user(
                &admin,
                NewUser {
                    email: format!("user{n}@example.com"),
                    role: CONTENT_MODERATOR,
                    initial_password: Some("bench-password-1".into()),
                    display_name: Some(format!("User {n}")),
                },
            )
            .expect("user");
        users.push(added.user.id);
    }
    tessera
        .share_automation(&admin, automation, &users)
        .expect("share");
    for user in &users {
        let caller = tessera
            .act_as(created.account, *user, None)
            .expect("caller");
        tessera
            .set_my_mailbox(
                &caller,
                MailboxInput {
                    address: format!("sender{user}@example.com"),
                    display_name: "Sender".into(),
                    signature: "Sales".into(),
                    smtp_url: None,
                },
            )
            .expect("mailbox");
        tessera
            .activate_automation(&caller, automation)
            .expect("activate");
    }
    Fixture {
        tessera,
        admin,
        users,
        automation,
    }
}

/// The database's plan for `sql`, a line per step.
fn explain(connection: &mut DbConnection, sql: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct SqlitePlan {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }
    #[derive(diesel::QueryableByName)]
    struct PgPlan {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    match connection {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqlitePlan>(c)
            .expect("plan")
            .into_iter()
            .map(|row| row.detail)
            .collect(),
        DbConnection::Postgresql(c) => diesel::sql_query(format!("EXPLAIN {sql}"))
            .load::<PgPlan>(c)
            .expect("plan")
            .into_iter()
            .map(|row| row.line)
            .collect(),
    }
}

/// The database's plan for the history query with these filters (the SQL the store sends,
/// written out once here for `EXPLAIN`).
fn plan(
    connection: &mut DbConnection,
    automation: &str,
    by_user: Option<&str>,
    by_status: bool,
    cursor: bool,
) -> Vec<String> {
    let mut sql = format!(
        "SELECT id FROM automation_runs WHERE account_id = (SELECT account_id FROM automations LIMIT 1) AND automation_id = '{automation}'"
    );
    if let Some(user) = by_user {
        sql.push_str(&format!(" AND user_id = '{user}'"));
    }
    if by_status {
        sql.push_str(" AND status = 'failed'");
    }
    if cursor {
        sql.push_str(" AND (queued_at, id) < ('2100-01-01 00:00:00', 'z')");
    }
    sql.push_str(" ORDER BY queued_at DESC, id DESC LIMIT 51");
    explain(connection, &sql)
}

fn bench(backend: &str, db: &TestDb) {
    let hook = webhook_server();
    let f = fixture(db, backend, &hook);

    // Fan-out: 10,000 events, 1,000 per call, 100 runs each.
    let started = Instant::now();
    let mut runs = 0;
    for batch in 0..EVENTS / BATCH {
        let events = (0..BATCH).map(|n| event(batch * BATCH + n)).collect();
        runs += f
            .tessera
            .ingest_events(&f.admin, events)
            .expect("ingest")
            .runs;
    }
    let fanout_s = started.elapsed().as_secs_f64();
    assert_eq!(runs, EVENTS * USERS);
    let fanout_rate = runs as f64 / fanout_s;
    println!(
        "fan-out[{backend}]: {runs} runs written in {fanout_s:.2} s = {fanout_rate:.0} runs/s; peak RSS {:.0} MB",
        peak_rss_mb()
    );

    // History at 1,000,000 runs, before the runner changes any.
    let automation = f.automation;
    let mut rng = Lcg(17);
    let mut all_times = Vec::new();
    let filters: Vec<(&str, FilterMaker)> = vec![
        ("all", Box::new(|_| RunFilter::default())),
        (
            "user",
            Box::new(|rng: &mut Lcg| RunFilter {
                user: Some(f.users[rng.below(USERS)]),
                ..RunFilter::default()
            }),
        ),
        (
            "status",
            Box::new(|_| RunFilter {
                status: Some(RunStatus::Queued),
                ..RunFilter::default()
            }),
        ),
        (
            "user+window",
            Box::new(|rng: &mut Lcg| {
                let now = chrono::Utc::now();
                RunFilter {
                    user: Some(f.users[rng.below(USERS)]),
                    from: Some(now - chrono::Duration::hours(1)),
                    to: Some(now),
                    ..RunFilter::default()
                }
            }),
        ),
    ];
    // A cursor deep in the history: the 500,000th run's position.
    let deep = {
        let mut cursor: Option<String> = None;
        let mut page = f
            .tessera
            .automation_runs(&f.admin, automation, RunFilter::default(), None, Some(200))
            .expect("page");
        for _ in 0..5 {
            cursor = page.next_cursor.clone();
            page = f
                .tessera
                .automation_runs(
                    &f.admin,
                    automation,
                    RunFilter::default(),
                    cursor.as_deref(),
                    Some(200),
                )
                .expect("page");
        }
        let last = page.runs.last().expect("runs");
        // Jump half-way down by time: the runs are queued in 10 batches.
        let mid = f
            .tessera
            .automation_runs(&f.admin, automation, RunFilter::default(), None, Some(1))
            .expect("newest")
            .runs[0]
            .queued_at;
        let _ = cursor;
        RunCursor {
            at: mid - chrono::Duration::microseconds(1),
            id: last.id,
        }
        .to_text()
    };
    for (name, filter) in &filters {
        for with_cursor in [false, true] {
            let mut times = Vec::with_capacity(PAGES);
            for _ in 0..PAGES {
                let query = filter(&mut rng);
                let cursor = with_cursor.then_some(deep.as_str());
                let started = Instant::now();
                let page = f
                    .tessera
                    .automation_runs(&f.admin, automation, query, cursor, Some(50))
                    .expect("page");
                times.push(started.elapsed());
                std::hint::black_box(page);
            }
            times.sort();
            println!(
                "history[{backend}] {name}{}: p50 {:.3} ms, p99 {:.3} ms",
                if with_cursor {
                    " after a deep cursor"
                } else {
                    ""
                },
                percentile_ms(&times, 0.5),
                percentile_ms(&times, 0.99)
            );
            all_times.extend(times);
        }
    }
    all_times.sort();
    let mut connection = db.connect();
    let some_user = f.users[0].to_string();
    for (name, user, status, cursor) in [
        ("all", None, false, false),
        ("user", Some(some_user.as_str()), false, false),
        ("status", None, true, false),
        ("user after a cursor", Some(some_user.as_str()), false, true),
    ] {
        for line in plan(
            &mut connection,
            &automation.to_string(),
            user,
            status,
            cursor,
        ) {
            println!("plan[{backend}] {name}: {line}");
        }
    }

    // The runner's claim: the partial index of unfinished runs, in queue order.
    let claim = "SELECT id FROM automation_runs WHERE automation_runs.status IN ('queued', 'running') \
                 AND (status = 'queued' OR (status = 'running' AND claimed_at <= '2000-01-01')) \
                 ORDER BY queued_at ASC LIMIT 500";
    for line in explain(&mut connection, claim) {
        println!("plan[{backend}] runner's claim: {line}");
    }

    // The runner, for a bounded time.
    let seconds: u64 = std::env::var("TESSERA_BENCH_RUNNER_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let options = RunnerOptions {
        batch: 500,
        parallelism: 8,
        ..RunnerOptions::default()
    };
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let (mut finished, mut failed) = (0, 0);
    while started.elapsed() < Duration::from_secs(seconds) {
        let pass = f.tessera.run_automations(&options, &stop).expect("runner");
        finished += pass.succeeded + pass.failed;
        failed += pass.failed;
        if pass.taken == 0 {
            break;
        }
    }
    let runner_s = started.elapsed().as_secs_f64();
    assert_eq!(failed, 0, "no run fails");
    let runner_rate = finished as f64 / runner_s;
    println!(
        "runner[{backend}]: {finished} runs finished in {runner_s:.2} s = {runner_rate:.0} runs/s (e-mail into the outbox + webhook on loopback each)"
    );
    println!(
        "summary[{backend}]: fanout_runs_per_s={fanout_rate:.0} runner_runs_per_s={runner_rate:.0} history_p50_ms={:.3} history_p99_ms={:.3} peak_rss_mb={:.0}",
        percentile_ms(&all_times, 0.5),
        percentile_ms(&all_times, 0.99),
        peak_rss_mb()
    );
}

fn main() {
    let mut backends = vec![("sqlite", TestDb::sqlite())];
    if let Some(pg) = TestDb::postgres() {
        backends.push(("postgres", pg));
    }
    for (name, db) in &backends {
        bench(name, db);
    }
}
