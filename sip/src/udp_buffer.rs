//! The SIP UDP socket's receive buffer: asking the kernel for a larger one
//! than its default, and saying when it granted less.
//!
//! A burst of requests (a trunk's retransmissions, a busy hour's INVITEs,
//! the event loop late for a few milliseconds) waits in this buffer; once
//! it is full the kernel drops datagrams, and every dropped request costs
//! its sender a retransmission half a second later. Linux caps the size at
//! `net.core.rmem_max`.
//!
//! Does not own: the socket (the endpoint binds it) or what is read from it
//! (`guarded_udp`).

use tracing::{info, warn};

/// What the kernel granted, in bytes, after asking for `bytes` (0: the
/// system's default is left alone). Linux reports twice what it keeps for
/// data (the rest is its bookkeeping), so a grant is whole when it reports
/// at least what was asked.
pub(crate) fn widen(socket: &tokio::net::UdpSocket, bytes: usize) -> std::io::Result<usize> {
    let socket = socket2::SockRef::from(socket);
    if bytes > 0 {
        socket.set_recv_buffer_size(bytes)?;
    }
    let granted = socket.recv_buffer_size()?;
    report(bytes, granted);
    Ok(granted)
}

fn report(asked: usize, granted: usize) {
    let kib = |b: usize| b / 1024;
    if granted >= asked {
        info!(granted_kib = kib(granted), "SIP UDP receive buffer");
    } else {
        warn!(
            asked_kib = kib(asked),
            granted_kib = kib(granted),
            "SIP UDP receive buffer smaller than configured: the kernel caps it at \
             net.core.rmem_max; raise that (sysctl) to at least the configured size, \
             or bursts of requests are dropped and retransmitted"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_buffer_grows_up_to_the_kernels_cap() {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let default = widen(&udp, 0).expect("read");
        assert!(default > 0);
        let cap = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .expect("rmem_max");
        let asked = 1024 * 1024;
        let granted = widen(&udp, asked).expect("widen");
        // Linux keeps min(asked, rmem_max) and reports it doubled.
        assert_eq!(granted, 2 * asked.min(cap), "default was {default}");
    }
}
