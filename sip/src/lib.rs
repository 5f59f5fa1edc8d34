//! linewarden's SIP layer.
//!
//! Owns: the adapter over rsipstack (transports, RFC 3261 transactions and
//! their timers stay inside rsipstack), both sides of a call (`uas` answers,
//! `uac` dials, `dialog` is what they share), the guard that answers
//! malformed requests before they reach the stack, the registrar the
//! resident's phones register to, and the media code (SDP
//! offer/answer, RTP, G.711, DTMF, reorder buffering).
//!
//! Does not own: call control. Screening decisions, IVR flows and timers
//! of our own live in the sans-IO `ivr` crate; the runtime shell in the
//! binary wires the two together.
#![forbid(unsafe_code)]

mod clock;
mod dialog;
pub mod endpoint;
pub mod error;
pub mod guard;
mod guarded_udp;
pub mod media;
pub mod registrar;
pub mod registration;
mod request;
mod routes;
pub mod rtp_session;
pub mod uac;
pub mod uas;

pub use endpoint::{EndpointConfig, RegistrarHandle, SipEndpoint};
pub use error::SipError;
pub use rsipstack::sip as message;
pub use uac::{Credentials, OutgoingCall, UacCommand, UacEvent, UacHandle};
pub use uas::{CallEvent, CallHandle, Command, IncomingCall};
