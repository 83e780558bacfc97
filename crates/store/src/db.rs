//! One connection type over SQLite and PostgreSQL, a pool, and the embedded migrations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::result::DatabaseErrorKind;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;

/// Migrations of the SQLite backend.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// Migrations of the PostgreSQL backend (same names as SQLite's, kept in lockstep).
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs `$body` with `$c` bound to the backend's own connection type — for the statements
/// `MultiConnection` cannot express across backends (multi-row inserts). The body is written
/// once and compiled for each backend.
macro_rules! per_backend {
    ($connection:expr, |$c:ident| $body:expr) => {
        match $connection {
            $crate::DbConnection::Sqlite($c) => $body,
            $crate::DbConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use per_backend;

/// Rows per multi-row insert: 1,000 rows of up to 9 columns stay under SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
pub(crate) const INSERT_CHUNK: usize = 1_000;

/// An instant as both backends store it: UTC, to the microsecond.
pub(crate) fn micros(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    at.trunc_subsecs(6).naive_utc()
}

/// A row of `table` that cannot be read back.
pub(crate) fn corrupt(table: &'static str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: detail.into(),
    }
}

/// A UUID stored as text in `table`.
pub(crate) fn parse_uuid(
    table: &'static str,
    text: &str,
) -> Result<tessera_core::Uuid, StoreError> {
    tessera_core::Uuid::parse_str(text).map_err(|e| corrupt(table, e.to_string()))
}

/// Bytes as lowercase hex, how tags and nonces are stored.
pub(crate) use tessera_core::hex;

/// Reads `N` bytes back from hex stored in `table`.
pub(crate) fn unhex<const N: usize>(
    table: &'static str,
    text: &str,
) -> Result<[u8; N], StoreError> {
    let corrupt = || StoreError::Corrupt {
        table,
        detail: format!("hex `{text}`"),
    };
    if text.len() != 2 * N || !text.is_ascii() {
        return Err(corrupt());
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| corrupt())?;
    }
    Ok(out)
}

/// A connection to either backend. Query bodies are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for several server processes over one database.
    Postgresql(PgConnection),
    /// SQLite (bundled), the embedded default.
    Sqlite(SqliteConnection),
}

/// The database behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://<file>` (or `sqlite::memory:`).
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

/// Where to connect: the backend, chosen from the URL scheme (never by trial, which would
/// hide the real connection error), and what to hand to that backend's driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    target: String,
}

impl DatabaseUrl {
    /// Parses `sqlite://<path>`, `sqlite:<path>` or `postgres(ql)://…`.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if !path.is_empty() {
                return Ok(DatabaseUrl {
                    backend: Backend::Sqlite,
                    target: path.to_owned(),
                });
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl {
                backend: Backend::Postgres,
                target: url.to_owned(),
            });
        }
        let shown = url.split('@').next_back().unwrap_or_default();
        Err(StoreError::UnsupportedUrl {
            url: shown.to_owned(),
        })
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens one connection; SQLite connections get WAL, foreign keys and a busy timeout.
    pub fn connect(&self) -> Result<DbConnection, StoreError> {
        match self.backend {
            Backend::Postgres => Ok(DbConnection::Postgresql(PgConnection::establish(
                &self.target,
            )?)),
            Backend::Sqlite => {
                let mut connection = SqliteConnection::establish(&self.target)?;
                connection
                    // busy_timeout first: the pool opens connections in parallel, and
                    // switching to WAL needs a moment of exclusive access.
                    .batch_execute(
                        "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                         PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                    )
                    .map_err(StoreError::from)?;
                Ok(DbConnection::Sqlite(connection))
            }
        }
    }
}

/// A connection in the pool: the connection, and whether a query on it found the link to the
/// database gone (then the pool drops it instead of handing it out again). It dereferences to
/// [`DbConnection`].
pub struct PoolConnection {
    connection: DbConnection,
    lost: Arc<AtomicBool>,
}

impl std::ops::Deref for PoolConnection {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.connection
    }
}

impl std::ops::DerefMut for PoolConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.connection
    }
}

/// Watches a connection's queries for one that failed because the connection is gone; it
/// flags the connection, and the whole database as unreachable until a connection succeeds.
struct LossWatch {
    lost: Arc<AtomicBool>,
    unreachable: Arc<AtomicBool>,
}

