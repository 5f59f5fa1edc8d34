//! Publishing landed writes to the console's live feed.

use std::time::{Duration, UNIX_EPOCH};

use crate::console::live::{self, Change};
use crate::store::testdb::{Backend, TestDb};
use crate::store::{CallKey, NewCall, StoreHandle, TagDetail};

fn every_landed_write_is_published_with_the_row_id_and_line(backend: Backend) {
    let dir = TestDb::new(backend);
    let tx = live::channel();
    let mut rx = tx.subscribe();
    let handle = StoreHandle::spawn_publishing(dir.open().expect("open"), Some(tx));
    let key = CallKey::new("pub@test");
    let at = UNIX_EPOCH + Duration::from_secs(1_000);
    handle.call_started(
        &key,
        NewCall {
            call_id: "pub@test".into(),
            line: "flat-1".into(),
            caller: "5550100".into(),
            called: "100".into(),
            started_at: at,
        },
    );
    handle.set_caller_name(&key, "<b>Bank</b>");
    handle.set_outcome(&key, "passed");
    handle.add_tag_detail(
        &key,
        TagDetail {
            tag: "police".into(),
            at_ms: 1500,
            evidence: "this is the police".into(),
            confidence: 80,
        },
    );
    handle.raise_risk(&key, super::reasons::because("high"));
    handle.call_ended(&key, at, "caller hung up");
    // A write for an unknown call lands nowhere and publishes nothing.
    handle.set_outcome(&CallKey::new("never@test"), "passed");
    handle.shutdown();
    let mut got = Vec::new();
    while let Ok(e) = rx.try_recv() {
        assert_eq!((e.id, e.line.as_str()), (1, "flat-1"));
        got.push(e.change);
    }
    assert_eq!(
        got.iter().map(Change::kind).collect::<Vec<_>>(),
        ["started", "caller_name", "state", "tag", "risk", "ended"]
    );
    assert_eq!(
        got[3],
        Change::Tag {
            tag: "police".into(),
            at_ms: Some(1500),
            evidence: Some("this is the police".into())
        }
    );
    // The risk comes with the rule that raised it, as the table shows it.
    assert_eq!(
        got[4],
        Change::Risk {
            risk: "high".into(),
            why: "all of police + bank-details".into()
        }
    );
}

crate::store::testdb::both_backends!(every_landed_write_is_published_with_the_row_id_and_line,);
