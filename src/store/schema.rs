//! The store's schema: a `schema_version` table and applying the plain
//! ordered list of migrations (`migrations.rs`, each written for SQLite
//! and for PostgreSQL) in one transaction when the store is opened.
//!
//! Does not own: the migrations themselves (`migrations.rs`).

use crate::sql::{Connection, Dialect, OptionalExtension};

pub(crate) use super::migrations::{Migration, MIGRATIONS};
use super::types::StoreError;

/// Brings the schema up to date in one immediate transaction, so two
/// processes opening a new log at once cannot both migrate it.
pub(super) fn migrate(conn: &Connection, at: &str) -> Result<(), StoreError> {
    migrate_with(conn, at, MIGRATIONS)
}

/// A key of PostgreSQL's advisory locks, held while migrating so two
/// processes starting at once migrate one after the other.
const MIGRATION_LOCK: i64 = 0x6c69_6e65_7761_7264;

/// [`migrate`] with the list of migrations given (tests build a log at an
/// older version with a prefix of [`MIGRATIONS`]). `at` names the store
/// in errors.
pub(crate) fn migrate_with(
    conn: &Connection,
    at: &str,
    migrations: &[Migration],
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let integer = match conn.dialect() {
        Dialect::Sqlite => "INTEGER",
        Dialect::Postgres => {
            tx.execute("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK])?;
            "BIGINT"
        }
    };
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS schema_version (version {integer} NOT NULL)"
    ))?;
    let current: Option<i64> = tx
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .optional()?
        .flatten();
    let current = current.unwrap_or(0);
    let applied = usize::try_from(current).unwrap_or(usize::MAX);
    if applied > migrations.len() {
        return Err(StoreError::TooNew {
            at: at.to_owned(),
            found: current,
            known: migrations.len(),
        });
    }
    for (index, migration) in migrations.iter().enumerate().skip(applied) {
        tx.execute_batch(migration.sql(conn.dialect()))?;
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )?;
    }
    tx.commit()?;
    Ok(())
}
