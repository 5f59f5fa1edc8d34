//! The addresses `serve` binds, and the check at start that each can be.
//!
//! Owns: which address RTP sockets are bound on (the IP of
//! `service.listen`, every interface when that is a wildcard) as opposed to
//! the one SDP advertises (`service.media_address`, which behind NAT is no
//! address of this host and is never bound), and failing start-up with an
//! error naming the configuration key whose address cannot be bound.
//! Does not own: binding SIP (the `sip` crate's endpoint; its error is
//! given the key's name here) or the RTP streams.

use std::net::SocketAddr;

use anyhow::Context;
use sip::rtp_session::PortRange;

use crate::config::ServiceConfig;

/// The RTP port range, bound on the listen address's IP and advertised as
/// the media address; fails when no port of it can be bound.
pub async fn media_ports(service: &ServiceConfig) -> anyhow::Result<PortRange> {
    let ports = PortRange::with_addresses(
        service.rtp_ports.first,
        service.rtp_ports.last,
        service.listen.ip(),
        service.media_ip(),
    );
    let probe = ports.open().await.with_context(|| {
        format!(
            "service.rtp_ports: no port in {}-{} can be bound on {} (the IP of service.listen, where RTP is received)",
            service.rtp_ports.first,
            service.rtp_ports.last,
            service.listen.ip()
        )
    })?;
    drop(probe);
    let calls = service.rtp_ports.bridged_calls();
    if calls < service.max_calls {
        tracing::warn!(
            "service.rtp_ports {}-{} holds {calls} bridged calls at once (an even port per leg), \
             fewer than service.max_calls ({}): calls beyond get 503 for want of an RTP port; \
             widen the range",
            service.rtp_ports.first,
            service.rtp_ports.last,
            service.max_calls
        );
    }
    Ok(ports)
}

/// The error of binding SIP on `listen`, naming the key.
pub fn listen_error(listen: SocketAddr) -> String {
    format!("service.listen: cannot bind SIP on {listen}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rtp_is_bound_on_the_listen_ip_and_advertises_the_media_address() {
        let service = ServiceConfig {
            listen: "127.0.0.1:5060".parse().unwrap(),
            media_address: Some("192.0.2.10".parse().unwrap()),
            rtp_ports: crate::config::PortRange {
                first: 42000,
                last: 42099,
            },
            ..ServiceConfig::default()
        };
        let ports = media_ports(&service).await.expect("bindable");
        let (socket, advertised) = ports.open().await.expect("a port");
        assert_eq!(socket.local_addr().unwrap().ip().to_string(), "127.0.0.1");
        assert_eq!(advertised.ip().to_string(), "192.0.2.10");
    }

    #[tokio::test]
    async fn an_address_of_another_host_is_named_by_its_key() {
        let service = ServiceConfig {
            listen: "192.0.2.10:5060".parse().unwrap(),
            rtp_ports: crate::config::PortRange {
                first: 42100,
                last: 42199,
            },
            ..ServiceConfig::default()
        };
        let err = media_ports(&service).await.expect_err("not this host's");
        let text = format!("{err:#}");
        assert!(text.starts_with("service.rtp_ports:"), "{text}");
        assert!(text.contains("192.0.2.10"), "{text}");
    }
}
