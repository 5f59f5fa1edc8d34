//! [`Tag`]: a tag the replay found in a call, as listening and the engine
//! report it.
//!
//! Does not own: finding tags (`listen.rs`, `engine.rs`) or printing them
//! (`report.rs`).

use serde::Serialize;

/// A tag found in a call: its name, when, why and how sure.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    pub at_ms: u64,
    pub evidence: String,
    /// Confidence in percent.
    pub confidence: u8,
}
