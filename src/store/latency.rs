//! How long the call log's writer takes to land its writes: a histogram of
//! batches by duration, in atomics the monitoring endpoint reads.
//!
//! Owns: the counters ([`WRITE_LATENCY`], one per process: there is one
//! writer thread) and recording into them. Does not own: exposing them
//! (`crate::serve::metrics`).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the buckets, in microseconds; one more bucket is +Inf.
pub const BUCKETS_US: [u64; 8] = [100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 1_000_000];

/// Batches of call-log writes by how long they took.
pub struct WriteLatency {
    buckets: [AtomicU64; BUCKETS_US.len() + 1],
    count: AtomicU64,
    sum_us: AtomicU64,
}

/// The writer thread's latencies.
pub static WRITE_LATENCY: WriteLatency = WriteLatency::new();

impl WriteLatency {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            buckets: [const { AtomicU64::new(0) }; BUCKETS_US.len() + 1],
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
        }
    }

    /// One batch took `took`.
    pub fn record(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = BUCKETS_US
            .iter()
            .position(|&le| us <= le)
            .unwrap_or(BUCKETS_US.len());
        self.buckets[bucket].fetch_add(1, Relaxed);
        self.count.fetch_add(1, Relaxed);
        self.sum_us.fetch_add(us, Relaxed);
    }

    /// Cumulative counts: for each bound in [`BUCKETS_US`] and then +Inf
    /// (`None`), the batches that took at most that long.
    pub fn cumulative(&self) -> Vec<(Option<u64>, u64)> {
        let mut total = 0;
        self.buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                total += b.load(Relaxed);
                (BUCKETS_US.get(i).copied(), total)
            })
            .collect()
    }

    /// Batches recorded, and their total time in microseconds.
    pub fn count_and_sum_us(&self) -> (u64, u64) {
        (self.count.load(Relaxed), self.sum_us.load(Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_fall_in_their_bucket_and_counts_are_cumulative() {
        let l = WriteLatency::new();
        l.record(Duration::from_micros(50));
        l.record(Duration::from_millis(3));
        l.record(Duration::from_secs(2));
        let c = l.cumulative();
        assert_eq!(c.len(), BUCKETS_US.len() + 1);
        assert_eq!(c[0], (Some(100), 1));
        assert_eq!(c[3], (Some(5_000), 2));
        assert_eq!(c[BUCKETS_US.len() - 1], (Some(1_000_000), 2));
        assert_eq!(c[BUCKETS_US.len()], (None, 3));
        assert_eq!(l.count_and_sum_us(), (3, 2_003_050));
    }
}
