//! Sharing through the running server, on SQLite and PostgreSQL: the invitation arrives
//! over real SMTP (a sink on loopback in this process) and its link and code open exactly
//! the shared workflows; `kill -9` during a 1,000-recipient share and during delivery loses
//! nothing and sends nothing twice except, with its own Message-ID, what was in flight.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{Response, Server, temp_dir};
use serde_json::{Value, json};
use tessera_core::{AccountId, UserId, Uuid};
use tessera_mail::testing::{SmtpSink, parse};
use tessera_store::invitations::{self, InvitationFilter};
use tessera_store::testing::TestDb;
use tessera_store::{outbox, shares};

const INITIAL: &str = "initial-password-1";
const ADMIN: &str = "admin-password-22";

/// `application/x-www-form-urlencoded` for a few fields.
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(key, value)| {
            let encoded: String = value
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{key}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A form POST with the CSRF cookie and field (and an extra cookie when given).
fn post_form(server: &Server, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Response {
    let mut all = fields.to_vec();
    all.push(("csrf", csrf));
    let cookie = format!("tessera_csrf={csrf}");
    server
        .send(
            "POST",
            path,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &cookie),
            ],
            form(&all).as_bytes(),
        )
        .expect("form post")
}

/// The item with that external id in `GET /v1/items`.
fn item_id(items: &Value, external_id: &str) -> Value {
    items
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["external_id"] == external_id)
        .unwrap_or_else(|| panic!("no item {external_id} in {items}"))["id"]
        .clone()
}

/// The workflows page seen with an external session cookie.
fn workflows_page(server: &Server, session: &str) -> Response {
    let cookie = format!("tessera_external={session}");
    server
        .send("GET", "/x/workflows", &[("Cookie", &cookie)], b"")
        .expect("workflows page")
}

