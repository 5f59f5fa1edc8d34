//! The reloadable part of the configuration: the lines, their policies and
//! lists, the outbound rules and the tagger. One `LineSet` is a snapshot; a
//! call takes the current one when it starts and keeps it for its whole
//! life, so a reload (SIGHUP) changes only the calls that start after it.
//!
//! Does not own: reading the file or deciding what a reload may change
//! (`reload`), the service-level settings that need a restart (`Shared`).

use std::collections::HashMap;

use anyhow::Context;

use crate::config::Config;
use crate::policy::LinePolicies;
use crate::serve::lineclear::outbound::LineOutbound;

/// One snapshot of the lines and what is built from them.
pub struct LineSet {
    /// The configuration this snapshot was built from. Its `[service]`
    /// section is always the one the service started with.
    pub config: Config,
    pub policies: LinePolicies,
    /// Phrase lists and risk rules.
    pub tagger: ivr::tagging::SharedTaggerConfig,
    /// Each line's verified numbers and outbound rules.
    pub outbound: HashMap<String, LineOutbound>,
}

impl LineSet {
    /// Builds the snapshot for a validated `config`.
    pub fn build(config: Config) -> anyhow::Result<LineSet> {
        let policies = LinePolicies::new(&config).context("building the line policies")?;
        Ok(LineSet {
            policies,
            tagger: ivr::tagging::SharedTaggerConfig::new(config.tagging.tagger()),
            outbound: crate::serve::lineclear::outbound::lines(&config),
            config,
        })
    }
}
