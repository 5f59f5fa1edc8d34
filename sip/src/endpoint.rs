//! The SIP endpoint: rsipstack's transports and transactions behind our own
//! types.
//!
//! Owns: binding UDP (through the [`guard`](crate::guard), so malformed
//! requests get their error response instead of silence) and TCP (through
//! [`guarded_tcp`](crate::guarded_tcp), within [`TcpLimits`]), running
//! rsipstack's endpoint, and dispatching every server transaction: a new
//! INVITE becomes an [`IncomingCall`]; an in-dialog request goes to the task of
//! its dialog, or gets 481 when there is none; out-of-dialog OPTIONS is
//! answered here (503 with Retry-After while the application says it is
//! busy, see [`SipEndpoint::set_busy`]); anything else gets 405/501.
//!
//! It also places outgoing calls ([`SipEndpoint::call`], see [`uac`]) on
//! the same transports, sharing the dialog routes.
//!
//! Does not own: what a call does. The application decides through the
//! [`CallHandle`](crate::uas::CallHandle) or
//! [`UacHandle`] of each call.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::TransportLayer;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::error::SipError;
use crate::guard::GuardConfig;
use crate::guarded_tcp::GuardedTcp;
use crate::guarded_udp::GuardedUdpSocket;
use crate::registrar::{BindingChange, Registrar};
use crate::request::{header_value, reply, source_of};
use crate::routes::DialogRoutes;
pub use crate::tcp_limits::TcpLimits;
use crate::uac::{self, OutgoingCall, UacHandle};
use crate::uas::{self, IncomingCall};

pub use crate::request::ALLOWED_METHODS;

/// How to set up the endpoint.
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    /// Address for SIP over UDP and TCP.
    pub listen: SocketAddr,
    /// `User-Agent`/`Server` header value.
    pub user_agent: String,
    /// Seed for tags and branch-independent identifiers we generate.
    pub seed: u64,
    /// The registrar REGISTER requests go to; without one they get 405.
    pub registrar: Option<RegistrarHandle>,
    /// Timeouts and caps of SIP over TCP.
    pub tcp: TcpLimits,
    /// Told of each new call turned away at the door over UDP while busy
    /// (see [`SipEndpoint::set_busy`]); those never reach the application.
    pub on_shed: Option<crate::guarded_udp::OnShed>,
    /// The UDP socket's receive buffer to ask the kernel for, in bytes (0:
    /// the system's default); see [`crate::udp_buffer`].
    pub udp_receive_buffer: usize,
}

/// A registrar shared between the endpoint (which answers REGISTER with it)
/// and the application (which reads the bindings to ring phones, and keeps
/// each change it is sent).
#[derive(Clone, Debug)]
pub struct RegistrarHandle {
    pub registrar: Arc<Mutex<Registrar>>,
    pub changes: mpsc::UnboundedSender<BindingChange>,
}

/// Keeps outgoing calls' identifiers apart from the tags the dispatcher
/// draws from the same configured seed.
const UAC_SEED_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// A running SIP endpoint.
pub struct SipEndpoint {
    endpoint: rsipstack::transaction::Endpoint,
    local: SocketAddr,
    routes: DialogRoutes,
    /// Identifiers of outgoing calls (a stream apart from the dispatcher's).
    uac_rng: Mutex<fastrand::Rng>,
    /// The TCP accept loop.
    tcp: GuardedTcp,
    /// The Retry-After (seconds) of OPTIONS while busy; 0 when not.
    busy: Arc<AtomicU32>,
}

