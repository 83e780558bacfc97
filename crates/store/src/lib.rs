//! Tessera's storage: one diesel schema over SQLite (bundled, the embedded default) and
//! PostgreSQL, embedded migrations per backend, and repositories.
//!
//! Storage implements, it does not decide: repositories map rows to domain types and back,
//! every call takes the [`AccountId`](tessera_core::AccountId) first, and every multi-row
//! change runs in one transaction.

#![deny(missing_docs)]

pub mod accounts;
pub mod api_tokens;
pub mod audit;
mod db;
mod error;
pub mod housekeeping;
pub mod items;
pub mod policies;
pub mod schema;
pub mod sessions;
pub mod sharing;
pub mod testing;
pub mod users;

pub use accounts::Account;
pub use db::{
    Backend, ConnectionManager, DatabaseUrl, DbConnection, DbPool, POSTGRES_MIGRATIONS,
    PoolConnection, PooledDb, SQLITE_MIGRATIONS, begin_write, pool, revert_all_migrations,
    run_migrations,
};
pub use error::StoreError;
