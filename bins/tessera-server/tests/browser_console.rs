//! The console in a real browser (headless Chromium over WebDriver) against the real server,
//! on SQLite and once more on PostgreSQL: the first sign-in with the forced password change
//! (by keyboard alone, focus visible); a user added with a role, whose console the role
//! matrix decides; a custom role made in the matrix and checked with the explain panel and
//! who-can; two workflows and a task picked in the Share dialog (the task refused by name),
//! the e-mail's link followed and its code entered in a second browser, the invitation
//! revoked; contacts and automations. axe-core runs on every page and each is photographed
//! into `docs/img/console/` (on the SQLite pass). Skipped without chromedriver, except under
//! `CI=true`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::time::{Duration, Instant};

use common::browser::{
    Browser, WAIT, assert_accessible, click, click_button, current_path, exists, fill, page_text,
    screenshot, wait_for, wait_for_text,
};
use common::{Server, temp_dir};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;
use tessera_mail::testing::{SmtpSink, parse};
use tessera_store::testing::TestDb;

const INITIAL: &str = "initial-password-1";
const ADMIN: &str = "admin-password-22";
const BOB_INITIAL: &str = "bob-initial-password-1";
const BOB: &str = "bob-password-chosen-22";

/// Checks the page with axe-core and photographs it, when `document` (the SQLite pass).
async fn document_page(client: &Client, document: bool, name: &str) {
    if document {
        assert_accessible(client, name).await;
        screenshot(client, name).await;
    }
}

/// Presses keys on whatever has the focus, as a keyboard would.
async fn press(client: &Client, keys: &str) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for key in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    client.perform_actions(actions).await.expect("keys");
}

/// The focused element's id and whether its focus outline shows.
async fn focused(client: &Client) -> (String, bool) {
    let answer = client
        .execute(
            "const el = document.activeElement; const style = getComputedStyle(el);
             return [el.id || el.tagName, style.outlineStyle !== 'none' && style.outlineWidth !== '0px'];",
            vec![],
        )
        .await
        .expect("focus");
    (
        answer[0].as_str().unwrap_or_default().to_owned(),
        answer[1].as_bool().unwrap_or(false),
    )
}

/// Tabs until the element `id` has the focus (at most 12 presses); its outline must show.
async fn tab_to(client: &Client, id: &str) {
    for _ in 0..12 {
        press(client, &Key::Tab.to_string()).await;
        let (now, visible) = focused(client).await;
        if now == id {
            assert!(visible, "#{id} has the focus but no visible outline");
            return;
        }
    }
    panic!("Tab never reached #{id}");
}

/// Clicks the label that starts with `text`, which ticks (or unticks) its check box.
async fn tick(client: &Client, text: &str) {
    let xpath = format!("//label[starts-with(normalize-space(.), '{text}')]");
    client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no label `{text}`: {e}"))
        .click()
        .await
        .expect("click the label");
}

/// The page's whole URL.
async fn current_url(client: &Client) -> String {
    client.current_url().await.expect("url").to_string()
}

/// Chooses `label` in the select `id`.
async fn choose(client: &Client, id: &str, label: &str) {
    wait_for(client, &format!("#{id}"), WAIT)
        .await
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("#{id}: no option {label}: {e}"));
}

/// Signs in through the form with the keyboard alone, and replaces the initial password.
async fn first_sign_in(
    client: &Client,
    base: &str,
    email: &str,
    initial: &str,
    chosen: &str,
    document: bool,
) {
    client
        .goto(&format!("{base}/console"))
        .await
        .expect("console");
    wait_for(client, "#email", WAIT).await;
    assert_eq!(current_path(client).await, "/console/sign-in");
    document_page(client, document, "console-sign-in").await;
    tab_to(client, "email").await;
    press(client, email).await;
    tab_to(client, "password").await;
    press(client, &format!("{initial}{}", Key::Enter)).await;
    wait_for(client, "#new_password", WAIT).await;
    assert_eq!(current_path(client).await, "/console/password");
    document_page(client, document, "console-password").await;
    fill(client, "current_password", initial).await;
    fill(client, "new_password", chosen).await;
    fill(client, "repeat_password", chosen).await;
    click_button(client, "Change password").await;
    wait_for_text(client, "Your password was changed.", WAIT).await;
}

