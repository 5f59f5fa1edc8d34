//! Each line's verified numbers and outbound rules, built from the
//! configuration: what the callback runner and every call share.
//!
//! Does not own: deciding a call (`ivr::lineclear::OutboundPolicy`) or
//! running a callback (the rest of `lineclear`).

use std::collections::HashMap;
use std::sync::Mutex;

use ivr::lineclear::{OutboundPolicy, VerifiedNumbers};

/// Each line's verified numbers and outbound rules.
pub struct LineOutbound {
    pub numbers: VerifiedNumbers,
    pub policy: Mutex<OutboundPolicy>,
}

/// Builds every line's outbound rules (the config was validated).
pub fn lines(config: &crate::config::Config) -> HashMap<String, LineOutbound> {
    config
        .lines
        .iter()
        .filter_map(|l| {
            let numbers = crate::config::verified_numbers(&l.verified).ok()?;
            Some((
                l.name.clone(),
                LineOutbound {
                    numbers,
                    policy: Mutex::new(OutboundPolicy::new(l.outbound.policy_config())),
                },
            ))
        })
        .collect()
}
