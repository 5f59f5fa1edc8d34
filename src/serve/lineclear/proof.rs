//! The clearing proof of a line-clear callback as the call log keeps it:
//! one line of text in the call's `callback` column.
//!
//! Owns: that text, written from `ivr::lineclear::ClearingProof` at the
//! store's edge — "callback started after the line was clear: true|false",
//! then each earlier call cleared ("leg N ended|timed_out|preempted after
//! M ms"), "line clear after M ms" and "dialled NUMBER", joined with "; ",
//! times counted from the start of clearing. Does not own: the proof
//! (`ivr::lineclear`) or the database (`crate::store`).

use ivr::lineclear::ClearingProof;

/// The proof as the call log's text.
pub(super) fn text(proof: &ClearingProof) -> String {
    let ms = |at| proof.since_began(at).as_millis();
    let mut parts = vec![format!(
        "callback started after the line was clear: {}",
        proof.started_after_clear()
    )];
    for c in &proof.cleared {
        let (leg, how) = (c.leg.0, c.how.as_str());
        parts.push(format!("leg {leg} {how} after {} ms", ms(c.at)));
    }
    if let Some(at) = proof.line_clear_at {
        parts.push(format!("line clear after {} ms", ms(at)));
    }
    if let Some(dialled) = &proof.dialled {
        parts.push(format!("dialled {}", dialled.number));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use ivr::lineclear::{Clearance, ClearedHow, Dialled, LegId};

    use super::*;

    #[test]
    fn the_call_log_text_lists_each_clearance_the_clear_line_and_the_number() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut proof = ClearingProof {
            began: t0,
            cleared: vec![
                Clearance {
                    leg: LegId(8),
                    at: at(500),
                    how: ClearedHow::Ended,
                },
                Clearance {
                    leg: LegId(7),
                    at: at(4000),
                    how: ClearedHow::TimedOut,
                },
            ],
            line_clear_at: Some(at(4000)),
            started_at: Some(at(4000)),
            dialled: Some(Dialled {
                entry: 0,
                number: "101".into(),
                at: at(22_000),
            }),
        };
        assert_eq!(
            text(&proof),
            "callback started after the line was clear: true; leg 8 ended after 500 ms; \
             leg 7 timed_out after 4000 ms; line clear after 4000 ms; dialled 101"
        );
        // The resident hung up while the line was clearing.
        proof.started_at = None;
        proof.dialled = None;
        proof.cleared.truncate(1);
        proof.cleared[0].how = ClearedHow::Preempted;
        proof.line_clear_at = Some(at(2000));
        assert_eq!(
            text(&proof),
            "callback started after the line was clear: false; leg 8 preempted after 500 ms; \
             line clear after 2000 ms"
        );
    }
}
