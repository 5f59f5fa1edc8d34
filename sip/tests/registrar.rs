//! The registrar's answers to REGISTER: challenge, credentials, bindings,
//! expiry, wildcard removal, restore after restart, and the RFC 4475
//! REGISTER torture messages. Requests other than REGISTER from the
//! phones are in `registrar_phones.rs`.

mod registrar_support;

use rsipstack::sip::{Header, SipMessage};
use sip::registrar::{Binding, BindingChange, MAX_BINDINGS, MAX_EXPIRES, NONCE_LIFETIME};

use registrar_support::*;

#[test]
fn challenge_then_register_then_ring_list() {
    let mut r = registrar();
    let changes = register_ok(
        &mut r,
        "kitchen",
        "s3cret",
        1,
        &[contact("sip:kitchen@192.0.2.5:5062"), "Expires: 600".into()],
        T0,
    );
    assert_eq!(changes.len(), 1);
    let BindingChange::Set(b) = &changes[0] else {
        panic!("{changes:?}")
    };
    assert_eq!(b.user, "kitchen");
    assert_eq!(b.contact, "sip:kitchen@192.0.2.5:5062");
    assert_eq!(b.source, source());
    assert_eq!(b.expires_at, T0 + 600);
    let ring = r.line_contacts("flat12", T0 + 10);
    assert_eq!(ring.len(), 1);
    assert!(r.line_contacts("flat7", T0).is_empty());
    // Lapsed after its expiry.
    assert!(r.line_contacts("flat12", T0 + 600).is_empty());
}

#[test]
fn wrong_password_and_other_users_name_are_forbidden() {
    let mut r = registrar();
    let first = r.handle(&register("kitchen", 1, &[]), source(), T0);
    let nonce = nonce_of(&first.headers);
    let bad = r.handle(
        &register("kitchen", 2, &[authorization("kitchen", "guess", &nonce)]),
        source(),
        T0,
    );
    assert_eq!(u16::from(bad.status), 403);
    // bob's own credentials may not register the kitchen phone.
    let bob = r.handle(
        &register(
            "kitchen",
            3,
            &[
                contact("sip:evil@203.0.113.9"),
                authorization("bob", "bobpw", &nonce),
            ],
        ),
        source(),
        T0,
    );
    assert_eq!(u16::from(bob.status), 403);
    assert!(r.line_contacts("flat12", T0).is_empty());
}

#[test]
fn unknown_user_is_challenged_like_a_known_one() {
    let mut r = registrar();
    let reply = r.handle(&register("nobody", 1, &[]), source(), T0);
    assert_eq!(u16::from(reply.status), 401);
    let nonce = nonce_of(&reply.headers);
    let reply = r.handle(
        &register("nobody", 2, &[authorization("nobody", "x", &nonce)]),
        source(),
        T0,
    );
    assert_eq!(u16::from(reply.status), 403);
}

#[test]
fn made_up_and_stale_nonces_are_challenged_again() {
    let mut r = registrar();
    let made_up = r.handle(
        &register(
            "kitchen",
            1,
            &[authorization("kitchen", "s3cret", "feedface")],
        ),
        source(),
        T0,
    );
    assert_eq!(u16::from(made_up.status), 401);
    let nonce = nonce_of(&made_up.headers);
    let late = T0 + NONCE_LIFETIME + 1;
    let stale = r.handle(
        &register("kitchen", 2, &[authorization("kitchen", "s3cret", &nonce)]),
        source(),
        late,
    );
    assert_eq!(u16::from(stale.status), 401);
    let h = format!("{:?}", stale.headers);
    assert!(h.contains("stale"), "{h}");
}

#[test]
fn expiry_rules() {
    let mut r = registrar();
    // Too short: 423 with Min-Expires.
    let first = r.handle(&register("kitchen", 1, &[]), source(), T0);
    let nonce = nonce_of(&first.headers);
    let brief = r.handle(
        &register(
            "kitchen",
            2,
            &[
                contact("sip:kitchen@192.0.2.5:5062"),
                "Expires: 10".into(),
                authorization("kitchen", "s3cret", &nonce),
            ],
        ),
        source(),
        T0,
    );
    assert_eq!(u16::from(brief.status), 423);
    assert!(brief
        .headers
        .iter()
        .any(|h| matches!(h, Header::MinExpires(m) if m.value() == "60")));
    // Too long: cut down. Per-contact expires wins over the header.
    let changes = register_ok(
        &mut r,
        "kitchen",
        "s3cret",
        3,
        &[
            "Contact: <sip:kitchen@192.0.2.5:5062>;expires=99999".into(),
            "Expires: 120".into(),
        ],
        T0,
    );
    let BindingChange::Set(b) = &changes[0] else {
        panic!()
    };
    assert_eq!(b.expires_at, T0 + u64::from(MAX_EXPIRES));
}

