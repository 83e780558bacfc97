//! The server as a process: first start on SQLite with no configuration, and two processes
//! over one PostgreSQL database that see each other's changes within a second — at once when
//! the caller passes the version its write returned.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::time::{Duration, Instant};

use common::{Server, temp_dir};
use serde_json::json;
use tessera_store::testing::TestDb;

/// Runs `tessera-server` with `args` in `dir`, with nothing but the test key in its
/// environment, and waits for it.
fn command(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tessera-server"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TESSERA_SECRET_KEY", common::TEST_KEY)
        .args(args)
        .output()
        .expect("run tessera-server")
}

/// `cargo run -p tessera-server` with no configuration: SQLite under ./data/, a generated key
/// kept there, the Admin `admin@localhost` with a one-time password printed in the log, who
/// must change it before anything else.
#[test]
fn first_start_needs_no_configuration() {
    let dir = temp_dir("first-start");
    let server = Server::start(&dir, None, None, &[]);
    assert!(
        dir.join("data/tessera.db").exists(),
        "sqlite file under ./data/"
    );
    assert!(
        dir.join("data/secret.key").exists(),
        "generated key kept under ./data/"
    );
    let log = server.log_text();
    let password = log
        .split("password=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("generated password in the log")
        .to_owned();
    assert!(log.contains("generated a server key"), "{log}");
    let cookie = server.sign_in("admin@localhost", &password);
    let (status, body) = server.call("GET", "/v1/users", None, &cookie);
    assert_eq!(
        (status, body["type"].as_str()),
        (403, Some("/problems/password-change-required"))
    );
    let change = json!({ "current_password": password, "new_password": "a much better password" });
    assert_eq!(
        server
            .call("POST", "/v1/session/password", Some(change), &cookie)
            .0,
        204
    );
    assert_eq!(server.call("GET", "/v1/users", None, &cookie).0, 200);
    drop(server);
    // A second start keeps the account, the key and the password.
    let again = Server::start(&dir, None, None, &[]);
    assert!(
        !again.log_text().contains("first start"),
        "no second bootstrap"
    );
    let cookie = again.sign_in("admin@localhost", "a much better password");
    assert_eq!(again.call("GET", "/v1/users", None, &cookie).0, 200);
    drop(again);
    let _ = std::fs::remove_dir_all(dir);
}

/// Two processes over one PostgreSQL database: a change made through one is enforced by the
/// other within a second, and at once by a check passing the version the write returned.
#[test]
fn two_processes_share_one_postgres() {
    let Some(db) = TestDb::postgres() else { return };
    let dir = temp_dir("two-processes");
    let first = Server::start(&dir, Some(db.url_text()), Some("initial-password-1"), &[]);
    let second = Server::start(&dir, Some(db.url_text()), Some("initial-password-1"), &[]);

    let cookie = first.sign_in("admin@example.com", "initial-password-1");
    let change =
        json!({ "current_password": "initial-password-1", "new_password": "admin-password-22" });
    assert_eq!(
        first
            .call("POST", "/v1/session/password", Some(change), &cookie)
            .0,
        204
    );
    let (status, readers) = first.call(
        "POST",
        "/v1/roles",
        Some(json!({ "name": "Readers", "settings": { "workspace": "read" } })),
        &cookie,
    );
    assert_eq!(status, 201, "{readers}");
    let (status, writers) = first.call(
        "POST",
        "/v1/roles",
        Some(json!({ "name": "Writers", "settings": { "workspace": "write" } })),
        &cookie,
    );
    assert_eq!(status, 201, "{writers}");
    let (status, added) = first.call(
        "POST",
        "/v1/users",
        Some(json!({ "email": "ana@example.com", "role_id": readers["role"]["id"] })),
        &cookie,
    );
    assert_eq!(status, 201, "{added}");
    let ana = added["user"]["id"].clone();
    let written = added["policy_version"].as_u64().expect("version");

    // The second process, asked for the version the write returned, answers from it at once.
    let other_cookie = second.sign_in("admin@example.com", "admin-password-22");
    let check = |version: Option<u64>| {
        let mut body = json!({ "user": ana, "feature": "workspace", "level": "write" });
        if let Some(version) = version {
            body["at_least_version"] = json!(version);
        }
        second.call("POST", "/v1/check", Some(body), &other_cookie)
    };
    let (status, answer) = check(Some(written));
    assert_eq!(
        (status, answer["level"].as_str()),
        (200, Some("read")),
        "{answer}"
    );

    // A change through the first process reaches the second within a second, unasked.
    let (status, moved) = first.call(
        "PUT",
        &format!("/v1/users/{}/role", ana.as_str().expect("id")),
        Some(json!({ "role_id": writers["role"]["id"] })),
        &cookie,
    );
    assert_eq!(status, 200, "{moved}");
    let changed_at = Instant::now();
    let mut seen = false;
    while changed_at.elapsed() < Duration::from_secs(1) {
        let (status, answer) = check(None);
        assert_eq!(status, 200, "{answer}");
        if answer["allowed"] == json!(true) {
            seen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        seen,
        "the second process did not see the new role within 1 s"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `tessera-server account create` and `account list`: the operator's command line, through
/// the same service calls as `/v1/accounts`. The new account's Admin signs in with the printed
/// one-time password and must change it.
#[test]
fn accounts_are_created_and_listed_from_the_command_line() {
    let dir = temp_dir("account-cli");
    let run = |args: &[&str]| {
        let output = command(&dir, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let created = run(&[
        "account",
        "create",
        "--name",
        "Globex",
        "--admin-email",
        "Hank@Globex.example",
        "--admin-name",
        "Hank Scorpio",
    ]);
    let password = created
        .split("one-time password: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in {created}"))
        .to_owned();
    assert!(created.contains("admin "), "{created}");
    let listed = run(&["account", "list"]);
    assert!(listed.contains("\tGlobex"), "{listed}");
    assert_eq!(listed.lines().count(), 1, "only Globex: {listed}");

    let server = Server::start(&dir, None, None, &[]);
    let (cookie, body) = server.sign_in_with_body("hank@globex.example", &password);
    assert_eq!(body["must_change_password"], true);
    let (status, _) = server.call("GET", "/v1/users", None, &cookie);
    assert_eq!(status, 403, "the one-time password must be replaced first");
    drop(server);
    let listed = run(&["account", "list"]);
    assert_eq!(
        listed.lines().count(),
        1,
        "a start creates a first account only on an empty database: {listed}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `tessera-server inbound`, an MTA's pipe transport: a reply to a task e-mail, read from
/// standard input, becomes the contact's comment (exit 0); a message without a reply key is
/// dropped (exit 0 too, so the MTA does not bounce it).
#[test]
fn a_reply_piped_to_the_command_line_becomes_a_comment() {
    let dir = temp_dir("inbound-cli");
    let server = Server::start(
        &dir,
        None,
        Some("inbound-initial-password-1"),
        &[("TESSERA_MAIL_FROM", "Studio <studio@acme.example>")],
    );
    let (cookie, _) =
        server.admin_session("inbound-initial-password-1", "inbound-admin-password-2");
    let (status, ana) = server.call(
        "POST",
        "/v1/contacts",
        Some(json!({ "kind": "person", "name": "Ana", "email": "ana@client.example" })),
        &cookie,
    );
    assert_eq!(status, 201, "{ana}");
    let (status, project) = server.call(
        "POST",
        "/v1/projects",
        Some(json!({ "name": "Site" })),
        &cookie,
    );
    assert_eq!(status, 201, "{project}");
    let people = json!({ "participants": [{ "kind": "contact", "id": ana["id"] }] });
    let (status, task) = server.call(
        "POST",
        &format!("/v1/projects/{}/tasks", project["id"].as_str().expect("id")),
        Some(json!({ "title": "Logo", "people": people })),
        &cookie,
    );
    assert_eq!(status, 201, "{task}");
    let task_id = task["id"].as_str().expect("id").to_owned();
    let (status, _) = server.call(
        "POST",
        &format!("/v1/tasks/{task_id}/comments"),
        Some(json!({ "body": "Which colour?" })),
        &cookie,
    );
    assert_eq!(status, 201);

    // The workers deliver within a second or two; the e-mail carries the reply address.
    let outbox = dir.join("data").join("outbox");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let reply_to = loop {
        let found = std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .find(|raw| raw.contains("ana@client.example") && raw.contains("Reply-To:"))
            .and_then(|raw| {
                let start = raw.find("reply+")?;
                let end = raw[start..].find('@')? + start;
                Some(format!("{}@acme.example", &raw[start..end]))
            });
        if let Some(found) = found {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no task e-mail:\n{}",
            server.log_text()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };

    let pipe = |message: String| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tessera-server"))
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TESSERA_SECRET_KEY", common::TEST_KEY)
            .arg("inbound")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run tessera-server inbound");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(message.as_bytes())
            .expect("write");
        let output = child.wait_with_output().expect("wait");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, out) = pipe(format!(
        "From: Ana <ana@client.example>\r\nTo: {reply_to}\r\nSubject: Re: Logo\r\n\r\nBlue.\r\n\r\n> Which colour?\r\n"
    ));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("commented"), "{out}");
    let (code, out) =
        pipe("From: someone@else.example\r\nTo: studio@acme.example\r\n\r\nHello\r\n".into());
    assert_eq!((code, out.trim()), (Some(0), "dropped: no-key"));

    let (status, comments) = server.call(
        "GET",
        &format!("/v1/tasks/{task_id}/comments"),
        None,
        &cookie,
    );
    assert_eq!(status, 200);
    assert_eq!(comments[1]["body"], "Blue.", "{comments}");
    assert_eq!(comments[1]["via"], "email", "{comments}");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

/// `tessera-server import users`: the operator's bulk import, beside a running server on the
/// same SQLite file. The report comes as a table with every row; new people are e-mailed
/// their invitation by the server's workers; the same file again changes nothing.
#[test]
fn users_are_imported_from_the_command_line_with_a_report() {
    let dir = temp_dir("import-cli");
    let server = Server::start(&dir, None, Some("import-initial-password-1"), &[]);
    let (cookie, _) = server.admin_session("import-initial-password-1", "import-admin-password-2");
    let (status, apps) = server.call("GET", "/v1/apps", None, &cookie);
    assert_eq!(status, 200, "{apps}");
    let app = apps[0]["id"].as_str().expect("the sample app").to_owned();
    let file = dir.join("people.csv");
    std::fs::write(
        &file,
        "email,name,user_type,case,case_role\n\
         ana@import.example,Ana,staff,First case,Staff\n\
         bo@import.example,Bo,user,First case,Client\n\
         broken,Nobody,staff,,\n",
    )
    .expect("write csv");
    let run = |args: &[&str]| {
        let output = command(&dir, args);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let path = file.to_str().expect("utf-8 path");
    let import = [
        "import",
        "users",
        "--app",
        &app,
        "--account-role",
        "Analytics Access",
        path,
    ];
    let (code, out, err) = run(&import);
    assert_eq!(code, Some(2), "some rows skipped: {out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("LINE") && lines[0].contains("REASON"),
        "{out}"
    );
    assert!(
        lines[1].contains("ana@import.example") && lines[1].contains("created"),
        "{out}"
    );
    assert!(
        lines[3].contains("skipped") && lines[3].contains("email:"),
        "{out}"
    );
    assert!(
        out.contains("2 created, 0 updated, 0 unchanged, 1 skipped; 2 invited"),
        "{out}"
    );

    let (status, users) = server.call("GET", &format!("/v1/apps/{app}/users"), None, &cookie);
    assert_eq!(status, 200);
    assert_eq!(users.as_array().map(Vec::len), Some(3), "{users}");
    let outbox = dir.join("data").join("outbox");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_dir(&outbox)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .any(|raw| raw.contains("bo@import.example") && raw.contains("/c/activate/"))
    {
        assert!(
            Instant::now() < deadline,
            "no invitation:\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let (code, out, _) = run(&import);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("0 created, 0 updated, 2 unchanged, 1 skipped; 0 invited"),
        "{out}"
    );
    std::fs::write(&file, "email,role\nana@import.example,staff\n").expect("write csv");
    let (code, _, err) = run(&import);
    assert_eq!(code, Some(1));
    assert!(err.contains("unknown column `role`"), "{err}");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
