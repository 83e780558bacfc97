//! Tessera's storage: one diesel schema over SQLite (bundled, the embedded default) and
//! PostgreSQL, embedded migrations per backend, and repositories.
//!
//! Storage implements, it does not decide: repositories map rows to domain types and back,
//! every call takes the [`AccountId`](tessera_core::AccountId) first, and every multi-row
//! change runs in one transaction. [`DieselStore`] is `tessera-service`'s
//! [`Store`](tessera_service::Store) over these repositories.

#![deny(missing_docs)]

pub mod accounts;
pub mod api_tokens;
pub mod apps;
pub mod attempts;
pub mod audit;
pub mod automations;
pub mod contacts;
mod db;
mod diesel_store;
mod error;
pub mod external_sessions;
pub mod housekeeping;
pub mod invitations;
pub mod items;
pub mod outbox;
pub mod policies;
mod port;
pub mod projects;
pub mod schema;
pub mod sessions;
pub mod shares;
pub mod testing;
pub mod users;

pub use accounts::Account;
pub use db::{
    Backend, ConnectionManager, DatabaseUrl, DbConnection, DbPool, POSTGRES_MIGRATIONS,
    PoolConnection, PooledDb, SQLITE_MIGRATIONS, begin_write, pool, revert_all_migrations,
    run_migrations,
};
pub use diesel_store::DieselStore;
pub use error::StoreError;
