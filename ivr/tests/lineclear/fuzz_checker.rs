//! The fuzz's invariant checker: watches one callback's actions and checks
//! each as it comes against the events sent and actions seen before.
//!
//! Does not own: generating events or the coverage count (see `fuzz`).

use std::time::{Duration, Instant};

use ivr::{
    Callback, CallbackAction, CallbackEvent, CallbackLog, ClearAction, Clearance, ClearedHow,
    LegId, Trigger, VerifiedNumbers,
};

use CallbackAction::{
    AnswerResident, Bridge, ByeFar, ByePhone, ByeResident, CancelFar, CancelPhone, Finished,
    RingPhones, TakePhone,
};
use CallbackEvent::{Dtmf, PhoneAnswered, PhoneFailed, PhoneGone, PhoneHungUp, Rang};
use ClearAction::{Abandon, Bye, Cancel, Cleared, RejectNew};

/// What the checker knows of one rung phone, from the events it sent and
/// the actions it saw.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PhoneSeen {
    cancelled: bool,
    byed: bool,
    /// Known to be down in the machine (failed, hung up or gone).
    down: bool,
    /// Our latest CANCEL or BYE to it.
    torn_at: Option<Instant>,
}

/// Watches one callback's actions and checks them as they come.
pub(crate) struct Checker {
    pub(crate) seed: u64,
    pub(crate) start: Instant,
    pub(crate) trigger: Trigger,
    pub(crate) numbers: VerifiedNumbers,
    pub(crate) legs: Vec<LegId>,
    pub(crate) teardown: Duration,
    pub(crate) cap: Duration,
    pub(crate) cleared: Vec<Clearance>,
    pub(crate) rejected: Vec<LegId>,
    pub(crate) line_clear: Option<Instant>,
    pub(crate) started: Option<Instant>,
    pub(crate) dialled: Option<(usize, Instant)>,
    pub(crate) last_key: Option<char>,
    pub(crate) results: usize,
    pub(crate) finished: Option<Instant>,
    pub(crate) bridged: bool,
    pub(crate) preempted: bool,
    /// When the last leg torn down runs out of its teardown timeout.
    pub(crate) teardown_end: Instant,
    pub(crate) last_event: Instant,
    /// Deadlines fired at their own times, so actions are seen at the
    /// time they were taken (otherwise later).
    pub(crate) punctual: bool,
    /// How many phones ring when asked.
    pub(crate) ring_reply: usize,
    /// The phones rung (after `RingPhones`), and the first to answer.
    pub(crate) phones: Option<Vec<PhoneSeen>>,
    pub(crate) winner: Option<usize>,
    /// Answers hung up as too late.
    pub(crate) late: usize,
    /// The phone whose answer is being handled, and whether that answer
    /// must be taken or hung up (not ignored).
    pub(crate) answering: Option<(usize, bool)>,
}

impl Checker {
    pub(crate) fn event(&mut self, now: Instant, event: CallbackEvent) {
        if let Dtmf(key) = event {
            self.last_key = Some(key);
        }
        if self.finished.is_none() {
            self.last_event = now;
        }
        self.answering = None;
        let teardown = self.teardown;
        let winner = self.winner;
        let Some(phones) = self.phones.as_mut() else {
            return;
        };
        // A phone given up on is down by now.
        for p in phones.iter_mut() {
            p.down |= p.torn_at.is_some_and(|at| at + teardown <= now);
        }
        let live = self.finished.is_none();
        match event {
            PhoneAnswered { phone } => {
                if let Some(p) = phones.get(phone) {
                    // Unless deadlines fire late: the phone may have been
                    // given up on at a time the checker does not know.
                    let known = self.punctual || p.torn_at.is_none();
                    let must = live && known && !p.down && !p.byed && winner != Some(phone);
                    self.answering = Some((phone, must));
                }
            }
            PhoneFailed { phone, .. } => {
                if let Some(p) = phones.get_mut(phone) {
                    p.down |= winner != Some(phone) && !p.byed;
                }
            }
            PhoneHungUp { phone } => {
                if let Some(p) = phones.get_mut(phone) {
                    p.down |= winner == Some(phone) || p.cancelled || p.byed;
                }
            }
            PhoneGone { phone } => {
                if let Some(p) = phones.get_mut(phone) {
                    p.down |= p.cancelled || p.byed;
                }
            }
            _ => {}
        }
    }

