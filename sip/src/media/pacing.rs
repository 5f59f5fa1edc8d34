//! When a stream's 20 ms ticks run: on time while the stream has something
//! to play, relay, receive or send, and in arrears while it is idle.
//!
//! Owns: the tick grid and how long an idle stream may sleep. Every tick is
//! 20 ms of audio in the recording, so none is ever skipped: a stream that
//! wakes late (a stall, or an idle sleep) runs the ticks it missed, in
//! order, before anything else. An idle stream's ticks hold only silence
//! and send nothing, so running them late changes nothing a peer hears: it
//! sleeps until the tick that sends its next keepalive packet, or at most
//! [`IDLE_TICKS`] ticks, and whatever wakes it sooner (a packet, a command,
//! a relayed frame) finds the ticks before it already run. A quiet call
//! then costs its stream a wake-up every 200 ms instead of every 20 ms.
//!
//! Does not own: the clock (times are handed in), what a tick does, or
//! whether the stream is idle (the RTP session says).

use std::time::{Duration, Instant};

/// One tick: a 20 ms frame.
pub const TICK: Duration = Duration::from_millis(20);

/// The most ticks an idle stream runs late (200 ms). Bounds how late an
/// idle stream's silence reaches its sink (the recording, the recognizer).
pub const IDLE_TICKS: u32 = 10;

/// The tick grid of one stream.
#[derive(Debug, Clone)]
pub struct Pacer {
    /// When the next tick is due.
    next: Instant,
}

impl Pacer {
    /// A grid whose first tick is due at `start`.
    pub fn new(start: Instant) -> Self {
        Pacer { next: start }
    }

    /// Takes the next tick if it is due at `now`, giving the time it was
    /// due: call until it gives `None`, running one tick each time.
    pub fn take_due(&mut self, now: Instant) -> Option<Instant> {
        if self.next > now {
            return None;
        }
        let due = self.next;
        self.next += TICK;
        Some(due)
    }

    /// When the stream must wake next. A busy stream wakes for its next
    /// tick; an idle one for the tick `quiet` ticks ahead (the first that
    /// sends something even in silence: its keepalive), at most
    /// [`IDLE_TICKS`] ahead.
    pub fn wake_at(&self, idle: bool, quiet: u32) -> Instant {
        if idle {
            self.next + TICK * quiet.min(IDLE_TICKS)
        } else {
            self.next
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticks_due(p: &mut Pacer, now: Instant) -> usize {
        std::iter::from_fn(|| p.take_due(now)).count()
    }

    #[test]
    fn a_late_wake_runs_every_missed_tick_once() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0);
        assert_eq!(ticks_due(&mut p, t0), 1);
        assert_eq!(ticks_due(&mut p, t0 + TICK / 2), 0);
        // 130 ms later: the ticks at 20, 40, ... 120 ms.
        assert_eq!(ticks_due(&mut p, t0 + Duration::from_millis(130)), 6);
        assert_eq!(ticks_due(&mut p, t0 + Duration::from_millis(139)), 0);
        let at = t0 + Duration::from_millis(140);
        assert_eq!(p.take_due(at + TICK / 2), Some(at));
    }

    #[test]
    fn a_busy_stream_wakes_each_tick_an_idle_one_at_its_keepalive_or_the_cap() {
        let t0 = Instant::now();
        let mut p = Pacer::new(t0);
        assert_eq!(p.take_due(t0), Some(t0));
        assert_eq!(p.wake_at(false, 40), t0 + TICK);
        assert_eq!(p.wake_at(true, 0), t0 + TICK);
        assert_eq!(p.wake_at(true, 3), t0 + TICK * 4);
        assert_eq!(p.wake_at(true, 40), t0 + TICK * (1 + IDLE_TICKS));
    }
}
