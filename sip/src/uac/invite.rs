//! The requests of an outgoing call before it has a dialog: reading the
//! target, choosing the address we advertise, the INVITE and its CANCEL.
//!
//! Owns: what we put on the wire as a UAC — our own Call-ID (random hex `@`
//! our address; never rsipstack's default, which names a vendor's domain),
//! From with our tag and caller number, To, Contact, CSeq, Allow and the SDP
//! offer; and the CANCEL built from the INVITE as RFC 3261 §9.1 asks.
//!
//! Does not own: sending (the task in `task.rs` and rsipstack's transactions)
//! or the offer's content (the caller builds it with `media::sdp`).

use std::net::{IpAddr, SocketAddr};

use rsipstack::sip::param::Tag;
use rsipstack::sip::typed;
use rsipstack::sip::{
    Auth, Header, Host, HostWithPort, Method, Param, Request, Scheme, Transport, Uri, Version,
};

use super::types::OutgoingCall;
use crate::dialog::request::unescape_user;
use crate::error::SipError;
use crate::request::ALLOWED_METHODS;

/// Where a call goes.
#[derive(Clone, Debug)]
pub(super) struct Target {
    /// The Request-URI.
    pub uri: Uri,
    /// TCP (`;transport=tcp`) rather than UDP.
    pub reliable: bool,
}

impl Target {
    /// Reads `sip:USER@HOST[:PORT][;transport=udp|tcp]`.
    pub fn parse(target: &str) -> Result<Target, SipError> {
        let err = |detail: String| SipError::Target {
            target: target.to_string(),
            detail,
        };
        let uri = Uri::try_from(target.trim()).map_err(|e| err(e.to_string()))?;
        if uri.scheme != Some(Scheme::Sip) {
            return Err(err("only sip: URIs can be dialled (no TLS)".into()));
        }
        let transport = uri.params.iter().find_map(|p| match p {
            Param::Transport(t) => Some(*t),
            _ => None,
        });
        let reliable = match transport {
            None | Some(Transport::Udp) => false,
            Some(Transport::Tcp) => true,
            Some(t) => return Err(err(format!("transport {t} is not supported"))),
        };
        Ok(Target {
            uri: unescape_user(uri),
            reliable,
        })
    }

    /// The target's host and port, resolved (port 5060 when absent).
    async fn socket_addr(&self) -> Option<SocketAddr> {
        let hp = &self.uri.host_with_port;
        let port = hp.port.as_ref().map_or(5060, |p| p.value());
        match &hp.host {
            Host::IpAddr(ip) => Some(SocketAddr::new(*ip, port)),
            Host::Domain(domain) => tokio::net::lookup_host((domain.to_string(), port))
                .await
                .ok()?
                .next(),
        }
    }
}

/// The address to put in Via, Contact, From and the Call-ID: `local`, or,
/// when the endpoint listens on a wildcard address, the address of the
/// interface the system routes towards the target from (same port).
pub(super) async fn advertised(local: SocketAddr, target: &Target) -> SocketAddr {
    if !local.ip().is_unspecified() {
        return local;
    }
    let Some(remote) = target.socket_addr().await else {
        return local;
    };
    let any: IpAddr = if local.is_ipv4() {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    } else {
        std::net::Ipv6Addr::UNSPECIFIED.into()
    };
    let Ok(probe) = tokio::net::UdpSocket::bind(SocketAddr::new(any, 0)).await else {
        return local;
    };
    // A connected UDP socket sends nothing; it only picks a source address.
    match probe
        .connect(remote)
        .await
        .and_then(|()| probe.local_addr())
    {
        Ok(addr) if addr.is_ipv4() == local.is_ipv4() => SocketAddr::new(addr.ip(), local.port()),
        _ => local,
    }
}

/// The identifiers of one outgoing call, drawn from the endpoint's RNG.
#[derive(Clone, Debug)]
pub(super) struct Ids {
    pub call_id: String,
    pub from_tag: String,
    pub cseq: u32,
}

impl Ids {
    pub fn new(rng: &mut fastrand::Rng, local: SocketAddr) -> Ids {
        Ids {
            call_id: format!("{:016x}{:016x}@{}", rng.u64(..), rng.u64(..), local.ip()),
            from_tag: format!("{:016x}", rng.u64(..)),
            cseq: 1,
        }
    }
}

/// Our Contact URI for a call from `local`.
pub(super) fn contact(local: SocketAddr, reliable: bool) -> String {
    let transport = if reliable { ";transport=tcp" } else { "" };
    format!("sip:linewarden@{local}{transport}")
}

