//! Tessera's use cases, free of any web framework: one [`Tessera`] handle with one method per
//! use case, and the [workers](Tessera::start_workers) that deliver e-mail and keep the
//! database tidy. Every front door — `tessera-http`, a CLI, an embedder's own code — calls
//! the same methods.
//!
//! A use case runs *load → decide → save* in one transaction: it loads what the decision
//! needs through the [`Store`] port, lets the pure domain crates decide, and writes the
//! result, its audit event and any e-mail (into the outbox) together. It returns a typed
//! outcome or a [`ServiceError`]; no transport status is decided here.
//!
//! Methods block (they wait for the database); call them from a thread that may block. The
//! two caches have non-blocking readers for hot paths: [`Tessera::cached_caller`] and
//! [`Tessera::cached_policy`].
//!
//! The database is a port: [`Store`] and the repository traits of [`Tx`]. `tessera-store`
//! implements them over SQLite and PostgreSQL (`tessera_store::DieselStore`); the crate
//! itself depends on no database and no web framework.

#![deny(missing_docs)]

mod accounts;
pub mod apps;
pub mod audit;
pub mod automations;
mod caller;
pub mod catalog;
pub mod checks;
pub mod contacts;
mod error;
pub mod external;
mod features;
pub mod import;
pub mod inbound;
mod names;
pub mod outbox;
mod passwords;
mod policy_cache;
pub mod projects;
mod random;
pub mod records;
mod roles;
pub mod runner;
pub mod session;
pub mod sharing;
mod store;
mod users;
pub mod webhook;
mod workers;

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use tessera_core::{AccountId, AuditAction, AuditEvent, Clock, SecretKey, SystemClock, UserId};
use tessera_mail::{Mailer, Templates};

pub use accounts::{AccountUpdate, CreatedAccount, DEMO_APP, MAX_ACCOUNT_NAME_CHARS, NewAccount};
pub use caller::{AnyCaller, Caller, Credential, Presented};
pub use error::ServiceError;
pub use features::{FeatureKind, FeatureList};
pub use passwords::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, hash_password, validate_new_password, verify_password,
};
pub use policy_cache::{POLICY_RECHECK, VERSION_WAIT};
pub use random::{new_key, new_secret, random_uuid, time_ordered_uuid};
pub use roles::SavedRole;
pub use store::{
    AccountStore, AppStore, AuditStore, AutomationStore, CatalogStore, Connections, ContactStore,
    CredentialStore, Housekeeping, OutboxStore, PolicyStore, ProjectStore, SharingStore,
    StorageError, Store, Tx, UserStore, Work,
};
pub use users::{AddedUser, NewUser, UserSummary};
pub use workers::{Stopper, WorkerOptions, Workers};

/// The handle every use case hangs off: the store, the server key, the clock, the mailer and
/// templates, and the caches. Cheap to clone (one `Arc`); share one per process.
#[derive(Clone)]
pub struct Tessera(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    key: SecretKey,
    clock: Arc<dyn Clock>,
    mailer: Box<dyn Mailer>,
    templates: Templates,
    settings: Settings,
    /// SHA-256 (hex) of the operator's token, when one is configured.
    operator_token: Option<String>,
    policies: policy_cache::PolicyCache,
    credentials: caller::CredentialCache,
    /// The client portal's two contact roles, compiled.
    portal: tessera_contacts::portal::PortalPolicy,
    /// SHA-256 (hex) of the secret inbound-mail services present, when one is configured.
    inbound_secret: Option<String>,
    /// The automations' webhook client.
    webhooks: webhook::WebhookClient,
}

/// Settings with defaults; see [`TesseraBuilder`].
#[derive(Debug, Clone)]
struct Settings {
    public_url: String,
    mail_from: String,
    session_lifetime: chrono::Duration,
    /// The domain of reply addresses (`reply+<key>@<domain>`); `None`: the sender's domain.
    reply_domain: Option<String>,
}

