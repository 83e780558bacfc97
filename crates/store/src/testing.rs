//! Throw-away databases for tests of this crate and of the crates built on it: a fresh
//! SQLite file, or a fresh schema on the PostgreSQL server named by
//! `TESSERA_TEST_POSTGRES_URL`. With `CI=true`, a missing server is a failure, not a skip.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a database that cannot be made must fail the test loudly"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{DatabaseUrl, DbConnection};
use diesel::RunQueryDsl;

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "TESSERA_TEST_POSTGRES_URL";

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A database that exists for one test and is removed when dropped.
pub struct TestDb {
    /// Where to connect.
    pub url: DatabaseUrl,
    text: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(PathBuf),
    Schema { admin_url: String, schema: String },
}

impl TestDb {
    /// A fresh SQLite file in its own temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("tessera-test-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let text = format!("sqlite://{}", dir.join("test.db").display());
        let url = DatabaseUrl::parse(&text).expect("sqlite url");
        TestDb {
            url,
            text,
            cleanup: Cleanup::Directory(dir),
        }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` when none is configured
    /// outside CI. In CI (`CI=true`) a missing server is a failure.
    pub fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{POSTGRES_URL_VAR} is not set: CI must run the PostgreSQL suite");
            }
            eprintln!("skipping the PostgreSQL half: set {POSTGRES_URL_VAR} to run it");
            return None;
        };
        let schema = format!("t_{}", unique_suffix());
        let mut admin = DatabaseUrl::parse(&admin_url)
            .expect("postgres url")
            .connect()
            .expect("connect to postgres");
        diesel::sql_query(format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .expect("create schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let text = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
        let url = DatabaseUrl::parse(&text).expect("schema url");
        Some(TestDb {
            url,
            text,
            cleanup: Cleanup::Schema { admin_url, schema },
        })
    }

    /// Both backends: SQLite always, PostgreSQL when configured.
    pub fn all() -> Vec<(&'static str, TestDb)> {
        let mut databases = vec![("sqlite", TestDb::sqlite())];
        if let Some(postgres) = TestDb::postgres() {
            databases.push(("postgres", postgres));
        }
        databases
    }

    /// A new connection.
    pub fn connect(&self) -> DbConnection {
        self.url.connect().expect("connect")
    }

    /// A new connection with every migration applied.
    pub fn migrated(&self) -> DbConnection {
        let mut connection = self.connect();
        crate::run_migrations(&mut connection).expect("migrations");
        connection
    }

    /// The database's URL as text (for a server process under test).
    pub fn url_text(&self) -> &str {
        &self.text
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { admin_url, schema } => {
                if let Ok(mut admin) = DatabaseUrl::parse(admin_url).and_then(|u| u.connect()) {
                    let _ = diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
                        .execute(&mut admin);
                }
            }
        }
    }
}
