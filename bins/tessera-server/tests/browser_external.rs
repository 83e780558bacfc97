//! The external site in a real browser (headless Chromium over WebDriver), on SQLite and
//! PostgreSQL: a share arrives over SMTP; its link, in one browser, and its code, in another,
//! open exactly the shared workflows; each page passes axe-core; revoking the invitation ends
//! the link's session. Skipped without chromedriver, except under `CI=true`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::time::{Duration, Instant};

use common::browser::{
    Browser, WAIT, assert_accessible, click, current_path, fill, page_text, screenshot, wait_for,
    wait_for_text,
};
use common::{Server, temp_dir};
use serde_json::{Value, json};
use tessera_mail::testing::{SmtpSink, parse};
use tessera_store::testing::TestDb;

const INITIAL: &str = "initial-password-1";
const ADMIN: &str = "admin-password-22";

/// The wish list's workflows, which the recipient sees.
const SHARED: [&str; 2] = ["Supplier onboarding", "Invoice approval"];
/// A workflow not in the wish list, and the wish list's task (never shared).
const NOT_SHARED: [&str; 2] = ["Quarterly close", "Check supplier documents"];

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

/// The link (`http://127.0.0.1:{port}/x/{token}`) and the code of the invitation e-mail.
fn link_and_code(server: &Server, raw: &str) -> (String, String) {
    let mail = parse(raw).expect("a MIME message");
    let text = mail.part("text/plain").expect("text part");
    let site = format!("http://127.0.0.1:{}/x/", server.port);
    let start = text.find(&site).expect("link in the e-mail") + site.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "256-bit base64url token: {token}");
    let code = text
        .split("verification code:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("code in the e-mail")
        .to_owned();
    assert_eq!(code.len(), 8, "{code}");
    (format!("{site}{token}"), code)
}

/// The page shows the shared workflows and nothing else of the catalog.
fn assert_shows_shared(backend: &str, how: &str, text: &str) {
    for name in SHARED {
        assert!(text.contains(name), "[{backend}] {how}: {name} in\n{text}");
    }
    for name in NOT_SHARED {
        assert!(
            !text.contains(name),
            "[{backend}] {how}: not {name} in\n{text}"
        );
    }
}

/// Share the demo wish list with Ana; in one browser she follows the link and presses the
/// button, in another she types her e-mail and the code; both see the two workflows, until
/// the invitation is revoked.
#[test]
fn a_shared_wish_list_opens_in_the_browser_by_link_and_by_code_until_revoked() {
    let started = Instant::now();
    let Some(browser) = Browser::start() else {
        return;
    };
    eprintln!("chromedriver up in {:.2?}", started.elapsed());
    for (backend, db) in TestDb::all() {
        let sink = SmtpSink::start().expect("smtp sink");
        let dir = temp_dir("browser-external");
        let server = Server::start(
            &dir,
            Some(db.url_text()),
            Some(INITIAL),
            &[
                ("TESSERA_SMTP_URL", &sink.url()),
                ("TESSERA_MAIL_FROM", "Tessera <share@tessera.test>"),
            ],
        );
        let (cookie, _) = server.admin_session(INITIAL, ADMIN);
        let (status, items) = server.call("GET", "/v1/items", None, &cookie);
        assert_eq!(status, 200, "[{backend}] {items}");
        let share = json!({
            "items": [item_id(&items, "demo-getting-started")],
            "recipients": ["ana@example.com"],
            "message": "Have a look",
        });
        let (status, created) = server.call("POST", "/v1/shares", Some(share), &cookie);
        assert_eq!(status, 201, "[{backend}] {created}");
        let invitation = created["invitations"][0]["id"]
            .as_str()
            .expect("invitation id")
            .to_owned();
        let received = sink.wait_for(1, Duration::from_secs(30));
        assert_eq!(received.len(), 1, "[{backend}] {}", server.log_text());
        let (link, code) = link_and_code(&server, &received[0]);
        let site = format!("http://127.0.0.1:{}/x", server.port);
        // The pages are checked and photographed once: they do not depend on the database.
        let document = backend == "sqlite";

        let browsing = Instant::now();
        browser.block_on(async {
            // By link: the landing page's button opens the session.
            let by_link = browser.session().await;
            by_link.goto(&link).await.expect("open the link");
            wait_for(&by_link, "form button[type=submit]", WAIT).await;
            if document {
                assert_accessible(&by_link, "external landing").await;
                screenshot(&by_link, "external-landing").await;
            }
            click(&by_link, "form button[type=submit]").await;
            let text = wait_for_text(&by_link, SHARED[0], WAIT).await;
            assert_eq!(current_path(&by_link).await, "/x/workflows");
            assert_shows_shared(backend, "by link", &text);
            if document {
                assert_accessible(&by_link, "external workflows").await;
                screenshot(&by_link, "external-workflows").await;
            }

            // By code, in a second browser: its own cookies, so first the form.
            let by_code = browser.session().await;
            by_code
                .goto(&format!("{site}/workflows"))
                .await
                .expect("workflows");
            wait_for(&by_code, "#code", WAIT).await;
            assert_eq!(
                current_path(&by_code).await,
                "/x/verify",
                "[{backend}] a second browser is not signed in"
            );
            by_code
                .goto(&format!("{site}/verify"))
                .await
                .expect("verify");
            wait_for(&by_code, "#email", WAIT).await;
            if document {
                assert_accessible(&by_code, "external verify").await;
                screenshot(&by_code, "external-verify").await;
            }
            fill(&by_code, "email", "ana@example.com").await;
            fill(&by_code, "code", &code).await;
            click(&by_code, "form button[type=submit]").await;
            let text = wait_for_text(&by_code, SHARED[0], WAIT).await;
            assert_eq!(current_path(&by_code).await, "/x/workflows");
            assert_shows_shared(backend, "by code", &text);

            // Revoked: the link's session sees the verify form again.
            let (status, revoked) = server.call(
                "POST",
                &format!("/v1/invitations/{invitation}/revoke"),
                None,
                &cookie,
            );
            assert_eq!(status, 200, "[{backend}] {revoked}");
            by_link.refresh().await.expect("reload");
            wait_for(&by_link, "#code", WAIT).await;
            assert_eq!(current_path(&by_link).await, "/x/verify");
            let text = page_text(&by_link).await;
            for name in SHARED {
                assert!(
                    !text.contains(name),
                    "[{backend}] revoked, yet {name}: {text}"
                );
            }
            browser.close_all().await;
        });
        eprintln!(
            "[{backend}] browser part (2 sessions{}): {:.2?}",
            if document {
                ", axe-core and screenshots on 3 pages"
            } else {
                ""
            },
            browsing.elapsed()
        );
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
    }
}
