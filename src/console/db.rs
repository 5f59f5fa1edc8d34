//! The console's connection to the call log (`calls.sqlite`, WAL mode, so
//! it reads and writes beside the service's writer thread), used from the
//! async runtime through a blocking task.
//!
//! Does not own: the schema (`crate::store`'s migrations) or the call
//! writes (the writer thread).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use super::error::ConsoleError;

/// One shared connection; each use runs on a blocking thread.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens the call log in `data_dir`, migrating it first if needed.
    pub fn open(data_dir: &Path) -> Result<Db, ConsoleError> {
        Ok(Db {
            conn: Arc::new(Mutex::new(open_conn(data_dir)?)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ConsoleError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ConsoleError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let guard = match conn.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            f(&guard)
        })
        .await
        .map_err(|e| ConsoleError::Io(std::io::Error::other(e.to_string())))?
    }
}

/// A connection to `data_dir/calls.sqlite` with the schema up to date
/// (for the command line too).
pub fn open_conn(data_dir: &Path) -> Result<Connection, ConsoleError> {
    // Creates the directory and file and migrates them.
    drop(crate::store::Store::open(data_dir)?);
    let conn = Connection::open(data_dir.join(crate::store::DB_FILE))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}
