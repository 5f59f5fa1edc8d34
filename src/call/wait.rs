//! Small waits for a call's `select!` loop: the next event of a part of
//! the call that may not exist yet (never, if it does not), and deadlines.

use std::time::SystemTime;

use sip::rtp_session::{MediaEvent, MediaSession};
use tokio::time::Instant;

use super::{bridge, Sink};

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

/// The next message of `rx`, or never when there is no channel (for
/// `select!` branches on parts of a call that may not exist yet).
pub(crate) async fn recv_or_never<T>(
    rx: Option<&mut tokio::sync::mpsc::UnboundedReceiver<T>>,
) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The next media event, or never when there is no media yet.
pub(super) async fn media_event(media: &mut Option<MediaSession<Sink>>) -> Option<MediaEvent> {
    recv_or_never(media.as_mut().map(|m| &mut m.events)).await
}

pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Unix time in milliseconds.
pub(super) fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
