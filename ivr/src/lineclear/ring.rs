//! Ringing the resident's phones for a callback: every phone the runtime
//! rang, the first to answer wins.
//!
//! Owns: each rung phone's leg; taking the first answer and cancelling
//! every other phone in the same step; BYE to an answer that crossed our
//! CANCEL; the teardown of every phone, each bounded by its own deadline;
//! knowing when every phone has failed; BYE to the winner when the
//! callback is over. Does not own: which phones there are or how they are
//! rung (the runtime says how many with [`super::CallbackEvent::Rang`]),
//! the ring timeout, or what the winner hears ([`super::Callback`]).

use std::collections::VecDeque;
use std::time::Instant;

use super::state::{Leg, Teardown};
use super::types::CallbackAction;
use crate::bridge::MAX_PHONES;

/// Where the ringing is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// Not asked for (a callback to the resident's own call, or the line
    /// is still clearing).
    NotAsked,
    /// `RingPhones` went out; how many phones rang is not known yet. Once
    /// the ringing is over, the report is waited for until `until`.
    Asked { until: Option<Instant> },
    /// These phones rang, numbered from 0.
    Rung(Vec<Leg>),
}

/// What an answer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// This phone answered first: the resident's leg from now on.
    Won,
    /// Too late (crossed our CANCEL, or the ringing was over): hung up.
    Late,
    /// Not a phone that could answer: nothing to do.
    Ignored,
}

/// The resident's phones, rung for a callback.
#[derive(Clone, Debug)]
pub(super) struct Phones {
    stage: Stage,
    winner: Option<usize>,
    /// The ringing is over (timed out, failed or answered): nothing more
    /// may win, and phones reported after this are cancelled at once.
    over: bool,
}

impl Phones {
    pub(super) fn new() -> Self {
        Self {
            stage: Stage::NotAsked,
            winner: None,
            over: false,
        }
    }

    /// `RingPhones` goes out.
    pub(super) fn ask(&mut self) {
        if self.stage == Stage::NotAsked {
            self.stage = Stage::Asked { until: None };
        }
    }

    /// The runtime rang `count` phones (at most [`MAX_PHONES`] are kept):
    /// true when there is none to wait for. Reported after the ringing was
    /// over, every one is cancelled now, given up on at `until`.
    pub(super) fn rang(
        &mut self,
        count: usize,
        until: Instant,
        out: &mut VecDeque<CallbackAction>,
    ) -> bool {
        if !matches!(self.stage, Stage::Asked { .. }) {
            return false;
        }
        self.stage = Stage::Rung(vec![Leg::Ringing; count.min(MAX_PHONES)]);
        if self.over {
            self.cancel_ringing(until, out);
            return false;
        }
        count == 0
    }

    /// `phone` answered; losers and late answers are hung up, to be given
    /// up on at `until`.
    pub(super) fn answered(
        &mut self,
        phone: usize,
        until: Instant,
        out: &mut VecDeque<CallbackAction>,
    ) -> Answer {
        let over = self.over;
        let Some(leg) = self.leg(phone) else {
            return Answer::Ignored;
        };
        match *leg {
            Leg::Ringing if !over => {
                *leg = Leg::Up;
                self.winner = Some(phone);
                self.over = true;
                self.cancel_ringing(until, out);
                Answer::Won
            }
            // The answer crossed our CANCEL (or came once the ringing was
            // over): BYE, so it cannot linger.
            Leg::Ringing | Leg::Cancelling { .. } => {
                *leg = Leg::Closing { until };
                out.push_back(CallbackAction::ByePhone(phone));
                Answer::Late
            }
            Leg::Idle | Leg::Up | Leg::Closing { .. } | Leg::Down => Answer::Ignored,
        }
    }

    /// `phone`'s INVITE failed: true when that was the last phone ringing
    /// and none has answered (the ringing is then over).
    pub(super) fn failed(&mut self, phone: usize) -> bool {
        let Some(leg) = self.leg(phone) else {
            return false;
        };
        match *leg {
            Leg::Ringing | Leg::Cancelling { .. } => *leg = Leg::Down,
            // A failure after an answer can only be stale.
            Leg::Idle | Leg::Up | Leg::Closing { .. } | Leg::Down => return false,
        }
        let ringing = self.legs().contains(&Leg::Ringing);
        let all_failed = !self.over && !ringing;
        self.over |= all_failed;
        all_failed
    }

