//! Tests only: a store on either backend ([`TestDb`]), so one test runs
//! on SQLite and on PostgreSQL ([`both_backends!`]):
//! a temporary data directory (recordings, and the SQLite file), and for
//! PostgreSQL a fresh database on the test binary's throwaway cluster.
//!
//! Does not own: the cluster (`crate::sql::testpg`).

use std::path::Path;

use super::location::Location;
use super::{Store, StoreError};
use crate::sql::Connection;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store for one test, and a data directory beside it.
pub struct TestDb {
    dir: tempfile::TempDir,
    location: Location,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = match backend {
            Backend::Sqlite => Location::Sqlite(dir.path().to_path_buf()),
            Backend::Postgres => Location::Postgres(crate::sql::testpg::fresh_database()),
        };
        TestDb { dir, location }
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Opens (migrating) the store.
    pub fn open(&self) -> Result<Store, StoreError> {
        Store::open_at(&self.location)
    }

    /// A connection to the store as it is, not migrated (to build a store
    /// as an older version left it).
    pub fn raw(&self) -> Connection {
        match &self.location {
            Location::Sqlite(dir) => {
                let path = dir.join(super::DB_FILE);
                Connection::from(rusqlite::Connection::open(path).expect("opens"))
            }
            Location::Postgres(url) => Connection::postgres(url).expect("connects"),
        }
    }
}

/// Runs each named `fn(Backend)` as two tests, `sqlite::NAME` and
/// `postgres::NAME`.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name($crate::store::testdb::Backend::Sqlite)
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name($crate::store::testdb::Backend::Postgres)
            })*
        }
    };
}
pub(crate) use both_backends;
