//! The API's contract, held to it by a schema fuzzer: schemathesis (PyPI) runs against the
//! server over the server's own `/openapi.json` — examples, boundary values and random input,
//! valid and invalid, bounded per operation and seeded — as an admin and as a restricted user
//! (a Content Curator), on SQLite and PostgreSQL. Every check but `positive_data_acceptance`
//! must pass (that one wants every schema-valid request accepted, which no document can promise
//! for rules like "the role must exist"): no server error, no undocumented status, no answer
//! outside its schema, content type or headers, no operation that ignores authentication, 405
//! with `Allow` for methods a path does not answer, bad input refused with 4xx.
//!
//! `schemathesis` comes from `TESSERA_SCHEMATHESIS` (the `st` program) or `st` on the `PATH`;
//! `.ci/run` installs it in a virtual environment. Without it the test is skipped, except in CI
//! (`CI=true`) where that is a failure. The command it runs is in `docs/server.md`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Server, temp_dir};
use serde_json::json;
use tessera_store::testing::TestDb;

const INITIAL: &str = "initial-password-1";
const ADMIN: &str = "admin-password-22";
const OPERATOR: &str = "operator-token-for-the-contract-test-0123";
/// Test cases per operation and phase: enough to reach every answer, small enough to keep
/// the four runs within a couple of minutes.
const MAX_EXAMPLES: &str = "15";
const SEED: &str = "7";

/// The `st` program, if installed.
fn schemathesis() -> Option<PathBuf> {
    let program = std::env::var_os("TESSERA_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("st"));
    let runs = Command::new(&program)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if runs {
        return Some(program);
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "schemathesis is needed in CI: set TESSERA_SCHEMATHESIS to its `st` program"
    );
    eprintln!("skipping: schemathesis is not installed (set TESSERA_SCHEMATHESIS)");
    None
}

/// An API token for a session (`name=value` cookie).
fn token(server: &Server, cookie: &str) -> String {
    let (status, body) = server.call(
        "POST",
        "/v1/tokens",
        Some(json!({ "name": "contract" })),
        cookie,
    );
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

/// A Content Curator (read on `workspace` only), past the password change; their token.
fn restricted_token(server: &Server, admin: &str) -> String {
    let roles = server.call("GET", "/v1/roles", None, admin).1;
    let curator = roles
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Content Curator")
        .expect("curator")["id"]
        .clone();
    let body =
        json!({ "email": "curator@example.com", "role_id": curator, "initial_password": INITIAL });
    let (status, added) = server.call("POST", "/v1/users", Some(body), admin);
    assert_eq!(status, 201, "{added}");
    let cookie = server.sign_in("curator@example.com", INITIAL);
    let change = json!({ "current_password": INITIAL, "new_password": "curator-password-3" });
    let (status, answer) = server.call("POST", "/v1/session/password", Some(change), &cookie);
    assert_eq!(status, 204, "{answer}");
    token(server, &cookie)
}

/// Runs schemathesis as the holder of `bearer`; panics with its report on any failure.
fn run(st: &Path, dir: &Path, server: &Server, who: &str, bearer: &str) {
    let config = dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        "[auth.openapi.token]\nbearer = \"${TESSERA_ST_TOKEN}\"\n\
         [auth.openapi.operator]\nbearer = \"${TESSERA_ST_OPERATOR}\"\n",
    )
    .expect("config");
    let url = format!("http://127.0.0.1:{}/openapi.json", server.port);
    let output = Command::new(st)
        .current_dir(dir)
        .env("TESSERA_ST_TOKEN", bearer)
        .env("TESSERA_ST_OPERATOR", OPERATOR)
        .arg("--config-file")
        .arg(&config)
        .args([
            "run",
            &url,
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args([
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            MAX_EXAMPLES,
        ])
        .args([
            "--seed",
            SEED,
            "--generation-database",
            "none",
            "--no-color",
        ])
        .output()
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis as {who} found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = report
        .lines()
        .filter(|line| line.contains("generated") || line.contains("passed"))
        .collect::<Vec<_>>()
        .join("\n");
    println!("schemathesis as {who}:\n{summary}");
}

#[test]
fn the_api_holds_its_openapi_contract_under_schemathesis() {
    let Some(st) = schemathesis() else {
        return;
    };
    for (backend, db) in TestDb::all() {
        let dir = temp_dir("contract");
        let server = Server::start(
            &dir,
            Some(db.url_text()),
            Some(INITIAL),
            &[
                ("TESSERA_OPERATOR_TOKEN", OPERATOR),
                // actix logs requests it cannot parse (schemathesis sends some) at ERROR.
                ("RUST_LOG", "info,actix_http::h1::dispatcher=off"),
            ],
        );
        let (admin, _) = server.admin_session(INITIAL, ADMIN);
        let admin_token = token(&server, &admin);
        let curator_token = restricted_token(&server, &admin);
        println!("[{backend}]");
        run(&st, &dir, &server, "an admin", &admin_token);
        run(&st, &dir, &server, "a Content Curator", &curator_token);
        assert!(
            !server.log_text().contains(" ERROR "),
            "[{backend}] nothing logged as an error:\n{}",
            server.log_text()
        );
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
    }
}
