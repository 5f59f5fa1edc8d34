//! Ports for services and peers in tests, handed out so that no two
//! tests (or a test and the kernel's ephemeral ports) pick the same one.

use std::net::UdpSocket;

/// A port free for both UDP and TCP, for a service or a peer to listen on.
///
/// Ports come from 22000–29999: below the kernel's ephemeral ports
/// (32768–60999), where any socket bound to port 0 — a SIPp peer's, a
/// service's outgoing leg, another test's — could take one between this
/// check and the bind that uses it; above the default RTP range
/// (20000–21999); apart from the services' RTP ranges (`rtp_range`) and
/// SIPp's media ports (`sipp_media_port`). Within a test binary a counter
/// hands each port out once, four apart, as some peers bind the ports
/// above their own (baresip, SIPp); the process id spreads binaries apart.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 22_000;
    const SLOTS: u32 = 8_000 / 4;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(97) % SLOTS,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SLOTS * 4) as u16;
        if UdpSocket::bind(("127.0.0.1", port)).is_ok()
            && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            return port;
        }
    }
}

/// A media port for one SIPp instance. SIPp binds the port and the three
/// above it (RTCP, video), so ports come four at a time from a range above
/// the kernel's ephemeral ports (32768–60999) and the services' RTP ranges,
/// where neither `free_port` nor a service can take them meanwhile.
pub fn sipp_media_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 61_000;
    const SLOTS: u32 = (65_500 - FIRST) / 4;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id() % SLOTS,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let slot = NEXT.fetch_add(1, Ordering::SeqCst) % SLOTS;
        let port = (FIRST + slot * 4) as u16;
        if (port..port + 4).all(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok()) {
            return port;
        }
    }
}

/// An RTP range of 40 ports unlikely to collide with another test's.
pub(super) fn rtp_range(sip_port: u16) -> (u16, u16) {
    let base = 30000 + (sip_port % 700) * 40;
    (base, base + 39)
}
