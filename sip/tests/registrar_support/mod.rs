//! What the registrar's tests share: the accounts, REGISTER requests and
//! digest answers to challenges.
#![allow(dead_code)] // each test file uses only some of these

use std::collections::HashMap;
use std::net::SocketAddr;

use rsipstack::dialog::authenticate::compute_digest;
use rsipstack::sip::headers::auth::{Algorithm, AuthQop};
use rsipstack::sip::{Header, Method, Request, SipMessage};
use sip::registrar::{Account, BindingChange, Registrar};

pub const REALM: &str = "linewarden";
pub const T0: u64 = 1_800_000_000;

pub fn registrar() -> Registrar {
    let mut accounts = HashMap::new();
    for (user, pw, line) in [("kitchen", "s3cret", "flat12"), ("hall", "other", "flat12")] {
        accounts.insert(
            user.to_string(),
            Account {
                password: pw.into(),
                line: line.into(),
            },
        );
    }
    accounts.insert(
        "bob".into(),
        Account {
            password: "bobpw".into(),
            line: "flat7".into(),
        },
    );
    Registrar::new(REALM, accounts, 7)
}

pub fn source() -> SocketAddr {
    "192.0.2.5:5062".parse().unwrap()
}

/// A REGISTER for `user` with extra header lines.
pub fn register(user: &str, cseq: u32, extra: &[String]) -> Request {
    let mut text = format!(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.5:5062;branch=z9hG4bK{cseq}x\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{user}@127.0.0.1>;tag=a{cseq}\r\n\
         To: <sip:{user}@127.0.0.1>\r\n\
         Call-ID: reg-{user}@192.0.2.5\r\n\
         CSeq: {cseq} REGISTER\r\n"
    );
    for line in extra {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    match SipMessage::try_from(text.as_str()).expect("parses") {
        SipMessage::Request(r) => r,
        SipMessage::Response(_) => unreachable!(),
    }
}

pub fn nonce_of(headers: &[Header]) -> String {
    let h = headers
        .iter()
        .find_map(|h| match h {
            Header::WwwAuthenticate(w) => Some(w.value().to_string()),
            _ => None,
        })
        .expect("a WWW-Authenticate header");
    assert!(h.contains("realm=\"linewarden\""), "{h}");
    assert!(h.contains("qop=\"auth\"") || h.contains("qop=auth"), "{h}");
    let start = h.find("nonce=\"").expect("nonce") + 7;
    h[start..start + h[start..].find('"').unwrap()].to_string()
}

pub fn authorization(user: &str, password: &str, nonce: &str) -> String {
    let qop = AuthQop::Auth {
        cnonce: "0a4f113b".into(),
        nc: 1,
    };
    let response = compute_digest(
        user,
        password,
        REALM,
        nonce,
        &Method::Register,
        "sip:127.0.0.1",
        Algorithm::Md5,
        Some(&qop),
    );
    format!(
        "Authorization: Digest username=\"{user}\", realm=\"{REALM}\", nonce=\"{nonce}\", \
         uri=\"sip:127.0.0.1\", response=\"{response}\", algorithm=MD5, qop=auth, \
         nc=00000001, cnonce=\"0a4f113b\""
    )
}

/// Registers `contact` for `user` with the right password; returns the
/// changes.
pub fn register_ok(
    r: &mut Registrar,
    user: &str,
    pw: &str,
    cseq: u32,
    extra: &[String],
    now: u64,
) -> Vec<BindingChange> {
    let first = r.handle(&register(user, cseq, extra), source(), now);
    assert_eq!(u16::from(first.status), 401);
    assert!(first.changes.is_empty());
    let nonce = nonce_of(&first.headers);
    let mut with_auth = extra.to_vec();
    with_auth.push(authorization(user, pw, &nonce));
    let second = r.handle(&register(user, cseq + 1, &with_auth), source(), now);
    assert_eq!(u16::from(second.status), 200, "{:?}", second.headers);
    second.changes
}

pub fn contact(uri: &str) -> String {
    format!("Contact: <{uri}>")
}
