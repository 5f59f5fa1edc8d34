//! Clearing the line: proving that every leg that was up on the line has
//! ended before anything new is placed on it.
//!
//! Owns: sending CANCEL (a leg not yet answered) or BYE (a confirmed leg)
//! to every leg the runtime lists, waiting for each to end, giving up on a
//! leg that does not within the teardown timeout (so a fraudster who
//! ignores BYE cannot hold the line), reporting each leg's clearance and
//! then the line's, and rejecting every new leg for as long as the machine
//! lives. Cleared legs stay known, so the runtime can answer a late
//! in-dialog request on one with 481.
//!
//! Does not own: which legs are on the line (the runtime lists them), SIP
//! transactions, media, or what happens once the line is clear
//! ([`super::Callback`]).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::types::later;
use crate::types::MAX_DURATION;

/// A leg (one SIP dialog, or an INVITE not yet answered) as the runtime
/// names it. Opaque here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegId(pub u64);

/// Where a leg on the line is when clearing starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LegState {
    /// An INVITE without a final answer yet (ringing, early media).
    Early,
    /// An established dialog.
    Confirmed,
}

/// How a leg's clearance was established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClearedHow {
    /// The leg reported its end (our CANCEL or BYE completed, it hung up,
    /// or its INVITE failed).
    Ended,
    /// It did not end within the teardown timeout and was given up on.
    TimedOut,
    /// Given up on early so an emergency call would not wait for it.
    Preempted,
}

impl ClearedHow {
    pub fn as_str(&self) -> &'static str {
        match self {
            ClearedHow::Ended => "ended",
            ClearedHow::TimedOut => "timed_out",
            ClearedHow::Preempted => "preempted",
        }
    }
}

/// The proof, for the call log, that one leg is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Clearance {
    pub leg: LegId,
    pub at: Instant,
    pub how: ClearedHow,
}

/// Something that happened on the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClearEvent {
    /// The leg ended: our CANCEL or BYE completed or failed, the far end
    /// hung up, or its INVITE got a final failure. Ignored for a leg not
    /// being cleared (unknown, already cleared, or rejected).
    LegEnded(LegId),
    /// A new leg arrived on the line (an incoming call). Always rejected.
    NewLeg(LegId),
}

/// Something the runtime must do, in the order drained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClearAction {
    /// End this unanswered leg: CANCEL our INVITE, or answer theirs with a
    /// final failure response.
    Cancel(LegId),
    /// Send BYE on this dialog.
    Bye(LegId),
    /// Stop waiting for this leg: drop its media and dialog state now, and
    /// answer any later request on its dialog with 481.
    Abandon(LegId),
    /// Refuse this new incoming leg (e.g. 486 Busy Here); the line is held.
    RejectNew(LegId),
    /// This leg is gone; emitted once per leg, in the order they go.
    Cleared(Clearance),
    /// Every listed leg is gone: nothing that was on the line is left.
    /// Emitted once, after every `Cleared`.
    LineClear { at: Instant },
}

/// One leg being cleared.
#[derive(Clone, Copy, Debug)]
struct Pending {
    leg: LegId,
    until: Instant,
}

/// Clearing one line. Create it with the legs up on the line; drop it when
/// the line no longer needs holding.
#[derive(Debug)]
pub struct LineClear {
    pending: Vec<Pending>,
    cleared: Vec<Clearance>,
    rejected: Vec<LegId>,
    clear_at: Option<Instant>,
    /// The latest time seen: time never runs backwards in here.
    last: Instant,
    actions: VecDeque<ClearAction>,
}

/// Default teardown timeout: how long a leg gets to answer our CANCEL or BYE.
pub const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(4);

