//! Names round-tripping and configuration errors naming the bad entry.

use std::time::Duration;

use crate::common::Call;
use ivr::tagging::MAX_PIN_DIGITS;
use ivr::{Risk, RiskRule, Speaker, TagKind, TaggerConfig, TaggerConfigError};
use Speaker::{Caller, Resident};
use TagKind::SuspiciousCli;

#[test]
fn names_round_trip() {
    for kind in TagKind::ALL {
        assert_eq!(kind.as_str().parse::<TagKind>(), Ok(kind));
    }
    for risk in Risk::ALL {
        assert_eq!(risk.to_string().parse::<Risk>(), Ok(risk));
    }
    assert!("Police".parse::<TagKind>().is_err());
    assert!(Risk::None < Risk::Low && Risk::Low < Risk::Medium && Risk::Medium < Risk::High);
}

type Edit = fn(&mut TaggerConfig);

#[test]
fn config_errors_name_the_bad_entry() {
    assert_eq!(TaggerConfig::default().validate(), Ok(()));
    let cases: &[(Edit, &str)] = &[
        (
            |c| c.phrases[3].text = " ?! ".into(),
            r#"phrases[3] " ?! " has no words"#,
        ),
        (
            |c| c.phrases[1].tag = "polis".into(),
            r#"phrases[1]: unknown tag "polis""#,
        ),
        (
            |c| c.phrases[0].tag = "pin-keyed".into(),
            "phrases[0]: pin-keyed is not raised from speech",
        ),
        (
            |c| c.phrases[2].min_confidence = Some(101),
            "phrases[2] min_confidence must be 0-100, got 101",
        ),
        (
            |c| c.exclusions[4] = String::new(),
            r#"exclusions[4] "" has no words"#,
        ),
        (
            |c| c.rules[2].any.push("curier".into()),
            r#"rules[2]: unknown tag "curier""#,
        ),
        (
            |c| c.rules.push(RiskRule::new(&[], &[], Risk::High)),
            "rules[9] names no tags",
        ),
        (
            |c| c.rules[0].risk = Risk::None,
            "rules[0] must give a risk above none",
        ),
        (
            |c| c.min_confidence = 150,
            "min_confidence must be 0-100, got 150",
        ),
        (
            |c| c.window = Duration::ZERO,
            "window must be more than zero and at most one hour, got 0ns",
        ),
        (
            |c| c.join_gap = Duration::from_secs(7200),
            "join gap must be at most one hour, got 7200s",
        ),
        (
            |c| c.digit_timeout = Duration::ZERO,
            "digit timeout must be more than zero and at most one hour, got 0ns",
        ),
        (
            |c| c.pin_min_digits = 0,
            "PIN length must be 1 to 16 digits, min before max, got 0-6",
        ),
        (
            |c| c.pin_max_digits = 3,
            "PIN length must be 1 to 16 digits, min before max, got 4-3",
        ),
        (
            |c| c.pin_max_digits = MAX_PIN_DIGITS + 1,
            "PIN length must be 1 to 16 digits, min before max, got 4-17",
        ),
    ];
    for (edit, expected) in cases {
        let mut cfg = TaggerConfig::default();
        edit(&mut cfg);
        let err = cfg.validate().expect_err(expected);
        assert_eq!(err.to_string(), *expected);
        // The tagger takes it anyway, without panicking.
        let mut call = Call::new(&cfg);
        call.say(Caller, 0, "police your pin")
            .keys(Resident, 1_000, 100, "1234#");
    }
    let mut cfg = TaggerConfig::default();
    cfg.rules[5].all[1] = "pin keyed".into();
    assert_eq!(
        cfg.validate(),
        Err(TaggerConfigError::UnknownRuleTag {
            index: 5,
            tag: "pin keyed".into()
        })
    );
    cfg.phrases[7].tag = "suspicious-cli".into();
    assert_eq!(
        cfg.validate(),
        Err(TaggerConfigError::NotASpeechTag {
            index: 7,
            tag: SuspiciousCli
        })
    );
}
