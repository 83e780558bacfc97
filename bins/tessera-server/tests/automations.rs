//! Automation runs survive `kill -9`: a server killed while a run's webhook call is in flight
//! fails that run after restart (the call is never made twice); a server killed while it
//! works through many runs finishes every one after restart — none lost, no e-mail and no
//! webhook call made twice.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, temp_dir};
use serde_json::{Value, json};

const INITIAL: &str = "initial-password-1";
const ADMIN: &str = "admin-password-22";

/// The server's settings for these tests: loopback webhooks, short leases (the runner's
/// and the outbox sender's: what the killed process held is taken again soon), the same key
/// on every start.
const ENV: &[(&str, &str)] = &[
    ("TESSERA_SECRET_KEY", common::TEST_KEY),
    ("TESSERA_WEBHOOKS_ALLOW_INTERNAL", "true"),
    ("TESSERA_RUNNER_LEASE_SECONDS", "2"),
    ("TESSERA_OUTBOX_LEASE_SECONDS", "2"),
    ("TESSERA_WEBHOOK_TIMEOUT_SECONDS", "120"),
];

/// A loopback webhook receiver. It records each request's idempotency key; it answers after
/// `delay`, or never when `hold` (the call stays in flight).
struct Hook {
    url: String,
    keys: Arc<Mutex<Vec<String>>>,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl Hook {
    fn start(delay: Duration, hold: bool) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let keys = Arc::new(Mutex::new(Vec::new()));
        let held = Arc::new(Mutex::new(Vec::new()));
        let (k, h) = (keys.clone(), held.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (k, h) = (k.clone(), h.clone());
                std::thread::spawn(move || serve(stream, &k, &h, delay, hold));
            }
        });
        Hook { url, keys, held }
    }

    fn keys(&self) -> Vec<String> {
        self.keys.lock().unwrap().clone()
    }
}

/// Answers the requests of one keep-alive connection.
fn serve(
    stream: TcpStream,
    keys: &Mutex<Vec<String>>,
    held: &Mutex<Vec<TcpStream>>,
    delay: Duration,
    hold: bool,
) {
    let mut reader = BufReader::new(stream);
    loop {
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
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        keys.lock().unwrap().push(key);
        if hold {
            held.lock().unwrap().push(reader.into_inner());
            return;
        }
        std::thread::sleep(delay);
        let stream = reader.get_mut();
        if stream
            .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

fn eventually<T>(what: &str, server: &Server, mut found: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = found() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out: {what}\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Opens the gate, declares `deal.won`, builds an automation with `steps`, shares it with
/// the Admin, who sets a mailbox and activates it. The automation's id.
fn automation(server: &Server, cookie: &str, admin: &str, steps: Value) -> String {
    let call = |method: &str, path: &str, body: Value| {
        let (status, answer) = server.call(method, path, Some(body), cookie);
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {answer}"
        );
        answer
    };
    call(
        "PUT",
        "/v1/automation-settings",
        json!({"plan": "advanced", "beta": true}),
    );
    call(
        "PUT",
        "/v1/event-types/deal.won",
        json!({"fields": {"client": "text", "title": "text"}}),
    );
    let created = call(
        "POST",
        "/v1/automations",
        json!({
            "name": "Thank the client",
            "trigger": {"event_type": "deal.won", "conditions": []},
            "mode": "selected_users",
            "steps": steps,
        }),
    );
    let id = created["id"].as_str().expect("id").to_owned();
    call(
        "PUT",
        "/v1/me/mailbox",
        json!({"address": "admin.sender@example.com", "display_name": "The Admin", "signature": "Sales"}),
    );
    call(
        "POST",
        &format!("/v1/automations/{id}/access"),
        json!({"users": [admin]}),
    );
    call("POST", &format!("/v1/automations/{id}/activate"), json!({}));
    id
}

/// Every run of `automation` (all pages).
fn runs(server: &Server, cookie: &str, automation: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/automations/{automation}/runs?limit=200&cursor={c}"),
            None => format!("/v1/automations/{automation}/runs?limit=200"),
        };
        let (status, page) = server.call("GET", &path, None, cookie);
        assert_eq!(status, 200, "{page}");
        all.extend(page["runs"].as_array().expect("runs").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
}

/// The automation e-mails written to the file outbox, by recipient.
fn mails(dir: &Path) -> BTreeMap<String, usize> {
    let mut count = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("data").join("outbox"))
        .into_iter()
        .flatten()
    {
        let Ok(raw) = std::fs::read_to_string(entry.expect("entry").path()) else {
            continue;
        };
        if !raw.contains("Thank you for") {
            continue;
        }
        let to = raw
            .lines()
            .find_map(|line| line.strip_prefix("To: "))
            .unwrap_or_default()
            .to_owned();
        *count.entry(to).or_default() += 1;
    }
    count
}

fn send_email_step() -> Value {
    json!({"type": "send_email", "to": "{{event.client}}", "subject": "Thank you for {{event.title}}", "body": "Dear client"})
}

#[test]
fn a_webhook_in_flight_when_the_server_is_killed_fails_its_run_and_is_not_called_again() {
    let dir = temp_dir("automation-kill-webhook");
    let hook = Hook::start(Duration::ZERO, true);
    let server = Server::start(&dir, None, Some(INITIAL), ENV);
    let (cookie, session) = server.admin_session(INITIAL, ADMIN);
    let admin = session["user_id"].as_str().expect("user id").to_owned();
    let steps = json!([send_email_step(), {"type": "call_webhook", "url": hook.url}]);
    let id = automation(&server, &cookie, &admin, steps);
    let (status, answer) = server.call(
        "POST",
        "/v1/events",
        Some(json!({"events": [{"type": "deal.won", "fields": {"client": "client@customer.example", "title": "Acme"}}]})),
        &cookie,
    );
    assert_eq!(
        (status, answer["runs"].as_u64()),
        (202, Some(1)),
        "{answer}"
    );
    eventually("the webhook is called", &server, || {
        (hook.keys().len() == 1).then_some(())
    });
    server.kill();

    let server = Server::start(&dir, None, None, ENV);
    let cookie = server.sign_in("admin@example.com", ADMIN);
    let run = eventually("the run ends after the restart", &server, || {
        let all = runs(&server, &cookie, &id);
        (all.len() == 1 && all[0]["status"] == "failed").then(|| all[0].clone())
    });
    let (status, detail) = server.call(
        "GET",
        &format!("/v1/runs/{}", run["id"].as_str().unwrap()),
        None,
        &cookie,
    );
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["steps"][0]["status"], "succeeded", "{detail}");
    assert_eq!(detail["steps"][1]["status"], "failed", "{detail}");
    assert!(
        detail["steps"][1]["error"]
            .as_str()
            .unwrap()
            .contains("interrupted by a restart"),
        "{detail}"
    );
    // Another lease or two: still one call, one e-mail.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(hook.keys().len(), 1, "the webhook is never called twice");
    eventually("the e-mail is delivered", &server, || {
        (mails(&dir).get("client@customer.example") == Some(&1)).then_some(())
    });
    assert_eq!(mails(&dir).values().sum::<usize>(), 1, "one e-mail");
    drop(hook.held.lock().unwrap().drain(..));
}

