//! Captures for the import tests, built from parts: SIP text, RTP with
//! G.711 tones and RFC 4733 events, UDP/IPv4 (etherparse's builder) in
//! Ethernet or Linux cooked v2 framing, written as pcap or pcapng with
//! pcap-file's writers. Addresses are from the documentation ranges.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapPacket, PcapWriter};
use sip::media::dtmf::event_packets;
use sip::media::g711::Codec;

pub(super) const CALLER_SIP: SocketAddr = v4([192, 0, 2, 10], 5062);
pub(super) const CALLER_RTP: SocketAddr = v4([192, 0, 2, 10], 16200);
pub(super) const SERVICE_SIP: SocketAddr = v4([192, 0, 2, 20], 5060);
pub(super) const SERVICE_RTP: SocketAddr = v4([192, 0, 2, 20], 20000);
/// Capture time of the INVITE; the 200 OK comes 500 ms later.
pub(super) const START: Duration = Duration::from_secs(1_700_000_000);
pub(super) const ANSWER: Duration = Duration::from_millis(1_700_000_000_500);

pub(super) const fn v4(ip: [u8; 4], port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(
        Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]),
        port,
    ))
}

/// One UDP datagram to put in a capture.
#[derive(Clone)]
pub(super) struct Pkt {
    pub time: Duration,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub payload: Vec<u8>,
}

fn ip4(a: SocketAddr) -> [u8; 4] {
    match a.ip() {
        std::net::IpAddr::V4(ip) => ip.octets(),
        std::net::IpAddr::V6(_) => [0; 4],
    }
}

/// IPv4 + UDP (no link layer).
fn ip_udp(p: &Pkt) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ipv4(ip4(p.src), ip4(p.dst), 64)
        .udp(p.src.port(), p.dst.port())
        .write(&mut out, &p.payload)
        .expect("build packet");
    out
}

/// Ethernet + IPv4 + UDP.
fn ethernet(p: &Pkt) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(ip4(p.src), ip4(p.dst), 64)
        .udp(p.src.port(), p.dst.port())
        .write(&mut out, &p.payload)
        .expect("build packet");
    out
}

/// A classic pcap (Ethernet link type, microsecond timestamps).
pub(super) fn pcap(packets: &[Pkt]) -> Vec<u8> {
    let mut w = PcapWriter::new(Vec::new()).expect("pcap header");
    for p in packets {
        let data = ethernet(p);
        let len = data.len() as u32;
        w.write_packet(&PcapPacket::new(p.time, len, &data))
            .expect("pcap packet");
    }
    w.into_writer()
}

/// A pcapng with Linux cooked v2 framing and, when `nanos`, if_tsresol 9;
/// otherwise no if_tsresol (microsecond units, the pcapng default).
pub(super) fn pcapng_sll2(packets: &[Pkt], nanos: bool) -> Vec<u8> {
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionBlock, InterfaceDescriptionOption,
    };
    use pcap_file::pcapng::PcapNgWriter;
    let mut w = PcapNgWriter::new(Vec::new()).expect("section");
    let options = if nanos {
        vec![InterfaceDescriptionOption::IfTsResol(9)]
    } else {
        vec![]
    };
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: pcap_file::DataLink::LINUX_SLL2,
        snaplen: 0,
        options,
    })
    .expect("idb");
    for p in packets {
        let mut data = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6];
        data.extend([2, 0, 0, 0, 0, 1, 0, 0]);
        data.extend(ip_udp(p));
        let raw = if nanos {
            p.time
        } else {
            Duration::from_nanos(p.time.as_micros() as u64)
        };
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: raw,
            original_len: data.len() as u32,
            data: data.into(),
            options: vec![],
        })
        .expect("epb");
    }
    w.into_inner()
}

fn sip(start: &str, headers: &[&str], body: &str) -> Vec<u8> {
    let mut m = format!("{start}\r\n");
    for h in headers {
        m.push_str(h);
        m.push_str("\r\n");
    }
    if !body.is_empty() {
        m.push_str("Content-Type: application/sdp\r\n");
    }
    m.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    m.into_bytes()
}

pub(super) fn sdp(rtp: SocketAddr) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n",
        ip = rtp.ip(),
        port = rtp.port()
    )
}

