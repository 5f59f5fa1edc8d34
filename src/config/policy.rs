//! `[line.policy]`: the per-line screening policy as the configuration file
//! writes it, and its mapping onto [`ivr::PolicyConfig`].
//!
//! The `ivr` types carry no serde derives, so the choices are mirrored here
//! with the lowercase names the file uses. Checking the list entries is
//! left to [`ivr::PolicyConfig::validate`] (called from `validate.rs`).

use serde::{Deserialize, Serialize};

/// `[line.policy]`: what to do with a caller before anything is answered.
/// Every key is optional; [`LinePolicy::default`] (empty lists, challenge
/// everyone, refuse with SIP 603) screens every caller with the challenge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinePolicy {
    /// Trusted contacts (any UK or E.164 form): rung straight away.
    pub allowlist: Vec<String>,
    /// Numbers, or prefixes ending in `*` ("09*", "+44 9*"): refused.
    pub blocklist: Vec<String>,
    /// What to do with a withheld or anonymous caller ID.
    pub withheld: WithheldChoice,
    /// What to do with a caller ID impossible under UK numbering.
    pub suspicious: SuspiciousChoice,
    /// How refused calls end.
    pub reject: RejectChoice,
    /// Numbers that never make calls, besides the short codes in
    /// [`ivr::NEVER_CALL_OUT_CODES`], which always count.
    pub never_calls_out: Vec<String>,
}

/// `withheld = "challenge" | "reject" | "allow"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WithheldChoice {
    #[default]
    Challenge,
    Reject,
    Allow,
}

/// `suspicious = "challenge" | "reject"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SuspiciousChoice {
    #[default]
    Challenge,
    Reject,
}

/// `reject = "decline" | "message"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RejectChoice {
    /// SIP 603 Decline: the call is never answered.
    #[default]
    Decline,
    /// Answered, a short goodbye, hung up.
    Message,
}

impl LinePolicy {
    /// The policy the `ivr` crate decides with. List entries keep their
    /// order, so a [`ivr::PolicyError`] index is the index in the file.
    pub fn policy_config(&self) -> ivr::PolicyConfig {
        ivr::PolicyConfig {
            blocklist: self.blocklist.clone(),
            allowlist: self.allowlist.clone(),
            withheld: match self.withheld {
                WithheldChoice::Challenge => ivr::WithheldAction::Challenge,
                WithheldChoice::Reject => ivr::WithheldAction::Reject,
                WithheldChoice::Allow => ivr::WithheldAction::Allow,
            },
            suspicious: match self.suspicious {
                SuspiciousChoice::Challenge => ivr::SuspiciousAction::Challenge,
                SuspiciousChoice::Reject => ivr::SuspiciousAction::Reject,
            },
            reject: match self.reject {
                RejectChoice::Decline => ivr::RejectHow::Decline,
                RejectChoice::Message => ivr::RejectHow::MessageThenHangup,
            },
            cli_rules: ivr::CliRules {
                never_calls_out: self.never_calls_out.clone(),
            },
        }
    }
}
