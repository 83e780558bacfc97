//! What every handler shares: the service handle, the transport's settings and counters.

use std::sync::Arc;

use actix_web::web;
use tessera_access::{Policy, PolicyVersion};
use tessera_core::AccountId;
use tessera_service::{ServiceError, Tessera};

use crate::ApiError;
use crate::metrics::Metrics;

/// Shared state of the services.
pub struct AppState {
    /// The use cases.
    pub tessera: Tessera,
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Request and check counters for `/metrics`.
    pub metrics: Metrics,
}

impl AppState {
    /// State over `tessera`; cookies are `Secure` when `secure_cookies`.
    pub fn new(tessera: Tessera, secure_cookies: bool) -> Self {
        AppState {
            tessera,
            secure_cookies,
            metrics: Metrics::default(),
        }
    }

    /// Runs a use case on a blocking thread (the service waits for the database).
    pub async fn run<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Tessera) -> Result<T, ServiceError> + Send + 'static,
    {
        let tessera = self.tessera.clone();
        Ok(web::block(move || use_case(&tessera)).await??)
    }

    /// The account's compiled policy, at least `at_least` fresh: from the cache on the
    /// request's own thread when it can answer, else from a blocking thread.
    pub async fn policy(
        &self,
        account: AccountId,
        at_least: Option<PolicyVersion>,
    ) -> Result<Arc<Policy>, ApiError> {
        match self.tessera.cached_policy(account, at_least) {
            Some(policy) => Ok(policy),
            None => self.run(move |t| t.policy(account, at_least)).await,
        }
    }
}
