//! Shared helpers for the policy tables: the configuration they start
//! from (a block list, an allow list and the bank's number) and
//! shorthands for each decision.
//!
//! Does not own: any table.

use ivr::{
    AllowReason, CliRules, Decision, Policy, PolicyConfig, RejectHow, RejectReason,
    SuspiciousReason,
};

pub(crate) const BANK_E164: &str = "+443069990123";

pub(crate) fn config() -> PolicyConfig {
    let mut cli_rules = CliRules::default();
    cli_rules.never_calls_out.push("03069 990123".into()); // the bank
    PolicyConfig {
        blocklist: vec![
            "01632 960999".into(),
            "+44 9*".into(),
            "00234*".into(),
            "+44 7700 900 5*".into(),
        ],
        allowlist: vec![
            "+441632960001".into(),
            "07700 900123".into(),
            "+44 1632 960999".into(), // also blocked: the block list wins
            "+33 1 23 45 67 89".into(),
        ],
        cli_rules,
        ..PolicyConfig::default()
    }
}

pub(crate) fn with(edit: impl FnOnce(&mut PolicyConfig)) -> Policy {
    let mut cfg = config();
    edit(&mut cfg);
    Policy::new(&cfg).expect("valid config")
}

pub(crate) fn reject(how: RejectHow, reason: RejectReason) -> Decision {
    Decision::Reject { how, reason }
}

pub(crate) fn blocked() -> Decision {
    reject(RejectHow::Decline, RejectReason::Blocked)
}

pub(crate) fn ring(reason: AllowReason) -> Decision {
    Decision::RingResident { reason }
}

pub(crate) fn challenge(suspicious: Option<SuspiciousReason>) -> Decision {
    Decision::Challenge { suspicious }
}

pub(crate) fn never(n: &str) -> SuspiciousReason {
    SuspiciousReason::NeverCallsOut(n.to_owned())
}
