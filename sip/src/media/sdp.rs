//! SDP offer/answer (RFC 3264) for one G.711 audio stream, on top of the
//! `sdp` crate's parser and marshaller.
//!
//! Owns: picking the audio stream, codec (PCMU/PCMA) and telephone-event
//! payload type out of an offer or answer, the remote RTP address and the
//! direction (including old-style `c=0.0.0.0` hold), and writing our answer
//! or offer.
//!
//! Does not own: SIP (which status to send; [`SdpError::is_unsupported`]
//! helps choose 488 over 400), sockets, RTP, ICE, SRTP or any codec other
//! than G.711. Only plain `RTP/AVP` is accepted. Our answer carries a single
//! `m=audio` line, so an offer whose first `m=` line isn't its audio stream
//! gets an answer the peer may not match up (RFC 3264 §6 wants every offered
//! line mirrored).

use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};

use sdp::description::common::{Address, Attribute, ConnectionInformation};
use sdp::description::media::{MediaDescription, MediaName, RangedPort};
use sdp::description::session::{Origin, SessionDescription, TimeDescription};

use super::g711::Codec;

/// Payload type we offer telephone-event (RFC 4733) on.
pub const TELEPHONE_EVENT_PT: u8 = 101;

/// Packetization interval we send, in ms.
const PTIME_MS: u32 = 20;

/// Media direction attribute (RFC 3264 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The direction to answer an offer of `self` with (RFC 3264 §6.1).
    pub fn answer_to(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }

    /// True when the peer has put us on hold (it won't receive our audio).
    pub fn is_hold(self) -> bool {
        matches!(self, Direction::SendOnly | Direction::Inactive)
    }

    /// The SDP attribute name, e.g. `sendrecv`.
    pub fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attribute(key: &str) -> Option<Direction> {
        [
            Self::SendRecv,
            Self::SendOnly,
            Self::RecvOnly,
            Self::Inactive,
        ]
        .into_iter()
        .find(|d| d.attribute() == key)
    }
}

/// What an offer or answer settles for the audio stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// First codec in the peer's `m=` order that we support.
    pub codec: Codec,
    /// The peer's payload type for `codec` (static 0/8 or dynamic).
    pub payload_type: u8,
    /// The peer's telephone-event/8000 payload type, if it has one.
    pub telephone_event: Option<u8>,
    /// Where to send RTP; `None` for `c=0.0.0.0` / `::` or port 0 (hold or
    /// disabled stream).
    pub remote: Option<SocketAddr>,
    /// The peer's direction: media level, else session level, else
    /// sendrecv. An unspecified address makes a sendrecv/recvonly stream
    /// `Inactive` and port 0 always does.
    pub remote_direction: Direction,
    /// The peer's `a=ptime`, if any.
    pub ptime: Option<u32>,
}

/// Why an SDP body can't be used.
#[derive(Debug, thiserror::Error)]
pub enum SdpError {
    /// Not parseable as SDP (RFC 4566) at all.
    #[error("malformed SDP: {0}")]
    Invalid(#[from] sdp::Error),
    /// The audio stream has no `c=` line at media or session level.
    #[error("audio stream has no connection address")]
    MissingConnection,
    /// A `c=` address that is neither an IP address nor a host name, or
    /// whose family contradicts its `IP4`/`IP6` tag.
    #[error("invalid connection address {0:?}")]
    InvalidAddress(String),
    /// A multicast address or a host name: valid SDP, but not supported.
    #[error("unsupported connection address {0:?}")]
    UnsupportedAddress(String),
    /// No `m=audio` line.
    #[error("no audio stream")]
    NoAudio,
    /// Audio over a transport other than RTP/AVP (e.g. SRTP's RTP/SAVP).
    #[error("unsupported audio transport {0:?}")]
    UnsupportedTransport(String),
    /// Audio without PCMU or PCMA at 8000 Hz (SIP 488).
    #[error("no codec in common (PCMU, PCMA)")]
    NoCommonCodec,
}

impl SdpError {
    /// True for well-formed SDP that asks for something we don't do (SIP
    /// 488 Not Acceptable Here); false for malformed SDP (SIP 400).
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            SdpError::UnsupportedAddress(_)
                | SdpError::NoAudio
                | SdpError::UnsupportedTransport(_)
                | SdpError::NoCommonCodec
        )
    }
}

