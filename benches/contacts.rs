//! Contacts at scale, timed in-process through `tessera-http` over a real database (SQLite
//! file; PostgreSQL too when `TESSERA_TEST_POSTGRES_URL` is set):
//!
//! - `portal_projects`: `GET /v1/portal/projects` — a contact's visible projects, out of
//!   10,000 projects, 200,000 tasks and 2,000 contacts.
//! - `portal_tasks`: `GET /v1/portal/projects/{id}/tasks` — the tasks a contact sees in one
//!   of those projects.
//! - `inbound`: `POST /v1/inbound/email` — replies (raw RFC 5322 messages with reply keys
//!   taken from delivered task e-mails) turned into comments, end to end.
//!
//! Besides criterion's medians, the run prints each list's p50/p99 over 2,000 requests and
//! the inbound rate, one line per backend:
//! `summary[<backend>]: projects_p50_ms=… projects_p99_ms=… tasks_p50_ms=… tasks_p99_ms=… inbound_per_s=…`
//! and the query plans of the membership lookups. No peer library does this, so the figures
//! stand against the targets (p99 ≤ 5 ms per list, ≥ 500 replies/s on SQLite).

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark aborts loudly on a broken fixture"
)]

mod common;

use common::{Lcg, admin_session, json_body, percentile_ms, request};

use std::time::{Duration, Instant};

use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use chrono::Utc;
use criterion::Criterion;
use diesel::{Connection, RunQueryDsl};
use serde_json::json;
use tessera::contacts::{
    Access, Contact, ContactKind, Person, Project, Task, TaskPeople, TaskStatus,
};
use tessera::core::{AccountId, BearerSecret, SecretKey, UserId, Uuid};
use tessera_http::AppState;
use tessera_mail::FileMailer;
use tessera_service::Tessera;
use tessera_service::outbox::OutboxOptions;
use tessera_service::records::ContactSession;
use tessera_store::testing::TestDb;
use tessera_store::{DbConnection, contacts, projects};

const COMPANIES: usize = 500;
const CONTACTS: usize = 2_000;
const PROJECTS: usize = 10_000;
const TASKS: usize = 200_000;
/// Contacts with a portal session (the ones requests are made as).
const SIGNED_IN: usize = 200;
/// Requests per list for the percentiles.
const REQUESTS: usize = 2_000;
/// Replies posted to the inbound endpoint.
const REPLIES: usize = 2_000;
const PASSWORD: &str = "bench-password-1";
const INBOUND_SECRET: &str = "the-inbound-secret-of-the-benchmarks-1";

fn uuid(n: &mut Lcg) -> Uuid {
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = n.below(256) as u8;
    }
    Uuid::from_bytes(bytes)
}

/// A request whose answer is read but not parsed (what the server spends, not the client):
/// its status.
async fn status_of<S, B>(app: &S, request: TestRequest) -> u16
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status().as_u16();
    std::hint::black_box(test::read_body(response).await);
    status
}

