//! The task behind one [`super::MediaSession`]: its socket, its ticks and
//! what each tick sends and hands to the sink.
//!
//! Owns: the tick (prompt or relayed audio, DTMF events, the keepalive,
//! the frame pair for the sink), received packets (latched, reordered,
//! decoded), the commands, and when the task wakes. Does not own: the
//! handle call control holds (the parent) or the types they exchange
//! (`types`).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tracing::{debug, info, trace};

use super::types::{FrameSink, MediaCommand, MediaEvent, Relay};
use crate::clock;
use crate::media::dtmf_send::{DtmfSendError, DtmfSender, EventPacket};
use crate::media::latch::Latch;
use crate::media::pacing::Pacer;
use crate::media::playout::Playout;
use crate::media::receive::{Received, Receiver};
use crate::media::rtp_read;
use crate::media::rtp_write::{rtp_header, RTP_HEADER};
use crate::media::sdp::Negotiated;
use crate::media::send_gate::SendGate;
use crate::media::FRAME_SAMPLES;

/// Frames queued from a relayed stream beyond this are dropped (oldest
/// first), so the two legs' clocks drifting apart never builds up delay.
const RELAY_QUEUE: usize = 3;

/// The next frame relayed to a stream; never, when it is not bridged or
/// the other stream has gone.
async fn next_fed(relay: &mut Option<Relay>) -> Option<Vec<i16>> {
    match relay {
        Some((_, feed)) => feed.recv().await,
        None => std::future::pending().await,
    }
}

pub(super) struct Stream<S: FrameSink> {
    socket: UdpSocket,
    negotiated: Negotiated,
    /// Where media is taken from and sent to: the SDP address until media
    /// arrives, then its source.
    latch: Latch,
    /// The latch's count of refused packets, for [`MediaSession`].
    dropped: Arc<AtomicU64>,
    ssrc: u32,
    seq: u16,
    timestamp: u32,
    playout: Playout,
    receiver: Receiver,
    dtmf_out: DtmfSender,
    sink: S,
    events: mpsc::UnboundedSender<MediaEvent>,
    talkspurt: bool,
    /// Where received frames go, and where frames to send come from, while
    /// bridged to another stream.
    relay: Option<Relay>,
    /// Relayed frames taken from the feed to wake an idle stream, sent
    /// before the ones still in the feed.
    fed: VecDeque<Vec<i16>>,
    /// The packet being sent, kept for the next one.
    packet: Vec<u8>,
    /// Whether a tick sends: silence goes unsent but for a keepalive.
    gate: SendGate,
}

