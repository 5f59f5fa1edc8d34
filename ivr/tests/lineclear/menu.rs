//! The offer and its menu: the verified entries and what the call
//! mentioned, each key dialling exactly its configured entry, keys with no
//! number, no key at all, and the feature code.

use std::time::Instant;

use crate::common::{at_the_menu, dial};
use crate::lineclear_support::{confirmed, ms, numbers, secs, Sim};
use ivr::lineclear::AllowReason;
use ivr::{
    CallbackAction, CallbackEvent, CallbackPrompt, CallbackResult, Destination, LegId, Mentioned,
    OutboundConfig, OutboundDecision, OutboundPolicy, Trigger,
};

use CallbackAction::{Bridge, ByeFar, ByePhone, Finished, RingPhones, Unbridge};
use CallbackEvent::{Dtmf, FarAnswered, FarGone, LegEnded, PhoneAnswered, PhoneGone, PhoneHungUp};

#[test]
fn the_offer_lists_the_verified_menu_and_says_what_the_call_mentioned() {
    let s = at_the_menu();
    let (_, prompt) = s.last_prompt();
    let menu = s.menu();
    assert_eq!(
        prompt,
        CallbackPrompt::Offer {
            mentioned: Mentioned::Both,
            menu: menu.clone()
        }
    );
    let keys: Vec<(char, usize)> = menu.iter().map(|m| (m.key, m.entry)).collect();
    assert_eq!(keys, vec![('1', 0), ('2', 1), ('3', 2), ('4', 3)]);
    let offer = CallbackPrompt::Offer {
        mentioned: Mentioned::Police,
        menu: menu[..2].to_vec(),
    };
    assert_eq!(
        offer.to_string(),
        "This is your call guard. The last call mentioned the police. Police and banks never \
         ask for your PIN. The line is now clear. Press 1 for the police on one-zero-one. \
         Press 2 for your bank through one-five-nine. Or hang up."
    );
    assert_eq!(s.deadline(), Some(secs(28)), "8 s for a key");
}

#[test]
fn pressing_1_or_2_dials_exactly_the_configured_entry() {
    for (key, number) in [('1', "101"), ('2', "159"), ('3', "0800 123 4567")] {
        let mut s = at_the_menu();
        s.send(secs(22), Dtmf(key));
        let dials = s.dials();
        assert_eq!(dials.len(), 1);
        let (at, entry) = dials[0];
        assert_eq!(at, secs(22));
        assert_eq!(
            s.numbers.get(entry).map(|e| e.number.as_str()),
            Some(number)
        );
        let tail = s.since(secs(22));
        assert!(matches!(
            &tail[0].1,
            CallbackAction::Play {
                prompt: CallbackPrompt::Connecting,
                ..
            }
        ));
        assert_eq!(tail[1].1, dial(entry));
        assert_eq!(
            s.cb.proof().dialled.map(|d| (d.entry, d.at)),
            Some((entry, s.start + secs(22))),
            "the log names the entry"
        );
        // Keys after the choice dial nothing more.
        s.send(secs(23), Dtmf('1'));
        s.send(secs(24), Dtmf('2'));
        assert_eq!(s.dials().len(), 1);
    }
    // The normalized number is what the runtime dials.
    assert_eq!(numbers().normalized(2), Some("+448001234567"));
}

#[test]
fn a_key_with_no_verified_number_dials_nothing() {
    let mut s = at_the_menu();
    s.send(secs(21), Dtmf('7'));
    let menu = s.menu();
    assert_eq!(s.last_prompt().1, CallbackPrompt::Menu { menu });
    s.prompt_done(secs(30));
    s.send(secs(31), Dtmf('#'));
    assert_eq!(s.last_prompt().1, CallbackPrompt::Goodbye);
    s.send(secs(32), Dtmf('1')); // too late: goodbye is playing
    s.prompt_done(secs(33));
    s.send(ms(33_100), PhoneGone { phone: 0 });
    assert_eq!(s.dials(), vec![]);
    let tail = s.since(secs(33));
    assert_eq!(tail, vec![(secs(33), ByePhone(0)), (ms(33_100), Finished)]);
    assert_eq!(s.cb.result(), Some(CallbackResult::NoChoice));
}

#[test]
fn no_key_repeats_the_menu_once_then_says_goodbye_and_hangs_up() {
    let mut s = at_the_menu();
    s.run_to(secs(28));
    assert!(matches!(s.last_prompt().1, CallbackPrompt::Menu { .. }));
    assert_eq!(s.deadline(), Some(secs(28 + 45)), "the prompt guard");
    s.prompt_done(secs(40));
    s.run_to(secs(48));
    assert_eq!(s.last_prompt().1, CallbackPrompt::Goodbye);
    // Goodbye's PromptFinished never comes: the guard hangs up.
    s.run();
    assert_eq!(
        s.since(secs(49)),
        vec![(secs(93), ByePhone(0)), (secs(97), Finished)]
    );
    assert_eq!(s.dials(), vec![]);
}

#[test]
fn feature_code_clears_rings_the_resident_and_offers_the_menu() {
    let numbers = numbers();
    let mut policy = OutboundPolicy::new(OutboundConfig::default());
    let t0 = Instant::now();
    let decision = policy.decide(t0, true, "sip:*55@linewarden.local", &numbers);
    assert_eq!(
        decision,
        OutboundDecision::Allowed {
            to: Destination::FeatureCode,
            reason: AllowReason::FeatureCode
        }
    );
    assert!(policy.is_feature_code("%2A55"));
    assert!(!policy.is_feature_code("*56"));

    let mut s = Sim::new(Trigger::FeatureCode, &[confirmed(3)]);
    s.send(secs(1), LegEnded(LegId(3)));
    assert_eq!(s.when(&RingPhones), Some(secs(1)));
    s.send(secs(3), PhoneAnswered { phone: 0 });
    let menu = s.menu();
    assert_eq!(s.last_prompt().1, CallbackPrompt::Menu { menu });
    s.send(secs(5), Dtmf('1'));
    s.send(secs(9), FarAnswered);
    assert_eq!(s.when(&Bridge), Some(secs(9)));
    assert!(s.cb.is_bridged());
    assert_eq!(
        s.deadline(),
        None,
        "a connected call lasts as long as they talk"
    );
    s.send(secs(300), PhoneHungUp { phone: 0 });
    s.send(ms(300_050), FarGone);
    let tail = vec![
        (secs(300), Unbridge),
        (secs(300), ByeFar),
        (ms(300_050), Finished),
    ];
    assert_eq!(s.since(secs(10)), tail);
    assert_eq!(s.cb.result(), Some(CallbackResult::Connected { entry: 0 }));
}
