//! End to end through the facade crate, as an embedder uses Tessera: the engine alone; the
//! service with its workers, e-mail going to a real SMTP server on loopback; and the HTTP
//! services mounted under a prefix in an actix-web app of its own. Every database test runs
//! on SQLite and, when `TESSERA_TEST_POSTGRES_URL` is set, on PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::time::Duration;

use actix_web::cookie::Cookie;
use actix_web::http::{Method, StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, web};
use serde_json::{Value, json};
use tessera::access::{Level, Policy, Role, standard_tree};
use tessera::core::{RoleId, SecretKey, UserId};
use tessera::mail::SmtpMailer;
use tessera::mail::testing::{SmtpSink, parse};
use tessera::service::outbox::OutboxOptions;
use tessera::service::sharing::ShareRequest;
use tessera::service::{Tessera, WorkerOptions};
use tessera::store::DieselStore;
use tessera::store::testing::TestDb;

#[test]
fn the_engine_answers_through_the_facade() {
    let mut policy =
        Policy::standard(standard_tree(&["crm"], &["test", "production"], &[]).unwrap()).unwrap();
    let releaser = RoleId::from_u128(100);
    policy
        .add_role(
            Role::custom(releaser, "Releaser")
                .with("publish_rights", Level::Write)
                .with("publish_rights/env:production", Level::None),
        )
        .unwrap();
    let ana = UserId::from_u128(1);
    policy.assign(ana, releaser).unwrap();
    let test = policy.feature("publish_rights/env:test").unwrap();
    let production = policy.feature("publish_rights/env:production").unwrap();
    assert!(policy.check(ana, test, Level::Write).unwrap());
    assert!(!policy.check(ana, production, Level::Read).unwrap());
}

/// A service over `db` that mails through `sink`, links pointing at `public_url`.
fn service(db: &TestDb, sink: &SmtpSink, public_url: &str) -> Tessera {
    let (store, _) = DieselStore::open(&db.url, 8).expect("store");
    let mailer = SmtpMailer::from_url(&sink.url()).expect("smtp");
    Tessera::builder(store, SecretKey::from_bytes([3; 32]), mailer)
        .public_url(public_url)
        .mail_from("Tessera <tessera@example.com>")
        .build()
        .expect("tessera")
}

/// The token of the invitation link (under `base`) in a received message.
fn token_in(raw: &str, base: &str) -> String {
    let mail = parse(raw).expect("a MIME message");
    let text = mail.part("text/plain").expect("a text part");
    let at = text.find(base).expect("the link") + base.len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn quick_workers() -> WorkerOptions {
    WorkerOptions {
        outbox_idle: Duration::from_millis(50),
        ..WorkerOptions::default()
    }
}

#[test]
fn a_service_share_reaches_the_recipient_over_smtp_and_opens() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let tessera = service(&db, &sink, "https://tessera.example");
        let created = tessera
            .bootstrap("admin@example.com", None)
            .expect("bootstrap")
            .expect("a fresh database");
        let admin = tessera
            .act_as(created.account, created.admin, None)
            .expect("the Admin");
        let workers = tessera.start_workers(quick_workers()).expect("workers");

        let items = tessera.items(&admin).expect("items");
        let workflow = items
            .iter()
            .find(|i| i.external_id == "demo-invoice-approval")
            .expect("demo workflow");
        let share = tessera
            .share(
                &admin,
                ShareRequest {
                    items: vec![workflow.item.id],
                    recipients: vec!["ana@example.org".into(), "bob@example.org".into()],
                    ..ShareRequest::default()
                },
            )
            .expect("share");
        assert_eq!(share.invitations.len(), 2, "[{backend}]");

        let received = sink.wait_for(2, Duration::from_secs(20));
        assert_eq!(received.len(), 2, "[{backend}] both e-mails arrive");
        workers.shutdown();
        let for_ana = received
            .iter()
            .find(|raw| raw.contains("ana@example.org"))
            .expect("ana's e-mail");
        let token = token_in(for_ana, "https://tessera.example/x/");
        let session = tessera
            .follow_link(&token, Some("192.0.2.7".into()))
            .expect("follow")
            .expect("the link opens");
        let shared = tessera
            .shared_workflows(&session.secret)
            .expect("shared")
            .expect("a live session");
        let titles: Vec<&str> = shared
            .domains
            .iter()
            .flat_map(|(_, workflows)| workflows.iter().map(|w| w.title.as_str()))
            .collect();
        assert_eq!(titles, ["Invoice approval"], "[{backend}]");
        assert!(
            tessera
                .follow_link("not-a-token", None)
                .expect("refusal")
                .is_none(),
            "[{backend}]"
        );
        assert_eq!(
            tessera
                .deliver_due(&OutboxOptions::default())
                .expect("deliver")
                .total(),
            0,
            "[{backend}] nothing left to send"
        );
    }
}

/// One answer of the foreign app.
struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Value,
    text: String,
}

impl Answer {
    fn cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.headers
            .get_all(header::SET_COOKIE)
            .filter_map(|v| Cookie::parse(v.to_str().ok()?.to_owned()).ok())
            .find(|c| c.name() == name)
    }
}

