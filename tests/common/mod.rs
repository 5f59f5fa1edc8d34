//! Test support: run the real `linewarden serve` binary on loopback with a
//! throw-away config and data directory, drive it with real SIP peers, and
//! read back its call log.
#![allow(dead_code)]

mod peers;
mod ports;
pub mod raw_sip;
mod service;
pub mod webhook;

#[allow(unused_imports)]
pub use peers::*;
#[allow(unused_imports)]
pub use ports::*;
#[allow(unused_imports)]
pub use service::*;
#[allow(unused_imports)]
pub use webhook::webhook_receiver;
