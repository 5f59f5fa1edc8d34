//! The guard in front of rsipstack: every raw SIP datagram goes through
//! [`inspect`] before the stack sees it.
//!
//! rsipstack's parser silently drops what it cannot read (a malformed
//! request would never get its 400) and accepts things RFC 3261 rejects (a
//! Content-Length longer than the body, unknown methods, several values in
//! single-value header fields, ...). The guard closes that gap.
//!
//! **The guard owns:** framing (Content-Length, trailing octets, header
//! line syntax, folding, compact forms); the RFC 3261 syntax of the start
//! line and of the header fields the stack and the call layer rely on (Via,
//! From, To, Call-ID, CSeq, Max-Forwards, Content-Length, Content-Type,
//! Contact, Route, Record-Route, Accept, Date, Require, Supported); the UAS
//! checks of RFC 3261 §8.2 that need no dialog or call state: 405/501
//! method, 416 Request-URI scheme, 420 Require, and for INVITE 415 body
//! type and 406 Accept; the stateless error responses for all of these
//! (RFC 3261 §8.2.6/§8.2.7); and dropping malformed responses, or
//! responses with more than one Via (a UA discards those, §8.1.3.3). It
//! also tells a new INVITE ([`screen`]) and builds the stateless 503 for
//! one turned away while the service sheds load ([`shed_reply`]); whether to
//! is the [`door`](crate::door)'s decision.
//!
//! **Left to rsipstack:** transactions, retransmissions and their timers,
//! keep-alives, matching responses and ACK/CANCEL to transactions.
//!
//! **Left to the application:** authentication (401/407), registrar and
//! dialog semantics (481 for an unknown dialog, 491, ...), SDP offer/answer
//! content (488), call screening, and Max-Forwards: this service is an
//! endpoint, not a proxy, so it never answers 483.
#![forbid(unsafe_code)]

mod content;
mod cursor;
mod message;
mod reply;
mod syntax;
#[cfg(test)]
mod tests;
mod types;

pub use types::{GuardConfig, RejectReason, Verdict, KNOWN_METHODS};

use rsipstack::sip::SipMessage;

use message::Message;
use syntax::UriKind;

const REQUIRED: [&str; 5] = ["To", "From", "Call-ID", "CSeq", "Via"];
const SINGLE: [&str; 6] = [
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Content-Type",
];

/// Decides what to do with one inbound datagram.
pub fn inspect(datagram: &[u8], cfg: &GuardConfig) -> Verdict {
    screen(datagram, cfg).0
}

/// Like [`inspect`], and for an accepted new INVITE, the [`NewInvite`]
/// (from the same reading of the datagram).
pub fn screen(datagram: &[u8], cfg: &GuardConfig) -> (Verdict, Option<NewInvite>) {
    if datagram.is_empty() {
        let reason = RejectReason::Unparseable;
        return (Verdict::Drop { reason }, None);
    }
    if datagram.iter().all(|b| matches!(b, b'\r' | b'\n')) {
        // CRLF keep-alive: rsipstack answers it.
        return (Verdict::Accept, None);
    }
    let msg = Message::lex(datagram);
    // A status line starts with the version; any case of "SIP/" (RFC 5234).
    if msg
        .start
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"))
    {
        let verdict = match check_response(&msg, datagram) {
            Ok(()) => Verdict::Accept,
            Err(reason) => Verdict::Drop { reason },
        };
        return (verdict, None);
    }
    let Err(reason) = check_request(&msg, datagram, cfg) else {
        return (Verdict::Accept, new_invite(&msg));
    };
    let method = msg.start.split(' ').next().unwrap_or_default();
    // No response to an ACK (RFC 3261 §17.2.1), and none without the Via and
    // CSeq a client matches it by (§17.1.3).
    if method == "ACK" || msg.first("Via").is_none() || msg.first("CSeq").is_none() {
        return (Verdict::Drop { reason }, None);
    }
    let status = reason.status();
    let response = reply::build(&msg, status, &reason, cfg);
    let verdict = Verdict::Reply {
        status,
        reason,
        response,
    };
    (verdict, None)
}

