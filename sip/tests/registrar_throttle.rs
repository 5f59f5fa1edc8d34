//! The registrar under password guessing: a source that keeps failing is
//! refused even with the right password, another source is let in at once,
//! and unknown and known users get the same answers.

use std::collections::HashMap;
use std::net::SocketAddr;

use rsipstack::dialog::authenticate::compute_digest;
use rsipstack::sip::headers::auth::{Algorithm, AuthQop};
use rsipstack::sip::{Header, Method, Request, SipMessage};
use sip::registrar::throttle::MAX_BLOCK;
use sip::registrar::{Account, Registrar};

const REALM: &str = "linewarden";
const T0: u64 = 1_800_000_000;

fn registrar() -> Registrar {
    let accounts = HashMap::from([(
        "kitchen".to_string(),
        Account {
            password: "s3cret".into(),
            line: "flat12".into(),
        },
    )]);
    Registrar::new(REALM, accounts, 7)
}

fn register(user: &str, source: SocketAddr, cseq: u32, auth: Option<String>) -> Request {
    let mut text = format!(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP {source};branch=z9hG4bK{cseq}x\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{user}@127.0.0.1>;tag=a{cseq}\r\n\
         To: <sip:{user}@127.0.0.1>\r\n\
         Call-ID: reg-{user}@{source}\r\n\
         CSeq: {cseq} REGISTER\r\n\
         Contact: <sip:{user}@{source}>\r\n"
    );
    if let Some(auth) = auth {
        text.push_str(&auth);
        text.push_str("\r\n");
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    match SipMessage::try_from(text.as_str()).expect("parses") {
        SipMessage::Request(r) => r,
        SipMessage::Response(_) => unreachable!(),
    }
}

fn nonce_of(headers: &[Header]) -> String {
    let h = headers
        .iter()
        .find_map(|h| match h {
            Header::WwwAuthenticate(w) => Some(w.value().to_string()),
            _ => None,
        })
        .expect("a WWW-Authenticate header");
    let start = h.find("nonce=\"").expect("nonce") + 7;
    h[start..start + h[start..].find('"').unwrap()].to_string()
}

fn authorization(user: &str, password: &str, nonce: &str) -> String {
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

/// One challenged REGISTER: the status of the answer to the one with
/// credentials.
fn attempt(r: &mut Registrar, user: &str, pw: &str, source: SocketAddr, n: u32, now: u64) -> u16 {
    let first = r.handle(&register(user, source, 2 * n, None), source, now);
    assert_eq!(u16::from(first.status), 401);
    let nonce = nonce_of(&first.headers);
    let auth = authorization(user, pw, &nonce);
    let reply = r.handle(&register(user, source, 2 * n + 1, Some(auth)), source, now);
    u16::from(reply.status)
}

#[test]
fn a_guessing_source_is_blocked_and_another_registers_at_once() {
    let mut r = registrar();
    let guesser: SocketAddr = "127.0.0.2:5070".parse().unwrap();
    let phone: SocketAddr = "127.0.0.3:5070".parse().unwrap();
    for n in 0..200 {
        assert_eq!(attempt(&mut r, "kitchen", "guess", guesser, n, T0), 403);
    }
    // The right password from the guesser is refused, unchecked…
    assert_eq!(
        attempt(&mut r, "kitchen", "s3cret", guesser, 200, T0 + 1),
        403
    );
    assert_eq!(
        attempt(&mut r, "kitchen", "s3cret", guesser, 201, T0 + 60),
        403
    );
    assert!(r.contacts("kitchen", T0 + 60).is_empty());
    // …while the phone is let in at once.
    assert_eq!(attempt(&mut r, "kitchen", "s3cret", phone, 0, T0 + 60), 200);
    assert_eq!(r.contacts("kitchen", T0 + 60).len(), 1);
    // The block ends: a late attempt from the guesser is checked again.
    let later = T0 + 62 + MAX_BLOCK;
    assert_eq!(
        attempt(&mut r, "kitchen", "s3cret", guesser, 202, later),
        200
    );
}

#[test]
fn unknown_and_known_users_get_the_same_answers_under_guessing() {
    let mut known = registrar();
    let mut unknown = registrar();
    let source: SocketAddr = "198.51.100.7:5060".parse().unwrap();
    for n in 0..30 {
        let now = T0 + u64::from(n / 3);
        assert_eq!(
            attempt(&mut known, "kitchen", "guess", source, n, now),
            attempt(&mut unknown, "nobody", "guess", source, n, now),
        );
    }
}

#[test]
fn invites_from_phones_share_the_throttle() {
    let mut r = registrar();
    let guesser: SocketAddr = "127.0.0.2:5070".parse().unwrap();
    for n in 0..50 {
        assert_eq!(attempt(&mut r, "kitchen", "guess", guesser, n, T0), 403);
    }
    let invite = |auth: Option<String>| {
        let mut text = String::from(
            "INVITE sip:101@127.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKinv\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:kitchen@127.0.0.1>;tag=p1\r\n\
             To: <sip:101@127.0.0.1>\r\n\
             Call-ID: inv-1@127.0.0.2\r\n\
             CSeq: 1 INVITE\r\n\
             Contact: <sip:kitchen@127.0.0.2:5070>\r\n",
        );
        if let Some(auth) = auth {
            text.push_str(&auth);
            text.push_str("\r\n");
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        match SipMessage::try_from(text.as_str()).expect("parses") {
            SipMessage::Request(r) => r,
            SipMessage::Response(_) => unreachable!(),
        }
    };
    let challenge = r
        .authenticate_request(&invite(None), guesser, T0)
        .expect_err("challenged");
    assert_eq!(u16::from(challenge.status), 401);
    let nonce = nonce_of(&challenge.headers);
    let qop = AuthQop::Auth {
        cnonce: "c1".into(),
        nc: 1,
    };
    let response = compute_digest(
        "kitchen",
        "s3cret",
        REALM,
        &nonce,
        &Method::Invite,
        "sip:101@127.0.0.1",
        Algorithm::Md5,
        Some(&qop),
    );
    let auth = format!(
        "Authorization: Digest username=\"kitchen\", realm=\"{REALM}\", nonce=\"{nonce}\", \
         uri=\"sip:101@127.0.0.1\", response=\"{response}\", algorithm=MD5, qop=auth, \
         nc=00000001, cnonce=\"c1\""
    );
    let refused = r
        .authenticate_request(&invite(Some(auth.clone())), guesser, T0 + 1)
        .expect_err("blocked");
    assert_eq!(u16::from(refused.status), 403);
    let phone: SocketAddr = "127.0.0.3:5070".parse().unwrap();
    assert_eq!(
        r.authenticate_request(&invite(Some(auth)), phone, T0 + 1)
            .expect("another source is checked"),
        "kitchen"
    );
}