/// Loads 500 companies, 2,000 people, 10,000 projects and 200,000 tasks (each with one or two
/// contacts on it); returns the portal secrets of the first [`SIGNED_IN`] people.
fn fixture(db: &mut DbConnection, account: AccountId, admin: UserId) -> Vec<BearerSecret> {
    let mut rng = Lcg(0xc0ffee);
    let now = Utc::now();
    let mut companies = Vec::new();
    let mut people = Vec::new();
    db.transaction::<_, tessera_store::StoreError, _>(|tx| {
        tessera_store::begin_write(tx)?;
        for i in 0..COMPANIES {
            let company = Contact::new(uuid(&mut rng), ContactKind::Company, None, &format!("Company {i}"), None, "en")
                .expect("company");
            contacts::insert(tx, account, &company, now)?;
            companies.push(company.id);
        }
        for i in 0..CONTACTS {
            let mut person = Contact::new(
                uuid(&mut rng),
                ContactKind::Person,
                Some(companies[i % COMPANIES]),
                &format!("Person {i}"),
                Some(&format!("person{i}@client.example")),
                "en",
            )
            .expect("person");
            person.access = Access::Basic;
            contacts::insert(tx, account, &person, now)?;
            contacts::set_password(tx, account, person.id, "$argon2id$v=19$m=19456,t=2,p=1$bm90LWEtcmVhbC1oYXNo$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")?;
            people.push(person.id);
        }
        let projects: Vec<Project> = (0..PROJECTS)
            .map(|i| Project {
                id: uuid(&mut rng),
                name: format!("Project {i:05}"),
                counterparty: Some(companies[i % COMPANIES]),
                client_manager: Some(admin),
                supervisor: None,
                auditors: Vec::new(),
                created_at: now,
            })
            .collect();
        projects::insert_projects(tx, account, &projects)?;
        // In slices of 10,000, so the fixture never holds 200,000 tasks in memory at once.
        for slice in (0..TASKS).collect::<Vec<_>>().chunks(10_000) {
        let tasks: Vec<Task> = slice
            .iter()
            .map(|&i| {
                let mut participants = vec![Person::Contact(people[rng.below(CONTACTS)])];
                if rng.below(4) == 0 {
                    participants.push(Person::Contact(people[rng.below(CONTACTS)]));
                    participants.dedup();
                }
                Task {
                    id: uuid(&mut rng),
                    project: projects[rng.below(PROJECTS)].id,
                    title: format!("Task {i}"),
                    description: String::new(),
                    status: TaskStatus::Open,
                    people: TaskPeople {
                        assignee: Some(Person::User(admin)),
                        co_assignees: Vec::new(),
                        participants,
                        auditors: Vec::new(),
                    },
                    created_by: Person::User(admin),
                    created_at: now,
                    updated_at: now,
                }
            })
            .collect();
        projects::insert_tasks(tx, account, &tasks)?;
        }
        Ok(())
    })
    .expect("fixture");
    let mut secrets = Vec::new();
    for (i, person) in people.iter().take(SIGNED_IN).enumerate() {
        let secret = BearerSecret::from_bytes([i as u8; 32]);
        contacts::insert_session(
            db,
            &ContactSession {
                token_hash: secret.hash(),
                account,
                contact: *person,
                created_at: now,
                expires_at: now + chrono::Duration::days(1),
            },
        )
        .expect("session");
        secrets.push(secret);
    }
    if let DbConnection::Sqlite(sqlite) = db {
        diesel::sql_query("ANALYZE")
            .execute(sqlite)
            .expect("analyze");
    }
    // What autovacuum does after a bulk load: statistics, and the visibility map that lets
    // index-only scans skip the table.
    if let DbConnection::Postgresql(pg) = db {
        diesel::sql_query("VACUUM ANALYZE")
            .execute(pg)
            .expect("vacuum");
    }
    secrets
}

#[derive(diesel::QueryableByName)]
struct SqlitePlan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

#[derive(diesel::QueryableByName)]
struct PgPlan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    plan: String,
}

/// Prints the plans of the three membership lookups for one contact.
fn print_plans(
    db: &mut DbConnection,
    backend: &str,
    account: AccountId,
    contact: Uuid,
    company: Uuid,
) {
    let queries = [
        format!(
            "SELECT id FROM projects WHERE account_id = '{account}' AND counterparty_id = '{company}'"
        ),
        format!(
            "SELECT project_id, task_id FROM task_people WHERE account_id = '{account}' AND person_kind = 'contact' AND person_id = '{contact}'"
        ),
        format!(
            "SELECT project_id FROM project_auditors WHERE account_id = '{account}' AND person_kind = 'contact' AND person_id = '{contact}'"
        ),
    ];
    for query in queries {
        let plan: Vec<String> = match db {
            DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {query}"))
                .load::<SqlitePlan>(c)
                .expect("plan")
                .into_iter()
                .map(|p| p.detail)
                .collect(),
            DbConnection::Postgresql(c) => diesel::sql_query(format!("EXPLAIN {query}"))
                .load::<PgPlan>(c)
                .expect("plan")
                .into_iter()
                .map(|p| p.plan)
                .collect(),
        };
        println!(
            "plan[{backend}]: {}\n    {}",
            query.split(" WHERE").next().unwrap_or_default(),
            plan.join("\n    ")
        );
    }
}

