//! The connection on both backends: values round trip, placeholders and
//! transactions; on PostgreSQL a connection the server closed is opened
//! again, but never silently inside a transaction.

use super::{params, Connection, Dialect, OptionalExtension, Value};

fn sqlite() -> Connection {
    Connection::from(rusqlite::Connection::open_in_memory().expect("opens"))
}

fn postgres() -> Connection {
    Connection::postgres(&super::testpg::fresh_database()).expect("connects")
}

fn round_trip(conn: &Connection) {
    let blob = match conn.dialect() {
        Dialect::Sqlite => "BLOB",
        Dialect::Postgres => "BYTEA",
    };
    let real = match conn.dialect() {
        Dialect::Sqlite => "REAL",
        Dialect::Postgres => "DOUBLE PRECISION",
    };
    conn.execute_batch(&format!(
        "CREATE TABLE t (i BIGINT, s TEXT, r {real}, b {blob}, n BIGINT)"
    ))
    .expect("create");
    let no_text: Option<&str> = None;
    let changed = conn
        .execute(
            "INSERT INTO t (i, s, r, b, n) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                i64::MIN,
                "it's ?1 \"quoted\"",
                2.5f64,
                vec![0u8, 255],
                no_text
            ],
        )
        .expect("insert");
    assert_eq!(changed, 1);
    let row = conn
        .query_row("SELECT i, s, r, b, n, i < ? FROM t", [0], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, f64>(2)?,
                row.get::<_, Vec<u8>>(3)?,
                row.get::<_, Option<i64>>(4)?,
                row.get::<_, bool>(5)?,
            ))
        })
        .expect("select");
    assert_eq!(
        row,
        (
            i64::MIN,
            "it's ?1 \"quoted\"".to_owned(),
            2.5,
            vec![0, 255],
            None,
            true
        )
    );
    let none = conn
        .query_row("SELECT i FROM t WHERE s = ?1", ["other"], |r| {
            r.get::<_, i64>(0)
        })
        .optional()
        .expect("no row is not an error");
    assert_eq!(none, None);
    let err = conn
        .query_row("SELECT s FROM t", [], |r| r.get::<_, i64>(0))
        .expect_err("text is not an integer");
    assert!(err.to_string().contains("expected an integer"), "{err}");
    assert_eq!(
        conn.query_row("SELECT n FROM t", [], |r| r.get::<_, Value>(0))
            .expect("null"),
        Value::Null
    );
}

fn transactions(conn: &Connection) {
    conn.execute_batch("CREATE TABLE u (x BIGINT)")
        .expect("create");
    {
        let tx = conn.transaction().expect("begin");
        tx.execute("INSERT INTO u (x) VALUES (?1)", [1])
            .expect("insert");
        // Dropped without commit: rolled back.
    }
    let tx = conn.transaction().expect("begin");
    tx.execute("INSERT INTO u (x) VALUES (?1)", [2])
        .expect("insert");
    tx.commit().expect("commit");
    let xs = conn
        .prepare("SELECT x FROM u ORDER BY x")
        .expect("prepare")
        .query_map([], |r| r.get::<_, i64>(0))
        .expect("query")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    assert_eq!(xs, [2]);
}

#[test]
fn values_round_trip_on_sqlite() {
    round_trip(&sqlite());
    transactions(&sqlite());
}

#[test]
fn values_round_trip_on_postgres() {
    round_trip(&postgres());
    transactions(&postgres());
}

/// Ends `conn`'s server process from another connection.
fn kill(url: &str, conn: &Connection) {
    let pid: i64 = conn
        .query_row("SELECT pg_backend_pid()::bigint", [], |r| r.get(0))
        .expect("pid");
    let other = Connection::postgres(url).expect("connects");
    other
        .execute("SELECT pg_terminate_backend(?1::int)", [pid])
        .expect("terminate");
}

#[test]
fn a_closed_connection_is_opened_again_but_not_inside_a_transaction() {
    let url = super::testpg::fresh_database();
    let conn = Connection::postgres(&url).expect("connects");
    conn.execute_batch("CREATE TABLE v (x BIGINT)")
        .expect("create");
    kill(&url, &conn);
    // The first statement may learn that the server went away; it is a
    // failure worth trying again.
    if let Err(err) = conn.execute("INSERT INTO v (x) VALUES (1)", []) {
        assert!(err.is_transient(), "{err}");
        conn.execute("INSERT INTO v (x) VALUES (1)", [])
            .expect("reconnected");
    }

    let tx = conn.transaction().expect("begin");
    tx.execute("INSERT INTO v (x) VALUES (2)", [])
        .expect("insert");
    kill(&url, &tx);
    for _ in 0..2 {
        let err = tx
            .execute("INSERT INTO v (x) VALUES (3)", [])
            .expect_err("no new connection inside the transaction");
        assert!(err.is_transient(), "{err}");
    }
    assert!(tx.commit().is_err(), "the transaction is lost");
    let xs: Vec<i64> = conn
        .prepare("SELECT x FROM v ORDER BY x")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("reconnected after the transaction")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(xs, [1], "nothing of the lost transaction landed");
}

/// The console's connections are dropped on the async runtime at
/// shutdown: that must not block on the client's own runtime (a panic).
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_connection_is_dropped_on_the_async_runtime_without_panicking() {
    let conn = tokio::task::spawn_blocking(postgres)
        .await
        .expect("connects");
    drop(conn);
}

/// A parameter PostgreSQL cannot take is the statement's fault, not the
/// connection's: not worth trying again (the call log's writer would hold
/// every later write back behind it).
#[test]
fn a_parameter_that_cannot_be_sent_is_not_transient() {
    let conn = postgres();
    conn.execute_batch("CREATE TABLE w (x INTEGER)")
        .expect("create");
    let err = conn
        .execute("INSERT INTO w (x) VALUES (?1)", [i64::MAX])
        .expect_err("too big for INTEGER");
    assert!(!err.is_transient(), "{err}");
    conn.execute("INSERT INTO w (x) VALUES (?1)", [7])
        .expect("the connection is fine");
}
