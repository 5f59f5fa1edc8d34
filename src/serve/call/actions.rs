//! Carrying out the screening machine's actions on a live call: prompts,
//! answering (200 OK, recording, RTP stream), hanging up, outcomes into the
//! call log, and re-INVITEs (hold, unhold, new media).
//!
//! Owns: the glue from `ivr` actions and dialog events to the SIP, media and
//! store calls. Does not own: the event loop (`mod.rs`) or bridging
//! (`bridge.rs`).

use std::time::SystemTime;

use ivr::{Action, Event};
use sip::rtp_session::{MediaCommand, MediaSession};
use sip::Command;
use tokio::time::Instant;
use tracing::{info, warn};

use super::{Flow, Sink};
use crate::serve::recording::Recording;

impl Flow {
    pub(super) fn event(&mut self, event: Event) {
        self.ivr.handle_event(Instant::now().into_std(), event);
    }

    /// Carries out the state machine's actions; returns an end reason when
    /// one of them ends the call.
    pub(super) fn apply_actions(&mut self) -> Option<&'static str> {
        let mut reason = None;
        while let Some(action) = self.ivr.poll_action() {
            match action {
                Action::Ring => {
                    self.handle.send(Command::Ringing).ok();
                }
                Action::Answer => self.answer(),
                Action::Decline => {
                    self.handle.send(Command::Reject { status: 603 }).ok();
                    reason = Some("declined");
                }
                Action::Play { id, prompt } => self.media_command(MediaCommand::Play {
                    id: id.0,
                    samples: self.shared.prompts.audio(prompt),
                }),
                Action::StopPlayback => self.media_command(MediaCommand::StopPlayback),
                Action::Outcome(outcome) => {
                    info!(
                        outcome = outcome.as_str(),
                        digit = self.ivr.digit(),
                        "challenge outcome"
                    );
                    self.shared.store.set_outcome(&self.key, outcome.as_str());
                    if outcome == ivr::Outcome::Passed {
                        let now = crate::time::now_millis();
                        if let Some(number) =
                            self.shared.policies.passed(&self.line, &self.caller, now)
                        {
                            self.shared.store.remember_passed(&self.line, &number, now);
                        }
                    }
                }
                Action::RecordName => {
                    self.media_command(MediaCommand::Play {
                        id: super::bridge::BEEP_ID,
                        samples: crate::prompts::beep(),
                    });
                    let (done, rx) = tokio::sync::mpsc::unbounded_channel();
                    *self
                        .name_slot
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) =
                        Some(super::name::NameCapture::new(done));
                    self.name_rx = Some(rx);
                }
                Action::StopNameRecording => {
                    let capture = self
                        .name_slot
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .take();
                    if let Some(mut capture) = capture {
                        capture.finish();
                    }
                    // What was said so far is the name.
                    if let Some(mut rx) = self.name_rx.take() {
                        if let Ok(name) = rx.try_recv() {
                            self.name_audio = Some(name.into());
                        }
                    }
                }
                Action::Connected if self.has_phones() => self.start_bridge(),
                Action::Connected => {
                    info!("caller passed; the call stays up until the caller hangs up")
                }
                Action::Hangup => {
                    reason = Some("we hung up");
                    self.hangup();
                }
            }
        }
        reason
    }

    pub(super) fn media_command(&self, command: MediaCommand) {
        if let Some(media) = &self.media {
            media.command(command);
        }
    }

    /// Sends the 200 OK, starts the recording and the RTP stream.
    pub(super) fn answer(&mut self) {
        let Some(u) = self.unanswered.take() else {
            return;
        };
        self.handle.send(Command::Accept { sdp: u.answer }).ok();
        let key = self.key.to_string();
        let recording = u.record.as_deref().and_then(|line| {
            let rel = crate::serve::recording::relative_path(line, u.started, &key);
            let path = self.shared.data_dir.join(&rel);
            match Recording::start(&path, Some(self.shared.disk.clone())) {
                Ok(r) => Some((r, rel)),
                Err(e) => {
                    warn!(error = %e, "cannot record this call");
                    self.shared
                        .store
                        .set_recording_note(&self.key, &recording_note(&e));
                    None
                }
            }
        });
        let (recording, rel) = recording.unzip();
        let rel = rel.map(|p| p.to_string_lossy().into_owned());
        self.shared
            .store
            .call_answered(&self.key, SystemTime::now(), rel);
        let (listen, words) = match &self.shared.listeners {
            Some(pool) => pool.open().unzip(),
            None => (None, None),
        };
        let sink = Sink {
            recording,
            overlay: self.tagging.overlay.clone(),
            listen,
            voicemail: self.message.clone(),
            name: self.name_slot.clone(),
        };
        self.media = Some(MediaSession::start(
            u.socket,
            u.negotiated,
            sink,
            u.media_seed,
        ));
        self.start_tagging(words);
    }

    pub(super) fn hangup(&mut self) {
        if self.hangup_sent.is_none() {
            self.shared.store.set_hangup_by(&self.key, "service");
            self.hangup_sent = Some(Instant::now());
            self.media_command(MediaCommand::StopPlayback);
            self.handle.send(Command::Hangup).ok();
        }
    }

    pub(super) fn reinvite(&mut self, offer: Option<Vec<u8>>) {
        let (status, sdp, negotiated) = self.sdp_session.answer_reinvite(offer.as_deref());
        if let Some(n) = negotiated {
            self.media_command(MediaCommand::Update(n));
        }
        self.handle
            .send(Command::AnswerReInvite { status, sdp })
            .ok();
    }
}

/// What the call log says about a recording that could not be made.
pub(super) fn recording_note(e: &crate::serve::recording::RecordingError) -> String {
    match e {
        crate::serve::recording::RecordingError::DiskFull => "not recorded: disk full".to_owned(),
        other => format!("not recorded: {other}"),
    }
}
