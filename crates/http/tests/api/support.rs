//! Shared set-up: one bootstrapped database and in-process app per backend, requests with a
//! session cookie or a bearer token, and assertions on answers and problem documents.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, test, web};
use serde_json::{Value, json};
use tessera_core::{AccountId, SecretKey, SystemClock, UserId};
use tessera_http::{AppState, SESSION_COOKIE};
use tessera_mail::FileMailer;
use tessera_service::Tessera;
use tessera_service::outbox::{Delivered, OutboxOptions};
use tessera_store::testing::TestDb;
use tessera_store::{DieselStore, PooledDb};

/// The bootstrap Admin's e-mail.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// The bootstrap Admin's initial password (must be changed at first sign-in).
pub const INITIAL_PASSWORD: &str = "initial-password-1";
/// The Admin's password after the forced change.
pub const ADMIN_PASSWORD: &str = "admin-password-changed-2";
/// The operator's token the apps are configured with.
pub const OPERATOR_TOKEN: &str = "the-operator-token-of-the-http-tests-01";
/// The secret the inbound-mail tests present.
pub const INBOUND_SECRET: &str = "the-inbound-secret-of-the-http-tests-01";

/// The initial password the helpers give added users.
pub const USER_INITIAL_PASSWORD: &str = "user-initial-password-1";

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Cred {
    /// No credential at all.
    Anonymous,
    /// The value of the `tessera_session` cookie.
    Session(String),
    /// An API token, sent as `Authorization: Bearer`.
    Token(String),
    /// The value of a contact's `tessera_portal` cookie.
    Portal(String),
}

/// A signed-in user: their id and their credential.
#[derive(Debug, Clone)]
pub struct Person {
    /// The user's id (as on the wire).
    pub id: String,
    /// Their session.
    pub cred: Cred,
}

/// One answer, read in full.
#[derive(Debug)]
pub struct Reply {
    /// `[backend] METHOD path`, for assertion messages.
    pub context: String,
    /// The status.
    pub status: StatusCode,
    /// The `Content-Type` header (empty when absent).
    pub content_type: String,
    /// The body as JSON (`Null` when empty, a string when not JSON).
    pub body: Value,
    /// Every `Set-Cookie`.
    pub cookies: Vec<Cookie<'static>>,
    /// Every response header.
    pub headers: HeaderMap,
}

impl Reply {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}: expected {status}, got {} with {}",
            self.context,
            self.status,
            self.body
        );
        &self.body
    }

    /// Asserts an `application/problem+json` answer with this status and
    /// `type` `/problems/<kind>`, and returns the problem.
    #[track_caller]
    pub fn problem(&self, status: u16, kind: &str) -> &Value {
        self.expect(status);
        self.assert_problem_document();
        assert_eq!(
            self.body["type"],
            format!("/problems/{kind}"),
            "{}: problem type; body {}",
            self.context,
            self.body
        );
        &self.body
    }

    /// Like [`Reply::problem`], and the problem names `field`.
    #[track_caller]
    pub fn problem_at(&self, status: u16, kind: &str, field: &str) -> &Value {
        self.problem(status, kind);
        assert_eq!(
            self.body["field"], field,
            "{}: problem field; body {}",
            self.context, self.body
        );
        &self.body
    }

    /// Asserts a problem document with a 4xx status (any type) and returns it.
    #[track_caller]
    pub fn client_error(&self) -> &Value {
        assert!(
            self.status.is_client_error(),
            "{}: expected a 4xx, got {} with {}",
            self.context,
            self.status,
            self.body
        );
        self.assert_problem_document();
        &self.body
    }

    #[track_caller]
    fn assert_problem_document(&self) {
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}: content type of {}",
            self.context, self.body
        );
        assert_eq!(
            self.body["status"],
            self.status.as_u16(),
            "{}: problem status; body {}",
            self.context,
            self.body
        );
        assert!(
            self.body["title"].is_string() && self.body["detail"].is_string(),
            "{}: a problem has a title and a detail; body {}",
            self.context,
            self.body
        );
    }

    /// Asserts a 204 `DELETE` answer that carries the policy version it produced, and returns
    /// the version.
    #[track_caller]
    pub fn deleted_version(&self) -> u64 {
        self.expect(204);
        self.headers
            .get("tessera-policy-version")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{}: no Tessera-Policy-Version header", self.context))
    }

    /// The `Set-Cookie` named `name`.
    pub fn cookie(&self, name: &str) -> Option<&Cookie<'static>> {
        self.cookies.iter().find(|c| c.name() == name)
    }

    /// `body[key]` as a string.
    #[track_caller]
    pub fn str(&self, key: &str) -> String {
        self.body[key]
            .as_str()
            .unwrap_or_else(|| panic!("{}: `{key}` is not a string in {}", self.context, self.body))
            .to_owned()
    }
}

