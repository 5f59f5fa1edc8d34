//! Keeping linewarden registered to the trunks that ask for it
//! (`register = true`): one task per trunk, registering at start, refreshing
//! before expiry and retrying with backoff (the schedule is
//! `sip::registration::next_attempt`), and removing the registration on
//! shutdown.
//!
//! Does not own: building or authenticating the REGISTER (the `sip` crate),
//! or taking calls from trunks (`serve.rs` checks their sources).

use std::sync::Arc;
use std::time::Duration;

use sip::registration::{next_attempt, Registered};
use sip::{Credentials, SipEndpoint};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::config::Config;

/// How long the REGISTER with Expires: 0 may take at shutdown.
const UNREGISTER_WAIT: Duration = Duration::from_secs(2);

/// Starts one registration task per trunk with `register = true`.
pub fn spawn(
    config: &Config,
    endpoint: &Arc<SipEndpoint>,
    shutdown: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    for trunk in config.trunks.iter().filter(|t| t.register) {
        let (Some(address), Some(username), Some(password)) =
            (&trunk.address, &trunk.username, &trunk.password)
        else {
            continue; // config validation requires all three
        };
        let credentials = Credentials {
            username: username.clone(),
            password: password.clone(),
        };
        let call_id = format!("{:016x}@{}", fastrand::u64(..), endpoint.local_addr().ip());
        let registration = match endpoint.trunk_registration(
            address,
            &credentials,
            trunk.register_expires_secs,
            call_id,
        ) {
            Ok(r) => r,
            Err(e) => {
                warn!(trunk = %trunk.name, error = %e, "cannot register to the trunk");
                continue;
            }
        };
        let name = trunk.name.clone();
        let mut shutdown = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            keep_registered(name, registration, &mut shutdown).await;
        }));
    }
    tasks
}

async fn keep_registered(
    name: String,
    mut registration: sip::registration::TrunkRegistration,
    shutdown: &mut watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    let mut registered = false;
    loop {
        let result = tokio::select! {
            r = registration.register() => r,
            _ = shutdown.changed() => break,
        };
        match &result {
            Registered::Ok { expires } => {
                failures = 0;
                registered = true;
                info!(trunk = %name, expires, "registered to the trunk");
            }
            Registered::Refused { status } => {
                failures += 1;
                warn!(trunk = %name, status, failures, "the trunk refused our registration");
            }
            Registered::Unreachable { detail } => {
                failures += 1;
                warn!(trunk = %name, %detail, failures, "the trunk did not answer our registration");
            }
        }
        let wait = next_attempt(&result, failures);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => break,
        }
    }
    if registered {
        match tokio::time::timeout(UNREGISTER_WAIT, registration.unregister()).await {
            Ok(Registered::Ok { .. }) => info!(trunk = %name, "unregistered from the trunk"),
            Ok(Registered::Refused { status }) => {
                warn!(trunk = %name, status, "the trunk refused our unregistration")
            }
            Ok(Registered::Unreachable { detail }) => {
                warn!(trunk = %name, %detail, "the trunk did not answer our unregistration")
            }
            Err(_) => warn!(trunk = %name, "no answer to our unregistration"),
        }
    }
}
