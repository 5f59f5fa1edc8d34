//! Where the caller's stream's audio goes, 20 ms at a time: the recording
//! (with the resident's warning mixed into its resident channel), the
//! recognizer, a message being left, and a name being said.
//!
//! Nothing is kept before the answer (early media).
//!
//! Does not own: starting or stopping any of them (the call's task).

use std::sync::Arc;
use std::time::Instant;

use sip::rtp_session::FrameSink;

use super::{listening, name};
use crate::serve::recording::Recording;

/// Where the caller's stream's audio goes: the recording (with the
/// resident's warning mixed into its resident channel) and the recognizer.
pub(super) struct Sink {
    /// The recording and the recognizer, from the answer on (the stream
    /// may start earlier, for early media).
    pub(super) answered: AnsweredSlot,
    pub(super) overlay: listening::Overlay,
    /// The caller's message, while one is being left.
    pub(super) voicemail: VoicemailSlot,
    /// The caller's name, while it is being said.
    pub(super) name: name::NameSlot,
}

/// Now by the media's clock (tokio's), the time its frames carry.
pub(super) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// What takes the caller's stream once the call is answered.
pub(super) struct Answered {
    /// When the caller was answered: the frames of earlier ticks (which
    /// an idle stream may deliver late) are not kept.
    pub(super) from: Instant,
    pub(super) recording: Option<Recording>,
    pub(super) listen: Option<crate::serve::recognizers::Tap>,
}

/// [`Answered`], shared by the call task (which fills it at the answer and
/// takes the recording at the end) and the media (which writes to it).
pub(super) type AnsweredSlot = Arc<std::sync::Mutex<Option<Answered>>>;

/// Where the caller's message is recorded from when, shared by the call
/// task (which starts and stops it) and the media (which writes it).
pub(super) type VoicemailSlot = Arc<std::sync::Mutex<Option<(Instant, Recording)>>>;

impl FrameSink for Sink {
    /// A name being said ends on the caller's silence and a message is
    /// stopped by the call task: both take each frame at its tick, and a
    /// warning being mixed into the recording lines up with it.
    fn wants_each_tick(&self) -> bool {
        fn taken<T>(slot: &std::sync::Mutex<Option<T>>) -> bool {
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_some()
        }
        let overlaid = !self
            .overlay
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_empty();
        taken(&self.name) || taken(&self.voicemail) || overlaid
    }

    fn frame(&mut self, at: Instant, caller: &[i16], sent: &[i16]) {
        let mut answered = self
            .answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(answered) = answered.as_mut().filter(|a| at >= a.from) else {
            return; // Early media: nothing is kept before the answer.
        };
        // The recognizer hears the parties, never our own warning.
        if let Some(tap) = answered.listen.as_mut() {
            tap.push(caller, sent);
        }
        {
            let mut name = self
                .name
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((from, capture)) = name.as_mut() {
                if at >= *from && capture.push(caller) {
                    *name = None;
                }
            }
        }
        if let Some((from, message)) = self
            .voicemail
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            if at >= *from {
                message.push(caller, sent);
            }
        }
        if let Some(rec) = &answered.recording {
            match listening::mix_overlay(&self.overlay, sent) {
                Some(mixed) => rec.push(caller, &mixed),
                None => rec.push(caller, sent),
            }
        }
    }
}
