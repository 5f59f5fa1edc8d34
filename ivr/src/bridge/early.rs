//! Early media for a caller not answered yet
//! ([`super::BridgeSettings::answer_caller`]): the first ringing phone
//! that sends media before answering (a 183 with SDP) is heard by the
//! caller until the phones stop ringing or that phone fails.
//!
//! Owns: which phone's early media the caller hears, and when it ends.
//! Does not own: the caller's answer (`unanswered.rs`), connecting the
//! phone that answers (the parent module and `announce.rs`: `Bridge`
//! replaces the early media), or any media.

use super::state::Leg;
use super::types::BridgeAction;
use super::BridgeCall;

impl BridgeCall {
    /// A ringing phone sent a provisional response with media. A caller
    /// already answered hears it as ringing only.
    pub(super) fn on_early_media(&mut self, phone: usize) {
        if self.phones.get(phone) != Some(&Leg::Ringing) {
            return;
        }
        if !self.caller_unanswered() {
            return self.on_progress(phone, 183);
        }
        if self.early.is_none() {
            self.early = Some(phone);
            self.relayed = true;
            self.actions.push_back(BridgeAction::EarlyMedia { phone });
        }
    }

    /// The caller stops hearing early media: `phone` (any phone when
    /// `None`) stopped ringing.
    pub(super) fn end_early_media(&mut self, phone: Option<usize>) {
        if self.early.is_some() && (phone.is_none() || phone == self.early) {
            self.early = None;
            self.actions.push_back(BridgeAction::EndEarlyMedia);
        }
    }
}
