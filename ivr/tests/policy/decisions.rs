//! What each caller gets: every rule in order and their precedence, every
//! withheld and suspicious choice, the default configuration, the
//! remembered caller, and the names and tags the call log keeps.
//!
//! Does not own: checking the configuration (`validation.rs`).

use crate::common::{blocked, challenge, never, reject, ring, with, BANK_E164};
use ivr::{
    AllowReason, Decision, Policy, PolicyConfig, RejectHow, RejectReason, SuspiciousAction,
    SuspiciousReason, WithheldAction,
};

#[test]
fn rules_apply_in_order() {
    use SuspiciousReason::{BadPrefix, InvalidLength, NotDigits, Premium};
    let default = with(|_| {});
    let withheld_reject = with(|c| {
        c.withheld = WithheldAction::Reject;
        c.reject = RejectHow::MessageThenHangup;
    });
    let withheld_allow = with(|c| c.withheld = WithheldAction::Allow);
    let suspicious_reject = with(|c| c.suspicious = SuspiciousAction::Reject);
    let no_prefixes = with(|c| c.blocklist.retain(|e| !e.ends_with('*')));
    let reject_all_suspicious = with(|c| {
        c.suspicious = SuspiciousAction::Reject;
        c.blocklist.clear();
    });
    let message = RejectHow::MessageThenHangup;
    let rows: Vec<(&str, &Policy, &str, Decision)> = vec![
        // 1. block list: exact, in any form, and by prefix
        ("exact", &default, "01632960999", blocked()),
        ("blocked and allowed", &default, "+441632960999", blocked()),
        ("prefix +44 9*", &default, "0909 879 0000", blocked()),
        ("prefix 00234*", &default, "+234 801 234 5678", blocked()),
        ("prefix to 5 digits", &default, "07700 900500", blocked()),
        (
            "next to a prefix",
            &default,
            "07700 900600",
            challenge(None),
        ),
        (
            "block how",
            &withheld_reject,
            "01632960999",
            reject(message, RejectReason::Blocked),
        ),
        // 2. allow list, in either form
        (
            "national vs E.164",
            &default,
            "01632 960001",
            ring(AllowReason::Allowlisted),
        ),
        (
            "E.164 vs national",
            &default,
            "+447700900123",
            ring(AllowReason::Allowlisted),
        ),
        (
            "sip URI",
            &default,
            "sip:07700900123@trunk",
            ring(AllowReason::Allowlisted),
        ),
        (
            "international",
            &default,
            "0033123456789",
            ring(AllowReason::Allowlisted),
        ),
        // 3. withheld, each choice
        ("withheld challenge", &default, "anonymous", challenge(None)),
        (
            "withheld reject",
            &withheld_reject,
            "Anonymous",
            reject(message, RejectReason::Withheld),
        ),
        (
            "withheld allow",
            &withheld_allow,
            "",
            ring(AllowReason::WithheldAllowed),
        ),
        (
            "withheld allow, suspicious still flagged",
            &withheld_allow,
            "101",
            challenge(Some(never("101"))),
        ),
        // 4. suspicious, each choice
        ("999", &default, "999", challenge(Some(never("999")))),
        (
            "bank",
            &default,
            "+44 3069 990123",
            challenge(Some(never(BANK_E164))),
        ),
        (
            "premium",
            &no_prefixes,
            "09098790000",
            challenge(Some(Premium)),
        ),
        ("short", &default, "0163296", challenge(Some(InvalidLength))),
        (
            "letters",
            &default,
            "0800FLOWERS",
            challenge(Some(NotDigits)),
        ),
        ("04", &default, "04123 456789", challenge(Some(BadPrefix))),
        (
            "suspicious reject",
            &suspicious_reject,
            "101",
            reject(RejectHow::Decline, RejectReason::Suspicious(never("101"))),
        ),
        (
            "suspicious reject premium",
            &reject_all_suspicious,
            "+449098790000",
            reject(RejectHow::Decline, RejectReason::Suspicious(Premium)),
        ),
        (
            "suspicious reject spares withheld",
            &suspicious_reject,
            "private",
            challenge(None),
        ),
        // 5. everyone else
        ("unknown UK", &default, "01632 960002", challenge(None)),
        (
            "unknown mobile",
            &suspicious_reject,
            "07700 900124",
            challenge(None),
        ),
        (
            "unknown international",
            &default,
            "+1 202 555 0123",
            challenge(None),
        ),
        ("operator", &default, "100", challenge(None)),
    ];
    assert!(rows.len() >= 20);
    for (name, policy, caller, want) in rows {
        assert_eq!(policy.decide(caller), want, "{name}: {caller:?}");
        let parsed = ivr::parse_caller_id(caller);
        assert_eq!(policy.decide_caller_id(&parsed), want, "{name}: {caller:?}");
    }
}

#[test]
fn a_blocked_prefix_of_zero_blocks_uk_numbers_only() {
    let policy = Policy::new(&PolicyConfig {
        blocklist: vec!["0*".into()],
        ..PolicyConfig::default()
    })
    .unwrap();
    assert_eq!(policy.decide("01632960001"), blocked());
    assert_eq!(policy.decide("+33123456789"), challenge(None));
    assert_eq!(policy.decide("999"), challenge(Some(never("999"))));
}

#[test]
fn log_names_and_tags() {
    let rows = [
        (blocked(), "blocked", None),
        (ring(AllowReason::Allowlisted), "allowlisted", None),
        (
            reject(RejectHow::MessageThenHangup, RejectReason::Withheld),
            "withheld-rejected",
            None,
        ),
        (ring(AllowReason::WithheldAllowed), "withheld-allowed", None),
        (challenge(None), "challenge", None),
        (
            challenge(Some(SuspiciousReason::Premium)),
            "suspicious-challenge",
            Some("suspicious-cli"),
        ),
        (
            reject(RejectHow::Decline, RejectReason::Suspicious(never("101"))),
            "suspicious-rejected",
            Some("suspicious-cli"),
        ),
    ];
    for (decision, name, tag) in rows {
        assert_eq!(decision.as_str(), name);
        assert_eq!(decision.to_string(), name);
        assert_eq!(decision.tag(), tag, "{name}");
    }
}

#[test]
fn default_config_challenges_everyone_but_flags_suspicious_callers() {
    let policy = Policy::new(&PolicyConfig::default()).unwrap();
    assert_eq!(policy.decide("01632960001"), challenge(None));
    assert_eq!(policy.decide("anonymous"), challenge(None));
    assert_eq!(policy.decide("112"), challenge(Some(never("112"))));
    assert_eq!(
        policy.decide("09098790000"),
        challenge(Some(SuspiciousReason::Premium))
    );
}

#[test]
fn only_a_plain_challenge_is_waived_for_a_remembered_caller() {
    use ivr::{AllowReason, Decision, RejectHow, RejectReason};
    let plain = Decision::Challenge { suspicious: None };
    assert_eq!(
        plain.remembered(),
        Decision::RingResident {
            reason: AllowReason::Remembered
        }
    );
    assert_eq!(
        Decision::RingResident {
            reason: AllowReason::Remembered
        }
        .as_str(),
        "remembered"
    );
    let blocked = Decision::Reject {
        how: RejectHow::Decline,
        reason: RejectReason::Blocked,
    };
    assert_eq!(blocked.clone().remembered(), blocked);
    let allowlisted = Decision::RingResident {
        reason: AllowReason::Allowlisted,
    };
    assert_eq!(allowlisted.clone().remembered(), allowlisted);
}
