//! The UDP socket rsipstack reads from, with the [`guard`](crate::guard) in
//! front of it.
//!
//! Owns: receiving datagrams, running each through the guard, sending the
//! guard's error responses itself and handing only acceptable datagrams to the
//! stack. Does not own: SIP parsing or transactions (rsipstack's), nor the
//! rules of what is acceptable (the guard's).

use std::net::SocketAddr;

use tokio::net::UdpSocket;
use tracing::{debug, info};

use crate::guard::{self, GuardConfig, Verdict};

/// A tokio UDP socket whose receive path is screened by the guard.
pub struct GuardedUdpSocket {
    socket: UdpSocket,
    config: GuardConfig,
}

impl GuardedUdpSocket {
    /// Wraps a bound socket.
    pub fn new(socket: UdpSocket, config: GuardConfig, _user_agent: String) -> Self {
        GuardedUdpSocket { socket, config }
    }
}

#[async_trait::async_trait]
impl rsipstack::platform::net::UdpSocket for GuardedUdpSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        loop {
            let (len, from) = self.socket.recv_from(buf).await?;
            let datagram = buf.get(..len).unwrap_or_default();
            match guard::inspect(datagram, &self.config) {
                Verdict::Accept => return Ok((len, from)),
                Verdict::Reply {
                    status,
                    reason,
                    response,
                } => {
                    info!(%from, status, %reason, "request refused by the guard");
                    if let Err(e) = self.socket.send_to(&response, from).await {
                        debug!(%from, error = %e, "could not send guard response");
                    }
                }
                Verdict::Drop { reason } => {
                    info!(%from, %reason, len, "datagram dropped by the guard");
                }
            }
        }
    }

    async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> rsipstack::Result<usize> {
        Ok(self.socket.send_to(buf, addr).await?)
    }

    fn local_addr(&self) -> rsipstack::Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }
}
