//! The watcher thread of a node on a shared store: writes the heartbeat
//! and answers the other nodes' line-clear requests — the line's calls on
//! this node are hung up and new ones turned away until the request is
//! closed, then the answer (how many calls ended) goes into the store.
//!
//! Owns: that loop. Does not own: the SQL (`db.rs`) or hanging up (each
//! call's task, through `lineclear::legs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::{info, warn};

use super::common::{node_name, now_ms, open, shared_store, HEARTBEAT, STALE_AFTER};
use super::db;
use crate::serve::lineclear::legs::LineLegs;
use crate::serve::shared::Shared;
use crate::sql::Connection;

/// How often the store is asked for new requests.
const POLL: Duration = Duration::from_millis(200);

/// How long the line's calls get to end before the answer goes anyway.
const HANG_UP_WAIT: Duration = Duration::from_secs(4);

/// Starts the watcher on a shared store (nothing on SQLite); it stops
/// when `shutdown` turns true.
pub fn spawn_watcher(shared: &Arc<Shared>, shutdown: watch::Receiver<bool>) {
    if !shared_store(&shared.store_at) {
        return;
    }
    let at = shared.store_at.clone();
    let me = node_name(&shared.service);
    let legs = shared.legs.clone();
    let spawned = std::thread::Builder::new()
        .name("cluster".to_owned())
        .spawn(move || {
            let Some(conn) = open(&at) else { return };
            info!(node = %me, "cluster: this node's name in the store");
            Watcher {
                conn,
                me,
                legs,
                holding: HashMap::new(),
                last_beat: None,
            }
            .run(&shutdown);
        });
    if let Err(e) = spawned {
        warn!(error = %e, "cluster: cannot start the watcher");
    }
}

struct Watcher {
    conn: Connection,
    me: String,
    legs: Arc<LineLegs>,
    /// Requests answered and still open: request id → line kept clearing.
    holding: HashMap<i64, String>,
    last_beat: Option<Instant>,
}

impl Watcher {
    fn run(mut self, shutdown: &watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            if self.last_beat.is_none_or(|t| t.elapsed() >= HEARTBEAT) {
                if let Err(e) = db::heartbeat(&self.conn, &self.me, now_ms()) {
                    warn!(error = %e, "cluster: cannot write the heartbeat");
                }
                self.last_beat = Some(Instant::now());
            }
            self.answer_requests();
            self.release_closed();
            std::thread::sleep(POLL);
        }
        for line in self.holding.values() {
            self.legs.set_clearing(line, false);
        }
    }

    fn since(&self, age: Duration) -> i64 {
        now_ms() - age.as_millis() as i64
    }

    fn answer_requests(&mut self) {
        let requests = match db::requests_for(&self.conn, &self.me, self.since(STALE_AFTER)) {
            Ok(r) => r,
            Err(e) => {
                warn!(error = %e, "cluster: cannot read the line-clear requests");
                return;
            }
        };
        for request in requests {
            // First turn new calls away, then end the ones up: a call that
            // slipped in meanwhile is among them.
            self.legs.set_clearing(&request.line, true);
            self.holding.insert(request.id, request.line.clone());
            let up = self.legs.legs_of(&request.line);
            for leg in &up {
                self.legs.hang_up(*leg);
            }
            let deadline = Instant::now() + HANG_UP_WAIT;
            while !self.legs.legs_of(&request.line).is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let left = self.legs.legs_of(&request.line).len();
            let ended = up.len().saturating_sub(left) as i64;
            info!(line = %request.line, by = %request.node, ended, left, "cluster: line cleared for another node's callback");
            if let Err(e) = db::ack(&self.conn, request.id, &self.me, ended, now_ms()) {
                warn!(error = %e, "cluster: cannot answer a line-clear request");
            }
        }
    }

    /// Takes calls again on the lines whose requests have closed (or gone
    /// stale, or dead with their node).
    fn release_closed(&mut self) {
        let since = self.since(STALE_AFTER);
        let conn = &self.conn;
        let legs = &self.legs;
        self.holding.retain(|id, line| {
            let open = db::still_open(conn, *id, since).unwrap_or(true);
            if !open {
                legs.set_clearing(line, false);
            }
            open
        });
    }
}
