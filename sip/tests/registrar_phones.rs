//! The registrar for the phones' other requests: an INVITE authenticated
//! with the phone's account, and requests for a phone behind NAT sent to
//! where its REGISTER came from.

mod registrar_support;

use rsipstack::dialog::authenticate::compute_digest;
use rsipstack::sip::headers::auth::{Algorithm, AuthQop};
use rsipstack::sip::{Method, SipMessage};

use registrar_support::*;

/// An INVITE from a registered phone is authenticated with its account.
#[test]
fn an_invite_is_authenticated_with_the_phones_account() {
    let mut r = registrar();
    let invite = |extra: &[String]| {
        let mut text = "INVITE sip:101@127.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.5:5062;branch=z9hG4bKinv\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:kitchen@127.0.0.1>;tag=p1\r\n\
             To: <sip:101@127.0.0.1>\r\n\
             Call-ID: out-1@192.0.2.5\r\n\
             CSeq: 1 INVITE\r\n"
            .to_string();
        for line in extra {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        match SipMessage::try_from(text.as_str()).expect("parses") {
            SipMessage::Request(r) => r,
            SipMessage::Response(_) => unreachable!(),
        }
    };
    let challenge = r
        .authenticate_request(&invite(&[]), source(), T0)
        .expect_err("challenged");
    assert_eq!(u16::from(challenge.status), 401);
    let nonce = nonce_of(&challenge.headers);
    let digest = |user: &str, pw: &str| {
        let qop = AuthQop::Auth {
            cnonce: "c1".into(),
            nc: 1,
        };
        let response = compute_digest(
            user,
            pw,
            REALM,
            &nonce,
            &Method::Invite,
            "sip:101@127.0.0.1",
            Algorithm::Md5,
            Some(&qop),
        );
        format!(
            "Authorization: Digest username=\"{user}\", realm=\"{REALM}\", nonce=\"{nonce}\", \
             uri=\"sip:101@127.0.0.1\", response=\"{response}\", algorithm=MD5, qop=auth, \
             nc=00000001, cnonce=\"c1\""
        )
    };
    assert_eq!(
        r.authenticate_request(&invite(&[digest("kitchen", "s3cret")]), source(), T0)
            .expect("right password"),
        "kitchen"
    );
    let wrong = r
        .authenticate_request(&invite(&[digest("kitchen", "nope")]), source(), T0)
        .expect_err("wrong password");
    assert_eq!(u16::from(wrong.status), 403);
    assert_eq!(
        r.account("kitchen").map(|a| a.line.as_str()),
        Some("flat12")
    );
}

/// A phone behind NAT: requests for the Contact it registered go to where
/// its REGISTER came from; other targets, and a phone reached where it
/// says, are left alone.
#[test]
fn a_natted_contact_is_reached_at_its_source() {
    let mut r = registrar();
    register_ok(
        &mut r,
        "kitchen",
        "s3cret",
        1,
        &[contact("sip:kitchen@10.0.0.5:5060")],
        T0,
    );
    let uri = |s: &str| rsipstack::sip::Uri::try_from(s).expect("uri");
    assert_eq!(
        r.nat_source(&uri("sip:kitchen@10.0.0.5:5060"), T0),
        Some(source())
    );
    assert_eq!(r.nat_source(&uri("sip:kitchen@10.0.0.6:5060"), T0), None);
    assert_eq!(
        r.nat_source(&uri("sip:kitchen@10.0.0.5:5060;transport=tcp"), T0),
        None
    );
    // Lapsed.
    assert_eq!(
        r.nat_source(&uri("sip:kitchen@10.0.0.5:5060"), T0 + 4000),
        None
    );
    // Registered from where it says it is: nothing to change.
    register_ok(
        &mut r,
        "hall",
        "other",
        1,
        &[contact("sip:hall@192.0.2.5:5062")],
        T0,
    );
    assert_eq!(r.nat_source(&uri("sip:hall@192.0.2.5:5062"), T0), None);
}