/// Builds a [`Tessera`]: `Tessera::builder(store, key, mailer)…build()`.
pub struct TesseraBuilder {
    store: Arc<dyn Store>,
    key: SecretKey,
    mailer: Box<dyn Mailer>,
    clock: Arc<dyn Clock>,
    templates: Option<Templates>,
    settings: Settings,
    operator_token: Option<String>,
    inbound_secret: Option<String>,
    webhook_timeout: std::time::Duration,
    webhooks_may_call_internal: bool,
}

impl TesseraBuilder {
    /// How automations call webhooks: each call ends after `timeout` (default 10 s); with
    /// `may_call_internal` they may call loopback and private addresses (default: refused,
    /// so an automation cannot reach services inside the server's network).
    pub fn webhooks(mut self, timeout: std::time::Duration, may_call_internal: bool) -> Self {
        self.webhook_timeout = timeout;
        self.webhooks_may_call_internal = may_call_internal;
        self
    }

    /// The domain of the reply addresses in task e-mails, `reply+<key>@<domain>` (default:
    /// the domain of [`TesseraBuilder::mail_from`]). Mail to it must reach
    /// [`Tessera::receive_reply`] (an inbound-mail service, or an MTA's pipe).
    pub fn reply_domain(mut self, domain: impl Into<String>) -> Self {
        self.settings.reply_domain = Some(domain.into());
        self
    }

    /// Accepts replies from an inbound-mail service that presents `secret`
    /// ([`Tessera::inbound`]). At least 32 characters; only its SHA-256 is kept.
    pub fn inbound_secret(mut self, secret: &str) -> Result<Self, ServiceError> {
        if secret.chars().count() < MIN_OPERATOR_TOKEN_CHARS {
            return Err(ServiceError::invalid(
                "inbound_secret",
                format!("an inbound secret has at least {MIN_OPERATOR_TOKEN_CHARS} characters"),
            ));
        }
        self.inbound_secret = Some(tessera_core::sha256_hex(secret.as_bytes()));
        Ok(self)
    }

    /// Reads time from `clock` (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Renders e-mail with `templates` (default: the embedded ones).
    pub fn templates(mut self, templates: Templates) -> Self {
        self.templates = Some(templates);
        self
    }

    /// Where people reach the server: links in e-mails point here (default
    /// `http://127.0.0.1:8080`).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.settings.public_url = url.into();
        self
    }

    /// The sender of outgoing e-mail, an address or `Name <address>` (default
    /// `Tessera <tessera@localhost>`).
    pub fn mail_from(mut self, from: impl Into<String>) -> Self {
        self.settings.mail_from = from.into();
        self
    }

    /// How long a sign-in session lasts (default 7 days).
    pub fn session_lifetime(mut self, lifetime: chrono::Duration) -> Self {
        self.settings.session_lifetime = lifetime;
        self
    }

    /// Lets whoever presents `token` act as the operator: create and list accounts
    /// ([`Tessera::operator`]). At least 32 characters; only its SHA-256 is kept.
    pub fn operator_token(mut self, token: &str) -> Result<Self, ServiceError> {
        if token.chars().count() < MIN_OPERATOR_TOKEN_CHARS {
            return Err(ServiceError::invalid(
                "operator_token",
                format!("an operator token has at least {MIN_OPERATOR_TOKEN_CHARS} characters"),
            ));
        }
        self.operator_token = Some(tessera_core::sha256_hex(token.as_bytes()));
        Ok(self)
    }

    /// The handle.
    pub fn build(self) -> Result<Tessera, ServiceError> {
        let templates = match self.templates {
            Some(templates) => templates,
            None => Templates::embedded()?,
        };
        Ok(Tessera(Arc::new(Inner {
            store: self.store,
            key: self.key,
            clock: self.clock,
            mailer: self.mailer,
            templates,
            settings: self.settings,
            operator_token: self.operator_token,
            policies: policy_cache::PolicyCache::default(),
            credentials: caller::CredentialCache::default(),
            portal: tessera_contacts::portal::PortalPolicy::new()?,
            inbound_secret: self.inbound_secret,
            webhooks: webhook::WebhookClient::new(
                self.webhook_timeout,
                self.webhooks_may_call_internal,
            ),
        })))
    }
}