    /// `phone` hung up: true when it was the resident's (the winner, up).
    pub(super) fn hung_up(&mut self, phone: usize) -> bool {
        let Some(leg) = self.leg(phone) else {
            return false;
        };
        match *leg {
            Leg::Up => {
                *leg = Leg::Down;
                true
            }
            // Its BYE crossed our CANCEL or BYE: over either way.
            Leg::Cancelling { .. } | Leg::Closing { .. } => {
                *leg = Leg::Down;
                false
            }
            Leg::Idle | Leg::Ringing | Leg::Down => false,
        }
    }

    /// Our CANCEL or BYE to `phone` completed.
    pub(super) fn gone(&mut self, phone: usize) {
        if let Some(leg) = self.leg(phone) {
            leg.torn_down();
        }
    }

    /// The ringing is over without an answer: CANCEL every phone still
    /// ringing, given up on at `until`. Phones not reported yet are waited
    /// for until then, and cancelled as soon as they are.
    pub(super) fn stop(&mut self, until: Instant, out: &mut VecDeque<CallbackAction>) {
        self.over = true;
        if let Stage::Asked { until: wait } = &mut self.stage {
            *wait = Some(until);
        }
        self.cancel_ringing(until, out);
    }

    /// BYE to the winner, if up, given up on at `until`.
    pub(super) fn bye_winner(&mut self, until: Instant, out: &mut VecDeque<CallbackAction>) {
        let Some(phone) = self.winner else {
            return;
        };
        if let Some(leg @ Leg::Up) = self.leg(phone) {
            leg.hang_up(until);
            out.push_back(CallbackAction::ByePhone(phone));
        }
    }

    /// The earliest teardown deadline.
    pub(super) fn until(&self) -> Option<Instant> {
        match &self.stage {
            Stage::Asked { until } => *until,
            Stage::Rung(legs) => legs.iter().filter_map(|l| l.until()).min(),
            Stage::NotAsked => None,
        }
    }

    /// Gives up on every phone whose teardown deadline is `at` (and on a
    /// report of the phones rung still missing then).
    pub(super) fn expire(&mut self, at: Instant) {
        match &mut self.stage {
            Stage::Asked { until } if *until == Some(at) => self.stage = Stage::Rung(Vec::new()),
            Stage::Rung(legs) => {
                for leg in legs.iter_mut().filter(|l| l.until() == Some(at)) {
                    *leg = Leg::Down;
                }
            }
            Stage::NotAsked | Stage::Asked { .. } => {}
        }
    }

    /// Nothing left to wait for: never asked, or every phone down.
    pub(super) fn is_done(&self) -> bool {
        match &self.stage {
            Stage::NotAsked => true,
            Stage::Asked { .. } => false,
            Stage::Rung(legs) => legs.iter().all(|l| l.is_done()),
        }
    }

    fn legs(&self) -> &[Leg] {
        match &self.stage {
            Stage::Rung(legs) => legs,
            Stage::NotAsked | Stage::Asked { .. } => &[],
        }
    }

    fn leg(&mut self, phone: usize) -> Option<&mut Leg> {
        match &mut self.stage {
            Stage::Rung(legs) => legs.get_mut(phone),
            Stage::NotAsked | Stage::Asked { .. } => None,
        }
    }

    /// CANCEL every phone still ringing.
    fn cancel_ringing(&mut self, until: Instant, out: &mut VecDeque<CallbackAction>) {
        if let Stage::Rung(legs) = &mut self.stage {
            for (phone, leg) in legs.iter_mut().enumerate() {
                if *leg == Leg::Ringing && leg.hang_up(until) == Some(Teardown::Cancel) {
                    out.push_back(CallbackAction::CancelPhone(phone));
                }
            }
        }
    }
}
