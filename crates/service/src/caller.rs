//! Who is calling: a session or API token resolved to an account and a user, kept resolved for
//! a moment so that most requests never reach the database to authenticate.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Instant;

use chrono::{DateTime, Utc};
use tessera_access::{Level, Policy};
use tessera_core::{AccountId, BearerSecret, UserId};

use crate::{POLICY_RECHECK, ServiceError, Tessera};

/// A secret a request presented.
#[derive(Debug, Clone)]
pub enum Presented {
    /// A sign-in session's secret (a cookie, for the HTTP front door).
    Session(BearerSecret),
    /// An API token's secret (a bearer token).
    Token(BearerSecret),
}

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A sign-in session (the SHA-256, hex, of its secret).
    Session(String),
    /// An API token (the SHA-256, hex, of its secret).
    Token(String),
    /// The embedding application authenticated the user itself ([`Tessera::act_as`]).
    Embedder,
}

impl Credential {
    fn hash(&self) -> &str {
        match self {
            Credential::Session(hash) | Credential::Token(hash) => hash,
            Credential::Embedder => "",
        }
    }
}

/// An authenticated user, whatever the state of their password. Only signing out and
/// changing the password accept it; every other use case takes a [`Caller`].
#[derive(Debug, Clone)]
pub struct AnyCaller {
    /// The caller's account: every query of the call is scoped by it.
    pub account: AccountId,
    /// The caller.
    pub user: UserId,
    /// True until the initial password was replaced.
    pub must_change_password: bool,
    /// How they authenticated.
    pub credential: Credential,
    /// The client's address as the front door saw it (for the audit trail and rate limits).
    pub client_addr: Option<String>,
}

impl AnyCaller {
    /// Requires at least `level` on `feature` in `policy` (the caller's account policy).
    pub fn require(
        &self,
        policy: &Policy,
        feature: &str,
        level: Level,
    ) -> Result<(), ServiceError> {
        let id = policy.feature(feature)?;
        if policy.check(self.user, id, level).unwrap_or(false) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                feature: feature.to_owned(),
                level,
            })
        }
    }
}

/// An authenticated user who may act: their password needs no change.
#[derive(Debug, Clone)]
pub struct Caller(AnyCaller);

impl Caller {
    /// The caller, if their password needs no change
    /// ([`ServiceError::PasswordChangeRequired`] otherwise).
    pub fn active(caller: AnyCaller) -> Result<Caller, ServiceError> {
        if caller.must_change_password {
            Err(ServiceError::PasswordChangeRequired)
        } else {
            Ok(Caller(caller))
        }
    }
}

impl std::ops::Deref for Caller {
    type Target = AnyCaller;

    fn deref(&self) -> &AnyCaller {
        &self.0
    }
}

/// Most credentials kept resolved; past it the cache starts over.
const MAX_CACHED_CREDENTIALS: usize = 100_000;

/// A credential resolved recently.
struct Resolved {
    caller: AnyCaller,
    expires_at: DateTime<Utc>,
    confirmed_at: Instant,
}

/// Credentials resolved within [`POLICY_RECHECK`], by secret hash.
#[derive(Default)]
pub(crate) struct CredentialCache(RwLock<HashMap<String, Resolved>>);

impl CredentialCache {
    fn get(&self, hash: &str, now: DateTime<Utc>) -> Option<AnyCaller> {
        let cache = self
            .0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = cache.get(hash)?;
        (entry.confirmed_at.elapsed() < POLICY_RECHECK && entry.expires_at > now)
            .then(|| entry.caller.clone())
    }

    fn put(&self, caller: AnyCaller, expires_at: DateTime<Utc>) {
        let mut cache = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cache.len() >= MAX_CACHED_CREDENTIALS {
            cache.clear();
        }
        cache.insert(
            caller.credential.hash().to_owned(),
            Resolved {
                caller,
                expires_at,
                confirmed_at: Instant::now(),
            },
        );
    }

    /// Forgets every credential of `user`: refused from the next call on in this process.
    pub(crate) fn forget_user(&self, account: AccountId, user: UserId) {
        let mut cache = self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.retain(|_, entry| !(entry.caller.account == account && entry.caller.user == user));
    }
}

fn hash_of(presented: &Presented) -> Credential {
    match presented {
        Presented::Session(secret) => Credential::Session(secret.hash()),
        Presented::Token(secret) => Credential::Token(secret.hash()),
    }
}

impl Tessera {
    /// The caller behind a presented secret if it was resolved within [`POLICY_RECHECK`] —
    /// without touching the database; `None` when [`Tessera::authenticate`] must ask it.
    pub fn cached_caller(
        &self,
        presented: &Presented,
        client_addr: Option<String>,
    ) -> Option<AnyCaller> {
        let credential = hash_of(presented);
        let mut caller = self.0.credentials.get(credential.hash(), self.now())?;
        caller.client_addr = client_addr;
        Some(caller)
    }

    /// A caller for a user the embedding application authenticated itself — its own sign-in,
    /// no Tessera session or token. The user must exist in the account; Tessera's
    /// must-change-password flag (about Tessera's own passwords) does not apply.
    pub fn act_as(
        &self,
        account: AccountId,
        user: UserId,
        client_addr: Option<String>,
    ) -> Result<Caller, ServiceError> {
        let found = self
            .read(|tx| Ok(tx.user(account, user)?))?
            .ok_or(ServiceError::NotFound { what: "user" })?;
        Ok(Caller(AnyCaller {
            account,
            user: found.id,
            must_change_password: false,
            credential: Credential::Embedder,
            client_addr,
        }))
    }

    /// Resolves a presented secret to its caller ([`ServiceError::Unauthenticated`] for an
    /// unknown, expired or revoked one). Blocking: it may ask the database.
    pub fn authenticate(
        &self,
        presented: &Presented,
        client_addr: Option<String>,
    ) -> Result<AnyCaller, ServiceError> {
        if let Some(caller) = self.cached_caller(presented, client_addr.clone()) {
            return Ok(caller);
        }
        let credential = hash_of(presented);
        let now = self.now();
        let (caller, expires_at) = self.read(|tx| {
            let (account, user, expires_at) = match &credential {
                Credential::Session(hash) => {
                    let session = tx
                        .valid_session(hash, now)?
                        .ok_or(ServiceError::Unauthenticated)?;
                    (session.account, session.user, session.expires_at)
                }
                Credential::Token(hash) => {
                    let token = tx
                        .valid_token(hash, now)?
                        .ok_or(ServiceError::Unauthenticated)?;
                    (token.account, token.user, token.expires_at)
                }
                Credential::Embedder => return Err(ServiceError::Unauthenticated),
            };
            let user = tx
                .user(account, user)?
                .ok_or(ServiceError::Unauthenticated)?;
            let caller = AnyCaller {
                account,
                user: user.id,
                must_change_password: user.must_change_password,
                credential: credential.clone(),
                client_addr: None,
            };
            Ok((caller, expires_at))
        })?;
        self.0.credentials.put(caller.clone(), expires_at);
        Ok(AnyCaller {
            client_addr,
            ..caller
        })
    }
}
