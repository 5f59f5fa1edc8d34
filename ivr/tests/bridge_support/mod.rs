//! Test support: a tiny simulated shell around one `BridgeCall`.
//!
//! Owns: a virtual clock (one `Instant` taken at the start, then only
//! `Duration`s added to it), firing each deadline at exactly its own time,
//! and the timed action trace the scenarios assert on.
//!
//! Does not own: any scenario, nor anything the real runtime shell does
//! (SIP, media, real timers).
#![allow(dead_code)] // not every scenario uses every helper

use std::time::{Duration, Instant};

use ivr::{BridgeAction, BridgeCall, BridgeEvent, BridgePrompt, BridgeSettings, PromptId};

pub const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub const fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

pub fn play(id: u32, prompt: BridgePrompt) -> BridgeAction {
    BridgeAction::Play {
        id: PromptId(id),
        prompt,
    }
}

/// A simulated shell around one bridge.
pub struct Sim {
    pub call: BridgeCall,
    pub start: Instant,
    pub now: Instant,
    pub trace: Vec<(Duration, BridgeAction)>,
}

impl Sim {
    pub fn new(settings: &BridgeSettings) -> Self {
        Self::starting_at(settings, Instant::now())
    }

    /// A bridge created at `start` (e.g. when a screening connected).
    pub fn starting_at(settings: &BridgeSettings, start: Instant) -> Self {
        let mut sim = Self {
            call: BridgeCall::new(settings, start),
            start,
            now: start,
            trace: Vec::new(),
        };
        sim.drain();
        sim
    }

    pub fn phones(phones: usize) -> Self {
        Self::new(&BridgeSettings {
            phones,
            ..BridgeSettings::default()
        })
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn drain(&mut self) {
        while let Some(action) = self.call.poll_action() {
            self.trace.push((self.elapsed(), action));
        }
    }

    /// The next deadline, as time since the start.
    pub fn deadline(&self) -> Option<Duration> {
        self.call.poll_timeout().map(|at| at - self.start)
    }

    /// Runs the clock to `until`, firing each deadline on the way at
    /// exactly its own time.
    pub fn run_to(&mut self, until: Duration) {
        let until = self.start + until;
        while let Some(at) = self.call.poll_timeout().filter(|&at| at <= until) {
            self.now = at;
            self.call.handle_timeout(at);
            self.drain();
        }
        self.now = until;
    }

    /// Fires deadlines until none is left (finished, or bridged and up).
    pub fn run(&mut self) {
        self.run_to(secs(3600));
        assert_eq!(self.call.poll_timeout(), None);
    }

    pub fn send(&mut self, at: Duration, event: BridgeEvent) {
        self.run_to(at);
        self.call.handle_event(self.now, event);
        self.drain();
    }

    /// The actions emitted at or after `from`.
    pub fn since(&self, from: Duration) -> Vec<(Duration, BridgeAction)> {
        let tail = self.trace.iter().filter(|(t, _)| *t >= from);
        tail.cloned().collect()
    }

    pub fn count(&self, wanted: &BridgeAction) -> usize {
        self.trace.iter().filter(|(_, a)| a == wanted).count()
    }
}
