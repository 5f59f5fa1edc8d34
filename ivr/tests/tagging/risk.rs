//! Risk: tags counting together only within the window, the risk rules,
//! and scripted scam calls all high while everyday calls stay low.

use crate::common::Call;
use ivr::{Risk, RiskRule, Speaker, TagKind, TaggerConfig};
use Speaker::{Caller, Resident};
use TagKind::{BankDetails, Cash, Courier, PinKeyed, Police, SuspiciousCli};

#[test]
fn tags_count_together_only_within_the_window() {
    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "detective")
        .say(Caller, 120_000, "your bank card");
    assert_eq!(call.kinds(), [Police, BankDetails]);
    assert_eq!(call.tagger.risk(), Risk::Low, "two minutes apart");
    call.say(Caller, 170_000, "this is detective sergeant jones");
    assert_eq!(call.tagger.risk(), Risk::High, "50 s after the bank card");
    assert_eq!(call.risks(), [Risk::Low, Risk::High]);
}

#[test]
fn several_phrases_for_one_tag_within_the_window_are_medium() {
    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "detective")
        .say(Caller, 20_000, "detective")
        .say(Caller, 40_000, "detective");
    assert_eq!(call.tagger.risk(), Risk::Low, "one phrase, repeated");
    call.say(Caller, 45_000, "constable")
        .say(Caller, 50_000, "fraud squad");
    assert_eq!(call.tagger.risk(), Risk::Medium);
}

#[test]
fn risk_rules_table() {
    let cases: &[(&[TagKind], Risk)] = &[
        (&[], Risk::None),
        (&[SuspiciousCli], Risk::Low),
        (&[Police], Risk::Low),
        (&[Cash], Risk::Low),
        (&[BankDetails], Risk::Low),
        // Any two different fraud tags are high, and so is a spoofed
        // number with any speech tag: on the evaluation corpus every
        // scam had one of these and no everyday call did.
        (&[Courier, Cash], Risk::High),
        (&[SuspiciousCli, Courier], Risk::High),
        (&[Police, BankDetails], Risk::High),
        (&[Police, Courier], Risk::High),
        (&[Police, Cash], Risk::High),
        (&[BankDetails, Courier], Risk::High),
        (&[BankDetails, Cash], Risk::High),
        (&[PinKeyed], Risk::High),
    ];
    for (kinds, expected) in cases {
        let mut call = Call::new(&TaggerConfig::default());
        for &kind in *kinds {
            call.tagger.add(call.start, kind, "from outside");
        }
        assert_eq!(call.tagger.risk(), *expected, "{kinds:?}");
    }
    // A custom rule with `any`.
    let cfg = TaggerConfig {
        rules: vec![RiskRule::new(&["courier"], &["police", "cash"], Risk::High)],
        ..TaggerConfig::default()
    };
    let mut call = Call::new(&cfg);
    call.tagger.add(call.start, Courier, "");
    assert_eq!(call.tagger.risk(), Risk::None);
    call.tagger.add(call.start, Cash, "");
    assert_eq!(call.tagger.risk(), Risk::High);
}

/// Each script: (speaker, offset in ms, words).
type Script = &'static [(Speaker, u64, &'static str)];

fn run(script: Script) -> Call {
    let mut call = Call::new(&TaggerConfig::default());
    for &(speaker, at, text) in script {
        call.say(speaker, at, text);
    }
    call
}

#[test]
fn every_scam_call_is_high() {
    let scams: &[Script] = &[
        &[
            (
                Caller,
                0,
                "hello this is detective constable smith from the fraud squad",
            ),
            (Caller, 6_000, "we have arrested a man with your bank card"),
            (Resident, 12_000, "oh my goodness"),
            (Caller, 15_000, "we need to confirm your pin"),
        ],
        &[
            (Caller, 0, "I am calling from the metropolitan police"),
            (
                Caller,
                20_000,
                "a courier will collect your card this afternoon",
            ),
        ],
        &[
            (Caller, 0, "this is the fraud department at your bank"),
            (Caller, 5_000, "read me your sort code"),
            (Caller, 9_000, "we will move your savings to a safe account"),
        ],
        &[(
            Caller,
            0,
            "you need to withdraw cash and hand it to our officer",
        )],
        &[
            (
                Caller,
                0,
                "your money is not safe I'm from the bank's fraud team",
            ),
            (Caller, 6_000, "read me the long number on your debit card"),
            (Caller, 30_000, "you must move it to a safe account today"),
        ],
        &[
            (
                Caller,
                0,
                "this is sergeant jones a police officer at scotland yard",
            ),
            (Caller, 40_000, "we need you to buy gift cards"),
        ],
        &[
            (Caller, 0, "a taxi will come to your house"),
            (Caller, 8_000, "put your bank cards in an envelope"),
        ],
        &[
            (Caller, 0, "this is the fraud"),
            (Caller, 1_800, "squad calling"),
            (Caller, 10_000, "please give us your sort code"),
        ],
    ];
    for script in scams {
        assert_eq!(run(script).tagger.risk(), Risk::High, "{script:?}");
    }
    // Bank details asked for, then a PIN keyed.
    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, "this is your bank please key in your pin now")
        .keys(Resident, 6_000, 500, "2580#");
    assert_eq!(call.tagger.risk(), Risk::High);
}

#[test]
fn everyday_calls_stay_low() {
    let everyday: &[Script] = &[
        &[
            (
                Resident,
                0,
                "we're going to the bank holiday fair on monday",
            ),
            (Caller, 3_000, "lovely is the weather going to be nice"),
        ],
        &[(Resident, 0, "I walked along the river bank with the dog")],
        &[
            (Resident, 0, "I'm reading a detective novel it's very good"),
            (Caller, 4_000, "which detective story is it"),
        ],
        &[
            (Resident, 0, "there was a police car outside number twelve"),
            (Caller, 4_000, "oh dear I hope everyone is alright"),
        ],
        &[
            (Resident, 0, "I'll get a taxi to the station on friday"),
            (Caller, 4_000, "do you want me to collect you instead"),
        ],
        &[(
            Resident,
            0,
            "thank you for your birthday card and the flowers",
        )],
        &[(
            Caller,
            0,
            "the surgery called they want you to come in on tuesday",
        )],
        &[(Resident, 0, "I paid the window cleaner in cash")],
        &[(
            Caller,
            0,
            "my grandson is a police officer now he's so proud",
        )],
        &[(
            Resident,
            0,
            "I forgot my pin at the cash machine so I went inside",
        )],
        &[(Resident, 0, "the taxi driver wanted paying in cash")],
    ];
    let mut medium = 0;
    for script in everyday {
        let risk = run(script).tagger.risk();
        assert!(risk < Risk::High, "{script:?}");
        medium += usize::from(risk >= Risk::Medium);
    }
    assert!(medium * 10 <= everyday.len(), "{medium} medium or above");
}
