//! Each line's screening policy, built once from the config.
//!
//! Owns: turning every `[line.policy]` into an `ivr::Policy` at start-up
//! (normalized lists, so deciding is a few lookups) and answering "what does
//! this line do with this caller". Both live calls and replays ask here, so
//! they decide alike. Also the callers each line remembers as having passed
//! its challenge (`remember_passed_days`), in memory; the shell loads them
//! from the store at start and keeps each new one there. Does not own: the
//! rules (`ivr::policy`) or the config format (`config`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use ivr::{Decision, Policy, PolicyError};

use crate::config::Config;

const DAY_MS: i64 = 86_400_000;

/// The policies of all lines, by line name.
pub struct LinePolicies {
    policies: HashMap<String, Policy>,
    /// Per line, how long a caller who passed is remembered (ms); lines
    /// that do not remember are absent.
    remember_ms: HashMap<String, i64>,
    /// (line, E.164 number) → when the caller last passed (Unix ms).
    passed: Mutex<HashMap<(String, String), i64>>,
}

impl LinePolicies {
    /// Builds every line's policy. The config was validated when it was
    /// loaded, so this fails only for a config built in code.
    pub fn new(config: &Config) -> Result<LinePolicies, PolicyError> {
        let mut policies = HashMap::new();
        let mut remember_ms = HashMap::new();
        for line in &config.lines {
            policies.insert(line.name.clone(), Policy::new(&line.policy_config())?);
            if line.remember_passed_days > 0 {
                remember_ms.insert(
                    line.name.clone(),
                    i64::from(line.remember_passed_days) * DAY_MS,
                );
            }
        }
        Ok(LinePolicies {
            policies,
            remember_ms,
            passed: Mutex::new(HashMap::new()),
        })
    }

    /// What `line` does with a call from `caller` (the From user part), by
    /// its policy alone (replays).
    pub fn decide(&self, line: &str, caller: &str) -> Decision {
        match self.policies.get(line) {
            Some(policy) => policy.decide(caller),
            None => Decision::Challenge { suspicious: None },
        }
    }

    /// [`LinePolicies::decide`], also letting through a caller the line
    /// remembers as having passed its challenge by `now_ms` (Unix ms).
    pub fn decide_live(&self, line: &str, caller: &str, now_ms: i64) -> Decision {
        let decision = self.decide(line, caller);
        let (Some(&keep), Some(number)) = (self.remember_ms.get(line), ivr::normalize(caller))
        else {
            return decision;
        };
        let passed = self
            .passed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(line.to_string(), number))
            .copied();
        match passed {
            Some(at) if now_ms.saturating_sub(at) <= keep => decision.remembered(),
            _ => decision,
        }
    }

    /// Remembers that `caller` passed `line`'s challenge at `at_ms`; returns
    /// the number to keep in the store, or `None` when the line does not
    /// remember callers or the caller ID is not a number worth trusting.
    pub fn passed(&self, line: &str, caller: &str, at_ms: i64) -> Option<String> {
        self.remember_ms.get(line)?;
        // Only a caller the policy would plainly challenge: never a
        // suspicious or withheld caller ID.
        if self.decide(line, caller) != (Decision::Challenge { suspicious: None }) {
            return None;
        }
        let number = ivr::normalize(caller)?;
        self.passed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((line.to_string(), number.clone()), at_ms);
        Some(number)
    }

    /// Every remembered caller (line, number, when they passed), to carry
    /// over into the policies a reload builds.
    pub fn remembered(&self) -> Vec<(String, String, i64)> {
        self.passed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|((line, number), at)| (line.clone(), number.clone(), *at))
            .collect()
    }

    /// Puts back remembered callers read from the store.
    pub fn restore(&self, kept: Vec<(String, String, i64)>) {
        let mut passed = self.passed.lock().unwrap_or_else(PoisonError::into_inner);
        for (line, number, at) in kept {
            if self.remember_ms.contains_key(&line) {
                passed.insert((line, number), at);
            }
        }
    }
}

/// The `suspicious-cli` tag's evidence for a call from `caller`, when the
/// policy found its caller ID suspicious (challenged or refused for it).
/// Live calls and replays tag alike.
pub fn suspicious_evidence(caller: &str, decision: &Decision) -> Option<String> {
    match decision {
        Decision::Challenge {
            suspicious: Some(reason),
        }
        | Decision::Reject {
            reason: ivr::RejectReason::Suspicious(reason),
            ..
        } => Some(format!("caller ID {caller:?}: {reason}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies(days: u32) -> LinePolicies {
        let mut config = Config::default_config();
        config.lines[0].remember_passed_days = days;
        LinePolicies::new(&config).expect("policies")
    }

    #[test]
    fn a_caller_who_passed_is_remembered_for_the_line_days() {
        let p = policies(2);
        let caller = "+441632960123";
        assert_eq!(p.decide_live("default", caller, 0).as_str(), "challenge");
        assert_eq!(p.passed("default", caller, 1_000), Some(caller.to_string()));
        // The same number written nationally is the same caller.
        assert_eq!(
            p.decide_live("default", "01632960123", 2_000).as_str(),
            "remembered"
        );
        assert_eq!(
            p.decide_live("default", caller, 1_000 + 2 * DAY_MS)
                .as_str(),
            "remembered"
        );
        assert_eq!(
            p.decide_live("default", caller, 1_001 + 2 * DAY_MS)
                .as_str(),
            "challenge"
        );
        // Replays decide by the policy alone.
        assert_eq!(p.decide("default", caller).as_str(), "challenge");
    }

    #[test]
    fn suspicious_withheld_and_forgetful_lines_are_not_remembered() {
        let p = policies(2);
        assert_eq!(p.passed("default", "101", 0), None);
        assert_eq!(p.passed("default", "anonymous", 0), None);
        assert_eq!(p.passed("default", "sipp", 0), None);
        let off = policies(0);
        assert_eq!(off.passed("default", "+441632960123", 0), None);
        assert_eq!(
            off.decide_live("default", "+441632960123", 0).as_str(),
            "challenge"
        );
        // Restored from the store.
        p.restore(vec![("default".into(), "+441632960999".into(), 10)]);
        assert_eq!(
            p.decide_live("default", "+441632960999", 20).as_str(),
            "remembered"
        );
    }
}
