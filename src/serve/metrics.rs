//! The service's counters for monitoring: calls in progress, call attempts,
//! how calls ended, calls shed by load, how long call-log writes take, and
//! the recognizer's load (calls listened to, utterances waiting, speech
//! dropped, calls not listened to).
//!
//! Owns: the counters (atomics, one process-wide set in [`METRICS`], so the
//! call tasks, the call-log thread and the console read and bump the same
//! ones without passing them around) and their Prometheus text exposition.
//! Does not own: serving them over HTTP (`crate::console::metrics`) or
//! deciding anything from them (admission is `ivr::admission`'s).

use ivr::call::EndReason;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

/// Every end reason, in the order of [`Metrics::ended`]'s counters.
const END_REASONS: [EndReason; 11] = [
    EndReason::CallerHungUp,
    EndReason::WeHungUp,
    EndReason::Declined,
    EndReason::NotAnswered,
    EndReason::ByeUnanswered,
    EndReason::NoAck,
    EndReason::SessionExpired,
    EndReason::DialogEnded,
    EndReason::BridgeEnded,
    EndReason::LineCleared,
    EndReason::Shutdown,
];

/// The service's counters.
pub struct Metrics {
    /// Calls admitted and not yet over.
    pub in_progress: AtomicI64,
    /// New INVITEs offered to the service (admitted or not).
    pub attempts: AtomicU64,
    /// New calls turned away by load (503 with Retry-After).
    pub shed: AtomicU64,
    /// Calls over, by [`END_REASONS`].
    ended: [AtomicU64; END_REASONS.len()],
    /// Calls the recognizer listens to now.
    pub listening: AtomicI64,
    /// Utterances waiting for a decoder.
    pub utterances_waiting: AtomicI64,
    /// Utterances never decoded: the recognizer was behind, or failed.
    pub speech_dropped: AtomicU64,
    /// Calls not listened to at all: `listen_capacity` calls were already.
    pub listen_refused: AtomicU64,
}

/// The one set of counters of this process.
pub static METRICS: Metrics = Metrics::new();

/// A new call the SIP endpoint turned away at its door while shedding: an
/// attempt, and shed.
pub fn shed_at_the_door() {
    METRICS.attempts.fetch_add(1, Relaxed);
    METRICS.shed.fetch_add(1, Relaxed);
}

impl Metrics {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            in_progress: AtomicI64::new(0),
            attempts: AtomicU64::new(0),
            shed: AtomicU64::new(0),
            ended: [const { AtomicU64::new(0) }; END_REASONS.len()],
            listening: AtomicI64::new(0),
            utterances_waiting: AtomicI64::new(0),
            speech_dropped: AtomicU64::new(0),
            listen_refused: AtomicU64::new(0),
        }
    }

    /// A call is over, for `reason`.
    pub fn ended(&self, reason: EndReason) {
        if let Some(i) = END_REASONS.iter().position(|r| *r == reason) {
            self.ended[i].fetch_add(1, Relaxed);
        }
    }

    /// The counters in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        let simple = [
            (
                "linewarden_call_attempts_total",
                "New calls offered (INVITEs).",
                &self.attempts,
            ),
            (
                "linewarden_calls_shed_total",
                "New calls turned away by load with 503.",
                &self.shed,
            ),
            (
                "linewarden_speech_dropped_total",
                "Utterances never decoded: the recognizer was behind, or failed.",
                &self.speech_dropped,
            ),
            (
                "linewarden_listen_refused_total",
                "Calls not listened to: the recognizer was at listen_capacity.",
                &self.listen_refused,
            ),
        ];
        let gauges = [
            (
                "linewarden_calls_in_progress",
                "Calls admitted and not yet over.",
                &self.in_progress,
            ),
            (
                "linewarden_calls_listened",
                "Calls the speech recognizer listens to now.",
                &self.listening,
            ),
            (
                "linewarden_utterances_waiting",
                "Utterances waiting for a decoder (the recognizer's queue).",
                &self.utterances_waiting,
            ),
        ];
        for (name, help, value) in gauges {
            head(&mut out, name, "gauge", help);
            let _ = writeln!(out, "{name} {}", value.load(Relaxed));
        }
        for (name, help, value) in simple {
            head(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", value.load(Relaxed));
        }
        head(
            &mut out,
            "linewarden_calls_ended_total",
            "counter",
            "Calls over, by why they ended.",
        );
        for (reason, count) in END_REASONS.iter().zip(&self.ended) {
            let _ = writeln!(
                out,
                "linewarden_calls_ended_total{{reason=\"{}\"}} {}",
                reason.as_str(),
                count.load(Relaxed)
            );
        }
        head(
            &mut out,
            "linewarden_store_write_seconds",
            "histogram",
            "Time to write a batch of call-log changes.",
        );
        let latency = &crate::store::latency::WRITE_LATENCY;
        for (le, count) in latency.cumulative() {
            let le = le.map_or_else(|| "+Inf".to_owned(), |us| (us as f64 / 1e6).to_string());
            let _ = writeln!(
                out,
                "linewarden_store_write_seconds_bucket{{le=\"{le}\"}} {count}"
            );
        }
        let (count, sum_us) = latency.count_and_sum_us();
        let _ = writeln!(
            out,
            "linewarden_store_write_seconds_sum {}\nlinewarden_store_write_seconds_count {count}",
            sum_us as f64 / 1e6
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_shows_each_counter_and_the_write_histogram() {
        let m = Metrics::new();
        m.attempts.fetch_add(3, Relaxed);
        m.shed.fetch_add(1, Relaxed);
        m.in_progress.fetch_add(2, Relaxed);
        m.ended(EndReason::CallerHungUp);
        m.ended(EndReason::NotAnswered);
        m.listening.fetch_add(4, Relaxed);
        m.utterances_waiting.fetch_add(7, Relaxed);
        m.speech_dropped.fetch_add(5, Relaxed);
        m.listen_refused.fetch_add(6, Relaxed);
        let text = m.render();
        for line in [
            "linewarden_calls_ended_total{reason=\"not answered\"} 1\n",
            "linewarden_calls_listened 4\n",
            "linewarden_utterances_waiting 7\n",
            "linewarden_speech_dropped_total 5\n",
            "linewarden_listen_refused_total 6\n",
            "# TYPE linewarden_utterances_waiting gauge\n",
            "# TYPE linewarden_speech_dropped_total counter\n",
        ] {
            assert!(text.contains(line), "{line:?} in {text}");
        }
        assert!(
            text.contains("linewarden_call_attempts_total 3\n"),
            "{text}"
        );
        assert!(text.contains("linewarden_calls_shed_total 1\n"), "{text}");
        assert!(text.contains("linewarden_calls_in_progress 2\n"), "{text}");
        assert!(
            text.contains("linewarden_calls_ended_total{reason=\"caller hung up\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("linewarden_calls_ended_total{reason=\"no ACK\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("linewarden_store_write_seconds_bucket{le=\"0.0001\"} "),
            "{text}"
        );
        assert!(
            text.contains("linewarden_store_write_seconds_bucket{le=\"+Inf\"} "),
            "{text}"
        );
        assert!(
            text.contains("# TYPE linewarden_store_write_seconds histogram\n"),
            "{text}"
        );
    }
}
