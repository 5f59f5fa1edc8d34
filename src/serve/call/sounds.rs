//! The audio of each sound the machine asks to play.
//!
//! Owns: choosing the recorded prompt or tone for an `ivr::call::Sound`,
//! and how much ringback outlasts the phones' ringing. Does not own: the
//! prompts themselves (`prompts`) or playing them (the legs).

use std::sync::Arc;

use ivr::call::Sound;

use super::ctx::CallCtx;

/// `sound`'s audio, as chunks queued one after another under one id.
/// `name` is the caller's recorded name, for the announcement.
pub(super) fn audio(ctx: &CallCtx, sound: Sound, name: &[i16]) -> Vec<Arc<[i16]>> {
    let prompts = &ctx.shared.prompts;
    match sound {
        Sound::Screening(prompt) => vec![prompts.audio(prompt)],
        Sound::Bridge(prompt) => vec![prompts.bridge_audio(prompt)],
        // The caller's call is already answered: the ringing is a tone,
        // enough cadences to outlast the ring timeout.
        Sound::Ringback => {
            let cadences = ctx.ring_timeout.as_secs() / 3 + 1;
            let tone = crate::prompts::ringback();
            (0..cadences).map(|_| tone.clone()).collect()
        }
        Sound::Beep => vec![crate::prompts::beep()],
        Sound::Announcement => vec![prompts.announcement(name)],
        Sound::Warning => vec![prompts.warning()],
    }
}
