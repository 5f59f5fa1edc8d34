//! `[store]`: where the call log, the console's tables and the alert
//! queue are kept: SQLite's `calls.sqlite` in the data directory (the
//! default, no `url`), or the PostgreSQL database `url` names; where the
//! files the call log names (recordings, voicemail) are kept
//! (`files_dir`, the data directory by default: one directory shared by
//! the nodes of a cluster); and how long a node's claim on an alert it
//! is sending lasts (`alert_claim_secs`).
//!
//! Does not own: opening the store (`crate::store::Location`), writing
//! recordings or delivering alerts (`crate::serve`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::toml_key::{problem, KeyPath, Problem};

/// How long a claim on an alert lasts unless `alert_claim_secs` says:
/// one attempt's 5 s timeout and 30 s to record its outcome.
pub const DEFAULT_ALERT_CLAIM_SECS: u64 = 35;

/// The shortest `alert_claim_secs`: one attempt's 5 s timeout and 5 s to
/// record its outcome (a shorter claim could expire while the attempt is
/// still going, and another node would send the alert again).
const MIN_ALERT_CLAIM_SECS: u64 = 10;

/// `[store]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// A PostgreSQL connection string: `postgres://user:password@host:port/db`
    /// (or `postgresql://…`, or `key=value` pairs such as `host=/run/postgresql
    /// dbname=linewarden`). `None`: SQLite in `data_dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The directory holding `recordings/` and `voicemail/`, which the call
    /// log names relative to it. `None`: `data_dir`. Nodes sharing a
    /// database give the same shared directory, so each node's console
    /// plays every node's recordings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files_dir: Option<PathBuf>,
    /// Seconds a node's claim on an alert it is sending lasts; when a node
    /// dies mid-send, another sends the alert again after this.
    pub alert_claim_secs: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: None,
            files_dir: None,
            alert_claim_secs: DEFAULT_ALERT_CLAIM_SECS,
        }
    }
}

impl StoreConfig {
    /// True when nothing is set: the table can be left out.
    pub fn is_default(&self) -> bool {
        *self == StoreConfig::default()
    }

    /// Where the files the call log names are kept: `files_dir`, else
    /// `data_dir`.
    pub fn files_dir(&self, data_dir: &Path) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| data_dir.to_path_buf())
    }
}

/// Checks `[store] url` reads as a PostgreSQL connection string that
/// names a host (TLS is not supported: a `sslmode` that requires it is
/// refused).
pub(super) fn validate_store(store: &StoreConfig, path: KeyPath) -> Result<(), Problem> {
    if store.alert_claim_secs < MIN_ALERT_CLAIM_SECS {
        return problem(
            path.key("alert_claim_secs"),
            format!(
                "must be at least {MIN_ALERT_CLAIM_SECS} (an attempt's 5 s timeout and time to record it), got {}",
                store.alert_claim_secs
            ),
        );
    }
    if store
        .files_dir
        .as_ref()
        .is_some_and(|dir| dir.as_os_str().is_empty())
    {
        return problem(path.key("files_dir"), "must not be empty");
    }
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