    /// The runtime's answer to `RingPhones`: `ring_reply` phones rang.
    fn ring(&mut self, cb: &mut Callback, now: Instant) {
        assert!(self.phones.is_none(), "seed {}: rung twice", self.seed);
        self.phones = Some(vec![PhoneSeen::default(); self.ring_reply]);
        let event = Rang {
            phones: self.ring_reply,
        };
        self.event(now, event);
        cb.handle_event(now, event);
        // A second report changes nothing.
        cb.handle_event(now, Rang { phones: 3 });
        self.drain(cb, now);
    }

    /// Checks a phone action.
    fn phone(&mut self, action: &CallbackAction, now: Instant) {
        let seed = self.seed;
        let winner = self.winner;
        let answering = self.answering;
        let phones = self.phones.as_mut();
        let phones = phones.unwrap_or_else(|| panic!("seed {seed}: {action:?} before ringing"));
        match *action {
            TakePhone(phone) => {
                assert_eq!(winner, None, "seed {seed}: a second winner");
                assert_eq!(answering.map(|a| a.0), Some(phone), "seed {seed}");
                for (q, p) in phones.iter().enumerate() {
                    let stopped = p.down || p.cancelled;
                    assert!(q == phone || stopped, "seed {seed}: phone {q} rings on");
                }
                self.winner = Some(phone);
                self.answering = None;
            }
            CancelPhone(phone) => {
                let p = phones.get_mut(phone);
                let p = p.unwrap_or_else(|| panic!("seed {seed}: phone {phone} never rang"));
                assert!(!p.cancelled && !p.byed, "seed {seed}: phone {phone}");
                assert_ne!(winner, Some(phone), "seed {seed}: cancelled the winner");
                p.cancelled = true;
                p.torn_at = Some(now);
            }
            ByePhone(phone) => {
                let p = phones.get_mut(phone);
                let p = p.unwrap_or_else(|| panic!("seed {seed}: phone {phone} never rang"));
                assert!(!p.byed, "seed {seed}: BYE twice to phone {phone}");
                let late = answering.map(|a| a.0) == Some(phone);
                assert!(late || winner == Some(phone), "seed {seed}: phone {phone}");
                p.byed = true;
                p.torn_at = Some(now);
                if late {
                    self.late += 1;
                    self.answering = None;
                }
            }
            _ => {}
        }
    }

