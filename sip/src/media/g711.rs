//! G.711 (ITU-T) µ-law and A-law companding, and the [`Codec`] type that
//! names the two for SDP and RTP.
//!
//! Owns: sample conversion between 16-bit linear PCM and 8-bit G.711 codes,
//! following the ITU-T G.191 reference implementation (`ulaw_compress`,
//! `ulaw_expand`, `alaw_compress`, `alaw_expand`), and the static RTP payload
//! types and SDP encoding names of PCMU/PCMA.
//!
//! Does not own: packetization, resampling, RTP headers or SDP negotiation
//! (see `sdp.rs`). Every byte value is a valid G.711 code, so decoding can't
//! fail and nothing here returns an error.

/// The two G.711 codecs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// µ-law (North America, Japan), static RTP payload type 0.
    Pcmu,
    /// A-law (rest of the world), static RTP payload type 8.
    Pcma,
}

impl Codec {
    /// Static RTP payload type from RFC 3551: 0 for PCMU, 8 for PCMA.
    pub fn static_payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// Encoding name as written in `a=rtpmap` (RFC 3551).
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// Encodes linear PCM samples, appending one byte per sample to `out`.
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        let f = match self {
            Codec::Pcmu => ulaw_encode,
            Codec::Pcma => alaw_encode,
        };
        out.extend(pcm.iter().map(|&s| f(s)));
    }

    /// Decodes G.711 bytes, appending one sample per byte to `out`.
    pub fn decode(self, data: &[u8], out: &mut Vec<i16>) {
        let f = match self {
            Codec::Pcmu => ulaw_decode,
            Codec::Pcma => alaw_decode,
        };
        out.extend(data.iter().map(|&b| f(b)));
    }
}

/// Encodes one linear sample to µ-law.
pub fn ulaw_encode(s: i16) -> u8 {
    let x = i32::from(s);
    // One's complement for negatives keeps the quantizer symmetric (G.191).
    let mag = if x < 0 { (!x) >> 2 } else { x >> 2 } + 33;
    let mag = mag.min(0x1FFF);
    let mut segment = 1;
    let mut i = mag >> 6;
    while i != 0 {
        segment += 1;
        i >>= 1;
    }
    let high = 8 - segment;
    let low = 0x0F - ((mag >> segment) & 0x0F);
    let code = (high << 4) | low;
    let code = if x >= 0 { code | 0x80 } else { code };
    // `code` is at most 0xFF by construction.
    (code & 0xFF) as u8
}

/// Decodes one µ-law byte to a linear sample.
pub fn ulaw_decode(b: u8) -> i16 {
    let inv = !b;
    let exponent = i32::from((inv >> 4) & 0x07);
    let mantissa = i32::from(inv & 0x0F);
    let step = 4 << (exponent + 1);
    let mag = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
    // |mag| <= 32124, so the cast can't truncate.
    if b < 0x80 {
        -mag as i16
    } else {
        mag as i16
    }
}

/// Encodes one linear sample to A-law.
pub fn alaw_encode(s: i16) -> u8 {
    let x = i32::from(s);
    let mut ix = if x < 0 { (!x) >> 4 } else { x >> 4 };
    if ix > 15 {
        let mut exponent = 1;
        while ix > 16 + 15 {
            ix >>= 1;
            exponent += 1;
        }
        ix -= 16;
        ix += exponent << 4;
    }
    if x >= 0 {
        ix |= 0x80;
    }
    // `ix` is at most 0xFF by construction.
    ((ix ^ 0x55) & 0xFF) as u8
}

