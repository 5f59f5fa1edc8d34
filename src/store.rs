//! The call log: one row per call, in `calls.sqlite` in the data directory
//! or in the PostgreSQL database `[store] url` names ([`Location`]).
//!
//! Owns: the database and its schema (a `schema_version` table, in
//! `schema`, and a plain ordered list of migrations for both dialects, in
//! `migrations`), writing call rows ([`Store`]), with why each rise in
//! risk happened ([`RiskReason`], in `reasons`), a writer thread so the
//! async runtime never waits on the database
//! ([`StoreHandle`], fed fire-and-forget messages keyed by [`CallKey`]),
//! reading the log back, and printing it for people or programs
//! ([`print_calls`]). Times are stored as RFC 3339 UTC text with
//! milliseconds and as unix milliseconds.
//!
//! Does not own: deciding what a call's outcome, policy decision, tags (and
//! their details), risk (and its reasons), bridge outcome, answering
//! phone, who hung up or end reason are (callers pass them as text, e.g.
//! `ivr::Outcome::as_str()`, `ivr::Decision::as_str()`,
//! `ivr::Decision::tag()`, `ivr::Risk::as_str()`,
//! `ivr::BridgeOutcome::as_str()`), the recording files
//! themselves (see `recording`), or where the data directory is (see
//! `config`).
//!
//! Crash safety (SQLite; PostgreSQL commits each write the same way): the
//! database runs in WAL mode with `synchronous = FULL`
//! and every write is a single statement (its own transaction; a tag, or a
//! tag's details together with its name, or a risk with its reason, is
//! appended to the JSON arrays by the database in that statement), so a
//! crash or SIGKILL loses at most the messages still queued, never the
//! file, and never leaves `tags` and `tag_details`, or `risk` and
//! `risk_reasons`, disagreeing.

mod bridge;
mod db;
mod handle;
mod json_sql;
pub mod latency;
mod location;
mod migrations;
mod msg;
mod print;
mod publish;
mod query;
mod reasons;
mod registrations;
mod schema;
mod tags;
mod types;
mod writer;

#[cfg(test)]
pub mod testdb;
#[cfg(test)]
mod tests;

pub use crate::time::{rfc3339_millis, unix_millis};
pub use db::Store;
pub use handle::StoreHandle;
pub use location::Location;
pub use msg::CallKey;
pub use print::print_calls;
pub use query::CallFilter;
#[cfg(test)]
pub(crate) use types::DB_FILE;
pub use types::{NewCall, RiskReason, StoreError, TagDetail};
