//! The running lines as the console sees and changes them
//! ([`ServiceLines`], the service's side of
//! `console::lines::live::LiveLines`): the snapshot calls start with, the
//! configuration file's own lines (locked while a reload or a console
//! change runs, so they never race), and publishing a changed
//! configuration the way a reload does.
//!
//! Holds the shared state weakly, so the console never keeps the call log
//! open past shutdown. Does not own: reading the file (`reload`), merging
//! or checking lines (`crate::console::lines`).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tracing::info;

use crate::config::{Config, LineConfig};
use crate::console::lines::live::LiveLines;
use crate::serve::shared::Shared;

/// Swaps a checked configuration in for new calls; how many lines run.
pub type SwapIn = fn(&Shared, Config) -> anyhow::Result<usize>;

/// The service's lines for the console and for reloads.
pub struct ServiceLines {
    shared: Weak<Shared>,
    file: Mutex<Vec<LineConfig>>,
    swap_in: SwapIn,
}

impl ServiceLines {
    /// For `shared`, whose configuration file defines `file`; changes are
    /// published with `swap_in` (the reload's).
    pub fn new(shared: &Arc<Shared>, file: Vec<LineConfig>, swap_in: SwapIn) -> Arc<ServiceLines> {
        Arc::new(ServiceLines {
            shared: Arc::downgrade(shared),
            file: Mutex::new(file),
            swap_in,
        })
    }
}

impl ServiceLines {
    /// Swaps `config` (already checked) in for new calls, as a reload
    /// does; how many lines run. Logging is the caller's.
    pub fn swap(&self, config: Config) -> anyhow::Result<usize> {
        let shared = self
            .shared
            .upgrade()
            .ok_or_else(|| anyhow::anyhow!("the service is stopping"))?;
        (self.swap_in)(&shared, config)
    }
}

impl LiveLines for ServiceLines {
    fn running(&self) -> Config {
        match self.shared.upgrade() {
            Some(shared) => shared.lines().config.clone(),
            // Shutting down: no lines run any more.
            None => Config {
                lines: Vec::new(),
                ..Config::default_config()
            },
        }
    }

    fn file_lines(&self) -> MutexGuard<'_, Vec<LineConfig>> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish(&self, config: Config) -> anyhow::Result<()> {
        let count = self.swap(config)?;
        info!(
            lines = count,
            "lines changed from the console; calls in progress keep theirs"
        );
        Ok(())
    }
}
