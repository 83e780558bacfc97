//! The console's pages, timed in-process through `tessera-http` over a real database (SQLite
//! file; PostgreSQL too when `TESSERA_TEST_POSTGRES_URL` is set), at the sizes the console's
//! issue names: **100 users, 108 roles (the 8 predefined + 100 custom), 1,000 catalog
//! items**, plus 200 invitations and three recipient groups.
//!
//! The fixture is built through the API (`/v1/...`), as a product would: five apps, an
//! environment and a system added to the bootstrap tree (demo app, `test`, `production`);
//! 100 custom roles each setting ~40% of the features to a random level; 99 users (with the
//! bootstrap Admin: 100) spread over all 108 roles; 995 items (with the demo catalog's five:
//! 1,000) — mostly workflows over ten business domains and six apps, 100 tasks, 45 wish lists
//! of 3–6 entries each —; three groups; four shares of 50 recipients each.
//!
//! Each page is requested once first and its HTML checked against the fixture (the users page
//! lists 100 rows, the Share dialog 1,000 items' check boxes, …), so the benchmark times real
//! pages. Then, per page: criterion's median (`console_<backend>/<page>`), and a separate loop
//! of 200 requests each timed with `Instant` for p50 and p99. The timed span is the request's
//! handling and reading its body: the server's time, without a client or a network. The
//! requests carry the session cookie (the signed-in Admin) and a well-formed CSRF cookie, so
//! no page sets a new one. `split[<backend>]` lines time the use cases behind the heavy pages
//! alone (`Tessera::items` + `groups`, `users`, `invitations`: no HTTP, no rendering).
//!
//! `cargo bench -p tessera-benches --bench console` prints a table per backend and ends with
//! `summary[<backend>]: worst_page=… worst_p99_ms=… all_within_50ms=…`.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark aborts loudly on a broken fixture"
)]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use common::{Lcg, criterion_dir, json_body, median_ns, percentile_ms, request};
use criterion::Criterion;
use serde_json::{Value, json};
use tessera::core::SecretKey;
use tessera_http::{AppState, CONSOLE_CSRF_COOKIE};
use tessera_mail::FileMailer;
use tessera_service::sharing::InvitationQuery;
use tessera_service::{Caller, Presented, Tessera};
use tessera_store::DbConnection;
use tessera_store::testing::TestDb;

const PASSWORD: &str = "bench-password-1";
/// Users the fixture adds; with the bootstrap Admin the account has 100.
const USERS: usize = 99;
/// Custom roles; with the 8 predefined the account has 108.
const CUSTOM_ROLES: usize = 100;
/// Items the fixture adds; with the demo catalog's 5 the account has 1,000.
const WORKFLOWS: usize = 850;
const TASKS: usize = 100;
const WISH_LISTS: usize = 45;
/// Shares of `RECIPIENTS_PER_SHARE` each: 200 invitations.
const SHARES: usize = 4;
const RECIPIENTS_PER_SHARE: usize = 50;
/// Timed requests per page for p50 and p99.
const LOOP: usize = 200;
/// The budget per page, in milliseconds of server time.
const BUDGET_MS: f64 = 50.0;

const APPS: [&str; 5] = ["crm", "erp", "hr", "billing", "support"];
const DOMAINS: [&str; 10] = [
    "Sales",
    "Finance",
    "Procurement",
    "Human resources",
    "Legal",
    "Operations",
    "Marketing",
    "Customer support",
    "IT",
    "Logistics",
];
const LEVELS: [&str; 4] = ["none", "read", "modify", "write"];

/// What the fixture holds, to check the pages against.
struct Fixture {
    features: Vec<String>,
    roots: usize,
    roles: usize,
    users: usize,
    items: usize,
    domains: usize,
    groups: usize,
    invitations: usize,
    /// A user with a custom role: the role and delete pages, and explain.
    user_id: String,
    user_email: String,
    user_role: String,
    /// A custom role: the matrix.
    role_id: String,
    role_name: String,
    /// `GET /v1/who-can?feature=settings&level=read`'s answer.
    who_can_settings_read: usize,
    /// `POST /v1/explain`'s level for the user on `publish_rights/env:production`.
    explained_level: String,
}

