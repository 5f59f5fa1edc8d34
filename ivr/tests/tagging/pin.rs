//! `pin-keyed`: a PIN keyed after a police claim tagged with its count
//! only, digit runs that are not a PIN, words recognised during a run, no
//! keyed digit kept anywhere, and the end of the call ending a run.

use std::time::Instant;

use crate::common::{ms, words, Call};
use ivr::{Risk, Speaker, TagEvent, TagKind, Tagger, TaggerConfig};
use Speaker::{Caller, Resident};
use TagKind::{PinKeyed, Police, SuspiciousCli};

fn police_call() -> Call {
    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "this is detective sergeant jones");
    call
}

#[test]
fn a_pin_keyed_after_police_is_tagged_with_the_count_only() {
    let mut call = police_call();
    call.keys(Resident, 10_000, 700, "9051#");
    let tag = call.tag(PinKeyed).expect("tagged");
    assert_eq!(tag.evidence, "4 digits keyed by the resident");
    assert_eq!((tag.at, tag.confidence), (ms(10_000), 100));
    assert_eq!(call.tagger.risk(), Risk::High);
    assert_eq!(call.tagger.poll_timeout(), None);

    // Ended by the timeout instead of '#': the deadline is 3 s after the
    // last digit, and nothing happens before it.
    let mut call = police_call();
    call.keys(Resident, 10_000, 2_900, "905123");
    let deadline = call.start + ms(10_000 + 5 * 2_900 + 3_000);
    assert_eq!(call.tagger.poll_timeout(), Some(deadline));
    call.tagger.handle_timeout(deadline - ms(1));
    assert!(!call.tagger.has(PinKeyed));
    call.tagger.handle_timeout(deadline);
    assert_eq!(
        call.tag(PinKeyed).map(|t| t.evidence.as_str()),
        Some("6 digits keyed by the resident")
    );
}

#[test]
fn digit_runs_that_are_not_a_pin_are_not_tagged() {
    let cases: &[(&str, u64, u64, Speaker)] = &[
        ("9051#", 10_000, 700, Caller),      // keyed by the caller
        ("905#", 10_000, 700, Resident),     // 3 digits
        ("9051234#", 10_000, 700, Resident), // 7 digits
        ("90*51#", 10_000, 700, Resident),   // '*' splits it into 2 + 2
        ("9051#", 10_000, 3_000, Resident),  // each gap reaches the timeout
    ];
    for &(keys, at, gap, by) in cases {
        let mut call = police_call();
        call.keys(by, at, gap, keys).advance(60_000);
        assert!(
            !call.tagger.has(PinKeyed),
            "{keys:?} every {gap} ms by {by}"
        );
    }
    // Keyed before any police or bank talk.
    let mut call = Call::new(&TaggerConfig::default());
    call.keys(Resident, 0, 500, "9051#")
        .say(Caller, 5_000, "this is the police")
        .advance(60_000);
    assert!(!call.tagger.has(PinKeyed));
}

#[test]
fn a_run_counts_if_the_words_were_said_before_it_even_if_recognised_during_it() {
    let mut call = Call::new(&TaggerConfig::default());
    call.keys(Resident, 3_000, 500, "90");
    // "your pin" said from 0.4 s, recognised late, while the resident keys.
    call.say(Caller, 0, "key your pin")
        .keys(Resident, 4_000, 500, "51");
    call.advance(60_000);
    assert!(call.tagger.has(PinKeyed));

    // The same words said after the keying began do not count.
    let mut call = Call::new(&TaggerConfig::default());
    call.keys(Resident, 3_000, 500, "90")
        .say(Caller, 3_500, "key your pin")
        .keys(Resident, 4_000, 500, "51");
    call.advance(60_000);
    assert!(!call.tagger.has(PinKeyed));
}

#[test]
fn no_keyed_digit_is_kept_anywhere() {
    let run = |pin: &str| {
        let start = Instant::now();
        let mut tagger = Tagger::new(&TaggerConfig::default(), start);
        tagger.heard(Caller, &words(0, "we need your pin"));
        for (i, key) in pin.chars().enumerate() {
            tagger.key(start + ms(5_000 + 400 * i as u64), Resident, key);
            let mid_run = format!("{tagger:?}");
            assert!(!mid_run.contains(&format!("'{key}'")), "{mid_run}");
        }
        let mid_run = format!("{tagger:?}");
        tagger.handle_timeout(start + ms(60_000));
        (tagger, mid_run)
    };
    let (a, a_mid) = run("9051");
    let (b, b_mid) = run("2867");
    let strip = |s: &str| s.split_once("phrases").map(|(_, rest)| rest.to_owned());
    assert_eq!(
        strip(&a_mid),
        strip(&b_mid),
        "state must not depend on the digits"
    );
    assert_eq!(strip(&format!("{a:?}")), strip(&format!("{b:?}")));
    for tagger in [&a, &b] {
        assert!(tagger.has(PinKeyed));
        for tag in tagger.tags() {
            assert!(!tag.evidence.contains("9051") && !tag.evidence.contains("2867"));
        }
    }
}

#[test]
fn the_end_of_the_call_ends_a_run_and_everything_after() {
    let mut call = police_call();
    call.keys(Resident, 5_000, 500, "9051");
    call.tagger
        .handle_event(call.start + ms(7_000), TagEvent::Ended);
    assert!(call.tagger.has(PinKeyed) && call.tagger.is_ended());
    assert_eq!(call.tagger.poll_timeout(), None);
    call.say(Caller, 8_000, "withdraw cash");
    call.tagger.add(call.start, SuspiciousCli, "late");
    assert_eq!(call.kinds(), [Police, PinKeyed]);
}