impl SipEndpoint {
    /// Binds UDP and TCP on `config.listen` and starts serving. New calls
    /// arrive on the returned receiver.
    pub async fn start(
        config: EndpointConfig,
    ) -> Result<(SipEndpoint, mpsc::Receiver<IncomingCall>), SipError> {
        let udp = tokio::net::UdpSocket::bind(config.listen)
            .await
            .map_err(|source| SipError::Bind {
                addr: config.listen,
                transport: "udp",
                source,
            })?;
        let local = udp.local_addr().map_err(|source| SipError::Bind {
            addr: config.listen,
            transport: "udp",
            source,
        })?;
        if let Err(e) = crate::udp_buffer::widen(&udp, config.udp_receive_buffer) {
            warn!(error = %e, "cannot set the SIP UDP receive buffer: the system's default stays");
        }
        // Our own TCP listener (rsipstack's has no limits): a busy port is
        // a start-up error.
        let tcp_listener = tokio::net::TcpListener::bind(local)
            .await
            .map_err(|source| SipError::Bind {
                addr: local,
                transport: "tcp",
                source,
            })?;

        let transport_layer = TransportLayer::new(Default::default());
        let mut guard = GuardConfig::default();
        if config.registrar.is_some() {
            guard.methods.push("REGISTER".into());
        }
        let busy = Arc::new(AtomicU32::new(0));
        let guarded = GuardedUdpSocket::new(udp, guard, busy.clone(), config.on_shed);
        let udp_conn = UdpConnection::from_socket(Arc::new(guarded), None, None).await?;
        transport_layer.add_transport(udp_conn.into());

        let mut builder = rsipstack::EndpointBuilder::new();
        builder
            .with_user_agent(&config.user_agent)
            .with_transport_layer(transport_layer);
        if let Some(handle) = &config.registrar {
            builder.with_target_locator(Box::new(crate::registrar::locator::BindingLocator {
                registrar: handle.registrar.clone(),
            }));
        }
        let endpoint = builder.build();
        let incoming = endpoint.incoming_transactions()?;
        let inner = endpoint.inner.clone();
        tokio::spawn(async move {
            inner.serve().await.ok();
        });
        let tcp = GuardedTcp::spawn(tcp_listener, endpoint.inner.clone(), config.tcp);

        let (calls_tx, calls_rx) = mpsc::channel(64);
        let routes = DialogRoutes::default();
        let dispatcher = Dispatcher {
            busy: busy.clone(),
            endpoint: endpoint.inner.clone(),
            routes: routes.clone(),
            calls: calls_tx,
            rng: fastrand::Rng::with_seed(config.seed),
            local,
            registrar: config.registrar.clone(),
        };
        tokio::spawn(dispatcher.run(incoming));
        info!(%local, "SIP listening on UDP and TCP");
        let uac_rng = Mutex::new(fastrand::Rng::with_seed(config.seed ^ UAC_SEED_SALT));
        let sip = SipEndpoint {
            endpoint,
            local,
            routes,
            uac_rng,
            tcp,
            busy,
        };
        Ok((sip, calls_rx))
    }

    /// Places an outgoing call: sends the INVITE and returns the handle
    /// that drives it. Fails at once for an unusable target or caller, or a
    /// TCP target that refuses the connection; every later outcome is a
    /// [`UacEvent`](crate::uac::UacEvent).
    pub async fn call(&self, call: OutgoingCall) -> Result<UacHandle, SipError> {
        let rng = self
            .uac_rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fork();
        let placement = uac::Placement {
            endpoint: self.endpoint.inner.clone(),
            routes: self.routes.clone(),
            local: self.local,
            rng,
        };
        uac::place(placement, call).await
    }

    /// The transaction layer, for requests built by rsipstack itself.
    pub(crate) fn inner(&self) -> EndpointInnerRef {
        self.endpoint.inner.clone()
    }

    /// Whether the application is shedding load: `Some(seconds)` makes
    /// out-of-dialog OPTIONS get 503 with that Retry-After, `None` 200; new
    /// INVITEs over UDP then get the same 503 at the door, statelessly
    /// (retransmissions of INVITEs let in before still reach their
    /// transactions).
    pub fn set_busy(&self, retry_after_secs: Option<u32>) {
        let value = retry_after_secs.map_or(0, |s| s.max(1));
        self.busy.store(value, Ordering::Relaxed);
    }

    /// The bound address (useful when listening on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops the transports and transaction processing.
    pub fn shutdown(&self) {
        self.tcp.stop();
        self.endpoint.shutdown();
    }
}

struct Dispatcher {
    busy: Arc<AtomicU32>,
    endpoint: EndpointInnerRef,
    routes: DialogRoutes,
    calls: mpsc::Sender<IncomingCall>,
    rng: fastrand::Rng,
    local: SocketAddr,
    registrar: Option<RegistrarHandle>,
}

impl Dispatcher {
    /// The methods to list in Allow.
    fn allow(&self) -> Header {
        match self.registrar {
            Some(_) => Header::Allow(format!("{ALLOWED_METHODS}, REGISTER").into()),
            None => Header::Allow(ALLOWED_METHODS.into()),
        }
    }

