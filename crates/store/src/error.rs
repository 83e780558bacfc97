//! The storage error.

use thiserror::Error;

/// What storage can fail with. Domain rules are not decided here: a unique or foreign key
/// violation is reported as such, and the caller maps it to its meaning.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL names no supported backend.
    #[error("unsupported database url `{url}`: use `sqlite://<file>` or `postgres://…`")]
    UnsupportedUrl {
        /// The URL given (credentials are not included).
        url: String,
    },
    /// Opening a connection failed.
    #[error("cannot connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    /// The pool could not hand out a connection.
    #[error("database pool: {0}")]
    Pool(String),
    /// Running or reverting migrations failed.
    #[error("migrations: {0}")]
    Migration(String),
    /// A unique constraint refused the write (`constraint` names it when the backend says).
    #[error("already exists{}", constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Conflict {
        /// The violated constraint or index, when known.
        constraint: Option<String>,
    },
    /// A foreign key refused the write (the row is still referenced, or refers to nothing).
    #[error("still referenced or refers to nothing{}", constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Referenced {
        /// The violated constraint, when known.
        constraint: Option<String>,
    },
    /// The row asked for does not exist in this account.
    #[error("not found")]
    NotFound,
    /// A stored value could not be read back into its domain type.
    #[error("corrupt row in `{table}`: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Any other database error.
    #[error("database: {0}")]
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => StoreError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict {
                    constraint: info.constraint_name().map(str::to_owned),
                }
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                StoreError::Referenced {
                    constraint: info.constraint_name().map(str::to_owned),
                }
            }
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    /// Whether the error means the database cannot be reached or kept (connection refused or
    /// lost, pool exhausted, the server shutting down, SQLite busy past its timeout) rather
    /// than a problem with the statement or the data.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            StoreError::Connection(_) | StoreError::Pool(_) => true,
            StoreError::Database(Error::DatabaseError(kind, info)) => {
                matches!(
                    kind,
                    DatabaseErrorKind::ClosedConnection
                        | DatabaseErrorKind::UnableToSendCommand
                        | DatabaseErrorKind::SerializationFailure
                ) || unavailable_message(info.message())
            }
            StoreError::Database(Error::BrokenTransactionManager) => true,
            _ => false,
        }
    }
}

/// Messages of errors that mean the server went away or is too busy, whatever their kind.
fn unavailable_message(message: &str) -> bool {
    const SIGNS: [&str; 8] = [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not connect",
        "connection refused",
        "the database system is shutting down",
        "the database system is starting up",
        "database is locked",
    ];
    let message = message.to_ascii_lowercase();
    SIGNS.iter().any(|sign| message.contains(sign))
}

impl From<StoreError> for tessera_service::StorageError {
    fn from(error: StoreError) -> Self {
        use tessera_service::StorageError as S;
        if error.is_unavailable() {
            return S::Unavailable(error.to_string());
        }
        match error {
            StoreError::Conflict { constraint } => S::Conflict { constraint },
            StoreError::Referenced { constraint } => S::Referenced { constraint },
            StoreError::NotFound => S::NotFound,
            StoreError::Corrupt { table, detail } => S::Corrupt { table, detail },
            other => S::Failed(other.to_string()),
        }
    }
}

impl From<StoreError> for tessera_service::ServiceError {
    fn from(error: StoreError) -> Self {
        tessera_service::ServiceError::Storage(error.into())
    }
}
