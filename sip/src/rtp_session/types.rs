//! What a media stream and its user exchange: the commands call control
//! sends ([`MediaCommand`]), the events it gets back ([`MediaEvent`]), the
//! sink each tick's frames go to ([`FrameSink`]), and the pairs of relay
//! commands that bridge two streams.
//!
//! Does not own: the stream itself (`stream`) or its handle (the parent).

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::media::dtmf_send::DtmfSendError;
use crate::media::sdp::Negotiated;

/// Receives one 20 ms frame pair per tick: what the caller sent us and what
/// we sent them, both [`FRAME_SAMPLES`](crate::media::FRAME_SAMPLES) long.
pub trait FrameSink: Send + 'static {
    /// The audio of the tick due `at` (tokio's clock, as a
    /// [`std::time::Instant`]): a frame may come after its tick (see
    /// [`FrameSink::wants_each_tick`]), so what starts listening at a time
    /// compares it with `at`.
    fn frame(&mut self, at: Instant, caller: &[i16], sent: &[i16]);

    /// Whether this sink needs each frame at its tick. When false (the
    /// default), the frames of an idle stream (silence both ways) may come
    /// up to [`crate::media::pacing::IDLE_TICKS`] ticks late, in order.
    fn wants_each_tick(&self) -> bool {
        false
    }
}

/// A sink that keeps nothing.
pub struct NoSink;
impl FrameSink for NoSink {
    fn frame(&mut self, _at: Instant, _caller: &[i16], _sent: &[i16]) {}
}

/// What call control asks of the media stream.
#[derive(Debug)]
pub enum MediaCommand {
    /// Queue audio (8 kHz mono) to play after what is queued.
    Play { id: u32, samples: Arc<[i16]> },
    /// Bridge this stream to another: every 20 ms frame of audio received
    /// here (none for a gap in what arrives) goes
    /// to `forward`, and frames from `feed` are sent, with any prompt
    /// played meanwhile mixed over them (each stream encodes with its own
    /// codec, SSRC, sequence numbers and timestamps, so PCMU and PCMA legs
    /// interwork). See [`relay_pair`].
    Relay {
        forward: mpsc::Sender<Vec<i16>>,
        feed: mpsc::Receiver<Vec<i16>>,
    },
    /// Stop relaying.
    Unrelay,
    /// Drop everything queued (barge-in).
    StopPlayback,
    /// New negotiation (re-INVITE: hold, unhold, new address or codec).
    Update(Negotiated),
    /// Send a key press as RFC 4733 telephone-events, after any digits
    /// already queued. Reported by [`MediaEvent::DtmfSent`], or by
    /// [`MediaEvent::DtmfNotSent`] when the peer did not negotiate
    /// telephone-event (there is no fallback: neither in-band tones nor
    /// SIP INFO) or `digit` is not one of `0-9 * # A-D`.
    Dtmf { digit: char, duration_ms: u32 },
}

/// What the media stream reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    /// An RFC 4733 digit, on the first packet of its event.
    Dtmf(char),
    /// A queued prompt has been sent completely.
    PlaybackFinished(u32),
    /// A digit of [`MediaCommand::Dtmf`] has been sent (its last end packet).
    DtmfSent(char),
    /// A digit of [`MediaCommand::Dtmf`] was dropped unsent, or cut short
    /// by a new negotiation without telephone-event.
    DtmfNotSent { digit: char, reason: DtmfSendError },
}

/// A bridged stream's ends: where received frames go, where sent ones come from.
pub(crate) type Relay = (mpsc::Sender<Vec<i16>>, mpsc::Receiver<Vec<i16>>);

/// The two [`MediaCommand::Relay`] commands that connect two streams both
/// ways: give the first to one stream and the second to the other.
pub fn relay_pair() -> (MediaCommand, MediaCommand) {
    let (a_tx, a_rx) = mpsc::channel(16);
    let (b_tx, b_rx) = mpsc::channel(16);
    (
        MediaCommand::Relay {
            forward: a_tx,
            feed: b_rx,
        },
        MediaCommand::Relay {
            forward: b_tx,
            feed: a_rx,
        },
    )
}

/// The two [`MediaCommand::Relay`] commands that send one stream's audio
/// to another, one way (early media: the caller hears the phone, the
/// phone does not hear the caller): give the first to the stream that
/// hears, the second to the stream heard.
pub fn relay_one_way() -> (MediaCommand, MediaCommand) {
    let (heard_tx, heard_rx) = mpsc::channel(16);
    // Ends that nothing writes to or reads from: the hearer's own audio
    // goes nowhere, and the heard stream is sent nothing.
    let (nowhere, _) = mpsc::channel(1);
    let (_, nothing) = mpsc::channel(1);
    (
        MediaCommand::Relay {
            forward: nowhere,
            feed: heard_rx,
        },
        MediaCommand::Relay {
            forward: heard_tx,
            feed: nothing,
        },
    )
}
