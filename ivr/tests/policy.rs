//! The per-line screening decision, table driven: each rule in order, their
//! precedence, every withheld and suspicious choice, and config validation.
//!
//! Does not own: caller-ID parsing details (see `numbers.rs`). Every UK
//! number here is in an Ofcom drama range or otherwise made up.

use ivr::{
    AllowReason, CliRules, Decision, ListName, Policy, PolicyConfig, PolicyError, RejectHow,
    RejectReason, SuspiciousAction, SuspiciousReason, WithheldAction,
};

const BANK_E164: &str = "+443069990123";

fn config() -> PolicyConfig {
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

fn with(edit: impl FnOnce(&mut PolicyConfig)) -> Policy {
    let mut cfg = config();
    edit(&mut cfg);
    Policy::new(&cfg).expect("valid config")
}

fn reject(how: RejectHow, reason: RejectReason) -> Decision {
    Decision::Reject { how, reason }
}

fn blocked() -> Decision {
    reject(RejectHow::Decline, RejectReason::Blocked)
}

fn ring(reason: AllowReason) -> Decision {
    Decision::RingResident { reason }
}

fn challenge(suspicious: Option<SuspiciousReason>) -> Decision {
    Decision::Challenge { suspicious }
}

fn never(n: &str) -> SuspiciousReason {
    SuspiciousReason::NeverCallsOut(n.to_owned())
}

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

/// A change to [`config`] that makes it invalid.
type Edit = fn(&mut PolicyConfig);

#[test]
fn validation_names_the_bad_entry() {
    let not_a_number = |list, index, entry: &str| PolicyError::NotANumber {
        list,
        index,
        entry: entry.into(),
    };
    let bad_prefix = |index, entry: &str| PolicyError::BadPrefix {
        index,
        entry: entry.into(),
    };
    let rows: Vec<(&str, Edit, PolicyError)> = vec![
        (
            "blocklist word",
            |c| c.blocklist.push("not a number".into()),
            not_a_number(ListName::Blocklist, 4, "not a number"),
        ),
        (
            "blocklist too short",
            |c| c.blocklist.insert(0, "01632 96".into()),
            not_a_number(ListName::Blocklist, 0, "01632 96"),
        ),
        (
            "bare star",
            |c| c.blocklist.push("*".into()),
            bad_prefix(4, "*"),
        ),
        (
            "bare 44 prefix",
            |c| c.blocklist.push("44 9*".into()),
            bad_prefix(4, "44 9*"),
        ),
        (
            "00 prefix",
            |c| c.blocklist.push("00*".into()),
            bad_prefix(4, "00*"),
        ),
        (
            "letters in prefix",
            |c| c.blocklist.push("+44 x*".into()),
            bad_prefix(4, "+44 x*"),
        ),
        (
            "allowlist empty",
            |c| c.allowlist.push(String::new()),
            not_a_number(ListName::Allowlist, 4, ""),
        ),
        (
            "allowlist withheld",
            |c| c.allowlist[1] = "anonymous".into(),
            not_a_number(ListName::Allowlist, 1, "anonymous"),
        ),
        (
            "allowlist wildcard",
            |c| c.allowlist.push("+44 7700 900*".into()),
            PolicyError::WildcardNotAllowed {
                list: ListName::Allowlist,
                index: 4,
                entry: "+44 7700 900*".into(),
            },
        ),
        (
            "never-calls-out entry",
            |c| c.cli_rules.never_calls_out.push("0306999012".into()),
            not_a_number(ListName::NeverCallsOut, 7, "0306999012"),
        ),
        (
            "allowlisted 101",
            |c| c.allowlist.push("101".into()),
            PolicyError::AllowsNeverCallsOut {
                index: 4,
                entry: "101".into(),
                number: "101".into(),
            },
        ),
        (
            "allowlisted bank",
            |c| c.allowlist.insert(0, "0044 3069 990123".into()),
            PolicyError::AllowsNeverCallsOut {
                index: 0,
                entry: "0044 3069 990123".into(),
                number: BANK_E164.into(),
            },
        ),
    ];
    for (name, edit, want) in rows {
        let mut cfg = config();
        edit(&mut cfg);
        assert_eq!(cfg.validate(), Err(want.clone()), "{name}");
        assert_eq!(Policy::new(&cfg).err(), Some(want), "{name}");
    }
    assert_eq!(config().validate(), Ok(()));
    assert_eq!(PolicyConfig::default().validate(), Ok(()));
}

#[test]
fn errors_read_well() {
    let rows = [
        (
            PolicyError::NotANumber {
                list: ListName::NeverCallsOut,
                index: 7,
                entry: "0306999012".into(),
            },
            r#"never_calls_out[7] "0306999012" is not a phone number"#,
        ),
        (
            PolicyError::BadPrefix {
                index: 2,
                entry: "*".into(),
            },
            r#"blocklist[2] "*": a prefix must start with +, 00 or 0 and have digits before the *"#,
        ),
        (
            PolicyError::AllowsNeverCallsOut {
                index: 0,
                entry: "101".into(),
                number: "101".into(),
            },
            r#"allowlist[0] "101": 101 never calls out, so a call showing it is spoofed and must not ring through"#,
        ),
    ];
    for (error, text) in rows {
        assert_eq!(error.to_string(), text);
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
