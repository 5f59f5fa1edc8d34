//! The call's outputs waiting to be drained, and what plays on its legs.
//!
//! Owns: the output queue, asking for playbacks (an id per playback, its
//! owner kept in `playback.rs`), stopping a leg, and whether the ringback
//! tone is queued on the caller's leg. Does not own: when to play or stop
//! anything (the machine, `mod.rs`).

use std::collections::VecDeque;

use super::playback::{Owner, Playbacks};
use super::types::{Leg, Output, Sound};

#[derive(Debug, Default)]
pub struct Outbox {
    queue: VecDeque<Output>,
    pub playbacks: Playbacks,
    /// The ringback tone is queued on the caller's leg.
    pub ringback: bool,
}

impl Outbox {
    pub fn push(&mut self, output: Output) {
        self.queue.push_back(output);
    }

    pub fn pop(&mut self) -> Option<Output> {
        self.queue.pop_front()
    }

    /// Plays `sound` on `leg`; `owner` hears of its end.
    pub fn play(&mut self, leg: Leg, owner: Owner, sound: Sound) {
        let id = self.playbacks.start(leg, owner);
        if sound == Sound::Ringback {
            self.ringback = true;
        }
        self.push(Output::Play { leg, id, sound });
    }

    /// Stops everything on `leg`.
    pub fn stop(&mut self, leg: Leg) {
        self.forget(leg);
        self.push(Output::Stop { leg });
    }

    /// Everything on `leg` stops without a `Stop` (a connect, a hang-up).
    pub fn forget(&mut self, leg: Leg) {
        self.playbacks.stopped(leg);
        if leg == Leg::Caller {
            self.ringback = false;
        }
    }
}
