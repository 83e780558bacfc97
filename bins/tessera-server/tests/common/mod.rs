//! The server under test as a child process, and a small HTTP/1.1 client to talk to it.

#![allow(dead_code, reason = "each test file uses part of the harness")]

pub mod browser;
pub mod postgres;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key every test server runs with (32 bytes, base64), so a restart keeps the secrets.
pub const TEST_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A running `tessera-server`, killed (SIGKILL) on drop.
pub struct Server {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free right now on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub text: String,
}

impl Response {
    /// The body as JSON (or the text as a JSON string).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| Value::String(self.text.clone()))
    }

    /// The value of the `Set-Cookie` named `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(key, _)| key == "set-cookie")
            .filter_map(|(_, value)| value.split(';').next()?.split_once('='))
            .find(|(key, _)| key.trim() == name)
            .map(|(_, value)| value.trim().to_owned())
    }

    /// The first header named `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl Server {
    /// Starts the server in `dir` on a fresh port and waits until it is ready. With an admin
    /// password, the Admin is `admin@example.com` and the key is [`TEST_KEY`]. `extra` adds
    /// environment variables (an empty value removes one, e.g. `TESSERA_PUBLIC_URL`).
    pub fn start(
        dir: &Path,
        database_url: Option<&str>,
        admin_password: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Server {
        let port = free_port();
        let log = dir.join(format!("server-{port}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_tessera-server"));
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TESSERA_BIND", format!("127.0.0.1:{port}"))
            .env("TESSERA_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
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
            command.env("TESSERA_SECRET_KEY", TEST_KEY);
        }
        for (key, value) in extra {
            if value.is_empty() {
                command.env_remove(key);
            } else {
                command.env(key, value);
            }
        }
        let server = Server {
            child: command.spawn().expect("spawn tessera-server"),
            port,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(200) = server
                .send("GET", "/readyz", &[], b"")
                .map(|reply| reply.status)
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not become ready:\n{}", server.log_text());
    }

    /// Sends SIGTERM and waits up to `timeout` for the process to exit; its exit status, or
    /// `None` when it is still running.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Kills the process at once (SIGKILL: no shutdown, no flushing).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What it has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One HTTP/1.1 request over a fresh connection.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        request(self.port, method, path, headers, body)
    }

    /// A JSON request with an optional cookie (`name=value`); status and JSON body.
    pub fn try_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        cookie: Option<&str>,
    ) -> std::io::Result<(u16, Value)> {
        let reply = self.json_request(method, path, body, cookie)?;
        Ok((reply.status, reply.json()))
    }

    /// A JSON request; the whole response.
    pub fn json_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        cookie: Option<&str>,
    ) -> std::io::Result<Response> {
        let payload = body.map(Value::to_string).unwrap_or_default();
        let mut headers = Vec::new();
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        if let Some(cookie) = cookie {
            headers.push(("Cookie", cookie));
        }
        self.send(method, path, &headers, payload.as_bytes())
    }

    /// A JSON request that must get an answer.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        cookie: &str,
    ) -> (u16, Value) {
        self.try_request(method, path, body.as_ref(), Some(cookie))
            .expect("request")
    }

    /// Signs in and returns the session cookie (`name=value`) and the answer's body.
    pub fn sign_in_with_body(&self, email: &str, password: &str) -> (String, Value) {
        let reply = self
            .json_request(
                "POST",
                "/v1/session",
                Some(&json!({ "email": email, "password": password })),
                None,
            )
            .expect("sign in");
        assert_eq!(reply.status, 200, "sign in: {}", reply.text);
        let value = reply.cookie("tessera_session").expect("session cookie");
        (format!("tessera_session={value}"), reply.json())
    }

    /// Signs in and returns the session cookie (`name=value`).
    pub fn sign_in(&self, email: &str, password: &str) -> String {
        self.sign_in_with_body(email, password).0
    }

    /// Signs in as `admin@example.com` with `initial` and sets `new` as the password; returns
    /// the session cookie and the sign-in answer (user, account).
    pub fn admin_session(&self, initial: &str, new: &str) -> (String, Value) {
        let (cookie, body) = self.sign_in_with_body("admin@example.com", initial);
        let change = json!({ "current_password": initial, "new_password": new });
        let (status, answer) = self.call("POST", "/v1/session/password", Some(change), &cookie);
        assert_eq!(status, 204, "{answer}");
        (cookie, body)
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port` over a fresh connection.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head += &format!("Content-Length: {}\r\n", body.len());
    }
    head += "\r\n";
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {status_line:?}")))?;
    let mut response_headers = Vec::new();
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            if name == "content-length" {
                length = value.trim().parse::<usize>().ok();
            }
            response_headers.push((name, value.trim().to_owned()));
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
    Ok(Response {
        status,
        headers: response_headers,
        text,
    })
}

/// A fresh directory under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tessera-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
