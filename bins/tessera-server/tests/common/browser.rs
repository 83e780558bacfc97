//! A real browser for the console's journeys: headless Chromium driven over WebDriver
//! (chromedriver, through `fantoccini`), plus the helpers the journeys share — filling a
//! labelled input, clicking a button, waiting for an element or a text, an accessibility
//! check with the vendored axe-core (`tests/assets/axe-core/`) and screenshots for the docs.
//!
//! The tests stay plain blocking `#[test]` functions: the [`Browser`] owns a current-thread
//! tokio runtime, and the browser part of a test runs inside [`Browser::block_on`]:
//!
//! ```ignore
//! let Some(browser) = Browser::start() else { return }; // skipped: no chromedriver
//! browser.block_on(async {
//!     let ana = browser.session().await; // a fresh profile: its own cookies
//!     ana.goto(&server_url).await.expect("goto");
//!     fill(&ana, "email", "ana@example.com").await;
//!     click_button(&ana, "Open").await;
//!     wait_for_text(&ana, "Invoice approval", WAIT).await;
//!     assert_accessible(&ana, "workflows").await;
//!     screenshot(&ana, "external-workflows").await;
//! });
//! ```
//!
//! Blocking calls to the server (`server.call(..)`) may be made inside the async block: no
//! browser command is in flight between two `.await`s.
//!
//! Where the programs come from: `TESSERA_CHROMEDRIVER` / `TESSERA_CHROMIUM` when set (and only
//! there: `TESSERA_CHROMEDRIVER=/nonexistent` simulates a machine without the driver), else
//! `chromedriver` / `chromium` (or `chromium-browser`) on `PATH`, else `/usr/bin/…`. When one
//! is missing the test is skipped, except with `CI=true`, where it fails naming Debian's
//! packages `chromium` and `chromium-driver` (as `TestDb` and `postgres::Cluster` do for a
//! missing PostgreSQL).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub use fantoccini::elements::Element;

/// How long the helpers wait for an element or a text by default.
pub const WAIT: Duration = Duration::from_secs(10);

/// The window every session opens with (CSS pixels): the screenshots' size.
pub const WINDOW: (u32, u32) = (1280, 900);

