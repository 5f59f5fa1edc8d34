//! linewarden's SIP layer.
//!
//! Owns: the adapter over rsipstack (transports, RFC 3261 transactions and
//! their timers stay inside rsipstack), both sides of a call (`uas` answers,
//! `uac` dials, `dialog` is what they share), the guard that answers
//! malformed requests before they reach the stack, the registrar the
//! resident's phones register to, and the media code (SDP
//! offer/answer, RTP, G.711, DTMF, reorder buffering).
//!
//! Layers, each using only those below it (`.ci/module-cycles.py sip/src`
//! checks the module graph has no cycles): `error`, `clock` (the tasks'
//! only view of time), `request` (reading and answering requests) and
//! `routes` (which task owns a dialog) at the bottom; `dialog` (in-dialog
//! requests both sides share, RFC 4028 timers, our requests and their
//! wait); `uas` and `uac`; `endpoint` on top, with `registration`.
//! `guard`, `door`, `media` and `registrar` use none of the call code. Every
//! deadline of ours is a plain state fed with the time (`uas::timers`,
//! `uac::cancel_wait`, `dialog::session_timer`, `dialog::response_wait`);
//! the async tasks feed them events and sleep until the next deadline.
//!
//! Does not own: call control. Screening decisions, IVR flows and timers
//! of our own live in the sans-IO `ivr` crate; the runtime shell in the
//! binary wires the two together.
#![forbid(unsafe_code)]

mod clock;
mod dialog;
mod display_name;
pub mod door;
pub mod endpoint;
pub mod error;
pub mod guard;
mod guarded_tcp;
mod guarded_udp;
pub mod media;
pub mod registrar;
pub mod registration;
mod request;
mod routes;
pub mod rtp_ports;
pub mod rtp_session;
pub mod tcp_limits;
pub mod uac;
pub mod uas;
mod udp_buffer;

pub use endpoint::{EndpointConfig, RegistrarHandle, SipEndpoint, TcpLimits};
pub use error::SipError;
pub use rsipstack::sip as message;
pub use uac::{Credentials, OutgoingCall, UacCommand, UacEvent, UacHandle};
pub use uas::{CallEvent, CallHandle, Command, IncomingCall};
