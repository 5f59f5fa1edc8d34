//! The caller's leg of a live call: their dialog, their RTP stream and
//! what is recorded from it.
//!
//! Owns: 180/183/200/603 and BYE on the caller's dialog, answering their
//! re-INVITEs, starting the stream at the answer (or at early media) and
//! the call's recording at the answer
//! (and opening the recognizer's tap), playing and stopping sounds on the
//! stream, the caller's name capture and message, and turning the
//! dialog's and the stream's events into the machine's inputs; finishing
//! the recordings when the call is over. Does not own: any decision (the
//! `ivr::call` machine), the phones (`phones.rs`) or the log (`log.rs`).

use std::sync::Arc;
use std::time::SystemTime;

use ivr::call::{CallerEvent, Input, PlaybackId};
use sip::media::sdp;
use sip::rtp_session::{MediaCommand, MediaEvent, MediaSession};
use sip::{CallEvent, CallHandle, Command};
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tracing::{debug, warn};

use super::ctx::{CallCtx, SdpSession};
use super::listening::Overlay;
use super::name::{NameCapture, NameSlot};
use super::sink::{self, Answered, AnsweredSlot, Sink, VoicemailSlot};
use crate::serve::recognizers::{CallListen, Heard};
use crate::serve::recording::{Recording, RecordingError, RecordingSummary};
use crate::serve::wait::recv_or_never;

/// What answering needs, kept until the machine says to answer.
pub(super) struct Unanswered {
    /// Taken when the stream starts (at the answer, or earlier for early
    /// media).
    pub(super) socket: Option<tokio::net::UdpSocket>,
    pub(super) negotiated: sdp::Negotiated,
    pub(super) answer: String,
    /// The line's name when its calls are recorded.
    pub(super) record: Option<String>,
    pub(super) media_seed: u64,
}

/// The caller's leg.
pub(super) struct CallerLeg {
    handle: CallHandle,
    /// The dialog's events channel is still open.
    dialog_open: bool,
    unanswered: Option<Unanswered>,
    /// The RTP stream, from the answer (or early media) on.
    media: Option<MediaSession<Sink>>,
    /// The recording and the recognizer's tap, from the answer on.
    answered: AnsweredSlot,
    /// Our side of the caller's SDP session.
    sdp: SdpSession,
    /// The caller's name being recorded, where it arrives, and the name.
    name_slot: NameSlot,
    name_rx: Option<UnboundedReceiver<Vec<i16>>>,
    name: Option<Arc<[i16]>>,
    /// The caller's message, while being left.
    message: VoicemailSlot,
    /// The caller's message being finished, once left.
    message_done: Option<tokio::task::JoinHandle<MessageEnd>>,
}

/// How finishing the caller's message went.
type MessageEnd = Result<RecordingSummary, RecordingError>;

impl CallerLeg {
    pub(super) fn new(handle: CallHandle, unanswered: Unanswered, sdp: SdpSession) -> Self {
        Self {
            handle,
            dialog_open: true,
            unanswered: Some(unanswered),
            media: None,
            answered: AnsweredSlot::default(),
            sdp,
            name_slot: NameSlot::default(),
            name_rx: None,
            name: None,
            message: VoicemailSlot::default(),
            message_done: None,
        }
    }

    pub(super) fn send(&self, command: Command) {
        self.handle.send(command).ok();
    }

    /// The caller's recorded name (empty when none was recorded).
    pub(super) fn name(&self) -> Arc<[i16]> {
        self.name.clone().unwrap_or_else(|| Arc::from(Vec::new()))
    }

    /// Sends a 183 with our SDP answer and starts the RTP stream (nothing
    /// is recorded or heard by the recognizer until the answer); false
    /// when the caller is answered already or the stream cannot start.
    pub(super) fn early_media(&mut self, overlay: Overlay) -> bool {
        let Some(u) = self.unanswered.as_mut() else {
            return false;
        };
        let Some(socket) = u.socket.take() else {
            return self.media.is_some();
        };
        self.handle
            .send(Command::EarlyMedia {
                sdp: u.answer.clone(),
            })
            .ok();
        let (negotiated, seed) = (u.negotiated.clone(), u.media_seed);
        self.start_media(socket, negotiated, seed, overlay);
        debug!("early media: the caller hears the resident's phone");
        true
    }

