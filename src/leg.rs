//! Placing one outgoing call leg: its RTP port, our SDP offer and the
//! INVITE, for the live service (ringing the resident's phones, the trunk
//! call of a line-clear callback) and for `replay --to` alike.
//!
//! Owns: binding the leg's RTP socket (from the service's port range, or
//! any free port), the offer (PCMU and PCMA, send and receive, naming the
//! address the far end can reach), starting the call through the SIP
//! endpoint, and, for a caller waiting on several legs at once, forwarding
//! a leg's events to one channel under a key of the caller's choosing.
//!
//! Does not own: what the call is for, reading its answer or running its
//! media (the caller starts a `MediaSession` on [`PlacedLeg::socket`] once
//! it has the answer), or SIP itself (`sip`).

use std::net::{IpAddr, SocketAddr};

use sip::media::g711::Codec;
use sip::media::sdp::{self, Direction};
use sip::rtp_session::PortRange;
use sip::{Credentials, OutgoingCall, SipEndpoint, SipError, UacEvent, UacHandle};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// Who is called, and as whom.
#[derive(Clone, Debug, Default)]
pub struct LegRequest {
    /// `sip:USER@HOST[:PORT]`.
    pub target: String,
    /// Our caller number or name (the From user).
    pub from_user: String,
    pub from_display: Option<String>,
    /// Where to send the INVITE instead of the target's own address (a
    /// registered phone behind NAT).
    pub destination: Option<SocketAddr>,
    /// The Route set to send the INVITE along (a registered phone's Path,
    /// RFC 3327), first hop first.
    pub route: Vec<String>,
    /// For a digest challenge to the INVITE (a provider's trunk).
    pub credentials: Option<Credentials>,
}

/// Where the leg's RTP is received.
#[derive(Clone, Copy, Debug)]
pub enum Rtp<'a> {
    /// A port from the service's range, bound and advertised as the range
    /// says (the listen address; `media_address` in the offer).
    Range(&'a PortRange),
    /// Any free port on `bind`, offering `advertise` when given (a socket
    /// bound to every interface must name one the far end can reach).
    Any {
        bind: IpAddr,
        advertise: Option<IpAddr>,
    },
}

/// Our side of one leg's SDP session: where our RTP is, and the session id
/// and version in our `o=` line (the version goes up with each new answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdpSession {
    pub local: SocketAddr,
    pub id: u64,
    pub version: u64,
}

impl SdpSession {
    /// Answers a re-INVITE's offer (hold, unhold, new media): the status,
    /// our SDP answer, and the new negotiation for the leg's stream. No offer,
    /// or one we cannot take, is 488.
    pub fn answer_reinvite(
        &mut self,
        offer: Option<&[u8]>,
    ) -> (u16, Option<String>, Option<sdp::Negotiated>) {
        match offer.map(sdp::negotiate) {
            Some(Ok(n)) => {
                self.version += 1;
                let answer = sdp::build_answer(&n, self.local, self.id, self.version);
                tracing::info!(direction = ?n.remote_direction, "re-INVITE answered");
                (200, Some(answer), Some(n))
            }
            Some(Err(e)) => {
                tracing::info!(error = %e, "re-INVITE refused: 488");
                (488, None, None)
            }
            // Without an offer we would have to offer in the 200 and read
            // the answer in the ACK.
            None => (488, None, None),
        }
    }
}

/// A leg whose INVITE is on its way.
pub struct PlacedLeg {
    /// The call: its events, and where to send `Hangup`.
    pub uac: UacHandle,
    /// The leg's RTP socket, for its media once answered.
    pub socket: UdpSocket,
    /// What our offer said.
    pub sdp: SdpSession,
}

/// A leg that could not be placed.
#[derive(Debug, thiserror::Error)]
pub enum LegError {
    #[error("no RTP port for the call: {0}")]
    Port(#[source] std::io::Error),
    #[error("cannot call {target}: {source}")]
    Call {
        target: String,
        #[source]
        source: SipError,
    },
}

/// Binds the leg's RTP socket, offers it (session `session_id`, version 1)
/// and sends the INVITE.
pub async fn place(
    endpoint: &SipEndpoint,
    rtp: Rtp<'_>,
    request: LegRequest,
    session_id: u64,
) -> Result<PlacedLeg, LegError> {
    let (socket, local) = match rtp {
        Rtp::Range(ports) => ports.open().await.map_err(LegError::Port)?,
        Rtp::Any { bind, advertise } => {
            let socket = UdpSocket::bind(SocketAddr::new(bind, 0))
                .await
                .map_err(LegError::Port)?;
            let bound = socket.local_addr().map_err(LegError::Port)?;
            let local = SocketAddr::new(advertise.unwrap_or(bound.ip()), bound.port());
            (socket, local)
        }
    };
    let sdp = SdpSession {
        local,
        id: session_id,
        version: 1,
    };
    let offer = sdp::build_offer(
        local,
        &[Codec::Pcmu, Codec::Pcma],
        Direction::SendRecv,
        sdp.id,
        sdp.version,
    );
    let target = request.target.clone();
    let call = OutgoingCall {
        target: request.target,
        from_user: request.from_user,
        from_display: request.from_display,
        offer,
        destination: request.destination,
        route: request.route,
        credentials: request.credentials,
    };
    match endpoint.call(call).await {
        Ok(uac) => Ok(PlacedLeg { uac, socket, sdp }),
        Err(source) => Err(LegError::Call { target, source }),
    }
}

impl PlacedLeg {
    /// Moves the leg's events to `to`, each with `key`, from a task of its
    /// own, until the leg or the receiver is gone. `uac.events` is closed
    /// from then on.
    pub fn forward_events<K>(&mut self, key: K, to: mpsc::UnboundedSender<(K, UacEvent)>)
    where
        K: Copy + Send + 'static,
    {
        let (_, closed) = mpsc::unbounded_channel();
        let mut events = std::mem::replace(&mut self.uac.events, closed);
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if to.send((key, event)).is_err() {
                    break;
                }
            }
        });
    }
}