fn bench_backend(criterion: &mut Criterion, backend: &str, db: &TestDb) {
    let system = actix_web::rt::System::new();
    let (store, _) = tessera_store::DieselStore::open(&db.url, 8).expect("store");
    let outbox = std::env::temp_dir().join(format!(
        "tessera-bench-contacts-{}-{backend}",
        std::process::id()
    ));
    let tessera = Tessera::builder(
        store.clone(),
        SecretKey::from_bytes([9; 32]),
        FileMailer::new(outbox.clone()),
    )
    .mail_from("Tessera <bench@tessera.example>")
    .inbound_secret(INBOUND_SECRET)
    .expect("secret")
    .build()
    .expect("tessera");
    tessera
        .bootstrap("admin@example.com", Some(PASSWORD))
        .expect("bootstrap");
    let data = web::Data::new(AppState::new(tessera.clone(), false));
    let app = system.block_on(test::init_service(
        App::new().configure(move |config| tessera_http::configure(config, data)),
    ));
    let (cookie, account, admin) = system.block_on(async {
        let (cookie, body) = admin_session(&app, "admin@example.com", PASSWORD).await;
        let account: AccountId = body["account_id"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("account");
        let admin: UserId = body["user_id"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("admin");
        (cookie, account, admin)
    });
    let loading = Instant::now();
    let mut connection = store.pool().get().expect("connection");
    let secrets = fixture(&mut connection, account, admin);
    println!(
        "fixture[{backend}]: {COMPANIES} companies, {CONTACTS} people, {PROJECTS} projects, {TASKS} tasks in {:.1} s",
        loading.elapsed().as_secs_f64()
    );

    let portal = |i: usize| Cookie::new("tessera_portal", secrets[i % SIGNED_IN].to_string());
    // Each signed-in contact's visible projects, from one request each.
    let visible: Vec<Vec<String>> = system.block_on(async {
        let mut out = Vec::new();
        for i in 0..SIGNED_IN {
            let (status, body, _) = json_body(
                &app,
                request(Method::GET, "/v1/portal/projects").cookie(portal(i)),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            out.push(
                body.as_array()
                    .expect("list")
                    .iter()
                    .filter_map(|p| p["id"].as_str().map(str::to_owned))
                    .collect(),
            );
        }
        out
    });
    let mean_visible = visible.iter().map(Vec::len).sum::<usize>() as f64 / visible.len() as f64;
    println!("fixture[{backend}]: a signed-in contact sees {mean_visible:.0} projects on average");

    if std::env::var_os("TESSERA_BENCH_PROFILE").is_some() {
        let caller = tessera
            .authenticate_contact(&secrets[0], None)
            .expect("caller");
        let started = Instant::now();
        for _ in 0..200 {
            tessera
                .authenticate_contact(&secrets[0], None)
                .expect("caller");
        }
        println!(
            "profile[{backend}]: authenticate {:?}",
            started.elapsed() / 200
        );
        let started = Instant::now();
        for _ in 0..200 {
            tessera.portal_projects(&caller).expect("projects");
        }
        println!(
            "profile[{backend}]: portal_projects {:?}",
            started.elapsed() / 200
        );
        let contact = caller.contact.clone();
        let started = Instant::now();
        let mut m = Default::default();
        for _ in 0..200 {
            m = projects::memberships(
                &mut connection,
                account,
                contact.id,
                contact.company_scope(),
            )
            .expect("m");
        }
        println!(
            "profile[{backend}]: memberships {:?}",
            started.elapsed() / 200
        );
        let ids: Vec<Uuid> = tessera::contacts::visibility::Memberships::visible_projects(&m)
            .into_iter()
            .collect();
        let started = Instant::now();
        for _ in 0..200 {
            std::hint::black_box(
                projects::list_projects(&mut connection, account, Some(&ids)).expect("p"),
            );
        }
        println!(
            "profile[{backend}]: list_projects({}) {:?}",
            ids.len(),
            started.elapsed() / 200
        );
        system.block_on(async {
            for (label, path, with_cookie) in [
                ("healthz", "/healthz".to_owned(), false),
                ("projects", "/v1/portal/projects".to_owned(), true),
                (
                    "one project",
                    format!("/v1/portal/projects/{}", visible[0][0]),
                    true,
                ),
            ] {
                let started = Instant::now();
                for _ in 0..200 {
                    let mut req = request(Method::GET, &path);
                    if with_cookie {
                        req = req.cookie(portal(0));
                    }
                    std::hint::black_box(status_of(&app, req).await);
                }
                println!(
                    "profile[{backend}]: GET {label} {:?}",
                    started.elapsed() / 200
                );
            }
        });
    }
    let mut project_times = Vec::with_capacity(REQUESTS);
    let mut task_times = Vec::with_capacity(REQUESTS);
    system.block_on(async {
        for i in 0..REQUESTS {
            let started = Instant::now();
            let status = status_of(
                &app,
                request(Method::GET, "/v1/portal/projects").cookie(portal(i)),
            )
            .await;
            project_times.push(started.elapsed());
            assert_eq!(status, 200);
            let list = &visible[i % SIGNED_IN];
            let project = &list[i % list.len()];
            let started = Instant::now();
            let status = status_of(
                &app,
                request(Method::GET, &format!("/v1/portal/projects/{project}/tasks"))
                    .cookie(portal(i)),
            )
            .await;
            task_times.push(started.elapsed());
            assert_eq!(status, 200);
        }
    });
    project_times.sort();
    task_times.sort();

    let mut group = criterion.benchmark_group(format!("contacts_{backend}"));
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(5));
    let mut n = 0usize;
    group.bench_function("portal_projects", |b| {
        b.iter(|| {
            n += 1;
            system.block_on(status_of(
                &app,
                request(Method::GET, "/v1/portal/projects").cookie(portal(n)),
            ))
        })
    });
    group.bench_function("portal_tasks", |b| {
        b.iter(|| {
            n += 1;
            let list = &visible[n % SIGNED_IN];
            let path = format!("/v1/portal/projects/{}/tasks", list[n % list.len()]);
            system.block_on(status_of(
                &app,
                request(Method::GET, &path).cookie(portal(n)),
            ))
        })
    });
    group.finish();

    // Replies: comment on tasks of the signed-in contacts, deliver, and answer every e-mail.
    let replies: Vec<String> = system.block_on(async {
        for list in visible.iter().take(50) {
            let project = &list[0];
            let (_, tasks, _) = json_body(&app, request(Method::GET, &format!("/v1/projects/{project}/tasks")).cookie(cookie.clone())).await;
            for task in tasks.as_array().expect("tasks").iter().take(4) {
                let id = task["id"].as_str().expect("id");
                let (status, body, _) = json_body(
                    &app,
                    request(Method::POST, &format!("/v1/tasks/{id}/comments")).cookie(cookie.clone()).set_json(json!({ "body": "Any news?" })),
                )
                .await;
                assert_eq!(status, 201, "{body}");
            }
        }
        let options = OutboxOptions { batch: 500, ..OutboxOptions::default() };
        while tessera.deliver_due(&options).expect("deliver").total() > 0 {}
        let mut mails = Vec::new();
        for entry in std::fs::read_dir(&outbox).expect("outbox").filter_map(Result::ok) {
            let raw = std::fs::read_to_string(entry.path()).expect("eml");
            let parsed = tessera_mail::testing::parse(&raw).expect("mail");
            if let (Some(to), Some(reply_to)) = (parsed.header("to"), parsed.reply_to()) {
                mails.push((to, reply_to));
            }
        }
        assert!(!mails.is_empty(), "no task e-mails");
        (0..REPLIES)
            .map(|i| {
                let (to, reply_to) = &mails[i % mails.len()];
                format!(
                    "From: {to}\r\nTo: {reply_to}\r\nSubject: Re: task\r\nMessage-ID: <bench{i}@client.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nReply number {i}.\r\n\r\nOn Mon, 30 Nov 2026, Tessera <bench@tessera.example> wrote:\r\n> Any news?\r\n"
                )
            })
            .collect()
    });
    let started = Instant::now();
    system.block_on(async {
        for raw in &replies {
            let (status, body, _) = json_body(
                &app,
                request(Method::POST, "/v1/inbound/email")
                    .insert_header(("content-type", "message/rfc822"))
                    .insert_header(("Tessera-Inbound-Secret", INBOUND_SECRET))
                    .set_payload(raw.clone()),
            )
            .await;
            assert_eq!(
                (status, body["result"].as_str()),
                (200, Some("commented")),
                "{body}"
            );
        }
    });
    let inbound_per_s = REPLIES as f64 / started.elapsed().as_secs_f64();

    let person = tessera_store::contacts::list(&mut connection, account)
        .expect("list")
        .into_iter()
        .find(|c| c.contact.kind == ContactKind::Person)
        .expect("a person");
    print_plans(
        &mut connection,
        backend,
        account,
        person.contact.id,
        person.contact.company.expect("company"),
    );
    println!(
        "summary[{backend}]: projects_p50_ms={:.3} projects_p99_ms={:.3} tasks_p50_ms={:.3} tasks_p99_ms={:.3} inbound_per_s={inbound_per_s:.0}",
        percentile_ms(&project_times, 0.5),
        percentile_ms(&project_times, 0.99),
        percentile_ms(&task_times, 0.5),
        percentile_ms(&task_times, 0.99),
    );
    let _ = std::fs::remove_dir_all(&outbox);
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&common::criterion_dir())
        .configure_from_args();
    let mut backends = vec![("sqlite", TestDb::sqlite())];
    if let Some(pg) = TestDb::postgres() {
        backends.push(("postgres", pg));
    }
    for (name, db) in &backends {
        bench_backend(&mut criterion, name, db);
    }
    criterion.final_summary();
}
