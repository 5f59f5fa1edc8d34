//! Typed configuration, read from TOML.
//!
//! Owns: the shape of the configuration file (one `[service]` table and one
//! `[[line]]` table per resident's phone line), the built-in default file
//! `config/linewarden.toml` (compiled in), parsing and semantic validation
//! with errors that name `file:line:column` and the key path, choosing the
//! line for a called number, turning a line's `[line.screening]` table
//! into [`ivr::ChallengeSettings`] and its `[line.policy]` table into
//! [`ivr::PolicyConfig`] (checked with [`ivr::PolicyConfig::validate`]).
//!
//! Does not own: command-line handling or deciding which file to load,
//! binding sockets, creating the data directory (see `store`), or running
//! the challenge and deciding what to do with a caller (the `ivr` crate).

mod console;
mod error;
mod overrides;
mod policy;
mod sip_peers;
mod tagging;
mod tcp;
pub mod toml_key;
mod validate;
pub mod webhook;

#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

pub use console::ConsoleConfig;
pub use error::ConfigError;
pub use policy::LinePolicy;
pub use sip_peers::{verified_numbers, AccountConfig, OutboundLineConfig, VerifiedConfig};
pub use tagging::{AlertsConfig, EngineChoice, SpeechConfig, TaggingConfig};
pub use tcp::TcpConfig;

/// The built-in default configuration file, as text.
pub const DEFAULT_TOML: &str = include_str!("../config/linewarden.toml");

/// How errors in [`DEFAULT_TOML`] name their file.
pub const DEFAULT_ORIGIN: &str = "config/linewarden.toml (built in)";

/// The called number that matches any number no other line lists.
pub const CATCH_ALL: &str = "*";

/// The whole configuration: the service and the lines it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub service: ServiceConfig,
    /// `[speech]`: the recognizer that listens to calls.
    #[serde(default)]
    pub speech: SpeechConfig,
    /// `[tagging]`: phrases and risk rules.
    #[serde(default)]
    pub tagging: TaggingConfig,
    /// `[[line]]` tables, in file order.
    #[serde(rename = "line", default)]
    pub lines: Vec<LineConfig>,
    /// `[[trunk]]` tables: the phone network's SIP trunks. When any is
    /// configured, calls are taken only from their source networks.
    #[serde(rename = "trunk", default, skip_serializing_if = "Vec::is_empty")]
    pub trunks: Vec<TrunkConfig>,
    /// `[console]`: the operator console; `None` (no table) runs none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<ConsoleConfig>,
}

/// `[[trunk]]`: one SIP trunk from the phone network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConfig {
    /// Short name for logs.
    pub name: String,
    /// Addresses or networks (CIDR) the provider sends calls from; an
    /// INVITE from anywhere else gets 403 and rings nobody.
    pub sources: Vec<String>,
    /// The provider's SIP address (`sip:host[:port]`), where registrations
    /// and outgoing calls go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Our user name and password at the provider, for REGISTER and for
    /// answering its digest challenges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Register to the provider (refreshed before expiry, retried with
    /// backoff after a failure).
    #[serde(default)]
    pub register: bool,
    /// Registration lifetime asked for, in seconds.
    #[serde(default = "default_register_expires")]
    pub register_expires_secs: u32,
}

fn default_register_expires() -> u32 {
    3600
}

impl Config {
    /// True when a call from `ip` may be taken: no trunk is configured, or
    /// `ip` is in one of the trunks' source networks.
    pub fn accepts_calls_from(&self, ip: IpAddr) -> bool {
        self.trunks.is_empty()
            || self
                .trunks
                .iter()
                .flat_map(|t| t.sources.iter())
                .filter_map(|s| parse_source(s))
                .any(|net| net.contains(&ip))
    }
}

/// A trunk source: a network in CIDR form or a single address.
pub fn parse_source(text: &str) -> Option<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}

