//! Clearing the line: the callback starting only once every leg has ended
//! (even one ignoring BYE), all legs ending clearing it at once, 481 for
//! cleared dialogs, and the line-clear machine on its own.

use std::time::Instant;

use crate::common::{cleared, legs, line_clear, started, RISKY};
use crate::lineclear_support::{confirmed, early, line, ms, secs, Sim, FRAUDSTER, RINGING};
use ivr::{
    CallbackAction, CallbackEvent, ClearAction, ClearEvent, Clearance, ClearedHow, LegId,
    LineClear, Trigger,
};

use CallbackAction::RingPhones;
use CallbackEvent::LegEnded;
use ClearAction::{Abandon, Bye, Cancel, Cleared, RejectNew};

#[test]
fn callback_starts_only_after_every_leg_has_ended_even_one_ignoring_bye() {
    let mut s = Sim::new(RISKY, &legs());
    assert_eq!(
        s.trace,
        vec![
            (secs(0), line(Bye(FRAUDSTER))),
            (secs(0), line(Cancel(RINGING)))
        ]
    );
    assert_eq!(s.deadline(), Some(secs(4)), "teardown is bounded");
    s.send(ms(500), LegEnded(RINGING));
    s.send(secs(1), LegEnded(LegId(99))); // never on the line: ignored
    assert_eq!(s.count(&RingPhones), 0);
    s.run_to(secs(10));
    let expected = vec![
        (ms(500), cleared(&s, RINGING, ms(500), ClearedHow::Ended)),
        (secs(4), line(Abandon(FRAUDSTER))),
        (
            secs(4),
            cleared(&s, FRAUDSTER, secs(4), ClearedHow::TimedOut),
        ),
        (secs(4), line_clear(&s, secs(4))),
        (secs(4), started(&s, secs(4), RISKY)),
        (secs(4), RingPhones),
    ];
    assert_eq!(s.since(ms(1)), expected);
    assert_eq!(s.deadline(), Some(secs(34)), "the resident rings 30 s");

    // The proof shows it: the callback started after every clearance.
    let report = s.cb.proof();
    assert_eq!(report.cleared.len(), 2);
    let last_clearance = report.cleared.iter().map(|c| c.at).max();
    assert!(report.line_clear_at >= last_clearance);
    assert!(report.started_at >= report.line_clear_at);
    assert_eq!(report.started_at, Some(s.start + secs(4)));
    assert_eq!(report.dialled, None);
}

#[test]
fn all_legs_ending_clears_the_line_at_once() {
    let mut s = Sim::new(Trigger::FeatureCode, &legs());
    s.send(ms(200), LegEnded(FRAUDSTER));
    s.send(ms(300), LegEnded(RINGING));
    assert_eq!(s.when(&RingPhones), Some(ms(300)));
    assert_eq!(s.cb.line().clear_at(), Some(s.start + ms(300)));
    // An empty line is clear at once.
    let s = Sim::new(Trigger::FeatureCode, &[]);
    assert_eq!(s.when(&RingPhones), Some(secs(0)));
}

#[test]
fn a_cleared_dialog_is_reported_cleared_and_a_late_end_is_ignored() {
    let mut s = Sim::new(RISKY, &legs());
    s.send(ms(500), LegEnded(RINGING));
    s.run_to(secs(5));
    // The fraudster's re-INVITE or BYE arrives now: the runtime asks, and
    // answers 481.
    assert!(s.cb.is_cleared(FRAUDSTER));
    assert!(s.cb.is_cleared(RINGING));
    assert!(!s.cb.is_cleared(LegId(99)));
    let before = s.trace.len();
    s.send(secs(5), LegEnded(FRAUDSTER));
    s.send(secs(5), LegEnded(RINGING));
    assert_eq!(s.trace.len(), before, "a late end changes nothing");
    let report = s.cb.proof();
    let fraudster = report.cleared.iter().find(|c| c.leg == FRAUDSTER);
    assert_eq!(fraudster.map(|c| c.how), Some(ClearedHow::TimedOut));
    assert_eq!(report.cleared.len(), 2);
}

#[test]
fn line_clear_machine_alone() {
    let t0 = Instant::now();
    let mut lc = LineClear::new(secs(4), &[confirmed(1), early(2), confirmed(1)], t0);
    let actions: Vec<_> = std::iter::from_fn(|| lc.poll_action()).collect();
    assert_eq!(
        actions,
        vec![Bye(LegId(1)), Cancel(LegId(2))],
        "once per leg"
    );
    lc.handle_event(t0 + secs(1), ClearEvent::NewLeg(LegId(3)));
    lc.handle_event(t0 + secs(1), ClearEvent::NewLeg(LegId(3)));
    lc.handle_event(t0 + secs(1), ClearEvent::NewLeg(LegId(1)));
    lc.handle_event(t0 + secs(2), ClearEvent::LegEnded(LegId(2)));
    lc.handle_event(t0 + secs(2), ClearEvent::LegEnded(LegId(3)));
    assert_eq!(lc.poll_timeout(), Some(t0 + secs(4)));
    // A runtime firing its timer late still gets the records in order.
    lc.handle_event(t0 + secs(9), ClearEvent::LegEnded(LegId(1)));
    let actions: Vec<_> = std::iter::from_fn(|| lc.poll_action()).collect();
    let at = |s, leg, how| {
        Cleared(Clearance {
            leg: LegId(leg),
            at: t0 + secs(s),
            how,
        })
    };
    let expected = vec![
        RejectNew(LegId(3)),
        at(2, 2, ClearedHow::Ended),
        Abandon(LegId(1)),
        at(4, 1, ClearedHow::TimedOut),
        ClearAction::LineClear { at: t0 + secs(4) },
    ];
    assert_eq!(actions, expected);
    assert_eq!(lc.rejected(), &[LegId(3)]);
    assert_eq!(lc.poll_timeout(), None);
    lc.handle_event(t0 + secs(10), ClearEvent::NewLeg(LegId(4)));
    assert_eq!(
        lc.poll_action(),
        Some(RejectNew(LegId(4))),
        "the line is held"
    );
}
