//! Judging a caller ID under UK rules: withheld, suspicious (invalid, a
//! number that never calls out, or premium rate) or OK.
//!
//! Owns: the short codes that never call out, [`CliRules`],
//! [`CliVerdict`], [`SuspiciousReason`], [`check_cli`] and the `verdict`
//! the per-line policy shares. Does not own: reading the caller ID
//! (`caller_id.rs`) or what is done with a suspicious caller
//! ([`crate::policy`]).

use std::fmt;

use super::caller_id::{normalize, CallerId, InvalidReason, NumberKind};

/// Short codes that never make outgoing calls: a call presenting one of them
/// is spoofed. [`check_cli`] treats them as never calling out whatever
/// [`CliRules`] lists.
pub const NEVER_CALL_OUT_CODES: [&str; 6] = ["999", "112", "101", "105", "111", "159"];

/// Numbers that never make outgoing calls, besides [`NEVER_CALL_OUT_CODES`]
/// (which are always checked): typically the resident's bank's published
/// numbers. Entries may be written in any form [`normalize`] accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliRules {
    pub never_calls_out: Vec<String>,
}

impl Default for CliRules {
    /// The built-in short codes, [`NEVER_CALL_OUT_CODES`].
    fn default() -> Self {
        Self {
            never_calls_out: NEVER_CALL_OUT_CODES.iter().map(|c| c.to_string()).collect(),
        }
    }
}

/// What [`check_cli`] makes of a caller ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CliVerdict {
    /// A number a genuine caller could present.
    Ok,
    /// No number presented.
    Withheld,
    /// No genuine caller presents this.
    Suspicious(SuspiciousReason),
}

/// Why a caller ID is suspicious.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SuspiciousReason {
    /// A UK or international number of impossible length.
    InvalidLength,
    /// A premium-rate (09) number presented as caller ID.
    Premium,
    /// A number that never calls out (101, 999, the bank's number), normalized.
    NeverCallsOut(String),
    /// Not made of digits.
    NotDigits,
    /// No UK range or country code starts like this.
    BadPrefix,
}

impl SuspiciousReason {
    /// A stable name for logs: "invalid-length", "premium",
    /// "never-calls-out", "not-digits", "bad-prefix".
    pub fn as_str(&self) -> &'static str {
        match self {
            SuspiciousReason::InvalidLength => "invalid-length",
            SuspiciousReason::Premium => "premium",
            SuspiciousReason::NeverCallsOut(_) => "never-calls-out",
            SuspiciousReason::NotDigits => "not-digits",
            SuspiciousReason::BadPrefix => "bad-prefix",
        }
    }
}

impl fmt::Display for SuspiciousReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SuspiciousReason::NeverCallsOut(n) => write!(f, "never-calls-out {n}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Judges a caller ID under UK rules: withheld, suspicious (invalid, a
/// number that never calls out, or premium rate) or OK.
pub fn check_cli(id: &CallerId, rules: &CliRules) -> CliVerdict {
    verdict(id, |n| {
        NEVER_CALL_OUT_CODES.contains(&n)
            || rules
                .never_calls_out
                .iter()
                .any(|e| normalize(e).as_deref() == Some(n))
    })
}

/// [`check_cli`] with the never-calls-out test supplied, for callers that
/// keep the normalized numbers in a set.
pub(crate) fn verdict(id: &CallerId, never_calls_out: impl Fn(&str) -> bool) -> CliVerdict {
    let suspicious = CliVerdict::Suspicious;
    match id {
        CallerId::Withheld => CliVerdict::Withheld,
        CallerId::Invalid { reason, .. } => suspicious(match reason {
            InvalidReason::NotDigits => SuspiciousReason::NotDigits,
            InvalidReason::WrongLength { .. } => SuspiciousReason::InvalidLength,
            InvalidReason::BadPrefix => SuspiciousReason::BadPrefix,
        }),
        CallerId::Valid(n) if never_calls_out(n.e164()) => {
            suspicious(SuspiciousReason::NeverCallsOut(n.e164().to_owned()))
        }
        CallerId::Valid(n) if n.kind() == NumberKind::Premium => {
            suspicious(SuspiciousReason::Premium)
        }
        CallerId::International(e) if never_calls_out(e) => {
            suspicious(SuspiciousReason::NeverCallsOut(e.clone()))
        }
        CallerId::Valid(_) | CallerId::International(_) => CliVerdict::Ok,
    }
}