/// A new call: an INVITE outside any dialog (its To has no tag), as
/// [`screen`] accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    /// The same for the request and each retransmission of it (a new
    /// INVITE of the same call, with another CSeq, differs).
    pub key: u64,
}

/// Whether an accepted request is a new INVITE (its To has no tag).
fn new_invite(msg: &Message) -> Option<NewInvite> {
    if msg.start.split(' ').next() != Some("INVITE") {
        return None;
    }
    if msg.first("To").is_none_or(syntax::has_tag) {
        return None;
    }
    Some(NewInvite {
        key: reply::transaction_key(msg),
    })
}

/// The stateless 503 with `Retry-After: retry_after_secs` for a new INVITE
/// turned away while the service sheds load: no transaction is kept for it
/// (a retransmission gets the same response again, To tag included).
pub fn shed_reply(datagram: &[u8], retry_after_secs: u32, cfg: &GuardConfig) -> Vec<u8> {
    let msg = Message::lex(datagram);
    reply::build(&msg, 503, &RejectReason::Shedding(retry_after_secs), cfg)
}

/// `SIP-Version`: 505 for a well-formed version other than 2.0.
fn version(v: &str) -> Result<(), RejectReason> {
    let Some(num) = v
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("SIP/"))
        .and(v.get(4..))
    else {
        return Err(RejectReason::MalformedStartLine);
    };
    match num.split_once('.') {
        _ if num == "2.0" => Ok(()),
        Some((a, b)) if syntax::is_digits(a) && syntax::is_digits(b) => {
            Err(RejectReason::UnsupportedVersion)
        }
        _ => Err(RejectReason::MalformedStartLine),
    }
}

/// `Method SP Request-URI SP SIP-Version`, single spaces only (RFC 3261 §7.1).
fn request_line(line: &str) -> Result<(&str, UriKind), RejectReason> {
    let mut parts = line.split(' ');
    let (Some(method), Some(uri), Some(ver), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(RejectReason::MalformedStartLine);
    };
    version(ver)?;
    if !syntax::is_token(method) {
        return Err(RejectReason::MalformedStartLine);
    }
    let kind = syntax::uri(uri, false).ok_or(RejectReason::MalformedRequestUri)?;
    Ok((method, kind))
}

/// `SIP-Version SP Status-Code SP Reason-Phrase`, code 100-699.
fn status_line(line: &str) -> Result<(), RejectReason> {
    let (ver, rest) = line
        .split_once(' ')
        .ok_or(RejectReason::MalformedStartLine)?;
    version(ver)?;
    let code = rest.get(..3).filter(|c| syntax::is_digits(c));
    let code = code.and_then(|c| c.parse::<u16>().ok()).unwrap_or_default();
    let tail = rest.get(3..).unwrap_or("x");
    if (100..=699).contains(&code) && (tail.is_empty() || tail.starts_with(' ')) {
        Ok(())
    } else {
        Err(RejectReason::MalformedStartLine)
    }
}

/// The body length: Content-Length if present (octets past it are ignored,
/// RFC 3261 §18.3), else the rest of the datagram.
fn content_length(msg: &Message) -> Result<usize, RejectReason> {
    let mut values = msg.values("Content-Length");
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => Err(RejectReason::MultipleContentLength),
        (Some(v), None) if !syntax::is_digits(v) => {
            Err(RejectReason::MalformedHeader("Content-Length"))
        }
        (Some(v), None) => match v.parse::<usize>() {
            Ok(n) if n <= msg.body.len() => Ok(n),
            _ => Err(RejectReason::ContentLengthMismatch),
        },
        // Without Content-Length the body runs to the end of the datagram;
        // line-end padding is not a body.
        (None, _) if msg.body.iter().all(u8::is_ascii_whitespace) => Ok(0),
        (None, _) => Ok(msg.body.len()),
    }
}

