//! The next input of a part of a call that may not exist yet: a phone's
//! leg, the caller's name recording, the caller's media stream.

use sip::rtp_session::{MediaEvent, MediaSession};

use super::{bridge, Sink};
use crate::serve::wait::recv_or_never;

/// The next SIP event from a resident's phone, or never when not bridging.
pub(super) async fn phone_event(
    bridge: &mut Option<bridge::Bridging>,
) -> Option<bridge::PhoneInput> {
    match bridge {
        Some(b) => b.next_input().await,
        None => std::future::pending().await,
    }
}

/// The caller's recorded name, or never when none is being recorded.
pub(super) async fn next_name(
    rx: &mut Option<tokio::sync::mpsc::UnboundedReceiver<Vec<i16>>>,
) -> Option<Vec<i16>> {
    recv_or_never(rx.as_mut()).await
}

/// The next media event, or never when there is no media yet.
pub(super) async fn media_event(media: &mut Option<MediaSession<Sink>>) -> Option<MediaEvent> {
    recv_or_never(media.as_mut().map(|m| &mut m.events)).await
}
