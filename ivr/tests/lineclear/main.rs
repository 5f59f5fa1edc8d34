//! Line-clear callback scenarios on a virtual clock: clearing every leg
//! (including one that ignores BYE), 481 for cleared dialogs, the menu
//! dialling exactly the configured entry, the feature code, 999 within the
//! emergency cap, new legs rejected, the outbound safety rules, the table
//! checks, and a seeded fuzz of random event sequences.
//!
//! Does not own: the simulated runtime (see `lineclear_support`).

mod common;
#[path = "../lineclear_support/mod.rs"]
mod lineclear_support;

mod checks;
mod clearing;
mod dialling;
mod fuzz;
mod fuzz_checker;
mod menu;
mod safety;
