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
#[path = "sdp_tests.rs"]
mod tests;
