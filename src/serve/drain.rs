//! Draining on SIGTERM: a node leaving a cluster stops taking calls and
//! lets the ones in progress finish.
//!
//! Owns: the drain's deadline and the decision, at each SIGTERM, between
//! draining and stopping now. Does not own: turning calls away (admission
//! sheds them once told, `admission::Gate::drain`) or hanging up what is
//! left when the drain ends (the serve loop's stop).

use std::time::Duration;

use tokio::time::Instant;
use tracing::info;

use super::admission::Gate;

/// The drain of one serve loop: idle until the first SIGTERM.
pub(super) struct Drain {
    /// `[service] drain_secs`: zero stops at the first SIGTERM.
    limit: Duration,
    /// When the calls still in progress are hung up.
    deadline: Option<Instant>,
}

impl Drain {
    pub(super) fn new(limit: Duration) -> Drain {
        Drain {
            limit,
            deadline: None,
        }
    }

    /// A SIGTERM with `in_progress` calls up: true to stop now (no drain
    /// configured, nothing to wait for, or a second SIGTERM), otherwise
    /// the drain starts and new calls get 503.
    pub(super) fn sigterm(&mut self, gate: &Gate, in_progress: usize) -> bool {
        if self.limit.is_zero() || in_progress == 0 || self.deadline.is_some() {
            info!("SIGTERM: shutting down");
            return true;
        }
        gate.drain();
        self.deadline = Some(Instant::now() + self.limit);
        info!(
            in_progress,
            drain_secs = self.limit.as_secs(),
            "SIGTERM: draining: new calls get 503, calls in progress go on; a second SIGTERM stops now"
        );
        false
    }

    /// Whether the drain has started and every call has ended.
    pub(super) fn done(&self, in_progress: usize) -> bool {
        self.deadline.is_some() && in_progress == 0
    }

    /// Resolves when the drain's time is up (never before it starts).
    pub(super) async fn expired(&self) {
        match self.deadline {
            Some(deadline) => tokio::time::sleep_until(deadline).await,
            None => std::future::pending().await,
        }
    }
}
