//! Seeded random input: never a panic, each tag once, and risk only rising.

use std::time::{Duration, Instant};

use crate::common::ms;
use ivr::{
    HeardWord, Risk, RiskReason, Speaker, TagEvent, TagKind, TagOutput, Tagger, TaggerConfig,
};
use Speaker::{Caller, Resident};
use TagKind::PinKeyed;

/// Words the random calls are made of, '|'-separated (some empty or odd).
const VOCABULARY: &str = "police|officer|officers'|detective|novel|fraud|squad|bank|holiday|\
    river|your|pin|PIN's|sort|code|card|number|account|courier|taxi|collect|safe|withdraw|in|\
    cash|gift|cards|gold|car|the|a||!!|ß|日本|fraud-squad|  |'s|s'";

#[test]
fn random_input_never_panics_tags_once_and_risk_only_rises() {
    let vocabulary: Vec<&str> = VOCABULARY.split('|').collect();
    let mut rng = fastrand::Rng::with_seed(0x7a66);
    let (mut pins, mut highs) = (0, 0);
    for round in 0..3000 {
        let mut cfg = TaggerConfig::default();
        if round % 7 == 0 {
            cfg.window = ms(rng.u64(0..200_000));
            cfg.join_gap = ms(rng.u64(0..5_000));
            cfg.digit_timeout = ms(rng.u64(0..5_000));
            cfg.pin_min_digits = rng.usize(0..8);
            cfg.pin_max_digits = rng.usize(0..20);
            cfg.phrases_for_medium = rng.usize(0..4);
        }
        let start = Instant::now();
        let mut tagger = Tagger::new(&cfg, start);
        let mut now = ms(0);
        let mut outputs = Vec::new();
        for _ in 0..rng.usize(1..40) {
            now += ms(rng.u64(0..6_000));
            let at = start + now;
            if rng.bool() {
                tagger.handle_timeout(at);
            }
            let event = match rng.u8(0..10) {
                0..=4 => TagEvent::Heard {
                    speaker: if rng.bool() { Caller } else { Resident },
                    words: (0..rng.usize(0..12))
                        .map(|_| {
                            let w = vocabulary[rng.usize(..vocabulary.len())];
                            let s = now.saturating_sub(ms(rng.u64(0..3_000)));
                            HeardWord::new(w, s, s + ms(rng.u64(0..800)), rng.u8(..))
                        })
                        .collect(),
                },
                5..=8 => TagEvent::Key {
                    by: if rng.u8(0..4) == 0 { Caller } else { Resident },
                    key: ['0', '4', '9', '#', '*', 'A', 'x'][rng.usize(0..7)],
                },
                _ if rng.u8(0..20) == 0 => TagEvent::Ended,
                _ => TagEvent::Add {
                    kind: TagKind::ALL[rng.usize(..TagKind::ALL.len())],
                    evidence: "outside".into(),
                },
            };
            tagger.handle_event(at, event);
            outputs.extend(std::iter::from_fn(|| tagger.poll_output()));
        }
        tagger.handle_timeout(start + now + Duration::from_secs(7200));
        outputs.extend(std::iter::from_fn(|| tagger.poll_output()));

        let mut seen = Vec::new();
        let mut risk = Risk::None;
        for o in &outputs {
            match o {
                TagOutput::Tagged(t) => {
                    assert!(!seen.contains(&t.kind), "round {round}: {t:?} twice");
                    assert!(t.confidence <= 100);
                    seen.push(t.kind);
                }
                TagOutput::Risk(r) => {
                    assert!(r.risk > risk, "round {round}: {risk} then {}", r.risk);
                    risk = r.risk;
                }
            }
        }
        assert_eq!(risk, tagger.risk());
        // Each rise comes out with the reason the tagger keeps for it.
        let explained: Vec<&RiskReason> = outputs
            .iter()
            .filter_map(|o| match o {
                TagOutput::Risk(r) => Some(r),
                TagOutput::Tagged(_) => None,
            })
            .collect();
        assert!(
            explained.iter().copied().eq(tagger.reasons()),
            "round {round}"
        );
        assert_eq!(seen.len(), tagger.tags().len());
        assert_eq!(tagger.poll_timeout(), None, "round {round}");
        pins += usize::from(tagger.has(PinKeyed));
        highs += usize::from(risk == Risk::High);
    }
    // The input reaches the interesting states, not only the quiet ones.
    assert!(pins > 30 && highs > 300, "{pins} PINs, {highs} high");
}
