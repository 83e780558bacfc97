//! The database goes away under a running server: PostgreSQL is stopped, and every endpoint
//! that needs the database answers 503 `storage-unavailable` (problem+json, promptly, never
//! a 401, 400 or 404 that would blame the client); the ones that need none keep answering.
//! PostgreSQL starts again and the same calls succeed without restarting the server.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::time::{Duration, Instant};

use common::postgres::Cluster;
use common::{Response, Server, temp_dir};
use serde_json::{Value, json};

const INITIAL: &str = "initial-password-1";
const ADMIN: &str = "admin-password-22";

/// One call: method, path, JSON body.
type Call = (&'static str, String, Option<Value>);

/// Every endpoint that reads or writes the database, with ids that exist.
fn database_calls(ids: &Value) -> Vec<Call> {
    let id = |key: &str| ids[key].as_str().expect(key).to_owned();
    let (user, role, token, group, invitation, admin) = (
        id("user"),
        id("role"),
        id("token"),
        id("group"),
        id("invitation"),
        id("admin"),
    );
    let check = json!({ "user": admin, "feature": "workspace", "level": "read" });
    vec![
        ("GET", "/readyz".into(), None),
        (
            "POST",
            "/v1/session".into(),
            Some(json!({ "email": "admin@example.com", "password": "wrong-password-1" })),
        ),
        (
            "POST",
            "/v1/session/password".into(),
            Some(
                json!({ "current_password": "wrong-password-1", "new_password": "another-password-3" }),
            ),
        ),
        (
            "POST",
            "/v1/tokens".into(),
            Some(json!({ "name": "during the outage" })),
        ),
        ("DELETE", format!("/v1/tokens/{token}"), None),
        ("GET", "/v1/users".into(), None),
        (
            "POST",
            "/v1/users".into(),
            Some(json!({ "email": "new@example.com", "role_id": role })),
        ),
        (
            "PUT",
            format!("/v1/users/{user}/role"),
            Some(json!({ "role_id": role })),
        ),
        ("DELETE", format!("/v1/users/{user}"), None),
        ("GET", "/v1/roles".into(), None),
        (
            "POST",
            "/v1/roles".into(),
            Some(json!({ "name": "Another" })),
        ),
        ("GET", format!("/v1/roles/{role}"), None),
        (
            "PUT",
            format!("/v1/roles/{role}"),
            Some(json!({ "name": "Renamed" })),
        ),
        ("DELETE", format!("/v1/roles/{role}"), None),
        ("GET", "/v1/features".into(), None),
        (
            "POST",
            "/v1/features/apps".into(),
            Some(json!({ "name": "billing" })),
        ),
        ("GET", "/v1/items".into(), None),
        (
            "PUT",
            "/v1/items/wf-outage".into(),
            Some(json!({ "kind": "workflow", "title": "Outage drill" })),
        ),
        ("GET", "/v1/groups".into(), None),
        (
            "POST",
            "/v1/groups".into(),
            Some(json!({ "name": "Partners", "emails": ["p@example.org"] })),
        ),
        (
            "PUT",
            format!("/v1/groups/{group}"),
            Some(json!({ "name": "Renamed", "emails": [] })),
        ),
        ("DELETE", format!("/v1/groups/{group}"), None),
        (
            "POST",
            "/v1/shares".into(),
            Some(json!({ "items": [ids["workflow"]], "recipients": ["x@example.org"] })),
        ),
        ("GET", "/v1/invitations".into(), None),
        ("POST", format!("/v1/invitations/{invitation}/resend"), None),
        ("POST", "/v1/check".into(), Some(check.clone())),
        (
            "POST",
            "/v1/checks".into(),
            Some(json!({ "checks": [check] })),
        ),
        (
            "POST",
            "/v1/explain".into(),
            Some(json!({ "user": admin, "feature": "workspace" })),
        ),
        (
            "GET",
            "/v1/who-can?feature=workspace&level=read".into(),
            None,
        ),
        ("GET", format!("/v1/what-can?user={admin}&level=read"), None),
        ("DELETE", "/v1/session".into(), None),
    ]
}

/// Endpoints that need no database.
const DATABASE_FREE: [&str; 5] = [
    "/healthz",
    "/metrics",
    "/openapi.json",
    "/x/verify",
    "/x/AAAA",
];

fn call(server: &Server, (method, path, body): &Call, cookie: &str) -> Response {
    server
        .json_request(method, path, body.as_ref(), Some(cookie))
        .expect("an answer")
}

/// Sets up what the calls refer to; returns their ids.
fn fixture(server: &Server, cookie: &str, admin: &str) -> Value {
    let roles = server.call("GET", "/v1/roles", None, cookie).1;
    let curator = roles
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == "Content Curator")
        .expect("curator")["id"]
        .clone();
    let (_, user) = server.call(
        "POST",
        "/v1/users",
        Some(json!({ "email": "ana@example.com", "role_id": curator })),
        cookie,
    );
    let (_, role) = server.call(
        "POST",
        "/v1/roles",
        Some(json!({ "name": "Drill" })),
        cookie,
    );
    let (_, token) = server.call("POST", "/v1/tokens", Some(json!({ "name": "ci" })), cookie);
    let (_, group) = server.call(
        "POST",
        "/v1/groups",
        Some(json!({ "name": "Clients", "emails": ["c@example.org"] })),
        cookie,
    );
    let items = server.call("GET", "/v1/items", None, cookie).1;
    let workflow = items
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["kind"] == "workflow")
        .expect("workflow")["id"]
        .clone();
    let (status, share) = server.call(
        "POST",
        "/v1/shares",
        Some(json!({ "items": [workflow], "recipients": ["bo@example.org"] })),
        cookie,
    );
    assert_eq!(status, 201, "{share}");
    json!({
        "admin": admin,
        "user": user["user"]["id"],
        "role": role["role"]["id"],
        "token": token["id"],
        "group": group["id"],
        "workflow": workflow,
        "invitation": share["invitations"][0]["id"],
    })
}

