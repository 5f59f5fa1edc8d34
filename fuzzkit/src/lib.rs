//! Test-only support for running the fuzz targets as ordinary tests.
//!
//! Owns: reading a target's seed corpus (`fuzz/corpus/<target>/`), a small
//! deterministic [`Mutator`] (bit flips, byte insert/delete, splices,
//! truncation, repeated and inserted tokens), and [`run`], which checks
//! every seed and then a stream of mutations of them until a time budget
//! (`LINEWARDEN_FUZZ_SECS`, default 3 s) or an iteration cap is reached,
//! turning a panic into a report that names the input and saves it; and
//! [`assert_position_in`] for targets whose errors give `line:column`.
//!
//! Does not own: what a target checks (each target's `check` function,
//! shared with its cargo-fuzz target under `fuzz/fuzz_targets/`), or
//! coverage-guided fuzzing (cargo-fuzz with libFuzzer does that, on
//! nightly; see `benches/fuzz.sh`).
#![forbid(unsafe_code)]

mod driver;
mod mutator;
mod position;

pub use driver::{budget, corpus_dir, run, seeds, Report, Seed, SECS_VAR, SEED_VAR};
pub use mutator::Mutator;
pub use position::assert_position_in;
