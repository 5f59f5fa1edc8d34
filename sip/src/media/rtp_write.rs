//! Writing an RTP packet's header (RFC 3550 section 5.1) into a reused
//! buffer, so a stream sends every packet without an allocation.
//!
//! Owns: the fixed header's layout. Does not own: payloads, CSRCs,
//! extensions or padding (a stream sends none), or reading packets
//! (`rtp_read`).

/// Bytes in an RTP header without CSRCs or extensions.
pub const RTP_HEADER: usize = 12;

/// Appends an RTP version 2 header (no padding, extension or CSRCs).
pub fn rtp_header(
    out: &mut Vec<u8>,
    marker: bool,
    payload_type: u8,
    seq: u16,
    timestamp: u32,
    ssrc: u32,
) {
    out.push(0x80);
    out.push(u8::from(marker) << 7 | (payload_type & 0x7f));
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::rtp_header;
    use webrtc_util::marshal::Marshal;

    #[test]
    fn our_header_is_the_one_the_rtp_crate_writes() {
        for (marker, pt) in [(false, 8u8), (true, 101)] {
            let packet = rtp::packet::Packet {
                header: rtp::header::Header {
                    version: 2,
                    marker,
                    payload_type: pt,
                    sequence_number: 0xBEEF,
                    timestamp: 0x0102_0304,
                    ssrc: 0xA1B2_C3D4,
                    ..Default::default()
                },
                payload: bytes::Bytes::from_static(&[1, 2, 3]),
            };
            let theirs = packet.marshal().expect("marshal");
            let mut ours = Vec::new();
            rtp_header(&mut ours, marker, pt, 0xBEEF, 0x0102_0304, 0xA1B2_C3D4);
            ours.extend_from_slice(&[1, 2, 3]);
            assert_eq!(ours[..], theirs[..]);
        }
    }
}
