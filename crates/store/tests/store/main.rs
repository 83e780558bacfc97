//! The storage crate against real databases: a fresh SQLite file per test, and a fresh
//! PostgreSQL schema per test on the server named by `TESSERA_TEST_POSTGRES_URL` (started by
//! `.ci/run`). With `CI=true` a missing PostgreSQL fails the tests instead of skipping them.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod accounts;
mod items;
mod migrations;
mod policies;
mod pool;
mod sessions;
mod sharing;