/// The checks requests and responses share: framing, the mandatory header
/// fields, single-value fields and the syntax of every field the guard knows.
fn check_common(msg: &Message) -> Result<usize, RejectReason> {
    if !msg.utf8 {
        return Err(RejectReason::InvalidUtf8);
    }
    if msg.bad_line {
        return Err(RejectReason::MalformedHeaderLine);
    }
    let body_len = content_length(msg)?;
    if let Some(name) = REQUIRED.into_iter().find(|n| msg.count(n) == 0) {
        return Err(RejectReason::MissingHeader(name));
    }
    if let Some(name) = SINGLE.into_iter().find(|n| msg.count(n) > 1) {
        return Err(RejectReason::DuplicateSingleHeader(name));
    }
    for field in &msg.fields {
        if let Some(name) = field.name.filter(|n| !syntax::field_ok(n, &field.value)) {
            return Err(RejectReason::MalformedHeader(name));
        }
    }
    if !msg.terminated {
        return Err(RejectReason::MissingHeaderTerminator);
    }
    Ok(body_len)
}

fn check_response(msg: &Message, raw: &[u8]) -> Result<(), RejectReason> {
    status_line(&msg.start)?;
    check_common(msg)?;
    let vias: usize = msg
        .values("Via")
        .map(|v| syntax::split_commas(v).len())
        .sum();
    if vias > 1 {
        return Err(RejectReason::MultipleViaInResponse);
    }
    stack_parses(raw)
}

fn check_request(msg: &Message, raw: &[u8], cfg: &GuardConfig) -> Result<(), RejectReason> {
    let (method, uri) = request_line(&msg.start)?;
    let body_len = check_common(msg)?;
    if body_len > 0 && msg.count("Content-Type") == 0 {
        return Err(RejectReason::MissingHeader("Content-Type"));
    }
    // Legal over UDP (RFC 3261 §18.3), but rsipstack reads a missing
    // Content-Length as 0 and would hand the call layer a request without
    // its body (an INVITE without its offer): refuse rather than mislead.
    if body_len > 0 && msg.count("Content-Length") == 0 {
        return Err(RejectReason::MissingHeader("Content-Length"));
    }
    // RFC 3261 §8.2.1 and RFC 4475 mismatch02: the method before the CSeq.
    if !KNOWN_METHODS.contains(&method) {
        return Err(RejectReason::UnknownMethod);
    }
    if !cfg.methods.iter().any(|m| m == method) {
        return Err(RejectReason::MethodNotAllowed);
    }
    let cseq = msg.first("CSeq").and_then(syntax::cseq);
    if cseq.is_none_or(|(_, m)| m != method) {
        return Err(RejectReason::CSeqMethodMismatch);
    }
    // §8.2.2.1
    if uri == UriKind::Other {
        return Err(RejectReason::UnsupportedScheme);
    }
    // §8.2.2.3: a UAS looks at Require only (Proxy-Require is for proxies),
    // and not on ACK or CANCEL.
    if method != "ACK" && method != "CANCEL" {
        require(msg, cfg)?;
    }
    if method == "INVITE" {
        content::body(msg, msg.body.get(..body_len).unwrap_or_default())?;
        content::accept(msg)?;
    }
    // rsipstack keys transactions on the From tag and would drop an RFC 2543
    // request silently; RFC 4475 §3.4.1 allows answering 400 instead.
    if !msg.first("From").is_some_and(syntax::has_tag) {
        return Err(RejectReason::MissingFromTag);
    }
    stack_parses(raw)
}

fn require(msg: &Message, cfg: &GuardConfig) -> Result<(), RejectReason> {
    let mut unsupported: Vec<String> = Vec::new();
    for tag in msg.values("Require").flat_map(syntax::split_commas) {
        let known = cfg.extensions.iter().any(|e| e.eq_ignore_ascii_case(tag));
        if !known && !unsupported.iter().any(|u| u == tag) {
            unsupported.push(tag.to_string());
        }
    }
    if unsupported.is_empty() {
        Ok(())
    } else {
        Err(RejectReason::UnsupportedExtension(unsupported))
    }
}

fn stack_parses(raw: &[u8]) -> Result<(), RejectReason> {
    SipMessage::try_from(raw)
        .map(drop)
        .map_err(|e| RejectReason::StackRejected(e.to_string()))
}
