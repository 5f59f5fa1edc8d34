//! What the cluster's parts share: this node's name, the timings, and
//! opening the store.
//!
//! Owns: those. Does not own: the SQL (`db.rs`) or the loops (`watch.rs`,
//! `mod.rs`).

use std::time::{Duration, SystemTime};

use tracing::warn;

use crate::config::ServiceConfig;
use crate::sql::Connection;
use crate::store::{Location, Store};
use crate::time::unix_millis;

/// How often a node writes its heartbeat.
pub(super) const HEARTBEAT: Duration = Duration::from_secs(1);

/// A node not seen for this long is taken for dead: its calls died with it
/// and it is not waited for.
pub(super) const DEAD_AFTER: Duration = Duration::from_secs(3);

/// How long a callback waits for each other node's answer before dialling
/// anyway (the proof then says which node did not answer).
pub(super) const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// A request older than this is stale (its node died mid-callback).
pub(super) const STALE_AFTER: Duration = Duration::from_secs(120);

/// This node's name in the store: the host name and the SIP port.
pub fn node_name(service: &ServiceConfig) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", service.listen.port())
}

/// Whether the store is shared between nodes.
pub fn shared_store(at: &Location) -> bool {
    matches!(at, Location::Postgres(_))
}

pub(super) fn open(at: &Location) -> Option<Connection> {
    match Store::open_at(at) {
        Ok(store) => Some(store.into_connection()),
        Err(e) => {
            warn!(error = %e, "cluster: cannot open the store");
            None
        }
    }
}

pub(super) fn now_ms() -> i64 {
    unix_millis(SystemTime::now())
}
