//! Screening flow scenarios on a virtual clock: pass, retry, fail, timeout,
//! barge-in, the caller hanging up, and the optional "say your name" step.
//!
//! Does not own: the simulated shell (see `support`) or the robustness,
//! determinism and settings checks (see `screening_robustness.rs`).

#[path = "../support/mod.rs"]
mod support;

mod answering;
mod challenge;
mod interruptions;
mod policy_decisions;
mod say_your_name;