pub(super) const CALL_ID: &str = "imp0rt-test@192.0.2.10";

pub(super) fn dialog_headers(cseq: &str, to_tag: bool) -> Vec<String> {
    vec![
        "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-1;rport".to_string(),
        "From: \"Det Sgt\" <sip:+441632960001@192.0.2.10>;tag=caller1".to_string(),
        format!(
            "To: <sip:5550000@192.0.2.20>{}",
            if to_tag { ";tag=svc1" } else { "" }
        ),
        format!("Call-ID: {CALL_ID}"),
        format!("CSeq: {cseq}"),
    ]
}

pub(super) fn msg(
    time: Duration,
    src: SocketAddr,
    dst: SocketAddr,
    start: &str,
    h: &[String],
    body: &str,
) -> Pkt {
    let h: Vec<&str> = h.iter().map(String::as_str).collect();
    Pkt {
        time,
        src,
        dst,
        payload: sip(start, &h, body),
    }
}

fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, pt | if marker { 0x80 } else { 0 }];
    p.extend(seq.to_be_bytes());
    p.extend(ts.to_be_bytes());
    p.extend(ssrc.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

pub(super) fn tone(freq: f64, amplitude: f64, from_sample: u32, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = f64::from(from_sample + i as u32) / 8000.0;
            (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
        })
        .collect()
}

/// Knobs for [`call`].
pub(super) struct CallSpec {
    /// Caller audio lasts this long after the answer (the BYE is 200 ms later).
    pub talk_ms: u32,
    /// Where the caller's packets really come from (NAT), if not its SDP address.
    pub caller_source: Option<SocketAddr>,
    /// Leave out the caller's packets from 2.0 s to 3.0 s (lost).
    pub gap: bool,
}

impl Default for CallSpec {
    fn default() -> Self {
        CallSpec {
            talk_ms: 10_000,
            caller_source: None,
            gap: true,
        }
    }
}

/// A whole call: INVITE, 100, 200 (500 ms later), ACK; both sides send
/// PCMU (caller 440 Hz at 8000, service 1000 Hz at 4000) every 20 ms; the
/// caller presses 5 at 6500 ms and the service's side 1 at 8000 ms (RFC
/// 4733); two early-media packets before the answer; the caller's BYE.
pub(super) fn call(spec: &CallSpec) -> Vec<Pkt> {
    let caller_src = spec.caller_source.unwrap_or(CALLER_RTP);
    let mut p = vec![
        msg(
            START,
            CALLER_SIP,
            SERVICE_SIP,
            "INVITE sip:5550000@192.0.2.20 SIP/2.0",
            &dialog_headers("1 INVITE", false),
            &sdp(CALLER_RTP),
        ),
        msg(
            START + Duration::from_millis(5),
            SERVICE_SIP,
            CALLER_SIP,
            "SIP/2.0 100 Trying",
            &dialog_headers("1 INVITE", false),
            "",
        ),
        msg(
            ANSWER,
            SERVICE_SIP,
            CALLER_SIP,
            "SIP/2.0 200 OK",
            &dialog_headers("1 INVITE", true),
            &sdp(SERVICE_RTP),
        ),
        msg(
            ANSWER + Duration::from_millis(20),
            CALLER_SIP,
            SERVICE_SIP,
            "ACK sip:5550000@192.0.2.20 SIP/2.0",
            &dialog_headers("1 ACK", true),
            "",
        ),
    ];
    let mut bytes = Vec::new();
    for k in 1..=2u32 {
        bytes.clear();
        Codec::Pcmu.encode(&tone(1000.0, 4000.0, 0, 160), &mut bytes);
        p.push(Pkt {
            time: ANSWER - Duration::from_millis(20 * u64::from(k)),
            src: SERVICE_RTP,
            dst: CALLER_RTP,
            payload: rtp(0, false, 100 - k as u16, 50_000 - 160 * k, 0xbbbb, &bytes),
        });
    }
    let frames = spec.talk_ms / 20;
    for f in 0..frames {
        let time = ANSWER + Duration::from_millis(u64::from(f) * 20);
        let ts = f * 160;
        let ms = f * 20;
        let lost = spec.gap && (2000..3000).contains(&ms);
        let keying = (6500..6600).contains(&ms);
        if !lost && !keying {
            bytes.clear();
            Codec::Pcmu.encode(&tone(440.0, 8000.0, ts, 160), &mut bytes);
            p.push(Pkt {
                time,
                src: caller_src,
                dst: SERVICE_RTP,
                payload: rtp(0, f == 0, f as u16, 1000 + ts, 0xaaaa, &bytes),
            });
        }
        bytes.clear();
        Codec::Pcmu.encode(&tone(1000.0, 4000.0, ts, 160), &mut bytes);
        p.push(Pkt {
            time,
            src: SERVICE_RTP,
            dst: caller_src,
            payload: rtp(0, false, 100 + f as u16, 50_000 + ts, 0xbbbb, &bytes),
        });
    }
    for (digit, at_ms, src, dst, ssrc) in [
        ('5', 6500u32, caller_src, SERVICE_RTP, 0xaaaa_u32),
        ('1', 8000, SERVICE_RTP, caller_src, 0xbbbb),
    ] {
        if at_ms >= spec.talk_ms {
            continue;
        }
        let ts = 1000 + at_ms * 8;
        for (i, (ev, marker)) in event_packets(digit, 100).into_iter().enumerate() {
            p.push(Pkt {
                time: ANSWER + Duration::from_millis(u64::from(at_ms) + 20 * i as u64),
                src,
                dst,
                payload: rtp(101, marker, 5000 + i as u16, ts, ssrc, &ev.to_bytes()),
            });
        }
    }
    let bye = ANSWER + Duration::from_millis(u64::from(spec.talk_ms) + 200);
    p.push(msg(
        bye,
        CALLER_SIP,
        SERVICE_SIP,
        "BYE sip:5550000@192.0.2.20 SIP/2.0",
        &dialog_headers("2 BYE", true),
        "",
    ));
    p.push(msg(
        bye + Duration::from_millis(3),
        SERVICE_SIP,
        CALLER_SIP,
        "SIP/2.0 200 OK",
        &dialog_headers("2 BYE", true),
        "",
    ));
    p.sort_by_key(|k| k.time);
    p
}

