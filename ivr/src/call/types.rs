//! The vocabulary of one answered call: its settings, the inputs the shell
//! feeds in, the outputs it carries out, and how (and by whom) the call
//! ended.
//!
//! Owns: these plain data types and the text the call log stores for
//! [`EndReason`] and [`HungUpBy`] (`as_str`, part of the log's data format).
//! Does not own: the machine that uses them ([`super::Call`]) or the
//! sub-machines' own vocabularies (screening, bridge, tagging), which these
//! types wrap.

use std::fmt;
use std::time::Duration;

use crate::bridge::{BridgeOutcome, BridgePrompt};
use crate::lineclear::Trigger;
use crate::screening::{ChallengeSettings, Outcome, Prompt};
use crate::tagging::{HeardWord, Risk, RiskReason, SharedTaggerConfig, Speaker, Tag, TagKind};

/// How long the call waits for the answer to our BYE to the caller before
/// giving up on the dialog, outside a bridge (the SIP stack's own timer F
/// is 32 s; the media is already stopped).
pub const BYE_WAIT: Duration = Duration::from_secs(34);

/// How one line's answered calls run. Built per call by the shell from
/// the line's configuration.
#[derive(Clone, Debug)]
pub struct CallSettings {
    /// The screening challenge.
    pub challenge: ChallengeSettings,
    /// How long the resident's phones ring.
    pub ring_timeout: Duration,
    /// After no answer, the caller may leave a message.
    pub voicemail: bool,
    /// The resident hears the caller's recorded name and accepts with 1.
    pub announce: bool,
    /// How long to wait for the answer to our BYE outside a bridge
    /// ([`BYE_WAIT`]; a shutdown brings its own grace).
    pub bye_wait: Duration,
    /// Warn the resident (in-call tone and words) when the call turns high
    /// risk.
    pub warn_resident: bool,
    /// A call rated medium or high risk ends in the line-clear callback's
    /// offer (unless it ended for a shutdown or a line clear).
    pub offer_after_risky_calls: bool,
    /// Phrase lists and risk rules for the call's tagger, compiled once
    /// for every call that uses them.
    pub tagger: SharedTaggerConfig,
}

impl Default for CallSettings {
    fn default() -> Self {
        Self {
            challenge: ChallengeSettings::default(),
            ring_timeout: Duration::from_secs(30),
            voicemail: false,
            announce: false,
            bye_wait: BYE_WAIT,
            warn_resident: true,
            offer_after_risky_calls: true,
            tagger: SharedTaggerConfig::default(),
        }
    }
}

/// One playback the machine asked for, unique within the call. The shell
/// reports [`Input::PlaybackFinished`] with it; the machine knows which
/// part of the call asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlaybackId(pub u32);

/// A leg of the call: the caller's, or the resident's phone number N (as
/// numbered in [`Output::RingPhones`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Leg {
    Caller,
    Phone(usize),
}

/// What to play on a leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sound {
    /// A screening prompt, to the caller.
    Screening(Prompt),
    /// A bridge prompt (no answer, declined), to the caller.
    Bridge(BridgePrompt),
    /// The ringback tone, to the caller while the phones ring: enough of
    /// it to outlast the ring timeout.
    Ringback,
    /// The short tone before a name or a message is recorded.
    Beep,
    /// "Call from" the caller's recorded name, "press 1 to accept, 2 to
    /// reject", to the phone that answered.
    Announcement,
    /// The fraud warning, to the bridged phone only; the shell also mixes
    /// it into the recording's resident channel.
    Warning,
}

/// Something that happened on the caller's dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallerEvent {
    /// A key (RFC 4733 on the stream, or SIP INFO).
    Key(char),
    /// The caller sent BYE.
    HungUp,
    /// The caller cancelled before the answer.
    Cancelled,
    /// No ACK came for our 200; the SIP layer has sent BYE.
    AckTimeout,
    /// The session was not refreshed (RFC 4028); the SIP layer has sent BYE.
    SessionExpired,
    /// Our BYE (or the SIP layer's) completed.
    ByeDone,
    /// The dialog is over: nothing more will come from it.
    Gone,
}

/// Something that happened on one of the resident's phones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneEvent {
    /// A provisional response (100 is not reported).
    Progress(u16),
    /// A provisional response with SDP (183): the phone sends early media
    /// (the shell keeps its SDP).
    EarlyMedia,
    /// 200 OK to our INVITE.
    Answered,
    /// The INVITE ended without an answer (408 for a timeout, 503 when the
    /// shell could not send it).
    Failed(u16),
    /// The phone sent BYE.
    HungUp,
    /// Our CANCEL or BYE to the phone completed, or failed.
    Gone,
    /// A key pressed on the phone (RFC 4733 or SIP INFO).
    Key(char),
}

/// What the shell feeds in, each with `now`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Caller(CallerEvent),
    Phone {
        phone: usize,
        event: PhoneEvent,
    },
    /// A playback asked for with [`Output::Play`] has played to the end.
    PlaybackFinished(PlaybackId),
    /// The name recording asked for with [`Output::RecordName`] ended.
    NameRecorded,
    /// Words from the speech recogniser.
    Heard {
        speaker: Speaker,
        words: Vec<HeardWord>,
    },
    /// The answer to [`Output::FindPhones`]: how many of the line's phones
    /// can be rung now (numbered from 0 in the shell's list).
    PhonesFound(usize),
    /// A line-clear callback needs the line: end this call.
    ClearLine,
    /// The service is stopping: end this call, waiting at most `grace` for
    /// the caller's answer to our BYE.
    Shutdown {
        grace: Duration,
    },
}

