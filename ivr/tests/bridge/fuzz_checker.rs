//! The fuzz's invariant checker: checks every action as it is drained,
//! against the events and actions that came before it.
//!
//! Does not own: generating events or the coverage count (see `fuzz`).

use std::time::{Duration, Instant};

use ivr::{
    BridgeAction, BridgeCall, BridgeEvent, BridgeOutcome, BridgePrompt, BridgeSettings,
    ANNOUNCE_TIMES,
};

use BridgeAction::{
    ByeCaller, ByePhone, CancelPhone, Finished, RelayProgress, RingPhones, StartVoicemail,
    StopVoicemail, Unbridge,
};
use BridgeEvent::{PhoneAnswered, ResidentKey};

/// Checks every action as it is drained, against what came before.
pub(crate) struct Checker {
    phones: usize,
    bye_timeout: Duration,
    voicemail: bool,
    announce: bool,
    answered: Vec<bool>,
    pub(crate) cancelled: Vec<bool>,
    pub(crate) byed: Vec<bool>,
    outcome: Option<BridgeOutcome>,
    ringing_sent: bool,
    relayed: bool,
    pub(crate) bridged: Option<usize>,
    pub(crate) unbridged: Option<Instant>,
    bye_caller: bool,
    pub(crate) recording: Option<bool>,
    pub(crate) finished: Option<Instant>,
    /// When the last event was handed in.
    pub(crate) last_event: Option<Instant>,
    /// The event being handled, until its actions are drained (`None`
    /// while deadlines fire).
    handling: Option<BridgeEvent>,
    /// The phone announced to, and how many times.
    announced: Option<usize>,
    pub(crate) announcements: u8,
    /// The latest time a leg torn down so far may still be up: each
    /// CANCEL or BYE sent gives its leg `bye_timeout`.
    pub(crate) teardown_end: Option<Instant>,
}

impl Checker {
    pub(crate) fn new(settings: &BridgeSettings) -> Self {
        Self {
            phones: settings.phones,
            bye_timeout: settings.bye_timeout,
            voicemail: settings.voicemail,
            announce: settings.announce,
            answered: vec![false; settings.phones],
            cancelled: vec![false; settings.phones],
            byed: vec![false; settings.phones],
            outcome: None,
            ringing_sent: false,
            relayed: false,
            bridged: None,
            unbridged: None,
            bye_caller: false,
            recording: None,
            finished: None,
            last_event: None,
            handling: None,
            announced: None,
            announcements: 0,
            teardown_end: None,
        }
    }

    pub(crate) fn event(&mut self, now: Instant, event: BridgeEvent) {
        self.last_event = Some(now);
        self.handling = Some(event);
        if let PhoneAnswered { phone } = event {
            if let Some(a) = self.answered.get_mut(phone) {
                *a = true;
            }
        }
    }

    pub(crate) fn drain(&mut self, call: &mut BridgeCall, now: Instant, seed: u64) {
        while let Some(action) = call.poll_action() {
            self.action(now, &action, seed);
        }
        self.handling = None;
        if self.finished.is_some() {
            assert!(call.is_finished(), "seed {seed}");
            assert_eq!(
                call.poll_timeout(),
                None,
                "seed {seed}: deadline after Finished"
            );
        }
    }