/// `packets` with the answering side's audio after the answer replaced
/// by `pcm` (PCMU, 20 ms a packet, from t = 0).
pub(super) fn with_service_audio(packets: &[Pkt], pcm: &[i16]) -> Vec<Pkt> {
    let mut out: Vec<Pkt> = packets
        .iter()
        .filter(|p| !(p.src == SERVICE_RTP && p.time >= ANSWER && p.payload.get(1) == Some(&0)))
        .cloned()
        .collect();
    let mut bytes = Vec::new();
    for (f, frame) in pcm.chunks(160).enumerate() {
        bytes.clear();
        Codec::Pcmu.encode(frame, &mut bytes);
        let ts = 160 * f as u32;
        out.push(Pkt {
            time: ANSWER + Duration::from_millis(20 * f as u64),
            src: SERVICE_RTP,
            dst: CALLER_RTP,
            payload: rtp(0, false, 100 + f as u16, 50_000 + ts, 0xbbbb, &bytes),
        });
    }
    out.sort_by_key(|k| k.time);
    out
}

/// INVITE and its final response for another dialog, `secs` from START
/// (negative: before it).
pub(super) fn other_call(call_id: &str, cseq: u32, secs: f64, status: &str) -> [Pkt; 2] {
    let at = Duration::from_secs_f64(START.as_secs_f64() + secs);
    let headers = |to_tag: bool| {
        let mut h = dialog_headers(&format!("{cseq} INVITE"), to_tag);
        h[3] = format!("Call-ID: {call_id}");
        h
    };
    [
        msg(
            at,
            CALLER_SIP,
            SERVICE_SIP,
            "INVITE sip:5550000@192.0.2.20 SIP/2.0",
            &headers(false),
            &sdp(v4([192, 0, 2, 10], 16400)),
        ),
        msg(
            at + Duration::from_millis(2),
            SERVICE_SIP,
            CALLER_SIP,
            &format!("SIP/2.0 {status}"),
            &headers(true),
            "",
        ),
    ]
}
