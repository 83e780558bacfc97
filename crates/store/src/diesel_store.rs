//! [`DieselStore`]: `tessera-service`'s [`Store`] over a pool of diesel connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use tessera_service::{Connections, ServiceError, StorageError, Store, Work};

use crate::db::build_pool;
use crate::{DatabaseUrl, DbConnection, DbPool, PooledDb, StoreError, begin_write, run_migrations};

/// How long a call waits for a connection while the database is known to be unreachable: it
/// answers "unavailable" at once instead of queueing for the pool's whole timeout, and still
/// gives a database that came back the moment to take a new connection.
const UNREACHABLE_WAIT: Duration = Duration::from_millis(250);

/// The service's store over SQLite or PostgreSQL.
#[derive(Clone)]
pub struct DieselStore {
    pool: DbPool,
    unreachable: Arc<AtomicBool>,
}

impl DieselStore {
    /// Opens a pool of at most `max_connections` to `url` and runs pending migrations;
    /// returns the store and the migrations applied.
    pub fn open(
        url: &DatabaseUrl,
        max_connections: u32,
    ) -> Result<(DieselStore, Vec<String>), StoreError> {
        let unreachable = Arc::new(AtomicBool::new(false));
        let pool = build_pool(url, max_connections, unreachable.clone())?;
        let applied = {
            let mut connection = pool.get().map_err(|e| StoreError::Pool(e.to_string()))?;
            run_migrations(&mut connection)?
        };
        Ok((DieselStore { pool, unreachable }, applied))
    }

    /// The pool (for tests and tools that read tables directly).
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    fn connection(&self) -> Result<PooledDb, StorageError> {
        let wait = if self.unreachable.load(Ordering::Relaxed) {
            UNREACHABLE_WAIT
        } else {
            self.pool.connection_timeout()
        };
        self.pool
            .get_timeout(wait)
            .map_err(|error| StorageError::Unavailable(error.to_string()))
    }
}

/// Why a transaction ended without committing.
enum Abort {
    /// The work refused.
    Service(ServiceError),
    /// The database failed (beginning, committing, or inside the work's own statements).
    Store(StoreError),
}

impl From<diesel::result::Error> for Abort {
    fn from(error: diesel::result::Error) -> Self {
        Abort::Store(error.into())
    }
}

impl From<StoreError> for Abort {
    fn from(error: StoreError) -> Self {
        Abort::Store(error)
    }
}

impl Store for DieselStore {
    fn read(&self, work: &mut Work<'_>) -> Result<(), ServiceError> {
        let mut connection = self.connection()?;
        let connection: &mut DbConnection = &mut connection;
        work(connection)
    }

    fn write(&self, work: &mut Work<'_>) -> Result<(), ServiceError> {
        let mut connection = self.connection()?;
        let connection: &mut DbConnection = &mut connection;
        connection
            .transaction::<(), Abort, _>(|tx| {
                begin_write(tx)?;
                work(tx).map_err(Abort::Service)
            })
            .map_err(|abort| match abort {
                Abort::Service(error) => error,
                Abort::Store(error) => error.into(),
            })
    }

    fn ping(&self) -> Result<(), StorageError> {
        let mut connection = self.connection()?;
        let connection: &mut DbConnection = &mut connection;
        diesel::sql_query("SELECT 1")
            .execute(connection)
            .map_err(StoreError::from)?;
        Ok(())
    }

    fn connections(&self) -> Connections {
        let state = self.pool.state();
        Connections {
            idle: state.idle_connections,
            in_use: state.connections - state.idle_connections,
            max: self.pool.max_size(),
        }
    }
}