impl<S: FrameSink> Stream<S> {
    /// A stream on `socket` per the negotiation, reporting to `events` and
    /// counting refused packets in `dropped`. The SSRC and the first
    /// sequence number and timestamp come from `seed`.
    pub(super) fn new(
        socket: UdpSocket,
        negotiated: Negotiated,
        sink: S,
        seed: u64,
        events: mpsc::UnboundedSender<MediaEvent>,
        dropped: Arc<AtomicU64>,
    ) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        Stream {
            socket,
            latch: Latch::new(negotiated.remote),
            dropped,
            negotiated,
            ssrc: rng.u32(..),
            seq: rng.u16(..),
            timestamp: rng.u32(..),
            playout: Playout::new(),
            receiver: Receiver::new(),
            dtmf_out: DtmfSender::new(),
            sink,
            events,
            talkspurt: false,
            relay: None,
            fed: VecDeque::new(),
            packet: Vec::with_capacity(RTP_HEADER + 4 * FRAME_SAMPLES),
            gate: SendGate::new(),
        }
    }

    pub(super) async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<MediaCommand>,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) -> S {
        let mut pacer = Pacer::new(clock::now());
        let mut buf = vec![0u8; 2048];
        loop {
            // Every tick due (the ones an idle sleep or a stall left
            // behind included) runs before anything that woke us.
            self.run_due(&mut pacer).await;
            let idle = self.is_idle();
            let wake = pacer.wake_at(idle, self.gate.quiet_ticks());
            tokio::select! {
                _ = clock::sleep_until(Some(wake)) => {}
                r = self.socket.recv_from(&mut buf) => {
                    self.run_due(&mut pacer).await;
                    if let Ok((len, from)) = r {
                        self.on_packet(buf.get(..len).unwrap_or_default(), from);
                    }
                }
                cmd = commands.recv() => {
                    self.run_due(&mut pacer).await;
                    match cmd {
                        Some(cmd) => self.on_command(cmd),
                        None => break,
                    }
                }
                // An idle stream sleeps past its ticks: a frame relayed to
                // it wakes it, to be sent at the next one.
                Some(frame) = next_fed(&mut self.relay), if idle => {
                    self.run_due(&mut pacer).await;
                    self.fed.push_back(frame);
                }
                _ = &mut stop => {
                    self.run_due(&mut pacer).await;
                    break;
                }
            }
        }
        if self.latch.dropped() > 0 {
            info!(
                dropped = self.latch.dropped(),
                latched = ?self.latch.latched(),
                "RTP from other sources than the caller's was dropped"
            );
        }
        self.sink
    }

    /// Runs every tick due by now.
    async fn run_due(&mut self, pacer: &mut Pacer) {
        let now = clock::now();
        while let Some(at) = pacer.take_due(now) {
            self.on_tick(at).await;
        }
    }

    /// True when a tick would only record silence: nothing to play, relay,
    /// receive or send but the keepalive, and a sink that takes its frames
    /// late (see [`crate::media::pacing`]).
    fn is_idle(&self) -> bool {
        self.playout.is_idle()
            && self.dtmf_out.is_idle()
            && self.receiver.is_drained()
            && self.fed.is_empty()
            && self.relay.as_ref().is_none_or(|(_, feed)| feed.is_empty())
            && !self.sink.wants_each_tick()
    }

    fn on_command(&mut self, cmd: MediaCommand) {
        match cmd {
            MediaCommand::Play { id, samples } => self.playout.push(id, samples),
            MediaCommand::Relay { forward, feed } => {
                self.relay = Some((forward, feed));
                self.fed.clear();
            }
            MediaCommand::Unrelay => {
                self.relay = None;
                self.fed.clear();
            }
            MediaCommand::StopPlayback => self.playout.clear(),
            MediaCommand::Update(n) => {
                // Keep a latched address unless the SDP moved the stream.
                if n.remote != self.negotiated.remote {
                    self.latch.resignal(n.remote);
                }
                self.negotiated = n;
            }
            MediaCommand::Dtmf { digit, duration_ms } => {
                let queued = match self.negotiated.telephone_event {
                    Some(_) => self.dtmf_out.push(digit, duration_ms),
                    None => Err(DtmfSendError::NotNegotiated),
                };
                if let Err(reason) = queued {
                    debug!(%digit, %reason, "DTMF not sent");
                    self.events
                        .send(MediaEvent::DtmfNotSent { digit, reason })
                        .ok();
                }
            }
        }
    }

    /// This tick's telephone-event packet, if a digit is being sent.
    fn next_event(&mut self) -> Option<(u8, EventPacket)> {
        let Some(pt) = self.negotiated.telephone_event else {
            for digit in self.dtmf_out.clear() {
                let reason = DtmfSendError::NotNegotiated;
                self.events
                    .send(MediaEvent::DtmfNotSent { digit, reason })
                    .ok();
            }
            return None;
        };
        self.dtmf_out.tick(self.timestamp).map(|p| (pt, p))
    }

    async fn on_tick(&mut self, at: Instant) {
        let mut frame = self.playout.next_frame();
        if let Some((_, feed)) = self.relay.as_mut() {
            // The frame that woke an idle stream is the oldest queued.
            while self.fed.len() + feed.len() > RELAY_QUEUE {
                if self.fed.pop_front().is_none() {
                    feed.try_recv().ok();
                }
            }
            if let Some(samples) = self.fed.pop_front().or_else(|| feed.try_recv().ok()) {
                if samples.len() == FRAME_SAMPLES {
                    if frame.voiced {
                        // A prompt over a bridged call (the resident's
                        // warning): mixed over the other party, who is
                        // turned down by 6 dB so the prompt is clear.
                        for (out, other) in frame.samples.iter_mut().zip(&samples) {
                            *out = out.saturating_add(*other / 2);
                        }
                    } else {
                        frame.samples = samples;
                        frame.voiced = true;
                    }
                }
            }
        }
        for id in &frame.finished {
            self.events.send(MediaEvent::PlaybackFinished(*id)).ok();
        }
        let event = self.next_event();
        let may_send = !matches!(
            self.negotiated.remote_direction.answer_to(),
            crate::media::sdp::Direction::RecvOnly | crate::media::sdp::Direction::Inactive
        );
        // Counted on every tick, so the keepalive keeps its pace while the
        // stream may not send (on hold) or has nowhere to send to yet.
        let send = self.gate.tick(frame.voiced || event.is_some());
        if let (Some(remote), true, true) = (self.latch.remote(), may_send, send) {
            let (payload_type, marker, timestamp) = match &event {
                Some((pt, ev)) => (*pt, ev.marker, ev.timestamp),
                None => (
                    self.negotiated.payload_type,
                    frame.voiced && !self.talkspurt,
                    self.timestamp,
                ),
            };
            // One buffer for every packet of the stream: no allocation per
            // 20 ms.
            self.packet.clear();
            rtp_header(
                &mut self.packet,
                marker,
                payload_type,
                self.seq,
                timestamp,
                self.ssrc,
            );
            match &event {
                Some((_, ev)) => self.packet.extend_from_slice(&ev.payload[..]),
                None => self
                    .negotiated
                    .codec
                    .encode(&frame.samples, &mut self.packet),
            }
            if let Err(e) = self.socket.send_to(&self.packet, remote).await {
                trace!(%remote, error = %e, "RTP send failed");
            }
            self.seq = self.seq.wrapping_add(1);
        }
        // Audio after a digit starts a new talkspurt (marker bit).
        self.talkspurt = frame.voiced && event.is_none();
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        if let Some(digit) = event.as_ref().and_then(|(_, ev)| ev.done) {
            self.events.send(MediaEvent::DtmfSent(digit)).ok();
        }

        let caller = self.receiver.next_frame(self.negotiated.codec);
        if let (Some((forward, _)), true) = (&self.relay, self.receiver.heard()) {
            // Only what was heard: the other leg sends nothing for a gap
            // (a full queue means it is not taking frames: drop).
            forward.try_send(caller.clone()).ok();
        }
        if event.is_some() {
            self.sink.frame(at, &caller, &[0; FRAME_SAMPLES]);
        } else {
            self.sink.frame(at, &caller, &frame.samples);
        }
    }

    fn on_packet(&mut self, datagram: &[u8], from: SocketAddr) {
        // A source we could never answer.
        if from.port() == 0 || from.ip().is_unspecified() {
            return;
        }
        let Some(packet) = rtp_read::parse(datagram) else {
            trace!(%from, "not an RTP packet");
            return;
        };
        let before = self.latch.latched();
        if !self
            .latch
            .accept(from, tokio::time::Instant::now().into_std())
        {
            self.dropped.store(self.latch.dropped(), Ordering::Relaxed);
            trace!(%from, latched = ?before, "RTP from another source dropped");
            return;
        }
        if before != Some(from) {
            debug!(%from, "RTP latched to the caller's real source");
        }
        if let Received::Digit(d) = self.receiver.on_rtp(&packet, &self.negotiated) {
            debug!(digit = %d, "RFC 4733 digit");
            self.events.send(MediaEvent::Dtmf(d)).ok();
        }
    }
}
