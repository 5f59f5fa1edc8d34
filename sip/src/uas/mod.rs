//! One incoming call: the server side of an INVITE dialog.
//!
//! Owns: the INVITE server transaction and the dialog it creates — 180/200/
//! error responses, CANCEL (487), the ACK, routing the caller's in-dialog
//! requests (answered by the shared `dialog` code) to [`CallEvent`]s, RFC
//! 4028 session timers the caller asks for (it refreshes; we hang up a
//! session it lets expire), and our BYE. Our BYE is sent to the address the
//! caller's INVITE really came from (Via `received`/`rport`), not to a
//! Contact that may be a private address behind NAT.
//!
//! Parts: `types.rs` (what the application sends and reads, the answered
//! INVITE), `incoming.rs` (a new call before it starts), `task.rs` (the
//! call's task), `timers.rs` (its deadlines, sans-IO), `bye.rs` (our BYE).
//! This file only declares and re-exports them.
//!
//! Does not own: decisions. The application sends [`Command`]s through the
//! [`CallHandle`] and reads [`CallEvent`]s; transaction retransmissions and
//! timers stay in rsipstack.

mod bye;
mod incoming;
mod task;
mod timers;
mod types;

pub(crate) use incoming::new_incoming;
pub use incoming::IncomingCall;
pub use types::{CallEvent, CallHandle, Command};
