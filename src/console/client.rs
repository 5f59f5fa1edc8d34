//! Who is asking: the client's address as the login throttle and the audit
//! log record it.
//!
//! Owns: reading `X-Forwarded-For` when, and only when, the connection
//! comes from a reverse proxy named in `[console] trusted_proxies`; the
//! header is then read from the right, past the trusted proxies, so a
//! client cannot choose its own address by sending the header itself.
//! Does not own: the throttle or the audit (their modules).

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The client's address: `peer` itself, unless `peer` is a trusted proxy
/// and `X-Forwarded-For` names an address before it (the right-most one
/// that is not itself a trusted proxy).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // Garbage in the chain: nothing before it can be trusted.
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let h = headers(&["203.0.113.9"]);
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &[ip("127.0.0.1")]),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client_right_to_left() {
        let proxy = ip("127.0.0.1");
        // The client sent its own (forged) header; the proxy appended the
        // address it saw: the forged one is ignored.
        let h = headers(&["10.9.9.9, 203.0.113.9"]);
        assert_eq!(client_ip(proxy, &h, &[proxy]), ip("203.0.113.9"));
        // Two trusted proxies in a row, one header line each.
        let inner = ip("192.0.2.7");
        let h = headers(&["203.0.113.9", "192.0.2.7"]);
        assert_eq!(client_ip(proxy, &h, &[proxy, inner]), ip("203.0.113.9"));
    }

    #[test]
    fn no_header_or_garbage_leaves_the_proxy() {
        let proxy = ip("::1");
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
        assert_eq!(
            client_ip(proxy, &headers(&["1.2.3.4, not-an-ip"]), &[proxy]),
            proxy
        );
    }
}
