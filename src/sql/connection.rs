//! [`Connection`]: one connection to the store, SQLite or PostgreSQL, with
//! the part of rusqlite's API the project uses (`execute`, `query_row`,
//! `prepare`/`query_map`, `execute_batch`, transactions), rows read whole
//! into [`Row`]s.
//!
//! Does not own: where the store is or opening it with its settings
//! (`crate::store`), the schema, or any statement's text.

use super::dialect::Dialect;
use super::error::Error;
use super::pg::PgConn;
use super::value::{Params, Row, Value};

enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

/// A connection to the store. Like `rusqlite::Connection` it may move
/// between threads but is used by one at a time. Every method blocks: on
/// the async runtime use it from a blocking task.
pub struct Connection {
    backend: Backend,
}

impl From<rusqlite::Connection> for Connection {
    fn from(conn: rusqlite::Connection) -> Self {
        Connection {
            backend: Backend::Sqlite(conn),
        }
    }
}

impl Connection {
    /// Connects to the PostgreSQL server at `url`.
    pub fn postgres(url: &str) -> Result<Connection, Error> {
        Ok(Connection {
            backend: Backend::Postgres(Box::new(PgConn::connect(url)?)),
        })
    }

    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Whether no transaction is open.
    #[cfg(test)]
    pub fn is_autocommit(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(conn) => conn.is_autocommit(),
            // A statement outside a transaction runs in one of its own,
            // which has written nothing yet.
            Backend::Postgres(conn) => conn
                .query("SELECT (txid_current_if_assigned() IS NULL)::int", &[])
                .ok()
                .and_then(|rows| rows.first()?.get::<_, bool>(0).ok())
                .unwrap_or(false),
        }
    }

    /// Runs one statement; how many rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize, Error> {
        let values = params.into_values();
        match &self.backend {
            Backend::Sqlite(conn) => super::sqlite::execute(conn, sql, &values),
            Backend::Postgres(conn) => conn.execute(sql, &values),
        }
    }

    /// Runs statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> Result<(), Error> {
        match &self.backend {
            Backend::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Backend::Postgres(conn) => conn.batch(sql),
        }
    }

    /// Every row `sql` gives.
    pub fn query<P: Params>(&self, sql: &str, params: P) -> Result<Vec<Row>, Error> {
        let values = params.into_values();
        match &self.backend {
            Backend::Sqlite(conn) => super::sqlite::query(conn, sql, &values),
            Backend::Postgres(conn) => conn.query(sql, &values),
        }
    }

    /// The first row `sql` gives, through `f`; [`Error::NoRows`] when none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T, Error>
    where
        P: Params,
        F: FnOnce(&Row) -> Result<T, Error>,
    {
        let rows = self.query(sql, params)?;
        rows.first().map_or(Err(Error::NoRows), f)
    }

    /// A statement to run (prepared when first run; each backend keeps
    /// its prepared statements).
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>, Error> {
        Ok(Statement {
            conn: self,
            sql: sql.to_owned(),
        })
    }

    /// The same as [`Connection::prepare`] (both cache).
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>, Error> {
        self.prepare(sql)
    }

    /// Begins a transaction (SQLite: taking the write lock at once), rolled
    /// back when dropped uncommitted.
    pub fn transaction(&self) -> Result<Transaction<'_>, Error> {
        self.execute_batch(match self.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        })?;
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }

    /// The same as [`Connection::transaction`].
    pub fn unchecked_transaction(&self) -> Result<Transaction<'_>, Error> {
        self.transaction()
    }
}

/// A statement of a [`Connection`].
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    /// Every row, each through `f`.
    pub fn query_map<T, P, F>(
        &mut self,
        params: P,
        mut f: F,
    ) -> Result<std::vec::IntoIter<Result<T, Error>>, Error>
    where
        P: Params,
        F: FnMut(&Row) -> Result<T, Error>,
    {
        let rows = self.conn.query(&self.sql, params)?;
        Ok(rows.iter().map(&mut f).collect::<Vec<_>>().into_iter())
    }
}

/// An open transaction; derefs to its connection.
pub struct Transaction<'c> {
    conn: &'c Connection,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<(), Error> {
        self.done = true;
        self.conn.execute_batch("COMMIT")
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Parameters from an iterator of values.
pub fn params_from_iter<I>(iter: I) -> Vec<Value>
where
    I: IntoIterator,
    I::Item: super::value::ToValue,
{
    use super::value::ToValue;
    iter.into_iter().map(|v| v.to_value()).collect()
}
