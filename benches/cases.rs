//! Apps and cases, measured:
//!
//! - `cases/account_check` and `cases/case_check`: the engine's answer to "may this user do
//!   this?", account-wide (`Policy::check`, 10,000 users over the predefined roles) beside
//!   within a case (`Policy::check_in` on an app's case policy: 1,000 cases, 10,000
//!   assignments, the three predefined case roles and five custom ones). Each iteration walks
//!   the next query of a 10,000-query batch (the cursor is kept across iterations).
//! - The CSV import through `tessera-http` over a real database (SQLite file; PostgreSQL too
//!   when `TESSERA_TEST_POSTGRES_URL` is set): 10,000 rows of new people (each invited), then
//!   the same file again (every row unchanged), the report included in each answer; and the
//!   p50/p99 of 2,000 case-scoped `POST /v1/check` requests after it.
//!
//! One line per backend:
//! `summary[<backend>]: import_10k_s=… reimport_10k_s=… case_check_http_p50_ms=… case_check_http_p99_ms=…`
//! and one for the engine:
//! `summary: account_check_ns=… case_check_ns=… case_over_account=… case_policy_build_ms=…`

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark aborts loudly on a broken fixture"
)]

mod common;

use common::{Lcg, admin_session, json_body, percentile_ms, request};

use std::hint::black_box;
use std::time::Instant;

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use actix_web::test;
use actix_web::{App, web};
use criterion::Criterion;
use serde_json::{Value, json};
use tessera::access::{CheckQuery, Level, PREDEFINED_ROLES, Policy, Role, standard_tree};
use tessera::contacts::cases::{
    BOT_CASE_ROLE, CLIENT_CASE_ROLE, CaseFeature, STAFF_CASE_ROLE, case_policy, case_role,
    case_scope,
};
use tessera::core::{RoleId, SecretKey, UserId, Uuid};
use tessera_http::AppState;
use tessera_mail::FileMailer;
use tessera_service::Tessera;
use tessera_store::testing::TestDb;

const USERS: usize = 10_000;
const CASES: usize = 1_000;
const PER_CASE: usize = 10;
const QUERIES: usize = 10_000;
const IMPORT_ROWS: usize = 10_000;
const HTTP_CHECKS: usize = 2_000;
const PASSWORD: &str = "bench-password-1";

const LEVELS: [Level; 3] = [Level::Read, Level::Modify, Level::Write];

/// The account policy: the standard tree, the predefined roles, 10,000 users.
fn account_fixture(rng: &mut Lcg) -> (Policy, Vec<CheckQuery>) {
    let tree = standard_tree(&["crm", "erp", "web"], &["test", "production"], &[]).expect("tree");
    let mut policy = Policy::standard(tree).expect("policy");
    for n in 0..USERS {
        let role = RoleId::from_u128(PREDEFINED_ROLES[n % PREDEFINED_ROLES.len()].0);
        policy
            .assign(UserId::from_u128(n as u128 + 1), role)
            .expect("assign");
    }
    let features: Vec<_> = policy.tree().iter().map(|(id, _, _)| id).collect();
    let queries = (0..QUERIES)
        .map(|_| CheckQuery {
            user: UserId::from_u128(rng.below(USERS) as u128 + 1),
            feature: features[rng.below(features.len())],
            at_least: LEVELS[rng.below(3)],
        })
        .collect();
    (policy, queries)
}

/// One query within a case.
struct CaseQuery {
    user: UserId,
    case: Uuid,
    feature: tessera::access::FeatureId,
    at_least: Level,
}

