//! Which part of the call asked for each playback still under way, so a
//! finished [`PlaybackId`] goes back to the sub-machine that asked.
//!
//! Owns: handing out ids in order and the table from id to its leg and its
//! owner; dropping a leg's entries when everything on it is stopped. Does
//! not own: playing anything (the shell) or what a finish means (the
//! machine, `mod.rs`).

use crate::types::PromptId;

use super::types::{Leg, PlaybackId};

/// Who waits for a playback to finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The screening machine's prompt.
    Screening(PromptId),
    /// The bridge machine's prompt.
    Bridge(PromptId),
    /// The bridge machine waits for the announcement to this phone.
    Announcement(usize),
    /// Nobody: a tone, the ringback or the warning.
    Nobody,
}

/// The playbacks under way on the call's legs.
#[derive(Debug, Default)]
pub struct Playbacks {
    next: u32,
    /// In the order asked for; a handful at most.
    playing: Vec<(PlaybackId, Leg, Owner)>,
}

impl Playbacks {
    /// A new id for a playback on `leg` owned by `owner`.
    pub fn start(&mut self, leg: Leg, owner: Owner) -> PlaybackId {
        let id = PlaybackId(self.next);
        self.next = self.next.wrapping_add(1);
        if owner != Owner::Nobody {
            self.playing.push((id, leg, owner));
        }
        id
    }

    /// The playback `id` has finished: who was waiting for it, once.
    pub fn finished(&mut self, id: PlaybackId) -> Option<Owner> {
        let pos = self.playing.iter().position(|&(p, ..)| p == id)?;
        Some(self.playing.remove(pos).2)
    }

    /// Everything on `leg` was stopped: nobody waits for it any more.
    pub fn stopped(&mut self, leg: Leg) {
        self.playing.retain(|&(_, l, _)| l != leg);
    }

    pub fn clear(&mut self) {
        self.playing.clear();
    }
}