    /// Answers a REGISTER from the registrar, passing on what changed.
    async fn register(&self, tx: &mut Transaction, handle: &RegistrarHandle) {
        let Some(source) = source_of(&tx.original) else {
            reply(tx, StatusCode::BadRequest, vec![]).await;
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let answer = handle
            .registrar
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .handle(&tx.original, source, now);
        for change in answer.changes {
            handle.changes.send(change).ok();
        }
        reply(tx, answer.status, answer.headers).await;
    }

    async fn run(mut self, mut incoming: rsipstack::transaction::TransactionReceiver) {
        while let Some(tx) = incoming.recv().await {
            self.dispatch(tx).await;
        }
        debug!("SIP dispatcher stopped");
    }

    async fn dispatch(&mut self, mut tx: Transaction) {
        let method = tx.original.method;
        let call_id = header_value(&tx.original, "Call-ID");
        let to_tag = tx
            .original
            .to_header()
            .ok()
            .and_then(|t| t.tag().ok().flatten())
            .map(|t| t.to_string());

        if let Some(tag) = to_tag {
            let route = self
                .routes
                .lock()
                .ok()
                .and_then(|r| r.get(&(call_id.clone(), tag)).cloned());
            match route {
                Some(sender) => {
                    if let Err(mpsc::error::SendError(mut tx)) = sender.send(Box::new(tx)) {
                        reply(&mut tx, StatusCode::CallTransactionDoesNotExist, vec![]).await;
                    }
                }
                None => {
                    debug!(%call_id, %method, "in-dialog request for no dialog: 481");
                    reply(&mut tx, StatusCode::CallTransactionDoesNotExist, vec![]).await;
                }
            }
            return;
        }

        match method {
            Method::Invite
                if crate::dialog::session_timer::SessionTimer::negotiate(&tx.original).is_err() =>
            {
                debug!(%call_id, "Session-Expires below our Min-SE: 422");
                let min_se = crate::dialog::session_timer::SessionTimer::min_se_header();
                reply(&mut tx, StatusCode::SessionIntervalTooSmall, vec![min_se]).await;
            }
            Method::Invite => {
                let tag = format!("{:016x}", self.rng.u64(..));
                match uas::new_incoming(
                    tx,
                    tag,
                    self.endpoint.clone(),
                    self.routes.clone(),
                    self.local,
                ) {
                    Ok(call) => {
                        debug!(call_id = %call.call_id, caller = %call.caller, called = %call.called, source = %call.source, "incoming call");
                        if let Err(mpsc::error::SendError(call)) = self.calls.send(call).await {
                            call.reject(StatusCode::ServiceUnavailable.into()).await;
                        }
                    }
                    Err(rejected) => {
                        let (mut tx, e) = *rejected;
                        warn!(%call_id, error = %e, "INVITE rejected: 400");
                        reply(&mut tx, StatusCode::BadRequest, vec![]).await;
                    }
                }
            }
            Method::Register if self.registrar.is_some() => {
                if let Some(handle) = self.registrar.clone() {
                    self.register(&mut tx, &handle).await;
                }
            }
            // One read of the shedding state: the answer and its
            // Retry-After agree.
            Method::Options => match self.busy.load(Ordering::Relaxed) {
                0 => {
                    let headers = vec![self.allow(), Header::Accept("application/sdp".into())];
                    reply(&mut tx, StatusCode::OK, headers).await;
                }
                secs => {
                    let headers = vec![Header::RetryAfter(secs.to_string().into())];
                    reply(&mut tx, StatusCode::ServiceUnavailable, headers).await;
                }
            },
            Method::Bye | Method::Info | Method::Update => {
                reply(&mut tx, StatusCode::CallTransactionDoesNotExist, vec![]).await;
            }
            Method::Register
            | Method::Subscribe
            | Method::Notify
            | Method::Message
            | Method::Publish
            | Method::Refer => {
                let headers = vec![self.allow()];
                reply(&mut tx, StatusCode::MethodNotAllowed, headers).await;
            }
            _ => {
                let headers = vec![self.allow()];
                reply(&mut tx, StatusCode::NotImplemented, headers).await;
            }
        }
    }
}