    pub(crate) fn drain(&mut self, cb: &mut Callback, now: Instant) {
        let seed = self.seed;
        let mut ring = false;
        while let Some(action) = cb.poll_action() {
            assert!(
                self.finished.is_none(),
                "seed {seed}: {action:?} after Finished"
            );
            let torn_down = matches!(
                action,
                CancelPhone(_) | ByePhone(_) | ByeResident | CancelFar | ByeFar
            );
            if torn_down {
                self.teardown_end = self.teardown_end.max(now + self.teardown);
            }
            match action {
                CallbackAction::Line(line) => self.line(line, now),
                CallbackAction::Dial { entry } => {
                    assert!(self.dialled.is_none(), "seed {seed}: a second Dial");
                    assert!(entry < self.numbers.len(), "seed {seed}: entry {entry}");
                    let clear = self.line_clear.expect("dialled before the line was clear");
                    assert!(clear <= now && self.started.is_some(), "seed {seed}");
                    match self.trigger {
                        Trigger::DialledVerified(wanted) => assert_eq!(entry, wanted),
                        _ => {
                            let key = self.last_key.and_then(|k| self.numbers.by_key(k));
                            assert_eq!(Some(entry), key, "seed {seed}: not the key pressed");
                        }
                    }
                    self.dialled = Some((entry, clear));
                }
                CallbackAction::Log(CallbackLog::Started { at, trigger }) => {
                    assert!(self.started.is_none(), "seed {seed}");
                    assert_eq!(trigger, self.trigger);
                    assert_eq!(Some(at), self.line_clear, "seed {seed}");
                    assert!(self.cleared.iter().all(|c| c.at <= at), "seed {seed}");
                    assert_eq!(self.cleared.len(), self.legs.len(), "seed {seed}");
                    self.started = Some(at);
                }
                CallbackAction::Log(CallbackLog::Dialled { entry, at }) => {
                    assert_eq!(self.dialled.map(|d| d.0), Some(entry), "seed {seed}");
                    if self.numbers.is_emergency(entry) {
                        assert_eq!(Some(at), self.line_clear, "seed {seed}: 999 waited");
                    }
                    self.dialled = Some((entry, at));
                }
                CallbackAction::Log(CallbackLog::Ended { .. }) => self.results += 1,
                Bridge => {
                    assert!(self.dialled.is_some() && !self.bridged, "seed {seed}");
                    self.bridged = true;
                }
                Finished => {
                    assert!(self.line_clear.is_some(), "seed {seed}");
                    assert_eq!(self.results, 1, "seed {seed}: one result");
                    // Every phone rung is down (or, with deadlines fired
                    // late, at least torn down).
                    let (teardown, punctual) = (self.teardown, self.punctual);
                    let phones = self.phones.iter().flatten();
                    let down = |p: &PhoneSeen| match p.torn_at {
                        Some(at) => p.down || !punctual || at + teardown <= now,
                        None => p.down,
                    };
                    assert!(phones.clone().all(down), "seed {seed}: {phones:?}");
                    self.finished = Some(now);
                }
                RingPhones => {
                    assert!(self.line_clear.is_some(), "seed {seed}: rung too early");
                    let rings_back = !matches!(self.trigger, Trigger::DialledVerified(_));
                    assert!(rings_back, "seed {seed}");
                    ring = true;
                }
                AnswerResident => {
                    assert!(
                        self.line_clear.is_some(),
                        "seed {seed}: {action:?} too early"
                    );
                }
                TakePhone(_) | CancelPhone(_) | ByePhone(_) => self.phone(&action, now),
                _ => {}
            }
        }
        if ring {
            self.ring(cb, now);
        }
    }

    /// After each event: an answer from a phone still up to it was either
    /// taken or hung up.
    pub(crate) fn answered(&self) {
        if let Some((phone, true)) = self.answering {
            panic!("seed {}: phone {phone}'s answer was ignored", self.seed);
        }
    }

    fn line(&mut self, action: ClearAction, now: Instant) {
        let seed = self.seed;
        match action {
            Bye(leg) | Cancel(leg) => {
                assert_eq!(now, self.start, "seed {seed}");
                assert!(self.legs.contains(&leg), "seed {seed}");
                self.teardown_end = self.teardown_end.max(now + self.teardown);
            }
            Abandon(leg) => assert!(self.legs.contains(&leg), "seed {seed}"),
            Cleared(c) => {
                assert!(self.legs.contains(&c.leg), "seed {seed}");
                assert!(!self.cleared.iter().any(|d| d.leg == c.leg), "seed {seed}");
                assert!(self.line_clear.is_none(), "seed {seed}");
                self.preempted |= c.how == ClearedHow::Preempted;
                match c.how {
                    ClearedHow::Preempted => assert_eq!(c.at, self.start + self.cap),
                    ClearedHow::TimedOut => assert_eq!(c.at, self.start + self.teardown),
                    ClearedHow::Ended => assert!(c.at <= self.start + self.teardown),
                }
                self.cleared.push(c);
            }
            ClearAction::LineClear { at } => {
                assert!(self.line_clear.is_none(), "seed {seed}");
                assert_eq!(self.cleared.len(), self.legs.len(), "seed {seed}");
                assert!(self.cleared.iter().all(|c| c.at <= at), "seed {seed}");
                self.line_clear = Some(at);
            }
            RejectNew(leg) => {
                assert!(
                    !self.legs.contains(&leg),
                    "seed {seed}: rejected a line leg"
                );
                assert!(!self.rejected.contains(&leg), "seed {seed}: rejected twice");
                self.rejected.push(leg);
            }
        }
    }
}
