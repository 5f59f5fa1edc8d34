//! cargo-fuzz target `sdp`: see `sip/tests/fuzz_sdp.rs` for what it checks.
#![no_main]
// The target's TOKENS feed the test-mode mutator, not libFuzzer.
#![allow(dead_code)]

#[path = "../../sip/tests/fuzz_sdp.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::check(data));
