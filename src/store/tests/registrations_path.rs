//! A registered phone's Path in the store (migration 15): kept with its
//! binding and read back in order; and the live bindings read by nodes
//! sharing the store, which leave lapsed rows alone.

use sip::registrar::{Binding, BindingChange};

use super::super::schema::{migrate_with, MIGRATIONS};
use crate::store::testdb::{Backend, TestDb};

fn binding(contact: &str, path: &[&str], expires_at: u64) -> Binding {
    Binding {
        user: "kitchen".into(),
        contact: contact.into(),
        source: "192.0.2.1:5060".parse().expect("addr"),
        path: path.iter().map(|p| p.to_string()).collect(),
        call_id: "reg-1".into(),
        cseq: 2,
        expires_at,
    }
}

fn the_path_is_kept_in_order_and_live_bindings_are_read_only(backend: Backend) {
    let dir = TestDb::new(backend);
    let proxy = "<sip:192.0.2.1:5060;lr;received=sip:10.0.0.7:5062>";
    let edge = "<sip:edge.example.net;lr>";
    let along = binding("sip:kitchen@10.0.0.7:5062", &[proxy, edge], 2_000);
    let direct = binding("sip:kitchen@192.0.2.9:5062", &[], 1_000);
    {
        let store = dir.open().expect("open");
        for b in [&along, &direct] {
            store
                .binding_changed(&BindingChange::Set(b.clone()))
                .expect("set");
        }
    }
    let store = dir.open().expect("reopen");
    assert_eq!(
        store.live_bindings(500).expect("live"),
        vec![along.clone(), direct.clone()]
    );
    assert_eq!(
        store.live_bindings(1_500).expect("live"),
        vec![along.clone()]
    );
    // Reading the live ones deletes nothing: start-up's load still finds
    // (and then deletes) the lapsed one.
    assert_eq!(store.load_bindings(500).expect("load").len(), 2);
    // Refreshed without a path: the path is gone.
    let refreshed = binding("sip:kitchen@10.0.0.7:5062", &[], 3_000);
    store
        .binding_changed(&BindingChange::Set(refreshed.clone()))
        .expect("refresh");
    assert_eq!(store.live_bindings(2_500).expect("live"), vec![refreshed]);
}

fn bindings_from_before_the_path_column_have_none(backend: Backend) {
    let dir = TestDb::new(backend);
    let conn = dir.raw();
    migrate_with(&conn, "test", &MIGRATIONS[..13]).expect("version 13");
    conn.execute(
        "INSERT INTO registrations (\"user\", contact, source, call_id, cseq, expires_at)
         VALUES ('kitchen', 'sip:kitchen@192.0.2.9', '192.0.2.9:5060', 'c', 1, 900)",
        [],
    )
    .expect("insert");
    drop(conn);
    let store = dir.open().expect("migrates");
    let kept = store.load_bindings(100).expect("load");
    assert_eq!(kept.len(), 1);
    assert!(kept[0].path.is_empty());
}

crate::store::testdb::both_backends!(
    the_path_is_kept_in_order_and_live_bindings_are_read_only,
    bindings_from_before_the_path_column_have_none,
);
