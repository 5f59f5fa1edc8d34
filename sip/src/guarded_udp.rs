//! The UDP socket rsipstack reads from, with the [`guard`](crate::guard) in
//! front of it.
//!
//! Owns: receiving datagrams, running each through the guard, sending the
//! guard's error responses itself and handing only acceptable datagrams to the
//! stack; while the application sheds load, answering new INVITEs with a
//! stateless 503 as the [`door`](crate::door) decides. Does not own: SIP
//! parsing or transactions (rsipstack's), the rules of what is acceptable
//! (the guard's), nor when to shed (the application's).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::UdpSocket;
use tracing::{debug, info};

use crate::door::{Door, Entry};
use crate::guard::{self, GuardConfig, Verdict};

/// Told of each new call the door turns away (once per call, not per
/// retransmission).
pub type OnShed = fn();

/// A tokio UDP socket whose receive path is screened by the guard.
pub struct GuardedUdpSocket {
    socket: UdpSocket,
    config: GuardConfig,
    /// The Retry-After (seconds) while the application sheds load; 0 when not.
    busy: Arc<AtomicU32>,
    door: Mutex<Door>,
    on_shed: Option<OnShed>,
}

impl GuardedUdpSocket {
    /// Wraps a bound socket.
    pub fn new(
        socket: UdpSocket,
        config: GuardConfig,
        busy: Arc<AtomicU32>,
        on_shed: Option<OnShed>,
    ) -> Self {
        GuardedUdpSocket {
            socket,
            config,
            busy,
            door: Mutex::new(Door::new()),
            on_shed,
        }
    }

    /// Whether an accepted datagram goes on to the stack; a new INVITE
    /// while shedding is answered here instead.
    async fn through_the_door(
        &self,
        datagram: &[u8],
        invite: Option<guard::NewInvite>,
        from: SocketAddr,
    ) -> bool {
        let Some(invite) = invite else {
            return true;
        };
        let shedding = match self.busy.load(Ordering::Relaxed) {
            0 => None,
            secs => Some(secs),
        };
        let entry = self
            .door
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .enter(invite.key, crate::clock::now(), shedding);
        let Entry::Shed {
            retry_after_secs,
            first,
        } = entry
        else {
            return true;
        };
        if first {
            if let Some(count) = self.on_shed {
                count();
            }
        }
        debug!(%from, retry_after_secs, "new call turned away while shedding: 503");
        let response = guard::shed_reply(datagram, retry_after_secs, &self.config);
        if let Err(e) = self.socket.send_to(&response, from).await {
            debug!(%from, error = %e, "could not send the 503");
        }
        false
    }
}

#[async_trait::async_trait]
impl rsipstack::platform::net::UdpSocket for GuardedUdpSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> rsipstack::Result<(usize, SocketAddr)> {
        loop {
            let (len, from) = self.socket.recv_from(buf).await?;
            let datagram = buf.get(..len).unwrap_or_default();
            let (verdict, invite) = guard::screen(datagram, &self.config);
            match verdict {
                Verdict::Accept if self.through_the_door(datagram, invite, from).await => {
                    return Ok((len, from));
                }
                Verdict::Accept => {}
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
