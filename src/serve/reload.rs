//! Reloading the configuration on SIGHUP: the file is read again (with the
//! same command-line overrides as at start) and the lines kept in the
//! store (the console's) are merged in; when the result is valid, a new
//! [`LineSet`] is built and swapped in for the calls that start after it,
//! and the registrar's accounts are replaced ([`swap_in`], which the
//! console's changes use too). An invalid file keeps the
//! running configuration and logs why (file, line and key). Settings that
//! need a restart are kept as they were, with a warning naming them.
//!
//! Does not own: the signal itself (`serve`), reading and validating the
//! file (`crate::config`), what a call does with its snapshot (`call`).

use std::sync::Arc;

use tracing::{error, info, warn};

use crate::config::Config;
use crate::console::lines::live::LiveLines;
use crate::serve::console_lines::ServiceLines;
use crate::serve::lineset::LineSet;
use crate::serve::shared::Shared;

/// Loads the configuration again as the service was started: `None` when
/// it runs on the built-in configuration (nothing to reload).
pub type LoadConfig = Box<dyn Fn() -> anyhow::Result<Config> + Send + Sync>;

/// Reloads the configuration into `shared`, with the stored lines of
/// `lines` merged in; logs what happened.
pub fn reload(shared: &Shared, load: Option<&LoadConfig>, lines: &ServiceLines) {
    let Some(load) = load else {
        info!("SIGHUP: the built-in configuration is in use, nothing to reload");
        return;
    };
    let config = match load() {
        Ok(config) => config,
        Err(e) => {
            error!(error = %format!("{e:#}"), "SIGHUP: the configuration is invalid; the running configuration is kept");
            return;
        }
    };
    // No console change runs until the new file lines are in place.
    let mut file_lines = lines.file_lines();
    let file = config.lines.clone();
    let merged = crate::console::lines::stored::load(&shared.store_at)
        .map_err(|e| e.to_string())
        .and_then(|stored| {
            crate::console::lines::merge::with_stored(config, &stored).map_err(|e| {
                format!("the configuration file's lines and the stored lines conflict: {e}")
            })
        });
    let mut config = match merged {
        Ok(config) => config,
        Err(e) => {
            error!(error = %e, "SIGHUP: the configuration is invalid; the running configuration is kept");
            return;
        }
    };
    let running = shared.lines();
    let restart = needs_restart(&running.config, &config);
    if !restart.is_empty() {
        warn!(
            keys = %restart.join(", "),
            "SIGHUP: these settings changed but take effect only after a restart"
        );
    }
    config.service = shared.service.clone();
    match swap_in(shared, config) {
        Ok(count) => {
            *file_lines = file;
            info!(
                lines = count,
                "SIGHUP: configuration reloaded; calls in progress keep theirs"
            );
        }
        Err(e) => error!(error = %format!("{e:#}"), "SIGHUP: the running configuration is kept"),
    }
}

/// Builds the line set for `config` (valid, with the service's own
/// `[service]`) and swaps it in for new calls: the callers each line
/// remembers carry over, the registrar gets the accounts. How many lines.
pub fn swap_in(shared: &Shared, config: Config) -> anyhow::Result<usize> {
    let running = shared.lines();
    let lines = LineSet::build(config)?;
    lines.policies.restore(running.policies.remembered());
    accounts(shared, &lines.config);
    let count = lines.config.lines.len();
    shared.lines.store(Arc::new(lines));
    Ok(count)
}

/// Gives the registrar the reloaded accounts. A registrar that was not
/// started (no line had an account) is not started by a reload.
fn accounts(shared: &Shared, config: &Config) {
    let accounts = super::accounts::accounts(config);
    match &shared.registrar {
        Some(registrar) => registrar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .set_accounts(accounts),
        None if !accounts.is_empty() => warn!(
            "SIGHUP: phone accounts were added but the registrar was not running: restart to take registrations"
        ),
        None => {}
    }
}

/// The keys that changed between `old` and `new` but are read only at
/// start: every `[service]` key, `[speech]`, and the trunks' registrations.
pub fn needs_restart(old: &Config, new: &Config) -> Vec<String> {
    let mut keys = Vec::new();
    let table = |s: &crate::config::ServiceConfig| match toml::Value::try_from(s) {
        Ok(toml::Value::Table(t)) => t,
        _ => toml::Table::new(),
    };
    let (before, after) = (table(&old.service), table(&new.service));
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        if before.get(name) != after.get(name) {
            keys.push(format!("service.{name}"));
        }
    }
    if old.speech != new.speech {
        keys.push("speech".to_string());
    }
    if old.store != new.store {
        keys.push("store.url".to_string());
    }
    let webhooks = |c: &Config| c.lines.iter().any(|l| l.alerts.webhook.is_some());
    if !webhooks(old) && webhooks(new) {
        keys.push("line.alerts.webhook (the alert sender starts with the service)".to_string());
    }
    if old.tagging != new.tagging && new.speech.engine != crate::config::EngineChoice::Off {
        keys.push("tagging (the recognizer's words; the tagging rules are reloaded)".to_string());
    }
    // A trunk's sources are read per call; the rest is its registration.
    let registrations = |c: &Config| -> Vec<crate::config::TrunkConfig> {
        c.trunks
            .iter()
            .map(|t| crate::config::TrunkConfig {
                sources: Vec::new(),
                ..t.clone()
            })
            .collect()
    };
    if registrations(old) != registrations(new) {
        keys.push("trunk (registrations)".to_string());
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::needs_restart;
    use crate::config::Config;

    #[test]
    fn only_settings_read_at_start_are_named_for_a_restart() {
        let old = Config::default_config();
        let mut lines_only = old.clone();
        lines_only.lines[0].ring_timeout_secs += 5;
        assert!(needs_restart(&old, &lines_only).is_empty());
        let mut service = old.clone();
        service.service.listen = "127.0.0.1:5099".parse().unwrap();
        assert_eq!(needs_restart(&old, &service), vec!["service.listen"]);
        let mut store = old.clone();
        store.store.url = Some("postgres://db.example/linewarden".to_owned());
        assert_eq!(needs_restart(&old, &store), vec!["store.url"]);
    }
}
