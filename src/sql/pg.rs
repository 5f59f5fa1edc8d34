//! The PostgreSQL backend: a blocking `postgres::Client` (it runs its own
//! small runtime, so it is used only from plain threads and blocking
//! tasks, never from the async runtime's workers), statements prepared
//! once per connection, and [`Value`]s sent as the type each parameter
//! needs and read back from the column's type. A connection the server
//! closed (a restart, a network failure) is opened again at the next
//! statement, so a write kept back for it lands once the server is back;
//! never inside a transaction, whose earlier statements went with the old
//! connection: that fails until the transaction is ended.
//!
//! Does not own: the statements' text (callers write SQLite's dialect
//! where the two agree; `dialect` numbers the placeholders).

use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashMap;
use std::error::Error as StdError;

use bytes::{BufMut, BytesMut};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};

use super::dialect::to_postgres;
use super::error::{connection_lost, Error};
use super::value::{Row, Value};

/// Prepared statements kept per connection; past this the cache starts
/// over (the statements are a fixed set, so this is rarely reached).
const MAX_CACHED: usize = 512;

/// One connection to a PostgreSQL server.
pub(super) struct PgConn {
    url: String,
    /// `None` only while being dropped.
    client: RefCell<Option<Client>>,
    cache: RefCell<HashMap<String, Statement>>,
    /// Between a `BEGIN` and its `COMMIT` or `ROLLBACK`.
    in_transaction: Cell<bool>,
    /// A statement failed because the connection did: open it again.
    broken: Cell<bool>,
}

impl PgConn {
    /// Connects to `url` (`postgres://user:password@host:port/db`, or
    /// key=value pairs; a `host` that is a directory is a Unix socket).
    pub(super) fn connect(url: &str) -> Result<PgConn, Error> {
        Ok(PgConn {
            url: url.to_owned(),
            client: RefCell::new(Some(open(url)?)),
            cache: RefCell::new(HashMap::new()),
            in_transaction: Cell::new(false),
            broken: Cell::new(false),
        })
    }

    fn client(&self) -> Result<RefMut<'_, Client>, Error> {
        RefMut::filter_map(self.client.borrow_mut(), Option::as_mut).map_err(|_| Error::Closed)
    }

    /// Opens the connection again if the server closed it (its prepared
    /// statements went with it).
    fn reconnect_if_closed(&self) -> Result<(), Error> {
        let lost = self.broken.get() || self.client()?.is_closed();
        if self.in_transaction.get() || !lost {
            return Ok(());
        }
        let client = open(&self.url)?;
        *self.client()? = client;
        self.cache.borrow_mut().clear();
        self.broken.set(false);
        Ok(())
    }

    /// `result`, noting a failure of the connection itself.
    fn noting<T>(&self, result: Result<T, postgres::Error>) -> Result<T, Error> {
        result.map_err(|err| {
            if connection_lost(&err) {
                self.broken.set(true);
            }
            Error::from(err)
        })
    }

    fn statement(&self, sql: &str) -> Result<Statement, Error> {
        self.reconnect_if_closed()?;
        if let Some(statement) = self.cache.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.noting(self.client()?.prepare(&to_postgres(sql)))?;
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub(super) fn execute(&self, sql: &str, values: &[Value]) -> Result<usize, Error> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let n = self.noting(self.client()?.execute(&statement, &params))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub(super) fn query(&self, sql: &str, values: &[Value]) -> Result<Vec<Row>, Error> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let rows = self.noting(self.client()?.query(&statement, &params))?;
        rows.iter()
            .map(|row| {
                let values = (0..row.len())
                    .map(|i| column(row, i))
                    .collect::<Result<_, _>>()?;
                Ok(Row { values })
            })
            .collect()
    }

    /// Runs `sql`, which may hold several statements and no parameters.
    pub(super) fn batch(&self, sql: &str) -> Result<(), Error> {
        let first = sql.split_whitespace().next().unwrap_or("");
        if first.eq_ignore_ascii_case("COMMIT") || first.eq_ignore_ascii_case("ROLLBACK") {
            // The transaction is over whatever the outcome.
            let result = self.noting(self.client()?.batch_execute(sql));
            self.in_transaction.set(false);
            return result;
        }
        self.reconnect_if_closed()?;
        self.noting(self.client()?.batch_execute(sql))?;
        if first.eq_ignore_ascii_case("BEGIN") {
            self.in_transaction.set(true);
        }
        Ok(())
    }
}

/// Closing a connection blocks on the client's own runtime, which must not
/// happen on the async runtime's worker threads (a console connection is
/// dropped there at shutdown): there it closes on a thread of its own.
impl Drop for PgConn {
    fn drop(&mut self) {
        let Some(client) = self.client.get_mut().take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let closing = std::thread::Builder::new()
                .name("pg-close".to_owned())
                .spawn(move || drop(client));
            if let Err(err) = closing {
                tracing::warn!(%err, "cannot close a PostgreSQL connection cleanly");
            }
        } else {
            drop(client);
        }
    }
}

/// A new connection to `url`, telling only warnings and errors (not the
/// notices of `CREATE TABLE IF NOT EXISTS`).
fn open(url: &str) -> Result<Client, Error> {
    let mut client = Client::connect(url, NoTls)?;
    client.batch_execute("SET client_min_messages = warning")?;
    Ok(client)
}

/// Column `i` of `row` as a [`Value`], by the column's type.
fn column(row: &postgres::Row, i: usize) -> Result<Value, Error> {
    let ty = row.columns()[i].type_().clone();
    let value = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Integer),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Integer(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Integer(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map(|v| Value::Integer(v.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)?
            .map(|v| Value::Real(v.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        }
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
        other => {
            return Err(Error::Column {
                index: i,
                why: format!("cannot read PostgreSQL type {other}"),
            })
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => integer(*i, ty, out),
            Value::Real(f) => match *ty {
                #[allow(clippy::cast_possible_truncation)]
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => f.to_sql(ty, out),
            },
            Value::Text(s) => match *ty {
                // jsonb's binary form: a version byte, then the text.
                Type::JSONB => {
                    out.put_u8(1);
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::JSON => {
                    out.put_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => s.as_str().to_sql(ty, out),
            },
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// An integer parameter as the parameter's type.
fn integer(i: i64, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    match *ty {
        Type::INT8 => i.to_sql(ty, out),
        Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
        Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
        Type::BOOL => (i != 0).to_sql(ty, out),
        #[allow(clippy::cast_precision_loss)]
        Type::FLOAT8 => (i as f64).to_sql(ty, out),
        Type::TEXT | Type::VARCHAR => i.to_string().as_str().to_sql(ty, out),
        _ => Err(format!("cannot send an integer as PostgreSQL type {ty}").into()),
    }
}
