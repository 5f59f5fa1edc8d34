//! Typed configuration, read from TOML.
//!
//! Owns: the configuration file (one `[service]` table and one `[[line]]`
//! table per resident's phone line; their shape is in `model.rs`), the
//! built-in default file `config/linewarden.toml` (compiled in), parsing and semantic validation
//! with errors that name `file:line:column` and the key path, choosing the
//! line for a called number, turning a line's `[line.screening]` table
//! into [`ivr::ChallengeSettings`] and its `[line.policy]` table into
//! [`ivr::PolicyConfig`] (checked with [`ivr::PolicyConfig::validate`]).
//!
//! Does not own: command-line handling or deciding which file to load,
//! binding sockets, creating the data directory (see `store`), or running
//! the challenge and deciding what to do with a caller (the `ivr` crate).

mod addr;
mod console;
mod error;
mod model;
mod overrides;
mod policy;
mod sip_peers;
mod speech;
mod store;
mod tagging;
mod tcp;
pub mod toml_key;
mod validate;
pub mod webhook;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use self::speech::{EngineChoice, SpeechConfig};
pub use console::ConsoleConfig;
pub use error::ConfigError;
/// `ServiceConfig::rtp_ports`, named by tests that build a service table.
#[cfg(test)]
pub use model::PortRange;
pub use model::{Config, LineConfig, ScreeningConfig, ServiceConfig, CATCH_ALL};
pub use policy::LinePolicy;
pub use sip_peers::{verified_numbers, OutboundLineConfig, TrunkConfig};
pub use store::{StoreConfig, DEFAULT_ALERT_CLAIM_SECS};
pub use tagging::{AlertsConfig, TaggingConfig};

/// The built-in default configuration file, as text.
pub const DEFAULT_TOML: &str = include_str!("../config/linewarden.toml");

/// How errors in [`DEFAULT_TOML`] name their file.
pub const DEFAULT_ORIGIN: &str = "config/linewarden.toml (built in)";
impl Config {
    /// The built-in configuration ([`DEFAULT_TOML`]).
    ///
    /// A unit test proves the built-in file parses and equals
    /// [`Config::fallback`]; should it ever not parse, the error is logged
    /// and the fallback is returned instead of panicking.
    pub fn default_config() -> Config {
        match Config::parse(DEFAULT_TOML, DEFAULT_ORIGIN) {
            Ok(config) => config,
            Err(err) => {
                tracing::error!(%err, "built-in configuration is invalid; using code defaults");
                Config::fallback()
            }
        }
    }

    /// The built-in configuration built in code: default `[service]` and
    /// one catch-all line named `default` with default screening and policy.
    fn fallback() -> Config {
        Config {
            service: ServiceConfig::default(),
            lines: vec![LineConfig {
                name: "default".to_owned(),
                numbers: vec![CATCH_ALL.to_owned()],
                screening: ScreeningConfig::default(),
                policy: LinePolicy::default(),
                phones: Vec::new(),
                accounts: Vec::new(),
                alerts: AlertsConfig::default(),
                verified: Vec::new(),
                outbound: OutboundLineConfig::default(),
                voicemail: false,
                remember_passed_days: 0,
                ring_timeout_secs: model::default_ring_timeout(),
            }],
            trunks: Vec::new(),
            console: Some(ConsoleConfig::default()),
            speech: SpeechConfig::default(),
            tagging: TaggingConfig::default(),
            store: StoreConfig::default(),
        }
    }

    /// Reads, parses and validates the file at `path`. Errors name the file
    /// as `path` is displayed.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            cause: source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses and validates TOML `text`; `origin` names it in errors
    /// (usually the file path).
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let de = toml::de::Deserializer::parse(text)
            .map_err(|err| ConfigError::syntax(text, origin, &err))?;
        let config: Config = serde_path_to_error::deserialize(de)
            .map_err(|err| ConfigError::from_serde(text, origin, err))?;
        config
            .validate()
            .map_err(|problem| ConfigError::invalid(text, origin, problem))?;
        Ok(config)
    }

    /// The configuration as TOML (for `linewarden config`). Keys left at
    /// `None` are omitted; the output parses back to an equal `Config`.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        Ok(toml::to_string(self)?)
    }

    /// The line that answers calls to `called_user`: the line listing it
    /// exactly, else the catch-all line, else `None` (reject the call).
    pub fn line_for(&self, called_user: &str) -> Option<&LineConfig> {
        let listing = |number: &str| {
            self.lines
                .iter()
                .find(|line| line.numbers.iter().any(|n| n == number))
        };
        listing(called_user).or_else(|| listing(CATCH_ALL))
    }
}