/// One page to time.
struct Page {
    name: &'static str,
    path: String,
    signed_in: bool,
}

/// A GET of `path` with the CSRF cookie (and the session's when `session` is given).
fn page_request(path: &str, csrf: &str, session: Option<&Cookie<'static>>) -> TestRequest {
    let mut request =
        request(Method::GET, path).cookie(Cookie::new(CONSOLE_CSRF_COOKIE, csrf.to_owned()));
    if let Some(session) = session {
        request = request.cookie(session.clone());
    }
    request
}

/// Sends `request`: the status, the body, and whether the answer sets a new CSRF cookie.
async fn html<S, B>(app: &S, request: TestRequest) -> (u16, String, bool)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status().as_u16();
    let new_csrf = response
        .response()
        .cookies()
        .any(|c| c.name() == CONSOLE_CSRF_COOKIE);
    let body = test::read_body(response).await;
    (
        status,
        String::from_utf8(body.to_vec()).expect("utf-8 HTML"),
        new_csrf,
    )
}

/// The JSON API call `method path` with `body`, as the Admin; the status must be `expect`.
async fn api<S, B>(
    app: &S,
    session: &Cookie<'static>,
    method: Method,
    path: &str,
    body: Option<Value>,
    expect: u16,
) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut call = request(method.clone(), path).cookie(session.clone());
    if let Some(body) = body {
        call = call.set_json(body);
    }
    let (status, answer, _) = json_body(app, call).await;
    assert_eq!(status, expect, "{method} {path}: {answer}");
    answer
}

fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` in {value}"))
        .to_owned()
}

/// Builds the fixture through the API, signed in as the Admin.
async fn build_fixture<S, B>(app: &S, session: &Cookie<'static>) -> Fixture
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut rng = Lcg(0x00C0_FFEE);
    for app_name in APPS {
        api(
            app,
            session,
            Method::POST,
            "/v1/features/apps",
            Some(json!({ "name": app_name })),
            201,
        )
        .await;
    }
    api(
        app,
        session,
        Method::POST,
        "/v1/features/environments",
        Some(json!({ "name": "staging" })),
        201,
    )
    .await;
    api(
        app,
        session,
        Method::POST,
        "/v1/features/systems",
        Some(json!({ "name": "eu" })),
        201,
    )
    .await;
    let features: Vec<String> =
        api(app, session, Method::GET, "/v1/features", None, 200).await["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f.as_str().expect("feature").to_owned())
            .collect();

    // 100 custom roles, each setting ~40% of the features to a random level.
    let mut custom = Vec::new();
    for r in 0..CUSTOM_ROLES {
        let mut settings = serde_json::Map::new();
        for feature in &features {
            if rng.below(10) < 4 {
                settings.insert(feature.clone(), json!(LEVELS[rng.below(LEVELS.len())]));
            }
        }
        let saved = api(
            app,
            session,
            Method::POST,
            "/v1/roles",
            Some(json!({ "name": format!("Custom role {r:03}"), "settings": settings })),
            201,
        )
        .await;
        custom.push((text(&saved["role"], "id"), text(&saved["role"], "name")));
    }
    let roles: Vec<String> = api(app, session, Method::GET, "/v1/roles", None, 200)
        .await
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| text(r, "id"))
        .collect();

    // 99 users over all 108 roles (the first ones on custom roles, for the pages below).
    let mut users = Vec::new();
    for u in 0..USERS {
        let role = match custom.get(u) {
            Some((id, _)) if u < 10 => id.clone(),
            _ => roles[rng.below(roles.len())].clone(),
        };
        let body = json!({
            "email": format!("user{u:02}@example.com"),
            "role_id": role,
            "initial_password": "initial-password-x",
        });
        let added = api(app, session, Method::POST, "/v1/users", Some(body), 201).await;
        users.push((
            text(&added["user"], "id"),
            text(&added["user"], "email"),
            role,
        ));
    }

    // 995 items: workflows and tasks first, then wish lists of 3–6 of them.
    let item_apps: Vec<&str> = std::iter::once("demo")
        .chain(APPS)
        .chain(std::iter::once(""))
        .collect();
    let mut registered = Vec::new();
    for n in 0..WORKFLOWS + TASKS {
        let (kind, external) = if n < WORKFLOWS {
            ("workflow", format!("wf-{n:04}"))
        } else {
            ("task", format!("task-{n:04}"))
        };
        let domain = DOMAINS[rng.below(DOMAINS.len())];
        let body = json!({
            "kind": kind,
            "title": format!("{domain} {kind} {n:04}"),
            "description": format!("What the {kind} {n} does, in a sentence or two for the dialog."),
            "business_domain": domain,
            "app": item_apps[rng.below(item_apps.len())],
        });
        api(
            app,
            session,
            Method::PUT,
            &format!("/v1/items/{external}"),
            Some(body),
            200,
        )
        .await;
        registered.push(external);
    }
    for n in 0..WISH_LISTS {
        let entries: Vec<&str> = (0..3 + rng.below(4))
            .map(|_| registered[rng.below(registered.len())].as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let domain = DOMAINS[rng.below(DOMAINS.len())];
        let body = json!({
            "kind": "wish_list",
            "title": format!("{domain} wish list {n:02}"),
            "description": "A bundle of workflows (and the tasks it leaves out).",
            "business_domain": domain,
            "app": item_apps[rng.below(item_apps.len())],
            "entries": entries,
        });
        api(
            app,
            session,
            Method::PUT,
            &format!("/v1/items/wish-{n:02}"),
            Some(body),
            200,
        )
        .await;
    }
    let items = api(app, session, Method::GET, "/v1/items", None, 200).await;
    let items = items.as_array().expect("items");
    let domains: BTreeSet<&str> = items
        .iter()
        .map(|i| match i["business_domain"].as_str() {
            Some("") | None => "Other",
            Some(domain) => domain,
        })
        .collect();
    let workflows: Vec<String> = items
        .iter()
        .filter(|i| i["kind"] == "workflow")
        .map(|i| text(i, "id"))
        .collect();

    // Three groups, and four shares of 50 recipients: 200 invitations.
    let groups = 3;
    for g in 0..groups {
        let emails: Vec<String> = (0..5)
            .map(|m| format!("group{g}.member{m}@example.org"))
            .collect();
        api(
            app,
            session,
            Method::POST,
            "/v1/groups",
            Some(json!({ "name": format!("Partners {g}"), "emails": emails })),
            201,
        )
        .await;
    }
    for s in 0..SHARES {
        let recipients: Vec<String> = (0..RECIPIENTS_PER_SHARE)
            .map(|r| format!("guest{s}.{r}@example.org"))
            .collect();
        let shared = vec![
            workflows[rng.below(workflows.len())].clone(),
            workflows[rng.below(workflows.len())].clone(),
        ];
        api(
            app,
            session,
            Method::POST,
            "/v1/shares",
            Some(json!({ "items": shared, "recipients": recipients, "message": "Have a look" })),
            201,
        )
        .await;
    }

    let who_can = api(
        app,
        session,
        Method::GET,
        "/v1/who-can?feature=settings&level=read",
        None,
        200,
    )
    .await;
    let (user_id, user_email, user_role) = users[0].clone();
    let explained = api(
        app,
        session,
        Method::POST,
        "/v1/explain",
        Some(json!({ "user": user_id, "feature": "publish_rights/env:production" })),
        200,
    )
    .await;
    let (role_id, role_name) = custom[0].clone();
    Fixture {
        roots: features.iter().filter(|f| !f.contains('/')).count(),
        features,
        roles: roles.len(),
        users: users.len() + 1,
        items: items.len(),
        domains: domains.len(),
        groups,
        invitations: SHARES * RECIPIENTS_PER_SHARE,
        user_id,
        user_email,
        user_role,
        role_id,
        role_name,
        who_can_settings_read: who_can["users"].as_array().expect("who-can users").len(),
        explained_level: text(&explained, "level"),
    }
}

/// Checks that page `name` shows what the fixture put there.
fn check_page(name: &str, html: &str, fixture: &Fixture) {
    let count = |pattern: &str| html.matches(pattern).count();
    let features = fixture.features.len();
    let expect = |what: &str, got: usize, want: usize| {
        assert_eq!(got, want, "page {name}: {what}");
    };
    match name {
        "home" => {
            assert!(html.contains("<h1>Your access</h1>"), "{name}");
            expect("areas", count("<tr><th scope=\"row\">"), fixture.roots);
        }
        "users" => {
            expect("rows", count("<tr data-email="), fixture.users);
            assert!(html.contains(&format!("<caption>{} users</caption>", fixture.users)));
            expect("role options", count("<option value=\""), fixture.roles + 1);
        }
        "user_role" => {
            expect("role options", count("<option value=\""), fixture.roles);
            assert!(html.contains(&format!(
                "<option value=\"{}\" selected>",
                fixture.user_role
            )));
            assert!(html.contains(&format!("Role of {}", fixture.user_email)));
        }
        "user_delete" => {
            assert!(html.contains(&format!("Delete <strong>{}</strong>?", fixture.user_email)));
        }
        "roles" | "explain" | "who_can" => {
            expect(
                "role rows",
                count("<tr><th scope=\"row\"><a href="),
                fixture.roles,
            );
            // The start-from menu (roles + "nothing") and the explain menu (users + "choose").
            expect(
                "options",
                count("<option value=\""),
                fixture.roles + 1 + fixture.users + 1,
            );
            // The features twice (explain, who can) and the three levels.
            expect(
                "feature options",
                count("<option>") + count("<option selected>"),
                2 * features + 3,
            );
            if name == "explain" {
                assert!(html.contains("id=\"explanation\""), "{name}");
                assert!(html.contains(&format!(
                    "<strong>{}</strong> has <span class=\"level level-{level}\">{level}</span> on <code>publish_rights/env:production</code>",
                    fixture.user_email,
                    level = fixture.explained_level
                )));
            }
            if name == "who_can" {
                assert!(html.contains("id=\"who-can\""), "{name}");
                assert!(html.contains(&format!("<p>{} users.</p>", fixture.who_can_settings_read)));
                let listed = html
                    .split("id=\"who-can\"")
                    .nth(1)
                    .map_or(0, |rest| rest.matches("<li>").count());
                expect("who-can users", listed, fixture.who_can_settings_read);
            }
        }
        "role_matrix" => {
            assert!(html.contains(&format!(
                "<span id=\"role-title\">{}</span>",
                fixture.role_name
            )));
            expect("rows", count("<tr data-feature="), features);
            expect("radio buttons", count("type=\"radio\""), 5 * features);
            expect("settings chosen", count(" checked"), features);
        }
        "share" => {
            expect("item check boxes", count("name=\"item\""), fixture.items);
            expect(
                "domains",
                count("<fieldset class=\"domain\">"),
                fixture.domains,
            );
            expect("groups", count("name=\"group\""), fixture.groups);
            assert!(count("item-wish-list") > 0 && count("item-task") > 0);
        }
        "invitations" => {
            // The newest page of 100; the caption counts them all.
            expect(
                "rows",
                count("<tr data-recipient="),
                fixture.invitations.min(100),
            );
            assert!(html.contains(&format!("<caption>{} invitations", fixture.invitations)));
        }
        "sign_in" => {
            assert!(html.contains("name=\"password\""), "{name}");
        }
        "password" => {
            assert!(html.contains("name=\"new_password\""), "{name}");
            assert!(html.contains("name=\"repeat_password\""), "{name}");
        }
        other => panic!("no check for page {other}"),
    }
}

/// What one page measured.
struct Measured {
    name: &'static str,
    criterion_ms: Option<f64>,
    p50_ms: f64,
    p99_ms: f64,
    bytes: usize,
}

fn bench_backend(criterion: &mut Criterion, backend: &str, db: &TestDb) {
    let system = actix_web::rt::System::new();
    let (store, _) = tessera_store::DieselStore::open(&db.url, 8).expect("store");
    let outbox = std::env::temp_dir().join(format!(
        "tessera-bench-console-outbox-{}",
        std::process::id()
    ));
    let tessera = Tessera::builder(
        store,
        SecretKey::from_bytes([9; 32]),
        FileMailer::new(outbox.clone()),
    )
    .public_url("https://tessera.example")
    .mail_from("Tessera <bench@tessera.example>")
    .build()
    .expect("tessera");
    tessera
        .bootstrap("admin@example.com", Some(PASSWORD))
        .expect("bootstrap");
    let data = web::Data::new(AppState::new(tessera.clone(), false));
    let app = system.block_on(test::init_service(
        App::new().configure(move |config| tessera_http::configure(config, data)),
    ));

    let started = Instant::now();
    let (session, fixture, csrf) = system.block_on(async {
        let (session, _) = common::admin_session(&app, "admin@example.com", PASSWORD).await;
        let fixture = build_fixture(&app, &session).await;
        // A well-formed CSRF cookie, as the console hands it out.
        let response =
            test::call_service(&app, request(Method::GET, "/console/sign-in").to_request()).await;
        let csrf = response
            .response()
            .cookies()
            .find(|c| c.name() == CONSOLE_CSRF_COOKIE)
            .expect("the sign-in page sets the CSRF cookie")
            .value()
            .to_owned();
        (session, fixture, csrf)
    });
    let mut connection = db.connect();
    match &mut connection {
        DbConnection::Sqlite(sqlite) => {
            diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), sqlite).expect("analyze");
        }
        // What autovacuum does after a bulk load.
        DbConnection::Postgresql(pg) => {
            diesel::RunQueryDsl::execute(diesel::sql_query("VACUUM ANALYZE"), pg).expect("vacuum");
        }
    }
    drop(connection);
    println!(
        "fixture[{backend}]: {} features, {} roles, {} users, {} items in {} domains, {} groups, {} invitations; built through the API in {:.1} s",
        fixture.features.len(),
        fixture.roles,
        fixture.users,
        fixture.items,
        fixture.domains,
        fixture.groups,
        fixture.invitations,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        (fixture.users, fixture.roles, fixture.items),
        (100, 108, 1_000)
    );

    let explain = format!(
        "/console/roles/explain?user={}&feature=publish_rights%2Fenv%3Aproduction",
        fixture.user_id
    );
    let pages = [
        ("home", "/console".to_owned(), true),
        ("users", "/console/users".to_owned(), true),
        (
            "user_role",
            format!("/console/users/{}/role", fixture.user_id),
            true,
        ),
        (
            "user_delete",
            format!("/console/users/{}/delete", fixture.user_id),
            true,
        ),
        ("roles", "/console/roles".to_owned(), true),
        (
            "role_matrix",
            format!("/console/roles/{}", fixture.role_id),
            true,
        ),
        ("explain", explain, true),
        (
            "who_can",
            "/console/roles/who-can?feature=settings&level=read".to_owned(),
            true,
        ),
        ("share", "/console/share".to_owned(), true),
        ("invitations", "/console/invitations".to_owned(), true),
        ("sign_in", "/console/sign-in".to_owned(), false),
        ("password", "/console/password".to_owned(), true),
    ]
    .map(|(name, path, signed_in)| Page {
        name,
        path,
        signed_in,
    });
    let request_of =
        |page: &Page| page_request(&page.path, &csrf, page.signed_in.then_some(&session));

    // Each page once, checked; then its p50 and p99 over `LOOP` timed requests.
    let mut measured = Vec::new();
    for page in &pages {
        let (status, body, new_csrf) = system.block_on(html(&app, request_of(page)));
        assert_eq!(status, 200, "page {}: {body}", page.name);
        assert!(!new_csrf, "page {} set a new CSRF cookie", page.name);
        check_page(page.name, &body, &fixture);
        for _ in 0..10 {
            system.block_on(html(&app, request_of(page)));
        }
        let mut times = Vec::with_capacity(LOOP);
        for _ in 0..LOOP {
            let call = request_of(page);
            let started = Instant::now();
            let (status, _, _) = system.block_on(html(&app, call));
            times.push(started.elapsed());
            assert_eq!(status, 200, "page {}", page.name);
        }
        times.sort_unstable();
        measured.push(Measured {
            name: page.name,
            criterion_ms: None,
            p50_ms: percentile_ms(&times, 0.5),
            p99_ms: percentile_ms(&times, 0.99),
            bytes: body.len(),
        });
    }

    // The split: the use cases behind the data-heavy pages, called directly (no HTTP, no
    // rendering), so that page − service ≈ the handler's JSON and the template.
    let secret = tessera::core::BearerSecret::parse(session.value()).expect("session secret");
    let caller = tessera
        .authenticate(&Presented::Session(secret), None)
        .and_then(Caller::active)
        .expect("caller");
    let split = |name: &str, mut call: Box<dyn FnMut() -> usize + '_>| {
        let mut times = Vec::with_capacity(LOOP);
        let mut rows = 0;
        for _ in 0..LOOP {
            let started = Instant::now();
            rows = std::hint::black_box(call());
            times.push(started.elapsed());
        }
        times.sort_unstable();
        println!(
            "split[{backend}]: {name:<28} rows={rows:<5} p50={:.2} ms p99={:.2} ms",
            percentile_ms(&times, 0.5),
            percentile_ms(&times, 0.99)
        );
    };
    split(
        "Tessera::items + groups",
        Box::new(|| {
            tessera.items(&caller).expect("items").len()
                + tessera.groups(&caller).expect("groups").len()
        }),
    );
    split(
        "Tessera::users",
        Box::new(|| tessera.users(&caller).expect("users").len()),
    );
    split(
        "Tessera::invitations",
        Box::new(|| {
            tessera
                .invitations(&caller, InvitationQuery::default())
                .expect("invitations")
                .len()
        }),
    );

    let group_name = format!("console_{backend}");
    let mut group = criterion.benchmark_group(&group_name);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for page in &pages {
        group.bench_function(page.name, |b| {
            b.iter_custom(|iterations| {
                let mut spent = Duration::ZERO;
                for _ in 0..iterations {
                    let call = request_of(page);
                    let started = Instant::now();
                    let (status, body, _) = system.block_on(html(&app, call));
                    spent += started.elapsed();
                    assert_eq!(status, 200, "page {}", page.name);
                    std::hint::black_box(body);
                }
                spent
            });
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&outbox);

    let dir = criterion_dir();
    for m in &mut measured {
        m.criterion_ms = median_ns(&dir, &group_name, m.name).map(|ns| ns / 1e6);
    }
    println!(
        "console pages [{backend}] (server time in-process; p50/p99 over {LOOP} requests each):"
    );
    println!(
        "  {:<12} {:>16} {:>8} {:>8} {:>10} {:>12}",
        "page", "criterion median", "p50 ms", "p99 ms", "HTML bytes", "p99 / 50 ms"
    );
    for m in &measured {
        println!(
            "  {:<12} {:>13} ms {:>8.2} {:>8.2} {:>10} {:>12.3}",
            m.name,
            m.criterion_ms
                .map_or_else(|| "n/a".to_owned(), |ms| format!("{ms:.2}")),
            m.p50_ms,
            m.p99_ms,
            m.bytes,
            m.p99_ms / BUDGET_MS
        );
    }
    let worst = measured
        .iter()
        .max_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms))
        .expect("pages");
    println!(
        "summary[{backend}]: worst_page={} worst_p99_ms={:.2} all_within_50ms={}",
        worst.name,
        worst.p99_ms,
        measured.iter().all(|m| m.p99_ms <= BUDGET_MS)
    );
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    for (backend, db) in TestDb::all() {
        bench_backend(&mut criterion, backend, &db);
    }
    criterion.final_summary();
}