    /// Sends the 200 OK, starts the recording and the RTP stream (unless
    /// started for early media); returns the recognizer's words for this
    /// call and how much it hears, when it listens (`None` when it does
    /// not).
    pub(super) fn answer(
        &mut self,
        ctx: &CallCtx,
        overlay: Overlay,
    ) -> Option<(UnboundedReceiver<Heard>, Arc<CallListen>)> {
        let u = self.unanswered.take()?;
        self.send(Command::Accept { sdp: u.answer });
        let key = ctx.key.to_string();
        let recording = u.record.as_deref().and_then(|line| {
            let rel = crate::serve::recording::relative_path(line, ctx.started, &key);
            let path = ctx.shared.files_dir.join(&rel);
            match start_recording(&path, ctx) {
                Ok(r) => Some((r, rel)),
                Err(e) => {
                    warn!(error = %e, "cannot record this call");
                    ctx.shared
                        .store
                        .set_recording_note(&ctx.key, &recording_note(&e));
                    None
                }
            }
        });
        let (recording, rel) = recording.unzip();
        let rel = rel.map(|p| p.to_string_lossy().into_owned());
        ctx.shared
            .store
            .call_answered(&ctx.key, SystemTime::now(), rel);
        let opened = ctx.shared.listeners.as_ref().and_then(|pool| pool.open());
        let (listen, heard) = match opened {
            Some(o) => (Some(o.tap), Some((o.words, o.status))),
            None => (None, None),
        };
        *lock(&self.answered) = Some(Answered {
            from: sink::now(),
            recording,
            listen,
        });
        if let Some(socket) = u.socket {
            self.start_media(socket, u.negotiated, u.media_seed, overlay);
        }
        heard
    }

    fn start_media(
        &mut self,
        socket: tokio::net::UdpSocket,
        negotiated: sdp::Negotiated,
        seed: u64,
        overlay: Overlay,
    ) {
        let sink = Sink {
            answered: self.answered.clone(),
            overlay,
            voicemail: self.message.clone(),
            name: self.name_slot.clone(),
        };
        self.media = Some(MediaSession::start(socket, negotiated, sink, seed));
    }

    pub(super) fn command(&self, command: MediaCommand) {
        if let Some(media) = &self.media {
            media.command(command);
        }
    }

    /// Queues `chunks` under `id`.
    pub(super) fn play(&self, id: PlaybackId, chunks: Vec<Arc<[i16]>>) {
        for samples in chunks {
            self.command(MediaCommand::Play { id: id.0, samples });
        }
    }

    /// Starts recording the caller's name (the beep is already queued).
    pub(super) fn record_name(&mut self) {
        let (done, rx) = mpsc::unbounded_channel();
        *lock(&self.name_slot) = Some((sink::now(), NameCapture::new(done)));
        self.name_rx = Some(rx);
    }

    /// Stops the name recording: what was said so far is the name.
    pub(super) fn stop_name(&mut self) {
        if let Some((_, mut capture)) = lock(&self.name_slot).take() {
            capture.finish();
        }
        if let Some(mut rx) = self.name_rx.take() {
            if let Ok(name) = rx.try_recv() {
                self.name = Some(name.into());
            }
        }
    }

    /// The caller's message is recorded (caller left, what we played
    /// right) until the machine stops it.
    pub(super) fn start_message(&mut self, ctx: &CallCtx) {
        let key = ctx.key.to_string();
        let rel = crate::serve::recording::voicemail_path(&ctx.line, ctx.started, &key);
        match start_recording(&ctx.shared.files_dir.join(&rel), ctx) {
            Ok(rec) => {
                debug!(path = %rel.display(), "recording the caller's message");
                ctx.shared
                    .store
                    .set_voicemail(&ctx.key, &rel.to_string_lossy());
                *lock(&self.message) = Some((sink::now(), rec));
            }
            Err(e) => warn!(error = %e, "cannot record the caller's message"),
        }
    }

    /// Ends the caller's message and finishes its file off the runtime
    /// (the outcome is logged when the call is over, [`Self::finish`]).
    pub(super) fn stop_message(&mut self) {
        if let Some((_, rec)) = lock(&self.message).take() {
            self.message_done = Some(tokio::spawn(rec.finished()));
        }
    }

    /// The message's file is written: logs how that went. A message whose
    /// file could not be created loses its path in the call log, which says
    /// why.
    fn message_finished(ctx: &CallCtx, end: MessageEnd) {
        match end {
            Ok(summary) => debug!(
                seconds = summary.duration.as_secs_f64(),
                "the caller's message is kept"
            ),
            Err(e) if e.left_no_file() => {
                warn!(error = %e, "the caller's message could not be kept");
                let note = format!("message not kept: {e}");
                ctx.shared.store.set_message_lost(&ctx.key, &note);
            }
            Err(e) => warn!(error = %e, "the caller's message could not be finished"),
        }
    }