impl Instrumentation for LossWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery {
            error: Some(error), ..
        } = event
            && matches!(
                error,
                diesel::result::Error::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                    _
                ) | diesel::result::Error::BrokenTransactionManager
            )
        {
            self.lost.store(true, Ordering::Relaxed);
            self.unreachable.store(true, Ordering::Relaxed);
        }
    }
}

/// Opens pooled connections for one [`DatabaseUrl`]. A connection is not tested when it is
/// handed out (that would be one more round trip per request); one whose query found the
/// database gone is dropped when it comes back, so after a database restart each pooled
/// connection fails at most one request. Whether the database was last found unreachable
/// is shared with the pool's owner (see [`crate::DieselStore`]).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    unreachable: Arc<AtomicBool>,
}

impl ManageConnection for ConnectionManager {
    type Connection = PoolConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PoolConnection, r2d2::Error> {
        let connected = self.url.connect();
        self.unreachable
            .store(connected.is_err(), Ordering::Relaxed);
        let mut connection = connected.map_err(|error| match error {
            StoreError::Connection(error) => r2d2::Error::ConnectionError(error),
            other => r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                other.to_string(),
            )),
        })?;
        let lost = Arc::new(AtomicBool::new(false));
        connection.set_instrumentation(LossWatch {
            lost: Arc::clone(&lost),
            unreachable: Arc::clone(&self.unreachable),
        });
        Ok(PoolConnection { connection, lost })
    }

    fn is_valid(&self, connection: &mut PoolConnection) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(&mut connection.connection)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, connection: &mut PoolConnection) -> bool {
        use diesel::connection::TransactionManager;
        connection.lost.load(Ordering::Relaxed)
            || <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(
                &mut connection.connection,
            )
    }
}

/// A pool of connections.
pub type DbPool = Pool<ConnectionManager>;
/// A connection borrowed from the pool.
pub type PooledDb = PooledConnection<ConnectionManager>;

/// Builds a pool of at most `max_size` connections (SQLite allows one writer at a time; its
/// busy timeout makes writers queue instead of failing).
pub fn pool(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, StoreError> {
    build_pool(url, max_size, Arc::new(AtomicBool::new(false)))
}

/// Builds a pool whose connections report into `unreachable`.
pub(crate) fn build_pool(
    url: &DatabaseUrl,
    max_size: u32,
    unreachable: Arc<AtomicBool>,
) -> Result<DbPool, StoreError> {
    if url.backend == Backend::Sqlite {
        // One connection first: it creates the file and switches it to WAL (a persistent
        // setting) before the pool opens its connections in parallel.
        drop(url.connect()?);
    }
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(max_size.min(2)))
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager {
            url: url.clone(),
            unreachable,
        })
        .map_err(|error| StoreError::Pool(error.to_string()))
}

/// Runs every pending migration of the connection's backend; returns the versions applied.
pub fn run_migrations(connection: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let applied = match connection {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|error| StoreError::Migration(error.to_string()))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Reverts every applied migration, newest first; returns the versions reverted.
pub fn revert_all_migrations(connection: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let reverted = match connection {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|error| StoreError::Migration(error.to_string()))?;
    Ok(reverted.iter().map(ToString::to_string).collect())
}

/// Makes the current transaction a writer from its first statement. SQLite runs `BEGIN` as a
/// reader that upgrades on its first write; two such transactions that both read first
/// cannot both upgrade, and SQLite refuses one at once (its busy timeout does not apply to
/// that deadlock). Call this first in a transaction that reads and then writes; on
/// PostgreSQL it does nothing.
pub fn begin_write(connection: &mut DbConnection) -> Result<(), StoreError> {
    if let DbConnection::Sqlite(sqlite) = connection {
        use crate::schema::accounts;
        use diesel::{ExpressionMethods, QueryDsl};
        // A statement that opens the database for writing and changes no row (no account has
        // an empty id); written with diesel's DSL so it is prepared once per connection.
        diesel::update(accounts::table.filter(accounts::id.eq("")))
            .set(accounts::name.eq(accounts::name))
            .execute(sqlite)?;
    }
    Ok(())
}
