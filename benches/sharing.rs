//! Sharing with outsiders, timed in-process through `tessera-http` and `tessera-service` over a
//! real database
//! (SQLite file; PostgreSQL too when `TESSERA_TEST_POSTGRES_URL` is set):
//!
//! - `share_1000`: `POST /v1/shares` with one workflow and 1,000 recipients — plan, 1,000
//!   invitations with their derived secrets, 1,000 outbox messages and the audit event, in
//!   one transaction.
//! - `deliver_1000`: the sender draining those 1,000 messages — each rendered (subject, text
//!   and HTML from the embedded templates), written as an `.eml` file and settled.
//! - `verify_code`: `POST /x/verify` with a right e-mail and code, each an invitation's
//!   first verification — the invitation moves to verified and one external session opens.
//!
//! No peer library does this whole flow, so the figures stand against the targets (a share
//! to 1,000 recipients in ≤ 1 s, a verification in ≤ 1 ms) rather than as ratios.
//!
//! `cargo bench -p tessera-benches --bench sharing` ends with one line per backend:
//! `summary[<backend>]: share_1000_ms=… deliver_1000_ms=… verify_code_us=…`

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark aborts loudly on a broken fixture"
)]

mod common;

use std::time::{Duration, Instant};

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use actix_web::test;
use actix_web::{App, web};
use common::{criterion_dir, json_body, median_ns, request};
use criterion::Criterion;
use serde_json::json;
use tessera::core::{SecretKey, Uuid};
use tessera_http::{AppState, CSRF_COOKIE, SESSION_COOKIE};
use tessera_mail::FileMailer;
use tessera_service::Tessera;
use tessera_service::outbox::OutboxOptions;
use tessera_store::invitations;
use tessera_store::testing::TestDb;

const RECIPIENTS: usize = 1_000;
const PASSWORD: &str = "bench-password-1";

