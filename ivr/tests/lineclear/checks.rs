//! Checking the tables and settings: outbound configuration, callback
//! settings and verified numbers.

use std::time::{Duration, Instant};

use crate::lineclear_support::{numbers, secs};
use ivr::lineclear::{BadNumber, MenuItem, EMERGENCY_NUMBERS};
use ivr::{
    CallbackSettings, CallbackSettingsError, InvalidReason, OutboundConfig, OutboundConfigError,
    OutboundDecision, OutboundPolicy, RateLimit, VerifiedNumber, VerifiedNumbers,
    VerifiedNumbersError,
};

#[test]
fn outbound_config_is_checked() {
    assert_eq!(OutboundConfig::default().validate(), Ok(()));
    for code in ["55", "*", "*5a", "*123456789"] {
        let config = OutboundConfig {
            feature_code: code.into(),
            ..OutboundConfig::default()
        };
        assert_eq!(
            config.validate(),
            Err(OutboundConfigError::FeatureCode(code.into()))
        );
    }
    let zero = OutboundConfig {
        rate_limit: RateLimit {
            attempts: 0,
            per: secs(60),
        },
        ..OutboundConfig::default()
    };
    assert_eq!(zero.validate(), Err(OutboundConfigError::Attempts(0)));
    // Not validated, it still never panics.
    let mut policy = OutboundPolicy::new(zero);
    let decision = policy.decide(Instant::now(), true, "101", &numbers());
    assert!(matches!(decision, OutboundDecision::Allowed { .. }));
}

#[test]
fn callback_settings_are_checked() {
    assert_eq!(CallbackSettings::default().validate(), Ok(()));
    let slow_cap = CallbackSettings {
        emergency_cap: secs(5),
        ..CallbackSettings::default()
    };
    assert_eq!(
        slow_cap.validate(),
        Err(CallbackSettingsError::EmergencyCap(secs(5)))
    );
    let no_keys = CallbackSettings {
        digit_timeout: Duration::ZERO,
        ..CallbackSettings::default()
    };
    assert_eq!(
        no_keys.validate(),
        Err(CallbackSettingsError::DigitTimeout(Duration::ZERO))
    );
}

#[test]
fn verified_numbers_are_checked() {
    use VerifiedNumbersError as E;
    let entry = |key, number: &str, emergency| VerifiedNumber::new(key, "x", number, emergency);
    let check = |entries: Vec<VerifiedNumber>| VerifiedNumbers::new(entries).err();
    assert_eq!(check(vec![]), None);
    let defaults = VerifiedNumbers::uk_defaults();
    assert_eq!(defaults.menu().len(), 2);
    assert_eq!(
        VerifiedNumbers::new(defaults.entries().to_vec()),
        Ok(defaults)
    );
    assert_eq!(
        check(vec![
            entry(Some('1'), "101", false),
            entry(Some('1'), "159", false)
        ]),
        Some(E::DuplicateKey {
            key: '1',
            first: 0,
            second: 1
        })
    );
    for key in ['0', '*', 'a'] {
        assert!(matches!(
            check(vec![entry(Some(key), "101", false)]),
            Some(E::BadKey { .. })
        ));
    }
    let bad = |number: &str| match check(vec![entry(Some('1'), number, false)]) {
        Some(E::BadNumber { reason, .. }) => Some(reason),
        _ => None,
    };
    assert_eq!(
        bad("12345"),
        Some(BadNumber::Invalid(InvalidReason::BadPrefix))
    );
    assert_eq!(
        bad("0800 12"),
        Some(BadNumber::Invalid(InvalidReason::WrongLength { digits: 6 }))
    );
    assert_eq!(
        bad("call me"),
        Some(BadNumber::Invalid(InvalidReason::NotDigits))
    );
    assert_eq!(bad(""), Some(BadNumber::NotUk));
    assert_eq!(bad("+33 1 23 45 67 89"), Some(BadNumber::NotUk));
    assert_eq!(bad("09098 790000"), Some(BadNumber::Premium));
    assert_eq!(bad("118118"), Some(BadNumber::ShortCode));
    assert_eq!(bad("100"), Some(BadNumber::ShortCode));
    assert_eq!(bad("116 123"), None, "Samaritans");
    for code in EMERGENCY_NUMBERS {
        assert!(matches!(
            check(vec![entry(None, code, false)]),
            Some(E::EmergencyFlag { .. })
        ));
    }
    assert!(matches!(
        check(vec![entry(None, "101", true)]),
        Some(E::EmergencyFlag { .. })
    ));
    let ten: Vec<_> = (0..10).map(|_| entry(None, "101", false)).collect();
    assert_eq!(check(ten), None, "off the menu, ten are fine");
    let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '9'];
    let ten: Vec<_> = keys.iter().map(|&k| entry(Some(k), "101", false)).collect();
    assert_eq!(check(ten), Some(E::TooManyMenuEntries(10)));
    let many: Vec<_> = (0..17).map(|_| entry(None, "101", false)).collect();
    assert_eq!(check(many), Some(E::TooMany(17)));
    let unlabelled = VerifiedNumber::new(Some('1'), "  ", "101", false);
    assert_eq!(check(vec![unlabelled]), Some(E::Label { index: 0 }));
    let item = MenuItem {
        key: '1',
        entry: 0,
        label: "the police".into(),
    };
    assert_eq!(item.to_string(), "Press 1 for the police.");
}