#[actix_web::test]
async fn the_http_services_work_mounted_under_a_prefix_in_a_foreign_app() {
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("sink");
        let tessera = service(&db, &sink, "http://shop.example/tessera");
        tessera
            .bootstrap("admin@example.com", Some("initial-password-1"))
            .expect("bootstrap");
        let workers = tessera.start_workers(quick_workers()).expect("workers");
        let state = web::Data::new(tessera::http::AppState::new(tessera.clone(), false));
        let app = test::init_service(
            App::new()
                .route(
                    "/",
                    web::get().to(|| async { HttpResponse::Ok().body("the shop") }),
                )
                .service(
                    web::scope("/tessera")
                        .configure(|config| tessera::http::configure(config, state)),
                ),
        )
        .await;
        let call =
            |method: Method, path: &str, cookies: &[Cookie<'static>], body: Option<Value>| {
                let mut request = TestRequest::default()
                    .method(method)
                    .uri(path)
                    .peer_addr(([127, 0, 0, 1], 40_000).into());
                for cookie in cookies {
                    request = request.cookie(cookie.clone());
                }
                if let Some(body) = body {
                    request = request.set_json(body);
                }
                let app = &app;
                async move {
                    let response = test::call_service(app, request.to_request()).await;
                    let (status, headers) = (response.status(), response.headers().clone());
                    let bytes = test::read_body(response).await;
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
                    Answer {
                        status,
                        headers,
                        body,
                        text,
                    }
                }
            };

        assert_eq!(call(Method::GET, "/", &[], None).await.text, "the shop");
        let missing = call(Method::GET, "/tessera/v1/nowhere", &[], None).await;
        assert_eq!(
            missing.status, 404,
            "[{backend}] Tessera's own 404 under its prefix"
        );
        assert_eq!(missing.body["type"], "/problems/not-found");

        // The console under the prefix: its redirects, links and CSRF cookie stay there.
        let console = call(Method::GET, "/tessera/console", &[], None).await;
        assert_eq!(console.status, 303, "[{backend}]");
        assert_eq!(
            console
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("/tessera/console/sign-in")
        );
        let sign_in = call(Method::GET, "/tessera/console/sign-in", &[], None).await;
        assert_eq!(sign_in.status, 200, "[{backend}]");
        assert!(
            sign_in
                .text
                .contains("href=\"/tessera/console/static/console.css\"")
        );
        assert!(sign_in.text.contains("action=\"/tessera/console/sign-in\""));
        let console_csrf = sign_in
            .cookie(tessera::http::CONSOLE_CSRF_COOKIE)
            .expect("console csrf cookie");
        assert_eq!(console_csrf.path(), Some("/tessera/console"));
        let css = call(
            Method::GET,
            "/tessera/console/static/console.css",
            &[],
            None,
        )
        .await;
        assert_eq!(css.status, 200, "[{backend}]");

        let signed = call(
            Method::POST,
            "/tessera/v1/session",
            &[],
            Some(json!({ "email": "admin@example.com", "password": "initial-password-1" })),
        )
        .await;
        assert_eq!(signed.status, 200, "[{backend}] {}", signed.text);
        let session = signed
            .cookie(tessera::http::SESSION_COOKIE)
            .expect("session");
        let session = [session];
        let changed = call(
            Method::POST,
            "/tessera/v1/session/password",
            &session,
            Some(json!({ "current_password": "initial-password-1", "new_password": "a new long password" })),
        )
        .await;
        assert_eq!(changed.status, 204, "[{backend}] {}", changed.text);
        let items = call(Method::GET, "/tessera/v1/items", &session, None).await;
        let workflow = items
            .body
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["external_id"] == "demo-quarterly-close")
            .expect("demo workflow")["id"]
            .clone();
        let shared = call(
            Method::POST,
            "/tessera/v1/shares",
            &session,
            Some(json!({ "items": [workflow], "recipients": ["cleo@example.org"] })),
        )
        .await;
        assert_eq!(shared.status, 201, "[{backend}] {}", shared.text);

        let received = sink.wait_for(1, Duration::from_secs(20));
        assert_eq!(received.len(), 1, "[{backend}]");
        workers.shutdown();
        let token = token_in(&received[0], "http://shop.example/tessera/x/");
        let landing_path = format!("/tessera/x/{token}");
        let landing = call(Method::GET, &landing_path, &[], None).await;
        assert_eq!(landing.status, 200, "[{backend}]");
        let csrf = landing
            .cookie(tessera::http::CSRF_COOKIE)
            .expect("csrf cookie");
        assert_eq!(
            csrf.path(),
            Some("/tessera/x"),
            "[{backend}] cookies follow the mount"
        );
        let opened = test::call_service(
            &app,
            TestRequest::post()
                .uri(&landing_path)
                .peer_addr(([127, 0, 0, 1], 40_000).into())
                .cookie(csrf.clone())
                .set_form([("csrf", csrf.value())])
                .to_request(),
        )
        .await;
        assert_eq!(opened.status(), 303, "[{backend}]");
        assert_eq!(
            opened
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("workflows"),
            "[{backend}] relative: /tessera/x/workflows"
        );
        let external = opened
            .response()
            .cookies()
            .find(|c| c.name() == tessera::http::EXTERNAL_COOKIE)
            .expect("external session")
            .into_owned();
        let page = call(Method::GET, "/tessera/x/workflows", &[external], None).await;
        assert_eq!(page.status, 200, "[{backend}]");
        assert!(
            page.text.contains("Quarterly close"),
            "[{backend}] {}",
            page.text
        );
    }
}
