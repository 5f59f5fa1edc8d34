//! [`Outcome`]: one fixture's line of output, a replay with how it met
//! its expectations or why the fixture could not be replayed.
//!
//! Does not own: replaying (`engine.rs`), checking expectations (the
//! parent module) or printing (`report.rs`).

use serde::Serialize;

use super::engine::Replayed;
use crate::research::fixture;

/// One fixture's line of output: its replay and how it met expectations, or
/// why it could not be replayed.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Replayed {
        #[serde(flatten)]
        call: Box<Replayed>,
        #[serde(skip_serializing_if = "Option::is_none")]
        expect: Option<fixture::Expect>,
        /// Expectations not met (empty when met or none given).
        problems: Vec<String>,
    },
    Error {
        fixture: String,
        error: String,
    },
}
