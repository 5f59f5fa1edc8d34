//! The service's side of the lines, as the console sees it
//! ([`LiveLines`]): the configuration running now (file and stored lines
//! merged), the file's own lines, and publishing a new configuration for
//! the calls that start after it. The service implements it on its shared
//! state; the console never reaches into the service.
//!
//! Does not own: merging or checking lines (`merge`), storing them
//! (`stored`), or building the snapshot (the service's line set).

use std::sync::MutexGuard;

use crate::config::{Config, LineConfig};

/// The running lines and how to change them.
pub trait LiveLines: Send + Sync {
    /// The configuration the calls starting now get (file and stored
    /// lines merged); it follows reloads and published changes.
    fn running(&self) -> Config;

    /// The lines the configuration file defines, locked: while the guard
    /// is held no reload or other change can run, so a change reads the
    /// stored lines, checks and publishes without racing one.
    fn file_lines(&self) -> MutexGuard<'_, Vec<LineConfig>>;

    /// Makes `config` (already checked) the running one for new calls;
    /// calls in progress keep theirs.
    fn publish(&self, config: Config) -> anyhow::Result<()>;
}
