//! Which calls are up on each line, so a line-clear callback can end them
//! all and know when each has gone.
//!
//! Owns: registering a call's leg when its task starts (dropping the guard
//! unregisters it and tells every watcher), asking a leg to hang up, and
//! whether a line is being cleared (new calls are then turned away). Does
//! not own: hanging up (each call's task does it when asked) or deciding
//! when to clear (`ivr::lineclear`, driven by `runner.rs`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use ivr::lineclear::LegId;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

struct Leg {
    line: String,
    hang_up: UnboundedSender<()>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    legs: HashMap<u64, Leg>,
    watchers: Vec<UnboundedSender<LegId>>,
    clearing: HashSet<String>,
}

/// The legs up on every line.
#[derive(Default)]
pub struct LineLegs {
    inner: Mutex<Inner>,
}

/// A registered leg; dropping it unregisters the leg and tells watchers it
/// has ended.
pub struct LegGuard {
    legs: Arc<LineLegs>,
    id: u64,
}

impl LineLegs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a call on `line`: its id, where hang-up requests arrive,
    /// and the guard that unregisters it.
    pub fn register(self: &Arc<Self>, line: &str) -> (LegId, UnboundedReceiver<()>, LegGuard) {
        let (hang_up, rx) = unbounded_channel();
        let mut inner = self.lock();
        inner.next += 1;
        let id = inner.next;
        inner.legs.insert(
            id,
            Leg {
                line: line.to_string(),
                hang_up,
            },
        );
        drop(inner);
        (
            LegId(id),
            rx,
            LegGuard {
                legs: self.clone(),
                id,
            },
        )
    }

    /// The legs up on `line` now.
    pub fn legs_of(&self, line: &str) -> Vec<LegId> {
        let mut ids: Vec<LegId> = self
            .lock()
            .legs
            .iter()
            .filter(|(_, l)| l.line == line)
            .map(|(&id, _)| LegId(id))
            .collect();
        ids.sort_by_key(|l| l.0);
        ids
    }

    /// Asks a leg's call to hang up; false when it is already gone.
    pub fn hang_up(&self, leg: LegId) -> bool {
        self.lock()
            .legs
            .get(&leg.0)
            .is_some_and(|l| l.hang_up.send(()).is_ok())
    }

    /// Every leg that ends from now on.
    pub fn watch(&self) -> UnboundedReceiver<LegId> {
        let (tx, rx) = unbounded_channel();
        self.lock().watchers.push(tx);
        rx
    }

    /// Marks `line` as being cleared (or no longer).
    pub fn set_clearing(&self, line: &str, on: bool) {
        let mut inner = self.lock();
        if on {
            inner.clearing.insert(line.to_string());
        } else {
            inner.clearing.remove(line);
        }
    }

    /// Whether `line` is being cleared: new calls are turned away.
    pub fn is_clearing(&self, line: &str) -> bool {
        self.lock().clearing.contains(line)
    }
}

impl Drop for LegGuard {
    fn drop(&mut self) {
        let mut inner = self.legs.lock();
        inner.legs.remove(&self.id);
        let id = LegId(self.id);
        inner.watchers.retain(|w| w.send(id).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legs_are_listed_asked_to_hang_up_and_watched() {
        let legs = Arc::new(LineLegs::default());
        let (a, mut a_rx, a_guard) = legs.register("flat1");
        let (_b, _b_rx, _b_guard) = legs.register("flat2");
        assert_eq!(legs.legs_of("flat1"), vec![a]);
        let mut ended = legs.watch();
        assert!(legs.hang_up(a));
        assert!(a_rx.try_recv().is_ok());
        drop(a_guard);
        assert_eq!(ended.try_recv().ok(), Some(a));
        assert!(legs.legs_of("flat1").is_empty());
        assert!(!legs.hang_up(a));
        legs.set_clearing("flat1", true);
        assert!(legs.is_clearing("flat1") && !legs.is_clearing("flat2"));
    }
}
