//! The SQLite backend: [`Value`]s in and out of a `rusqlite::Connection`,
//! with its statement cache.
//!
//! Does not own: opening the file or its pragmas (the callers that know
//! where it is, `crate::store`).

use rusqlite::types::{Value as Lite, ValueRef};

use super::error::Error;
use super::value::{Row, Value};

fn lite(value: &Value) -> Lite {
    match value {
        Value::Null => Lite::Null,
        Value::Integer(i) => Lite::Integer(*i),
        Value::Real(f) => Lite::Real(*f),
        Value::Text(s) => Lite::Text(s.clone()),
        Value::Blob(b) => Lite::Blob(b.clone()),
    }
}

fn ours(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

pub(super) fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    values: &[Value],
) -> Result<usize, Error> {
    let mut statement = conn.prepare_cached(sql)?;
    Ok(statement.execute(rusqlite::params_from_iter(values.iter().map(lite)))?)
}

pub(super) fn query(
    conn: &rusqlite::Connection,
    sql: &str,
    values: &[Value],
) -> Result<Vec<Row>, Error> {
    let mut statement = conn.prepare_cached(sql)?;
    let n = statement.column_count();
    let mut rows = statement.query(rusqlite::params_from_iter(values.iter().map(lite)))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..n)
            .map(|i| row.get_ref(i).map(ours))
            .collect::<Result<_, _>>()?;
        out.push(Row { values });
    }
    Ok(out)
}
