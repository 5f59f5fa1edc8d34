//! The `linewarden` binary: the runtime shell around the `ivr` call-control
//! machines and the `sip` adapter.
//!
//! `main` only parses the command line (`cli`) and hands it to `commands`.
//! The rest is grouped by what it serves: `serve` (the live service),
//! `research` (fixtures, import, replay), and what both share: `config`,
//! `store` (the call log), `policy` (each line's caller-ID policy),
//! `prompts` (the recorded audio), `time` (time conversions) and `leg`
//! (placing an outgoing call leg).
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod config;
mod console;
mod leg;
mod policy;
mod prompts;
mod research;
mod serve;
mod sql;
mod store;
mod time;

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("linewarden: {}", commands::report(&e));
            ExitCode::FAILURE
        }
    }
}
