//! What every handler shares: the pool, the server key, the clock and the policy cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::web;
use rand::Rng;
use tessera_access::{Policy, PolicyVersion};
use tessera_core::{AccountId, BearerSecret, Clock, SecretKey};
use tessera_store::{DbPool, PooledDb, accounts, policies};

use crate::ApiError;

/// How long a cached policy is trusted before its version is compared with the database
/// again: changes made by another server process show up within this time.
pub const POLICY_RECHECK: Duration = Duration::from_millis(250);
/// How long a check with `at_least_version` waits for that version before answering 409.
pub const VERSION_WAIT: Duration = Duration::from_secs(2);

/// Shared state of the services.
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// The server key (HMACs of codes and links).
    pub key: SecretKey,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// How long a sign-in session lasts.
    pub session_lifetime: chrono::Duration,
    /// Where people reach the server (links in e-mails point here).
    pub public_url: String,
    /// Request and check counters for `/metrics`.
    pub metrics: crate::metrics::Metrics,
    policies: RwLock<HashMap<AccountId, CachedPolicy>>,
    credentials: RwLock<HashMap<String, CachedCredential>>,
    /// The newest policy version this process wrote, per account.
    floors: RwLock<HashMap<AccountId, PolicyVersion>>,
}

/// A credential resolved recently: used for [`POLICY_RECHECK`] without asking the database.
struct CachedCredential {
    caller: crate::AnyCaller,
    expires_at: chrono::DateTime<chrono::Utc>,
    confirmed_at: Instant,
}

/// Most credentials kept resolved; past it the cache starts over.
const MAX_CACHED_CREDENTIALS: usize = 100_000;

struct CachedPolicy {
    policy: Arc<Policy>,
    confirmed_at: Instant,
    /// Set while a background refresh of this entry runs.
    refreshing: Arc<AtomicBool>,
}

impl AppState {
    /// State over `pool` with `key`.
    pub fn new(pool: DbPool, key: SecretKey, clock: Arc<dyn Clock>, secure_cookies: bool) -> Self {
        AppState {
            pool,
            key,
            clock,
            secure_cookies,
            session_lifetime: chrono::Duration::days(7),
            metrics: crate::metrics::Metrics::default(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            policies: RwLock::new(HashMap::new()),
            credentials: RwLock::new(HashMap::new()),
            floors: RwLock::new(HashMap::new()),
        }
    }

    /// Sets where people reach the server (links in e-mails).
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = url.into();
        self
    }

    /// A pooled connection (call from blocking code).
    pub fn db(&self) -> Result<PooledDb, ApiError> {
        self.pool
            .get()
            .map_err(|e| ApiError::Store(tessera_store::StoreError::Pool(e.to_string())))
    }

    /// A fresh 256-bit bearer secret from the thread's cryptographic RNG.
    pub fn new_secret(&self) -> BearerSecret {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        BearerSecret::from_bytes(bytes)
    }

    fn cached(&self, account: AccountId) -> Option<(Arc<Policy>, Instant, Arc<AtomicBool>)> {
        let cache = self
            .policies
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .get(&account)
            .map(|c| (c.policy.clone(), c.confirmed_at, c.refreshing.clone()))
    }

    fn store(&self, account: AccountId, policy: Arc<Policy>) {
        let mut cache = self
            .policies
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let keep = cache
            .get(&account)
            .is_some_and(|c| c.policy.version() > policy.version());
        if !keep {
            cache.insert(
                account,
                CachedPolicy {
                    policy,
                    confirmed_at: Instant::now(),
                    refreshing: Arc::new(AtomicBool::new(false)),
                },
            );
        }
    }

    /// The caller behind a session or token hash, if it was resolved within
    /// [`POLICY_RECHECK`] and has not expired.
    pub(crate) fn cached_caller(&self, hash: &str) -> Option<crate::AnyCaller> {
        let cache = self
            .credentials
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = cache.get(hash)?;
        (entry.confirmed_at.elapsed() < POLICY_RECHECK && entry.expires_at > self.clock.now())
            .then(|| entry.caller.clone())
    }