/// `[service]`: what the whole process listens on and where it keeps data.
/// Every key is optional; [`ServiceConfig::default`] gives the defaults,
/// which match the built-in file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceConfig {
    /// SIP over UDP and TCP on this address.
    #[serde(deserialize_with = "socket_addr")]
    pub listen: SocketAddr,
    /// Call log (SQLite) and recordings live here.
    pub data_dir: PathBuf,
    /// IP advertised in SDP; `None` means the IP of `listen`. Never bound:
    /// RTP is received on the IP of `listen` (a NAT's public address works).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "ip_addr")]
    pub media_address: Option<IpAddr>,
    /// UDP ports for RTP.
    pub rtp_ports: PortRange,
    /// Sent in SIP User-Agent / Server headers.
    pub user_agent: String,
    /// Time calls in progress get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Realm of the digest challenges phones registering here get.
    pub realm: String,
    /// Space kept free on the data directory's disk for the call log:
    /// recordings are not started, and stop, when less is left (MB).
    pub disk_reserve_mb: u64,
    /// New calls beyond this many in progress get 503 with Retry-After.
    pub max_calls: usize,
    /// New calls get 503 while the event loop runs this late (ms) or did
    /// within the last two seconds.
    pub max_lag_ms: u64,
    /// The Retry-After (seconds) of a call or OPTIONS turned away by load.
    pub retry_after_secs: u32,
    /// `[service.tcp]`: timeouts and caps of SIP over TCP.
    pub tcp: TcpConfig,
}

/// An inclusive range of UDP ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

/// `[[line]]`: one resident's phone line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineConfig {
    /// Unique short name, used in the call log and recording paths.
    pub name: String,
    /// Called numbers (user part of the Request-URI) this line answers;
    /// [`CATCH_ALL`] matches any number no other line lists.
    pub numbers: Vec<String>,
    #[serde(default)]
    pub screening: ScreeningConfig,
    /// Who is rung straight away, refused or challenged.
    #[serde(default)]
    pub policy: LinePolicy,
    /// The resident's phones (SIP URIs), rung in parallel for a caller who
    /// passed the challenge or is allowlisted. Empty: the call stays with
    /// linewarden until the caller hangs up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// Phones that register to linewarden (`[[line.account]]`), rung in
    /// parallel with `phones` while registered.
    #[serde(default, rename = "account", skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountConfig>,
    /// What happens when a call on this line turns risky.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// The numbers a line-clear callback may dial (`[[line.verified]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verified: Vec<VerifiedConfig>,
    /// Calls the line's registered phones place.
    #[serde(default)]
    pub outbound: OutboundLineConfig,
    /// Callers who pass the challenge are let through without it for this
    /// many days (0: never). Only valid, non-suspicious numbers are kept.
    #[serde(default)]
    pub remember_passed_days: u32,
    /// When nobody answers, the caller may leave a message (recorded under
    /// `data_dir/voicemail/`) instead of only hearing that the resident is
    /// not available.
    #[serde(default)]
    pub voicemail: bool,
    /// Seconds the phones ring before the caller is told the resident is
    /// not available.
    #[serde(default = "default_ring_timeout")]
    pub ring_timeout_secs: u64,
}

fn default_ring_timeout() -> u64 {
    30
}

/// `[line.screening]`: how callers to a line are challenged. Every key is
/// optional; [`ScreeningConfig::default`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScreeningConfig {
    /// Play the "screened and may be recorded" notice first.
    pub notice: bool,
    /// Fixed challenge digit 0-9; `None` draws one at random per call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_digit: Option<u8>,
    /// Seconds the caller has to press a key after being asked.
    pub digit_timeout_secs: u64,
    /// Extra attempts after a wrong key or no key.
    pub retries: u8,
    /// Record the call to a stereo WAV file.
    pub record: bool,
    /// Milliseconds to ring (180 Ringing) before answering.
    pub answer_after_ms: u64,
    /// After the right key, the caller says their name; the resident hears
    /// it and presses 1 to accept or 2 to reject before being connected.
    pub ask_name: bool,
}