/// An answer before it is interpreted.
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: web::Bytes,
}

/// The in-process app, whatever its concrete service type.
trait Call {
    fn call(&self, request: test::TestRequest) -> Pin<Box<dyn Future<Output = Raw> + '_>>;
}

/// The service made by `init_service` and the way to turn a test request into its input
/// (`TestRequest::to_request`, whose type need not be named here).
struct Served<S, R> {
    service: S,
    to_request: fn(test::TestRequest) -> R,
}

impl<S, R, B> Call for Served<S, R>
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    R: 'static,
    B: MessageBody + 'static,
{
    fn call(&self, request: test::TestRequest) -> Pin<Box<dyn Future<Output = Raw> + '_>> {
        let request = (self.to_request)(request);
        Box::pin(async move {
            let response = test::call_service(&self.service, request).await;
            let status = response.status();
            let headers = response.headers().clone();
            let body = test::read_body(response).await;
            Raw {
                status,
                headers,
                body,
            }
        })
    }
}

/// One backend under test: its database (bootstrapped: one account, its Admin with the
/// initial password) and the app serving it.
pub struct Env {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The bootstrapped account.
    pub account: AccountId,
    /// The app's state.
    pub state: web::Data<AppState>,
    /// The store under the app (its pool reaches the database directly).
    pub store: DieselStore,
    /// Where the app's mailer writes e-mails (`.eml` files).
    pub outbox: std::path::PathBuf,
    app: Box<dyn Call>,
    // Last: the database goes after the app and its pool.
    _db: TestDb,
}

/// Every backend of `TestDb::all()`, migrated and bootstrapped, each with its app.
pub async fn backends() -> Vec<Env> {
    backends_with_clock(Arc::new(SystemClock)).await
}

/// Like [`backends`], with the apps reading time from `clock`.
pub async fn backends_with_clock(clock: Arc<dyn tessera_core::Clock>) -> Vec<Env> {
    let mut envs = Vec::new();
    for (name, db) in TestDb::all() {
        let (store, _) = DieselStore::open(&db.url, 4).expect("store");
        let outbox = std::env::temp_dir().join(format!(
            "tessera-http-outbox-{}",
            tessera_service::random_uuid()
        ));
        let tessera = Tessera::builder(
            store.clone(),
            SecretKey::from_bytes([7; 32]),
            FileMailer::new(&outbox),
        )
        .clock(clock.clone())
        .mail_from("Tessera <tessera@example.com>")
        .operator_token(OPERATOR_TOKEN)
        .expect("operator token")
        .inbound_secret(INBOUND_SECRET)
        .expect("inbound secret")
        .build()
        .expect("tessera");
        let account = tessera
            .bootstrap(ADMIN_EMAIL, Some(INITIAL_PASSWORD))
            .expect("bootstrap")
            .expect("a fresh database is bootstrapped")
            .account;
        let state = web::Data::new(AppState::new(tessera, false));
        let for_app = state.clone();
        let service = test::init_service(
            App::new().configure(move |config| tessera_http::configure(config, for_app)),
        )
        .await;
        let app: Box<dyn Call> = Box::new(Served {
            service,
            to_request: test::TestRequest::to_request,
        });
        envs.push(Env {
            name,
            account,
            state,
            store,
            outbox,
            app,
            _db: db,
        });
    }
    envs
}

/// A request to `path` carrying `cred`, from a loopback client address.
pub fn request(method: Method, path: &str, cred: &Cred) -> test::TestRequest {
    let client: std::net::SocketAddr = ([127, 0, 0, 1], 40_000).into();
    let request = test::TestRequest::default()
        .method(method)
        .uri(path)
        .peer_addr(client);
    match cred {
        Cred::Anonymous => request,
        Cred::Session(value) => request.cookie(Cookie::new(SESSION_COOKIE, value.clone())),
        Cred::Token(token) => {
            request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        }
        Cred::Portal(value) => request.cookie(Cookie::new("tessera_portal", value.clone())),
    }
}