/// Shortest operator token, in characters.
pub const MIN_OPERATOR_TOKEN_CHARS: usize = 32;

/// Proof that an inbound-mail service presented the inbound secret: the one who hands in
/// replies. Only [`Tessera::inbound`] makes one.
#[derive(Debug)]
pub struct InboundSender(());

/// Proof that the caller presented the operator token: the one who creates and lists
/// accounts. Only [`Tessera::operator`] makes one.
#[derive(Debug)]
pub struct Operator(());

/// Whether `presented` is the configured token whose SHA-256 is `expected` (compared in
/// constant time); never when none is configured.
fn presents(expected: Option<&str>, presented: &str) -> bool {
    let presented = tessera_core::sha256_hex(presented.as_bytes());
    expected.is_some_and(|expected| {
        tessera_core::constant_time_eq(expected.as_bytes(), presented.as_bytes())
    })
}

/// Who did something, for the audit trail.
pub(crate) struct Actor {
    account: AccountId,
    user: Option<UserId>,
    client_addr: Option<String>,
}

impl Actor {
    /// The caller, acting in their account.
    pub(crate) fn caller(caller: &AnyCaller) -> Actor {
        Actor {
            account: caller.account,
            user: Some(caller.user),
            client_addr: caller.client_addr.clone(),
        }
    }

    /// An outsider or the system, acting in `account` (no user).
    pub(crate) fn anonymous(account: AccountId, client_addr: Option<String>) -> Actor {
        Actor {
            account,
            user: None,
            client_addr,
        }
    }
}

impl Tessera {
    /// Starts building a handle over `store`, signing with `key`, sending e-mail through
    /// `mailer`.
    pub fn builder(
        store: impl Store,
        key: SecretKey,
        mailer: impl Mailer + 'static,
    ) -> TesseraBuilder {
        TesseraBuilder {
            store: Arc::new(store),
            key,
            mailer: Box::new(mailer),
            clock: Arc::new(SystemClock),
            templates: None,
            settings: Settings {
                public_url: "http://127.0.0.1:8080".to_owned(),
                mail_from: "Tessera <tessera@localhost>".to_owned(),
                session_lifetime: chrono::Duration::days(7),
                reply_domain: None,
            },
            operator_token: None,
            inbound_secret: None,
            webhook_timeout: webhook::DEFAULT_WEBHOOK_TIMEOUT,
            webhooks_may_call_internal: false,
        }
    }

    /// The operator, if `token` is the configured operator token (compared in constant
    /// time); [`ServiceError::Unauthenticated`] otherwise, or when none is configured.
    pub fn operator(&self, token: &str) -> Result<Operator, ServiceError> {
        if presents(self.0.operator_token.as_deref(), token) {
            Ok(Operator(()))
        } else {
            Err(ServiceError::Unauthenticated)
        }
    }

    /// The inbound-mail service, if `secret` is the configured inbound secret (compared in
    /// constant time); [`ServiceError::Unauthenticated`] otherwise, or when none is configured.
    pub fn inbound(&self, secret: &str) -> Result<InboundSender, ServiceError> {
        if presents(self.0.inbound_secret.as_deref(), secret) {
            Ok(InboundSender(()))
        } else {
            Err(ServiceError::Unauthenticated)
        }
    }

    /// The local trust of a process that reads replies itself (an MTA's pipe into
    /// `tessera-server inbound`): whoever can run it can already read the database.
    pub fn local_inbound(&self) -> InboundSender {
        InboundSender(())
    }

