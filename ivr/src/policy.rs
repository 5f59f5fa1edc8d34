//! The per-line screening decision: what to do with an incoming caller
//! before anything is answered.
//!
//! Owns: the line's lists and choices ([`PolicyConfig`]), checking them
//! ([`PolicyConfig::validate`]), and the decision for one caller ID
//! ([`Policy::decide`]), taken in this order:
//!
//! 1. block list (full numbers, or prefixes ending in "*" such as "+44 9*")
//!    → [`Decision::Reject`];
//! 2. allow list (trusted contacts) → [`Decision::RingResident`];
//! 3. withheld caller ID → the line's [`WithheldAction`];
//! 4. a caller ID no genuine caller presents ([`crate::check_cli`]) → the
//!    line's [`SuspiciousAction`];
//! 5. everyone else → [`Decision::Challenge`].
//!
//! Does not own: reading the configuration file (the binary maps it onto
//! these types), number formats ([`crate::numbers`]), running the challenge
//! ([`crate::screening`]), SIP responses, prompts or the call log.

use std::collections::HashSet;
use std::fmt;

use crate::numbers::{
    normalize, normalize_prefix, parse_caller_id, verdict, CallerId, CliRules, CliVerdict,
    SuspiciousReason, NEVER_CALL_OUT_CODES,
};

/// How a line turns a caller away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RejectHow {
    /// Refuse the call: SIP 603 Decline.
    #[default]
    Decline,
    /// Answer, play a message, hang up.
    MessageThenHangup,
}

/// What a line does with a withheld caller ID.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WithheldAction {
    #[default]
    Challenge,
    Reject,
    /// Ring the resident without a challenge.
    Allow,
}

/// What a line does with a suspicious caller ID.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SuspiciousAction {
    /// Challenge the caller, and tag the call.
    #[default]
    Challenge,
    Reject,
}

/// One line's screening choices, as the configuration gives them.
/// [`Default`]: empty lists, challenge withheld and suspicious callers,
/// reject with 603, the built-in never-calls-out codes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyConfig {
    /// Numbers in any form [`normalize`] accepts, or prefixes ending in "*"
    /// that start with "+", "00" or "0" ("+44 9*", "09*", "+234*").
    pub blocklist: Vec<String>,
    /// Trusted contacts: numbers in any form [`normalize`] accepts. A number
    /// that never calls out may not be listed (a call from it is spoofed).
    pub allowlist: Vec<String>,
    pub withheld: WithheldAction,
    pub suspicious: SuspiciousAction,
    pub reject: RejectHow,
    pub cli_rules: CliRules,
}

/// Which list of a [`PolicyConfig`] an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListName {
    Blocklist,
    Allowlist,
    NeverCallsOut,
}

impl fmt::Display for ListName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListName::Blocklist => "blocklist",
            ListName::Allowlist => "allowlist",
            ListName::NeverCallsOut => "never_calls_out",
        })
    }
}

/// A [`PolicyConfig`] entry that cannot be used. `index` counts from 0.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{list}[{index}] {entry:?} is not a phone number")]
    NotANumber {
        list: ListName,
        index: usize,
        entry: String,
    },
    #[error(
        "blocklist[{index}] {entry:?}: a prefix must start with +, 00 or 0 and have digits before the *"
    )]
    BadPrefix { index: usize, entry: String },
    #[error("{list}[{index}] {entry:?}: only blocklist entries may end in *")]
    WildcardNotAllowed {
        list: ListName,
        index: usize,
        entry: String,
    },
    #[error(
        "allowlist[{index}] {entry:?}: {number} never calls out, so a call showing it is spoofed and must not ring through"
    )]
    AllowsNeverCallsOut {
        index: usize,
        entry: String,
        number: String,
    },
}

impl PolicyConfig {
    /// Checks every list entry; the error names the first bad entry.
    pub fn validate(&self) -> Result<(), PolicyError> {
        Policy::new(self).map(drop)
    }
}

/// Why a caller is turned away.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RejectReason {
    Blocked,
    Withheld,
    Suspicious(SuspiciousReason),
}

/// Why a caller rings through without a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AllowReason {
    Allowlisted,
    WithheldAllowed,
    /// The caller passed the challenge recently and the line remembers
    /// callers who passed (decided by the runtime, which keeps them; see
    /// [`Decision::remembered`]).
    Remembered,
}

/// What to do with one incoming caller.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Reject {
        how: RejectHow,
        reason: RejectReason,
    },
    RingResident {
        reason: AllowReason,
    },
    /// Run the screening challenge; `suspicious` says why the caller ID is
    /// suspicious, if it is.
    Challenge {
        suspicious: Option<SuspiciousReason>,
    },
}

impl Decision {
    /// "suspicious-cli" when the caller ID was suspicious, for tagging the call.
    pub fn tag(&self) -> Option<&'static str> {
        match self {
            Decision::Challenge {
                suspicious: Some(_),
            }
            | Decision::Reject {
                reason: RejectReason::Suspicious(_),
                ..
            } => Some("suspicious-cli"),
            _ => None,
        }
    }

    /// The decision's name in the call log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Reject { reason, .. } => match reason {
                RejectReason::Blocked => "blocked",
                RejectReason::Withheld => "withheld-rejected",
                RejectReason::Suspicious(_) => "suspicious-rejected",
            },
            Decision::RingResident { reason } => match reason {
                AllowReason::Allowlisted => "allowlisted",
                AllowReason::WithheldAllowed => "withheld-allowed",
                AllowReason::Remembered => "remembered",
            },
            Decision::Challenge { suspicious: None } => "challenge",
            Decision::Challenge {
                suspicious: Some(_),
            } => "suspicious-challenge",
        }
    }
}