impl Env {
    /// Sends a prepared request; `label` names it in assertion messages.
    pub async fn raw(&self, label: &str, request: test::TestRequest) -> Reply {
        let raw = self.app.call(request).await;
        let content_type = raw
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let cookies = raw
            .headers
            .get_all(header::SET_COOKIE)
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| Cookie::parse(v.to_owned()).ok())
            .collect();
        let body = if raw.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&raw.body).into_owned()))
        };
        Reply {
            context: format!("[{}] {label}", self.name),
            status: raw.status,
            content_type,
            body,
            cookies,
            headers: raw.headers.clone(),
        }
    }

    /// Sends `body` (when given) as JSON.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        cred: &Cred,
        body: Option<Value>,
    ) -> Reply {
        let label = format!("{method} {path}");
        let mut request = request(method, path, cred);
        if let Some(body) = body {
            request = request.set_json(body);
        }
        self.raw(&label, request).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str, cred: &Cred) -> Reply {
        self.send(Method::GET, path, cred, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, cred: &Cred, body: Value) -> Reply {
        self.send(Method::POST, path, cred, Some(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, cred: &Cred, body: Value) -> Reply {
        self.send(Method::PUT, path, cred, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str, cred: &Cred) -> Reply {
        self.send(Method::DELETE, path, cred, None).await
    }

    /// `POST /v1/session`.
    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/v1/session",
            &Cred::Anonymous,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Signs in (which must succeed) and returns the user and their session.
    pub async fn session(&self, email: &str, password: &str) -> Person {
        let reply = self.sign_in(email, password).await;
        reply.expect(200);
        let cookie = reply
            .cookie(SESSION_COOKIE)
            .unwrap_or_else(|| panic!("{}: no session cookie", reply.context));
        Person {
            id: reply.str("user_id"),
            cred: Cred::Session(cookie.value().to_owned()),
        }
    }

    /// `POST /v1/session/password` (which must succeed).
    pub async fn change_password(&self, cred: &Cred, current: &str, new: &str) {
        self.post(
            "/v1/session/password",
            cred,
            json!({ "current_password": current, "new_password": new }),
        )
        .await
        .expect(204);
    }

    /// The bootstrap Admin, signed in, past the forced password change.
    pub async fn admin(&self) -> Person {
        let admin = self.session(ADMIN_EMAIL, INITIAL_PASSWORD).await;
        self.change_password(&admin.cred, INITIAL_PASSWORD, ADMIN_PASSWORD)
            .await;
        admin
    }

    /// Adds a user with [`USER_INITIAL_PASSWORD`] (as `admin`); returns their id.
    pub async fn create_user(&self, admin: &Cred, email: &str, role_id: &str) -> String {
        let reply = self
            .post(
                "/v1/users",
                admin,
                json!({
                    "email": email,
                    "role_id": role_id,
                    "initial_password": USER_INITIAL_PASSWORD,
                }),
            )
            .await;
        reply.expect(201);
        reply.body["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no user id in {}", reply.context, reply.body))
            .to_owned()
    }

    /// The password [`Env::add_user`] sets for `email`.
    pub fn password_of(email: &str) -> String {
        format!("{email}-password")
    }

    /// Adds a user, signs them in and changes their initial password to
    /// [`Env::password_of`]; returns them with their session.
    pub async fn add_user(&self, admin: &Cred, email: &str, role_id: &str) -> Person {
        let id = self.create_user(admin, email, role_id).await;
        let person = self.session(email, USER_INITIAL_PASSWORD).await;
        assert_eq!(person.id, id, "[{}] signed in as someone else", self.name);
        self.change_password(
            &person.cred,
            USER_INITIAL_PASSWORD,
            &Self::password_of(email),
        )
        .await;
        person
    }

    /// The id of the role named `name`.
    pub async fn role_id(&self, cred: &Cred, name: &str) -> String {
        let reply = self.get("/v1/roles", cred).await;
        reply.expect(200);
        reply
            .body
            .as_array()
            .and_then(|roles| roles.iter().find(|r| r["name"] == name))
            .and_then(|r| r["id"].as_str())
            .unwrap_or_else(|| panic!("{}: no role `{name}` in {}", reply.context, reply.body))
            .to_owned()
    }

    /// The account's current policy version, as `GET /v1/features` reports it.
    pub async fn policy_version(&self, cred: &Cred) -> u64 {
        let reply = self.get("/v1/features", cred).await;
        reply.expect(200)["policy_version"]
            .as_u64()
            .unwrap_or_else(|| panic!("{}: no policy_version in {}", reply.context, reply.body))
    }

    /// Creates a second account as the operator does (`POST /v1/accounts`), signs its first
    /// Admin in and replaces the one-time password with `password`; returns the account, the
    /// Admin's id and their session.
    pub async fn second_account(&self, email: &str, password: &str) -> (AccountId, UserId, Cred) {
        let operator = Cred::Token(OPERATOR_TOKEN.to_owned());
        let created = self
            .post(
                "/v1/accounts",
                &operator,
                json!({ "name": "Other", "admin_email": email }),
            )
            .await;
        let body = created.expect(201).clone();
        let initial = body["initial_password"]
            .as_str()
            .expect("password")
            .to_owned();
        let admin = self.session(email, &initial).await;
        self.change_password(&admin.cred, &initial, password).await;
        let account = body["account"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("account id");
        let user = admin.id.parse().expect("admin id");
        (account, user, admin.cred)
    }

    /// The id of one of the demo catalog's workflows (as `GET /v1/items` lists it).
    pub async fn demo_workflow(&self, cred: &Cred) -> Value {
        let reply = self.get("/v1/items", cred).await;
        reply
            .expect(200)
            .as_array()
            .and_then(|items| items.iter().find(|i| i["kind"] == "workflow"))
            .unwrap_or_else(|| panic!("{}: no workflow in {}", reply.context, reply.body))["id"]
            .clone()
    }

    /// The service behind the app.
    pub fn tessera(&self) -> &Tessera {
        &self.state.tessera
    }

    /// A connection to the database (to read tables directly).
    pub fn db(&self) -> PooledDb {
        self.store.pool().get().expect("connection")
    }

    /// Delivers what the outbox holds (as the workers would), on a blocking thread.
    pub async fn deliver(&self) -> Delivered {
        let tessera = self.tessera().clone();
        let options = OutboxOptions {
            batch: 100,
            ..OutboxOptions::default()
        };
        actix_web::web::block(move || tessera.deliver_due(&options))
            .await
            .expect("blocking")
            .expect("deliver")
    }
}

impl Env {
    /// Every e-mail the app's mailer wrote so far, parsed, with its raw text.
    pub fn emails(&self) -> Vec<(tessera_mail::testing::Parsed, String)> {
        let Ok(dir) = std::fs::read_dir(&self.outbox) else {
            return Vec::new();
        };
        dir.filter_map(Result::ok)
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .filter_map(|raw| tessera_mail::testing::parse(&raw).map(|parsed| (parsed, raw)))
            .collect()
    }

    /// The e-mails written to `address`.
    pub fn emails_to(&self, address: &str) -> Vec<tessera_mail::testing::Parsed> {
        self.emails()
            .into_iter()
            .map(|(parsed, _)| parsed)
            .filter(|parsed| parsed.header("to").is_some_and(|to| to.contains(address)))
            .collect()
    }

    /// Removes the e-mails written so far.
    pub fn clear_emails(&self) {
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

/// A random id that exists nowhere.
pub fn unknown_id() -> String {
    tessera_service::random_uuid().to_string()
}

/// A request in flight.
pub type Pending<'a> = Pin<Box<dyn Future<Output = Reply> + 'a>>;

/// Runs requests concurrently (their database work runs on actix's blocking threads) and
/// returns their answers in the order given.
pub async fn join_all(requests: Vec<Pending<'_>>) -> Vec<Reply> {
    struct JoinAll<'a> {
        pending: Vec<Option<Pending<'a>>>,
        done: Vec<Option<Reply>>,
    }
    impl Future for JoinAll<'_> {
        type Output = Vec<Reply>;

        fn poll(
            mut self: Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Vec<Reply>> {
            let this = &mut *self;
            for (slot, done) in this.pending.iter_mut().zip(this.done.iter_mut()) {
                if let Some(request) = slot
                    && let std::task::Poll::Ready(reply) = request.as_mut().poll(cx)
                {
                    *done = Some(reply);
                    *slot = None;
                }
            }
            if this.pending.iter().all(Option::is_none) {
                std::task::Poll::Ready(this.done.iter_mut().filter_map(Option::take).collect())
            } else {
                std::task::Poll::Pending
            }
        }
    }
    let done = requests.iter().map(|_| None).collect();
    JoinAll {
        pending: requests.into_iter().map(Some).collect(),
        done,
    }
    .await
}
