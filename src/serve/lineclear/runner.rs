//! Running one line-clear callback: `ivr::lineclear::Callback`'s actions
//! carried out, what happens on the line and the callback's legs fed back,
//! its deadlines slept until.
//!
//! Owns: the callback's task — its call-log row (the start, the answer,
//! the bridge, the outcome and, through `proof.rs`, the proof of clearing),
//! asking every other call on the line to hang up (`legs.rs`) and holding
//! the line meanwhile, the prompts' audio, and the loop: drain actions,
//! wait for the next event or deadline. Does not own: the sequencing and
//! its timers (`ivr::lineclear`), the resident's legs (`resident.rs`), the
//! trunk leg (`trunk.rs`), whether a call may go out (`mod.rs`).

use std::sync::Arc;
use std::time::SystemTime;

use ivr::lineclear::{
    Callback, CallbackAction, CallbackEvent, CallbackPrompt, CallbackSettings, ClearAction, LegId,
    LegState, Trigger, VerifiedNumbers,
};
use ivr::PromptId;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;
use tracing::{info, warn};

use super::proof;
use super::resident::{Resident, ResidentLegs};
use super::trunk::TrunkLeg;
use crate::serve::shared::Shared;
use crate::serve::wait::sleep_until;
use crate::store::{CallKey, NewCall};

/// Runs one callback on `line` to its end. `who` names the phone account
/// that asked (for the log); `called` what was dialled.
pub(super) async fn run(
    shared: Arc<Shared>,
    line: String,
    who: String,
    called: String,
    trigger: Trigger,
    resident: Resident,
) {
    let Some(numbers) = shared
        .lines()
        .outbound
        .get(&line)
        .map(|r| r.numbers.clone())
    else {
        return;
    };
    let session_id = fastrand::u64(1..1 << 62);
    let call_id = match &resident {
        Resident::Placed(call) => call.call_id.clone(),
        Resident::RingBack => format!("callback-{:016x}", fastrand::u64(..)),
    };
    let Some(legs) = ResidentLegs::prepare(&shared, resident, session_id).await else {
        return;
    };
    let key = CallKey::new(&call_id);
    shared.store.call_started(
        &key,
        NewCall {
            call_id,
            line: line.clone(),
            caller: who,
            called,
            started_at: SystemTime::now(),
        },
    );
    shared
        .store
        .set_policy(&key, &format!("callback-{}", trigger.as_str()));

    // The other nodes' calls on the line count as legs to clear (one per
    // node, ending when it answers).
    let remote = crate::serve::cluster::clear_elsewhere(&shared, &line).await;
    let on_line: Vec<_> = shared
        .legs
        .legs_of(&line)
        .into_iter()
        .map(|l| (l, LegState::Confirmed))
        .collect();
    let ended = shared.legs.watch();
    shared.legs.set_clearing(&line, true);
    let began = Instant::now();
    let settings = CallbackSettings::default();
    let cb = match Callback::new(&settings, &numbers, trigger, &on_line, began.into_std()) {
        Ok(cb) => cb,
        Err(e) => {
            warn!(error = %e, "cannot start the callback");
            shared.legs.set_clearing(&line, false);
            legs.refuse(500);
            shared
                .store
                .call_ended(&key, SystemTime::now(), "callback failed");
            if let Some(remote) = remote {
                remote.close().await;
            }
            return;
        }
    };
    let mut runner = Runner {
        shared,
        line,
        key,
        numbers,
        cb,
        resident: legs,
        trunk: TrunkLeg::default(),
        ended,
        began,
        session_id,
    };
    runner.drive().await;
    runner.finish().await;
    if let Some(remote) = remote {
        remote.close().await;
    }
}

/// One callback as it runs.
struct Runner {
    shared: Arc<Shared>,
    line: String,
    /// Its call-log row.
    key: CallKey,
    numbers: VerifiedNumbers,
    cb: Callback,
    resident: ResidentLegs,
    trunk: TrunkLeg,
    /// Every call that ends, on any line.
    ended: UnboundedReceiver<LegId>,
    /// When clearing began.
    began: Instant,
    /// Our SDP session id for the resident's legs (the trunk's is apart).
    session_id: u64,
}

fn now() -> std::time::Instant {
    Instant::now().into_std()
}

impl Runner {
    /// Carries out the callback's actions and feeds it events until it
    /// has finished.
    async fn drive(&mut self) {
        loop {
            while let Some(action) = self.cb.poll_action() {
                self.apply(action).await;
            }
            if self.cb.is_finished() {
                return;
            }
            let deadline = self.cb.poll_timeout().map(Instant::from_std);
            let event = tokio::select! {
                Some(leg) = self.ended.recv() => Some(CallbackEvent::LegEnded(leg)),
                event = self.resident.next_event() => event,
                event = self.trunk.next_event() => event,
                () = sleep_until(deadline) => None,
            };
            match event {
                Some(event) => self.feed(event),
                None => self.cb.handle_timeout(now()),
            }
        }
    }

