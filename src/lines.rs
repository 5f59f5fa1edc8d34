//! Each line's screening policy, built once from the config.
//!
//! Owns: turning every `[line.policy]` into an `ivr::Policy` at start-up
//! (normalized lists, so deciding is a few lookups) and answering "what does
//! this line do with this caller". Both live calls and replays ask here, so
//! they decide alike. Does not own: the rules (`ivr::policy`) or the config
//! format (`config`).

use std::collections::HashMap;

use ivr::{Decision, Policy, PolicyError};

use crate::config::Config;

/// The policies of all lines, by line name.
pub struct LinePolicies(HashMap<String, Policy>);

impl LinePolicies {
    /// Builds every line's policy. The config was validated when it was
    /// loaded, so this fails only for a config built in code.
    pub fn new(config: &Config) -> Result<LinePolicies, PolicyError> {
        let mut map = HashMap::new();
        for line in &config.lines {
            map.insert(line.name.clone(), Policy::new(&line.policy_config())?);
        }
        Ok(LinePolicies(map))
    }

    /// What `line` does with a call from `caller` (the From user part).
    pub fn decide(&self, line: &str, caller: &str) -> Decision {
        match self.0.get(line) {
            Some(policy) => policy.decide(caller),
            None => Decision::Challenge { suspicious: None },
        }
    }
}
