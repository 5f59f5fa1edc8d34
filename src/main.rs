//! The `linewarden` binary: the runtime shell.
mod config;
mod recording;
mod store;

fn main() {}