    /// The domain of reply addresses.
    pub(crate) fn reply_domain(&self) -> String {
        match &self.0.settings.reply_domain {
            Some(domain) => domain.clone(),
            None => {
                let from = &self.0.settings.mail_from;
                let address = from
                    .rsplit_once('<')
                    .map(|(_, rest)| rest.trim_end_matches('>'))
                    .unwrap_or(from);
                address
                    .rsplit_once('@')
                    .map(|(_, domain)| domain.trim().to_owned())
                    .unwrap_or_else(|| "localhost".to_owned())
            }
        }
    }

    /// The server key (HMACs of codes and links).
    pub fn key(&self) -> &SecretKey {
        &self.0.key
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// How long a sign-in session lasts.
    pub fn session_lifetime(&self) -> chrono::Duration {
        self.0.settings.session_lifetime
    }

    /// Checks that the database answers.
    pub fn ready(&self) -> Result<(), ServiceError> {
        Ok(self.0.store.ping()?)
    }

    /// The time now, to the microsecond (what both databases keep, so answers match later
    /// reads).
    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now().trunc_subsecs(6)
    }

    /// Runs `work` on one connection outside a transaction.
    pub(crate) fn read<T>(
        &self,
        work: impl FnOnce(&mut dyn Tx) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        run(|w| self.0.store.read(w), work)
    }

    /// Runs `work` in one writing transaction.
    pub(crate) fn write<T>(
        &self,
        work: impl FnOnce(&mut dyn Tx) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        run(|w| self.0.store.write(w), work)
    }

    /// Runs one policy change in one transaction: bumps the account's version first (which
    /// serializes the account's policy writers), loads the policy as committed, lets `change`
    /// decide on it (the engine validates) and write its rows, and records the audit event.
    /// Returns what `change` returned and the new version, which this process answers from
    /// at once (read-your-writes).
    pub(crate) fn change_policy<T>(
        &self,
        caller: &Caller,
        action: AuditAction,
        target: impl ToString,
        change: impl FnOnce(&mut dyn Tx, &mut tessera_access::Policy) -> Result<T, ServiceError>,
    ) -> Result<(T, tessera_access::PolicyVersion), ServiceError> {
        let account = caller.account;
        let result = self.write(|tx| {
            let version = tx.bump_policy_version(account)?;
            let mut policy = tx.load_policy(account)?;
            let out = change(tx, &mut policy)?;
            self.record_event(
                tx,
                &Actor::caller(caller),
                action,
                target,
                serde_json::json!({ "policy_version": version.0 }),
            )?;
            Ok((out, version))
        })?;
        self.0.policies.note_write(account, result.1);
        Ok(result)
    }

    /// Appends an audit event in the transaction of the change it records.
    pub(crate) fn record_event(
        &self,
        tx: &mut dyn Tx,
        actor: &Actor,
        action: AuditAction,
        target: impl ToString,
        detail: serde_json::Value,
    ) -> Result<(), ServiceError> {
        let event = AuditEvent {
            id: random_uuid(),
            account: actor.account,
            occurred_at: self.now(),
            actor: actor.user,
            action,
            target: Some(target.to_string()),
            detail: detail.to_string(),
            client_addr: actor.client_addr.clone(),
        };
        Ok(tx.append_audit(&event)?)
    }
}

/// Runs a `FnOnce` through the store's `FnMut` interface and hands back its result.
fn run<T>(
    through: impl FnOnce(&mut Work<'_>) -> Result<(), ServiceError>,
    work: impl FnOnce(&mut dyn Tx) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let mut work = Some(work);
    let mut out = None;
    through(&mut |tx| {
        let work = work
            .take()
            .ok_or_else(|| ServiceError::Internal("a store ran a unit of work twice".into()))?;
        out = Some(work(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| ServiceError::Internal("a store did not run a unit of work".into()))
}

/// Normalizes an e-mail address ([`tessera_core::normalize_email`]), or an invalid-input
/// error naming `field`.
pub(crate) fn normalize_email(field: &str, email: &str) -> Result<String, ServiceError> {
    tessera_core::normalize_email(email).ok_or_else(|| {
        ServiceError::invalid(
            field,
            format!("`{}` is not an e-mail address", email.trim()),
        )
    })
}