/// A write to the call log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// The screening's outcome.
    Outcome(Outcome),
    /// The bridge's outcome.
    Bridge(BridgeOutcome),
    /// This phone was connected to the caller (the shell logs its URI).
    Bridged { phone: usize },
    /// Who ended the call; emitted once, for the first to do so.
    HungUpBy(HungUpBy),
    /// A tag, with its evidence.
    Tag(Tag),
    /// The call's risk rose to `reason.risk`, with the rule and evidence
    /// that raised it.
    Risk(RiskReason),
}

/// Something the shell must do, in the order drained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// 100 Trying to the caller: a caller let through without a challenge
    /// is answered only when a phone answers, which may take a while.
    /// First, once, for those callers only.
    Trying,
    /// 180 Ringing to the caller; not answered yet. For a caller let
    /// through without a challenge: a phone is ringing (once).
    Ring,
    /// 183 with our SDP answer to a caller let through without a
    /// challenge, their stream started (not recorded) and this ringing
    /// phone's early media relayed to it, one way. Once, instead of
    /// `Ring` if none was sent yet.
    EarlyMedia { phone: usize },
    /// Stop relaying early media to the caller; their stream goes on.
    EndEarlyMedia,
    /// 200 OK to the caller, start the stream, the recording and the
    /// recogniser. For a caller let through without a challenge: when a
    /// phone answers (just before `Connect`) or voicemail starts.
    Answer,
    /// 603 Decline, without answering.
    Decline,
    /// This final response to a caller let through without a challenge
    /// whom nobody took (486 busy, 480 no answer or unavailable, 603
    /// declined), without answering.
    Reject { status: u16 },
    /// Queue a sound on a leg behind what already plays there; report
    /// [`Input::PlaybackFinished`] with `id` when it has played (a phone's
    /// stream is started on first use).
    Play {
        leg: Leg,
        id: PlaybackId,
        sound: Sound,
    },
    /// Drop everything queued or playing on a leg. No finish is expected
    /// for those playbacks (one that still comes is ignored).
    Stop { leg: Leg },
    /// Record the caller's name (after the beep) until silence after
    /// speech or [`crate::NAME_MAX`]; report [`Input::NameRecorded`].
    RecordName,
    /// Stop the name recording and keep what was said.
    StopName,
    /// Record the caller's message (after the beep), and log where.
    StartMessage,
    /// Stop recording the caller's message and keep it.
    StopMessage,
    /// Which of the line's phones can be rung now? Answer with
    /// [`Input::PhonesFound`].
    FindPhones,
    /// INVITE each of these phones (from the list found).
    RingPhones(Vec<usize>),
    /// CANCEL this phone if it still rings, BYE if it answered; drop its
    /// stream.
    HangUpPhone(usize),
    /// Connect the caller's stream and this phone's, both ways (whatever
    /// plays on either stops).
    Connect { phone: usize },
    /// Disconnect the streams connected by `Connect`; drop the phones'.
    Unbridge,
    /// BYE to the caller.
    ByeCaller,
    /// Write this to the call log.
    Record(Record),
    /// The trusted contact's alert: the call turned high risk (`reason`
    /// says why). Once.
    AlertContact {
        risk: Risk,
        tags: Vec<TagKind>,
        reason: RiskReason,
    },
    /// The caller passed the challenge: remember them on the line.
    RememberPassed,
    /// The call is over (emitted once, last): log `reason`, finish the
    /// recordings, then start the line-clear callback's `offer` if any,
    /// once the call is off the line.
    Finished {
        reason: EndReason,
        offer: Option<Trigger>,
    },
}

/// Why the call ended; [`EndReason::as_str`] is what the call log stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// The caller hung up (or cancelled).
    CallerHungUp,
    /// We hung up, and the caller answered our BYE.
    WeHungUp,
    /// Refused without an answer (603).
    Declined,
    /// Rung through without an answer: nobody took the call and the
    /// caller got a final response (busy, no answer, declined).
    NotAnswered,
    /// Our BYE went unanswered.
    ByeUnanswered,
    /// The caller never ACKed our 200.
    NoAck,
    /// The caller let the session expire.
    SessionExpired,
    /// The caller's dialog ended without a BYE we saw.
    DialogEnded,
    /// The bridge tore every leg down with no other reason.
    BridgeEnded,
    /// A line-clear callback needed the line.
    LineCleared,
    /// The service stopped.
    Shutdown,
}

impl EndReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            EndReason::CallerHungUp => "caller hung up",
            EndReason::WeHungUp => "we hung up",
            EndReason::Declined => "declined",
            EndReason::NotAnswered => "not answered",
            EndReason::ByeUnanswered => "BYE unanswered",
            EndReason::NoAck => "no ACK",
            EndReason::SessionExpired => "session expired",
            EndReason::DialogEnded => "dialog ended",
            EndReason::BridgeEnded => "bridge ended",
            EndReason::LineCleared => "line cleared",
            EndReason::Shutdown => "shutdown",
        }
    }

    /// Whether the after-call callback may follow: not when the service
    /// stopped, nor when a callback already took the line.
    pub fn allows_offer(&self) -> bool {
        !matches!(self, EndReason::Shutdown | EndReason::LineCleared)
    }
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who ended the call; [`HungUpBy::as_str`] is what the call log stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HungUpBy {
    Caller,
    /// The bridged resident.
    Resident,
    /// We did (a goodbye, a line clear, a shutdown, an expired session).
    Service,
}

impl HungUpBy {
    pub fn as_str(&self) -> &'static str {
        match self {
            HungUpBy::Caller => "caller",
            HungUpBy::Resident => "resident",
            HungUpBy::Service => "service",
        }
    }
}

impl fmt::Display for HungUpBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
