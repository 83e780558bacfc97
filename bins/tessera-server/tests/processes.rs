//! The server as a process: first start on SQLite with no configuration, and two processes
//! over one PostgreSQL database that see each other's changes within a second — at once when
//! the caller passes the version its write returned.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tessera_store::testing::TestDb;

/// A running `tessera-server`, killed on drop.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl Server {
    fn start(dir: &Path, database_url: Option<&str>, admin_password: Option<&str>) -> Server {
        let port = free_port();
        let log = dir.join(format!("server-{port}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_tessera-server"));
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TESSERA_BIND", format!("127.0.0.1:{port}"))
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        if let Some(url) = database_url {
            command.env("TESSERA_DATABASE_URL", url);
        }
        if let Some(password) = admin_password {
            command.env("TESSERA_BOOTSTRAP_ADMIN_PASSWORD", password);
            command.env("TESSERA_BOOTSTRAP_ADMIN_EMAIL", "admin@example.com");
            command.env(
                "TESSERA_SECRET_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            );
        }
        let server = Server {
            child: command.spawn().expect("spawn tessera-server"),
            port,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = server.try_request("GET", "/readyz", None, None) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not become ready:\n{}", server.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One HTTP/1.1 request over a fresh connection; returns status and JSON body (or the
    /// raw text as a JSON string), and the `Set-Cookie` value when there is one.
    fn try_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        cookie: Option<&str>,
    ) -> std::io::Result<(u16, Value)> {
        let (status, body, _) = self.raw(method, path, body, cookie)?;
        Ok((status, body))
    }

    fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        cookie: Option<&str>,
    ) -> std::io::Result<(u16, Value, Option<String>)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let payload = body.map(Value::to_string).unwrap_or_default();
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if body.is_some() {
            request += &format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                payload.len()
            );
        }
        if let Some(cookie) = cookie {
            request += &format!("Cookie: {cookie}\r\n");
        }
        request += "\r\n";
        request += &payload;
        stream.write_all(request.as_bytes())?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line)?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut set_cookie = None;
        let mut length = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse::<usize>().ok();
            }
            if lower.starts_with("set-cookie:") {
                set_cookie = line
                    .split_once(':')
                    .and_then(|(_, v)| v.trim().split(';').next())
                    .map(str::to_owned);
            }
        }
        let mut text = String::new();
        match length {
            Some(n) => {
                let mut buffer = vec![0; n];
                reader.read_exact(&mut buffer)?;
                text = String::from_utf8_lossy(&buffer).into_owned();
            }
            None => {
                reader.read_to_string(&mut text)?;
            }
        }
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, body, set_cookie))
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>, cookie: &str) -> (u16, Value) {
        self.try_request(method, path, body.as_ref(), Some(cookie))
            .expect("request")
    }

    /// Signs in and returns the session cookie (`name=value`).
    fn sign_in(&self, email: &str, password: &str) -> String {
        let (status, body, cookie) = self
            .raw(
                "POST",
                "/v1/session",
                Some(&json!({ "email": email, "password": password })),
                None,
            )
            .expect("sign in");
        assert_eq!(status, 200, "sign in: {body}");
        cookie.expect("session cookie")
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tessera-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `cargo run -p tessera-server` with no configuration: SQLite under ./data/, a generated key
/// kept there, the Admin `admin@localhost` with a one-time password printed in the log, who
/// must change it before anything else.
#[test]
fn first_start_needs_no_configuration() {
    let dir = temp_dir("first-start");
    let server = Server::start(&dir, None, None);
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
    let again = Server::start(&dir, None, None);
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
    let first = Server::start(&dir, Some(db.url_text()), Some("initial-password-1"));
    let second = Server::start(&dir, Some(db.url_text()), Some("initial-password-1"));

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
