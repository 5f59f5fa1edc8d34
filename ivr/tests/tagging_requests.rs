//! The request model (opt-in, `TaggerConfig::requests()`): a stranger
//! asking for a credential, for money to move or for a hand-over is high on
//! its own; a mention is not; every rise in risk says which rule and
//! phrases made it. On a virtual clock.
//!
//! Does not own: the phrase matcher and the older rules (`tagging/`).
//! Every script here is made up.

use std::time::{Duration, Instant};

use ivr::{HeardWord, Risk, RiskReason, Speaker, TagEvent, TagKind, Tagger, TaggerConfig};
use Speaker::{Caller, Resident};

/// `text`'s words from `at_ms`, 300 ms each with 100 ms between, at 90%.
fn words(at_ms: u64, text: &str) -> Vec<HeardWord> {
    text.split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let start = Duration::from_millis(at_ms + 400 * i as u64);
            HeardWord::new(w, start, start + Duration::from_millis(300), 90)
        })
        .collect()
}

/// Runs `script` (speaker, offset in ms, words) through a tagger.
fn run(cfg: &TaggerConfig, script: &[(Speaker, u64, &str)]) -> Tagger {
    let start = Instant::now();
    let mut tagger = Tagger::new(cfg, start);
    for &(speaker, at, text) in script {
        let words = words(at, text);
        let now = start + Duration::from_millis(at);
        tagger.handle_event(now, TagEvent::Heard { speaker, words });
    }
    tagger
}

fn risk_of(script: &[(Speaker, u64, &str)]) -> Risk {
    run(&TaggerConfig::requests(), script).risk()
}

#[test]
fn a_request_for_a_credential_alone_is_high() {
    for line in [
        "to stop the payment please read out your sort code and account number",
        "key in your card number followed by your pin",
        "can you confirm your account number and date of birth",
        "you will get a text with a six digit code please read it out to me",
    ] {
        assert_eq!(risk_of(&[(Caller, 0, line)]), Risk::High, "{line}");
    }
}

#[test]
fn money_and_hand_over_requests_are_high_on_their_own() {
    for line in [
        "we have set up a safe account in your name",
        "a courier will come to your house for the card",
        "you must withdraw five thousand pounds today",
        "if the cashier asks say it is for building work",
    ] {
        assert_eq!(risk_of(&[(Caller, 0, line)]), Risk::High, "{line}");
    }
}

#[test]
fn a_mention_is_not_a_request() {
    for line in [
        "there was a police car outside the post office",
        "monday is a bank holiday so the surgery is closed",
        "did the birthday card arrive",
        "the new bank card came but i have not activated it",
        "the pin for the new door is the same as your birthday",
        "the courier delivered the parcel to number twelve",
        "never give your pin to anyone that programme said so",
        "i had to withdraw from the quiz team",
    ] {
        assert!(risk_of(&[(Caller, 0, line)]) <= Risk::Low, "{line}");
    }
}

#[test]
fn a_cue_and_a_mention_count_together_only_within_the_cue_span() {
    // "tell me" at 0 s; "sort code" at 10 s: 10 s apart, the span is 4 s.
    let apart = [
        (Caller, 0, "tell me about it"),
        (Caller, 10_000, "the sort code is on the letter"),
    ];
    assert!(risk_of(&apart) <= Risk::Low);
    let close = [(Caller, 0, "tell me"), (Caller, 2_000, "the sort code")];
    assert_eq!(risk_of(&close), Risk::High);
    // A cue after the mention counts too.
    let after = [
        (Caller, 0, "your sort code"),
        (Caller, 1_500, "read it out"),
    ];
    assert_eq!(risk_of(&after), Risk::High);
    // Not across speakers: the resident's "tell me" is not the caller's.
    let across = [(Resident, 0, "tell me"), (Caller, 1_000, "the sort code")];
    assert!(risk_of(&across) <= Risk::Low);
    // A span of zero turns cues off.
    let off = TaggerConfig {
        cue_span: Duration::ZERO,
        ..TaggerConfig::requests()
    };
    assert!(run(&off, &close).risk() <= Risk::Low);
}