#[test]
fn unregister_one_and_all() {
    let mut r = registrar();
    for (i, c) in ["sip:kitchen@192.0.2.5:5062", "sip:kitchen@192.0.2.6:5062"]
        .iter()
        .enumerate()
    {
        register_ok(
            &mut r,
            "kitchen",
            "s3cret",
            10 * i as u32 + 1,
            &[contact(c)],
            T0,
        );
    }
    assert_eq!(r.contacts("kitchen", T0).len(), 2);
    let changes = register_ok(
        &mut r,
        "kitchen",
        "s3cret",
        50,
        &["Contact: <sip:kitchen@192.0.2.5:5062>;expires=0".into()],
        T0,
    );
    assert!(
        matches!(&changes[..], [BindingChange::Removed { contact, .. }] if contact == "sip:kitchen@192.0.2.5:5062")
    );
    assert_eq!(r.contacts("kitchen", T0).len(), 1);
    // `*` needs Expires: 0.
    let first = r.handle(&register("kitchen", 60, &[]), source(), T0);
    let nonce = nonce_of(&first.headers);
    let bad = r.handle(
        &register(
            "kitchen",
            61,
            &[
                "Contact: *".into(),
                authorization("kitchen", "s3cret", &nonce),
            ],
        ),
        source(),
        T0,
    );
    assert_eq!(u16::from(bad.status), 400);
    let changes = register_ok(
        &mut r,
        "kitchen",
        "s3cret",
        70,
        &["Contact: *".into(), "Expires: 0".into()],
        T0,
    );
    assert_eq!(changes.len(), 1);
    assert!(r.contacts("kitchen", T0).is_empty());
}

#[test]
fn bindings_are_bounded_and_restored() {
    let mut r = registrar();
    let mut all = Vec::new();
    for i in 0..(MAX_BINDINGS + 2) {
        let changes = register_ok(
            &mut r,
            "hall",
            "other",
            10 * i as u32 + 1,
            &[contact(&format!("sip:hall@192.0.2.{}:5060", 10 + i))],
            T0 + i as u64,
        );
        all.extend(changes);
    }
    assert_eq!(r.contacts("hall", T0 + 10).len(), MAX_BINDINGS);
    let removed = all
        .iter()
        .filter(|c| matches!(c, BindingChange::Removed { .. }))
        .count();
    assert_eq!(removed, 2);

    // What a store kept, given back after a restart: lapsed ones and ones
    // for accounts no longer configured are dropped.
    let kept = vec![
        Binding {
            user: "kitchen".into(),
            contact: "sip:kitchen@192.0.2.5:5062".into(),
            source: source(),
            path: vec![],
            call_id: "c".into(),
            cseq: 1,
            expires_at: T0 + 100,
        },
        Binding {
            user: "kitchen".into(),
            contact: "sip:kitchen@192.0.2.9:5062".into(),
            source: source(),
            path: vec![],
            call_id: "c".into(),
            cseq: 1,
            expires_at: T0 - 1,
        },
        Binding {
            user: "removed-account".into(),
            contact: "sip:x@192.0.2.5".into(),
            source: source(),
            path: vec![],
            call_id: "c".into(),
            cseq: 1,
            expires_at: T0 + 100,
        },
    ];
    let mut fresh = registrar();
    fresh.restore(kept, T0);
    assert_eq!(fresh.line_contacts("flat12", T0).len(), 1);
}

#[test]
fn out_of_order_register_is_refused() {
    let mut r = registrar();
    register_ok(
        &mut r,
        "kitchen",
        "s3cret",
        10,
        &[contact("sip:kitchen@192.0.2.5:5062")],
        T0,
    );
    let first = r.handle(&register("kitchen", 12, &[]), source(), T0);
    let nonce = nonce_of(&first.headers);
    let late = r.handle(
        &register(
            "kitchen",
            5,
            &[
                contact("sip:kitchen@192.0.2.5:5062"),
                authorization("kitchen", "s3cret", &nonce),
            ],
        ),
        source(),
        T0,
    );
    assert_eq!(u16::from(late.status), 500);
}

/// The REGISTER messages of RFC 4475: none is accepted without credentials;
/// `unksm2` (To is not a SIP URI) is a 400.
#[test]
fn rfc4475_register_messages() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/rfc4475");
    for (name, want) in [
        ("regaut01", 401),
        ("cparam01", 401),
        ("cparam02", 401),
        ("regescrt", 401),
        ("unksm2", 400),
    ] {
        let bytes = std::fs::read(format!("{dir}/{name}.dat")).expect("torture message");
        let Ok(SipMessage::Request(req)) = SipMessage::try_from(bytes.as_slice()) else {
            panic!("{name} does not parse")
        };
        let reply = registrar().handle(&req, source(), T0);
        assert_eq!(u16::from(reply.status), want, "{name}");
        assert!(reply.changes.is_empty(), "{name}");
    }
}
