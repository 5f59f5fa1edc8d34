//! The store's SQL layer: one [`Connection`] type over SQLite (rusqlite)
//! or PostgreSQL (the blocking `postgres` client), shaped like the part of
//! rusqlite's API the project uses, so the call log, the console and the
//! alert queue run their statements on either.
//!
//! Owns: connections, values and rows ([`Value`], [`Row`]), errors and
//! which are transient ([`Error`]), and the dialect with its placeholder
//! translation. Does not own: where the store is, the schema or the
//! statements (`crate::store`, `crate::console`, `crate::serve::alerts`).

mod connection;
mod dialect;
mod error;
mod pg;
mod redact;
mod sqlite;
mod value;

#[cfg(test)]
pub mod testpg;
#[cfg(test)]
mod tests;

pub use connection::{params_from_iter, Connection};
pub use dialect::Dialect;
pub use error::{Error, OptionalExtension};
pub use redact::redacted;
#[cfg(test)]
pub use value::FromValue;
pub use value::{Row, ToValue, Value};

/// Statement parameters of mixed types, as rusqlite's `params!`.
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::sql::ToValue]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::sql::ToValue),+] as &[&dyn $crate::sql::ToValue]
    };
}
pub(crate) use params;
