//! The RTP ports calls draw from, and the two addresses of each: the one
//! the socket is bound on and the one SDP advertises.
//!
//! Owns: binding a UDP socket on the next free even port of the configured
//! range, on the bind address (the SIP listen address's IP, or every
//! interface), and saying which address to put in SDP for it (the
//! configured media address, which behind NAT is not an address of this
//! host at all). Does not own: the streams on those sockets
//! (`rtp_session`) or the configuration.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

/// Hands out RTP ports (even numbers) from a configured range.
#[derive(Debug)]
pub struct PortRange {
    first: u16,
    last: u16,
    next: AtomicU32,
    /// Where sockets from [`PortRange::open`] are bound.
    bind_ip: IpAddr,
    /// What [`PortRange::open`] advertises for them.
    advertised_ip: IpAddr,
}

impl PortRange {
    /// Ports `first..=last`, bound on and advertised as loopback until
    /// [`PortRange::with_addresses`] says otherwise.
    pub fn new(first: u16, last: u16) -> Self {
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        PortRange::with_addresses(first, last, loopback, loopback)
    }

    /// Ports `first..=last`, bound on `bind_ip` (which may be unspecified:
    /// every interface) and advertised in SDP as `advertised_ip`.
    pub fn with_addresses(first: u16, last: u16, bind_ip: IpAddr, advertised_ip: IpAddr) -> Self {
        PortRange {
            first,
            last,
            next: AtomicU32::new(0),
            bind_ip,
            advertised_ip,
        }
    }

    /// The address sockets are bound on.
    pub fn bind_ip(&self) -> IpAddr {
        self.bind_ip
    }

    /// A socket on the next free even port, bound on the bind address, and
    /// the address to advertise in SDP for it.
    pub async fn open(&self) -> std::io::Result<(UdpSocket, SocketAddr)> {
        let socket = self.bind(self.bind_ip).await?;
        let port = socket.local_addr()?.port();
        Ok((socket, SocketAddr::new(self.advertised_ip, port)))
    }

    /// Binds a UDP socket on the next free even port of the range, on `ip`.
    ///
    /// One socket tries port after port: a bind that fails leaves it
    /// unbound and free to try the next. (A socket per try cost the kernel
    /// a socket, a file and their teardown for every port found in use,
    /// which near a full range was most of the work of opening one.)
    pub async fn bind(&self, ip: IpAddr) -> std::io::Result<UdpSocket> {
        let (first, span) = even_ports(self.first, self.last);
        let socket = Socket::new(
            Domain::for_address(SocketAddr::new(ip, 0)),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        socket.set_nonblocking(true)?;
        let mut last_error = None;
        for _ in 0..span {
            let n = self.next.fetch_add(1, Ordering::Relaxed) % span;
            let port = first + 2 * n;
            let Ok(port) = u16::try_from(port) else {
                continue;
            };
            match socket.bind(&SocketAddr::new(ip, port).into()) {
                Ok(()) => return UdpSocket::from_std(socket.into()),
                Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => return Err(e),
                Err(e) => last_error = Some(e),
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            match last_error {
                Some(e) => format!("no free RTP port in {}-{} ({e})", self.first, self.last),
                None => format!("no free RTP port in {}-{}", self.first, self.last),
            },
        ))
    }
}

/// The even ports from `first` to `last`: the first of them and how many.
/// An odd `first` starts one above, never one below the range.
pub fn even_ports(first: u16, last: u16) -> (u32, u32) {
    let first = u32::from(first) + u32::from(first & 1);
    let last = u32::from(last);
    let count = if first > last {
        0
    } else {
        (last - first) / 2 + 1
    };
    (first, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn binds_on_one_address_and_advertises_another() {
        let ports = PortRange::with_addresses(
            41000,
            41099,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            "192.0.2.10".parse().unwrap(),
        );
        let (socket, advertised) = ports.open().await.unwrap();
        let local = socket.local_addr().unwrap();
        assert_eq!(local.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(
            advertised,
            SocketAddr::new("192.0.2.10".parse().unwrap(), local.port())
        );
        assert_eq!(local.port() % 2, 0);
    }

    #[tokio::test]
    async fn ports_in_use_are_skipped_until_none_is_left() {
        let ports = PortRange::new(41200, 41207);
        // Three of the four even ports taken by someone else.
        let taken: Vec<_> = [41200, 41202, 41206]
            .into_iter()
            .map(|p| std::net::UdpSocket::bind(("127.0.0.1", p)).expect("take"))
            .collect();
        let (free, _) = ports.open().await.expect("the one left");
        assert_eq!(free.local_addr().unwrap().port(), 41204);
        let err = ports.open().await.expect_err("none left");
        assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
        assert!(
            err.to_string().contains("no free RTP port in 41200-41207"),
            "{err}"
        );
        // Its socket is a working one.
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        free.send_to(b"rtp", peer.local_addr().unwrap())
            .await
            .unwrap();
        let mut buf = [0; 8];
        assert_eq!(peer.recv(&mut buf).unwrap(), 3);
        drop((free, taken));
        assert!(ports.open().await.is_ok(), "free again once closed");
    }

    #[tokio::test]
    async fn only_even_ports_inside_the_range_are_used() {
        // An odd first port: 41300, below it, is never taken.
        let ports = PortRange::new(41301, 41304);
        let a = ports.open().await.expect("one").0;
        let b = ports.open().await.expect("two").0;
        let mut got = [
            a.local_addr().unwrap().port(),
            b.local_addr().unwrap().port(),
        ];
        got.sort_unstable();
        assert_eq!(got, [41302, 41304]);
        assert!(ports.open().await.is_err(), "no third even port");
        // A range without an even port has nothing to give.
        let odd = PortRange::new(41311, 41311);
        assert_eq!(
            odd.open().await.expect_err("none").kind(),
            std::io::ErrorKind::AddrInUse
        );
    }

    #[tokio::test]
    async fn an_address_of_another_host_cannot_be_bound() {
        let ports = PortRange::new(41100, 41199);
        let err = ports.bind("192.0.2.10".parse().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AddrNotAvailable);
    }
}
