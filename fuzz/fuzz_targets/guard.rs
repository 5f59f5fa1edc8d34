//! cargo-fuzz target `guard`: see `sip/tests/fuzz_guard.rs` for what it checks.
#![no_main]
// The target's TOKENS feed the test-mode mutator, not libFuzzer.
#![allow(dead_code)]

#[path = "../../sip/tests/fuzz_guard.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::check(data));
