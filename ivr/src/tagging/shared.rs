//! A tagging configuration compiled once and shared by every call's
//! [`Tagger`](super::Tagger).
//!
//! Owns: pairing a [`TaggerConfig`] with its compiled phrase and exclusion
//! lists, behind one reference count, so starting a call's tagger copies
//! no list and compiles nothing. Does not own: what the lists mean
//! (`matcher`, `risk`) or when a configuration changes (the shell builds a
//! new one per configuration it loads).

use std::sync::Arc;

use super::config::TaggerConfig;
use super::matcher::Phrases;

/// A [`TaggerConfig`] with its phrases compiled; clones share both.
#[derive(Clone, Debug)]
pub struct SharedTaggerConfig {
    config: Arc<TaggerConfig>,
    pub(super) phrases: Arc<Phrases>,
}

impl SharedTaggerConfig {
    /// Compiles `config`'s phrase lists (bad entries are skipped, as
    /// [`Tagger::new`](super::Tagger::new) does).
    pub fn new(config: TaggerConfig) -> Self {
        let phrases = Arc::new(Phrases::new(&config));
        SharedTaggerConfig {
            config: Arc::new(config),
            phrases,
        }
    }

    /// The configuration compiled.
    pub fn config(&self) -> &TaggerConfig {
        &self.config
    }
}

impl Default for SharedTaggerConfig {
    fn default() -> Self {
        Self::new(TaggerConfig::default())
    }
}

impl PartialEq for SharedTaggerConfig {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
    }
}