fn main_text_has(text: &str, needle: &str, context: &str) {
    assert!(
        text.contains(needle),
        "{context}: `{needle}` not in\n{text}"
    );
}

/// The journeys of the issue, on one backend.
#[allow(clippy::too_many_lines, reason = "one journey, told in order")]
fn journeys(browser: &Browser, backend: &str, db: &TestDb) {
    let sink = SmtpSink::start().expect("smtp sink");
    let dir = temp_dir("browser-console");
    let server = Server::start(
        &dir,
        Some(db.url_text()),
        Some(INITIAL),
        &[
            ("TESSERA_SMTP_URL", &sink.url()),
            ("TESSERA_MAIL_FROM", "Tessera <share@tessera.test>"),
        ],
    );
    let base = format!("http://127.0.0.1:{}", server.port);
    let document = backend == "sqlite";
    let started = Instant::now();
    browser.block_on(async {
        // 1. The first sign-in, by keyboard, with the forced password change.
        let admin = browser.session().await;
        first_sign_in(&admin, &base, "admin@example.com", INITIAL, ADMIN, document).await;
        let home = page_text(&admin).await;
        main_text_has(&home, "Admin", backend);
        document_page(&admin, document, "console-home").await;

        // 2. A user added with a role (Content Curator: reads the workspace only).
        click(&admin, "nav a[href$='/console/users']").await;
        wait_for(&admin, "#add-user", WAIT).await;
        fill(&admin, "email", "bob@example.com").await;
        fill(&admin, "display_name", "Bob").await;
        choose(&admin, "role", "Content Curator").await;
        fill(&admin, "initial_password", BOB_INITIAL).await;
        click_button(&admin, "Add user").await;
        wait_for(&admin, "#added-user", WAIT).await;
        main_text_has(&page_text(&admin).await, "bob@example.com", backend);
        document_page(&admin, document, "console-users").await;

        let bob = browser.session().await;
        first_sign_in(&bob, &base, "bob@example.com", BOB_INITIAL, BOB, false).await;
        assert!(
            !exists(&bob, "nav a[href$='/console/users']").await,
            "[{backend}] curator: no Users"
        );
        assert!(!exists(&bob, "nav a[href$='/console/roles']").await);
        assert!(
            exists(&bob, "#share-button").await,
            "[{backend}] curator reads the workspace"
        );
        bob.goto(&format!("{base}/console/users"))
            .await
            .expect("users");
        let refused = wait_for(&bob, "#missing-right", WAIT).await;
        assert_eq!(refused.text().await.expect("text"), "user_management: read");
        document_page(&bob, document, "console-forbidden").await;

        // 3. A custom role made in the matrix: publishes to test, not to production, reads
        //    the users. Bob gets it; his console now offers Users.
        click(&admin, "nav a[href$='/console/roles']").await;
        wait_for(&admin, "#role-name", WAIT).await;
        document_page(&admin, document, "console-roles").await;
        fill(&admin, "role-name", "Release manager").await;
        choose(&admin, "start-from", "Content Curator").await;
        click_button(&admin, "Create role").await;
        wait_for(&admin, "#matrix", WAIT).await;
        for (feature, level) in [
            ("publish_rights", "write"),
            ("publish_rights/env:production", "none"),
            ("user_management", "read"),
        ] {
            click(
                &admin,
                &format!("input[name='s.{feature}'][value='{level}']"),
            )
            .await;
        }
        click_button(&admin, "Save role").await;
        wait_for_text(&admin, "The role was saved.", WAIT).await;
        let test_row = wait_for(
            &admin,
            "tr[data-feature='publish_rights/env:test'] td.effective",
            WAIT,
        )
        .await
        .text()
        .await
        .expect("row");
        assert_eq!(
            test_row, "write from publish_rights",
            "[{backend}] inherit resolves"
        );
        document_page(&admin, document, "console-role-matrix").await;
        admin
            .goto(&format!(
                "{base}/console/roles/7e55e7a0-0000-4000-8000-000000000001"
            ))
            .await
            .expect("admin role");
        wait_for(&admin, "#read-only", WAIT).await;
        assert!(
            !exists(&admin, "#matrix input:not([disabled])").await,
            "predefined: read-only"
        );

        click(&admin, "nav a[href$='/console/users']").await;
        click(&admin, "a[aria-label='Change role of bob@example.com']").await;
        wait_for(&admin, "#may_grant", WAIT).await;
        document_page(&admin, document, "console-user-edit").await;
        choose(&admin, "role", "Release manager").await;
        click_button(&admin, "Change role").await;
        wait_for_text(&admin, "The role was changed.", WAIT).await;
        let bob_row = wait_for(&admin, "tr[data-email='bob@example.com'] .user-role", WAIT).await;
        assert_eq!(bob_row.text().await.expect("role"), "Release manager");
        bob.goto(&format!("{base}/console")).await.expect("home");
        wait_for(&bob, "nav a[href$='/console/users']", WAIT).await;
        assert!(
            exists(&bob, "nav a[href$='/console/roles']").await,
            "user_management: read"
        );
        bob.goto(&format!("{base}/console/users"))
            .await
            .expect("users");
        wait_for(&bob, "#users", WAIT).await;
        assert!(
            !exists(&bob, "#add-user").await,
            "read, not write: no add form"
        );

        // The explain panel: why can Bob publish to test and not to production?
        click(&admin, "nav a[href$='/console/roles']").await;
        choose(&admin, "explain-user", "bob@example.com").await;
        choose(&admin, "explain-feature", "publish_rights/env:production").await;
        click_button(&admin, "Explain").await;
        let why = wait_for(&admin, "#explanation", WAIT)
            .await
            .text()
            .await
            .expect("why");
        main_text_has(
            &why,
            "Bob has none on publish_rights/env:production",
            backend,
        );
        main_text_has(&why, "Release manager", backend);
        choose(&admin, "explain-feature", "publish_rights/env:test").await;
        click_button(&admin, "Explain").await;
        wait_for_text(&admin, "has write on publish_rights/env:test", WAIT).await;
        let why = wait_for(&admin, "#explanation", WAIT)
            .await
            .text()
            .await
            .expect("why");
        main_text_has(
            &why,
            "Set on publish_rights, inherited through publish_rights/env:test",
            backend,
        );
        document_page(&admin, document, "console-explain").await;
        choose(&admin, "who-feature", "publish_rights/env:test").await;
        choose(&admin, "who-level", "write").await;
        click_button(&admin, "Find users").await;
        let who = wait_for(&admin, "#who-can", WAIT)
            .await
            .text()
            .await
            .expect("who");
        main_text_has(&who, "2 users.", backend);
        main_text_has(&who, "bob@example.com", backend);

        // 4. Share two workflows and a task: the task is refused by name; then the two.
        click(&admin, "#share-button").await;
        wait_for(&admin, "#share-dialog[open]", WAIT).await;
        document_page(&admin, document, "console-share").await;
        fill(&admin, "recipients", "ana@example.com").await;
        fill(&admin, "message", "Please look at these by Friday").await;
        for title in [
            "Invoice approval",
            "Supplier onboarding",
            "Check supplier documents",
        ] {
            tick(&admin, title).await;
        }
        click_button(&admin, "Share").await;
        let refusal = wait_for(&admin, "#form-error", WAIT)
            .await
            .text()
            .await
            .expect("error");
        main_text_has(&refusal, "Check supplier documents", backend);
        let invitations = server
            .call("GET", "/v1/invitations", None, &api_cookie(&server))
            .1;
        assert_eq!(
            invitations,
            json!([]),
            "[{backend}] the refusal sent nothing"
        );
        tick(&admin, "Check supplier documents").await; // untick the task
        click_button(&admin, "Share").await;
        let shared = wait_for(&admin, "#shared", WAIT)
            .await
            .text()
            .await
            .expect("shared");
        main_text_has(&shared, "Invoice approval", backend);
        main_text_has(&shared, "Supplier onboarding", backend);
        document_page(&admin, document, "console-shared").await;

        // The e-mail's link, in Ana's browser: exactly the two workflows.
        let received = sink.wait_for(1, Duration::from_secs(30));
        let (link, code) = link_and_code(&server, &received[0]);
        let ana = browser.session().await;
        ana.goto(&link).await.expect("link");
        click(&ana, "form button[type=submit]").await;
        let seen = wait_for_text(&ana, "Supplier onboarding", WAIT).await;
        assert_eq!(current_path(&ana).await, "/x/workflows");
        for title in ["Invoice approval", "Supplier onboarding"] {
            main_text_has(&seen, title, backend);
        }
        for title in ["Quarterly close", "Check supplier documents"] {
            assert!(!seen.contains(title), "[{backend}] not shared: {title}");
        }
        // The code instead, in a second browser.
        let by_code = browser.session().await;
        by_code
            .goto(&format!("{base}/x/verify"))
            .await
            .expect("verify");
        fill(&by_code, "email", "ana@example.com").await;
        fill(&by_code, "code", &code).await;
        click(&by_code, "form button[type=submit]").await;
        let seen = wait_for_text(&by_code, "Invoice approval", WAIT).await;
        assert!(!seen.contains("Quarterly close"));

        // Revoked from the invitations page: Ana's page ends.
        click(&admin, "nav a[href$='/console/invitations']").await;
        wait_for(&admin, "tr[data-recipient='ana@example.com']", WAIT).await;
        document_page(&admin, document, "console-invitations").await;
        click(
            &admin,
            "button[aria-label='Revoke the invitation of ana@example.com']",
        )
        .await;
        wait_for_text(&admin, "The invitation was revoked", WAIT).await;
        let state = wait_for(&admin, "tr[data-recipient='ana@example.com'] .state", WAIT).await;
        assert_eq!(state.text().await.expect("state"), "revoked");
        ana.refresh().await.expect("reload");
        wait_for(&ana, "#code", WAIT).await;
        assert_eq!(current_path(&ana).await, "/x/verify", "[{backend}] revoked");
        assert!(!page_text(&ana).await.contains("Supplier onboarding"));

        // The external site in the recipient's language where no invitation is known.
        if document {
            let german = browser.session_with_language("de").await;
            german
                .goto(&format!("{base}/x/verify"))
                .await
                .expect("verify");
            wait_for(&german, "#code", WAIT).await;
            let lang = german
                .execute("return document.documentElement.lang;", vec![])
                .await
                .expect("lang");
            assert_eq!(lang, json!("de"), "Accept-Language: de");
            document_page(&german, document, "external-verify-de").await;
        }

        // Deleting a user asks first; then all of their access ends at once.
        click(&admin, "nav a[href$='/console/users']").await;
        click(&admin, "a[aria-label='Delete bob@example.com']").await;
        wait_for_text(&admin, "This is permanent", WAIT).await;
        document_page(&admin, document, "console-user-delete").await;
        click_button(&admin, "Delete bob@example.com").await;
        wait_for_text(&admin, "The user was deleted.", WAIT).await;
        assert!(!exists(&admin, "tr[data-email='bob@example.com']").await);
        bob.goto(&format!("{base}/console"))
            .await
            .expect("bob again");
        wait_for(&bob, "#password", WAIT).await;
        assert_eq!(
            current_path(&bob).await,
            "/console/sign-in",
            "[{backend}] Bob's session ended"
        );

        // The Share dialog is a modal: Escape leaves it.
        admin
            .goto(&format!("{base}/console/share"))
            .await
            .expect("share");
        wait_for(&admin, "#share-dialog[open]", WAIT).await;
        press(&admin, &Key::Escape.to_string()).await;
        wait_for(&admin, "#invitations", WAIT).await;
        assert_eq!(current_path(&admin).await, "/console/invitations");
        browser.close_all().await;
    });
    eprintln!(
        "[{backend}] console journeys in the browser: {:.2?}",
        started.elapsed()
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

/// An API session of the Admin (after the console changed the password).
fn api_cookie(server: &Server) -> String {
    server.sign_in("admin@example.com", ADMIN)
}

/// The link and the code of the invitation e-mail `raw`.
fn link_and_code(server: &Server, raw: &str) -> (String, String) {
    let mail = parse(raw).expect("a MIME message");
    let text = mail.part("text/plain").expect("text part");
    let site = format!("http://127.0.0.1:{}/x/", server.port);
    let start = text.find(&site).expect("link in the e-mail");
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let code = text
        .split("verification code:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("code in the e-mail")
        .to_owned();
    (link, code)
}

#[test]
fn console_journeys_in_a_real_browser() {
    let Some(browser) = Browser::start() else {
        return;
    };
    for (backend, db) in TestDb::all() {
        journeys(&browser, backend, &db);
    }
}

/// Contacts and automations through the console (SQLite): a company and a person added, the
/// person given basic access (the activation e-mail arrives); an automation shared with Bob,
/// who checks it, consents and activates it, and reads his run.
#[test]
fn contacts_and_automations_in_a_real_browser() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let sink = SmtpSink::start().expect("smtp sink");
    let dir = temp_dir("browser-console-more");
    let server = Server::start(
        &dir,
        None,
        Some(INITIAL),
        &[
            ("TESSERA_SMTP_URL", &sink.url()),
            ("TESSERA_MAIL_FROM", "Tessera <share@tessera.test>"),
        ],
    );
    let base = format!("http://127.0.0.1:{}", server.port);
    let (cookie, _) = server.admin_session(INITIAL, ADMIN);
    let call = |method: &str, path: &str, body: serde_json::Value| {
        let (status, answer) = server.call(method, path, Some(body), &cookie);
        assert!(status < 300, "{method} {path}: {status} {answer}");
        answer
    };
    call(
        "PUT",
        "/v1/automation-settings",
        json!({ "plan": "advanced", "beta": true }),
    );
    call(
        "PUT",
        "/v1/event-types/deal.won",
        json!({ "fields": { "title": "text", "value": "number", "client": "text" } }),
    );
    let project = call("POST", "/v1/projects", json!({ "name": "Deals" }))["id"].clone();
    let (_, roles) = server.call("GET", "/v1/roles", None, &cookie);
    let moderator = roles
        .as_array()
        .and_then(|all| all.iter().find(|r| r["name"] == "Content Moderator"))
        .map(|r| r["id"].clone())
        .expect("Content Moderator");
    call(
        "POST",
        "/v1/users",
        json!({ "email": "bob@example.com", "role_id": moderator, "initial_password": BOB_INITIAL }),
    );
    let automation = call(
        "POST",
        "/v1/automations",
        json!({
            "name": "Thank the client",
            "trigger": { "event_type": "deal.won" },
            "mode": "selected_users",
            "steps": [
                { "type": "send_email", "to": "{{event.client}}", "subject": "Thank you for {{event.title}}", "body": "Dear client, thank you." },
                { "type": "create_task", "project": project, "title": "Follow up {{event.title}}" },
            ],
        }),
    )["id"]
        .as_str()
        .expect("automation id")
        .to_owned();
    let (status, _) = server.call(
        "PUT",
        &format!("/v1/automations/{automation}/active"),
        Some(json!({ "active": true })),
        &cookie,
    );
    assert_eq!(status, 204);

    let started = Instant::now();
    browser.block_on(async {
        let admin = browser.session().await;
        admin.goto(&format!("{base}/console/sign-in")).await.expect("sign-in");
        fill(&admin, "email", "admin@example.com").await;
        fill(&admin, "password", ADMIN).await;
        click_button(&admin, "Sign in").await;
        wait_for(&admin, "#my-access", WAIT).await;

        // Contacts: a company, a person of it, basic access for her.
        click(&admin, "nav a[href$='/console/contacts']").await;
        wait_for(&admin, "#add-contact", WAIT).await;
        tick(&admin, "A company").await;
        fill(&admin, "contact-name", "Acme").await;
        fill(&admin, "contact-email", "office@acme.example").await;
        click_button(&admin, "Add contact").await;
        wait_for_text(&admin, "The contact was added.", WAIT).await;
        click(&admin, "nav a[href$='/console/contacts']").await;
        wait_for(&admin, "#add-contact", WAIT).await;
        fill(&admin, "contact-name", "Carla").await;
        fill(&admin, "contact-email", "carla@acme.example").await;
        choose(&admin, "contact-company", "Acme").await;
        click_button(&admin, "Add contact").await;
        wait_for_text(&admin, "The contact was added.", WAIT).await;
        tick(&admin, "Basic").await;
        click_button(&admin, "Save access").await;
        wait_for_text(&admin, "Access granted", WAIT).await;
        let access = wait_for(&admin, "#contact-access", WAIT).await;
        assert_eq!(access.text().await.expect("access"), "basic");
        assert_accessible(&admin, "console-contact").await;
        screenshot(&admin, "console-contact").await;
        click(&admin, "nav a[href$='/console/contacts']").await;
        wait_for(&admin, "tr[data-name='Carla']", WAIT).await;
        assert_accessible(&admin, "console-contacts").await;
        screenshot(&admin, "console-contacts").await;

        // Apps and cases: a new app comes with its first case; Bob joins it as Staff (a
        // billable seat) and is assigned to the case as Client.
        click(&admin, "nav a[href$='/console/apps']").await;
        wait_for(&admin, "#new-app", WAIT).await;
        fill(&admin, "app-name", "Field service").await;
        click_button(&admin, "Create app").await;
        wait_for(&admin, "#cases", WAIT).await;
        choose(&admin, "new-user", "bob@example.com").await;
        choose(&admin, "new-user-type", "Staff — an employee (billable)").await;
        click_button(&admin, "Add to the app").await;
        wait_for_text(&admin, "The user's type in the app was saved.", WAIT).await;
        assert_accessible(&admin, "console-app").await;
        screenshot(&admin, "console-app").await;
        click(&admin, "#cases tbody a").await;
        wait_for(&admin, "#assign", WAIT).await;
        choose(&admin, "assign-user", "bob@example.com (staff)").await;
        choose(&admin, "assign-role", "Client").await;
        click_button(&admin, "Assign").await;
        wait_for(&admin, "#assignments tr[data-email='bob@example.com']", WAIT).await;
        assert_accessible(&admin, "console-case").await;
        screenshot(&admin, "console-case").await;
        click(&admin, "nav a[href$='/console/apps']").await;
        wait_for(&admin, "tr[data-name='Field service']", WAIT).await;
        assert_accessible(&admin, "console-apps").await;
        screenshot(&admin, "console-apps").await;

        // Automations: the admin shares with Bob from the automation's page.
        click(&admin, "nav a[href$='/console/automations']").await;
        click(&admin, "tr[data-name='Thank the client'] a").await;
        wait_for(&admin, "#share-automation", WAIT).await;
        tick(&admin, "bob@example.com").await;
        click_button(&admin, "Share").await;
        wait_for_text(&admin, "Each user must activate it", WAIT).await;
        let state = wait_for(&admin, "tr[data-email='bob@example.com'] .state", WAIT).await;
        assert_eq!(state.text().await.expect("state"), "shared");

        // Bob checks it: no mailbox yet, and the fix says what to do.
        let bob = browser.session().await;
        first_sign_in(&bob, &base, "bob@example.com", BOB_INITIAL, BOB, false).await;
        click(&bob, "nav a[href$='/console/automations']").await;
        wait_for(&bob, "tr[data-name='Thank the client']", WAIT).await;
        assert!(page_text(&bob).await.contains("shared with you, not active"));
        assert_accessible(&bob, "console-automations").await;
        screenshot(&bob, "console-automations").await;
        click(&bob, "tr[data-name='Thank the client'] a").await;
        click(&bob, "#check").await;
        let diagnosis = wait_for(&bob, "#diagnostics", WAIT).await.text().await.expect("check");
        assert!(diagnosis.contains("It cannot run for you yet"), "{diagnosis}");
        assert_accessible(&bob, "console-automation-check").await;
        screenshot(&bob, "console-automation-check").await;

        // He sets his mailbox from the link beside the check; then consent and activation
        // pass.
        let check_page = current_url(&bob).await;
        click(&bob, "a[href$='/console/mailbox']").await;
        wait_for(&bob, "#mailbox-form", WAIT).await;
        fill(&bob, "display_name", "Bob").await;
        fill(&bob, "signature", "Bob, Sales").await;
        click_button(&bob, "Save mailbox").await;
        wait_for_text(&bob, "Saved. Automations now send your e-mail", WAIT).await;
        assert_accessible(&bob, "console-mailbox").await;
        screenshot(&bob, "console-mailbox").await;
        bob.goto(&check_page).await.expect("back to the automation");
        let diagnosis = wait_for(&bob, "#diagnostics", WAIT).await.text().await.expect("check");
        assert!(diagnosis.contains("No problems found"), "{diagnosis}");
        tick(&bob, "I agree that this automation acts on my behalf").await;
        click_button(&bob, "Activate for me").await;
        wait_for_text(&bob, "Activated: it now runs for you", WAIT).await;
        let mine = wait_for(&bob, "#my-state", WAIT).await.text().await.expect("state");
        assert!(mine.contains("active"), "{mine}");

        // An event runs it as Bob; his history shows the run, which opens with its steps.
        call(
            "POST",
            "/v1/events",
            json!({ "events": [{ "type": "deal.won", "fields": { "title": "Big deal", "value": 5000, "client": "client@customer.example" } }] }),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            bob.refresh().await.expect("reload");
            let text = wait_for(&bob, "#runs", WAIT).await.text().await.expect("runs");
            if text.contains("succeeded") {
                break;
            }
            assert!(Instant::now() < deadline, "the run never succeeded: {text}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_accessible(&bob, "console-automation").await;
        screenshot(&bob, "console-automation").await;
        click(&bob, "#runs tbody a").await;
        let status = wait_for(&bob, "#run-status", WAIT).await.text().await.expect("status");
        assert_eq!(status, "succeeded");
        assert_accessible(&bob, "console-run").await;
        screenshot(&bob, "console-run").await;
        browser.close_all().await;
    });
    eprintln!(
        "[sqlite] contacts and automations in the browser: {:.2?}",
        started.elapsed()
    );
    let activation = sink
        .wait_for(2, Duration::from_secs(30))
        .iter()
        .filter_map(|raw| parse(raw))
        .any(|mail| {
            mail.header("To")
                .is_some_and(|to| to.contains("carla@acme.example"))
        });
    assert!(activation, "Carla's activation e-mail arrived");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