fn bench_backend(criterion: &mut Criterion, backend: &str, db: &TestDb) {
    let system = actix_web::rt::System::new();
    let (store, _) = tessera_store::DieselStore::open(&db.url, 8).expect("store");
    let key = SecretKey::from_bytes([9; 32]);
    let outbox = std::env::temp_dir().join(format!("tessera-bench-outbox-{}", std::process::id()));
    let tessera = Tessera::builder(store.clone(), key.clone(), FileMailer::new(outbox.clone()))
        .public_url("https://tessera.example")
        .mail_from("Tessera <bench@tessera.example>")
        .build()
        .expect("tessera");
    tessera
        .bootstrap("admin@example.com", Some(PASSWORD))
        .expect("bootstrap");
    let data = web::Data::new(AppState::new(tessera.clone(), false));
    let delivery = OutboxOptions {
        batch: 100,
        ..OutboxOptions::default()
    };

    let app = system.block_on(test::init_service(
        App::new().configure(move |config| tessera_http::configure(config, data)),
    ));
    let (cookie, workflow, account) = system.block_on(async {
        let sign_in = json!({ "email": "admin@example.com", "password": PASSWORD });
        let (status, signed_in, session) =
            json_body(&app, request(Method::POST, "/v1/session").set_json(sign_in)).await;
        assert_eq!(status, 200, "{signed_in}");
        let cookie = Cookie::new(SESSION_COOKIE, session.expect("session cookie"));
        let change = json!({ "current_password": PASSWORD, "new_password": "bench-password-22" });
        let (status, body, _) = json_body(
            &app,
            request(Method::POST, "/v1/session/password")
                .cookie(cookie.clone())
                .set_json(change),
        )
        .await;
        assert_eq!(status, 204, "{body}");
        let (_, items, _) = json_body(
            &app,
            request(Method::GET, "/v1/items").cookie(cookie.clone()),
        )
        .await;
        let workflow = items
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["external_id"] == "demo-supplier-onboarding")
            .expect("demo workflow")["id"]
            .clone();
        let account: tessera::core::AccountId = signed_in["account_id"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("account");
        (cookie, workflow, account)
    });
    let recipients: Vec<String> = (0..RECIPIENTS)
        .map(|i| format!("recipient{i}@example.org"))
        .collect();
    let share = json!({ "items": [workflow], "recipients": recipients, "message": "Have a look" });

    let mut group = criterion.benchmark_group(format!("sharing_{backend}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    // Each share's delivery is timed separately, and drained before the next share.
    let mut deliveries = Vec::new();
    group.bench_function("share_1000", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                let (status, body, _) = system.block_on(json_body(
                    &app,
                    request(Method::POST, "/v1/shares")
                        .cookie(cookie.clone())
                        .set_json(&share),
                ));
                spent += started.elapsed();
                assert_eq!(status, 201, "{body}");
                let started = Instant::now();
                let mut sent = 0;
                while sent < RECIPIENTS {
                    let done = tessera.deliver_due(&delivery).expect("delivery");
                    assert_eq!(done.bounced + done.deferred + done.failed, 0, "{done:?}");
                    sent += done.sent;
                }
                deliveries.push(started.elapsed());
            }
            spent
        });
    });
    deliveries.sort_unstable();
    let deliver_ms = deliveries.get(deliveries.len() / 2).map_or_else(
        || "n/a".to_owned(),
        |d| format!("{:.1}", d.as_secs_f64() * 1e3),
    );
    let _ = std::fs::remove_dir_all(&outbox);

    // Each verification is an invitation's first: fresh invitations come from untimed
    // shares of 1,000 whenever the supply runs out.
    let mut supply: Vec<(String, String)> = Vec::new();
    let mut batch = 0;
    let mut refill = |supply: &mut Vec<(String, String)>| {
        batch += 1;
        let recipients: Vec<String> = (0..RECIPIENTS)
            .map(|i| format!("v{batch}.{i}@example.org"))
            .collect();
        let (status, created, _) = system.block_on(json_body(
            &app,
            request(Method::POST, "/v1/shares")
                .cookie(cookie.clone())
                .set_json(json!({ "items": [workflow], "recipients": recipients })),
        ));
        assert_eq!(status, 201, "{created}");
        let share: Uuid = created["share_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("share id");
        let mut connection = store.pool().get().expect("db");
        let filter = invitations::InvitationFilter {
            share: Some(share),
            ..invitations::InvitationFilter::default()
        };
        for stored in
            invitations::list_invitations(&mut connection, account, &filter).expect("invitations")
        {
            let code = stored.invitation.secrets(&key).code.to_string();
            supply.push((stored.invitation.recipient.clone(), code));
        }
    };
    let csrf = "bench-csrf-token";
    group.bench_function("verify_code", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                if supply.is_empty() {
                    refill(&mut supply);
                }
                let (email, code) = supply.pop().expect("a fresh invitation");
                let verify = request(Method::POST, "/x/verify")
                    .cookie(Cookie::new(CSRF_COOKIE, csrf))
                    .set_form([
                        ("email", email.as_str()),
                        ("code", code.as_str()),
                        ("csrf", csrf),
                    ]);
                let started = Instant::now();
                let (status, body, _) = system.block_on(json_body(&app, verify));
                spent += started.elapsed();
                assert_eq!(status, 303, "{body}");
            }
            spent
        });
    });
    group.finish();

    let dir = criterion_dir();
    let group = format!("sharing_{backend}");
    let show = |value: Option<f64>, scale: f64, digits: usize| {
        value.map_or_else(|| "n/a".to_owned(), |v| format!("{:.*}", digits, v / scale))
    };
    println!(
        "summary[{backend}]: share_1000_ms={} deliver_1000_ms={deliver_ms} verify_code_us={}",
        show(median_ns(&dir, &group, "share_1000"), 1e6, 1),
        show(median_ns(&dir, &group, "verify_code"), 1e3, 0),
    );
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    for (backend, db) in TestDb::all() {
        bench_backend(&mut criterion, backend, &db);
    }
    criterion.final_summary();
}
