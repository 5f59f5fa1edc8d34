//! cargo-fuzz target `config`: see `src/config/tests/fuzz.rs` for what it
//! checks. The binary has no library: its `config` module is compiled here
//! from its source files, at the same path from the crate root.
#![no_main]
#![allow(dead_code)]

#[path = "../../src"]
mod linewarden {
    pub mod config;
}
pub use linewarden::config;

#[path = "../../src/config/tests/fuzz.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::check(data));
