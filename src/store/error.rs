//! The store's errors: diesel and pool errors given a meaning once, here.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// An optimistic-lock UPDATE matched no row: someone else changed it first.
    #[error("the row was changed by someone else (stale version)")]
    StaleVersion,
    /// A unique constraint refused the row; names what is duplicated (`uscc`, `username`, …).
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(#[source] DieselError),
    /// The pool could not hand out a connection.
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// The database could not be reached or opened; the message is the server's or SQLite's.
    #[error("{0}")]
    Connect(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The document storage (a directory or a bucket) failed.
    #[error("document storage: {0}")]
    Storage(String),
    /// A stored value cannot be read back (an unknown stage id, malformed JSON…).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                let text = format!(
                    "{} {}",
                    info.constraint_name().unwrap_or_default(),
                    info.message()
                );
                StoreError::Duplicate(unique_field(&text))
            }
            other => StoreError::Db(other),
        }
    }
}

/// Which field a unique violation is about, from the constraint name (PostgreSQL) or the
/// message (SQLite: `UNIQUE constraint failed: firms.uscc`).
fn unique_field(text: &str) -> &'static str {
    if text.contains("uscc") {
        "uscc"
    } else if text.contains("username") {
        "username"
    } else if text.contains("firm_ip") {
        "ip_number"
    } else if text.contains("stage_events") {
        "event_seq"
    } else if text.contains("firm_years") {
        "year"
    } else if text.contains("nominations") {
        "pending_nomination"
    } else if text.contains("applications") {
        "open_application"
    } else if text.contains("counties") {
        "county_code"
    } else if text.contains("sectors") {
        "sector_code"
    } else {
        "unique_key"
    }
}

impl StoreError {
    /// A stored value that cannot be read back.
    pub fn corrupt(what: impl Into<String>) -> StoreError {
        StoreError::Corrupt(what.into())
    }
}
