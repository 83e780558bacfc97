//! HTTP integration tests of `tessera-http`: the whole app in process, over a real SQLite
//! file and, when `TESSERA_TEST_POSTGRES_URL` is set, a real PostgreSQL schema. Every test
//! runs once per backend and names the backend in its assertion messages.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

mod accounts;
mod apps;
mod audit;
mod automations;
mod catalog;
mod catalog_rights;
mod checks;
mod concurrency;
mod console;
mod console_apps;
mod contacts;
mod cross_account;
mod external;
mod features;
mod health;
mod input;
mod introspection;
mod outbox;
mod permissions;
mod projects;
mod reading;
mod roles;
mod session;
mod shares;
mod storage;
mod tokens;
mod users;
