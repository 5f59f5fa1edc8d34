//! The request model tags only what is asked for or claimed
//! (`TaggerConfig::tag_requests_only`): a request's phrase is tagged, when
//! it was said, even when the cue comes after it; a claim to be the police
//! is the police tag; a mention ("the new bank card came", "a police car
//! outside") is not tagged but still counts in the rules, and police or
//! bank talk before a PIN keyed still makes it `pin-keyed`. On a virtual
//! clock; every script here is made up.
//!
//! Does not own: the risk of requests and claims (`tagging_requests.rs`)
//! or the tagging of mentions by default (`tagging/`).

use std::time::{Duration, Instant};

use ivr::{HeardWord, Risk, Speaker, TagEvent, TagKind, Tagger, TaggerConfig};
use Speaker::{Caller, Resident};

/// Runs `script` (speaker, offset in ms, words; 400 ms a word) through the
/// request model.
fn run(script: &[(Speaker, u64, &str)]) -> (Tagger, Instant) {
    let start = Instant::now();
    let mut tagger = Tagger::new(&TaggerConfig::requests(), start);
    for &(speaker, at, text) in script {
        let words = text
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| {
                let from = Duration::from_millis(at + 400 * i as u64);
                HeardWord::new(w, from, from + Duration::from_millis(300), 90)
            })
            .collect();
        let now = start + Duration::from_millis(at);
        tagger.handle_event(now, TagEvent::Heard { speaker, words });
    }
    (tagger, start)
}

/// The resident keys four digits from 5 s, 300 ms apart; the run times
/// out by 10 s.
fn key_four_digits(tagger: &mut Tagger, start: Instant) {
    for (i, key) in "4921".chars().enumerate() {
        let at = start + Duration::from_millis(5_000 + 300 * i as u64);
        tagger.key(at, Resident, key);
    }
    tagger.handle_timeout(start + Duration::from_secs(10));
}

fn kinds(tagger: &Tagger) -> Vec<TagKind> {
    let mut kinds: Vec<TagKind> = tagger.tags().iter().map(|t| t.kind).collect();
    kinds.sort();
    kinds
}

#[test]
fn mentions_are_not_tagged_but_still_count_in_the_rules() {
    assert!(TaggerConfig::requests().tag_requests_only);
    assert!(!TaggerConfig::default().tag_requests_only);
    let (tagger, _) = run(&[
        (Caller, 0, "the new bank card came this morning"),
        (Caller, 4_000, "there was a police car outside"),
        (Caller, 8_000, "the courier left a parcel"),
    ]);
    assert_eq!(kinds(&tagger), []);
    // The rules still heard them: the risk rose, and says on what.
    assert_eq!(tagger.risk(), Risk::Low);
    let evidence = &tagger.reasons()[0].evidence;
    assert!(
        evidence.iter().any(|e| e.contains("bank card")),
        "{evidence:?}"
    );
}

#[test]
fn what_is_asked_for_is_tagged_when_it_was_said() {
    let (tagger, _) = run(&[(Caller, 0, "please read out your sort code")]);
    assert_eq!(kinds(&tagger), [TagKind::BankDetails]);
    assert!(tagger.tags()[0].evidence.contains("sort code"));
    // The mention first, the cue after it: tagged at the mention.
    let (tagger, _) = run(&[
        (Caller, 2_000, "your sort code"),
        (Caller, 4_000, "read it out"),
    ]);
    assert_eq!(kinds(&tagger), [TagKind::BankDetails]);
    assert_eq!(tagger.tags()[0].at, Duration::from_millis(2_400));
    assert_eq!(tagger.risk(), Risk::High);
    // Not the other party's cue.
    let (tagger, _) = run(&[(Resident, 0, "tell me"), (Caller, 1_000, "the sort code")]);
    assert_eq!(kinds(&tagger), []);
}

#[test]
fn a_claim_is_the_police_tag_and_tags_what_it_pairs_with() {
    let (tagger, _) = run(&[(Caller, 0, "this is detective sergeant hale")]);
    assert_eq!(kinds(&tagger), [TagKind::Police]);
    assert!(tagger.tags()[0].evidence.contains("is detective"));
    let (tagger, _) = run(&[
        (Caller, 0, "this is detective sergeant hale"),
        (Caller, 10_000, "we need to check your bank card"),
    ]);
    assert_eq!(kinds(&tagger), [TagKind::Police, TagKind::BankDetails]);
    assert_eq!(tagger.risk(), Risk::High);
}

#[test]
fn a_pin_keyed_after_untagged_bank_talk_is_still_pin_keyed() {
    let (mut tagger, start) = run(&[(Caller, 0, "the new bank card came")]);
    assert_eq!(kinds(&tagger), []);
    key_four_digits(&mut tagger, start);
    assert_eq!(kinds(&tagger), [TagKind::PinKeyed]);
    // Keys with no police or bank talk before them are not a PIN.
    let (mut tagger, start) = run(&[(Caller, 0, "lovely weather today")]);
    key_four_digits(&mut tagger, start);
    assert_eq!(kinds(&tagger), []);
}
