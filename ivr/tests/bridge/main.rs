//! Bridge scenarios on a virtual clock: ringing, the first answer winning,
//! either party hanging up, CANCEL while ringing, no answer (with and
//! without voicemail), busy and unavailable phones, announcing the caller
//! to the resident (accept, reject, no key, either party hanging up),
//! duplicated and out-of-order events, and a seeded fuzz of random event
//! sequences with and without the announcement.
//!
//! Does not own: the simulated shell (see `bridge_support`).

#[path = "../bridge_support/mod.rs"]
mod bridge_support;
mod common;

mod announce;
mod answer;
mod events;
mod fuzz;
mod fuzz_checker;
mod unanswered;