/// Reads a peer's offer. The first usable `m=audio` line wins (enabled
/// lines before port-0 ones); if none is usable, the first one's error.
pub fn negotiate(offer: &[u8]) -> Result<Negotiated, SdpError> {
    read(offer)
}

/// Read the answer to our offer.
pub fn parse_answer(answer: &[u8]) -> Result<Negotiated, SdpError> {
    read(answer)
}

/// Our answer: one audio m= line on `local` with the chosen codec and,
/// if offered, telephone-event on the same PT (`a=fmtp:<pt> 0-16`),
/// `a=ptime:20`, and the offer's direction answered.
pub fn build_answer(n: &Negotiated, local: SocketAddr, session_id: u64, version: u64) -> String {
    let mut m = audio_line(local.port()).with_codec(
        n.payload_type,
        n.codec.encoding_name().to_owned(),
        super::SAMPLE_RATE,
        0,
        String::new(),
    );
    if let Some(pt) = n.telephone_event {
        m = with_telephone_event(m, pt);
    }
    session(
        local,
        session_id,
        version,
        finish(m, n.remote_direction.answer_to()),
    )
}

/// An offer for a UAC: `codecs` in the given order on their static payload
/// types (an empty list offers PCMU then PCMA), telephone-event/8000 on
/// PT 101, and `direction`.
pub fn build_offer(
    local: SocketAddr,
    codecs: &[Codec],
    direction: Direction,
    session_id: u64,
    version: u64,
) -> String {
    let codecs = if codecs.is_empty() {
        &[Codec::Pcmu, Codec::Pcma][..]
    } else {
        codecs
    };
    let mut m = audio_line(local.port());
    for (i, &c) in codecs.iter().enumerate() {
        if !codecs[..i].contains(&c) {
            let name = c.encoding_name().to_owned();
            m = m.with_codec(
                c.static_payload_type(),
                name,
                super::SAMPLE_RATE,
                0,
                String::new(),
            );
        }
    }
    m = with_telephone_event(m, TELEPHONE_EVENT_PT);
    session(local, session_id, version, finish(m, direction))
}