#[test]
fn runs_in_progress_when_the_server_is_killed_all_end_after_restart_none_twice() {
    const EVENTS: usize = 300;
    let dir = temp_dir("automation-kill-many");
    let hook = Hook::start(Duration::from_millis(20), false);
    let server = Server::start(&dir, None, Some(INITIAL), ENV);
    let (cookie, session) = server.admin_session(INITIAL, ADMIN);
    let admin = session["user_id"].as_str().expect("user id").to_owned();
    let steps = json!([send_email_step(), {"type": "call_webhook", "url": hook.url}]);
    let id = automation(&server, &cookie, &admin, steps);
    let events: Vec<Value> = (0..EVENTS)
        .map(|n| json!({"type": "deal.won", "fields": {"client": format!("client{n}@customer.example"), "title": format!("deal {n}")}}))
        .collect();
    let (status, answer) = server.call(
        "POST",
        "/v1/events",
        Some(json!({"events": events})),
        &cookie,
    );
    assert_eq!(
        (status, answer["runs"].as_u64()),
        (202, Some(EVENTS as u64)),
        "{answer}"
    );
    // Kill it part-way through.
    eventually("some runs ran", &server, || {
        (hook.keys().len() >= 40).then_some(())
    });
    let before = runs(&server, &cookie, &id);
    let finished_before = before.iter().filter(|r| r["status"] == "succeeded").count();
    assert!(
        finished_before < EVENTS,
        "killed part-way ({finished_before} done)"
    );
    server.kill();

    let server = Server::start(&dir, None, None, ENV);
    let cookie = server.sign_in("admin@example.com", ADMIN);
    let all = eventually("every run ends after the restart", &server, || {
        let all = runs(&server, &cookie, &id);
        all.iter()
            .all(|r| r["status"] == "succeeded" || r["status"] == "failed")
            .then_some(all)
    });
    assert_eq!(all.len(), EVENTS, "no run lost");
    let keys = hook.keys();
    let mut distinct = keys.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), keys.len(), "no webhook call made twice");
    let mut failed = 0;
    for run in &all {
        if run["status"] == "failed" {
            failed += 1;
            let (_, detail) = server.call(
                "GET",
                &format!("/v1/runs/{}", run["id"].as_str().unwrap()),
                None,
                &cookie,
            );
            assert!(
                detail["steps"][1]["error"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("interrupted"),
                "only an interrupted webhook fails a run: {detail}"
            );
        }
    }
    assert!(
        failed <= 8,
        "at most one run per runner thread was mid-call: {failed}"
    );
    // Each succeeded run called it once; an interrupted one called it at most once, before
    // the kill (the process may die between recording the start and sending the request).
    assert!(
        (EVENTS - failed..=EVENTS).contains(&keys.len()),
        "{} calls for {EVENTS} runs, {failed} interrupted",
        keys.len()
    );
    let delivered = eventually("every e-mail is delivered", &server, || {
        let count = mails(&dir);
        (count.values().sum::<usize>() >= EVENTS).then_some(count)
    });
    assert_eq!(delivered.len(), EVENTS, "one e-mail per run");
    assert!(delivered.values().all(|n| *n == 1), "no e-mail twice");
}
