//! Reading a packet capture into the UDP datagrams it carries.
//!
//! Owns: telling pcap from pcapng by the magic number, walking packets or
//! blocks (pcap-file's slice parsers, so a cut-off file is reported with the
//! byte offset where it ends), timestamps (pcap micro/nanosecond files,
//! pcapng `if_tsresol` per interface), the link layers a capture of a SIP
//! call comes with (Ethernet with or without VLAN tags, Linux cooked SLL and
//! SLL2, BSD loopback/null, raw IP), IPv4/IPv6 fragment reassembly and the
//! UDP header (etherparse).
//!
//! Does not own: what the datagrams mean (SIP and RTP are read in `call.rs`
//! and `media.rs`). TCP, SCTP and TLS are skipped: SIP over UDP only.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use etherparse::defrag::IpDefragPool;
use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice, UdpSlice};
use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgParser};
use pcap_file::{DataLink, PcapError, TsResolution};

/// One UDP datagram and when it was captured.
#[derive(Debug, Clone)]
pub(super) struct Datagram {
    /// Capture time since the Unix epoch.
    pub time: Duration,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub payload: Vec<u8>,
}

/// Everything read out of a capture file.
#[derive(Debug, Default)]
pub(super) struct Capture {
    /// UDP datagrams in capture order.
    pub datagrams: Vec<Datagram>,
    /// Packets in the file.
    pub packets: usize,
    /// Link types (tcpdump.org numbers) of packets that could not be read.
    pub unsupported_links: BTreeSet<u32>,
}

/// Why a file can't be read as a capture.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum CaptureError {
    #[error("not a pcap or pcapng capture: {0}")]
    NotACapture(String),
    #[error("the capture is cut off after {packets} complete packets (at byte {offset})")]
    Truncated { packets: usize, offset: usize },
    #[error("corrupt capture after {packets} packets (at byte {offset}): {reason}")]
    Corrupt {
        packets: usize,
        offset: usize,
        reason: String,
    },
}

const PCAP_MAGICS: [[u8; 4]; 4] = [
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
    [0x4d, 0x3c, 0xb2, 0xa1],
];
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Reads every UDP datagram out of a pcap or pcapng file's bytes.
pub(super) fn read(bytes: &[u8]) -> Result<Capture, CaptureError> {
    let Some(magic) = bytes.get(..4) else {
        return Err(CaptureError::NotACapture(format!(
            "the file is only {} bytes long",
            bytes.len()
        )));
    };
    let mut reader = Reader::default();
    if PCAP_MAGICS.iter().any(|m| m == magic) {
        reader.pcap(bytes)?;
    } else if magic == PCAPNG_MAGIC {
        reader.pcapng(bytes)?;
    } else {
        return Err(CaptureError::NotACapture(format!(
            "unknown magic number {:02x}{:02x}{:02x}{:02x}",
            magic[0], magic[1], magic[2], magic[3]
        )));
    }
    Ok(reader.capture)
}

#[derive(Default)]
struct Reader {
    capture: Capture,
    defrag: IpDefragPool,
}

impl Reader {
    fn pcap(&mut self, bytes: &[u8]) -> Result<(), CaptureError> {
        let (mut rest, parser) =
            PcapParser::new(bytes).map_err(|e| self.header_error(e, "pcap file header"))?;
        let header = parser.header();
        let frac_to_nanos = match header.ts_resolution {
            TsResolution::MicroSecond => 1000,
            TsResolution::NanoSecond => 1,
        };
        while !rest.is_empty() {
            let (rem, raw) = parser
                .next_raw_packet(rest)
                .map_err(|e| self.packet_error(e, bytes, rest))?;
            rest = rem;
            self.capture.packets += 1;
            // Lenient on purpose: a fraction past one second is carried over
            // rather than rejected, and lengths are not held to the snaplen.
            let nanos =
                u128::from(raw.ts_sec) * 1_000_000_000 + u128::from(raw.ts_frac) * frac_to_nanos;
            self.link(header.datalink, nanos_to_duration(nanos), &raw.data);
        }
        Ok(())
    }

    fn pcapng(&mut self, bytes: &[u8]) -> Result<(), CaptureError> {
        let (mut rest, mut parser) =
            PcapNgParser::new(bytes).map_err(|e| self.header_error(e, "pcapng section header"))?;
        while !rest.is_empty() {
            let (rem, block) = parser
                .next_block(rest)
                .map_err(|e| self.packet_error(e, bytes, rest))?;
            rest = rem;
            let (interface, raw_time, data) = match &block {
                Block::EnhancedPacket(p) => (p.interface_id, p.timestamp.as_nanos(), &p.data),
                Block::Packet(p) => (u32::from(p.interface_id), u128::from(p.timestamp), &p.data),
                // Simple packets carry no timestamp: they can't be placed in time.
                Block::SimplePacket(_) => {
                    self.capture.packets += 1;
                    continue;
                }
                _ => continue,
            };
            self.capture.packets += 1;
            let Some(idb) = parser.interfaces().get(interface as usize) else {
                return Err(CaptureError::Corrupt {
                    packets: self.capture.packets - 1,
                    offset: bytes.len() - rest.len(),
                    reason: format!("packet on undeclared interface {interface}"),
                });
            };
            // pcap-file hands the raw 64-bit timestamp over as nanoseconds;
            // its unit is the interface's if_tsresol (default microseconds).
            let resolution = idb.options.iter().find_map(|o| match o {
                InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
                _ => None,
            });
            let time = nanos_to_duration(scale_timestamp(raw_time, resolution.unwrap_or(6)));
            self.link(idb.linktype, time, data);
        }
        Ok(())
    }