/// Decodes one A-law byte to a linear sample.
pub fn alaw_decode(b: u8) -> i16 {
    let ix = i32::from((b ^ 0x55) & 0x7F);
    let exponent = ix >> 4;
    let mut mag = ix & 0x0F;
    if exponent > 0 {
        mag += 16;
    }
    mag = (mag << 4) + 8;
    if exponent > 1 {
        mag <<= exponent - 1;
    }
    // |mag| <= 32256, so the cast can't truncate.
    if b > 0x7F {
        mag as i16
    } else {
        -mag as i16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_known_vectors() {
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0xFE), 8);
        assert_eq!(ulaw_decode(0x7E), -8);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_encode(8), 0xFE);
        assert_eq!(ulaw_encode(-8), 0x7E);
        assert_eq!(ulaw_encode(1000), 0xCE);
        assert_eq!(ulaw_decode(0xCE), 988);
    }

    #[test]
    fn alaw_known_vectors() {
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(alaw_encode(1000), 0xFA);
        assert_eq!(alaw_decode(0xFA), 1008);
    }

    #[test]
    fn every_code_survives_decode_then_encode() {
        for b in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(b)), b, "A-law {b:#04x}");
            // µ-law has two zero codes; 0x7F ("negative zero") re-encodes as 0xFF.
            let expected = if b == 0x7F { 0xFF } else { b };
            assert_eq!(ulaw_encode(ulaw_decode(b)), expected, "µ-law {b:#04x}");
        }
    }

    #[test]
    fn decoding_is_odd_symmetric() {
        for b in 0..0x80u8 {
            assert_eq!(ulaw_decode(b), -ulaw_decode(b | 0x80));
            assert_eq!(alaw_decode(b ^ 0x80), -alaw_decode(b));
        }
    }

    #[test]
    fn round_trip_error_is_within_half_a_quantization_step() {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let x = i32::from(s);
            let mag = x.unsigned_abs();
            let u = i32::from(ulaw_decode(ulaw_encode(s)));
            // µ-law step doubles per segment: 8 at the origin, 1024 at the top;
            // clipping at ±32124 adds its own error at the extremes.
            let u_bound = (mag / 16).max(8) + 4;
            assert!(
                (u - x).unsigned_abs() <= u_bound.max(mag.saturating_sub(32124)),
                "µ-law {s} -> {u}"
            );
            let a = i32::from(alaw_decode(alaw_encode(s)));
            let a_bound = (mag / 32).max(8) + 8;
            assert!(
                (a - x).unsigned_abs() <= a_bound.max(mag.saturating_sub(32256)),
                "A-law {s} -> {a}"
            );
        }
    }

    #[test]
    fn encoding_is_monotonic() {
        let mut prev_u = i32::MIN;
        let mut prev_a = i32::MIN;
        for s in i16::MIN..=i16::MAX {
            let u = i32::from(ulaw_decode(ulaw_encode(s)));
            let a = i32::from(alaw_decode(alaw_encode(s)));
            assert!(u >= prev_u && a >= prev_a, "at {s}");
            prev_u = u;
            prev_a = a;
        }
    }

    #[test]
    fn codec_buffers_append() {
        let pcm = [0i16, 8, -8, 1000, i16::MAX, i16::MIN];
        let mut bytes = vec![0x42];
        Codec::Pcmu.encode(&pcm, &mut bytes);
        assert_eq!(bytes, [0x42, 0xFF, 0xFE, 0x7E, 0xCE, 0x80, 0x00]);
        let mut a = Vec::new();
        Codec::Pcma.encode(&pcm, &mut a);
        assert_eq!(a, [0xD5, 0xD5, 0x55, 0xFA, 0xAA, 0x2A]);

        let mut out = vec![7i16];
        Codec::Pcmu.decode(&bytes[1..], &mut out);
        assert_eq!(out, [7, 0, 8, -8, 988, 32124, -32124]);
        let mut out = Vec::new();
        Codec::Pcma.decode(&a, &mut out);
        assert_eq!(out, [8, 8, -8, 1008, 32256, -32256]);
    }

    #[test]
    fn codec_names_and_payload_types() {
        assert_eq!(Codec::Pcmu.static_payload_type(), 0);
        assert_eq!(Codec::Pcma.static_payload_type(), 8);
        assert_eq!(Codec::Pcmu.encoding_name(), "PCMU");
        assert_eq!(Codec::Pcma.encoding_name(), "PCMA");
    }
}
