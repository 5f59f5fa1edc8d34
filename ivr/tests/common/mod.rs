//! Test support: a simulated shell around one composed `ivr::Call`, on a
//! virtual clock.
//!
//! Owns: the clock (one `Instant` taken at the start, then only
//! `Duration`s added), a playback queue per leg that plays each sound for a
//! fixed length and reports its end, the shell's prompt answers (phones
//! found, name recorded, the caller's answer to our BYE, each phone's
//! answer to our CANCEL/BYE), scripted inputs at given times, jumping to
//! the next event or deadline, the invariants every step must keep, and the
//! timed output trace the scenarios assert on.
//!
//! Does not own: any scenario, nor anything the real shell does (SIP,
//! media, real timers).
#![allow(dead_code)] // not every scenario uses every helper

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use ivr::call::{
    Call, CallSettings, CallerEvent, EndReason, HungUpBy, Input, Leg, Output, PhoneEvent,
    PlaybackId, Record, Sound,
};
use ivr::{BridgePrompt, Decision, Prompt, Speaker};

pub const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[path = "../speech_support/mod.rs"]
mod speech_support;
pub use speech_support::{ms, words};

/// How long each sound plays in the simulation.
fn length(sound: Sound) -> Duration {
    match sound {
        Sound::Screening(Prompt::Notice) => secs(3),
        Sound::Screening(Prompt::Goodbye) => secs(4),
        Sound::Screening(_) => secs(2),
        Sound::Bridge(BridgePrompt::LeaveMessage) => secs(5),
        Sound::Bridge(_) => secs(4),
        // Plays until stopped (enough cadences to outlast the ringing).
        Sound::Ringback => secs(600),
        Sound::Beep => ms(400),
        Sound::Announcement => secs(3),
        Sound::Warning => secs(3),
    }
}

/// Settings with the challenge digit fixed to 4 and no notice.
pub fn settings() -> CallSettings {
    let mut s = CallSettings::default();
    s.challenge.fixed_digit = Some(4);
    s.challenge.notice = false;
    s
}

pub fn challenge() -> Decision {
    Decision::Challenge { suspicious: None }
}

/// A simulated shell around one call.
pub struct Sim {
    pub call: Call,
    pub start: Instant,
    pub now: Instant,
    pub trace: Vec<(Duration, Output)>,
    /// Per leg: sounds queued, the front playing since `since`.
    playing: BTreeMap<LegKey, (Instant, VecDeque<(PlaybackId, Sound)>)>,
    /// Inputs the simulated shell and parties will send, by time.
    pending: Vec<(Instant, Input)>,
    /// How many phones `FindPhones` finds.
    pub phones: usize,
    /// How long the caller takes to answer our BYE; `None`: never.
    pub bye_answer: Option<Duration>,
    /// How long a phone takes to answer our CANCEL or BYE.
    pub phone_gone_after: Duration,
    /// How long a name recording takes.
    pub name_length: Duration,
    ids: HashSet<PlaybackId>,
    finished: usize,
    answered_at: Option<Instant>,
}

/// `Leg` in a sortable form.
type LegKey = (u8, usize);

fn key(leg: Leg) -> LegKey {
    match leg {
        Leg::Caller => (0, 0),
        Leg::Phone(p) => (1, p),
    }
}

impl Sim {
    pub fn new(settings: &CallSettings, decision: &Decision, phones: usize) -> Self {
        Self::with(settings, decision, None, phones)
    }

