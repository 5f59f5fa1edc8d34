//! Where the store is ([`Location`]): the SQLite file `calls.sqlite` in the
//! data directory (the default), or a PostgreSQL server (`[store] url`).
//! Shown without any password.
//!
//! Does not own: reading the configuration (`crate::config`) or opening
//! the store (`db`).

use std::fmt;
use std::path::{Path, PathBuf};

use super::types::DB_FILE;
use crate::sql::redacted;

/// Where the store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `calls.sqlite` in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (`postgres://…` or `key=value …`).
    Postgres(String),
}

impl Location {
    /// The store the configuration names: `[store] url` if given, else
    /// the SQLite file in `data_dir`.
    pub fn new(data_dir: &Path, url: Option<&str>) -> Location {
        match url {
            Some(url) => Location::Postgres(url.to_owned()),
            None => Location::Sqlite(data_dir.to_path_buf()),
        }
    }

    /// The location of the configuration's store.
    pub fn of(config: &crate::config::Config) -> Location {
        Location::new(&config.service.data_dir, config.store.url.as_deref())
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(dir) => write!(f, "{}", dir.join(DB_FILE).display()),
            Location::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}