/// Share the demo wish list with Ana over SMTP; follow the e-mail's link, then its code.
#[test]
fn an_invitation_arrives_by_smtp_and_opens_the_shared_workflows() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("smtp sink");
        let dir = temp_dir("smtp-share");
        let server = Server::start(
            &dir,
            Some(db.url_text()),
            Some(INITIAL),
            &[
                ("TESSERA_SMTP_URL", &sink.url()),
                ("TESSERA_MAIL_FROM", "Tessera <share@tessera.test>"),
                // Everything logged, so the check below that no secret is has teeth.
                ("RUST_LOG", "debug"),
            ],
        );
        let (cookie, _) = server.admin_session(INITIAL, ADMIN);
        let (status, items) = server.call("GET", "/v1/items", None, &cookie);
        assert_eq!(status, 200, "[{backend}] {items}");
        let wish_list = item_id(&items, "demo-getting-started");
        let task = item_id(&items, "demo-check-documents");

        let share = json!({
            "items": [wish_list],
            "recipients": ["Ana@Example.com"],
            "message": "Please look at <b>these</b> by Friday",
        });
        let (status, created) = server.call("POST", "/v1/shares", Some(share), &cookie);
        assert_eq!(status, 201, "[{backend}] {created}");
        assert_eq!(
            created["left_out_tasks"],
            json!([task]),
            "[{backend}] the wish list's task is left out"
        );
        let invitation = created["invitations"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let received = sink.wait_for(1, Duration::from_secs(30));
        // The sink keeps the message before it answers; the server then settles it.
        let settled = Instant::now() + Duration::from_secs(10);
        while server.call("GET", "/v1/invitations", None, &cookie).1[0]["state"] != "delivered" {
            assert!(Instant::now() < settled, "[{backend}] never delivered");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            received.len(),
            1,
            "[{backend}] one e-mail: {}",
            server.log_text()
        );
        let mail = parse(&received[0]).expect("a MIME message");
        assert_eq!(
            mail.header("Subject").as_deref(),
            Some("admin shared workflows with you")
        );
        assert_eq!(mail.header("To").as_deref(), Some("ana@example.com"));
        assert!(
            mail.header("From")
                .is_some_and(|from| from.contains("<share@tessera.test>")),
            "{:?}",
            mail.header("From")
        );
        let message_id = mail.header("Message-ID").expect("Message-ID");
        assert!(
            message_id.starts_with('<') && message_id.ends_with("@tessera>"),
            "{message_id}"
        );
        let text = mail.part("text/plain").expect("text part");
        let html = mail.part("text/html").expect("html part");
        for body in [text, html] {
            assert!(body.contains("Supplier onboarding"), "[{backend}] {body}");
            assert!(body.contains("Invoice approval"), "[{backend}] {body}");
            assert!(!body.contains("Quarterly close"), "not shared: {body}");
            assert!(!body.contains("Check supplier documents"), "a task: {body}");
            assert!(body.contains("admin@example.com"), "the sender: {body}");
        }
        assert!(text.contains("Please look at <b>these</b> by Friday"));
        assert!(
            html.contains("Please look at &lt;b&gt;these&lt;/b&gt; by Friday"),
            "the message is escaped: {html}"
        );
        assert!(html.contains("Access workflows now"));

        // The link, in both bodies, and the code.
        let site = format!("http://127.0.0.1:{}/x/", server.port);
        let link_start = text.find(&site).expect("link in the text") + site.len();
        let token: String = text[link_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert_eq!(token.len(), 43, "256-bit base64url token: {token}");
        assert!(
            html.contains(&format!("{site}{token}")),
            "the button's link"
        );
        let code = text
            .split("verification code:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("code in the text")
            .to_owned();
        assert_eq!(code.len(), 8, "{code}");
        assert!(html.contains(&code));

        // The link: the GET changes nothing, the button opens the session.
        let path = format!("/x/{token}");
        let landing = server.send("GET", &path, &[], b"").expect("landing");
        assert_eq!(landing.status, 200);
        assert_eq!(landing.header("referrer-policy"), Some("no-referrer"));
        let csrf = landing.cookie("tessera_csrf").expect("csrf cookie");
        let (_, listed) = server.call("GET", "/v1/invitations", None, &cookie);
        assert_eq!(
            listed[0]["state"], "delivered",
            "[{backend}] the GET changed nothing: {listed}"
        );
        let opened = post_form(&server, &path, &csrf, &[]);
        assert_eq!(opened.status, 303, "[{backend}] {}", opened.text);
        // Relative, so the site works wherever it is mounted: /x/{token} → /x/workflows.
        assert_eq!(opened.header("location"), Some("workflows"));
        let session = opened.cookie("tessera_external").expect("session cookie");
        let page = workflows_page(&server, &session);
        assert_eq!(page.status, 200);
        for expected in [
            "Supplier onboarding",
            "Invoice approval",
            "Procurement",
            "Finance",
        ] {
            assert!(page.text.contains(expected), "{expected}: {}", page.text);
        }
        assert!(!page.text.contains("Quarterly close"));
        assert!(!page.text.contains("Check supplier documents"));

        // The code, on the verify form.
        let verify = server.send("GET", "/x/verify", &[], b"").expect("form");
        let csrf = verify.cookie("tessera_csrf").expect("csrf cookie");
        let by_code = post_form(
            &server,
            "/x/verify",
            &csrf,
            &[("email", "ana@example.com"), ("code", &code)],
        );
        assert_eq!(by_code.status, 303, "[{backend}] {}", by_code.text);
        let session = by_code.cookie("tessera_external").expect("session cookie");
        let page = workflows_page(&server, &session);
        assert!(page.text.contains("Invoice approval"), "{}", page.text);

        let (_, listed) = server.call(
            "GET",
            &format!(
                "/v1/invitations?share={}",
                created["share_id"].as_str().unwrap()
            ),
            None,
            &cookie,
        );
        assert_eq!(listed[0]["id"], invitation.as_str());
        assert_eq!(listed[0]["state"], "verified", "[{backend}] {listed}");
        assert_eq!(sink.messages().len(), 1, "nothing else was sent");
        let log = server.log_text();
        assert!(
            !log.contains(&token) && !log.contains(&code),
            "[{backend}] the link's token and the code are never logged:\n{log}"
        );
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// `n` distinct recipient addresses for share `tag`.
fn recipients(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("r{i}.{tag}@example.com")).collect()
}

/// Everything the database holds about the account's shares: per share, its invitations;
/// and the outbox entries.
struct Stored {
    shares: BTreeMap<Uuid, Vec<Uuid>>,
    outbox: Vec<outbox::OutboxEntry>,
}

fn stored(db: &TestDb, account: AccountId, sender: UserId) -> Stored {
    let mut connection = db.connect();
    let mut shares = BTreeMap::new();
    for share in shares::share_ids_by_sender(&mut connection, account, sender).expect("shares") {
        let filter = InvitationFilter {
            share: Some(share),
            ..InvitationFilter::default()
        };
        let invitations =
            invitations::list_invitations(&mut connection, account, &filter).expect("invitations");
        shares.insert(
            share,
            invitations
                .iter()
                .map(|i| Uuid::from_bytes(i.invitation.id))
                .collect(),
        );
    }
    let outbox = outbox::outbox_entries(&mut connection, account).expect("outbox");
    Stored { shares, outbox }
}

/// Message-IDs claimed by a sender whose outcome is not stored: in flight at a kill.
fn in_flight(db: &TestDb, account: AccountId, sender: UserId) -> BTreeSet<String> {
    stored(db, account, sender)
        .outbox
        .into_iter()
        .filter(|entry| entry.state == outbox::OutboxState::Sending)
        .map(|entry| format!("<{}>", entry.message_id))
        .collect()
}

/// Kills the server during 1,000-recipient shares and during their delivery, restarting it
/// each time. In the end: every share is wholly there (1,000 invitations, 1,000 outbox
/// messages) or wholly absent; the sink holds exactly one distinct Message-ID per invitation;
/// and every Message-ID received twice was claimed but unsettled at one of the kills.
#[test]
fn kill_9_during_a_share_and_during_delivery_loses_nothing() {
    const N: usize = 1_000;
    for (backend, db) in TestDb::all() {
        // Each message waits 2 ms in the sink, so delivering 1,000 takes seconds: long
        // enough to be killed in the middle.
        let sink = SmtpSink::start_with("250 OK", Duration::from_millis(2)).expect("sink");
        let dir = temp_dir("crash");
        let smtp = sink.url();
        let env: [(&str, &str); 2] = [
            ("TESSERA_SMTP_URL", &smtp),
            ("TESSERA_OUTBOX_LEASE_SECONDS", "2"),
        ];
        let start = || Server::start(&dir, Some(db.url_text()), Some(INITIAL), &env);
        let server = start();
        let (mut cookie, signed_in) = server.admin_session(INITIAL, ADMIN);
        let account: AccountId = signed_in["account_id"].as_str().unwrap().parse().unwrap();
        let admin: UserId = signed_in["user_id"].as_str().unwrap().parse().unwrap();
        let (_, items) = server.call("GET", "/v1/items", None, &cookie);
        let workflow = item_id(&items, "demo-supplier-onboarding");
        let share_body = |tag: &str| json!({ "items": [workflow], "recipients": recipients(tag, N), "message": tag });

        // A share that completes gives its duration; its delivery starts at once.
        let began = Instant::now();
        let (status, first) = server.call("POST", "/v1/shares", Some(share_body("first")), &cookie);
        assert_eq!(status, 201, "[{backend}] {first}");
        let share_time = began.elapsed();
        let mut kills_in_flight = BTreeSet::new();
        let mut server = Some(server);

        // Killed during shares, at multiples of that duration: the early kills land before
        // the commit, the late ones after it (answered or not).
        for (attempt, fraction) in [0.25, 0.75, 1.5, 3.0].into_iter().enumerate() {
            let running = server.take().unwrap_or_else(start);
            cookie = running.sign_in("admin@example.com", ADMIN);
            let port = running.port;
            let body = share_body(&format!("attempt{attempt}")).to_string();
            let session = cookie.clone();
            let request = std::thread::spawn(move || {
                common::request(
                    port,
                    "POST",
                    "/v1/shares",
                    &[("Content-Type", "application/json"), ("Cookie", &session)],
                    body.as_bytes(),
                )
            });
            std::thread::sleep(share_time.mul_f64(fraction));
            running.kill();
            let answered = request.join().expect("request thread");
            eprintln!(
                "[{backend}] share killed at {fraction} of {share_time:?}: {}",
                match answered {
                    Ok(reply) => format!("answered {}", reply.status),
                    Err(_) => "no answer".to_owned(),
                }
            );
            kills_in_flight.extend(in_flight(&db, account, admin));
        }

        // Killed during delivery: once the sink has some but not all.
        let running = start();
        let before = sink.messages().len();
        let _ = sink.wait_for(before + 100, Duration::from_secs(60));
        running.kill();
        let at_kill = in_flight(&db, account, admin);
        assert!(
            !at_kill.is_empty() || sink.messages().len() >= N,
            "[{backend}] the delivery kill should catch messages in flight"
        );
        kills_in_flight.extend(at_kill);

        // A last start delivers the rest (claims left by the kills expire after 2 s).
        let running = start();
        let deadline = Instant::now() + Duration::from_secs(180);
        let final_state = loop {
            let now = stored(&db, account, admin);
            if now
                .outbox
                .iter()
                .all(|entry| entry.state == outbox::OutboxState::Sent)
            {
                break now;
            }
            assert!(
                Instant::now() < deadline,
                "[{backend}] outbox not drained: {}",
                running.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        };

        // Every share wholly there; the first one among them.
        assert!(
            final_state
                .shares
                .contains_key(&first["share_id"].as_str().unwrap().parse::<Uuid>().unwrap())
        );
        let mut invitations = BTreeSet::new();
        for (share, ids) in &final_state.shares {
            assert_eq!(ids.len(), N, "[{backend}] share {share} is whole");
            invitations.extend(ids.iter().copied());
        }
        eprintln!(
            "[{backend}] {} of 5 shares committed",
            final_state.shares.len()
        );
        assert_eq!(
            final_state.outbox.len(),
            invitations.len(),
            "[{backend}] one outbox message per invitation"
        );
        let by_invitation: BTreeSet<Uuid> = final_state
            .outbox
            .iter()
            .filter_map(|entry| entry.invitation)
            .collect();
        assert_eq!(by_invitation, invitations, "[{backend}]");

        // The sink: exactly the outbox's Message-IDs; repeats only of what was in flight.
        let mut received: BTreeMap<String, usize> = BTreeMap::new();
        for raw in sink.messages() {
            let id = parse(&raw)
                .and_then(|mail| mail.header("Message-ID"))
                .expect("Message-ID");
            *received.entry(id).or_default() += 1;
        }
        let expected: BTreeSet<String> = final_state
            .outbox
            .iter()
            .map(|entry| format!("<{}>", entry.message_id))
            .collect();
        let distinct: BTreeSet<String> = received.keys().cloned().collect();
        assert_eq!(
            distinct.len(),
            expected.len(),
            "[{backend}] one distinct Message-ID per invitation"
        );
        assert_eq!(distinct, expected, "[{backend}]");
        let repeated: Vec<&String> = received
            .iter()
            .filter(|(_, count)| **count > 1)
            .map(|(id, _)| id)
            .collect();
        eprintln!(
            "[{backend}] {} messages, {} distinct, {} repeated, {} in flight at kills",
            received.values().sum::<usize>(),
            distinct.len(),
            repeated.len(),
            kills_in_flight.len()
        );
        for id in repeated {
            assert!(
                kills_in_flight.contains(id),
                "[{backend}] {id} was sent twice without being in flight at a kill"
            );
        }
        drop(running);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The README's flow with no configuration: sign in, change the password, share a demo
/// workflow; the e-mail lands in `data/outbox/<Message-ID>.eml`, and its link opens the
/// workflow.
#[test]
fn the_readme_flow_shares_through_an_eml_file() {
    let dir = temp_dir("readme-flow");
    // Only the bind address is set: the links in e-mails follow it.
    let server = Server::start(&dir, None, Some(INITIAL), &[("TESSERA_PUBLIC_URL", "")]);
    assert!(
        server.log_text().contains("derived from TESSERA_BIND"),
        "the log says where the public URL came from"
    );
    let (cookie, signed_in) = server.admin_session(INITIAL, ADMIN);
    // The sender is named in the e-mail by their display name.
    let me = signed_in["user_id"].as_str().expect("user").to_owned();
    let name = json!({ "display_name": "Ada Admin" });
    let (status, body) = server.call("PATCH", &format!("/v1/users/{me}"), Some(name), &cookie);
    assert_eq!(status, 200, "{body}");
    let (_, items) = server.call("GET", "/v1/items", None, &cookie);
    let workflow = item_id(&items, "demo-supplier-onboarding");
    let share =
        json!({ "items": [workflow], "recipients": ["ana@example.com"], "message": "Have a look" });
    let (status, created) = server.call("POST", "/v1/shares", Some(share), &cookie);
    assert_eq!(status, 201, "{created}");

    let outbox = dir.join("data/outbox");
    let deadline = Instant::now() + Duration::from_secs(30);
    let eml = loop {
        let found = std::fs::read_dir(&outbox).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .find(|path| path.extension().is_some_and(|e| e == "eml"))
        });
        if let Some(path) = found {
            break path;
        }
        assert!(Instant::now() < deadline, "no .eml: {}", server.log_text());
        std::thread::sleep(Duration::from_millis(50));
    };
    let raw = std::fs::read_to_string(&eml).expect("eml");
    let mail = parse(&raw).expect("a MIME message");
    assert_eq!(mail.header("To").as_deref(), Some("ana@example.com"));
    let text = mail.part("text/plain").expect("text part");
    assert!(text.contains("Ada Admin (admin@example.com)"), "{text}");
    let site = format!("http://127.0.0.1:{}/x/", server.port);
    let start = text.find(&site).expect("link") + site.len() - "/x/".len();
    let path: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let landing = server.send("GET", &path, &[], b"").expect("landing");
    assert_eq!(landing.status, 200);
    let csrf = landing.cookie("tessera_csrf").expect("csrf");
    let opened = post_form(&server, &path, &csrf, &[]);
    assert_eq!(opened.status, 303, "{}", opened.text);
    let page = workflows_page(
        &server,
        &opened.cookie("tessera_external").expect("session"),
    );
    assert!(page.text.contains("Supplier onboarding"), "{}", page.text);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