impl Decision {
    /// This decision for a caller the line remembers as having passed the
    /// challenge: a plain challenge becomes ringing the resident; a refusal,
    /// an allowlisted caller and a suspicious caller ID are left as they
    /// are (a spoofed number never earns trust).
    pub fn remembered(self) -> Decision {
        match self {
            Decision::Challenge { suspicious: None } => Decision::RingResident {
                reason: AllowReason::Remembered,
            },
            other => other,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line's policy, built once from its [`PolicyConfig`] with every list
/// normalized into sets, so deciding costs a few hash lookups.
#[derive(Clone, Debug)]
pub struct Policy {
    blocked: HashSet<String>,
    /// E.164 prefixes ("+449"); a number is blocked if any of its leading
    /// substrings is here.
    blocked_prefixes: HashSet<String>,
    allowed: HashSet<String>,
    never_calls_out: HashSet<String>,
    withheld: WithheldAction,
    suspicious: SuspiciousAction,
    reject: RejectHow,
}

impl Policy {
    /// Normalizes and checks the configuration (see [`PolicyConfig::validate`]).
    pub fn new(cfg: &PolicyConfig) -> Result<Policy, PolicyError> {
        let mut blocked = HashSet::new();
        let mut blocked_prefixes = HashSet::new();
        for (index, entry) in cfg.blocklist.iter().enumerate() {
            match entry.trim().strip_suffix('*') {
                Some(prefix) => {
                    let bad = || PolicyError::BadPrefix {
                        index,
                        entry: entry.clone(),
                    };
                    blocked_prefixes.insert(normalize_prefix(prefix).ok_or_else(bad)?);
                }
                None => {
                    blocked.insert(number(ListName::Blocklist, index, entry)?);
                }
            }
        }

        let mut never_calls_out: HashSet<String> =
            NEVER_CALL_OUT_CODES.iter().map(|c| c.to_string()).collect();
        for (index, entry) in cfg.cli_rules.never_calls_out.iter().enumerate() {
            never_calls_out.insert(full_number(ListName::NeverCallsOut, index, entry)?);
        }

        let mut allowed = HashSet::new();
        for (index, entry) in cfg.allowlist.iter().enumerate() {
            let number = full_number(ListName::Allowlist, index, entry)?;
            if never_calls_out.contains(&number) {
                return Err(PolicyError::AllowsNeverCallsOut {
                    index,
                    entry: entry.clone(),
                    number,
                });
            }
            allowed.insert(number);
        }

        Ok(Policy {
            blocked,
            blocked_prefixes,
            allowed,
            never_calls_out,
            withheld: cfg.withheld,
            suspicious: cfg.suspicious,
            reject: cfg.reject,
        })
    }

    /// The decision for a caller ID as it arrived (see
    /// [`crate::parse_caller_id`] for the forms accepted).
    pub fn decide(&self, caller_raw: &str) -> Decision {
        self.decide_caller_id(&parse_caller_id(caller_raw))
    }

    /// [`Policy::decide`] for a caller ID the shell has already parsed.
    pub fn decide_caller_id(&self, id: &CallerId) -> Decision {
        let key = match id {
            CallerId::Valid(n) => Some(n.e164()),
            CallerId::International(e164) => Some(e164.as_str()),
            CallerId::Withheld | CallerId::Invalid { .. } => None,
        };
        if let Some(key) = key {
            if self.is_blocked(key) {
                return self.reject(RejectReason::Blocked);
            }
            if self.allowed.contains(key) {
                return Decision::RingResident {
                    reason: AllowReason::Allowlisted,
                };
            }
        }
        match verdict(id, |n| self.never_calls_out.contains(n)) {
            CliVerdict::Ok => Decision::Challenge { suspicious: None },
            CliVerdict::Withheld => match self.withheld {
                WithheldAction::Challenge => Decision::Challenge { suspicious: None },
                WithheldAction::Reject => self.reject(RejectReason::Withheld),
                WithheldAction::Allow => Decision::RingResident {
                    reason: AllowReason::WithheldAllowed,
                },
            },
            CliVerdict::Suspicious(reason) => match self.suspicious {
                SuspiciousAction::Challenge => Decision::Challenge {
                    suspicious: Some(reason),
                },
                SuspiciousAction::Reject => self.reject(RejectReason::Suspicious(reason)),
            },
        }
    }

    fn reject(&self, reason: RejectReason) -> Decision {
        Decision::Reject {
            how: self.reject,
            reason,
        }
    }

    fn is_blocked(&self, key: &str) -> bool {
        self.blocked.contains(key)
            || (!self.blocked_prefixes.is_empty()
                && (1..=key.len()).any(|end| {
                    key.get(..end)
                        .is_some_and(|p| self.blocked_prefixes.contains(p))
                }))
    }
}

/// A list entry that must be a single number, not a prefix.
fn full_number(list: ListName, index: usize, entry: &str) -> Result<String, PolicyError> {
    if entry.trim().ends_with('*') {
        return Err(PolicyError::WildcardNotAllowed {
            list,
            index,
            entry: entry.to_owned(),
        });
    }
    number(list, index, entry)
}

fn number(list: ListName, index: usize, entry: &str) -> Result<String, PolicyError> {
    normalize(entry).ok_or_else(|| PolicyError::NotANumber {
        list,
        index,
        entry: entry.to_owned(),
    })
}
