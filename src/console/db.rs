//! The console's connections to the store (SQLite's `calls.sqlite` in WAL
//! mode, or PostgreSQL, so they read and write beside the service's
//! writer thread and each other), used from the async runtime through
//! blocking tasks.
//!
//! Does not own: the schema (`crate::store`'s migrations) or the call
//! writes (the writer thread).

use std::sync::{Arc, Mutex};

use super::error::ConsoleError;
use crate::sql::Connection;
use crate::store::Location;

/// Connections kept open: requests run side by side up to this many.
const CONNECTIONS: usize = 4;

/// A few shared connections; each use runs on a blocking thread with the
/// first free one (or waits for one, taking turns).
#[derive(Clone)]
pub struct Db {
    conns: Arc<Vec<Mutex<Connection>>>,
    next: Arc<std::sync::atomic::AtomicUsize>,
}

impl Db {
    /// Opens the store at `at`, migrating it first if needed.
    pub fn open(at: &Location) -> Result<Db, ConsoleError> {
        let conns = (0..CONNECTIONS)
            .map(|_| open_conn(at).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Db {
            conns: Arc::new(conns),
            next: Arc::default(),
        })
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ConsoleError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ConsoleError> + Send + 'static,
    {
        let conns = self.conns.clone();
        let turn = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let free = conns.iter().find_map(|c| c.try_lock().ok());
            let guard = match free {
                Some(guard) => guard,
                None => {
                    let conn = &conns[turn % conns.len()];
                    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
                }
            };
            f(&guard)
        })
        .await
        .map_err(|e| ConsoleError::Io(std::io::Error::other(e.to_string())))?
    }
}

/// A connection to the store at `at` with the schema up to date (for
/// the command line too). SQLite: WAL, `synchronous = FULL`, a busy file
/// waited for up to 5 s.
pub fn open_conn(at: &Location) -> Result<Connection, ConsoleError> {
    Ok(crate::store::Store::open_at(at)?.into_connection())
}
