//! The TCP listener in front of rsipstack: connections are taken here, and
//! only those within the limits that have sent a whole first message are
//! handed to the stack.
//!
//! Owns: accepting, refusing a connection over the per-source or total cap
//! ([`TcpLimits`]; when every place is taken, the oldest connection still
//! waiting for its first message is closed to make room), closing one that
//! has not sent a whole first message within `request_timeout` (a request
//! sent by halves and left stalled),
//! handing the rest to rsipstack's transport layer (which frames SIP and
//! closes a connection idle for `idle_timeout`), and counting each until it
//! closes. Does not own: SIP framing after the first message, or the
//! decisions themselves (`tcp_limits`). A message after the first that is
//! sent by halves is bounded by the idle timeout only.

use std::collections::HashMap;
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
    let book = Arc::new(Mutex::new(Book::default()));
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
        let evicted = CancellationToken::new();
        let admitted = {
            let mut book = book.lock().unwrap_or_else(PoisonError::into_inner);
            let admitted = book.count.admit(peer.ip(), &limits);
            if let Ok(admitted) = admitted {
                book.waiting.insert(admitted.id, evicted.clone());
                if let Some(old) = admitted.evict.and_then(|id| book.waiting.remove(&id)) {
                    old.cancel();
                }
            }
            admitted
        };
        let admitted = match admitted {
            Ok(admitted) => admitted,
            Err(why) => {
                info!(%peer, ?why, "TCP connection refused: too many open");
                continue;
            }
        };
        let connection = Connection {
            stream,
            peer,
            local: local.clone(),
            endpoint: endpoint.clone(),
            counted: Counted {
                book: book.clone(),
                id: admitted.id,
                source: peer.ip(),
            },
            evicted,
        };
        tokio::spawn(connection.serve(limits.request_timeout));
    }
}

/// The count of open connections, and how to close each one still
/// waiting for its first message.
#[derive(Default)]
struct Book {
    count: ConnectionCount,
    waiting: HashMap<u64, CancellationToken>,
}

/// One accepted connection, counted until it closes.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    local: SipAddr,
    endpoint: EndpointInnerRef,
    counted: Counted,
    /// Cancelled to close it while it waits for its first message.
    evicted: CancellationToken,
}

impl Connection {
    async fn serve(self, request_timeout: Duration) {
        let Connection {
            stream,
            peer,
            local,
            endpoint,
            counted,
            evicted,
        } = self;
        let deadline = Instant::now() + request_timeout;
        let first = tokio::select! {
            first = wait_first_message(&stream, deadline) => first,
            _ = evicted.cancelled() => Err("closed to make room for a new connection"),
        };
        if let Err(why) = first {
            info!(%peer, why, "TCP connection closed before a whole first message");
            return;
        }
        counted.established();
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

/// A connection's place in the count, released when dropped.
struct Counted {
    book: Arc<Mutex<Book>>,
    id: u64,
    source: IpAddr,
}

impl Counted {
    /// The connection has sent its first message: it is not evicted.
    fn established(&self) {
        let mut book = self.book.lock().unwrap_or_else(PoisonError::into_inner);
        book.count.established(self.id);
        book.waiting.remove(&self.id);
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut book = self.book.lock().unwrap_or_else(PoisonError::into_inner);
        book.count.release(self.id, self.source);
        book.waiting.remove(&self.id);
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
