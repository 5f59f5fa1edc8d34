//! UK caller-ID parsing, normalization and plausibility checks.
//!
//! Owns: reading the number a caller presents (the user part of From or
//! P-Asserted-Identity, a `sip:`/`tel:` URI, or a number as a person writes
//! it in a config file) into a [`CallerId`]; the normalized form used to
//! match allow/block lists ([`normalize`]); and the UK rules for a caller ID
//! that no genuine caller presents ([`check_cli`]).
//!
//! Does not own: SIP header parsing (the shell hands over the user part or
//! the URI), what is done with a caller ([`crate::policy`]), or number ranges
//! of other countries (an international number is only length-checked).
//!
//! One file each: `caller_id.rs` reads a caller ID into a [`CallerId`] and
//! its normalized form; `cli.rs` judges one under the UK rules
//! ([`check_cli`]).
//!
//! UK national numbers (with their leading 0) follow the Ofcom numbering
//! plan: 01 has 10 or 11 digits, 080 has 10 or 11, and 02, 03, 055, 056, 07,
//! 084, 087 and 09 have 11. The Ofcom drama ranges (01632 960xxx,
//! 07700 900xxx, …) are ordinary valid numbers here. Short codes (999, 101,
//! 116xxx, …) have no E.164 form: their normalized form is the code itself.
//! The input comes from the network, so nothing here panics on any input.

mod caller_id;
mod cli;

pub(crate) use self::caller_id::normalize_prefix;
pub use self::caller_id::{
    normalize, parse_caller_id, CallerId, InvalidReason, NumberKind, UkNumber,
};
pub(crate) use self::cli::verdict;
pub use self::cli::{check_cli, CliRules, CliVerdict, SuspiciousReason, NEVER_CALL_OUT_CODES};