    fn action(&mut self, now: Instant, action: &BridgeAction, seed: u64) {
        let phone_ok = |p: usize| p < self.phones;
        assert!(
            self.finished.is_none(),
            "seed {seed}: {action:?} after Finished"
        );
        if matches!(action, CancelPhone(_) | ByePhone(_) | ByeCaller) {
            self.teardown_end = self.teardown_end.max(Some(now + self.bye_timeout));
        }
        if !matches!(action, RingPhones(_)) {
            assert!(
                self.ringing_sent,
                "seed {seed}: {action:?} before RingPhones"
            );
        }
        match *action {
            RingPhones(ref phones) => {
                assert!(!self.ringing_sent, "seed {seed}: rang twice");
                assert_eq!(*phones, (0..self.phones).collect::<Vec<_>>(), "seed {seed}");
                self.ringing_sent = true;
            }
            RelayProgress(status) => {
                assert!(!self.relayed && self.outcome.is_none(), "seed {seed}");
                assert!(matches!(status, 180 | 183), "seed {seed}");
                self.relayed = true;
            }
            BridgeAction::AnswerCaller
            | BridgeAction::RejectCaller(_)
            | BridgeAction::EarlyMedia { .. }
            | BridgeAction::EndEarlyMedia => {
                panic!("seed {seed}: {action:?} for a caller answered from the start")
            }
            CancelPhone(p) => {
                assert!(phone_ok(p) && !self.cancelled[p], "seed {seed}: {action:?}");
                self.cancelled[p] = true;
            }
            ByePhone(p) => {
                assert!(phone_ok(p) && !self.byed[p], "seed {seed}: {action:?}");
                assert!(
                    self.answered[p],
                    "seed {seed}: BYE to a phone that never answered"
                );
                self.byed[p] = true;
            }
            BridgeAction::Announce { phone } => {
                assert!(self.announce && phone_ok(phone), "seed {seed}: {action:?}");
                assert!(
                    self.answered[phone],
                    "seed {seed}: announced before its answer"
                );
                assert!(
                    self.announced.is_none_or(|p| p == phone),
                    "seed {seed}: announced to a second phone"
                );
                assert!(
                    self.outcome.is_none() && !self.byed[phone],
                    "seed {seed}: {action:?} after {:?}",
                    self.outcome
                );
                assert!(self.announcements < ANNOUNCE_TIMES, "seed {seed}");
                self.announced = Some(phone);
                self.announcements += 1;
            }
            BridgeAction::Bridge { phone } => {
                assert!(phone_ok(phone), "seed {seed}");
                if self.announce {
                    // Only on a '1' from the phone announced to, handled now.
                    assert_eq!(self.announced, Some(phone), "seed {seed}");
                    assert_eq!(
                        self.handling,
                        Some(ResidentKey { phone, digit: '1' }),
                        "seed {seed}: bridged without the resident's 1"
                    );
                }
                assert!(
                    self.answered[phone],
                    "seed {seed}: bridged before its answer"
                );
                assert!(self.bridged.is_none(), "seed {seed}: bridged twice");
                assert_eq!(self.outcome, Some(BridgeOutcome::Answered { phone }));
                self.bridged = Some(phone);
            }
            Unbridge => {
                assert!(
                    self.bridged.is_some() && self.unbridged.is_none(),
                    "seed {seed}"
                );
                self.unbridged = Some(now);
            }
            ByeCaller => {
                assert!(!self.bye_caller, "seed {seed}: BYE to the caller twice");
                self.bye_caller = true;
            }
            BridgeAction::Play {
                prompt: BridgePrompt::Declined,
                ..
            } => {
                assert_eq!(self.outcome, Some(BridgeOutcome::Declined), "seed {seed}");
            }
            BridgeAction::Play { prompt, .. } => {
                let expected = if self.voicemail {
                    BridgePrompt::LeaveMessage
                } else {
                    BridgePrompt::Unavailable
                };
                assert_eq!(prompt, expected, "seed {seed}");
                assert!(
                    matches!(
                        self.outcome,
                        Some(
                            BridgeOutcome::NoAnswer
                                | BridgeOutcome::Busy
                                | BridgeOutcome::Unavailable
                        )
                    ),
                    "seed {seed}: {action:?} after {:?}",
                    self.outcome
                );
            }
            StartVoicemail => {
                assert!(self.voicemail && self.recording.is_none(), "seed {seed}");
                self.recording = Some(true);
            }
            StopVoicemail => {
                assert_eq!(self.recording, Some(true), "seed {seed}");
                self.recording = Some(false);
            }
            BridgeAction::Outcome(o) => {
                assert!(self.outcome.is_none(), "seed {seed}: second outcome {o:?}");
                if o == BridgeOutcome::Declined {
                    assert!(
                        self.announce && self.announced.is_some(),
                        "seed {seed}: declined without an announcement"
                    );
                }
                self.outcome = Some(o);
            }
            Finished => {
                assert!(
                    self.outcome.is_some(),
                    "seed {seed}: finished without outcome"
                );
                assert_ne!(self.recording, Some(true), "seed {seed}: still recording");
                assert!(
                    self.bridged.is_none() || self.unbridged.is_some(),
                    "seed {seed}: finished while bridged"
                );
                self.finished = Some(now);
            }
        }
    }
}
