//! The callback's outputs waiting to be drained, and what it records for
//! the call log.
//!
//! Owns: the action queue (the legs push their CANCELs and BYEs into it
//! too), prompt ids in order, the log entries for the callback starting,
//! dialling and ending with the [`ClearingProof`] they add up to, and
//! deciding the result once. Does not own: when to play, log or decide
//! anything (the flow in [`super::Callback`]) or the clearances
//! ([`super::LineClear`] keeps those; [`Outbox::proof`] adds them).

use std::collections::VecDeque;
use std::time::Instant;

use super::clear::Clearance;
use super::proof::{ClearingProof, Dialled};
use super::types::{CallbackAction, CallbackLog, CallbackPrompt, CallbackResult, Trigger};
use crate::types::PromptId;

#[derive(Debug)]
pub(super) struct Outbox {
    /// The actions to carry out, in order.
    pub(super) actions: VecDeque<CallbackAction>,
    next_prompt: u32,
    proof: ClearingProof,
    result: Option<CallbackResult>,
}

impl Outbox {
    /// Nothing out yet; clearing began at `began`.
    pub(super) fn new(began: Instant) -> Self {
        Self {
            actions: VecDeque::new(),
            next_prompt: 0,
            proof: ClearingProof::new(began),
            result: None,
        }
    }

    pub(super) fn push(&mut self, action: CallbackAction) {
        self.actions.push_back(action);
    }

    pub(super) fn pop(&mut self) -> Option<CallbackAction> {
        self.actions.pop_front()
    }

    /// Plays `prompt` under the next id.
    pub(super) fn play(&mut self, prompt: CallbackPrompt) -> PromptId {
        let id = PromptId(self.next_prompt);
        self.next_prompt = self.next_prompt.saturating_add(1);
        self.actions.push_back(CallbackAction::Play { id, prompt });
        id
    }

    /// The line was declared clear at `at`.
    pub(super) fn line_clear(&mut self, at: Instant) {
        self.proof.line_clear_at = Some(at);
    }

    /// The callback proper started at `at`, for `trigger`.
    pub(super) fn started(&mut self, at: Instant, trigger: Trigger) {
        let started = CallbackLog::Started { at, trigger };
        self.proof.started_at = Some(at);
        self.actions.push_back(CallbackAction::Log(started));
    }

    /// `entry`, whose normalized number is `number`, was dialled at `at`.
    pub(super) fn dialled(&mut self, at: Instant, entry: usize, number: String) {
        self.proof.dialled = Some(Dialled { entry, number, at });
        let dialled = CallbackLog::Dialled { at, entry };
        self.actions.push_back(CallbackAction::Log(dialled));
    }

    /// Decides the result at `at`, unless it is decided already.
    pub(super) fn decide(&mut self, at: Instant, result: CallbackResult) {
        if self.result.is_none() {
            self.result = Some(result);
            let log = CallbackLog::Ended { at, result };
            self.actions.push_back(CallbackAction::Log(log));
        }
    }

    /// How the callback ended, once decided.
    pub(super) fn result(&self) -> Option<CallbackResult> {
        self.result
    }

    /// The proof so far, with the line's `cleared` legs.
    pub(super) fn proof(&self, cleared: &[Clearance]) -> ClearingProof {
        let mut proof = self.proof.clone();
        proof.cleared = cleared.to_vec();
        proof
    }
}
