//! Compiled policies, cached per account and keyed by the account's policy version. A check
//! is answered from the cache; a cached policy is re-confirmed against the database's version
//! every [`POLICY_RECHECK`], in the background while it is young enough, so the check path
//! does not wait for the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tessera_access::{Level, Policy, PolicyVersion};
use tessera_core::AccountId;

use crate::{AnyCaller, ServiceError, Tessera};

/// How long a cached policy is trusted before its version is compared with the database
/// again: changes made by another server process show up within two of these plus a reload.
pub const POLICY_RECHECK: Duration = Duration::from_millis(250);
/// How long a call asking for `at_least` a policy version waits for it before
/// [`ServiceError::StaleVersion`].
pub const VERSION_WAIT: Duration = Duration::from_secs(2);

struct Entry {
    policy: Arc<Policy>,
    confirmed_at: Instant,
    /// Set while a background refresh of this entry runs.
    refreshing: Arc<AtomicBool>,
}

/// The cache, and the newest version this process wrote per account.
#[derive(Default)]
pub(crate) struct PolicyCache {
    entries: RwLock<HashMap<AccountId, Entry>>,
    floors: RwLock<HashMap<AccountId, PolicyVersion>>,
}

impl PolicyCache {
    fn get(&self, account: AccountId) -> Option<(Arc<Policy>, Instant, Arc<AtomicBool>)> {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(&account)
            .map(|e| (e.policy.clone(), e.confirmed_at, e.refreshing.clone()))
    }

    /// Keeps `policy` as confirmed now, unless a newer one is cached already.
    fn put(&self, account: AccountId, policy: Arc<Policy>) {
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let keep = entries
            .get(&account)
            .is_some_and(|e| e.policy.version() > policy.version());
        if !keep {
            entries.insert(
                account,
                Entry {
                    policy,
                    confirmed_at: Instant::now(),
                    refreshing: Arc::new(AtomicBool::new(false)),
                },
            );
        }
    }

    /// Records that this process wrote `version`: from now on it answers from that version or
    /// newer (read-your-writes), even if a read that began before the write caches an older
    /// policy afterwards.
    pub(crate) fn note_write(&self, account: AccountId, version: PolicyVersion) {
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
}

impl Tessera {
    /// The account's compiled policy, at least `at_least` fresh, if the cache can answer
    /// without the database: confirmed within [`POLICY_RECHECK`], or within two while one
    /// background thread re-confirms it. `None` when [`Tessera::policy`] must ask the database.
    pub fn cached_policy(
        &self,
        account: AccountId,
        at_least: Option<PolicyVersion>,
    ) -> Option<Arc<Policy>> {
        let cache = &self.0.policies;
        let wanted = at_least.unwrap_or_default().max(cache.floor(account));
        let (policy, confirmed_at, refreshing) = cache.get(account)?;
        if !policy.is_at_least(wanted) {
            return None;
        }
        let age = confirmed_at.elapsed();
        if age < POLICY_RECHECK {
            return Some(policy);
        }
        if age >= 2 * POLICY_RECHECK {
            return None;
        }
        if !refreshing.swap(true, Ordering::AcqRel) {
            let tessera = self.clone();
            let flag = refreshing.clone();
            let spawned = std::thread::Builder::new()
                .name("tessera-policy".into())
                .spawn(move || {
                    if let Err(error) = tessera.refresh_policy(account) {
                        tracing::warn!(%error, "background policy refresh failed");
                    }
                    flag.store(false, Ordering::Release);
                });
            if spawned.is_err() {
                refreshing.store(false, Ordering::Release);
            }
        }
        Some(policy)
    }

    /// The account's compiled policy, at least `at_least` fresh: from the cache when it can
    /// answer, else re-confirmed (and reloaded if the database moved on). With `at_least`,
    /// waits up to [`VERSION_WAIT`] for that version, then answers
    /// [`ServiceError::StaleVersion`]. Blocking.
    pub fn policy(
        &self,
        account: AccountId,
        at_least: Option<PolicyVersion>,
    ) -> Result<Arc<Policy>, ServiceError> {
        if let Some(policy) = self.cached_policy(account, at_least) {
            return Ok(policy);
        }
        let wanted = at_least
            .unwrap_or_default()
            .max(self.0.policies.floor(account));
        let deadline = Instant::now() + VERSION_WAIT;
        loop {
            let policy = self.refresh_policy(account)?;
            if policy.is_at_least(wanted) {
                return Ok(policy);
            }
            if Instant::now() >= deadline {
                return Err(ServiceError::StaleVersion {
                    wanted: wanted.0,
                    current: policy.version().0,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The caller's account policy after checking that it gives the caller at least `level`
    /// on `feature` ([`ServiceError::Forbidden`] otherwise).
    pub(crate) fn authorized(
        &self,
        caller: &AnyCaller,
        feature: &str,
        level: Level,
    ) -> Result<Arc<Policy>, ServiceError> {
        let policy = self.policy(caller.account, None)?;
        caller.require(&policy, feature, level)?;
        Ok(policy)
    }

    /// Compares the cached version with the database and reloads when it moved.
    fn refresh_policy(&self, account: AccountId) -> Result<Arc<Policy>, ServiceError> {
        let cached = self.0.policies.get(account).map(|(policy, _, _)| policy);
        let policy = self.read(|tx| {
            let version = tx.policy_version(account)?;
            match cached {
                Some(policy) if policy.version() == version => Ok(policy),
                _ => Ok(Arc::new(tx.load_policy(account)?)),
            }
        })?;
        self.0.policies.put(account, policy.clone());
        Ok(policy)
    }
}