    /// The next input from the caller's dialog, stream or name capture.
    /// A re-INVITE is answered here; the dialog's end is reported once.
    pub(super) async fn next(&mut self) -> Input {
        loop {
            let (open, events) = (self.dialog_open, &mut self.handle.events);
            let dialog = async move {
                match open {
                    true => events.recv().await,
                    false => std::future::pending().await,
                }
            };
            let media = recv_or_never(self.media.as_mut().map(|m| &mut m.events));
            let name = recv_or_never(self.name_rx.as_mut());
            let got = tokio::select! {
                ev = dialog => Got::Dialog(ev),
                Some(ev) = media => Got::Media(ev),
                Some(name) = name => Got::Name(name),
            };
            let input = match got {
                Got::Dialog(ev) => self.dialog_event(ev),
                Got::Media(MediaEvent::Dtmf(d)) => Some(Input::Caller(CallerEvent::Key(d))),
                Got::Media(MediaEvent::PlaybackFinished(id)) => {
                    Some(Input::PlaybackFinished(PlaybackId(id)))
                }
                Got::Media(MediaEvent::DtmfSent(_) | MediaEvent::DtmfNotSent { .. }) => None,
                Got::Name(name) => {
                    debug!(
                        seconds = name.len() as f64 / 8000.0,
                        "caller's name recorded"
                    );
                    self.name = Some(name.into());
                    self.name_rx = None;
                    Some(Input::NameRecorded)
                }
            };
            if let Some(input) = input {
                return input;
            }
        }
    }

    fn dialog_event(&mut self, event: Option<CallEvent>) -> Option<Input> {
        let event = match event {
            None => {
                self.dialog_open = false;
                CallerEvent::Gone
            }
            Some(CallEvent::Confirmed) => return None,
            Some(CallEvent::ReInvite { offer }) => {
                self.reinvite(offer);
                return None;
            }
            Some(CallEvent::InfoDtmf(d)) => CallerEvent::Key(d),
            Some(CallEvent::PeerHungUp) => CallerEvent::HungUp,
            Some(CallEvent::Cancelled) => CallerEvent::Cancelled,
            Some(CallEvent::AckTimeout) => CallerEvent::AckTimeout,
            Some(CallEvent::SessionExpired) => CallerEvent::SessionExpired,
            Some(CallEvent::HangupDone { status }) => {
                debug!(?status, "BYE completed");
                CallerEvent::ByeDone
            }
        };
        Some(Input::Caller(event))
    }

    fn reinvite(&mut self, offer: Option<Vec<u8>>) {
        let (status, sdp, negotiated) = self.sdp.answer_reinvite(offer.as_deref());
        if let Some(n) = negotiated {
            self.command(MediaCommand::Update(n));
        }
        self.send(Command::AnswerReInvite { status, sdp });
    }

    /// The call is over: a message still being left (shutdown) and the
    /// call's recording are finished off the runtime.
    pub(super) async fn finish(mut self, ctx: &CallCtx) {
        self.stop_message();
        if let Some(done) = self.message_done.take() {
            match done.await {
                Ok(end) => Self::message_finished(ctx, end),
                Err(e) => warn!(error = %e, "the task finishing the caller's message failed"),
            }
        }
        let Some(media) = self.media.take() else {
            return;
        };
        // Every frame is delivered once the stream has stopped.
        drop(media.stop().await);
        let Some(Answered {
            recording: Some(rec),
            ..
        }) = lock(&self.answered).take()
        else {
            return;
        };
        match rec.finished().await {
            Ok(summary) => {
                if summary.disk_full {
                    ctx.shared
                        .store
                        .set_recording_note(&ctx.key, "recording stopped: disk full");
                }
                debug!(frames = summary.frames, path = %summary.path.display(), "recording finished")
            }
            Err(e) if e.left_no_file() => {
                warn!(error = %e, "cannot record this call");
                ctx.shared
                    .store
                    .set_not_recorded(&ctx.key, &recording_note(&e));
            }
            Err(e) => warn!(error = %e, "recording could not be finished"),
        }
    }
}

/// What the call log says about a recording that could not be made.
fn recording_note(e: &crate::serve::recording::RecordingError) -> String {
    match e {
        crate::serve::recording::RecordingError::DiskFull => "not recorded: disk full".to_owned(),
        other => format!("not recorded: {other}"),
    }
}

/// What woke the caller's leg.
enum Got {
    Dialog(Option<CallEvent>),
    Media(MediaEvent),
    Name(Vec<i16>),
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts a recording at `path` once the disk has room (asked here, one
/// `statvfs`). The file is created on a writer thread, never on this task
/// (a crowded or network disk would hold up the call's media): a file that
/// cannot be created is found when the recording finishes.
fn start_recording(
    path: &std::path::Path,
    ctx: &CallCtx,
) -> Result<Recording, crate::serve::recording::RecordingError> {
    Recording::start(path, Some(ctx.shared.disk.clone()))
}
