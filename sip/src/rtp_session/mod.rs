//! One call's RTP stream: the only media code that touches a socket.
//!
//! Owns: the RTP socket and its 20 ms ticks (run late while the stream
//! is idle: [`crate::media::pacing`]) — sending prompt audio (or
//! silence, sent only as a keepalive: [`SendGate`](crate::media::send_gate::SendGate)) with our own SSRC,
//! sequence numbers and timestamps; symmetric
//! latching through [`Latch`](crate::media::latch::Latch) (we send to where the caller's media really
//! comes from, and take media only from there: packets from any other
//! source are dropped and counted, [`MediaSession::dropped_packets`]);
//! receiving audio and RFC 4733 DTMF through the [`Receiver`](crate::media::receive::Receiver) (reorder
//! buffer, any packet time, the digit detector); sending RFC 4733 DTMF (a tick that
//! carries a telephone-event packet carries no audio: the queued audio still
//! advances, so a prompt is cut, not delayed, and the sink records silence
//! as sent); and handing each tick's pair of frames (caller, sent) to a
//! [`FrameSink`] so a recording is time-aligned.
//!
//! Does not own: what to play (call control sends [`MediaCommand`]s) or files
//! (the sink is the application's).
//!
//! Split into the types call control uses (`types`) and the task behind
//! the handle (`stream`).

mod stream;
mod types;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::media::sdp::Negotiated;
pub use crate::rtp_ports::{even_ports, PortRange};
use stream::Stream;
pub use types::{relay_one_way, relay_pair, FrameSink, MediaCommand, MediaEvent, NoSink};

/// A running media stream.
pub struct MediaSession<S: FrameSink> {
    commands: mpsc::UnboundedSender<MediaCommand>,
    /// Digits and playback progress.
    pub events: mpsc::UnboundedReceiver<MediaEvent>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: JoinHandle<S>,
    dropped: Arc<AtomicU64>,
}

impl<S: FrameSink> MediaSession<S> {
    /// Starts streaming on `socket` per the negotiation. `ssrc` and the first
    /// sequence number/timestamp come from the caller's seeded RNG.
    pub fn start(socket: UdpSocket, negotiated: Negotiated, sink: S, seed: u64) -> Self {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let dropped = Arc::new(AtomicU64::new(0));
        let stream = Stream::new(socket, negotiated, sink, seed, ev_tx, dropped.clone());
        let task = tokio::spawn(stream.run(cmd_rx, stop_rx));
        MediaSession {
            commands: cmd_tx,
            events: ev_rx,
            stop: Some(stop_tx),
            task,
            dropped,
        }
    }

    /// RTP packets refused so far because they came from another source
    /// than the caller's media (see [`Latch`](crate::media::latch::Latch)).
    pub fn dropped_packets(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends a command to the stream (ignored once it has stopped).
    pub fn command(&self, command: MediaCommand) {
        self.commands.send(command).ok();
    }

    /// Stops the stream and gives back the sink, with every frame delivered.
    pub async fn stop(mut self) -> Option<S> {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        (&mut self.task).await.ok()
    }
}
