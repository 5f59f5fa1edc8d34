//! Why a statement failed, the same type for every backend, and which
//! failures are worth trying again.
//!
//! Does not own: the callers' own errors (`StoreError`, `ConsoleError`,
//! `AlertError` wrap this one).

/// A failed statement or connection.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    /// `query_row` found no row (see [`OptionalExtension`]).
    #[error("query returned no rows")]
    NoRows,
    /// The connection is being closed.
    #[error("the connection is closed")]
    Closed,
    /// A column could not be read as the type asked for.
    #[error("column {index}: {why}")]
    Column { index: usize, why: String },
}

/// PostgreSQL's own words for an error from the server ("db error" alone
/// says nothing), or the client's for a lost connection.
fn pg_message(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{}: {} ({})", db.severity(), db.message(), db.code().code()),
        None => match std::error::Error::source(err) {
            Some(source) => format!("{err}: {source}"),
            None => err.to_string(),
        },
    }
}

impl Error {
    /// Whether the statement may succeed later unchanged: the disk was
    /// full, the file could not be written or was busy, or the server
    /// could not be reached or was out of room.
    pub fn is_transient(&self) -> bool {
        use rusqlite::ErrorCode::*;
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                DiskFull
                    | SystemIoFailure
                    | DatabaseBusy
                    | DatabaseLocked
                    | CannotOpen
                    | OutOfMemory
            ),
            Error::Postgres(err) => {
                // 53: insufficient resources (disk full, out of memory);
                // 40: serialization failure or deadlock.
                connection_lost(err)
                    || err.code().is_some_and(|code| {
                        code.code().starts_with("53") || code.code().starts_with("40")
                    })
            }
            _ => false,
        }
    }
}

/// Whether `err` is the connection failing (not the statement): it was
/// closed, the socket failed, or the server said so (08: connection
/// exception; 57P: shutting down, or this session was ended). A parameter
/// that cannot be sent, say, is none of these.
pub(super) fn connection_lost(err: &postgres::Error) -> bool {
    if err.is_closed() {
        return true;
    }
    if let Some(code) = err.code() {
        return code.code().starts_with("08") || code.code().starts_with("57P");
    }
    std::error::Error::source(err).is_some_and(|source| source.is::<std::io::Error>())
}

/// `.optional()` on a `query_row` result: no row is `Ok(None)`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>, Error>;
}

impl<T> OptionalExtension<T> for Result<T, Error> {
    fn optional(self) -> Result<Option<T>, Error> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