impl LineClear {
    /// Starts tearing down `legs` now. A leg listed twice is torn down
    /// once. With no legs the line is clear at once. `teardown_timeout` is
    /// clamped to one hour.
    pub fn new(teardown_timeout: Duration, legs: &[(LegId, LegState)], now: Instant) -> Self {
        let until = later(now, teardown_timeout.min(MAX_DURATION));
        let mut clear = Self {
            pending: Vec::with_capacity(legs.len()),
            cleared: Vec::new(),
            rejected: Vec::new(),
            clear_at: None,
            last: now,
            actions: VecDeque::new(),
        };
        for &(leg, state) in legs {
            if clear.pending.iter().any(|p| p.leg == leg) {
                continue;
            }
            clear.pending.push(Pending { leg, until });
            clear.actions.push_back(match state {
                LegState::Early => ClearAction::Cancel(leg),
                LegState::Confirmed => ClearAction::Bye(leg),
            });
        }
        clear.check_clear(now);
        clear
    }

    /// Handles `event` after firing every deadline due by `now`, so the
    /// records stay in time order even if the runtime fires timers late.
    pub fn handle_event(&mut self, now: Instant, event: ClearEvent) {
        self.handle_timeout(now);
        let now = now.max(self.last);
        match event {
            ClearEvent::LegEnded(leg) => {
                if let Some(i) = self.pending.iter().position(|p| p.leg == leg) {
                    self.pending.remove(i);
                    self.clear(leg, now, ClearedHow::Ended);
                    self.check_clear(now);
                }
            }
            ClearEvent::NewLeg(leg) => {
                let known = self.pending.iter().any(|p| p.leg == leg)
                    || self.is_cleared(leg)
                    || self.rejected.contains(&leg);
                if !known {
                    self.rejected.push(leg);
                    self.actions.push_back(ClearAction::RejectNew(leg));
                }
            }
        }
    }

    /// Gives up on every leg whose teardown timeout is at or before `now`,
    /// each at its own deadline.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(at) = self.poll_timeout().filter(|&at| at <= now) {
            let at = at.max(self.last);
            self.give_up(at, |p| p.until <= at, ClearedHow::TimedOut);
        }
        self.last = self.last.max(now);
    }

    /// Gives up on every leg still pending, now: an emergency call must
    /// not wait for them. Their CANCEL or BYE may still complete in the SIP
    /// stack; a later `LegEnded` is ignored.
    pub fn preempt(&mut self, now: Instant) {
        self.handle_timeout(now);
        let now = now.max(self.last);
        self.give_up(now, |_| true, ClearedHow::Preempted);
    }

    /// The next leg's teardown deadline; `None` once the line is clear.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.until).min()
    }

    pub fn poll_action(&mut self) -> Option<ClearAction> {
        self.actions.pop_front()
    }

    /// When the line was declared clear.
    pub fn clear_at(&self) -> Option<Instant> {
        self.clear_at
    }

    pub fn is_clear(&self) -> bool {
        self.clear_at.is_some()
    }

    /// The leg was on the line and is gone: a request on its dialog gets
    /// 481.
    pub fn is_cleared(&self, leg: LegId) -> bool {
        self.cleared.iter().any(|c| c.leg == leg)
    }

    /// Every clearance so far, in order.
    pub fn cleared(&self) -> &[Clearance] {
        &self.cleared
    }

    /// Legs still being torn down.
    pub fn pending(&self) -> impl Iterator<Item = LegId> + '_ {
        self.pending.iter().map(|p| p.leg)
    }

    /// New legs refused while the line was held.
    pub fn rejected(&self) -> &[LegId] {
        &self.rejected
    }

    fn give_up(&mut self, at: Instant, due: impl Fn(&Pending) -> bool, how: ClearedHow) {
        let (gone, kept): (Vec<Pending>, Vec<Pending>) = self.pending.iter().partition(|p| due(p));
        self.pending = kept;
        for p in gone {
            self.actions.push_back(ClearAction::Abandon(p.leg));
            self.clear(p.leg, at, how);
        }
        self.check_clear(at);
    }

    fn clear(&mut self, leg: LegId, at: Instant, how: ClearedHow) {
        let clearance = Clearance { leg, at, how };
        self.cleared.push(clearance);
        self.actions.push_back(ClearAction::Cleared(clearance));
    }

    fn check_clear(&mut self, at: Instant) {
        if self.pending.is_empty() && self.clear_at.is_none() {
            self.clear_at = Some(at);
            self.actions.push_back(ClearAction::LineClear { at });
        }
    }
}
