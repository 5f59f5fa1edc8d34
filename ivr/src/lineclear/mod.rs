//! The line-clear callback: prove the line is clear of every earlier leg,
//! then connect the resident to a number known to be genuine.
//!
//! Fraudsters stay on the line after the resident hangs up, so a resident
//! who "calls the police back" reaches them again. linewarden owns every
//! leg on the line, so it can end them all, wait until each is gone (or
//! given up on by timer), and only then place a fresh call.
//!
//! Owns, one file each:
//! - `verified.rs`: the line's [`VerifiedNumbers`], the only numbers ever
//!   dialled (actions name an entry by index, never a string from a call);
//! - `clear.rs`: [`LineClear`], the machine that tears every leg down,
//!   records each clearance, declares the line clear and rejects new legs;
//! - `callback/` with `types.rs`, `state.rs` and `outbox.rs`: [`Callback`],
//!   the machine that clears the line and then rings the resident with the
//!   offer or menu, or connects the verified number the resident dialled
//!   (999 and 112 with no prompt, never held up beyond the emergency cap);
//! - `resident.rs` and `ring.rs`: the resident's leg, their own call or
//!   their phones rung back (first to answer wins);
//! - `far.rs`: the callback's call to the verified number, bridged when it
//!   answers;
//! - `proof.rs`: [`ClearingProof`], what the call log keeps to show the
//!   callback went out only over a clear line;
//! - `safety.rs`: [`OutboundPolicy`], the pure decision whether a call
//!   from the resident's phone may go out, the feature code and the rate
//!   limit.
//!
//! Like the other machines in this crate these take events and `now` in and
//! hand actions and their next deadline out; they read no clock, spawn
//! nothing, touch no socket and draw no randomness.
//!
//! Does not own: SIP (CANCEL/BYE transactions, 481 for a cleared dialog,
//! digest auth on the trunk), media, the real timers, the configuration
//! file, or storing the records in the call log.

mod callback;
mod clear;
mod far;
mod outbox;
mod proof;
mod resident;
mod ring;
mod safety;
mod state;
mod types;
mod verified;

pub use self::callback::Callback;
pub use self::clear::{
    ClearAction, ClearEvent, Clearance, ClearedHow, LegId, LegState, LineClear, TEARDOWN_TIMEOUT,
};
pub use self::proof::{ClearingProof, Dialled};
pub use self::safety::{
    AllowReason, Destination, OutboundConfig, OutboundConfigError, OutboundDecision,
    OutboundPolicy, RateLimit, RefuseReason,
};
pub use self::types::{
    CallbackAction, CallbackError, CallbackEvent, CallbackLog, CallbackPrompt, CallbackResult,
    CallbackSettings, CallbackSettingsError, Mentioned, Trigger,
};
pub use self::verified::{
    BadNumber, MenuItem, VerifiedNumber, VerifiedNumbers, VerifiedNumbersError, EMERGENCY_NUMBERS,
    MAX_MENU_ENTRIES, MAX_VERIFIED,
};