/// The INVITE for `call`. `via` must carry the transport of `target`.
pub(super) fn invite(
    call: &OutgoingCall,
    target: &Target,
    ids: &Ids,
    local: SocketAddr,
    via: typed::Via,
    user_agent: &str,
) -> Result<Request, SipError> {
    if call.from_user.trim().is_empty() {
        return Err(SipError::Caller {
            detail: "the caller number is empty",
        });
    }
    let from_uri = Uri {
        scheme: Some(Scheme::Sip),
        auth: Some(Auth {
            user: call.from_user.trim().to_string(),
            password: None,
        }),
        host_with_port: HostWithPort {
            host: Host::IpAddr(local.ip()),
            port: None,
        },
        ..Default::default()
    };
    let from = typed::From {
        display_name: call.from_display.as_deref().and_then(display_name),
        uri: from_uri,
        params: vec![Param::Tag(Tag::new(ids.from_tag.clone()))],
    };
    let mut to_uri = target.uri.clone();
    to_uri.params.clear();
    to_uri.headers.clear();
    let mut headers = vec![Header::Via(via.into()), Header::MaxForwards(70.into())];
    headers.extend(call.route.iter().map(|r| Header::Route(r.clone().into())));
    headers.extend([
        Header::From(from.into()),
        Header::To(format!("<{to_uri}>").into()),
        Header::CallId(ids.call_id.clone().into()),
        Header::CSeq(format!("{} INVITE", ids.cseq).into()),
        Header::Contact(format!("<{}>", contact(local, target.reliable)).into()),
        Header::Allow(ALLOWED_METHODS.into()),
        Header::ContentType("application/sdp".into()),
        Header::UserAgent(user_agent.to_string().into()),
    ]);
    Ok(Request {
        method: Method::Invite,
        uri: target.uri.clone(),
        headers: headers.into(),
        version: Version::V2,
        body: call.offer.clone().into_bytes(),
    })
}

/// The CANCEL for `invite` (RFC 3261 §9.1): same Request-URI, Call-ID,
/// From, To, Route and CSeq number, and only the INVITE's top Via, so it
/// matches the INVITE's server transaction.
pub(super) fn cancel(invite: &Request, cseq: u32) -> Request {
    let mut via_seen = false;
    let mut headers: Vec<Header> = Vec::new();
    for h in invite.headers.iter() {
        match h {
            Header::Via(_) if !via_seen => {
                via_seen = true;
                headers.push(h.clone());
            }
            Header::CallId(_)
            | Header::From(_)
            | Header::To(_)
            | Header::Route(_)
            | Header::MaxForwards(_)
            | Header::UserAgent(_) => headers.push(h.clone()),
            _ => {}
        }
    }
    headers.push(Header::CSeq(format!("{cseq} CANCEL").into()));
    Request {
        method: Method::Cancel,
        uri: invite.uri.clone(),
        headers: headers.into(),
        version: Version::V2,
        body: vec![],
    }
}

/// A display name that is safe inside a quoted string: control characters,
/// quotes and backslashes are dropped (rsipstack writes the name as is).
fn display_name(name: &str) -> Option<String> {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("sip:5550199@127.0.0.1:5060").unwrap();
        assert!(!t.reliable);
        let t = Target::parse("sip:5550199@127.0.0.1:5060;transport=tcp").unwrap();
        assert!(t.reliable);
        for bad in [
            "sips:1@127.0.0.1",
            "tel:+441632960001",
            "sip:1@127.0.0.1;transport=tls",
            "not a uri",
        ] {
            assert!(
                matches!(Target::parse(bad), Err(SipError::Target { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn display_names_cannot_break_the_header() {
        assert_eq!(display_name("A \"B\"\r\nX: y"), Some("A BX: y".into()));
        assert_eq!(display_name(" \t"), None);
    }

    #[test]
    fn invite_and_cancel() {
        let local: SocketAddr = "127.0.0.1:5070".parse().unwrap();
        let target = Target::parse("sip:5550199@127.0.0.1:5060").unwrap();
        let ids = Ids::new(&mut fastrand::Rng::with_seed(3), local);
        assert!(ids.call_id.ends_with("@127.0.0.1"));
        let call = OutgoingCall {
            target: "sip:5550199@127.0.0.1:5060".into(),
            from_user: "+441632960001".into(),
            from_display: Some("Caller".into()),
            offer: "v=0\r\n".into(),
            ..Default::default()
        };
        let via: typed::Via =
            typed::Via::parse("SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx").expect("via");
        let inv = invite(&call, &target, &ids, local, via, "ua").unwrap();
        let text = inv.to_string();
        assert!(text.contains("\"Caller\" <sip:+441632960001@127.0.0.1>;tag="));
        assert!(text.contains("Contact: <sip:linewarden@127.0.0.1:5070>"));
        let cancel = cancel(&inv, ids.cseq).to_string();
        assert!(cancel.starts_with("CANCEL sip:5550199@127.0.0.1:5060 SIP/2.0"));
        assert!(cancel.contains("CSeq: 1 CANCEL") && cancel.contains("branch=z9hG4bKx"));
        assert!(!cancel.contains("Contact") && !cancel.contains("v=0"));
        // Along a registered phone's Path: Route headers in order, kept
        // in the CANCEL.
        let routed = OutgoingCall {
            route: vec![
                "<sip:192.0.2.1;lr;received=sip:10.0.0.7:5062>".into(),
                "<sip:b;lr>".into(),
            ],
            ..call.clone()
        };
        let via = typed::Via::parse("SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKy").expect("via");
        let text = invite(&routed, &target, &ids, local, via, "ua").unwrap();
        let expected = "Max-Forwards: 70\r\nRoute: <sip:192.0.2.1;lr;received=sip:10.0.0.7:5062>\r\nRoute: <sip:b;lr>\r\n";
        assert!(text.to_string().contains(expected), "{text}");
        assert!(text
            .to_string()
            .starts_with("INVITE sip:5550199@127.0.0.1:5060 SIP/2.0"));
        assert!(super::cancel(&text, ids.cseq)
            .to_string()
            .contains("Route: <sip:b;lr>"));
        let empty = OutgoingCall {
            from_user: " ".into(),
            ..call
        };
        let via = typed::Via::parse("SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx").expect("via");
        assert!(matches!(
            invite(&empty, &target, &ids, local, via, "ua"),
            Err(SipError::Caller { .. })
        ));
    }
}
