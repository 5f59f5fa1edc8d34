//! Phones registered through other nodes: on a store that several nodes
//! share (PostgreSQL), every second the bindings that have not lapsed are
//! read from it and handed to the registrar, which rings them beside its
//! own. A phone registered through node A is so rung by node B, along the
//! Path it registered with (through the proxy that saw its REGISTER).
//!
//! Why a snapshot every second rather than a query per call: ringing a
//! phone never waits on the database (a slow or lost store delays no
//! call, and the last snapshot stays in use), and the store's load is one
//! indexed read per node per second whatever the call rate. The cost is
//! that a phone registered through another node is rung from at most a
//! second later; this node's own registrations are rung at once. On
//! SQLite (one node) nothing runs: the registrar's own bindings are all.
//!
//! Owns: the refresh task and its connection to the store.
//!
//! Does not own: the bindings (`sip::registrar`), writing them (the call
//! log's writer), or choosing which phones ring (`shared.rs`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sip::registrar::Registrar;
use tokio::sync::watch;
use tracing::warn;

use crate::store::{Location, Store};

/// How often the store's bindings are read.
pub const REFRESH: Duration = Duration::from_secs(1);

/// Starts the refresh task when the store is shared and phones register.
pub fn spawn(
    at: &Location,
    registrar: Option<&Arc<Mutex<Registrar>>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let (Location::Postgres(_), Some(registrar)) = (at, registrar) else {
        return;
    };
    let (at, registrar) = (at.clone(), registrar.clone());
    tokio::spawn(async move {
        let mut store: Option<Store> = None;
        let mut failing = false;
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            let (at, held) = (at.clone(), store.take());
            let read = tokio::task::spawn_blocking(move || {
                let opened = match held {
                    Some(s) => s,
                    None => Store::open_at(&at)?,
                };
                let live = opened.live_bindings(crate::time::now_secs());
                // A connection that failed is opened anew next time.
                let keep = live.is_ok().then_some(opened);
                live.map(|l| (l, keep))
            })
            .await;
            match read {
                Ok(Ok((live, kept))) => {
                    store = kept;
                    failing = false;
                    registrar
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .set_stored(live);
                }
                Ok(Err(e)) => {
                    if !failing {
                        warn!(error = %e, "cannot read the phones registered through other nodes; ringing the last ones read");
                    }
                    failing = true;
                }
                Err(e) => warn!(error = %e, "the registrations' refresh task failed"),
            }
        }
    });
}
