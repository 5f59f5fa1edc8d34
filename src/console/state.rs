//! What every request shares ([`AppState`]): the call log's connections,
//! the data directory, the console's settings, the running lines (read
//! from and published to the service), the live events, the login
//! throttle and the first-admin setup code.
//!
//! Does not own: building the state or the routes (`console`), or any
//! request's work (the console's other modules).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use super::db::Db;
use super::lines::live::LiveLines;
use super::live::LiveSender;
use super::throttle::Throttle;
use crate::config::ConsoleConfig;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where the files the call log names (recordings) are kept.
    pub files_dir: Arc<PathBuf>,
    pub config: Arc<ConsoleConfig>,
    /// The service's lines: the running snapshot (it follows reloads and
    /// changes made here), and where changed lines are published.
    pub lines: Arc<dyn LiveLines>,
    pub live: LiveSender,
    pub throttle: Arc<Mutex<Throttle>>,
    /// The one-time code that creates the first admin, while no user exists.
    pub setup_code: Arc<Mutex<Option<String>>>,
    /// Cookies get `Secure` (the console serves HTTPS).
    pub secure: bool,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn throttle_lock(&self) -> MutexGuard<'_, Throttle> {
        locked(&self.throttle)
    }

    pub fn setup_code_lock(&self) -> MutexGuard<'_, Option<String>> {
        locked(&self.setup_code)
    }

    /// The names of the lines running now, in order.
    pub fn line_names(&self) -> Vec<String> {
        self.lines
            .running()
            .lines
            .iter()
            .map(|l| l.name.clone())
            .collect()
    }
}