    /// Feeds `event`, noting in the call log who hung up.
    fn feed(&mut self, event: CallbackEvent) {
        let by = match event {
            CallbackEvent::ResidentHungUp => Some("resident"),
            CallbackEvent::PhoneHungUp { phone } if self.resident.winner() == Some(phone) => {
                Some("resident")
            }
            CallbackEvent::FarHungUp => Some("far end"),
            _ => None,
        };
        if let Some(by) = by {
            self.shared.store.set_hangup_by(&self.key, by);
        }
        self.cb.handle_event(now(), event);
    }

    async fn apply(&mut self, action: CallbackAction) {
        match action {
            CallbackAction::Line(action) => self.line_action(action),
            CallbackAction::AnswerResident => {
                if self.resident.answer_own() {
                    self.answered();
                }
            }
            CallbackAction::RingPhones => {
                let phones = self.resident.ring(&self.shared, &self.line).await;
                self.cb.handle_event(now(), CallbackEvent::Rang { phones });
            }
            CallbackAction::TakePhone(phone) => {
                if self.resident.take(phone) {
                    self.answered();
                }
            }
            CallbackAction::CancelPhone(phone) | CallbackAction::ByePhone(phone) => {
                self.resident.hang_up_phone(phone);
            }
            CallbackAction::ByeResident => self.resident.hang_up_own(),
            CallbackAction::Play { id, prompt } => self.play(id, &prompt),
            CallbackAction::Dial { entry } => self.dial(entry).await,
            CallbackAction::CancelFar | CallbackAction::ByeFar => self.trunk.hang_up(),
            CallbackAction::Bridge => {
                let resident = self.resident.media();
                if let Some(number) = self.trunk.bridge(resident, self.session_id ^ 1) {
                    let store = &self.shared.store;
                    store.bridged(&self.key, SystemTime::now(), &number);
                    info!(%number, "the resident is connected to the verified number");
                }
            }
            CallbackAction::Unbridge => self.trunk.unbridge(self.resident.media()),
            CallbackAction::Log(record) => info!(?record, "callback"),
            CallbackAction::Finished => {}
        }
    }

    /// Clearing the line: each other call is asked to hang up, and the
    /// line is held until it is clear.
    fn line_action(&mut self, action: ClearAction) {
        let after_ms = |at: std::time::Instant| {
            let ms = at
                .saturating_duration_since(self.began.into_std())
                .as_millis();
            u64::try_from(ms).unwrap_or(u64::MAX)
        };
        match action {
            ClearAction::Bye(leg) | ClearAction::Cancel(leg) => {
                if !self.shared.legs.hang_up(leg) {
                    self.cb.handle_event(now(), CallbackEvent::LegEnded(leg));
                }
            }
            ClearAction::Abandon(leg) => {
                warn!(
                    leg = leg.0,
                    "a call on the line did not end in time: given up on"
                );
            }
            ClearAction::RejectNew(_) => {}
            ClearAction::Cleared(c) => {
                let (how, after_ms) = (c.how.as_str(), after_ms(c.at));
                info!(leg = c.leg.0, how, after_ms, "call cleared off the line");
            }
            ClearAction::LineClear { at } => {
                info!(after_ms = after_ms(at), "the line is clear");
                self.shared.legs.set_clearing(&self.line, false);
            }
        }
    }

    fn answered(&self) {
        let store = &self.shared.store;
        store.call_answered(&self.key, SystemTime::now(), None);
    }

    /// Plays a prompt to the resident; with nothing to play it on, it is
    /// taken as played.
    fn play(&mut self, id: PromptId, prompt: &CallbackPrompt) {
        let audio = self.shared.prompts.callback_audio(prompt, &self.numbers);
        let played = audio.is_some_and(|audio| self.resident.play(id, audio));
        if !played {
            self.cb
                .handle_event(now(), CallbackEvent::PromptFinished(id));
        }
    }

    /// Calls the verified `entry` through the trunk.
    async fn dial(&mut self, entry: usize) {
        let Some(number) = self.numbers.normalized(entry).map(str::to_string) else {
            return;
        };
        let store = &self.shared.store;
        store.set_outcome(&self.key, &format!("dialling {number}"));
        if !self.trunk.dial(&self.shared, &number).await {
            let failed = CallbackEvent::FarFailed { status: 503 };
            self.cb.handle_event(now(), failed);
        }
    }

    /// The line is free again; the call log gets the outcome and the proof
    /// of clearing, and the media stops.
    async fn finish(self) {
        let Runner {
            shared,
            line,
            key,
            cb,
            mut resident,
            trunk,
            ..
        } = self;
        shared.legs.set_clearing(&line, false);
        let (proof, result) = (cb.proof(), cb.result());
        info!(?proof, ?result, "callback finished");
        let outcome = result.map_or("unfinished", |r| r.as_str());
        shared.store.set_outcome(&key, outcome);
        shared.store.set_callback(&key, &proof::text(&proof));
        drop(trunk);
        resident.stop().await;
        shared
            .store
            .call_ended(&key, SystemTime::now(), "callback ended");
    }
}
