//! Writing the bridge columns: how connecting the caller to the resident
//! ended, which phone answered and when, and who hung up first.

use std::time::SystemTime;

use super::db::Store;
use super::types::StoreError;
use crate::sql::params;
use crate::time::{rfc3339_millis, unix_millis};

impl Store {
    /// Records how connecting the caller to the resident ended
    /// (`ivr::BridgeOutcome::as_str()`).
    pub fn set_bridge(&self, id: i64, outcome: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET bridge = ?2 WHERE id = ?1",
            params![id, outcome],
        )
    }

    /// Records that the caller was connected to `phone` (its SIP URI) at
    /// `at`.
    pub fn bridged(&self, id: i64, at: SystemTime, phone: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET bridged_at = ?2, bridged_at_ms = ?3, answered_by = ?4 WHERE id = ?1",
            params![id, rfc3339_millis(at), unix_millis(at), phone],
        )
    }

    /// Records who hung up first (`caller`, `resident`, `service`), unless
    /// that is already recorded: the first writer wins.
    pub fn set_hangup_by(&self, id: i64, who: &str) -> Result<(), StoreError> {
        // COALESCE keeps the row matched when already set, so zero rows
        // still means no such call.
        self.update(
            id,
            "UPDATE calls SET hangup_by = COALESCE(hangup_by, ?2) WHERE id = ?1",
            params![id, who],
        )
    }

    /// Records the message the caller left (`path` relative to the data
    /// directory).
    pub fn set_voicemail(&self, id: i64, path: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET voicemail = ?2 WHERE id = ?1",
            params![id, path],
        )
    }

    /// Records a line-clear callback's proof of clearing.
    pub fn set_callback(&self, id: i64, proof: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET callback = ?2 WHERE id = ?1",
            params![id, proof],
        )
    }

    /// Records how much of the call the recognizer heard.
    pub fn set_listened(&self, id: i64, listened: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET listened = ?2 WHERE id = ?1",
            params![id, listened],
        )
    }

    /// Records why the call is not (fully) recorded.
    pub fn set_recording_note(&self, id: i64, note: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET recording_note = ?2 WHERE id = ?1",
            params![id, note],
        )
    }

    /// The call's recording could not be made after all: no path, and why.
    pub fn set_not_recorded(&self, id: i64, note: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET recording = NULL, recording_note = ?2 WHERE id = ?1",
            params![id, note],
        )
    }

    /// The caller's message could not be kept after all: no path, and why
    /// (after any note on the recording).
    pub fn set_message_lost(&self, id: i64, note: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET voicemail = NULL, recording_note = CASE \
             WHEN recording_note IS NULL THEN ?2 ELSE recording_note || '; ' || ?2 END \
             WHERE id = ?1",
            params![id, note],
        )
    }
}
