//! What every call shares: the configuration, prompts, call log, RTP
//! ports, line policies, the SIP endpoint, the registrar, the recognizer
//! threads, alerts, the calls up on each line and the outbound rules; and
//! which of the resident's phones to ring now.
//!
//! Does not own: any one call (`mod.rs` and its siblings).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use sip::rtp_session::PortRange;

use crate::config::Config;
use crate::policy::LinePolicies;
use crate::prompts::Prompts;
use crate::store::StoreHandle;

/// One of the resident's phones to ring.
#[derive(Clone, Debug)]
pub struct Phone {
    /// Its SIP URI (fixed in config, or the Contact it registered).
    pub uri: String,
    /// Where to send the INVITE when not to the URI's own address: a
    /// registered phone's real source (behind NAT).
    pub destination: Option<std::net::SocketAddr>,
}

/// What every call shares.
pub struct Shared {
    pub config: Config,
    pub prompts: Prompts,
    pub store: StoreHandle,
    pub ports: PortRange,
    pub data_dir: PathBuf,
    /// Room for recordings on the data directory's disk.
    pub disk: crate::serve::disk::DiskRoom,
    pub policies: LinePolicies,
    /// For calls to the resident's phones.
    pub endpoint: Arc<sip::SipEndpoint>,
    /// Phones registered to us, when any line has accounts.
    pub registrar: Option<Arc<std::sync::Mutex<sip::registrar::Registrar>>>,
    /// The recognizer threads, when speech recognition is on.
    pub listeners: Option<crate::serve::recognizers::Listeners>,
    /// Phrase lists and risk rules.
    pub tagger: ivr::tagging::TaggerConfig,
    /// Trusted contacts' alerts.
    pub alerts: Option<crate::serve::alerts::AlertSender>,
    /// The calls up on each line (for line-clear callbacks).
    pub legs: Arc<crate::serve::lineclear::legs::LineLegs>,
    /// Each line's verified numbers and outbound rules.
    pub outbound: HashMap<String, crate::serve::lineclear::outbound::LineOutbound>,
}

impl Shared {
    /// The phones of `line` to ring now: its fixed phones, then its
    /// registered ones (sent to where they registered from, when that is
    /// UDP).
    pub fn phones(&self, line: &str, fixed: &[String]) -> Vec<Phone> {
        let mut phones: Vec<Phone> = fixed
            .iter()
            .map(|uri| Phone {
                uri: uri.clone(),
                destination: None,
            })
            .collect();
        if let Some(registrar) = &self.registrar {
            let now = crate::time::now_secs();
            let bindings = registrar
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .line_contacts(line, now);
            for b in bindings {
                let udp = !b.contact.to_ascii_lowercase().contains("transport=tcp");
                phones.push(Phone {
                    destination: udp.then_some(b.source),
                    uri: b.contact,
                });
            }
        }
        phones
    }
}
