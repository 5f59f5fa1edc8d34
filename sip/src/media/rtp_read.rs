//! Reading a received RTP packet (RFC 3550 §5.1): the fields the receiver
//! uses and the payload, with CSRCs, the header extension and padding
//! stepped over.
//!
//! Owns: deciding whether a datagram is an RTP packet and where its payload
//! is. Does not own: writing packets (the session uses the `rtp` crate),
//! header extension contents, CSRCs, RTCP, or what a payload type means.
//!
//! The `rtp` crate's reader (0.17.2) panics on an RFC 8285 header
//! extension element that runs past the end of the datagram, which anyone
//! who can send us a packet can do; this reader only steps over the
//! extension, by its length, and never indexes outside the datagram.

/// Fixed header length, without CSRCs.
const FIXED_LEN: usize = 12;

/// The parts of an RTP packet the receiver uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence_number: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    /// What follows the header, without padding.
    pub payload: &'a [u8],
}

/// `datagram` as an RTP version 2 packet; `None` if it is not one (too
/// short for its CSRC count, header extension or padding, or another
/// version).
pub fn parse(datagram: &[u8]) -> Option<RtpPacket<'_>> {
    let fixed = datagram.get(..FIXED_LEN)?;
    let word =
        |at: usize| u32::from_be_bytes([fixed[at], fixed[at + 1], fixed[at + 2], fixed[at + 3]]);
    if fixed[0] >> 6 != 2 {
        return None;
    }
    let padding = fixed[0] & 0x20 != 0;
    let extension = fixed[0] & 0x10 != 0;
    let csrc_count = usize::from(fixed[0] & 0x0f);
    let mut offset = FIXED_LEN + 4 * csrc_count;
    if extension {
        // 16 bits defined by the profile, then the length in 32-bit words.
        let header = datagram.get(offset..offset + 4)?;
        let words = usize::from(u16::from_be_bytes([header[2], header[3]]));
        offset += 4 + 4 * words;
    }
    let mut payload = datagram.get(offset..)?;
    if padding {
        // The last octet counts the padding octets, itself included.
        let count = usize::from(*payload.last()?);
        payload = payload.get(..payload.len().checked_sub(count)?)?;
    }
    Some(RtpPacket {
        marker: fixed[1] & 0x80 != 0,
        payload_type: fixed[1] & 0x7f,
        sequence_number: u16::from_be_bytes([fixed[2], fixed[3]]),
        timestamp: word(4),
        ssrc: word(8),
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Version 2, `flags` in the low six bits of the first octet, PT 0,
    /// sequence 0x0102, timestamp 0x03040506, SSRC 0x0708090a.
    fn header(flags: u8) -> Vec<u8> {
        vec![0x80 | flags, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    }

    #[test]
    fn reads_the_fixed_header_and_payload() {
        let mut p = header(0);
        p.extend_from_slice(b"audio");
        let got = parse(&p).expect("RTP");
        assert!(got.marker);
        assert_eq!(got.payload_type, 0);
        assert_eq!(got.sequence_number, 0x0102);
        assert_eq!(got.timestamp, 0x0304_0506);
        assert_eq!(got.ssrc, 0x0708_090a);
        assert_eq!(got.payload, b"audio");
        assert_eq!(parse(&p[..12]).map(|r| r.payload), Some(&b""[..]));
    }

    #[test]
    fn steps_over_csrcs_extension_and_padding() {
        let mut p = header(0x20 | 0x10 | 2);
        p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // two CSRCs
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]); // one word
        p.extend_from_slice(b"audio");
        p.extend_from_slice(&[0, 0, 3]);
        assert_eq!(parse(&p).map(|r| r.payload), Some(&b"audio"[..]));
    }

    #[test]
    fn rejects_what_does_not_fit_or_is_not_rtp() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&header(0)[..11]), None);
        let mut v1 = header(0);
        v1[0] = 0x40;
        assert_eq!(parse(&v1), None, "version 1");
        assert_eq!(parse(&header(3)), None, "three CSRCs promised, none there");
        assert_eq!(parse(&header(0x10)), None, "extension header missing");
        let mut long = header(0x10);
        long.extend_from_slice(&[0xbe, 0xde, 0, 9, 0x1f]);
        assert_eq!(parse(&long), None, "extension longer than the datagram");
        let mut pad = header(0x20);
        pad.extend_from_slice(&[1, 9]);
        assert_eq!(parse(&pad), None, "more padding than payload");
        assert_eq!(parse(&header(0x20)), None, "padding flag without octets");
    }

    /// The datagram that made the `rtp` crate panic: a one-byte header
    /// extension element (id 1, 16 octets) running past the datagram.
    #[test]
    fn an_extension_element_past_the_end_is_no_panic() {
        let mut p = header(0x10);
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x1f, 0, 0, 0]);
        assert_eq!(parse(&p).map(|r| r.payload), Some(&b""[..]));
        let crate_reader = std::panic::catch_unwind(|| {
            use webrtc_util::marshal::Unmarshal;
            rtp::packet::Packet::unmarshal(&mut &p[..]).map(drop)
        });
        assert!(
            crate_reader.is_err(),
            "the rtp crate reads this without panicking now: its reader could be used again"
        );
    }
}
