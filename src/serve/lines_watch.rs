//! Following changes of the stored lines made elsewhere: by another node
//! sharing the database, or by `linewarden lines import`. Every second
//! one cheap `SELECT` reads the store's `config_version` (bumped in the
//! transaction of every stored-lines change); when it has moved, the
//! stored lines are merged with the configuration file's lines the
//! service runs with, checked, and swapped in as a reload does: calls
//! that start after it get the new lines, calls in progress keep theirs.
//! A change this node made itself is found already running and is left
//! as it is.
//!
//! A short poll rather than PostgreSQL's LISTEN/NOTIFY: it works the
//! same on SQLite, needs no connection kept listening (a notification
//! sent while that connection is being re-made would be lost), and costs
//! one indexed read a second.
//!
//! Does not own: reading the configuration file (`reload`, on SIGHUP),
//! merging or checking lines (`crate::console::lines`), the snapshot
//! (`lineset`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::console::lines::live::LiveLines;
use crate::console::lines::{merge, stored};
use crate::serve::console_lines::ServiceLines;
use crate::sql::Connection;
use crate::store::Location;

/// How often the store's configuration version is read.
pub const POLL: Duration = Duration::from_secs(1);

/// What the watcher keeps between two polls.
#[derive(Default)]
struct Seen {
    /// Its own connection, made again after an error.
    conn: Option<Connection>,
    /// The version last applied (or found running); `None` at start, so
    /// the first poll applies a change made while the service started.
    version: Option<i64>,
}

/// Polls the store at `at` until `shutdown` turns true, applying changes
/// of the stored lines to `lines`.
pub fn spawn(lines: Arc<ServiceLines>, at: Location, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut seen = Seen::default();
        loop {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
            let (lines, at) = (lines.clone(), at.clone());
            let polled = tokio::task::spawn_blocking(move || {
                poll(&mut seen, &lines, &at);
                seen
            })
            .await;
            match polled {
                Ok(kept) => seen = kept,
                Err(e) => {
                    error!(error = %e, "the stored lines' watcher failed");
                    return;
                }
            }
        }
    });
}

/// One poll: reads the version and applies the stored lines if it moved.
fn poll(seen: &mut Seen, lines: &ServiceLines, at: &Location) {
    let conn = match seen.conn.take() {
        Some(conn) => conn,
        None => match crate::console::db::open_conn(at) {
            Ok(conn) => conn,
            Err(e) => {
                warn!(error = %e, "cannot read the stored lines' version; will try again");
                return;
            }
        },
    };
    let version = match stored::version(&conn) {
        Ok(version) => version,
        Err(e) => {
            warn!(error = %e, "cannot read the stored lines' version; will try again");
            return;
        }
    };
    if seen.version != Some(version) {
        match apply(&conn, lines) {
            Ok(()) => seen.version = Some(version),
            Err(e) => {
                // Logged once per version: the next change may mend it.
                error!(error = %e, "the stored lines changed but cannot run; the running lines are kept");
                seen.version = Some(version);
            }
        }
    }
    seen.conn = Some(conn);
}

/// Merges the stored lines with the file's and swaps them in unless they
/// already run.
fn apply(conn: &Connection, lines: &ServiceLines) -> anyhow::Result<()> {
    // No console change or reload runs meanwhile.
    let file = lines.file_lines();
    let stored = stored::list(conn)?;
    let running = lines.running();
    let config = Config {
        lines: file.clone(),
        ..running.clone()
    };
    let merged = merge::with_stored(config, &stored).map_err(|e| {
        anyhow::anyhow!("the configuration file's lines and the stored lines conflict: {e}")
    })?;
    if merged.lines == running.lines {
        return Ok(());
    }
    let count = lines.swap(merged)?;
    info!(
        lines = count,
        "the stored lines changed in the store (another node or `linewarden lines`); new calls use them, calls in progress keep theirs"
    );
    Ok(())
}
