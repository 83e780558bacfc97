//! SIGTERM during delivery: the server stops accepting, finishes the messages in flight and
//! exits; every message is then sent exactly once or still pending (none left claimed), and
//! a restart sends the rest, each once. On SQLite and PostgreSQL, over real SMTP.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{Server, temp_dir};
use serde_json::json;
use tessera_core::AccountId;
use tessera_mail::testing::{SmtpSink, parse};
use tessera_store::outbox::{self, OutboxState};
use tessera_store::testing::TestDb;

const INITIAL: &str = "initial-password-1";
const ADMIN: &str = "admin-password-22";
const RECIPIENTS: usize = 200;

/// The outbox of `account`: (Message-ID, state) per message.
fn outbox_states(db: &TestDb, account: AccountId) -> Vec<(String, OutboxState)> {
    let mut connection = db.connect();
    outbox::outbox_entries(&mut connection, account)
        .expect("outbox")
        .into_iter()
        .map(|entry| (entry.message_id, entry.state))
        .collect()
}

/// The Message-IDs the sink received, in order (duplicates kept).
fn received_ids(sink: &SmtpSink) -> Vec<String> {
    sink.messages()
        .iter()
        .map(|raw| {
            let id = parse(raw)
                .and_then(|m| m.header("Message-ID"))
                .expect("Message-ID");
            id.trim_matches(|c| c == '<' || c == '>').to_owned()
        })
        .collect()
}

fn start(dir: &std::path::Path, db: &TestDb, sink: &SmtpSink) -> Server {
    Server::start(
        dir,
        Some(db.url_text()),
        Some(INITIAL),
        &[("TESSERA_SMTP_URL", &sink.url())],
    )
}

#[test]
fn sigterm_during_delivery_sends_each_message_once_or_leaves_it_pending() {
    for (backend, db) in TestDb::all() {
        // Each message is held 30 ms before the sink acknowledges it: 200 take about 1.5 s
        // with four in flight, so the signal lands mid-delivery.
        let sink = SmtpSink::start_with("250 OK", Duration::from_millis(30)).expect("sink");
        let dir = temp_dir("shutdown");
        let mut server = start(&dir, &db, &sink);
        let (cookie, signed_in) = server.admin_session(INITIAL, ADMIN);
        let account: AccountId = signed_in["account_id"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("account");
        let items = server.call("GET", "/v1/items", None, &cookie).1;
        let workflow = items
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["kind"] == "workflow")
            .expect("workflow")["id"]
            .clone();
        let recipients: Vec<String> = (0..RECIPIENTS)
            .map(|i| format!("r{i}@example.org"))
            .collect();
        let (status, body) = server.call(
            "POST",
            "/v1/shares",
            Some(json!({ "items": [workflow], "recipients": recipients })),
            &cookie,
        );
        assert_eq!(status, 201, "[{backend}] {body}");

        // Mid-batch (the sender claims 20 at a time), so messages are in flight.
        let arrived = sink.wait_for(30, Duration::from_secs(30)).len();
        assert!(arrived >= 30, "[{backend}] delivery started");
        let stopped_at = Instant::now();
        let status = server
            .terminate(Duration::from_secs(30))
            .unwrap_or_else(|| panic!("[{backend}] still running 30 s after SIGTERM"));
        assert!(
            status.success(),
            "[{backend}] exit {status:?}:\n{}",
            server.log_text()
        );
        let took = stopped_at.elapsed();
        assert!(
            server.log_text().contains("stopping: no new work"),
            "[{backend}] the stop is logged"
        );

        let states = outbox_states(&db, account);
        assert_eq!(states.len(), RECIPIENTS, "[{backend}]");
        let received = received_ids(&sink);
        let distinct: BTreeSet<&String> = received.iter().collect();
        assert_eq!(
            distinct.len(),
            received.len(),
            "[{backend}] nothing sent twice"
        );
        for (message_id, state) in &states {
            match state {
                OutboxState::Sent => assert!(
                    distinct.contains(message_id),
                    "[{backend}] {message_id} is marked sent but never arrived"
                ),
                OutboxState::Pending => assert!(
                    !distinct.contains(message_id),
                    "[{backend}] {message_id} arrived but is still pending"
                ),
                other => panic!("[{backend}] {message_id} left {other:?} by the stop"),
            }
        }
        let sent = states
            .iter()
            .filter(|(_, state)| *state == OutboxState::Sent)
            .count();
        assert_eq!(sent, received.len(), "[{backend}]");
        assert!(
            sent < RECIPIENTS,
            "[{backend}] the stop came mid-delivery (all {sent} were sent already)"
        );
        println!(
            "[{backend}] stopped {took:?} after SIGTERM: {sent} sent, {} pending",
            RECIPIENTS - sent
        );

        // A restart sends the rest, each once.
        let server = start(&dir, &db, &sink);
        let deadline = Instant::now() + Duration::from_secs(60);
        while outbox_states(&db, account)
            .iter()
            .any(|(_, state)| *state != OutboxState::Sent)
        {
            assert!(
                Instant::now() < deadline,
                "[{backend}] the rest is sent after the restart"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let received = received_ids(&sink);
        let distinct: BTreeSet<&String> = received.iter().collect();
        assert_eq!(
            (received.len(), distinct.len()),
            (RECIPIENTS, RECIPIENTS),
            "[{backend}] every message exactly once"
        );
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
    }
}
