//! What one call's received RTP datagrams become, without the socket.
//!
//! Owns: reading a datagram as RTP (with [`rtp_read`](super::rtp_read)) and handing
//! its payload on by payload type: the negotiated telephone-event type to
//! the RFC 4733 [`DtmfDetector`], the negotiated audio type to [`Inbound`]
//! (reorder buffer, 20 ms frames); any other type is ignored.
//!
//! Does not own: the socket, which sources are believed or latched onto,
//! or the 20 ms clock (the RTP session calls [`Receiver::next_frame`] once
//! per tick).

use super::dtmf::DtmfDetector;
use super::g711::Codec;
use super::inbound::Inbound;
use super::rtp_read;
use super::sdp::Negotiated;

/// Packets held back before playout starts (60 ms at 20 ms per packet).
const REORDER_DEPTH: usize = 3;

/// What one datagram was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Not an RTP packet.
    NotRtp,
    /// An audio packet, queued for playout.
    Audio,
    /// The first packet of an RFC 4733 key press.
    Digit(char),
    /// RTP, but nothing new: another payload type, or a telephone-event
    /// packet that starts no new key press.
    Nothing,
}

/// The receiving half of a call's RTP stream.
#[derive(Debug)]
pub struct Receiver {
    inbound: Inbound,
    dtmf: DtmfDetector,
}

impl Default for Receiver {
    fn default() -> Self {
        Receiver::new()
    }
}

impl Receiver {
    /// A receiver that has seen nothing.
    pub fn new() -> Self {
        Receiver {
            inbound: Inbound::new(REORDER_DEPTH),
            dtmf: DtmfDetector::new(),
        }
    }

    /// One datagram from the caller, read as `negotiated` says.
    pub fn on_datagram(&mut self, datagram: &[u8], negotiated: &Negotiated) -> Received {
        match rtp_read::parse(datagram) {
            Some(packet) => self.on_rtp(&packet, negotiated),
            None => Received::NotRtp,
        }
    }

    /// One RTP packet from the caller (already parsed), read as
    /// `negotiated` says.
    pub fn on_rtp(
        &mut self,
        packet: &rtp_read::RtpPacket<'_>,
        negotiated: &Negotiated,
    ) -> Received {
        let pt = packet.payload_type;
        if Some(pt) == negotiated.telephone_event {
            match self.dtmf.on_packet(packet.timestamp, packet.payload) {
                Some(digit) => Received::Digit(digit),
                None => Received::Nothing,
            }
        } else if pt == negotiated.payload_type {
            let seq = packet.sequence_number;
            self.inbound.push(seq, packet.payload.to_vec());
            Received::Audio
        } else {
            Received::Nothing
        }
    }

    /// This tick's 20 ms of caller audio, decoded with `codec`.
    pub fn next_frame(&mut self, codec: Codec) -> Vec<i16> {
        self.inbound.next_frame(codec)
    }

    /// True when no received audio waits (see [`Inbound::is_drained`]).
    pub fn is_drained(&self) -> bool {
        self.inbound.is_drained()
    }

    /// Whether the last frame held received audio (see [`Inbound::heard`]).
    pub fn heard(&self) -> bool {
        self.inbound.heard()
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use webrtc_util::marshal::Marshal;

    use super::*;
    use crate::media::dtmf::TelephoneEvent;
    use crate::media::sdp::Direction;
    use crate::media::FRAME_SAMPLES;

    fn negotiated() -> Negotiated {
        Negotiated {
            codec: Codec::Pcmu,
            payload_type: 0,
            telephone_event: Some(101),
            remote: None,
            remote_direction: Direction::SendRecv,
            ptime: None,
        }
    }

    fn packet(pt: u8, seq: u16, timestamp: u32, payload: Vec<u8>) -> Vec<u8> {
        let packet = rtp::packet::Packet {
            header: rtp::header::Header {
                version: 2,
                payload_type: pt,
                sequence_number: seq,
                timestamp,
                ssrc: 7,
                ..Default::default()
            },
            payload: Bytes::from(payload),
        };
        packet.marshal().expect("marshal").to_vec()
    }

    #[test]
    fn payload_types_go_where_the_negotiation_says() {
        let n = negotiated();
        let mut rx = Receiver::new();
        let key = TelephoneEvent {
            event: 5,
            end: false,
            volume: 10,
            duration: 160,
        };
        let dtmf = packet(101, 1, 800, key.to_bytes().to_vec());
        assert_eq!(rx.on_datagram(&dtmf, &n), Received::Digit('5'));
        assert_eq!(rx.on_datagram(&dtmf, &n), Received::Nothing);
        let audio = packet(0, 2, 960, vec![0x20; FRAME_SAMPLES]);
        assert_eq!(rx.on_datagram(&audio, &n), Received::Audio);
        assert_eq!(
            rx.on_datagram(&packet(8, 3, 1120, vec![0; 160]), &n),
            Received::Nothing
        );
        assert_eq!(rx.on_datagram(b"\x01\x00", &n), Received::NotRtp);
        assert_eq!(rx.on_datagram(&[], &n), Received::NotRtp);
    }

    #[test]
    fn audio_plays_after_the_reorder_depth() {
        let n = negotiated();
        let mut rx = Receiver::new();
        for seq in 0..3u16 {
            assert_eq!(rx.next_frame(Codec::Pcmu), vec![0; FRAME_SAMPLES]);
            let audio = packet(0, seq, u32::from(seq) * 160, vec![0x20; FRAME_SAMPLES]);
            rx.on_datagram(&audio, &n);
        }
        let frame = rx.next_frame(Codec::Pcmu);
        assert_eq!(frame.len(), FRAME_SAMPLES);
        assert!(frame.iter().all(|&s| s != 0), "audio after three packets");
    }
}