/// `listen`: an IP:port string, with an error that says what is expected.
pub(crate) fn socket_addr<'de, D: Deserializer<'de>>(de: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(de)?;
    text.parse().map_err(|_| {
        D::Error::custom(format!(
            "invalid address {text:?}, expected IP:port such as \"127.0.0.1:5060\" or \"[::1]:5060\" (not a host name)"
        ))
    })
}

/// `media_address`: an IP address string (present, so `Some`).
fn ip_addr<'de, D: Deserializer<'de>>(de: D) -> Result<Option<IpAddr>, D::Error> {
    let text = String::deserialize(de)?;
    text.parse().map(Some).map_err(|_| {
        D::Error::custom(format!(
            "invalid IP address {text:?}, expected one such as \"192.0.2.10\" or \"2001:db8::10\" (not a host name)"
        ))
    })
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5060),
            data_dir: PathBuf::from("./linewarden-data"),
            media_address: None,
            rtp_ports: PortRange {
                first: 20000,
                last: 20999,
            },
            user_agent: "linewarden".to_owned(),
            shutdown_grace_secs: 2,
            realm: "linewarden".to_owned(),
            disk_reserve_mb: 64,
            max_calls: 400,
            max_lag_ms: 200,
            retry_after_secs: 5,
            tcp: TcpConfig::default(),
        }
    }
}

impl Default for ScreeningConfig {
    fn default() -> Self {
        ScreeningConfig {
            notice: true,
            challenge_digit: None,
            digit_timeout_secs: 6,
            retries: 1,
            record: true,
            answer_after_ms: 0,
            ask_name: false,
        }
    }
}

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
                ring_timeout_secs: default_ring_timeout(),
            }],
            trunks: Vec::new(),
            console: Some(ConsoleConfig::default()),
            speech: SpeechConfig::default(),
            tagging: TaggingConfig::default(),
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

impl ServiceConfig {
    /// The IP to advertise in SDP: `media_address`, else the IP of `listen`.
    pub fn media_ip(&self) -> IpAddr {
        self.media_address.unwrap_or_else(|| self.listen.ip())
    }

    /// `shutdown_grace_secs` as a duration.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    /// The limits of admission by load.
    pub fn admission(&self) -> ivr::admission::AdmissionSettings {
        ivr::admission::AdmissionSettings {
            max_calls: self.max_calls,
            max_lag: Duration::from_millis(self.max_lag_ms),
            cool_down: Duration::from_secs(2),
            retry_after_secs: self.retry_after_secs,
        }
    }
}

impl PortRange {
    /// Number of ports in the range (0 if `last < first`).
    pub fn count(&self) -> usize {
        if self.last < self.first {
            0
        } else {
            usize::from(self.last - self.first) + 1
        }
    }

    /// Whether `port` is in the range.
    pub fn contains(&self, port: u16) -> bool {
        (self.first..=self.last).contains(&port)
    }
}

impl LineConfig {
    /// The screening policy the `ivr` crate decides with for this line.
    pub fn policy_config(&self) -> ivr::PolicyConfig {
        self.policy.policy_config()
    }
}

impl ScreeningConfig {
    /// The settings the `ivr` challenge runs with. `prompt_guard` is not
    /// configurable and keeps the `ivr` default.
    pub fn challenge_settings(&self) -> ivr::ChallengeSettings {
        ivr::ChallengeSettings {
            notice: self.notice,
            fixed_digit: self.challenge_digit,
            digit_timeout: Duration::from_secs(self.digit_timeout_secs),
            retries: self.retries,
            answer_after: Duration::from_millis(self.answer_after_ms),
            ask_name: self.ask_name,
            ..ivr::ChallengeSettings::default()
        }
    }
}
