//! The outbound safety rules: bad triggers refused, the trigger a call's
//! risk and tags give, unregistered sources and arbitrary numbers refused,
//! general outbound only when the line has it, and the rate limit.

use std::time::Instant;

use crate::lineclear_support::{ms, numbers, secs};
use ivr::lineclear::AllowReason;
use ivr::{
    Callback, CallbackError, CallbackSettings, Destination, Mentioned, OutboundConfig,
    OutboundDecision, OutboundPolicy, RateLimit, RefuseReason, Risk, TagKind, Trigger,
    VerifiedNumber, VerifiedNumbers,
};

#[test]
fn bad_triggers_are_refused() {
    let t0 = Instant::now();
    let settings = CallbackSettings::default();
    let err = Callback::new(&settings, &numbers(), Trigger::DialledVerified(6), &[], t0);
    assert_eq!(err.err(), Some(CallbackError::UnknownEntry(6)));
    let no_menu = VerifiedNumbers::new(vec![VerifiedNumber::new(None, "999", "999", true)]);
    let no_menu = no_menu.expect("valid");
    let err = Callback::new(&settings, &no_menu, Trigger::FeatureCode, &[], t0);
    assert_eq!(err.err(), Some(CallbackError::EmptyMenu));
}

#[test]
fn the_trigger_after_a_call_depends_on_its_risk_and_tags() {
    let tags = [TagKind::Courier, TagKind::BankDetails];
    assert_eq!(Trigger::after_call(Risk::Low, tags), None);
    assert_eq!(
        Trigger::after_call(Risk::Medium, tags),
        Some(Trigger::RiskyCall {
            mentioned: Mentioned::BankDetails
        })
    );
    let both = [TagKind::Police, TagKind::BankDetails];
    assert_eq!(Mentioned::from_tags(both), Mentioned::Both);
    assert_eq!(Mentioned::from_tags([TagKind::Police]), Mentioned::Police);
    assert_eq!(Mentioned::from_tags([TagKind::Cash]), Mentioned::Nothing);
}

#[test]
fn safety_refuses_unregistered_sources_and_arbitrary_numbers() {
    let numbers = numbers();
    let t0 = Instant::now();
    let refused = |reason| OutboundDecision::Refused { reason };
    let mut policy = OutboundPolicy::new(OutboundConfig::default());
    for dialled in ["101", "999", "*55", "07700 900123"] {
        assert_eq!(
            policy.decide(t0, false, dialled, &numbers),
            refused(RefuseReason::NotRegistered),
            "{dialled}"
        );
    }
    let arbitrary = policy.decide(t0, true, "01632 960001", &numbers);
    assert_eq!(arbitrary, refused(RefuseReason::NotAllowedDestination));
    assert_eq!(
        policy.decide(t0, true, "0101", &numbers),
        refused(RefuseReason::NotANumber),
        "0101 is not 101"
    );
    assert_eq!(
        policy.decide(t0, true, "*56", &numbers),
        refused(RefuseReason::NotANumber)
    );
    // The same number however it is written.
    for bank in [
        "+44 800 123 4567",
        "0800 123 4567",
        "tel:+448001234567",
        "08001234567",
    ] {
        assert_eq!(
            policy.decide(t0, true, bank, &numbers),
            OutboundDecision::Allowed {
                to: Destination::Verified(2),
                reason: AllowReason::Verified
            },
            "{bank}"
        );
    }
}

#[test]
fn safety_allows_general_outbound_only_when_the_line_has_it() {
    let numbers = numbers();
    let t0 = Instant::now();
    let config = OutboundConfig {
        general_outbound: true,
        ..OutboundConfig::default()
    };
    let mut policy = OutboundPolicy::new(config);
    assert_eq!(
        policy.decide(t0, true, "01632 960001", &numbers),
        OutboundDecision::Allowed {
            to: Destination::Number("+441632960001".into()),
            reason: AllowReason::GeneralOutbound
        }
    );
    for never in ["09098 790000", "118118", "+33123456789"] {
        assert_eq!(
            policy.decide(t0, true, never, &numbers),
            OutboundDecision::Refused {
                reason: RefuseReason::NotAllowedDestination
            },
            "{never}"
        );
    }
}

#[test]
fn safety_rate_limit_kicks_in_and_recovers_with_time() {
    let numbers = numbers();
    let t0 = Instant::now();
    let config = OutboundConfig {
        rate_limit: RateLimit {
            attempts: 3,
            per: secs(600),
        },
        ..OutboundConfig::default()
    };
    let mut policy = OutboundPolicy::new(config);
    let allowed = |d: &OutboundDecision| matches!(d, OutboundDecision::Allowed { .. });
    for n in 0..3 {
        assert!(allowed(&policy.decide(t0 + secs(n), true, "159", &numbers)));
    }
    // A refused destination takes no token, so it cannot hide the limit.
    let limited = policy.decide(t0 + secs(5), true, "159", &numbers);
    assert_eq!(
        limited,
        OutboundDecision::Refused {
            reason: RefuseReason::RateLimited {
                retry_at: t0 + secs(200)
            }
        }
    );
    assert!(!allowed(&policy.decide(
        t0 + secs(199),
        true,
        "*55",
        &numbers
    )));
    assert!(allowed(&policy.decide(
        t0 + secs(200),
        true,
        "*55",
        &numbers
    )));
    assert!(!allowed(&policy.decide(
        t0 + secs(201),
        true,
        "101",
        &numbers
    )));
    // A long quiet spell refills the bucket, but no more than full.
    let later = t0 + secs(10_000);
    for n in 0..3 {
        assert!(allowed(&policy.decide(
            later + ms(n),
            true,
            "101",
            &numbers
        )));
    }
    assert!(!allowed(&policy.decide(
        later + ms(5),
        true,
        "101",
        &numbers
    )));
}
