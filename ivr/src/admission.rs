//! Admission by load: whether the service takes one more call now.
//!
//! Owns: the count of calls in flight, the event-loop lag the shell
//! measures (how late a periodic tick fires: the delay every queued piece
//! of work is seeing), and the verdict for a new call — admit, or shed with
//! how long the caller should wait before retrying. Shedding also covers
//! OPTIONS probes, so a load balancer moves traffic elsewhere. Draining (a
//! node being stopped) sheds every new call for good while the admitted
//! ones finish.
//!
//! Does not own: SIP (the shell answers 503 with Retry-After), requests
//! within a dialog (never shed), or measuring the lag (the shell samples it
//! and reports it with [`Admission::lag`]). No clock reads: every method
//! that depends on time takes `now`.

use std::time::{Duration, Instant};

/// The limits of [`Admission`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionSettings {
    /// Calls in flight at most; a new call beyond them is shed.
    pub max_calls: usize,
    /// A lag sample above this is overload.
    pub max_lag: Duration,
    /// After a lag sample above `max_lag`, new calls are shed for this long
    /// (and longer, while samples stay high).
    pub cool_down: Duration,
    /// The Retry-After given to a shed call, in seconds.
    pub retry_after_secs: u32,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        Self {
            max_calls: 500,
            max_lag: Duration::from_millis(100),
            cool_down: Duration::from_secs(2),
            retry_after_secs: 5,
        }
    }
}

/// Why a call was shed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShedReason {
    /// `max_calls` calls are up.
    Full,
    /// The event loop lagged recently.
    Lagging,
    /// The service is stopping: calls in progress finish, no new ones.
    Draining,
}

/// The verdict on a new call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Taken: it counts as in flight until [`Admission::ended`].
    Admit,
    /// Refused: answer 503 with this Retry-After (seconds).
    Shed {
        reason: ShedReason,
        retry_after_secs: u32,
    },
}

/// Calls in flight and recent lag, against the limits.
#[derive(Debug, Clone)]
pub struct Admission {
    settings: AdmissionSettings,
    in_flight: usize,
    /// Lagging until this instant (the last high sample plus the cool-down).
    lagging_until: Option<Instant>,
    /// Set by [`Admission::drain`]: no new call from then on.
    draining: bool,
}

impl Admission {
    pub fn new(settings: AdmissionSettings) -> Self {
        Self {
            settings,
            in_flight: 0,
            lagging_until: None,
            draining: false,
        }
    }

    /// Calls admitted and not yet ended.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// A new call: admitted (then counted) or shed.
    pub fn offer(&mut self, now: Instant) -> Verdict {
        match self.shed_reason(now) {
            Some(reason) => Verdict::Shed {
                reason,
                retry_after_secs: self.settings.retry_after_secs,
            },
            None => {
                self.in_flight += 1;
                Verdict::Admit
            }
        }
    }

    /// An admitted call ended.
    pub fn ended(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// The service is stopping: every new call is shed from now on (the
    /// admitted ones still end with [`Admission::ended`]).
    pub fn drain(&mut self) {
        self.draining = true;
    }

    /// Whether [`Admission::drain`] was called.
    pub fn draining(&self) -> bool {
        self.draining
    }

    /// One lag sample: how late a periodic tick fired at `now`.
    pub fn lag(&mut self, now: Instant, lag: Duration) {
        if lag > self.settings.max_lag {
            self.lagging_until = Some(now + self.settings.cool_down);
        }
    }

    /// Why a new call would be shed now, if it would.
    pub fn shed_reason(&self, now: Instant) -> Option<ShedReason> {
        if self.draining {
            Some(ShedReason::Draining)
        } else if self.in_flight >= self.settings.max_calls {
            Some(ShedReason::Full)
        } else if self.lagging_until.is_some_and(|until| now < until) {
            Some(ShedReason::Lagging)
        } else {
            None
        }
    }

    /// Whether new calls (and OPTIONS probes) are being shed now.
    pub fn shedding(&self, now: Instant) -> bool {
        self.shed_reason(now).is_some()
    }

    /// The Retry-After for a shed request, in seconds.
    pub fn retry_after_secs(&self) -> u32 {
        self.settings.retry_after_secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_calls: usize) -> AdmissionSettings {
        AdmissionSettings {
            max_calls,
            max_lag: Duration::from_millis(100),
            cool_down: Duration::from_secs(2),
            retry_after_secs: 7,
        }
    }

    #[test]
    fn admits_up_to_max_calls_then_sheds_until_one_ends() {
        let t0 = Instant::now();
        let mut a = Admission::new(settings(2));
        assert_eq!(a.offer(t0), Verdict::Admit);
        assert_eq!(a.offer(t0), Verdict::Admit);
        assert_eq!(a.in_flight(), 2);
        assert!(a.shedding(t0));
        assert_eq!(
            a.offer(t0),
            Verdict::Shed {
                reason: ShedReason::Full,
                retry_after_secs: 7
            }
        );
        // A shed call is not counted.
        assert_eq!(a.in_flight(), 2);
        a.ended();
        assert!(!a.shedding(t0));
        assert_eq!(a.offer(t0), Verdict::Admit);
    }

    #[test]
    fn draining_sheds_every_new_call_while_the_admitted_ones_end() {
        let t0 = Instant::now();
        let mut a = Admission::new(settings(10));
        assert_eq!(a.offer(t0), Verdict::Admit);
        a.drain();
        assert!(a.draining() && a.shedding(t0));
        for _ in 0..3 {
            assert_eq!(
                a.offer(t0),
                Verdict::Shed {
                    reason: ShedReason::Draining,
                    retry_after_secs: 7
                }
            );
        }
        a.ended();
        assert_eq!(a.in_flight(), 0);
        // Still draining once the last call has ended, and long after.
        assert!(a.shedding(t0 + Duration::from_secs(3600)));
    }

    #[test]
    fn a_lag_spike_sheds_for_the_cool_down_then_admits_again() {
        let t0 = Instant::now();
        let mut a = Admission::new(settings(10));
        a.lag(t0, Duration::from_millis(100));
        assert_eq!(a.offer(t0), Verdict::Admit, "at the limit is not over it");
        a.lag(t0, Duration::from_millis(250));
        let verdict = a.offer(t0 + Duration::from_millis(1999));
        assert_eq!(
            verdict,
            Verdict::Shed {
                reason: ShedReason::Lagging,
                retry_after_secs: 7
            }
        );
        assert!(!a.shedding(t0 + Duration::from_secs(2)));
        assert_eq!(a.offer(t0 + Duration::from_secs(2)), Verdict::Admit);
    }

    #[test]
    fn lag_that_stays_high_keeps_shedding() {
        let t0 = Instant::now();
        let mut a = Admission::new(settings(10));
        for s in 0..5 {
            a.lag(t0 + Duration::from_secs(s), Duration::from_millis(300));
        }
        assert!(a.shedding(t0 + Duration::from_millis(5500)));
        assert!(!a.shedding(t0 + Duration::from_secs(6)));
    }

    #[test]
    fn ending_more_calls_than_admitted_does_not_underflow() {
        let mut a = Admission::new(settings(1));
        a.ended();
        assert_eq!(a.in_flight(), 0);
        assert_eq!(a.offer(Instant::now()), Verdict::Admit);
    }

    #[test]
    fn full_is_reported_before_lagging() {
        let t0 = Instant::now();
        let mut a = Admission::new(settings(1));
        a.offer(t0);
        a.lag(t0, Duration::from_secs(1));
        assert_eq!(a.shed_reason(t0), Some(ShedReason::Full));
    }
}
