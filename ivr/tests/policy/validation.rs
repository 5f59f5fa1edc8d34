//! Checking a policy configuration: each bad entry named by its list and
//! index, and the errors reading well.
//!
//! Does not own: the decisions a valid configuration gives
//! (`decisions.rs`).

use crate::common::{config, BANK_E164};
use ivr::{ListName, Policy, PolicyConfig, PolicyError};

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