fn read(bytes: &[u8]) -> Result<Negotiated, SdpError> {
    let sd = SessionDescription::unmarshal(&mut Cursor::new(bytes))?;
    let mut audio: Vec<&MediaDescription> = sd
        .media_descriptions
        .iter()
        .filter(|m| m.media_name.media == "audio")
        .collect();
    audio.sort_by_key(|m| m.media_name.port.value == 0);
    let mut first_error = None;
    for m in audio {
        match read_media(&sd, m) {
            Ok(n) => return Ok(n),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(SdpError::NoAudio))
}

fn read_media(sd: &SessionDescription, m: &MediaDescription) -> Result<Negotiated, SdpError> {
    let proto = m.media_name.protos.join("/");
    if proto != "RTP/AVP" {
        return Err(SdpError::UnsupportedTransport(proto));
    }
    // First rtpmap per payload type, indexed once (the body is untrusted).
    let mut rtpmaps: [Option<&str>; 128] = [None; 128];
    for value in m.attributes.iter().filter(|a| a.key == "rtpmap") {
        let Some((pt, encoding)) = value.value.as_deref().and_then(parse_rtpmap) else {
            continue;
        };
        if let Some(slot) = rtpmaps.get_mut(usize::from(pt)) {
            slot.get_or_insert(encoding);
        }
    }
    let mut codec = None;
    let mut telephone_event = None;
    let formats = m.media_name.formats.iter();
    for pt in formats.filter_map(|f| f.parse::<u8>().ok()) {
        let Some(&rtpmap) = rtpmaps.get(usize::from(pt)) else {
            continue; // not an RTP/AVP payload type
        };
        match format_of(pt, rtpmap) {
            Some(Format::G711(c)) if codec.is_none() => codec = Some((c, pt)),
            Some(Format::TelephoneEvent) if telephone_event.is_none() => telephone_event = Some(pt),
            _ => {}
        }
    }
    let (codec, payload_type) = codec.ok_or(SdpError::NoCommonCodec)?;

    let direction_of =
        |attrs: &[Attribute]| attrs.iter().find_map(|a| Direction::from_attribute(&a.key));
    let mut direction = direction_of(&m.attributes)
        .or_else(|| direction_of(&sd.attributes))
        .unwrap_or(Direction::SendRecv);
    let port = u16::try_from(m.media_name.port.value).unwrap_or(0);
    let remote = if port == 0 {
        direction = Direction::Inactive;
        None
    } else {
        let c = m.connection_information.as_ref();
        let c = c
            .or(sd.connection_information.as_ref())
            .ok_or(SdpError::MissingConnection)?;
        let ip = connection_ip(c)?;
        if ip.is_unspecified() {
            if !direction.is_hold() {
                direction = Direction::Inactive;
            }
            None
        } else {
            Some(SocketAddr::new(ip, port))
        }
    };
    let ptime = (m.attributes.iter().chain(&sd.attributes))
        .find(|a| a.key == "ptime")
        .and_then(|a| a.value.as_deref()?.trim().parse().ok())
        .filter(|&p| p > 0);
    Ok(Negotiated {
        codec,
        payload_type,
        telephone_event,
        remote,
        remote_direction: direction,
        ptime,
    })
}

enum Format {
    G711(Codec),
    TelephoneEvent,
}

/// `<payload type> <encoding>` of an `a=rtpmap` value.
fn parse_rtpmap(value: &str) -> Option<(u8, &str)> {
    let (pt, encoding) = value.trim().split_once(char::is_whitespace)?;
    Some((pt.parse().ok()?, encoding.trim()))
}

/// What payload type `pt` carries: its rtpmap encoding, else the static
/// assignment of RFC 3551.
fn format_of(pt: u8, rtpmap: Option<&str>) -> Option<Format> {
    let Some(encoding) = rtpmap else {
        return match pt {
            0 => Some(Format::G711(Codec::Pcmu)),
            8 => Some(Format::G711(Codec::Pcma)),
            _ => None,
        };
    };
    let mut parts = encoding.split('/');
    let name = parts.next()?;
    if parts.next()?.parse::<u32>().ok()? != super::SAMPLE_RATE {
        return None;
    }
    let channels = parts.next();
    if parts.next().is_some() || !matches!(channels, None | Some("1")) {
        return None;
    }
    [Codec::Pcmu, Codec::Pcma]
        .into_iter()
        .find(|c| name.eq_ignore_ascii_case(c.encoding_name()))
        .map(Format::G711)
        .or_else(|| {
            let te = name.eq_ignore_ascii_case("telephone-event");
            te.then_some(Format::TelephoneEvent)
        })
}

fn connection_ip(c: &ConnectionInformation) -> Result<IpAddr, SdpError> {
    let raw = c
        .address
        .as_ref()
        .ok_or(SdpError::MissingConnection)?
        .address
        .as_str();
    if raw.contains('/') {
        // Only multicast addresses carry a TTL or a count.
        return Err(SdpError::UnsupportedAddress(raw.to_owned()));
    }
    match raw.parse::<IpAddr>() {
        Ok(ip) if ip.is_ipv4() != (c.address_type == "IP4") => {
            Err(SdpError::InvalidAddress(raw.to_owned()))
        }
        Ok(ip) if ip.is_multicast() => Err(SdpError::UnsupportedAddress(raw.to_owned())),
        Ok(ip) => Ok(ip),
        Err(_) if is_host_name(raw) => Err(SdpError::UnsupportedAddress(raw.to_owned())),
        Err(_) => Err(SdpError::InvalidAddress(raw.to_owned())),
    }
}

/// Looks like a DNS name rather than a mangled IP address.
fn is_host_name(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn audio_line(port: u16) -> MediaDescription {
    MediaDescription {
        media_name: MediaName {
            media: "audio".to_owned(),
            port: RangedPort {
                value: port as isize,
                range: None,
            },
            protos: vec!["RTP".to_owned(), "AVP".to_owned()],
            formats: Vec::new(),
        },
        ..Default::default()
    }
}

fn with_telephone_event(m: MediaDescription, pt: u8) -> MediaDescription {
    let name = "telephone-event".to_owned();
    m.with_codec(pt, name, super::SAMPLE_RATE, 0, "0-16".to_owned())
}

fn finish(m: MediaDescription, direction: Direction) -> MediaDescription {
    m.with_value_attribute("ptime".to_owned(), PTIME_MS.to_string())
        .with_property_attribute(direction.attribute().to_owned())
}

fn session(local: SocketAddr, session_id: u64, version: u64, m: MediaDescription) -> String {
    let address_type = if local.is_ipv4() { "IP4" } else { "IP6" };
    let address = local.ip().to_string();
    SessionDescription {
        version: 0,
        origin: Origin {
            username: "-".to_owned(),
            session_id,
            session_version: version,
            network_type: "IN".to_owned(),
            address_type: address_type.to_owned(),
            unicast_address: address.clone(),
        },
        session_name: "-".to_owned(),
        connection_information: Some(ConnectionInformation {
            network_type: "IN".to_owned(),
            address_type: address_type.to_owned(),
            address: Some(Address {
                address,
                ttl: None,
                range: None,
            }),
        }),
        time_descriptions: vec![TimeDescription::default()],
        media_descriptions: vec![m],
        ..Default::default()
    }
    .marshal()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SDP body from indented lines, CRLF-terminated.
    fn sdp(text: &str) -> Vec<u8> {
        text.trim()
            .lines()
            .map(|l| format!("{}\r\n", l.trim()))
            .collect::<String>()
            .into_bytes()
    }

    fn offer(media: &str) -> Vec<u8> {
        sdp(&format!(
            "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n{media}"
        ))
    }

    fn addr(s: &str) -> Option<SocketAddr> {
        s.parse().ok()
    }

    const SIPP: &str = "v=0
        o=user1 53655765 2353687637 IN IP4 127.0.0.1
        s=-
        c=IN IP4 127.0.0.1
        t=0 0
        m=audio 6000 RTP/AVP 0
        a=rtpmap:0 PCMU/8000";

    const BARESIP: &str = "v=0
        o=- 1716 3254 IN IP4 192.0.2.10
        s=-
        c=IN IP4 192.0.2.10
        t=0 0
        a=tool:baresip 3.10.1
        m=audio 10032 RTP/AVP 96 0 8 101
        b=AS:128
        a=rtpmap:96 opus/48000/2
        a=fmtp:96 stereo=1;sprop-stereo=1
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=sendrecv
        a=label:1
        a=ssrc:1394245913 cname:b0a7a7b2-5e0f-4e2c";

    #[test]
    fn sipp_offer() {
        let n = negotiate(&sdp(SIPP)).unwrap();
        let expected = Negotiated {
            codec: Codec::Pcmu,
            payload_type: 0,
            telephone_event: None,
            remote: addr("127.0.0.1:6000"),
            remote_direction: Direction::SendRecv,
            ptime: None,
        };
        assert_eq!(n, expected);
    }

    #[test]
    fn baresip_offer_skips_opus() {
        let n = negotiate(&sdp(BARESIP)).unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.telephone_event),
            (Codec::Pcmu, 0, Some(101))
        );
        assert_eq!(n.remote, addr("192.0.2.10:10032"));
        assert_eq!(n.remote_direction, Direction::SendRecv);
    }

    #[test]
    fn answer_bytes_for_baresip() {
        let n = negotiate(&sdp(BARESIP)).unwrap();
        let answer = build_answer(&n, "198.51.100.7:20000".parse().unwrap(), 42, 1);
        let expected = "v=0\r\no=- 42 1 IN IP4 198.51.100.7\r\ns=-\r\n\
            c=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 101\r\n\
            a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
            a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
        assert_eq!(answer, expected);
        let back = parse_answer(answer.as_bytes()).unwrap();
        assert_eq!((back.codec, back.payload_type), (n.codec, n.payload_type));
        assert_eq!((back.telephone_event, back.ptime), (Some(101), Some(20)));
        assert_eq!(back.remote, addr("198.51.100.7:20000"));
    }

    #[test]
    fn offer_order_decides_the_codec() {
        let n = negotiate(&offer("m=audio 4000 RTP/AVP 8 0 101\na=ptime:30")).unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.ptime),
            (Codec::Pcma, 8, Some(30))
        );
        // PT 101 without an rtpmap is not telephone-event.
        assert_eq!(n.telephone_event, None);
    }

    #[test]
    fn dynamic_payload_type_for_pcmu() {
        let n = negotiate(&offer(
            "m=audio 4000 RTP/AVP 18 110 96\na=rtpmap:18 G729/8000\n\
             a=rtpmap:110 pcmu/8000/1\na=rtpmap:96 Telephone-Event/8000",
        ))
        .unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.telephone_event),
            (Codec::Pcmu, 110, Some(96))
        );
        let answer = build_answer(&n, "192.0.2.2:30000".parse().unwrap(), 1, 2);
        assert!(answer.contains("m=audio 30000 RTP/AVP 110 96\r\na=rtpmap:110 PCMU/8000\r\n"));
        let back = negotiate(answer.as_bytes()).unwrap();
        assert_eq!((back.codec, back.payload_type), (Codec::Pcmu, 110));
    }

    #[test]
    fn rtpmap_must_be_8000_hz_mono() {
        let m = "m=audio 4000 RTP/AVP 96 97 98 101\na=rtpmap:96 PCMU/16000\n\
                 a=rtpmap:97 PCMA/8000/2\na=rtpmap:98 PCMA/8000\na=rtpmap:101 telephone-event/48000";
        let n = negotiate(&offer(m)).unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.telephone_event),
            (Codec::Pcma, 98, None)
        );
    }

    #[test]
    fn no_common_codec() {
        let m = "m=audio 4000 RTP/AVP 18 96\na=rtpmap:18 G729/8000\na=rtpmap:96 opus/48000/2";
        let err = negotiate(&offer(m)).unwrap_err();
        assert!(matches!(err, SdpError::NoCommonCodec) && err.is_unsupported());
    }

    #[test]
    fn hold_offers() {
        let n = negotiate(&offer("m=audio 4000 RTP/AVP 0\na=sendonly")).unwrap();
        assert_eq!(n.remote_direction, Direction::SendOnly);
        assert!(n.remote_direction.is_hold());
        assert_eq!(n.remote, addr("192.0.2.1:4000"));
        let answer = build_answer(&n, "192.0.2.2:5000".parse().unwrap(), 1, 2);
        assert!(answer.ends_with("a=ptime:20\r\na=recvonly\r\n"));

        let n = negotiate(&offer("m=audio 4000 RTP/AVP 0\na=inactive")).unwrap();
        assert_eq!(n.remote_direction, Direction::Inactive);
        let answer = build_answer(&n, "192.0.2.2:5000".parse().unwrap(), 1, 2);
        assert!(answer.ends_with("a=inactive\r\n"));
        let back = parse_answer(answer.as_bytes()).unwrap();
        assert_eq!(back.remote_direction, Direction::Inactive);
    }

    #[test]
    fn session_level_direction_and_media_override() {
        let base = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=recvonly\n";
        let n = negotiate(&sdp(&format!("{base}m=audio 4000 RTP/AVP 0"))).unwrap();
        assert_eq!(n.remote_direction, Direction::RecvOnly);
        assert!(!n.remote_direction.is_hold());
        let n = negotiate(&sdp(&format!("{base}m=audio 4000 RTP/AVP 0\na=sendrecv"))).unwrap();
        assert_eq!(n.remote_direction, Direction::SendRecv);
    }

    #[test]
    fn old_style_hold_and_disabled_stream() {
        let text = String::from_utf8(sdp(SIPP))
            .unwrap()
            .replace("127.0.0.1\r\nt", "0.0.0.0\r\nt");
        let n = negotiate(text.as_bytes()).unwrap();
        assert_eq!((n.remote, n.remote_direction), (None, Direction::Inactive));
        assert!(
            build_answer(&n, "192.0.2.2:5000".parse().unwrap(), 1, 2).ends_with("a=inactive\r\n")
        );
        // c=0.0.0.0 with sendonly: they still send us music on hold.
        let n = negotiate(&sdp(&format!("{text}a=sendonly"))).unwrap();
        assert_eq!((n.remote, n.remote_direction), (None, Direction::SendOnly));
        // Port 0: stream disabled; an enabled audio line is preferred.
        let n = negotiate(&offer("m=audio 0 RTP/AVP 0")).unwrap();
        assert_eq!((n.remote, n.remote_direction), (None, Direction::Inactive));
        let n = negotiate(&offer("m=audio 0 RTP/AVP 0\nm=audio 7000 RTP/AVP 8")).unwrap();
        assert_eq!((n.codec, n.remote), (Codec::Pcma, addr("192.0.2.1:7000")));
    }

    #[test]
    fn ipv6_connection() {
        let n = negotiate(&sdp(
            "v=0\no=- 1 1 IN IP6 2001:db8::1\ns=-\nc=IN IP6 2001:db8::1\n\
                                t=0 0\nm=audio 5004 RTP/AVP 8 0",
        ))
        .unwrap();
        assert_eq!(n.remote, addr("[2001:db8::1]:5004"));
        let answer = build_answer(&n, "[2001:db8::2]:6000".parse().unwrap(), 7, 3);
        assert!(answer
            .starts_with("v=0\r\no=- 7 3 IN IP6 2001:db8::2\r\ns=-\r\nc=IN IP6 2001:db8::2\r\n"));
        assert_eq!(
            parse_answer(answer.as_bytes()).unwrap().remote,
            addr("[2001:db8::2]:6000")
        );
        let n = negotiate(&sdp(
            "v=0\no=- 1 1 IN IP6 ::1\ns=-\nc=IN IP6 ::\nt=0 0\nm=audio 5004 RTP/AVP 0",
        ));
        assert_eq!(n.unwrap().remote, None);
    }

    #[test]
    fn media_level_connection_wins() {
        let n = negotiate(&offer("m=audio 4000 RTP/AVP 0\nc=IN IP4 203.0.113.9")).unwrap();
        assert_eq!(n.remote, addr("203.0.113.9:4000"));
    }

    /// The error's variant name and whether it counts as "not supported".
    fn error(input: &[u8]) -> (String, bool) {
        let e = negotiate(input).unwrap_err();
        let name = format!("{e:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_owned();
        (name, e.is_unsupported())
    }

    #[test]
    fn errors_tell_invalid_from_unsupported() {
        let no_c = b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        let with_c = |c: &str| offer(&format!("m=audio 4000 RTP/AVP 0\nc=IN IP4 {c}"));
        let cases: [(Vec<u8>, &str, bool); 10] = [
            (b"".to_vec(), "Invalid", false),
            (b"\x00\xff\xfe garbage \x80".to_vec(), "Invalid", false),
            (b"v=0\r\no=broken\r\n".to_vec(), "Invalid", false),
            (no_c.to_vec(), "MissingConnection", false),
            (with_c("2001:db8::1"), "InvalidAddress", false),
            (with_c("300.1.1.1:"), "InvalidAddress", false),
            (offer("m=video 4000 RTP/AVP 31"), "NoAudio", true),
            (
                offer("m=audio 4000 RTP/SAVP 0"),
                "UnsupportedTransport",
                true,
            ),
            (with_c("224.2.1.1/127"), "UnsupportedAddress", true),
            (with_c("media.example.net"), "UnsupportedAddress", true),
        ];
        for (input, name, unsupported) in cases {
            assert_eq!(error(&input), (name.to_owned(), unsupported), "{input:?}");
        }
    }

    #[test]
    fn mangled_offers_never_panic() {
        let base = sdp(BARESIP);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..3000 {
            let mut bytes = base.clone();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let i = (state % bytes.len() as u64) as usize;
                match state >> 60 {
                    0..=5 => bytes[i] = (state >> 32) as u8,
                    6..=9 => bytes.truncate(i),
                    _ => {
                        bytes.remove(i);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let _ = negotiate(&bytes);
        }
    }

    #[test]
    fn offer_round_trips() {
        let local = "192.0.2.5:16384".parse().unwrap();
        let offer = build_offer(
            local,
            &[Codec::Pcma, Codec::Pcmu],
            Direction::SendRecv,
            9,
            1,
        );
        let expected = "v=0\r\no=- 9 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n\
            m=audio 16384 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
            a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
        assert_eq!(offer, expected);
        let n = negotiate(offer.as_bytes()).unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.telephone_event),
            (Codec::Pcma, 8, Some(101))
        );
        // Their answer to it, built by the same code, reads back too.
        let answer = build_answer(&n, "192.0.2.6:4000".parse().unwrap(), 3, 1);
        let a = parse_answer(answer.as_bytes()).unwrap();
        assert_eq!(
            (a.codec, a.payload_type, a.remote_direction),
            (Codec::Pcma, 8, Direction::SendRecv)
        );

        let hold = build_offer(local, &[], Direction::SendOnly, 9, 2);
        assert!(hold.contains("RTP/AVP 0 8 101\r\n") && hold.ends_with("a=sendonly\r\n"));
        let n = negotiate(hold.as_bytes()).unwrap();
        assert_eq!(n.remote_direction.answer_to(), Direction::RecvOnly);
    }

    #[test]
    fn direction_answers() {
        use Direction::*;
        let pairs = [
            (SendRecv, SendRecv),
            (SendOnly, RecvOnly),
            (RecvOnly, SendOnly),
            (Inactive, Inactive),
        ];
        for (offered, answered) in pairs {
            assert_eq!(offered.answer_to(), answered);
        }
        assert!(
            SendOnly.is_hold() && Inactive.is_hold() && !SendRecv.is_hold() && !RecvOnly.is_hold()
        );
    }
}
