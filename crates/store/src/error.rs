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
