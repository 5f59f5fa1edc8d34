//! The alert's idempotency key, added by migration 18: alerts queued
//! before it get `alert-<id>`, the key the delivery thread sends for a
//! row without one, so a node on the new version sends the same key for
//! them as any other.

use super::super::schema::{migrate_with, MIGRATIONS};
use crate::sql::params;
use crate::store::testdb::{Backend, TestDb};

fn alerts_queued_before_get_a_key_from_their_id(backend: Backend) {
    let dir = TestDb::new(backend);
    let conn = dir.raw();
    migrate_with(&conn, "test", &MIGRATIONS[..17]).expect("version 17");
    for call in ["one@example.org", "two@example.org"] {
        conn.execute(
            "INSERT INTO alerts (call_id, url, payload, created_at_ms, next_attempt_at_ms)
             VALUES (?1, 'http://hook.example/', '{}', 0, 0)",
            params![call],
        )
        .expect("queued");
    }
    drop(conn);
    let conn = dir.open().expect("migrates").into_connection();
    let rows: Vec<(i64, String)> = conn
        .query("SELECT id, alert_key FROM alerts ORDER BY id", [])
        .expect("rows")
        .iter()
        .map(|r| (r.get(0).expect("id"), r.get(1).expect("key")))
        .collect();
    assert_eq!(rows.len(), 2);
    for (id, key) in rows {
        assert_eq!(key, format!("alert-{id}"));
    }
}

crate::store::testdb::both_backends!(alerts_queued_before_get_a_key_from_their_id);
