//! `[line.policy]`: defaults, the mapping onto `ivr`, printing, and errors
//! located at the offending list entry.

use std::path::Path;

use super::super::policy::{RejectChoice, SuspiciousChoice, WithheldChoice};
use super::super::*;
use super::common::LINE;

/// (config text, expected "file:line:col: key K" prefix, expected fragment),
/// checked by `bad_configs_name_file_line_and_key`.
pub(super) fn bad_policies() -> Vec<(String, &'static str, &'static str)> {
    let policy = |body: &str| format!("{LINE}[line.policy]\n{body}\n");
    vec![
        (
            policy("allowlist = [\"07700 900123\", \"abc\"]"),
            "bad.toml:5:30: key line[0].policy.allowlist[1]:",
            "allowlist[1]: \"abc\" is not a phone number",
        ),
        (
            policy("blocklist = [\"9*\"]"),
            "bad.toml:5:14: key line[0].policy.blocklist[0]:",
            "blocklist[0]: \"9*\": a prefix must start with +, 00 or 0",
        ),
        (
            policy("allowlist = [\"07700*\"]"),
            "bad.toml:5:14: key line[0].policy.allowlist[0]:",
            "allowlist[0]: \"07700*\": only blocklist entries may end in *",
        ),
        (
            policy("never_calls_out = [\"bank\"]"),
            "bad.toml:5:20: key line[0].policy.never_calls_out[0]:",
            "never_calls_out[0]: \"bank\" is not a phone number",
        ),
        (
            policy("allowlist = [\"999\"]"),
            "bad.toml:5:14: key line[0].policy.allowlist[0]:",
            "allowlist[0]: \"999\": 999 never calls out",
        ),
        (
            policy(
                "never_calls_out = [\"0306 999 0123\"]\nallowlist = [\"01632 960001\", \"+44 306 999 0123\"]",
            ),
            "bad.toml:6:30: key line[0].policy.allowlist[1]:",
            "\"+44 306 999 0123\": +443069990123 never calls out",
        ),
        (
            format!(
                "{LINE}[[line]]\nname = \"b\"\nnumbers = [\"2\"]\n[line.policy]\nblocklist = [\"+44 9*\", \"0x*\"]\n"
            ),
            "bad.toml:8:24: key line[1].policy.blocklist[1]:",
            "\"0x*\": a prefix must start with",
        ),
        (
            policy("withheld = \"block\""),
            "bad.toml:5:12: key line[0].policy.withheld:",
            "unknown variant `block`, expected one of `challenge`, `reject`, `allow`",
        ),
        (
            policy("suspicious = \"allow\""),
            "bad.toml:5:14: key line[0].policy.suspicious:",
            "unknown variant `allow`, expected `challenge` or `reject`",
        ),
        (
            policy("reject = \"hangup\""),
            "bad.toml:5:10: key line[0].policy.reject:",
            "expected `decline` or `message`",
        ),
        (
            policy("allowlst = []"),
            "bad.toml:5:1: key line[0].policy.allowlst:",
            "unknown field `allowlst`",
        ),
        (
            policy("allowlist = \"07700 900123\""),
            "bad.toml:5:13: key line[0].policy.allowlist:",
            "invalid type: string \"07700 900123\", expected a sequence",
        ),
    ]
}

#[test]
fn default_policy_challenges_every_caller() {
    let config = Config::default_config();
    let line = &config.lines[0];
    assert!(line.policy.allowlist.is_empty());
    assert!(line.policy.blocklist.is_empty());
    assert!(line.policy.never_calls_out.is_empty());
    let cfg = line.policy_config();
    assert_eq!(cfg.withheld, ivr::WithheldAction::Challenge);
    assert_eq!(cfg.suspicious, ivr::SuspiciousAction::Challenge);
    assert_eq!(cfg.reject, ivr::RejectHow::Decline);
    let policy = ivr::Policy::new(&cfg).expect("default policy is valid");
    for caller in ["07700 900123", "+33 1 23 45 67 89", "anonymous", ""] {
        assert_eq!(policy.decide(caller).as_str(), "challenge", "{caller}");
    }
    // The built-in never-calls-out codes count with an empty list.
    assert_eq!(policy.decide("101").as_str(), "suspicious-challenge");
}

#[test]
fn example_policy_maps_onto_ivr() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/examples/housing-association.toml");
    let config = Config::load(&path).expect("example parses");
    let line = config.line_for("1001").expect("flat-1a");
    assert_eq!(line.policy.withheld, WithheldChoice::Reject);
    assert_eq!(line.policy.reject, RejectChoice::Message);
    let policy = ivr::Policy::new(&line.policy_config()).expect("valid");
    let decide = |caller: &str| policy.decide(caller);
    assert_eq!(decide("+447700900123").as_str(), "allowlisted");
    assert_eq!(decide("01632 960001").as_str(), "allowlisted");
    assert_eq!(decide("09098790000").as_str(), "blocked");
    assert_eq!(decide("withheld").as_str(), "withheld-rejected");
    assert!(matches!(
        decide("withheld"),
        ivr::Decision::Reject {
            how: ivr::RejectHow::MessageThenHangup,
            ..
        }
    ));
    let spoofed = decide("+44 306 999 0123");
    assert_eq!(spoofed.as_str(), "suspicious-challenge");
    assert_eq!(spoofed.tag(), Some("suspicious-cli"));
    assert_eq!(decide("01632 960002").as_str(), "challenge");
    // The other lines keep the defaults.
    assert_eq!(config.lines[1].policy, LinePolicy::default());
}

#[test]
fn a_good_policy_round_trips_through_to_toml() {
    let mut config = Config::default_config();
    config.lines[0].policy = LinePolicy {
        allowlist: vec!["07700 900123".to_owned(), "+33 1 23 45 67 89".to_owned()],
        blocklist: vec![
            "09*".to_owned(),
            "+44 9*".to_owned(),
            "01632960999".to_owned(),
        ],
        withheld: WithheldChoice::Allow,
        suspicious: SuspiciousChoice::Reject,
        reject: RejectChoice::Message,
        never_calls_out: vec!["0306 999 0123".to_owned()],
    };
    let text = config.to_toml().expect("serializes");
    for expected in [
        "[line.policy]",
        "withheld = \"allow\"",
        "suspicious = \"reject\"",
        "reject = \"message\"",
        "\"+44 9*\"",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    let back = Config::parse(&text, "printed").unwrap_or_else(|err| panic!("{err}\n{text}"));
    assert_eq!(back, config);

    // A line without the table prints the defaults, which parse back.
    let text = Config::default_config().to_toml().expect("serializes");
    assert!(text.contains("allowlist = []"), "{text}");
    assert!(text.contains("withheld = \"challenge\""), "{text}");
}
