//! What every call shares: the lines (a snapshot swapped by a reload),
//! the service settings, prompts, call log, RTP ports, the SIP endpoint, the registrar, the recognizer
//! threads, alerts, the calls up on each line and the outbound rules; and
//! which of the resident's phones to ring now.
//!
//! Does not own: any one call (`mod.rs` and its siblings).

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use sip::rtp_session::PortRange;

use crate::config::ServiceConfig;
use crate::prompts::Prompts;
use crate::serve::lineset::LineSet;
use crate::store::StoreHandle;

/// One of the resident's phones to ring.
#[derive(Clone, Debug)]
pub struct Phone {
    /// Its SIP URI (fixed in config, or the Contact it registered).
    pub uri: String,
    /// Where to send the INVITE when not to the URI's own address: a
    /// registered phone's real source (behind NAT) when it has no path.
    pub destination: Option<std::net::SocketAddr>,
    /// The Route set to reach it: the Path its REGISTER came along (RFC
    /// 3327), through the proxy that saw it; empty when it registered
    /// directly.
    pub route: Vec<String>,
}

/// What every call shares.
pub struct Shared {
    /// The lines, their policies, lists and outbound rules: swapped whole
    /// by a reload; read once with [`Shared::lines`] when a call starts.
    pub lines: ArcSwap<LineSet>,
    /// `[service]` as the service started (a reload does not change it).
    pub service: ServiceConfig,
    pub prompts: Prompts,
    pub store: StoreHandle,
    pub ports: PortRange,
    /// Where recordings and voicemail are written (`[store] files_dir`,
    /// else `data_dir`); the call log names them relative to it.
    pub files_dir: PathBuf,
    /// Where the call log and the console's tables are.
    pub store_at: crate::store::Location,
    /// Room for recordings on the disk of `files_dir`.
    pub disk: crate::serve::disk::DiskRoom,
    /// For calls to the resident's phones.
    pub endpoint: Arc<sip::SipEndpoint>,
    /// Phones registered to us, when any line has accounts.
    pub registrar: Option<Arc<std::sync::Mutex<sip::registrar::Registrar>>>,
    /// The recognizer threads, when speech recognition is on.
    pub listeners: Option<crate::serve::recognizers::Listeners>,
    /// Trusted contacts' alerts.
    pub alerts: Option<crate::serve::alerts::AlertSender>,
    /// The calls up on each line (for line-clear callbacks).
    pub legs: Arc<crate::serve::lineclear::legs::LineLegs>,
}

impl Shared {
    /// The current lines: a snapshot a reload does not change.
    pub fn lines(&self) -> Arc<LineSet> {
        self.lines.load_full()
    }

    /// The phones of `line` to ring now: its fixed phones, then its
    /// registered ones — through this node or, on a shared store, any
    /// other — sent along the Path they registered with, else to where
    /// they registered from when that is UDP.
    pub fn phones(&self, line: &str, fixed: &[String]) -> Vec<Phone> {
        let mut phones: Vec<Phone> = fixed
            .iter()
            .map(|uri| Phone {
                uri: uri.clone(),
                destination: None,
                route: Vec::new(),
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
                    destination: (udp && b.path.is_empty()).then_some(b.source),
                    route: b.path,
                    uri: b.contact,
                });
            }
        }
        phones
    }
}
