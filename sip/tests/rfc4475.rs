//! RFC 4475 torture messages through the guard.
//!
//! Every `.dat` file of the workspace's conformance set
//! (`tests/conformance/rfc4475/`, the RFC's own messages) is inspected with
//! the service's configuration and the verdict is checked against the
//! expectations of the set's README (RFC 4475 §3). REGISTER and MESSAGE are
//! not implemented by this service, so those valid messages get 405; they
//! are inspected a second time with every method enabled, where the guard
//! must hand them on untouched for the registrar/application to answer.
//!
//! Run with `--nocapture` to see the verdict table.

use rsipstack::sip::prelude::*;
use rsipstack::sip::SipMessage;
use sip::guard::{inspect, GuardConfig, RejectReason, Verdict};

/// The workspace's copy of the RFC 4475 messages.
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/rfc4475");

/// What a message must produce.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Handed to the stack unchanged.
    Accept,
    /// Dropped without an answer.
    Drop,
    /// Answered by the guard with one of these statuses.
    Reply(&'static [u16]),
    /// Either handed on or answered with one of these (the README allows both).
    AcceptOr(&'static [u16]),
}

use Expect::*;

struct Case {
    file: &'static str,
    /// With this service's configuration ([`GuardConfig::default`]).
    expect: Expect,
    /// With every RFC method enabled (a registrar/application behind the stack).
    all_methods: Expect,
    /// Which later layer gives the RFC 4475 answer, when the guard hands it on.
    later: &'static str,
}

const fn case(file: &'static str, expect: Expect) -> Case {
    Case {
        file,
        expect,
        all_methods: expect,
        later: "",
    }
}

const fn later(
    file: &'static str,
    expect: Expect,
    all_methods: Expect,
    later: &'static str,
) -> Case {
    Case {
        file,
        expect,
        all_methods,
        later,
    }
}

const REGISTRAR: &str = "registrar (REGISTER is 405 here: not a registrar)";

const CASES: &[Case] = &[
    // §3.1.1 valid messages: handled as normal requests/responses.
    later(
        "wsinv",
        Accept,
        Accept,
        "dialog layer: 481 (unknown dialog); rsipstack drops it, see STACK_GAPS",
    ),
    case("intmeth", Reply(&[501])),
    later("esc01", Accept, Accept, "application: INVITE handling"),
    later("escnull", Reply(&[405]), Accept, REGISTRAR),
    later("esc02", Reply(&[501]), Reply(&[501]), ""),
    later("lwsdisp", Accept, Accept, "application: OPTIONS 200"),
    later("longreq", Accept, Accept, "application: INVITE handling"),
    later("dblreq", Reply(&[405]), Accept, REGISTRAR),
    later("semiuri", Accept, Accept, "application: OPTIONS 200"),
    later("transports", Accept, Accept, "application: OPTIONS 200"),
    later(
        "mpart01",
        Reply(&[405]),
        Accept,
        "application: MESSAGE (405 here: not implemented)",
    ),
    later(
        "unreason",
        Accept,
        Accept,
        "transaction layer: matches or drops the response",
    ),
    later(
        "noreason",
        Accept,
        Accept,
        "transaction layer: matches or drops the response",
    ),
    // §3.1.2 invalid messages: 400 for requests, dropped responses.
    case("badinv01", Reply(&[400])),
    case("clerr", Reply(&[400])),
    case("ncl", Reply(&[400])),
    case("scalar02", Reply(&[400])),
    case("scalarlg", Drop),
    case("quotbal", Reply(&[400])),
    case("ltgtruri", Reply(&[400])),
    case("lwsruri", Reply(&[400])),
    case("lwsstart", Reply(&[400])),
    case("trws", Reply(&[400])),
    case("escruri", Reply(&[400])),
    case("baddate", Reply(&[400])),
    case("regbadct", Reply(&[400])),
    case("badaspec", Reply(&[400])),
    case("baddn", Reply(&[400])),
    case("badvers", Reply(&[505, 400])),
    case("mismatch01", Reply(&[400])),
    case("mismatch02", Reply(&[501, 400])),
    case("bigcode", Drop),
    // §3.2 transaction layer.
    later(
        "badbranch",
        Accept,
        Accept,
        "transaction layer: keys on the bare cookie (RFC 4475 allows), then OPTIONS 200",
    ),
    // §3.3 application layer.
    case("insuf", Reply(&[400])),
    case("unkscm", Reply(&[416])),
    case("novelsc", Reply(&[416])),
    later(
        "unksm2",
        Reply(&[405]),
        Accept,
        "registrar: 400 (To is not a sip/sips AOR)",
    ),
    case("bext01", Reply(&[420])),
    case("invut", Reply(&[415])),
    later(
        "regaut01",
        Reply(&[405]),
        Accept,
        "registrar: 401 challenge",
    ),
    case("multi01", Reply(&[400])),
    case("mcl01", Reply(&[400])),
    case("bcast", Drop),
    later(
        "zeromf",
        Accept,
        Accept,
        "application: OPTIONS 200 (an endpoint, not a proxy: no 483)",
    ),
    later("cparam01", Reply(&[405]), Accept, REGISTRAR),
    later("cparam02", Reply(&[405]), Accept, REGISTRAR),
    later("regescrt", Reply(&[405]), Accept, REGISTRAR),
    case("sdp01", AcceptOr(&[406])),
    // §3.4 backward compatibility.
    case("inv2543", AcceptOr(&[400])),
];

fn all_methods() -> GuardConfig {
    GuardConfig {
        methods: sip::guard::KNOWN_METHODS.map(String::from).to_vec(),
        ..GuardConfig::default()
    }
}

fn load(file: &str) -> Vec<u8> {
    let path = format!("{DIR}/{file}.dat");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A response the guard built must be one the client can match.
fn check_reply(file: &str, request: &[u8], status: u16, reason: &RejectReason, response: &[u8]) {
    assert_eq!(reason.status(), status, "{file}: status of {reason}");
    let parsed = SipMessage::try_from(response)
        .unwrap_or_else(|e| panic!("{file}: guard's {status} does not parse: {e}"));
    let SipMessage::Response(resp) = parsed else {
        panic!("{file}: guard's reply is not a response");
    };
    assert_eq!(resp.status_code.code(), status, "{file}");
    let text = String::from_utf8_lossy(response);
    let has = |h: &str| {
        text.lines()
            .any(|l| l.to_ascii_lowercase().starts_with(&h.to_ascii_lowercase()))
    };
    assert!(has("Via: "), "{file}: reply without Via");
    assert!(has("CSeq: "), "{file}: reply without CSeq");
    assert!(
        text.ends_with("Content-Length: 0\r\n\r\n"),
        "{file}: reply must end with Content-Length: 0"
    );
    if has("To: ") {
        let to = resp.to_header().expect("To");
        assert!(
            to.value().contains("tag="),
            "{file}: To without tag in {status}"
        );
    }
    match status {
        405 | 501 => assert!(has("Allow: "), "{file}: {status} without Allow"),
        420 => assert!(has("Unsupported: "), "{file}: 420 without Unsupported"),
        415 => assert!(has("Accept: application/sdp"), "{file}: 415 without Accept"),
        _ => {}
    }
    // The client matches on the top Via branch and the CSeq it sent.
    if let Ok(SipMessage::Request(req)) = SipMessage::try_from(request) {
        let sent = req.via_header().map(|v| v.value().to_string()).ok();
        let got = resp.via_header().map(|v| v.value().to_string()).ok();
        if let (Some(sent), Some(got)) = (sent, got) {
            assert_eq!(
                sent.split_whitespace().collect::<String>(),
                got.split_whitespace().collect::<String>(),
                "{file}: top Via"
            );
        }
        if let (Ok(a), Ok(b)) = (req.cseq_header(), resp.cseq_header()) {
            assert_eq!(a.value(), b.value(), "{file}: CSeq");
        }
    }
}

/// Accepted messages rsipstack 0.7.14 still cannot take in, though RFC 4475
/// calls them valid: it does not see `tag = value` (LWS around `=`) as a
/// From tag, so it cannot key the transaction and drops the request unanswered.
const STACK_GAPS: &[&str] = &["wsinv"];

/// What rsipstack does with a parsed datagram before any transaction sees
/// it: stamp the top Via (UDP) and key the transaction on it.
fn stack_intake(msg: SipMessage) -> Result<(), String> {
    use rsipstack::transaction::key::{TransactionKey, TransactionRole};
    use rsipstack::transport::connection::SipConnection;
    let from: std::net::SocketAddr = ([192, 0, 2, 99], 5060).into();
    let msg = SipConnection::update_msg_received(msg, from, rsipstack::sip::Transport::Udp)
        .map_err(|e| format!("Via: {e}"))?;
    let key = match &msg {
        SipMessage::Request(r) => TransactionKey::from_request(r, TransactionRole::Server),
        SipMessage::Response(r) => TransactionKey::from_response(r, TransactionRole::Client),
    };
    key.map(drop).map_err(|e| format!("transaction key: {e}"))
}

fn describe(v: &Verdict) -> (String, String, String) {
    match v {
        Verdict::Accept => ("Accept".into(), "-".into(), "-".into()),
        Verdict::Reply { status, reason, .. } => {
            ("Reply".into(), status.to_string(), reason.to_string())
        }
        Verdict::Drop { reason } => ("Drop".into(), "-".into(), reason.to_string()),
    }
}

fn matches(expect: Expect, v: &Verdict) -> bool {
    match (expect, v) {
        (Accept | AcceptOr(_), Verdict::Accept) => true,
        (Drop, Verdict::Drop { .. }) => true,
        (Reply(codes) | AcceptOr(codes), Verdict::Reply { status, .. }) => codes.contains(status),
        _ => false,
    }
}

fn verify(case: &Case, cfg: &GuardConfig, expect: Expect, label: &str) -> Verdict {
    let data = load(case.file);
    let verdict = inspect(&data, cfg);
    assert!(
        matches(expect, &verdict),
        "{} ({label}): expected {expect:?}, got {verdict:?}",
        case.file
    );
    match &verdict {
        Verdict::Accept => {
            let parsed = SipMessage::try_from(data.as_slice()).unwrap_or_else(|e| {
                panic!("{}: accepted but rsipstack rejects it: {e}", case.file)
            });
            let intake = stack_intake(parsed);
            let known_gap = STACK_GAPS.contains(&case.file);
            assert!(
                intake.is_ok() != known_gap,
                "{}: rsipstack intake {intake:?}, listed as a known stack gap: {known_gap}",
                case.file
            );
        }
        Verdict::Reply {
            status,
            reason,
            response,
        } => {
            check_reply(case.file, &data, *status, reason, response);
        }
        Verdict::Drop { .. } => {}
    }
    verdict
}

#[test]
fn every_torture_message_gets_the_expected_verdict() {
    let mut files: Vec<String> = std::fs::read_dir(DIR)
        .expect("conformance directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".dat").map(str::to_string))
        .collect();
    files.sort();
    let mut listed: Vec<&str> = CASES.iter().map(|c| c.file).collect();
    listed.sort();
    assert_eq!(files, listed, "the table must cover exactly the .dat files");

    let default = GuardConfig::default();
    let every = all_methods();
    println!(
        "{:<11} {:<7} {:<6} {:<48} all methods",
        "file", "verdict", "status", "reason"
    );
    for case in CASES {
        let (verdict, status, reason) = describe(&verify(case, &default, case.expect, "default"));
        let (v2, s2, _) = describe(&verify(case, &every, case.all_methods, "all methods"));
        let tail = if case.later.is_empty() {
            String::new()
        } else {
            format!("  -> {}", case.later)
        };
        println!(
            "{:<11} {verdict:<7} {status:<6} {reason:<48} {v2} {s2}{tail}",
            case.file
        );
    }
}

/// Cut short or corrupted, no torture message makes the guard panic, and
/// every reply it builds is a response rsipstack can read.
#[test]
fn truncated_and_corrupted_messages_never_panic() {
    let cfg = GuardConfig::default();
    let mut seed: u32 = 0x9e37_79b9;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for case in CASES {
        let data = load(case.file);
        let mut variants: Vec<Vec<u8>> = (0..data.len()).map(|n| data[..n].to_vec()).collect();
        for _ in 0..200 {
            let mut v = data.clone();
            let at = next() as usize % v.len();
            let bytes = b" :;,<>\"\r\n\t%@\x00\xff";
            v[at] = bytes[next() as usize % bytes.len()];
            variants.push(v);
        }
        for v in variants {
            if let Verdict::Reply {
                status, response, ..
            } = inspect(&v, &cfg)
            {
                match SipMessage::try_from(response.as_slice()) {
                    Ok(SipMessage::Response(r)) => assert_eq!(r.status_code.code(), status),
                    other => panic!("{}: unreadable reply {other:?}", case.file),
                }
            }
        }
    }
}