#[test]
fn a_police_claim_is_not_asked_for() {
    let script = [(Caller, 0, "tell me detective")];
    let tagger = run(&TaggerConfig::requests(), &script);
    assert!(tagger.risk() <= Risk::Low);
    // Neither a request nor a claim: a mention, tagged only when every
    // mention is.
    assert!(!tagger.has(TagKind::Police));
    let mentions = TaggerConfig {
        tag_requests_only: false,
        ..TaggerConfig::requests()
    };
    let tagger = run(&mentions, &script);
    assert!(tagger.has(TagKind::Police));
    assert!(tagger.risk() <= Risk::Low);
}

#[test]
fn every_rise_in_risk_says_why() {
    let tagger = run(
        &TaggerConfig::requests(),
        &[
            (Caller, 0, "this is detective sergeant hale"),
            (Caller, 5_000, "please read out your sort code"),
        ],
    );
    let reasons: &[RiskReason] = tagger.reasons();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].risk, Risk::Low);
    assert!(reasons[0].rule.starts_with("rule "), "{reasons:?}");
    assert!(reasons[0].evidence[0].contains("detective sergeant"));
    let high = &reasons[1];
    assert_eq!((high.risk, high.rule.as_str()), (Risk::High, "request"));
    assert!(
        high.evidence[0].contains("read") && high.evidence[0].contains("\"sort code\""),
        "{high:?}"
    );
    assert!(high.at >= Duration::from_secs(5));
}

#[test]
fn a_police_claim_with_bank_talk_is_high_talk_about_the_police_is_not() {
    let claim = [
        (
            Caller,
            0,
            "this is detective sergeant wilson from the fraud squad",
        ),
        (Caller, 4_000, "your bank account has been compromised"),
    ];
    let tagger = run(&TaggerConfig::requests(), &claim);
    assert_eq!(tagger.risk(), Risk::High);
    assert!(tagger.has(TagKind::Police) && tagger.has(TagKind::BankDetails));
    let high = tagger.reasons().last().expect("a reason");
    assert_eq!(high.rule, "claim", "{high:?}");
    assert!(
        high.evidence[0].contains("detective") && high.evidence[0].contains("\"bank account\""),
        "{high:?}"
    );
    assert_eq!(high.at, Duration::from_millis(4_400));
    // Either order.
    let after = [
        (Caller, 0, "your bank account has been compromised"),
        (Caller, 3_000, "this is detective sergeant wilson"),
    ];
    assert_eq!(risk_of(&after), Risk::High);
    // A claim alone, talk about the police, a claim and bank talk a
    // window apart, or by different speakers: not high.
    for script in [
        &[(Caller, 0, "this is detective sergeant wilson")][..],
        &[
            (Caller, 0, "our neighbour is a retired police officer"),
            (Caller, 3_000, "the new bank card came"),
        ],
        &[
            (Caller, 0, "this is detective sergeant wilson"),
            (Caller, 70_000, "your bank account is fine"),
        ],
        &[
            (Resident, 0, "this is detective sergeant wilson"),
            (Caller, 3_000, "your bank account is fine"),
        ],
    ] {
        assert!(risk_of(script) <= Risk::Low, "{script:?}");
    }
}

#[test]
fn the_request_model_is_opt_in() {
    // The default keeps the built-in pairs of mentions and has no cues,
    // claims or request phrases: a request alone is a mention (low), a
    // claim with bank talk is a pair (high either way).
    let asked = [(Caller, 0, "please read out your sort code")];
    assert_eq!(run(&TaggerConfig::default(), &asked).risk(), Risk::Low);
    assert_eq!(run(&TaggerConfig::requests(), &asked).risk(), Risk::High);
    let two_mentions = [
        (Caller, 0, "our neighbour is a retired police officer"),
        (Caller, 3_000, "the new bank card came"),
    ];
    assert_eq!(
        run(&TaggerConfig::default(), &two_mentions).risk(),
        Risk::High
    );
    assert!(run(&TaggerConfig::requests(), &two_mentions).risk() <= Risk::Low);
    let default = TaggerConfig::default();
    assert!(default.cues.is_empty());
    assert!(!default.phrases.iter().any(|p| p.request || p.claim));
    assert!(!default.phrases.iter().any(|p| p.text == "bank account"));
}
