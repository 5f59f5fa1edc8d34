//! Test support: a tiny simulated shell around one `ScreeningCall`.
//!
//! Owns: a virtual clock, a playback queue that plays prompts in order with
//! fixed durations, a name recorder that reports its end after a set time
//! (or never), jumping the clock to the next prompt end, recording end or
//! deadline, and the timed action trace the scenarios assert on.
//!
//! Does not own: any scenario, nor anything the real runtime shell does
//! (SIP, audio, real timers).
#![allow(dead_code)] // each test crate uses a different part of it

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ivr::{Action, ChallengeSettings, Event, Outcome, Prompt, PromptId, ScreeningCall};

/// The challenge prompt for digit 4, the digit most scenarios fix.
pub const CHALLENGE_4: Prompt = Prompt::Challenge { digit: 4 };

pub const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn prompt_length(prompt: Prompt) -> Duration {
    match prompt {
        Prompt::Notice => secs(3),
        Prompt::Goodbye => secs(4),
        _ => secs(2),
    }
}

pub fn play(id: u32, prompt: Prompt) -> Action {
    Action::Play {
        id: PromptId(id),
        prompt,
    }
}

/// A simulated shell around one call.
pub struct Shell {
    pub call: ScreeningCall,
    pub start: Instant,
    pub now: Instant,
    /// The shell's playback queue; the front started at `playing_since`.
    playback: VecDeque<(PromptId, Prompt)>,
    playing_since: Instant,
    /// Prompts whose end the shell never reports (it just stays silent).
    pub unreported: fn(Prompt) -> bool,
    /// How long a name recording lasts before the shell reports
    /// `NameRecorded`; `None`: it never reports it.
    pub name_length: Option<Duration>,
    /// When the name recording in progress ends, if one is.
    name_end: Option<Instant>,
    pub trace: Vec<(Duration, Action)>,
    /// Ring and Answer actions, with their times.
    pub signalling: Vec<(Duration, Action)>,
}

impl Shell {
    pub fn new(settings: &ChallengeSettings, seed: u64) -> Self {
        let start = Instant::now();
        let call = ScreeningCall::new(settings, &mut fastrand::Rng::with_seed(seed), start);
        let mut shell = Self {
            call,
            start,
            now: start,
            playback: VecDeque::new(),
            playing_since: start,
            unreported: |_| false,
            name_length: Some(secs(2)),
            name_end: None,
            trace: Vec::new(),
            signalling: Vec::new(),
        };
        shell.drain();
        shell
    }

    pub fn fixed(digit: u8) -> Self {
        let settings = ChallengeSettings {
            fixed_digit: Some(digit),
            ..ChallengeSettings::default()
        };
        Self::new(&settings, 0)
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn drain(&mut self) {
        while let Some(action) = self.call.poll_action() {
            // Ringing and answering are checked by their own tests; the
            // flow traces start at the answer.
            if matches!(action, Action::Ring | Action::Answer) {
                self.signalling.push((self.elapsed(), action));
                continue;
            }
            self.trace.push((self.elapsed(), action));
            match action {
                Action::Play { id, prompt } => {
                    if self.playback.is_empty() {
                        self.playing_since = self.now;
                    }
                    self.playback.push_back((id, prompt));
                }
                Action::StopPlayback => self.playback.clear(),
                Action::RecordName => {
                    assert!(self.name_end.is_none(), "recording the name twice");
                    self.name_end = self.name_length.map(|d| self.now + d);
                }
                Action::StopNameRecording => self.name_end = None,
                Action::Outcome(_)
                | Action::Connected
                | Action::Hangup
                | Action::Ring
                | Action::Answer
                | Action::Decline => {}
            }
        }
    }

    /// When the prompt now playing ends, if one is.
    pub fn playback_end(&self) -> Option<Instant> {
        let &(_, prompt) = self.playback.front()?;
        Some(self.playing_since + prompt_length(prompt))
    }

    /// Runs the clock to `until`, ending prompts and recordings and firing
    /// deadlines on the way. At equal times a prompt ending goes before a
    /// recording ending, and both before a call deadline.
    pub fn run_to(&mut self, until: Duration) {
        let until = self.start + until;
        loop {
            // (time, rank): at equal times the lower rank goes first.
            let next = [
                self.playback_end().map(|t| (t, 0)),
                self.name_end.map(|t| (t, 1)),
                self.call.poll_timeout().map(|t| (t, 2)),
            ];
            let Some((at, rank)) = next
                .into_iter()
                .flatten()
                .filter(|&(t, _)| t <= until)
                .min()
            else {
                break;
            };
            self.now = at;
            match rank {
                0 => {
                    let (id, prompt) = self.playback.pop_front().expect("playing");
                    self.playing_since = at;
                    if !(self.unreported)(prompt) {
                        self.call.handle_event(at, Event::PromptFinished(id));
                    }
                }
                1 => {
                    self.name_end = None;
                    self.call.handle_event(at, Event::NameRecorded);
                }
                _ => self.call.handle_timeout(at),
            }
            self.drain();
        }
        self.now = until;
    }

    /// Runs until nothing is playing and the call has no deadline.
    pub fn run(&mut self) {
        self.run_to(secs(3600));
        assert!(self.playback.is_empty() && self.call.poll_timeout().is_none());
        assert!(self.name_end.is_none());
    }

    pub fn send(&mut self, at: Duration, event: Event) {
        self.run_to(at);
        if event == Event::CallerHungUp {
            self.name_end = None; // the recording goes with the call
        }
        self.call.handle_event(self.now, event);
        self.drain();
    }

    pub fn press(&mut self, at: Duration, key: char) {
        self.send(at, Event::Dtmf(key));
    }

    pub fn wrong_key(&self) -> char {
        char::from(b'0' + (self.call.digit() + 1) % 10)
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        let outcome = |&(_, a): &(Duration, Action)| match a {
            Action::Outcome(o) => Some(o),
            _ => None,
        };
        self.trace.iter().filter_map(outcome).collect()
    }

    pub fn count(&self, wanted: Action) -> usize {
        self.trace.iter().filter(|&&(_, a)| a == wanted).count()
    }
}
