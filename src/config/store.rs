//! `[store]`: where the call log, the console's tables and the alert
//! queue are kept: SQLite's `calls.sqlite` in the data directory (the
//! default, no `url`), or the PostgreSQL database `url` names. Recordings
//! stay in the data directory either way.
//!
//! Does not own: opening the store (`crate::store::Location`).

use serde::{Deserialize, Serialize};

use crate::config::toml_key::{problem, KeyPath, Problem};

/// `[store]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// A PostgreSQL connection string: `postgres://user:password@host:port/db`
    /// (or `postgresql://…`, or `key=value` pairs such as `host=/run/postgresql
    /// dbname=linewarden`). `None`: SQLite in `data_dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl StoreConfig {
    /// True when the store is the default SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.url.is_none()
    }
}

/// Checks `[store] url` reads as a PostgreSQL connection string that
/// names a host (TLS is not supported: a `sslmode` that requires it is
/// refused).
pub(super) fn validate_store(store: &StoreConfig, path: KeyPath) -> Result<(), Problem> {
    let Some(url) = &store.url else {
        return Ok(());
    };
    let path = path.key("url");
    let url_form = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !url_form && !url.contains('=') {
        return problem(
            path,
            "expected a PostgreSQL connection string such as \"postgres://linewarden@db.example/linewarden\"",
        );
    }
    let config: postgres::Config = match url.parse() {
        Ok(config) => config,
        Err(e) => {
            return problem(
                path,
                format!(
                    "not a PostgreSQL connection string: {}",
                    crate::sql::redacted(&e.to_string())
                ),
            )
        }
    };
    if config.get_hosts().is_empty() {
        return problem(path, "names no host (give host=… or postgres://HOST/…)");
    }
    if config.get_ssl_mode() == postgres::config::SslMode::Require {
        return problem(
            path,
            "sslmode=require is not supported: connect over a Unix socket or a private network",
        );
    }
    Ok(())
}
