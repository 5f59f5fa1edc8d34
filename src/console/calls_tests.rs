use super::*;
use crate::store::testdb::{Backend, TestDb};
use crate::store::NewCall;

fn fill(db: &TestDb, n: i64) -> Connection {
    let store = db.open().expect("open");
    for i in 0..n {
        let started =
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_000 * (i / 2) as u64);
        let id = store
            .call_started(&NewCall {
                call_id: format!("c{i}"),
                line: if i % 3 == 0 { "a" } else { "b" }.to_owned(),
                caller: format!("555{}", i % 5),
                called: "100".to_owned(),
                started_at: started,
            })
            .expect("start");
        if i % 4 == 0 {
            store.set_outcome(id, "passed").expect("outcome");
            store.add_tag(id, "police").expect("tag");
        }
    }
    crate::console::db::open_conn(db.location()).expect("conn")
}

fn keyset_pages_cover_every_call_once_in_order(backend: Backend) {
    let dir = TestDb::new(backend);
    let conn = fill(&dir, 23);
    let mut filter = Filter {
        limit: Some(5),
        ..Filter::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = page(&conn, &filter, None).expect("query").expect("filter");
        seen.extend(page.calls.iter().map(|c| (c.started_at_ms, c.id)));
        match page.next_before {
            Some(cursor) => filter.before = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen.len(), 23);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(
        seen, sorted,
        "newest first, no repeats (equal start times included)"
    );
}

fn filters_and_scope_combine(backend: Backend) {
    let dir = TestDb::new(backend);
    let conn = fill(&dir, 24);
    let scope = vec!["a".to_owned()];
    let filter = Filter {
        tag: Some("police".to_owned()),
        ..Filter::default()
    };
    let page = page(&conn, &filter, Some(&scope))
        .expect("query")
        .expect("filter");
    // Calls 0, 12 (i % 3 == 0 and i % 4 == 0).
    assert_eq!(page.calls.len(), 2);
    assert!(page
        .calls
        .iter()
        .all(|c| c.line == "a" && c.tags == ["police"]));
    let none: Vec<String> = Vec::new();
    let page2 = super::page(&conn, &Filter::default(), Some(&none))
        .expect("q")
        .expect("f");
    assert!(page2.calls.is_empty(), "a user with no lines sees nothing");
    let bad = Filter {
        since: Some("yesterday".to_owned()),
        ..Filter::default()
    };
    assert!(super::page(&conn, &bad, None).expect("q").is_err());
    let since = Filter {
        since: Some("1970-01-01T00:00:10Z".to_owned()),
        ..Filter::default()
    };
    let page3 = super::page(&conn, &since, None).expect("q").expect("f");
    assert!(page3.calls.iter().all(|c| c.started_at_ms >= 10_000));
    assert_eq!(page3.calls.len(), 4);
}

#[test]
fn pages_use_an_index_for_the_order() {
    let dir = TestDb::new(Backend::Sqlite);
    let conn = fill(&dir, 3);
    for (filter, scope) in [
        (Filter::default(), None),
        (
            Filter {
                line: Some("a".into()),
                ..Filter::default()
            },
            None,
        ),
        (Filter::default(), Some(vec!["a".to_owned()])),
    ] {
        let (cond, values) = conditions(&filter, scope.as_deref(), Dialect::Sqlite).expect("conds");
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT id FROM calls WHERE {cond} ORDER BY started_at_ms DESC, id DESC LIMIT 51"
        );
        let mut stmt = conn.prepare(&sql).expect("prepare");
        let plan: Vec<String> = stmt
            .query_map(params_from_iter(values), |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows");
        let plan = plan.join("\n");
        assert!(plan.contains("INDEX"), "{plan}");
        if scope.is_none() {
            assert!(!plan.contains("TEMP B-TREE"), "sorted by an index: {plan}");
        }
    }
}

#[test]
fn why_is_the_last_rise_in_short() {
    let dir = TestDb::new(Backend::Sqlite);
    let conn = fill(&dir, 2);
    let store = dir.open().expect("open");
    let rise = |risk: &str, rule: &str| RiskReason {
        risk: risk.to_owned(),
        at_ms: 1_000,
        rule: rule.to_owned(),
        evidence: vec!["\"detective\" (police)".to_owned()],
    };
    let id = 1;
    assert_eq!(get(&conn, id).expect("read").expect("call").why, "");
    store
        .raise_risk(id, &rise("low", "rule any of police -> low"))
        .expect("low");
    store
        .raise_risk(
            id,
            &rise("high", "rule all of police + bank-details -> high"),
        )
        .expect("high");
    let call = get(&conn, id).expect("read").expect("call");
    assert_eq!(call.reasons.len(), 2);
    assert_eq!(
        call.why, "all of police + bank-details",
        "the last rise, short"
    );
    let json = serde_json::to_value(&call).expect("json");
    assert_eq!(json["why"], "all of police + bank-details");
}

crate::store::testdb::both_backends!(
    keyset_pages_cover_every_call_once_in_order,
    filters_and_scope_combine,
);
