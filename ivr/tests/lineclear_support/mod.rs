//! Test support: a tiny simulated runtime around one line-clear `Callback`.
//!
//! Owns: a virtual clock (one `Instant` taken at the start, then only
//! `Duration`s added to it), firing each deadline at exactly its own time,
//! answering `RingPhones` with how many phones rang (as the runtime does),
//! the timed action trace the scenarios assert on, and a sample table of
//! verified numbers.
//!
//! Does not own: any scenario, nor anything the real runtime does (SIP,
//! media, real timers).
#![allow(dead_code)] // not every scenario uses every helper

use std::time::{Duration, Instant};

use ivr::lineclear::MenuItem;
use ivr::{
    Callback, CallbackAction, CallbackEvent, CallbackPrompt, CallbackSettings, ClearAction, LegId,
    LegState, PromptId, Trigger, VerifiedNumber, VerifiedNumbers,
};

pub const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub const fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// A fraudster's call still up, and one more leg still ringing.
pub const FRAUDSTER: LegId = LegId(7);
pub const RINGING: LegId = LegId(8);

pub fn confirmed(id: u64) -> (LegId, LegState) {
    (LegId(id), LegState::Confirmed)
}

pub fn early(id: u64) -> (LegId, LegState) {
    (LegId(id), LegState::Early)
}

/// Police on 1, the banks' 159 on 2, the resident's bank (written with
/// spaces) on 3, a relative on 4, and 999/112 off the menu.
pub fn numbers() -> VerifiedNumbers {
    let table = vec![
        VerifiedNumber::new(Some('1'), "the police on one-zero-one", "101", false),
        VerifiedNumber::new(Some('2'), "your bank through one-five-nine", "159", false),
        VerifiedNumber::new(Some('3'), "Northern Bank", "0800 123 4567", false),
        VerifiedNumber::new(Some('4'), "your daughter Ann", "07700 900123", false),
        VerifiedNumber::new(None, "emergency services", "999", true),
        VerifiedNumber::new(None, "emergency services", "112", true),
    ];
    VerifiedNumbers::new(table).expect("valid table")
}

pub const EMERGENCY_999: usize = 4;

pub fn line(action: ClearAction) -> CallbackAction {
    CallbackAction::Line(action)
}

/// A simulated runtime around one callback.
pub struct Sim {
    pub cb: Callback,
    pub numbers: VerifiedNumbers,
    pub start: Instant,
    pub now: Instant,
    pub trace: Vec<(Duration, CallbackAction)>,
    /// How many phones ring when the callback asks (`RingPhones`).
    pub phones: usize,
}

impl Sim {
    /// A callback on a line with one phone.
    pub fn new(trigger: Trigger, legs: &[(LegId, LegState)]) -> Self {
        Self::with(&CallbackSettings::default(), numbers(), trigger, legs)
    }

    /// A callback on a line with `phones` phones.
    pub fn ringing(trigger: Trigger, legs: &[(LegId, LegState)], phones: usize) -> Self {
        Self::build(
            &CallbackSettings::default(),
            numbers(),
            trigger,
            legs,
            phones,
        )
    }

    pub fn with(
        settings: &CallbackSettings,
        numbers: VerifiedNumbers,
        trigger: Trigger,
        legs: &[(LegId, LegState)],
    ) -> Self {
        Self::build(settings, numbers, trigger, legs, 1)
    }

    fn build(
        settings: &CallbackSettings,
        numbers: VerifiedNumbers,
        trigger: Trigger,
        legs: &[(LegId, LegState)],
        phones: usize,
    ) -> Self {
        let start = Instant::now();
        let cb = Callback::new(settings, &numbers, trigger, legs, start).expect("callback");
        let mut sim = Self {
            cb,
            numbers,
            start,
            now: start,
            trace: Vec::new(),
            phones,
        };
        sim.drain();
        sim
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn drain(&mut self) {
        while let Some(action) = self.cb.poll_action() {
            let ring = action == CallbackAction::RingPhones;
            self.trace.push((self.elapsed(), action));
            if ring {
                let phones = self.phones;
                self.cb
                    .handle_event(self.now, CallbackEvent::Rang { phones });
            }
        }
    }

    /// The next deadline, as time since the start.
    pub fn deadline(&self) -> Option<Duration> {
        self.cb.poll_timeout().map(|at| at - self.start)
    }

    /// Runs the clock to `until`, firing each deadline on the way at
    /// exactly its own time.
    pub fn run_to(&mut self, until: Duration) {
        let until = self.start + until;
        while let Some(at) = self.cb.poll_timeout().filter(|&at| at <= until) {
            self.now = at;
            self.cb.handle_timeout(at);
            self.drain();
        }
        self.now = self.now.max(until);
    }

    /// Fires deadlines until none is left (finished, or bridged).
    pub fn run(&mut self) {
        self.run_to(secs(3600));
        assert_eq!(self.cb.poll_timeout(), None);
    }

    pub fn send(&mut self, at: Duration, event: CallbackEvent) {
        self.run_to(at);
        self.cb.handle_event(self.now, event);
        self.drain();
    }

    /// The actions emitted at or after `from`.
    pub fn since(&self, from: Duration) -> Vec<(Duration, CallbackAction)> {
        let tail = self.trace.iter().filter(|(t, _)| *t >= from);
        tail.cloned().collect()
    }

    pub fn count(&self, wanted: &CallbackAction) -> usize {
        self.trace.iter().filter(|(_, a)| a == wanted).count()
    }

    /// When `wanted` was first emitted.
    pub fn when(&self, wanted: &CallbackAction) -> Option<Duration> {
        self.trace
            .iter()
            .find(|(_, a)| a == wanted)
            .map(|(t, _)| *t)
    }

    /// Every `Dial`, with its time.
    pub fn dials(&self) -> Vec<(Duration, usize)> {
        let dials = self.trace.iter().filter_map(|(t, a)| match a {
            CallbackAction::Dial { entry } => Some((*t, *entry)),
            _ => None,
        });
        dials.collect()
    }

    /// The last prompt queued.
    pub fn last_prompt(&self) -> (PromptId, CallbackPrompt) {
        let plays = self.trace.iter().rev().find_map(|(_, a)| match a {
            CallbackAction::Play { id, prompt } => Some((*id, prompt.clone())),
            _ => None,
        });
        plays.expect("a prompt")
    }

    /// Finishes the last prompt queued, at `at`.
    pub fn prompt_done(&mut self, at: Duration) {
        let (id, _) = self.last_prompt();
        self.send(at, CallbackEvent::PromptFinished(id));
    }

    pub fn menu(&self) -> Vec<MenuItem> {
        self.numbers.menu()
    }
}
