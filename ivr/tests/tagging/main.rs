//! Call tagging and risk: the phrase matcher on scam and everyday
//! sentences, the window rule, the risk rules, `pin-keyed` (and that no
//! keyed digit is kept), configuration errors, and seeded random input.
//!
//! Does not own: caller-ID decisions (see `policy/`). Every name and
//! script here is made up.

mod common;

mod config;
mod matcher;
mod pin;
mod random;
mod risk;
