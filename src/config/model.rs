//! The shape of the configuration file: [`Config`] with its `[service]`
//! ([`ServiceConfig`]) and `[[line]]` ([`LineConfig`], [`ScreeningConfig`])
//! tables, their defaults, and what the rest of the service asks of them
//! (the media IP, the RTP port range, a line's `ivr` settings, whether a
//! call's source is a trunk).
//!
//! Does not own: reading and validating a file (the parent module and
//! `validate.rs`), or the tables with a file of their own (`console.rs`,
//! `policy.rs`, `sip_peers.rs`, `tagging.rs`, `tcp.rs`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::console::ConsoleConfig;
use super::policy::LinePolicy;
use super::sip_peers::{
    parse_source, AccountConfig, OutboundLineConfig, TrunkConfig, VerifiedConfig,
};
use super::speech::SpeechConfig;
use super::store::StoreConfig;
use super::tagging::{AlertsConfig, TaggingConfig};
use super::tcp::TcpConfig;

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
    /// `[store]`: where the call log is kept; the default is SQLite in
    /// `data_dir`.
    #[serde(default, skip_serializing_if = "StoreConfig::is_default")]
    pub store: StoreConfig,
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

/// `[service]`: what the whole process listens on and where it keeps data.
/// Every key is optional; [`ServiceConfig::default`] gives the defaults,
/// which match the built-in file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceConfig {
    /// SIP over UDP and TCP on this address.
    #[serde(deserialize_with = "super::addr::socket_addr")]
    pub listen: SocketAddr,
    /// Recordings live here, and the call log too unless `[store] url`
    /// names a PostgreSQL database.
    pub data_dir: PathBuf,
    /// IP advertised in SDP; `None` means the IP of `listen`. Never bound:
    /// RTP is received on the IP of `listen` (a NAT's public address works).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::addr::ip_addr"
    )]
    pub media_address: Option<IpAddr>,
    /// UDP ports for RTP.
    pub rtp_ports: PortRange,
    /// Sent in SIP User-Agent / Server headers.
    pub user_agent: String,
    /// Time calls in progress get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// On SIGTERM, how long calls in progress may go on while new ones get
    /// 503 (a node leaving a cluster); 0 hangs them up at once.
    pub drain_secs: u64,
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
    /// The SIP UDP socket's receive buffer asked of the kernel (KiB): a
    /// burst waits there instead of being dropped.
    pub udp_receive_buffer_kib: usize,
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

pub(super) fn default_ring_timeout() -> u64 {
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

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 5060),
            data_dir: PathBuf::from("./linewarden-data"),
            media_address: None,
            rtp_ports: PortRange {
                first: 20000,
                last: 21999,
            },
            user_agent: "linewarden".to_owned(),
            shutdown_grace_secs: 2,
            drain_secs: 0,
            realm: "linewarden".to_owned(),
            disk_reserve_mb: 64,
            max_calls: 400,
            max_lag_ms: 200,
            retry_after_secs: 5,
            udp_receive_buffer_kib: 4096,
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

impl ServiceConfig {
    /// The IP to advertise in SDP: `media_address`, else the IP of `listen`.
    pub fn media_ip(&self) -> IpAddr {
        self.media_address.unwrap_or_else(|| self.listen.ip())
    }

    /// `drain_secs` as a duration.
    pub fn drain(&self) -> Duration {
        Duration::from_secs(self.drain_secs)
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

    /// How many calls can be bridged at once on the range's ports: RTP
    /// takes even ports, one per leg, two legs a bridged call.
    pub fn bridged_calls(&self) -> usize {
        let (_, even) = sip::rtp_session::even_ports(self.first, self.last);
        usize::try_from(even / 2).unwrap_or(usize::MAX)
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