    fn header_error(&self, e: PcapError, what: &str) -> CaptureError {
        match e {
            PcapError::IncompleteBuffer => {
                CaptureError::NotACapture(format!("the {what} is cut off"))
            }
            e => CaptureError::NotACapture(format!("bad {what}: {e}")),
        }
    }

    fn packet_error(&self, e: PcapError, all: &[u8], rest: &[u8]) -> CaptureError {
        let packets = self.capture.packets;
        let offset = all.len() - rest.len();
        match e {
            PcapError::IncompleteBuffer => CaptureError::Truncated { packets, offset },
            e => CaptureError::Corrupt {
                packets,
                offset,
                reason: e.to_string(),
            },
        }
    }

    /// Decodes one packet's link layer and keeps it if it is UDP.
    fn link(&mut self, link: DataLink, time: Duration, data: &[u8]) {
        let sliced = match link {
            DataLink::ETHERNET => SlicedPacket::from_ethernet(data).ok(),
            DataLink::LINUX_SLL => sll(data, 0, 2, 14, 16),
            DataLink::LINUX_SLL2 => sll(data, 10, 8, 0, 20),
            // 4-byte address family, then IP; the IP version nibble says which.
            DataLink::NULL | DataLink::LOOP => {
                data.get(4..).and_then(|ip| SlicedPacket::from_ip(ip).ok())
            }
            DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => SlicedPacket::from_ip(data).ok(),
            other => {
                self.capture.unsupported_links.insert(u32::from(other));
                None
            }
        };
        if let Some(packet) = sliced {
            self.udp(time, &packet);
        }
    }

    fn udp(&mut self, time: Duration, packet: &SlicedPacket) {
        let (src_ip, dst_ip): (IpAddr, IpAddr) = match &packet.net {
            Some(NetSlice::Ipv4(ip)) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            Some(NetSlice::Ipv6(ip)) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            _ => return,
        };
        let datagram = |udp: &UdpSlice| Datagram {
            time,
            src: SocketAddr::new(src_ip, udp.source_port()),
            dst: SocketAddr::new(dst_ip, udp.destination_port()),
            payload: udp.payload().to_vec(),
        };
        if let Some(TransportSlice::Udp(udp)) = &packet.transport {
            let d = datagram(udp);
            self.capture.datagrams.push(d);
            return;
        }
        // A fragment: etherparse leaves the transport unparsed. Reassemble.
        if let Ok(Some(whole)) = self.defrag.process_sliced_packet(packet, (), ()) {
            if whole.ip_number == etherparse::IpNumber::UDP {
                if let Ok(udp) = UdpSlice::from_slice(&whole.payload) {
                    let d = datagram(&udp);
                    self.capture.datagrams.push(d);
                }
            }
            self.defrag.return_buf(whole);
        }
    }
}

/// Linux cooked capture v1 or v2: `kind_at` is the packet type byte (v1: low
/// byte of a 16-bit field), `hatype_at` the ARPHRD type, `proto_at` the
/// EtherType and `len` the header length. Drops the outgoing copy of
/// loopback packets: "any" captures see each one twice.
fn sll(
    data: &[u8],
    kind_at: usize,
    hatype_at: usize,
    proto_at: usize,
    len: usize,
) -> Option<SlicedPacket<'_>> {
    const PACKET_OUTGOING: u8 = 4;
    const ARPHRD_LOOPBACK: u16 = 772;
    let be16 = |at: usize| -> Option<u16> {
        let b = data.get(at..at + 2)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    };
    let kind = if len == 16 {
        be16(kind_at).map(|k| k.to_be_bytes()[1])?
    } else {
        *data.get(kind_at)?
    };
    if kind == PACKET_OUTGOING && be16(hatype_at)? == ARPHRD_LOOPBACK {
        return None;
    }
    let proto = EtherType(be16(proto_at)?);
    SlicedPacket::from_ether_type(proto, data.get(len..)?).ok()
}

/// Converts a pcapng timestamp in `if_tsresol` units to nanoseconds: the
/// resolution byte is a power of 10, or of 2 when its top bit is set.
fn scale_timestamp(raw: u128, resolution: u8) -> u128 {
    let exp = u32::from(resolution & 0x7f);
    let per_second: u128 = if resolution & 0x80 == 0 {
        10u128.checked_pow(exp).unwrap_or(u128::MAX)
    } else {
        1u128.checked_shl(exp).unwrap_or(u128::MAX)
    };
    raw.saturating_mul(1_000_000_000) / per_second.max(1)
}

fn nanos_to_duration(nanos: u128) -> Duration {
    let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    // The remainder is below 10^9 and fits.
    let sub = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
    Duration::new(secs, sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcapng_resolutions() {
        assert_eq!(scale_timestamp(1_500_000, 6), 1_500_000_000);
        assert_eq!(scale_timestamp(1_500_000_000, 9), 1_500_000_000);
        assert_eq!(scale_timestamp(3, 0), 3_000_000_000);
        assert_eq!(scale_timestamp(1024, 0x8a), 1_000_000_000);
        // Nonsense resolutions don't panic.
        assert_eq!(scale_timestamp(5, 0x7f), 0);
        assert_eq!(scale_timestamp(5, 0xff), 0);
    }

    #[test]
    fn short_and_unknown_files() {
        assert!(matches!(read(b"ab"), Err(CaptureError::NotACapture(_))));
        let err = read(b"RIFF....WAVE").unwrap_err().to_string();
        assert!(err.contains("unknown magic number 52494646"), "{err}");
    }
}