/// An app's case policy: 1,000 cases with 10 users each, 5 custom case roles.
fn case_fixture(rng: &mut Lcg) -> (Policy, Vec<CaseQuery>, f64) {
    let mut roles = vec![STAFF_CASE_ROLE, CLIENT_CASE_ROLE, BOT_CASE_ROLE];
    let custom: Vec<Role> = (0..5)
        .map(|n| {
            let id = RoleId::from_u128(0xca5e_0000 + n);
            roles.push(id);
            let levels: Vec<(CaseFeature, Level)> = CaseFeature::ALL
                .into_iter()
                .enumerate()
                .map(|(i, f)| {
                    (
                        f,
                        [Level::None, Level::Read, Level::Modify, Level::Write]
                            [(i + n as usize) % 4],
                    )
                })
                .collect();
            case_role(id, &format!("Custom {n}"), &levels).expect("role")
        })
        .collect();
    let cases: Vec<Uuid> = (0..CASES)
        .map(|n| Uuid::from_u128(0xc000_0000 + n as u128))
        .collect();
    let assignments: Vec<(UserId, Uuid, RoleId)> = (0..CASES * PER_CASE)
        .map(|n| {
            (
                UserId::from_u128(rng.below(USERS) as u128 + 1),
                cases[n / PER_CASE],
                roles[rng.below(roles.len())],
            )
        })
        .collect();
    let started = Instant::now();
    let policy = case_policy(custom, assignments.iter().copied()).expect("case policy");
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let features: Vec<_> = CaseFeature::ALL
        .into_iter()
        .map(|f| policy.feature(f.path()).expect("feature"))
        .collect();
    let queries = (0..QUERIES)
        .map(|n| {
            // Half the questions are about an assigned (user, case), half about anyone.
            let (user, case) = if n % 2 == 0 {
                let (user, case, _) = assignments[rng.below(assignments.len())];
                (user, case)
            } else {
                let (user, _, _) = assignments[rng.below(assignments.len())];
                (user, cases[rng.below(CASES)])
            };
            CaseQuery {
                user,
                case,
                feature: features[rng.below(features.len())],
                at_least: LEVELS[rng.below(3)],
            }
        })
        .collect();
    (policy, queries, build_ms)
}

fn bench_engine(criterion: &mut Criterion) {
    let mut rng = Lcg(0x5eed);
    let (account, account_queries) = account_fixture(&mut rng);
    let (cases, case_queries, build_ms) = case_fixture(&mut rng);
    let mut group = criterion.benchmark_group("cases");
    let mut cursor = 0usize;
    group.bench_function("account_check", |b| {
        b.iter(|| {
            let q = &account_queries[cursor % QUERIES];
            cursor += 1;
            black_box(account.check(
                black_box(q.user),
                black_box(q.feature),
                black_box(q.at_least),
            ))
        })
    });
    let mut cursor = 0usize;
    group.bench_function("case_check", |b| {
        b.iter(|| {
            let q = &case_queries[cursor % QUERIES];
            cursor += 1;
            black_box(cases.check_in(
                black_box(q.user),
                black_box(case_scope(q.case)),
                black_box(q.feature),
                black_box(q.at_least),
            ))
        })
    });
    group.finish();
    let dir = common::criterion_dir();
    let account_ns = common::median_ns(&dir, "cases", "account_check").unwrap_or(f64::NAN);
    let case_ns = common::median_ns(&dir, "cases", "case_check").unwrap_or(f64::NAN);
    println!(
        "summary: account_check_ns={account_ns:.1} case_check_ns={case_ns:.1} case_over_account={:.2} case_policy_build_ms={build_ms:.1}",
        case_ns / account_ns
    );
}

fn csv(rows: usize) -> String {
    let types = ["staff", "user", "bot", "manager", "user"];
    let roles = ["Staff", "Client", "Bot", "Staff", "Client"];
    let mut out = String::from("email,name,user_type,case,case_role\n");
    for n in 0..rows {
        let kind = n % types.len();
        let (case, role) = if n % 2 == 0 {
            ("First case", roles[kind])
        } else {
            ("", "")
        };
        out.push_str(&format!(
            "person{n}@import.example,Person {n},{},{case},{role}\n",
            types[kind]
        ));
    }
    out
}

