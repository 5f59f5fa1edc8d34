//! The registrar and RFC 3327 Path: a REGISTER's Path is kept with the
//! binding (with its source), given back in the 200 OK to a phone that
//! supports Path, and a Path that cannot be read gets 400 and changes
//! nothing. Bindings a shared store shows are looked up beside the
//! registrar's own.

mod registrar_support;

use rsipstack::sip::Header;
use sip::registrar::{Binding, BindingChange, RegisterReply, MAX_PATH};

use registrar_support::*;

const PROXY: &str = "<sip:192.0.2.1:5060;lr;received=sip:192.0.2.5:5062>";

/// Registers kitchen's phone through a challenge with `extra` headers on
/// both REGISTERs; the answer to the second.
fn register_with(r: &mut sip::registrar::Registrar, extra: &[String]) -> RegisterReply {
    let first = r.handle(&register("kitchen", 1, extra), source(), T0);
    assert_eq!(u16::from(first.status), 401);
    let mut with_auth = extra.to_vec();
    with_auth.push(authorization(
        "kitchen",
        "s3cret",
        &nonce_of(&first.headers),
    ));
    r.handle(&register("kitchen", 2, &with_auth), source(), T0)
}

fn path_header(reply: &RegisterReply) -> Option<String> {
    reply.headers.iter().find_map(|h| match h {
        Header::Path(p) => Some(p.value().to_string()),
        _ => None,
    })
}

#[test]
fn the_path_is_kept_in_order_and_returned_to_a_phone_that_supports_it() {
    let mut r = registrar();
    let second = "<sip:edge.example.net;lr>";
    let reply = register_with(
        &mut r,
        &[
            contact("sip:kitchen@10.0.0.7:5062"),
            format!("Path: {PROXY}"),
            format!("Path: {second}"),
            "Supported: replaces, path".into(),
        ],
    );
    assert_eq!(u16::from(reply.status.clone()), 200);
    assert_eq!(path_header(&reply), Some(format!("{PROXY}, {second}")));
    let [BindingChange::Set(b)] = reply.changes.as_slice() else {
        panic!("{:?}", reply.changes);
    };
    assert_eq!(b.path, vec![PROXY.to_string(), second.to_string()]);
    assert_eq!(b.source, source());
    assert_eq!(r.line_contacts("flat12", T0 + 1)[0].path, b.path);
    // Reached along its path, never straight to its source.
    let uri = rsipstack::sip::Uri::try_from("sip:kitchen@10.0.0.7:5062").unwrap();
    assert_eq!(r.nat_source(&uri, T0 + 1), None);
}

#[test]
fn a_phone_without_path_support_gets_no_path_back_and_without_path_nothing_changes() {
    let mut r = registrar();
    let reply = register_with(
        &mut r,
        &[
            contact("sip:kitchen@10.0.0.7:5062"),
            format!("Path: {PROXY}"),
        ],
    );
    assert_eq!(u16::from(reply.status.clone()), 200);
    assert_eq!(path_header(&reply), None);
    assert_eq!(r.contacts("kitchen", T0)[0].path, vec![PROXY.to_string()]);

    let mut r = registrar();
    let reply = register_with(&mut r, &[contact("sip:kitchen@10.0.0.7:5062")]);
    assert_eq!(u16::from(reply.status.clone()), 200);
    assert_eq!(path_header(&reply), None);
    assert!(r.contacts("kitchen", T0)[0].path.is_empty());
    // Behind NAT without a path: the source, as before.
    let uri = rsipstack::sip::Uri::try_from("sip:kitchen@10.0.0.7:5062").unwrap();
    assert_eq!(r.nat_source(&uri, T0), Some(source()));
}

#[test]
fn an_unreadable_path_gets_400_and_changes_nothing() {
    let too_many = [PROXY; MAX_PATH + 1].join(", ");
    let long = format!("<sip:{}.example;lr>", "a".repeat(600));
    for bad in [
        "<sip:192.0.2.1;lr",
        "<tel:+441632960001>",
        "sip:192.0.2.1;lr",
        "<sip:a;lr>,,<sip:b;lr>",
        "\"unclosed <sip:a;lr>",
        "<>",
        too_many.as_str(),
        long.as_str(),
    ] {
        let mut r = registrar();
        let reply = register_with(
            &mut r,
            &[contact("sip:kitchen@10.0.0.7:5062"), format!("Path: {bad}")],
        );
        assert_eq!(u16::from(reply.status.clone()), 400, "{bad}");
        assert!(reply.changes.is_empty(), "{bad}");
        assert!(r.contacts("kitchen", T0).is_empty(), "{bad}");
    }
}

#[test]
fn bindings_a_shared_store_shows_are_rung_beside_the_registrars_own() {
    let mut r = registrar();
    register_ok(
        &mut r,
        "kitchen",
        "s3cret",
        1,
        &[contact("sip:kitchen@10.0.0.7:5062")],
        T0,
    );
    let stored = |contact: &str, expires_at: u64| Binding {
        user: "kitchen".into(),
        contact: contact.into(),
        source: "192.0.2.1:5060".parse().unwrap(),
        path: vec![PROXY.into()],
        call_id: "other-node".into(),
        cseq: 9,
        expires_at,
    };
    r.set_stored(vec![
        // The same contact, registered again through another node later.
        stored("sip:kitchen@10.0.0.7:5062", T0 + 3700),
        stored("sip:hall-phone@10.0.0.8:5062", T0 + 100),
    ]);
    let mut now: Vec<(String, u64)> = r
        .line_contacts("flat12", T0 + 10)
        .into_iter()
        .map(|b| (b.contact, b.expires_at))
        .collect();
    now.sort();
    assert_eq!(
        now,
        vec![
            ("sip:hall-phone@10.0.0.8:5062".to_string(), T0 + 100),
            ("sip:kitchen@10.0.0.7:5062".to_string(), T0 + 3700),
        ]
    );
    // Lapsed ones are not rung; a new snapshot replaces the old.
    assert_eq!(r.line_contacts("flat12", T0 + 200).len(), 1);
    r.set_stored(vec![]);
    let own = r.line_contacts("flat12", T0 + 10);
    assert_eq!(own.len(), 1);
    assert!(own[0].path.is_empty(), "{own:?}");
}
