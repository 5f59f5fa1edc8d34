//! The call's deadlines as one typed table: one slot per kind of timer,
//! the earliest is the call's next timeout.
//!
//! Owns: [`Timer`] and the [`TimerTable`] of `Option<Instant>` slots. Does
//! not own: what a timer means when it fires (the machine, `mod.rs`) or
//! the sub-machines' own deadlines, which their slots mirror.

use std::time::Instant;

/// One kind of deadline of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// The screening machine's next deadline (answer delay, prompt guard,
    /// digit timer, name guard); counts only before a bridge and before we
    /// hang up.
    Screening,
    /// The bridge machine's next deadline (ring timeout, message, each
    /// leg's teardown); once bridging it bounds every leg.
    Bridge,
    /// The tagger's next deadline (a run of the resident's keys ends).
    Tagging,
    /// Outside a bridge: how long the caller has to answer our BYE.
    ByeWait,
}

impl Timer {
    /// Every timer, in slot order.
    pub const ALL: [Timer; 4] = [
        Timer::Screening,
        Timer::Bridge,
        Timer::Tagging,
        Timer::ByeWait,
    ];

    fn slot(self) -> usize {
        self as usize
    }
}

/// One optional deadline per [`Timer`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimerTable {
    slots: [Option<Instant>; Timer::ALL.len()],
}

impl TimerTable {
    pub fn set(&mut self, timer: Timer, at: Option<Instant>) {
        self.slots[timer.slot()] = at;
    }

    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.slots[timer.slot()]
    }

    pub fn stop_all(&mut self) {
        self.slots = Default::default();
    }

    /// The earliest deadline set.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.slots.iter().flatten().min().copied()
    }

    /// The timers due at or before `now`, earliest first.
    pub fn expired(&self, now: Instant) -> Vec<(Instant, Timer)> {
        let mut due: Vec<(Instant, Timer)> = Timer::ALL
            .into_iter()
            .filter_map(|t| self.get(t).filter(|&at| at <= now).map(|at| (at, t)))
            .collect();
        due.sort_by_key(|&(at, t)| (at, t.slot()));
        due
    }
}
