//! Media code: plain structs, testable without sockets.
pub mod dtmf;
pub mod dtmf_send;
pub mod g711;
pub mod inbound;
pub mod info;
pub mod playout;
pub mod receive;
pub mod reorder;
pub mod rtp_read;
pub mod sdp;

/// Telephone audio sample rate (G.711).
pub const SAMPLE_RATE: u32 = 8000;
/// Samples in one 20 ms packetization interval at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;
