//! The phrase matcher: scam sentences tagged and everyday ones not,
//! normalising, exclusions, confidence and speaker limits, phrases across
//! a short pause, and each tag once with its first evidence.

use std::time::Duration;

use crate::common::{heard, ms, words, Call};
use ivr::tagging::normalise;
use ivr::{PhraseConfig, Speaker, Tag, TagKind, TagOutput, TaggerConfig};
use Speaker::{Caller, Resident};
use TagKind::{BankDetails, Cash, Courier, Police};

#[test]
fn scam_sentences_tag_and_everyday_sentences_do_not() {
    let cases: &[(&str, &[TagKind])] = &[
        (
            "this is detective constable smith from the fraud squad",
            &[Police],
        ),
        ("we need to confirm your PIN.", &[BankDetails]),
        ("a courier will collect your card", &[Courier]),
        // "hand it to" is a courier phrase: the money leaves the resident.
        (
            "withdraw cash and hand it to our officer",
            &[Police, Courier, Cash],
        ),
        ("what is the sort-code and account number", &[BankDetails]),
        ("the officers' names are on their warrant cards", &[Police]),
        ("move your money to a safe account", &[Cash]),
        ("buy gift cards or gold bars", &[Cash]),
        ("a taxi will come to your house", &[Courier]),
        // A bank's fraud team is not the police (tests/eval/README.md).
        ("I'm calling from your bank's fraud team", &[]),
        ("I'm calling from the metropolitan police", &[Police]),
        ("read me the long number on your debit card", &[BankDetails]),
        ("we're going to the bank holiday fair", &[]),
        ("I walked along the river bank", &[]),
        ("I'm reading a detective novel", &[]),
        ("she loves a good detective story", &[]),
        ("there was a police car outside", &[]),
        ("police cars everywhere this morning", &[]),
        ("pass me the rolling pin", &[]),
        ("thank you for the birthday card", &[]),
        ("I forgot which cash machine it was", &[]),
        ("the weather is lovely today", &[]),
    ];
    for (text, expected) in cases {
        assert_eq!(heard(text), expected.to_vec(), "{text:?}");
    }
}

#[test]
fn normalising_folds_case_punctuation_plurals_and_possessives() {
    assert_eq!(normalise("PIN's"), ["pin"]);
    assert_eq!(normalise("Officers,"), ["officer"]);
    assert_eq!(normalise("taxis"), ["taxi"]);
    assert_eq!(normalise("address bus"), ["address", "bus"]);
    assert_eq!(normalise("sort-code"), ["sort", "code"]);
    assert!(normalise(" ...!? ").is_empty());
}

#[test]
fn an_exclusion_suppresses_only_matches_inside_it() {
    let mut cfg = TaggerConfig::default();
    cfg.phrases.push(PhraseConfig::new("bank-details", "bank"));
    let mut call = Call::new(&cfg);
    call.say(Resident, 0, "see you on the bank holiday");
    assert!(call.kinds().is_empty());
    call.say(Resident, 5_000, "then I went to the bank");
    assert_eq!(call.kinds(), [BankDetails]);
    // A police car excluded; a police officer in the same breath is not.
    assert_eq!(
        heard("a police car and a police officer came"),
        [Police],
        "police officer still tags"
    );
}

#[test]
fn confidence_and_speaker_limits() {
    let mut call = Call::new(&TaggerConfig::default());
    let mut low = words(0, "fraud squad");
    low[1].confidence = 40;
    call.tagger.heard(Caller, &low);
    assert!(
        call.tagger.tags().is_empty(),
        "a word below 50 does not match"
    );

    let cfg = TaggerConfig {
        phrases: vec![PhraseConfig {
            min_confidence: Some(95),
            speaker: Some(Caller),
            ..PhraseConfig::new("police", "detective")
        }],
        ..TaggerConfig::default()
    };
    let mut call = Call::new(&cfg);
    call.say(Caller, 0, "detective")
        .say(Resident, 2_000, "detective");
    assert!(call.tagger.tags().is_empty(), "90 < 95");
    let mut sure = words(4_000, "detective");
    sure[0].confidence = 200; // taken as 100
    call.tagger.heard(Resident, &sure);
    assert!(call.tagger.tags().is_empty(), "caller-only phrase");
    call.tagger.heard(Caller, &sure);
    assert_eq!(call.tag(Police).map(|t| t.confidence), Some(100));
}

#[test]
fn a_phrase_joins_two_utterances_only_across_a_short_pause() {
    // "fraud" ends at 0.7 s; "squad" starts 1.2 s later, then 1.5 s later.
    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "the fraud")
        .say(Caller, 1_900, "squad here");
    let tag = call.tag(Police).expect("joined");
    assert_eq!(tag.at, ms(400));
    assert_eq!(tag.evidence, "caller said \"fraud squad\"");

    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "the fraud")
        .say(Caller, 2_200, "squad here");
    assert!(call.tagger.tags().is_empty(), "1.5 s is too long a pause");

    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "the fraud")
        .say(Resident, 1_000, "squad");
    assert!(call.tagger.tags().is_empty(), "not across speakers");
}

#[test]
fn each_tag_once_first_evidence_wins() {
    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "detective")
        .say(Caller, 5_000, "police officer");
    call.tagger.add(call.start, Police, "again");
    let tagged: Vec<&Tag> = call
        .out
        .iter()
        .filter_map(|o| match o {
            TagOutput::Tagged(t) => Some(t),
            TagOutput::Risk(_) => None,
        })
        .collect();
    assert_eq!(
        tagged,
        [&Tag {
            kind: Police,
            at: Duration::ZERO,
            evidence: "caller said \"detective\"".into(),
            confidence: 90,
        }]
    );
    assert_eq!(call.tagger.tags().len(), 1);
}
