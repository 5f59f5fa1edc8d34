//! Reaching a registered phone behind NAT: requests addressed to the
//! Contact a phone registered (a private address) go to where its REGISTER
//! really came from.
//!
//! Owns: the [`TargetLocator`] the endpoint gives rsipstack when a
//! registrar is on. rsipstack asks it where to send every request that has
//! no destination of its own — our ACK for a phone's 2xx, our BYE, a
//! re-INVITE — and it answers from the live bindings; any other target is
//! resolved as rsipstack would.
//!
//! Does not own: the bindings (`bindings.rs`, read through the parent's
//! [`Registrar`]).

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use rsipstack::sip::{Transport, Uri};
use rsipstack::transaction::endpoint::TargetLocator;
use rsipstack::transport::SipAddr;

use super::Registrar;

/// Sends requests for a registered Contact to the binding's real source.
pub(crate) struct BindingLocator {
    pub registrar: Arc<Mutex<Registrar>>,
}

#[async_trait]
impl TargetLocator for BindingLocator {
    async fn locate(&self, uri: &Uri) -> rsipstack::Result<SipAddr> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let source = self
            .registrar
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .nat_source(uri, now);
        match source {
            Some(addr) => Ok(SipAddr {
                r#type: Some(Transport::Udp),
                addr: addr.into(),
            }),
            None => SipAddr::try_from(uri),
        }
    }
}
