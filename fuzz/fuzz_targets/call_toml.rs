//! cargo-fuzz target `call_toml`: see `src/research/fixture/tests/fuzz.rs`
//! for what it checks. The binary has no library: its `config` and
//! `research::fixture` modules are compiled here from their source files,
//! at the same paths from the crate root.
#![no_main]
#![allow(dead_code)]

#[path = "../../src"]
mod linewarden {
    pub mod config;
    pub mod research {
        pub mod fixture;
    }
}
pub use linewarden::{config, research};

#[path = "../../src/research/fixture/tests/fuzz.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::check(data));
