//! The per-line screening decision, table driven: each rule in order, their
//! precedence, every withheld and suspicious choice, and config validation.
//!
//! Does not own: caller-ID parsing details (see `numbers.rs`). Every UK
//! number here is in an Ofcom drama range or otherwise made up.

mod common;

mod decisions;
mod validation;
