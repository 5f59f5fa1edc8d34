//! The trunk leg of one line-clear callback: the call to the verified
//! number the callback dials, through the line's provider.
//!
//! Owns: placing that call through the first trunk with an address, with
//! the trunk's credentials (`crate::leg`), its answer, hanging it up,
//! connecting its media to the resident's both ways and disconnecting it,
//! and turning what happens on it into the callback's events. Does not
//! own: which number is dialled or when (`ivr::lineclear::Callback`, from
//! the line's verified numbers only), the resident's legs (`resident.rs`).

use sip::media::sdp::{self, Negotiated};
use sip::rtp_session::{relay_pair, MediaCommand, MediaSession, NoSink};
use sip::{Credentials, UacCommand, UacEvent, UacHandle};
use tokio::net::UdpSocket;
use tracing::{info, warn};

use ivr::lineclear::CallbackEvent;

use crate::config::TrunkConfig;
use crate::leg::{self, LegRequest, Rtp};
use crate::serve::shared::Shared;
use crate::serve::wait::recv_or_never;

/// The call to the verified number, once dialled.
#[derive(Default)]
pub(super) struct TrunkLeg {
    uac: Option<UacHandle>,
    /// Its RTP socket, until its media starts.
    socket: Option<UdpSocket>,
    answer: Option<Negotiated>,
    media: Option<MediaSession<NoSink>>,
    /// The number dialled.
    number: Option<String>,
    /// The call is over: no more events.
    over: bool,
}

impl TrunkLeg {
    /// Calls `number` through the first trunk with an address: false when
    /// the call could not be placed.
    pub(super) async fn dial(&mut self, shared: &Shared, number: &str) -> bool {
        let lines = shared.lines();
        let trunk = lines.config.trunks.iter().find(|t| t.address.is_some());
        let Some(request) = trunk.and_then(|t| request(t, number)) else {
            warn!(%number, "no trunk call could be placed");
            return false;
        };
        let rtp = Rtp::Range(&shared.ports);
        match leg::place(&shared.endpoint, rtp, request, fastrand::u64(1..1 << 62)).await {
            Ok(placed) => {
                info!(%number, call_id = %placed.uac.call_id, rtp = %placed.sdp.local, "calling the verified number through the trunk");
                self.uac = Some(placed.uac);
                self.socket = Some(placed.socket);
                self.number = Some(number.to_string());
                true
            }
            Err(e) => {
                warn!(error = %e, "cannot call out through the trunk");
                warn!(%number, "no trunk call could be placed");
                false
            }
        }
    }

    /// CANCEL or BYE.
    pub(super) fn hang_up(&self) {
        if let Some(uac) = &self.uac {
            uac.send(UacCommand::Hangup).ok();
        }
    }

    /// Connects the answered call's media and the resident's, both ways:
    /// the number connected, or `None` when there is no answer to connect.
    pub(super) fn bridge(
        &mut self,
        resident: Option<&MediaSession<NoSink>>,
        session_id: u64,
    ) -> Option<String> {
        let (Some(socket), Some(answer)) = (self.socket.take(), self.answer.clone()) else {
            return None;
        };
        let media = MediaSession::start(socket, answer, NoSink, session_id);
        let (to_resident, to_far) = relay_pair();
        media.command(to_far);
        if let Some(resident) = resident {
            resident.command(MediaCommand::StopPlayback);
            resident.command(to_resident);
        }
        self.media = Some(media);
        Some(self.number.clone().unwrap_or_default())
    }

    /// Disconnects the media `bridge` connected.
    pub(super) fn unbridge(&mut self, resident: Option<&MediaSession<NoSink>>) {
        if let Some(resident) = resident {
            resident.command(MediaCommand::Unrelay);
        }
        self.media = None;
    }

    /// The next thing that happened on the call, as the callback's event
    /// (`None`: nothing for it; a re-INVITE is refused).
    pub(super) async fn next_event(&mut self) -> Option<CallbackEvent> {
        let events = self.uac.as_mut().filter(|_| !self.over);
        let Some(event) = recv_or_never(events.map(|u| &mut u.events)).await else {
            self.over = true;
            return None;
        };
        match event {
            UacEvent::Answered { answer } => {
                self.answer = sdp::parse_answer(&answer).ok();
                Some(CallbackEvent::FarAnswered)
            }
            UacEvent::Failed { status } => Some(CallbackEvent::FarFailed { status }),
            UacEvent::Timeout => Some(CallbackEvent::FarFailed { status: 408 }),
            UacEvent::PeerHungUp => Some(CallbackEvent::FarHungUp),
            UacEvent::HangupDone { .. } => Some(CallbackEvent::FarGone),
            UacEvent::ReInvite { .. } => {
                let refuse = UacCommand::AnswerReInvite {
                    status: 488,
                    sdp: None,
                };
                if let Some(uac) = &self.uac {
                    uac.send(refuse).ok();
                }
                None
            }
            UacEvent::Progress(_) | UacEvent::EarlyMedia { .. } | UacEvent::InfoDtmf(_) => None,
        }
    }
}

/// The call to `number` through `trunk`, as linewarden's account there.
fn request(trunk: &TrunkConfig, number: &str) -> Option<LegRequest> {
    let host = trunk.address.as_deref()?.strip_prefix("sip:")?;
    let credentials = match (&trunk.username, &trunk.password) {
        (Some(u), Some(p)) => Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        }),
        _ => None,
    };
    Some(LegRequest {
        target: format!("sip:{number}@{host}"),
        from_user: trunk
            .username
            .clone()
            .unwrap_or_else(|| "linewarden".into()),
        credentials,
        ..Default::default()
    })
}