fn bench_import(backend: &str, db: &TestDb) {
    let system = actix_web::rt::System::new();
    let (store, _) = tessera_store::DieselStore::open(&db.url, 8).expect("store");
    let outbox = std::env::temp_dir().join(format!(
        "tessera-bench-cases-{}-{backend}",
        std::process::id()
    ));
    let tessera = Tessera::builder(
        store,
        SecretKey::from_bytes([7; 32]),
        FileMailer::new(outbox.clone()),
    )
    .build()
    .expect("tessera");
    tessera
        .bootstrap("admin@example.com", Some(PASSWORD))
        .expect("bootstrap");
    let data = web::Data::new(AppState::new(tessera.clone(), false));
    let app = system.block_on(test::init_service(
        App::new().configure(move |config| tessera_http::configure(config, data)),
    ));
    let file = csv(IMPORT_ROWS);
    system.block_on(async {
        let (cookie, _) = admin_session(&app, "admin@example.com", PASSWORD).await;
        let (_, apps, _) = json_body(&app, request(Method::GET, "/v1/apps").cookie(cookie.clone())).await;
        let app_id = apps[0]["id"].as_str().expect("sample app").to_owned();
        let (_, cases, _) = json_body(&app, request(Method::GET, &format!("/v1/apps/{app_id}/cases")).cookie(cookie.clone())).await;
        let case = cases[0]["id"].as_str().expect("first case").to_owned();
        let import = |cookie: Cookie<'static>| {
            request(Method::POST, &format!("/v1/apps/{app_id}/users/import?account_role=Analytics%20Access"))
                .cookie(cookie)
                .insert_header(("content-type", "text/csv"))
                .set_payload(file.clone())
        };
        let started = Instant::now();
        let (status, report, _) = json_body(&app, import(cookie.clone())).await;
        let import_s = started.elapsed().as_secs_f64();
        assert_eq!(status, 200, "{report}");
        assert_eq!((report["created"].as_u64(), report["invited"].as_u64()), (Some(IMPORT_ROWS as u64), Some(IMPORT_ROWS as u64)));
        assert_eq!(report["rows"].as_array().map(Vec::len), Some(IMPORT_ROWS));
        let started = Instant::now();
        let (status, again, _) = json_body(&app, import(cookie.clone())).await;
        let reimport_s = started.elapsed().as_secs_f64();
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["unchanged"].as_u64(), Some(IMPORT_ROWS as u64), "{}", again["rows"][0]);
        let (_, users, _) = json_body(&app, request(Method::GET, &format!("/v1/apps/{app_id}/users")).cookie(cookie.clone())).await;
        let users: Vec<String> = users
            .as_array()
            .expect("users")
            .iter()
            .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
            .collect();
        let mut times = Vec::with_capacity(HTTP_CHECKS);
        let features = ["case/feed", "case/convo", "case/events", "case/notes"];
        for n in 0..HTTP_CHECKS {
            let body = json!({ "user": users[(n * 7919) % users.len()], "feature": features[n % 4], "level": "read", "case": case });
            let started = Instant::now();
            let (status, answer, _): (u16, Value, _) = json_body(&app, request(Method::POST, "/v1/check").cookie(cookie.clone()).set_json(body)).await;
            times.push(started.elapsed());
            assert_eq!(status, 200, "{answer}");
        }
        times.sort();
        println!(
            "summary[{backend}]: import_10k_s={import_s:.2} reimport_10k_s={reimport_s:.2} case_check_http_p50_ms={:.3} case_check_http_p99_ms={:.3}",
            percentile_ms(&times, 0.5),
            percentile_ms(&times, 0.99)
        );
    });
    let _ = std::fs::remove_dir_all(&outbox);
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&common::criterion_dir())
        .configure_from_args();
    bench_engine(&mut criterion);
    criterion.final_summary();
    let mut backends = vec![("sqlite", TestDb::sqlite())];
    if let Some(pg) = TestDb::postgres() {
        backends.push(("postgres", pg));
    }
    for (name, db) in &backends {
        bench_import(name, db);
    }
}
