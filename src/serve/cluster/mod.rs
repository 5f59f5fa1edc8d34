//! Several nodes on one PostgreSQL store: what one node must know of the
//! others. Each node keeps a heartbeat in the store; a line-clear callback
//! on one node asks every other live node to end the line's calls and
//! turn new ones away, and waits (with a timeout) for each one's answer
//! before the callback dials; the answers stay in the store as the proof.
//!
//! Owns: this node's name, starting the watcher (`watch.rs`) and asking
//! the other nodes to clear a line ([`clear_elsewhere`]). Does not own: the
//! SQL (`db.rs`), the callback itself (`lineclear`), or hanging up a call
//! (each call's task, asked through `lineclear::legs`). On SQLite (one
//! node) none of this runs.

mod common;
mod db;
mod watch;

use std::sync::Arc;
use std::time::Duration;

use tracing::{info, warn};

use crate::serve::shared::Shared;
use crate::store::Location;
use common::{node_name, now_ms, open, shared_store, ANSWER_WAIT, DEAD_AFTER};

pub use watch::spawn_watcher;

/// A line-clear request to the other nodes, open until [`RemoteClear::close`].
pub struct RemoteClear {
    at: Location,
    id: i64,
}

impl RemoteClear {
    /// The callback is over: the other nodes take calls for the line again.
    pub async fn close(self) {
        let RemoteClear { at, id } = self;
        tokio::task::spawn_blocking(move || {
            if let Some(conn) = open(&at) {
                if let Err(e) = db::close_clear(&conn, id, now_ms()) {
                    warn!(error = %e, id, "cluster: cannot close the line-clear request");
                }
            }
        })
        .await
        .ok();
    }
}

/// Asks every other live node to end `line`'s calls and refuse new ones.
/// Each node it waits for is a leg on the line in `shared.legs` that ends
/// when that node answers (or after [`ANSWER_WAIT`]), so the callback
/// counts it among the calls to clear before it dials. `None` on a store
/// of one node, or when the store cannot be reached (then only this node
/// is cleared, and the log says so).
pub async fn clear_elsewhere(shared: &Arc<Shared>, line: &str) -> Option<RemoteClear> {
    if !shared_store(&shared.store_at) {
        return None;
    }
    let at = shared.store_at.clone();
    let me = node_name(&shared.service);
    let (line_owned, me_owned) = (line.to_owned(), me.clone());
    let opened = tokio::task::spawn_blocking(move || {
        let conn = open(&at)?;
        let now = now_ms();
        let since = now - DEAD_AFTER.as_millis() as i64;
        let nodes = db::live_nodes(&conn, &me_owned, since)
            .map_err(|e| warn!(error = %e, "cluster: cannot list the nodes"))
            .ok()?;
        let id = db::open_clear(&conn, &line_owned, &me_owned, now)
            .map_err(|e| warn!(error = %e, "cluster: cannot ask the other nodes"))
            .ok()?;
        Some((at, id, nodes))
    })
    .await
    .ok()
    .flatten();
    let Some((at, id, nodes)) = opened else {
        warn!(%line, "cluster: the other nodes could not be asked to clear the line");
        return None;
    };
    info!(%line, id, nodes = ?nodes, "cluster: asking the other nodes to clear the line");
    for node in nodes {
        let (_leg, hang_up, guard) = shared.legs.register(line);
        let at = at.clone();
        let line = line.to_owned();
        tokio::task::spawn_blocking(move || {
            // Kept until the answer: a hang-up request changes nothing, the
            // node was asked through the store.
            let _hang_up = hang_up;
            wait_answer(&at, id, &node, &line);
            drop(guard);
        });
    }
    Some(RemoteClear { at, id })
}

/// Waits for `node`'s answer to request `id`, polling the store.
fn wait_answer(at: &Location, id: i64, node: &str, line: &str) {
    let Some(conn) = open(at) else { return };
    let deadline = std::time::Instant::now() + ANSWER_WAIT;
    while std::time::Instant::now() < deadline {
        match db::acked(&conn, id, node) {
            Ok(Some(ended)) => {
                info!(%node, %line, calls_ended = ended, "cluster: node cleared the line");
                return;
            }
            Ok(None) => {}
            Err(e) => warn!(error = %e, "cluster: cannot read the answers"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    warn!(%node, %line, "cluster: no answer from the node in time: dialling anyway");
}