/// axe-core, injected into pages by [`assert_accessible`].
const AXE: &str = include_str!("../assets/axe-core/axe.min.js");

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The program named by env `var` when it is set (nothing else then), else the first of
/// `names` on `PATH`, else the first of them in `/usr/bin`.
fn find_program(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return is_executable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut folders: Vec<PathBuf> = std::env::split_paths(&path).collect();
    folders.push(PathBuf::from("/usr/bin"));
    folders.iter().find_map(|folder| {
        names
            .iter()
            .map(|name| folder.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

/// A program is missing: a failure under `CI=true`, else a skip (`None`).
fn missing<T>(what: &str, var: &str) -> Option<T> {
    let install = "install Debian's `chromium` and `chromium-driver` (apt-get install -y chromium chromium-driver)";
    assert!(
        !in_ci(),
        "the browser tests need {what}: {install}, or set {var} to its path"
    );
    eprintln!("skipping the browser test: {what} is not installed ({install}, or set {var})");
    None
}

/// chromedriver on a port of its own, with its own process group; every session it opened is
/// closed and the group (the driver and its browsers) killed on drop.
pub struct Browser {
    driver: Child,
    /// The port chromedriver listens on (127.0.0.1).
    pub port: u16,
    chromium: PathBuf,
    dir: PathBuf,
    runtime: tokio::runtime::Runtime,
    sessions: Mutex<Vec<Client>>,
}

impl Browser {
    /// Starts chromedriver and waits until it answers; `None` (outside CI) when chromedriver
    /// or Chromium is not installed. Panics when it does not come up.
    pub fn start() -> Option<Browser> {
        let Some(driver) = find_program("TESSERA_CHROMEDRIVER", &["chromedriver"]) else {
            return missing("chromedriver", "TESSERA_CHROMEDRIVER");
        };
        let Some(chromium) = find_program("TESSERA_CHROMIUM", &["chromium", "chromium-browser"])
        else {
            return missing("Chromium", "TESSERA_CHROMIUM");
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = super::temp_dir("browser");
        let port = super::free_port();
        let log = dir.join("chromedriver.log");
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("log file"))
            .stderr(std::fs::File::create(dir.join("chromedriver.err")).expect("log file"))
            // A group of its own: the browsers it starts are killed with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", driver.display()));
        let mut browser = Browser {
            driver: child,
            port,
            chromium,
            dir,
            runtime,
            sessions: Mutex::new(Vec::new()),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = super::request(port, "GET", "/status", &[], b"")
                .is_ok_and(|reply| reply.status == 200 && reply.json()["value"]["ready"] == true);
            if ready {
                return Some(browser);
            }
            let exited = browser.driver.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                panic!(
                    "chromedriver ({}) did not come up ({exited:?}):\n{}",
                    driver.display(),
                    browser.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs the browser part of a test (anything `async`) to completion on this thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A new browser session in English (`en-US`): a fresh profile, so its cookies are its
    /// own.
    pub async fn session(&self) -> Client {
        self.session_with_language("en-US").await
    }

    /// A new browser session whose UI language and `Accept-Language` are `language`
    /// (e.g. `"de"`, `"fr-FR"`).
    pub async fn session_with_language(&self, language: &str) -> Client {
        let (width, height) = WINDOW;
        let primary = language.split('-').next().unwrap_or(language);
        let accept = if primary == language {
            language.to_owned()
        } else {
            format!("{language},{primary}")
        };
        let options = json!({
            "binary": self.chromium.display().to_string(),
            "args": [
                "--headless=new",
                // As root Chromium refuses to start sandboxed; containers rarely allow it.
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                format!("--window-size={width},{height}"),
                format!("--lang={language}"),
            ],
            "prefs": { "intl.accept_languages": accept },
        });
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        // chromedriver gives every session a new temporary profile (user data dir).
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap_or_else(|e| panic!("a browser session: {e}\n{}", self.log_text()));
        self.sessions.lock().expect("sessions").push(client.clone());
        // `--window-size` includes the browser's own bars: make the page's viewport WINDOW.
        let frame = client
            .execute(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await
            .expect("window frame");
        let extra = |i: usize| u32::try_from(frame[i].as_u64().unwrap_or(0)).unwrap_or(0);
        client
            .set_window_size(width + extra(0), height + extra(1))
            .await
            .expect("window size");
        client
    }

    /// Quits every session opened so far (their browsers and profiles go); dropping the
    /// [`Browser`] does the same.
    pub async fn close_all(&self) {
        let sessions = std::mem::take(&mut *self.sessions.lock().expect("sessions"));
        for client in sessions {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
    }

    /// What chromedriver has logged so far.
    pub fn log_text(&self) -> String {
        ["chromedriver.log", "chromedriver.err"]
            .iter()
            .map(|name| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let sessions = std::mem::take(self.sessions.get_mut().unwrap_or_else(|e| e.into_inner()));
        // Quit each browser (chromedriver then removes its temporary profile).
        self.runtime.block_on(async {
            for client in sessions {
                let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
            }
        });
        // The group chromedriver leads: the driver and any browser left behind.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The workspace's root (for `docs/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Saves what the browser shows (the window, [`WINDOW`]) as `docs/img/console/{name}.png` at
/// the workspace root; the path written.
pub async fn screenshot(client: &Client, name: &str) -> PathBuf {
    let png = client.screenshot().await.expect("screenshot");
    let folder = workspace_root().join("docs/img/console");
    std::fs::create_dir_all(&folder).expect("docs/img/console");
    let path = folder.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write the screenshot");
    path
}

/// Runs axe-core on the page and fails, listing them, when it finds `serious` or `critical`
/// violations; lesser ones are printed. `page` names the page in the messages.
pub async fn assert_accessible(client: &Client, page: &str) {
    let loaded = client
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .expect("probe axe");
    if loaded != Value::Bool(true) {
        client
            .execute(AXE, vec![])
            .await
            .unwrap_or_else(|e| panic!("inject axe-core into {page}: {e}"));
    }
    let script = "const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
            .then(results => done({ violations: results.violations }))
            .catch(error => done({ error: String(error) }));";
    let results = client
        .execute_async(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("run axe-core on {page}: {e}"));
    if let Some(error) = results.get("error") {
        panic!("axe-core failed on {page}: {error}");
    }
    let violations = results["violations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let describe = |violation: &Value| {
        let targets: Vec<String> = violation["nodes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .take(3)
            .map(|node| {
                // A selector per frame or shadow root on the way to the element.
                let path: Vec<String> = node["target"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|part| {
                        part.as_str()
                            .map_or_else(|| part.to_string(), str::to_owned)
                    })
                    .collect();
                format!("`{}`", path.join(" >> "))
            })
            .collect();
        format!(
            "  - {} ({}): {} — {} [{}]",
            violation["id"].as_str().unwrap_or("?"),
            violation["impact"].as_str().unwrap_or("?"),
            violation["help"].as_str().unwrap_or("?"),
            targets.join(", "),
            violation["helpUrl"].as_str().unwrap_or(""),
        )
    };
    let (blocking, minor): (Vec<&Value>, Vec<&Value>) = violations
        .iter()
        .partition(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")));
    if !minor.is_empty() {
        let lines: Vec<String> = minor.iter().map(|v| describe(v)).collect();
        eprintln!(
            "axe-core on {page}: minor/moderate findings:\n{}",
            lines.join("\n")
        );
    }
    if !blocking.is_empty() {
        let lines: Vec<String> = blocking.iter().map(|v| describe(v)).collect();
        let url = client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        panic!(
            "{page} ({url}) has {} serious or critical accessibility violation(s):\n{}",
            blocking.len(),
            lines.join("\n")
        );
    }
}

/// Waits up to `timeout` for the element `css` to be in the page.
pub async fn wait_for(client: &Client, css: &str, timeout: Duration) -> Element {
    client
        .wait()
        .at_most(timeout)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| {
            panic!("no element `{css}` within {timeout:?}: {e}");
        })
}

/// The page's visible text (`document.body.innerText`).
pub async fn page_text(client: &Client) -> String {
    let text = client
        .execute(
            "return document.body ? document.body.innerText : '';",
            vec![],
        )
        .await
        .expect("page text");
    text.as_str().unwrap_or_default().to_owned()
}

/// The path of the page shown (`/x/verify`), without query or fragment.
pub async fn current_path(client: &Client) -> String {
    client.current_url().await.expect("url").path().to_owned()
}

/// Waits up to `timeout` for `text` to be visible in the page; the page's text.
pub async fn wait_for_text(client: &Client, text: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let shown = page_text(client).await;
        if shown.contains(text) {
            return shown;
        }
        if Instant::now() > deadline {
            let path = current_path(client).await;
            panic!("`{text}` did not appear on {path} within {timeout:?}; it shows:\n{shown}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Types `value` into the input with id `id` (emptied first), after checking that it has a
/// label (`<label for>`, `aria-label` or `aria-labelledby`).
pub async fn fill(client: &Client, id: &str, value: &str) {
    let input = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no input #{id}: {e}"));
    let labelled = client
        .execute(
            "const el = arguments[0];
             return (el.labels && el.labels.length > 0)
                 || !!el.getAttribute('aria-label') || !!el.getAttribute('aria-labelledby');",
            vec![serde_json::to_value(&input).expect("element")],
        )
        .await
        .expect("label check");
    assert_eq!(labelled, Value::Bool(true), "input #{id} has no label");
    input.clear().await.expect("clear");
    input.send_keys(value).await.expect("type");
}

/// An XPath string literal for `text` (quotes handled).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// Clicks the button whose text (whitespace-normalized) is `text`: a `<button>` or an
/// `<input type="submit"|"button">` with that value.
pub async fn click_button(client: &Client, text: &str) {
    let literal = xpath_literal(text);
    let xpath = format!(
        "//button[normalize-space(.)={literal}] | //input[(@type='submit' or @type='button') and @value={literal}]"
    );
    let button = client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no button `{text}`: {e}"));
    button.click().await.expect("click");
}

/// Clicks the element `css`.
pub async fn click(client: &Client, css: &str) {
    let element = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element `{css}`: {e}"));
    element.click().await.expect("click");
}

/// Whether the element `css` is in the page now.
pub async fn exists(client: &Client, css: &str) -> bool {
    !client
        .find_all(Locator::Css(css))
        .await
        .expect("find")
        .is_empty()
}
