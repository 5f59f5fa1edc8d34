//! Media code: plain structs, testable without sockets.
//!
//! Owns: SDP offer/answer (`sdp`), G.711 (`g711`), DTMF by RTP events and
//! by SIP INFO bodies (`dtmf`, `dtmf_send`, `info`), inbound jitter and
//! reordering (`reorder`, `inbound`), prompt playout (`playout`), when
//! silence is not sent (`send_gate`), when a stream's ticks run
//! (`pacing`), RTP headers (`rtp_read`, `rtp_write`), and the
//! audio format they share (8 kHz, 20 ms frames).
//!
//! Does not own: sockets and reading the clock (`rtp_session`), or SIP
//! signalling (the call code decides which status an SDP error gets).

pub mod dtmf;
pub mod dtmf_send;
pub mod g711;
pub mod inbound;
pub mod info;
pub mod latch;
pub mod pacing;
pub mod playout;
pub mod receive;
pub mod reorder;
pub mod rtp_read;
pub mod rtp_write;
pub mod sdp;
pub mod send_gate;

/// Telephone audio sample rate (G.711).
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms packetization interval at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;
