//! Stateless error responses (RFC 3261 §8.2.6, §8.2.7) built from the
//! header lines of the request as the guard framed them, so that requests
//! the stack's parser cannot read still get an answer the client matches.
//!
//! Does not own: deciding to reject (the checks in the parent module) or
//! sending (the guarded UDP socket).

use std::hash::{DefaultHasher, Hash, Hasher};

use super::message::Message;
use super::syntax::has_tag;
use super::types::{GuardConfig, RejectReason};

fn phrase(status: u16) -> &'static str {
    match status {
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        _ => "Bad Request",
    }
}

/// A key for the transaction of a request: its Call-ID, CSeq, From and
/// Via, as a retransmission repeats them (RFC 3261 §17.2.3).
pub(super) fn transaction_key(msg: &Message) -> u64 {
    let mut h = DefaultHasher::new();
    for name in ["Call-ID", "CSeq", "From", "Via"] {
        msg.first(name).hash(&mut h);
    }
    h.finish()
}

/// A To tag that depends only on the request, so that a retransmission
/// gets the same response (RFC 3261 §8.2.7).
fn local_tag(msg: &Message) -> String {
    format!("lw{:016x}", transaction_key(msg))
}

/// Serialized `SIP/2.0 <status>` response to the request in `msg`.
pub(super) fn build(
    msg: &Message,
    status: u16,
    reason: &RejectReason,
    cfg: &GuardConfig,
) -> Vec<u8> {
    let mut out = format!("SIP/2.0 {status} {}\r\n", phrase(status));
    let mut line = |name: &str, value: &str| {
        // A value is one line: never copy a stray CR or LF.
        out.push_str(&format!("{name}: {}\r\n", value.replace(['\r', '\n'], " ")));
    };
    for via in msg.values("Via") {
        line("Via", via);
    }
    if let Some(from) = msg.first("From") {
        line("From", from);
    }
    if let Some(to) = msg.first("To") {
        if has_tag(to) {
            line("To", to);
        } else {
            line("To", &format!("{to};tag={}", local_tag(msg)));
        }
    }
    for name in ["Call-ID", "CSeq"] {
        if let Some(value) = msg.first(name) {
            line(name, value);
        }
    }
    match reason {
        RejectReason::UnknownMethod | RejectReason::MethodNotAllowed => {
            line("Allow", &cfg.methods.join(", "));
        }
        RejectReason::UnsupportedExtension(tags) => line("Unsupported", &tags.join(", ")),
        RejectReason::Shedding(secs) => line("Retry-After", &secs.to_string()),
        RejectReason::UnsupportedMediaType => {
            line("Accept", "application/sdp");
            line("Accept-Encoding", "identity");
        }
        _ => {}
    }
    line("Content-Length", "0");
    out.push_str("\r\n");
    out.into_bytes()
}