#[test]
fn every_endpoint_answers_503_while_postgresql_is_down_and_recovers_without_a_restart() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let dir = temp_dir("outage");
    let server = Server::start(&dir, Some(&cluster.url()), Some(INITIAL), &[]);
    let (cookie, signed_in) = server.admin_session(INITIAL, ADMIN);
    let admin = signed_in["user_id"].as_str().expect("user id").to_owned();
    let ids = fixture(&server, &cookie, &admin);
    let calls = database_calls(&ids);

    cluster.stop();
    // Past every cache (credentials and policies are re-confirmed within 2 × 250 ms).
    std::thread::sleep(Duration::from_millis(600));
    for call_ in &calls {
        let started = Instant::now();
        let answer = call(&server, call_, &cookie);
        let context = format!("{} {} while down", call_.0, call_.1);
        assert_eq!(answer.status, 503, "{context}: {}", answer.text);
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json"),
            "{context}"
        );
        assert_eq!(
            answer.json()["type"],
            "/problems/storage-unavailable",
            "{context}"
        );
        assert!(answer.header("retry-after").is_some(), "{context}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{context}: answered promptly, took {:?}",
            started.elapsed()
        );
    }
    for path in DATABASE_FREE {
        let answer = server.send("GET", path, &[], b"").expect("an answer");
        assert_eq!(answer.status, 200, "GET {path} needs no database");
    }
    assert!(
        server.log_text().contains("storage unavailable"),
        "the outage is logged"
    );

    cluster.start_again();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server
        .send("GET", "/readyz", &[], b"")
        .ok()
        .map(|r| r.status)
        != Some(200)
    {
        assert!(Instant::now() < deadline, "ready again within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    for call_ in &calls {
        let answer = call(&server, call_, &cookie);
        assert!(
            answer.status < 500,
            "{} {} after the restart: {} {}",
            call_.0,
            call_.1,
            answer.status,
            answer.text
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
