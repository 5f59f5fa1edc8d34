//! The TCP listener in front of rsipstack: connections are taken here, and
//! only those within the limits that have sent a whole first message are
//! handed to the stack.
//!
//! Owns: accepting, refusing a connection over the per-source or total cap
//! ([`TcpLimits`]), closing one that has not sent a whole first message
//! within `request_timeout` (a request sent by halves and left stalled),
//! handing the rest to rsipstack's transport layer (which frames SIP and
//! closes a connection idle for `idle_timeout`), and counting each until it
//! closes. Does not own: SIP framing after the first message, or the
//! decisions themselves (`tcp_limits`). A message after the first that is
//! sent by halves is bounded by the idle timeout only.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rsipstack::platform::CancellationToken;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transport::tcp::TcpConnection;
use rsipstack::transport::{SipAddr, SipConnection};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::tcp_limits::{first_message, ConnectionCount, FirstMessage, TcpLimits};

/// Bytes of a first message looked at (its header block must fit).
const FIRST_MESSAGE_LIMIT: usize = 16 * 1024;

/// The accept loop; stops when dropped.
pub struct GuardedTcp {
    task: JoinHandle<()>,
}

impl Drop for GuardedTcp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GuardedTcp {
    /// Starts taking connections on `listener` for `endpoint`.
    pub fn spawn(listener: TcpListener, endpoint: EndpointInnerRef, limits: TcpLimits) -> Self {
        endpoint
            .transport_layer
            .set_stream_idle_timeout(limits.idle_timeout);
        let task = tokio::spawn(accept_loop(listener, endpoint, limits));
        GuardedTcp { task }
    }

    /// Stops taking connections.
    pub fn stop(&self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, endpoint: EndpointInnerRef, limits: TcpLimits) {
    let Ok(local) = listener.local_addr() else {
        return;
    };
    let local = SipAddr {
        r#type: Some(rsipstack::sip::Transport::Tcp),
        addr: local.into(),
    };
    let count = Arc::new(Mutex::new(ConnectionCount::default()));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, for one: do not spin.
                warn!(error = %e, "TCP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let admitted = count
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(peer.ip(), &limits);
        if let Err(why) = admitted {
            info!(%peer, ?why, "TCP connection refused: too many open");
            continue;
        }
        let connection = Connection {
            stream,
            peer,
            local: local.clone(),
            endpoint: endpoint.clone(),
            count: count.clone(),
        };
        tokio::spawn(connection.serve(limits.request_timeout));
    }
}

/// One accepted connection, counted until it closes.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    local: SipAddr,
    endpoint: EndpointInnerRef,
    count: Arc<Mutex<ConnectionCount>>,
}

impl Connection {
    async fn serve(self, request_timeout: Duration) {
        let Connection {
            stream,
            peer,
            local,
            endpoint,
            count,
        } = self;
        let _counted = Counted {
            count,
            source: peer.ip(),
        };
        let deadline = Instant::now() + request_timeout;
        match wait_first_message(&stream, deadline).await {
            Ok(()) => {}
            Err(why) => {
                info!(%peer, why, "TCP connection closed before a whole first message");
                return;
            }
        }
        let token = CancellationToken::new();
        let tcp = match TcpConnection::from_stream(stream, local, Some(token.clone())) {
            Ok(tcp) => tcp,
            Err(e) => {
                debug!(%peer, error = %e, "TCP connection lost");
                return;
            }
        };
        endpoint
            .transport_layer
            .add_connection(SipConnection::Tcp(tcp));
        // The transport layer cancels the token once the connection is done.
        token.cancelled().await;
        debug!(%peer, "TCP connection closed");
    }
}

/// Releases a connection's place in the count when dropped.
struct Counted {
    count: Arc<Mutex<ConnectionCount>>,
    source: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.count
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .release(self.source);
    }
}

/// Waits, without reading, until the connection holds a whole first
/// message; `Err` says why not (closed, too long, or `deadline` passed).
async fn wait_first_message(stream: &TcpStream, deadline: Instant) -> Result<(), &'static str> {
    let mut buf = vec![0u8; FIRST_MESSAGE_LIMIT];
    // Peeking does not consume, so the socket stays readable: poll, more
    // slowly the longer the message takes.
    let mut pause = Duration::from_millis(5);
    loop {
        let peeked = tokio::time::timeout_at(deadline, stream.peek(&mut buf)).await;
        let n = match peeked {
            Err(_) => return Err("request timeout"),
            Ok(Err(_)) | Ok(Ok(0)) => return Err("closed by the peer"),
            Ok(Ok(n)) => n,
        };
        match first_message(buf.get(..n).unwrap_or_default(), FIRST_MESSAGE_LIMIT) {
            FirstMessage::Whole => return Ok(()),
            FirstMessage::TooLong => return Err("header block too long"),
            FirstMessage::Partial => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Err("request timeout");
        }
        tokio::time::sleep_until((now + pause).min(deadline)).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}
