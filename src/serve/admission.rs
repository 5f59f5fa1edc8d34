//! Admission by load in the live service: the shell around
//! `ivr::admission`.
//!
//! Owns: the one [`Admission`] of the process behind a lock, the ticket an
//! admitted call holds until it is over, the task that samples the event
//! loop's lag, and telling the SIP endpoint when to answer OPTIONS with
//! 503 (the counters in `metrics` follow). Does not own: the decision
//! (`ivr::admission`) or answering the INVITE (the serve loop does).

use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use ivr::admission::{Admission, AdmissionSettings, Verdict};
use tokio::sync::watch;

use crate::serve::metrics::METRICS;

/// How often the lag is sampled.
const TICK: Duration = Duration::from_millis(50);

/// Admission shared by the serve loop, the call tasks and the lag task.
pub struct Gate {
    admission: Mutex<Admission>,
    endpoint: Arc<sip::SipEndpoint>,
}

/// Held by an admitted call until it is over.
pub struct Ticket {
    gate: Arc<Gate>,
}

impl Gate {
    pub fn new(settings: AdmissionSettings, endpoint: Arc<sip::SipEndpoint>) -> Arc<Gate> {
        Arc::new(Gate {
            admission: Mutex::new(Admission::new(settings)),
            endpoint,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Admission> {
        self.admission
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A new call: its ticket, or the Retry-After (seconds) of its 503.
    pub fn offer(self: &Arc<Self>) -> Result<Ticket, u32> {
        METRICS.attempts.fetch_add(1, Relaxed);
        let now = now();
        let mut admission = self.lock();
        let verdict = admission.offer(now);
        self.tell_endpoint(&admission, now);
        drop(admission);
        match verdict {
            Verdict::Admit => {
                METRICS.in_progress.fetch_add(1, Relaxed);
                Ok(Ticket { gate: self.clone() })
            }
            Verdict::Shed {
                reason,
                retry_after_secs,
            } => {
                METRICS.shed.fetch_add(1, Relaxed);
                tracing::debug!(?reason, "shedding a new call: 503");
                Err(retry_after_secs)
            }
        }
    }

    /// The service is stopping: every new call and OPTIONS probe gets 503
    /// from now on; admitted calls go on.
    pub fn drain(&self) {
        let mut admission = self.lock();
        admission.drain();
        self.tell_endpoint(&admission, now());
    }

    fn tell_endpoint(&self, admission: &Admission, now: std::time::Instant) {
        let busy = admission
            .shedding(now)
            .then(|| admission.retry_after_secs());
        self.endpoint.set_busy(busy);
    }

    /// Samples how late a periodic tick fires until `shutdown`, feeding
    /// the lag to admission.
    pub async fn watch_lag(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut due = tokio::time::Instant::now() + TICK;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(due) => {}
                _ = shutdown.changed() => return,
            }
            let fired = tokio::time::Instant::now();
            let lag = fired.saturating_duration_since(due);
            let now = fired.into_std();
            let mut admission = self.lock();
            admission.lag(now, lag);
            self.tell_endpoint(&admission, now);
            drop(admission);
            due = fired + TICK;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        METRICS.in_progress.fetch_sub(1, Relaxed);
        let mut admission = self.gate.lock();
        admission.ended();
        self.gate.tell_endpoint(&admission, now());
    }
}

fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}