    /// Remembers a resolved credential.
    pub(crate) fn remember_caller(
        &self,
        hash: String,
        caller: crate::AnyCaller,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) {
        let mut cache = self
            .credentials
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.len() >= MAX_CACHED_CREDENTIALS {
            cache.clear();
        }
        cache.insert(
            hash,
            CachedCredential {
                caller,
                expires_at,
                confirmed_at: Instant::now(),
            },
        );
    }

    /// Forgets every resolved credential of `user` (signed out, password changed, deleted,
    /// token revoked): this process refuses them from the next request on.
    pub(crate) fn forget_user(&self, account: AccountId, user: tessera_core::UserId) {
        let mut cache = self
            .credentials
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.retain(|_, entry| !(entry.caller.account == account && entry.caller.user == user));
    }

    /// Records that this process wrote `version` of the account's policy: from now on it
    /// answers from that version or newer (read-your-writes), even if a read that started
    /// before the write stores an older policy in the cache afterwards.
    pub fn note_write(&self, account: AccountId, version: PolicyVersion) {
        let mut floors = self
            .floors
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let floor = floors.entry(account).or_default();
        *floor = (*floor).max(version);
    }

    fn floor(&self, account: AccountId) -> PolicyVersion {
        let floors = self
            .floors
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        floors.get(&account).copied().unwrap_or_default()
    }

    /// The caller's account policy, after checking that it gives the caller at least `level`
    /// on `feature` (403 otherwise).
    pub async fn authorized(
        self: &Arc<Self>,
        caller: &crate::AnyCaller,
        feature: &str,
        level: tessera_access::Level,
    ) -> Result<Arc<Policy>, ApiError> {
        let policy = self.policy(caller.account, None).await?;
        caller.require(&policy, feature, level)?;
        Ok(policy)
    }

    /// The account's compiled policy, at least `at_least` fresh. From the cache when it was
    /// confirmed within [`POLICY_RECHECK`]; between one and two [`POLICY_RECHECK`]s old it is
    /// still answered from while one background task re-confirms it (no database on the
    /// request path); older, it is re-confirmed (and reloaded if the database moved on)
    /// before answering. With `at_least`, waits up to [`VERSION_WAIT`] for that version, then
    /// answers [`ApiError::StaleVersion`]. A change made elsewhere is therefore seen within
    /// two [`POLICY_RECHECK`]s plus one reload.
    pub async fn policy(
        self: &Arc<Self>,
        account: AccountId,
        at_least: Option<PolicyVersion>,
    ) -> Result<Arc<Policy>, ApiError> {
        let wanted = at_least.unwrap_or_default().max(self.floor(account));
        if let Some((policy, confirmed_at, refreshing)) = self.cached(account)
            && policy.is_at_least(wanted)
        {
            let age = confirmed_at.elapsed();
            if age < POLICY_RECHECK {
                return Ok(policy);
            }
            if age < 2 * POLICY_RECHECK {
                if !refreshing.swap(true, Ordering::AcqRel) {
                    let state = self.clone();
                    actix_web::rt::spawn(async move {
                        if let Err(error) = state.refresh(account).await {
                            tracing::warn!(%error, "background policy refresh failed");
                        }
                        refreshing.store(false, Ordering::Release);
                    });
                }
                return Ok(policy);
            }
        }
        let deadline = Instant::now() + VERSION_WAIT;
        loop {
            let policy = self.refresh(account).await?;
            if policy.is_at_least(wanted) {
                return Ok(policy);
            }
            if Instant::now() >= deadline {
                return Err(ApiError::StaleVersion {
                    wanted: wanted.0,
                    current: policy.version().0,
                });
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Compares the cached version with the database and reloads when it moved.
    async fn refresh(self: &Arc<Self>, account: AccountId) -> Result<Arc<Policy>, ApiError> {
        let state = self.clone();
        let cached = self.cached(account).map(|(policy, _, _)| policy);
        let policy = web::block(move || -> Result<Arc<Policy>, ApiError> {
            let mut db = state.db()?;
            let version = accounts::policy_version(&mut db, account)?;
            match cached {
                Some(policy) if policy.version() == version => Ok(policy),
                _ => Ok(Arc::new(policies::load(&mut db, account)?)),
            }
        })
        .await??;
        self.store(account, policy.clone());
        Ok(policy)
    }
}