    pub fn with(
        settings: &CallSettings,
        decision: &Decision,
        suspicious: Option<String>,
        phones: usize,
    ) -> Self {
        let start = Instant::now();
        let mut rng = fastrand::Rng::with_seed(7);
        let call = Call::new(settings, decision, suspicious, &mut rng, start);
        let mut sim = Self {
            call,
            start,
            now: start,
            trace: Vec::new(),
            playing: BTreeMap::new(),
            pending: Vec::new(),
            phones,
            bye_answer: Some(ms(50)),
            phone_gone_after: ms(50),
            name_length: secs(2),
            ids: HashSet::new(),
            finished: 0,
            answered_at: None,
        };
        sim.drain();
        sim
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn later(&mut self, after: Duration, input: Input) {
        self.pending.push((self.now + after, input));
    }

    /// Carries the outputs out as the simulated shell would, checking the
    /// invariants on the way.
    pub fn drain(&mut self) {
        while let Some(out) = self.call.poll_output() {
            assert_eq!(self.finished, 0, "output after Finished: {out:?}");
            match &out {
                Output::Answer => self.answered_at = Some(self.now),
                Output::Play { leg, id, sound } => {
                    assert!(self.ids.insert(*id), "playback id {id:?} used twice");
                    let now = self.now;
                    let (since, queue) = self
                        .playing
                        .entry(key(*leg))
                        .or_insert((now, VecDeque::new()));
                    if queue.is_empty() {
                        *since = now;
                    }
                    queue.push_back((*id, *sound));
                }
                Output::Stop { leg } => {
                    self.playing.remove(&key(*leg));
                }
                Output::Connect { phone } => {
                    self.playing.remove(&key(Leg::Caller));
                    self.playing.remove(&key(Leg::Phone(*phone)));
                }
                Output::HangUpPhone(p) => {
                    self.playing.remove(&key(Leg::Phone(*p)));
                    let after = self.phone_gone_after;
                    self.later(after, phone(*p, PhoneEvent::Gone));
                }
                Output::FindPhones => {
                    let n = self.phones;
                    self.later(Duration::ZERO, Input::PhonesFound(n));
                }
                Output::RecordName => {
                    let after = self.name_length;
                    self.later(after, Input::NameRecorded);
                }
                Output::ByeCaller => {
                    if let Some(after) = self.bye_answer {
                        self.later(after, Input::Caller(CallerEvent::ByeDone));
                    }
                }
                Output::Finished { .. } => self.finished += 1,
                _ => {}
            }
            self.trace.push((self.elapsed(), out));
        }
        if let Some(at) = self.call.poll_timeout() {
            assert!(
                at >= self.now,
                "deadline {at:?} in the past at {:?}",
                self.now
            );
        }
    }

    /// The next thing to happen by `until`: (time, rank), rank 0 a sound
    /// ending on a leg, 1 a pending input, 2 the call's deadline.
    fn next(&self, until: Instant) -> Option<(Instant, u8, usize)> {
        let sounds = self.playing.iter().filter_map(|(_, (since, q))| {
            let &(_, sound) = q.front()?;
            Some((*since + length(sound), 0u8, 0))
        });
        let inputs = self
            .pending
            .iter()
            .enumerate()
            .map(|(i, (at, _))| (*at, 1, i));
        let deadline = self.call.poll_timeout().map(|at| (at, 2, 0));
        sounds
            .chain(inputs)
            .chain(deadline)
            .filter(|&(at, ..)| at <= until)
            .min()
    }

    /// Runs the clock to `until` (from the start).
    pub fn run_to(&mut self, until: Duration) {
        let until = self.start + until;
        while let Some((at, rank, index)) = self.next(until) {
            self.now = at;
            match rank {
                0 => self.end_sound(at),
                1 => {
                    let (_, input) = self.pending.remove(index);
                    self.call.handle_input(at, input);
                }
                _ => {
                    self.call.handle_timeout(at);
                    if let Some(next) = self.call.poll_timeout() {
                        assert!(next > at, "a fired deadline is still due");
                    }
                }
            }
            self.drain();
        }
        self.now = until;
    }

    fn end_sound(&mut self, at: Instant) {
        let leg = self
            .playing
            .iter()
            .find(|(_, (since, q))| q.front().is_some_and(|&(_, s)| *since + length(s) == at))
            .map(|(leg, _)| *leg);
        let Some(leg) = leg else { return };
        let Some((since, queue)) = self.playing.get_mut(&leg) else {
            return;
        };
        let Some((id, _)) = queue.pop_front() else {
            return;
        };
        *since = at;
        self.call.handle_input(at, Input::PlaybackFinished(id));
    }

    /// Runs until nothing is left to happen (an hour at most).
    pub fn run(&mut self) {
        self.run_to(self.elapsed() + secs(3600));
    }

    pub fn send(&mut self, at: Duration, input: Input) {
        self.run_to(at);
        self.call.handle_input(self.now, input);
        self.drain();
    }

    pub fn caller(&mut self, at: Duration, event: CallerEvent) {
        self.send(at, Input::Caller(event));
    }

    pub fn phone(&mut self, at: Duration, p: usize, event: PhoneEvent) {
        self.send(at, phone(p, event));
    }

    /// Words heard `at` (from the start of the call) by `speaker`.
    pub fn hear(&mut self, at: Duration, speaker: Speaker, text: &str) {
        let answered = self.answered_at.expect("heard before the answer") - self.start;
        let offset = at.saturating_sub(answered).as_millis() as u64;
        let words = words(offset, text);
        self.send(at, Input::Heard { speaker, words });
    }

    pub fn outputs(&self) -> Vec<Output> {
        self.trace.iter().map(|(_, o)| o.clone()).collect()
    }

    pub fn count(&self, wanted: impl Fn(&Output) -> bool) -> usize {
        self.trace.iter().filter(|(_, o)| wanted(o)).count()
    }

    pub fn records(&self) -> Vec<Record> {
        let record = |(_, o): &(Duration, Output)| match o {
            Output::Record(r) => Some(r.clone()),
            _ => None,
        };
        self.trace.iter().filter_map(record).collect()
    }

    pub fn hung_up_by(&self) -> Vec<HungUpBy> {
        let who = |r: Record| match r {
            Record::HungUpBy(w) => Some(w),
            _ => None,
        };
        self.records().into_iter().filter_map(who).collect()
    }

    /// The reason and time of `Finished`, if it came.
    pub fn finished(&self) -> Option<(Duration, EndReason)> {
        self.trace.iter().find_map(|(t, o)| match o {
            Output::Finished { reason, .. } => Some((*t, *reason)),
            _ => None,
        })
    }

    pub fn finished_count(&self) -> usize {
        self.finished
    }

    /// The time of the first output matching `wanted`.
    pub fn when(&self, wanted: impl Fn(&Output) -> bool) -> Option<Duration> {
        self.trace.iter().find(|(_, o)| wanted(o)).map(|(t, _)| *t)
    }

    /// Runs the usual challenge: the caller presses 4 at 1 s (during the
    /// challenge prompt), the connecting prompt plays 2 s, phones are rung
    /// from 3 s.
    pub fn pass_challenge(&mut self) {
        self.caller(secs(1), CallerEvent::Key('4'));
        self.run_to(secs(3));
    }
}

pub fn phone(phone: usize, event: PhoneEvent) -> Input {
    Input::Phone { phone, event }
}
