//! The SIP side of an imported call: which INVITE, who called whom, when it
//! was answered and ended, and the two SDP bodies.
//!
//! Owns: spotting SIP in UDP payloads and parsing it with rsipstack's
//! parser, picking the call (the first initial INVITE answered with 2xx,
//! or the one with a given Call-ID) and its dialog (Call-ID and both tags),
//! the 200 OK, the first BYE, SIP INFO key presses, and the offer/answer
//! (including a late offer: SDP in the 200 OK and the ACK).
//!
//! Does not own: RTP (see `media.rs`), link layers (`capture.rs`), or SIP
//! over TCP. Re-INVITEs (hold, media changes) are not followed: the media
//! addresses of the first offer/answer are used for the whole call.

use std::net::SocketAddr;
use std::time::Duration;

use sip::media::info::parse_info_dtmf;
use sip::media::sdp::{self, Negotiated, SdpError};
use sip::message::prelude::*;
use sip::message::{Header, Method, Request, Response, SipMessage};

use super::capture::Datagram;
use super::Party;

/// The signalling of one answered call.
#[derive(Debug)]
pub(super) struct Call {
    pub call_id: String,
    /// From user of the INVITE.
    pub caller: String,
    /// Request-URI user of the INVITE (else the To user).
    pub called: String,
    /// Capture time of the first 200 OK to the INVITE.
    pub answered: Duration,
    /// Capture time and sender of the first BYE after the answer.
    pub ended: Option<(Duration, Party)>,
    /// The caller's SDP.
    pub caller_media: Negotiated,
    /// The answering side's SDP.
    pub resident_media: Negotiated,
    /// Where the INVITE came from (for error messages).
    pub caller_signalling: SocketAddr,
    /// Capture time of the INVITE.
    pub invited: Duration,
    /// Call-IDs of the capture's other calls (INVITEs), in order.
    pub other_calls: Vec<String>,
    /// SIP INFO key presses: capture time, digit, sender.
    pub info_digits: Vec<(Duration, char, Party)>,
}

/// Why no call could be found.
#[derive(Debug, thiserror::Error)]
pub(super) enum CallError {
    #[error("no SIP INVITE found (SIP over UDP only){0}")]
    NoInvite(String),
    #[error("the INVITE (Call-ID {call_id}) was never answered with 200 OK{final_response}")]
    NoAnswer {
        call_id: String,
        final_response: String,
    },
    #[error(
        "no SDP for the {side} (Call-ID {call_id}): neither the INVITE/200 nor the ACK carries one"
    )]
    NoSdp { call_id: String, side: &'static str },
    #[error("unusable SDP in the {message} (Call-ID {call_id}): {cause}")]
    Sdp {
        call_id: String,
        message: &'static str,
        cause: SdpError,
    },
}

struct Sip<'a> {
    datagram: &'a Datagram,
    message: SipMessage,
}

/// One initial INVITE (no To tag): a call attempt.
struct Attempt<'a> {
    at: usize,
    invite: &'a Request,
    call_id: String,
    caller_tag: Option<String>,
    cseq: Option<u32>,
}

/// Finds the call to import: the first initial INVITE answered with a 2xx
/// (only those with Call-ID `want`, if given) and everything about its
/// dialog. Unanswered attempts before it (a 407 challenge, a busy line)
/// are skipped; other calls in the capture are listed in `other_calls`.
pub(super) fn find(datagrams: &[Datagram], want: Option<&str>) -> Result<Call, CallError> {
    let messages: Vec<Sip> = datagrams
        .iter()
        .filter(|d| looks_like_sip(&d.payload))
        .filter_map(|d| {
            let message = SipMessage::try_from(d.payload.as_slice()).ok()?;
            Some(Sip {
                datagram: d,
                message,
            })
        })
        .collect();
    let (attempts, all_calls) = initial_invites(&messages, want)?;
    let (attempt, answer_msg, answer) = first_answered(&messages, &attempts)?;
    let invite = attempt.invite;
    let call_id = attempt.call_id.clone();
    let caller_tag = attempt.caller_tag.clone();
    let answer_tag = answer
        .to_header()
        .ok()
        .and_then(|t| t.tag().ok().flatten())
        .map(|t| t.value().to_string());
    // The dialog: same Call-ID, and the two tags (in either order).
    let in_dialog = |m: &&Sip| {
        let (from, to) = match &m.message {
            SipMessage::Request(r) => (from_tag(r), to_tag(r)),
            SipMessage::Response(r) => (from_tag(r), to_tag(r)),
        };
        call_id_of(&m.message).as_deref() == Some(call_id.as_str())
            && ((from == caller_tag && to == answer_tag)
                || (from == answer_tag && to == caller_tag))
    };
    let later: Vec<&Sip> = messages[attempt.at..].iter().filter(in_dialog).collect();
    let other_calls: Vec<String> = all_calls.into_iter().filter(|c| *c != call_id).collect();
    let answered = answer_msg.datagram.time;
    let after: Vec<&&Sip> = later
        .iter()
        .filter(|m| m.datagram.time >= answered)
        .collect();
    let party = |r: &Request| {
        if from_tag(r).is_some() && from_tag(r) == caller_tag {
            Party::Caller
        } else {
            Party::Resident
        }
    };
    let requests = after.iter().filter_map(|m| match &m.message {
        SipMessage::Request(r) => Some((m.datagram.time, r)),
        SipMessage::Response(_) => None,
    });
    let mut ended = None;
    let mut info_digits = Vec::new();
    let mut ack_body: Option<&[u8]> = None;
    for (time, r) in requests {
        match r.method {
            Method::Bye if ended.is_none() => ended = Some((time, party(r))),
            Method::Ack if ack_body.is_none() && !r.body.is_empty() => ack_body = Some(&r.body),
            Method::Info => {
                if let Some(digit) = parse_info_dtmf(&content_type(r), &r.body) {
                    info_digits.push((time, digit, party(r)));
                }
            }
            _ => {}
        }
    }

    // Offer in the INVITE and answer in the 200, or (late offer) the
    // answering side's offer in the 200 and the caller's answer in the ACK.
    let (caller_sdp, caller_msg) = if invite.body.is_empty() {
        (ack_body, "ACK")
    } else {
        (Some(invite.body.as_slice()), "INVITE")
    };
    let sdp_error = |message, source| CallError::Sdp {
        call_id: call_id.clone(),
        message,
        cause: source,
    };
    let Some(caller_sdp) = caller_sdp else {
        return Err(CallError::NoSdp {
            call_id,
            side: "caller",
        });
    };
    if answer.body.is_empty() {
        return Err(CallError::NoSdp {
            call_id,
            side: "answering side",
        });
    }
    let caller_media = sdp::negotiate(caller_sdp).map_err(|e| sdp_error(caller_msg, e))?;
    let resident_media = sdp::parse_answer(&answer.body).map_err(|e| sdp_error("200 OK", e))?;

    let invite_datagram = messages[attempt.at].datagram;
    let to_user = invite
        .to_header()
        .and_then(|t| t.uri())
        .ok()
        .and_then(|u| u.user().map(str::to_string));
    let called = invite.uri.user().map(str::to_string).or(to_user);
    let caller = invite
        .from_header()
        .and_then(|f| f.typed())
        .ok()
        .and_then(|f| f.uri.user().map(str::to_string));
    Ok(Call {
        call_id,
        caller: percent_decode(caller.as_deref().unwrap_or("anonymous")),
        called: percent_decode(called.as_deref().unwrap_or("")),
        answered,
        ended,
        caller_media,
        resident_media,
        caller_signalling: invite_datagram.src,
        invited: invite_datagram.time,
        info_digits,
        other_calls,
    })
}

/// The call attempts (initial INVITEs, retransmissions once) in order,
/// those with Call-ID `want` only when given, and every call's Call-ID.
fn initial_invites<'m>(
    messages: &'m [Sip],
    want: Option<&str>,
) -> Result<(Vec<Attempt<'m>>, Vec<String>), CallError> {
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut all_calls: Vec<String> = Vec::new();
    for (at, m) in messages.iter().enumerate() {
        let SipMessage::Request(r) = &m.message else {
            continue;
        };
        if r.method != Method::Invite || to_tag(r).is_some() {
            continue;
        }
        let call_id = call_id(r).unwrap_or_default();
        if !all_calls.contains(&call_id) {
            all_calls.push(call_id.clone());
        }
        if want.is_some_and(|w| w != call_id) {
            continue;
        }
        let attempt = Attempt {
            at,
            invite: r,
            caller_tag: from_tag(r),
            cseq: cseq(r).map(|c| c.0),
            call_id,
        };
        let retransmission = attempts.iter().any(|a| {
            (&a.call_id, &a.caller_tag, a.cseq)
                == (&attempt.call_id, &attempt.caller_tag, attempt.cseq)
        });
        if !retransmission {
            attempts.push(attempt);
        }
    }
    if attempts.is_empty() {
        let seen = match want {
            Some(w) if all_calls.is_empty() => format!(" with Call-ID {w}; the capture has none"),
            Some(w) => format!(
                " with Call-ID {w}; the capture has {}",
                all_calls.join(", ")
            ),
            None if messages.is_empty() => String::new(),
            None => format!("; {} other SIP messages", messages.len()),
        };
        return Err(CallError::NoInvite(seen));
    }
    Ok((attempts, all_calls))
}

/// The first attempt answered with a 2xx, its answer's message and the
/// response; otherwise the first attempt's final response, in the error.
fn first_answered<'m>(
    messages: &'m [Sip],
    attempts: &'m [Attempt<'m>],
) -> Result<(&'m Attempt<'m>, &'m Sip<'m>, &'m Response), CallError> {
    let mut first_final = String::new();
    let mut chosen: Option<(&Attempt, &Sip, &Response)> = None;
    for (i, a) in attempts.iter().enumerate() {
        match answer_to(&messages[a.at..], a) {
            Ok((m, r)) => {
                chosen = Some((a, m, r));
                break;
            }
            Err(final_response) if i == 0 => first_final = final_response,
            Err(_) => {}
        }
    }
    chosen.ok_or_else(|| {
        let others = match attempts.len() {
            1 => String::new(),
            n => format!("; nor were the {} other INVITEs", n - 1),
        };
        CallError::NoAnswer {
            call_id: attempts[0].call_id.clone(),
            final_response: format!("{first_final}{others}"),
        }
    })
}

/// A request line ending in `SIP/2.0` or a status line starting with it.
fn looks_like_sip(payload: &[u8]) -> bool {
    let head = &payload[..payload.len().min(512)];
    let line_end = head.windows(2).position(|w| w == b"\r\n");
    let Some(line) = line_end.map(|end| &head[..end]) else {
        return false;
    };
    line.starts_with(b"SIP/2.0 ")
        || (line.ends_with(b" SIP/2.0") && line.first().is_some_and(u8::is_ascii_uppercase))
}

fn call_id(r: &Request) -> Option<String> {
    r.call_id_header()
        .ok()
        .map(|c| c.value().trim().to_string())
}

fn call_id_of(m: &SipMessage) -> Option<String> {
    let header = match m {
        SipMessage::Request(r) => r.call_id_header(),
        SipMessage::Response(r) => r.call_id_header(),
    };
    header.ok().map(|c| c.value().trim().to_string())
}

fn from_tag<M: HeadersExt>(m: &M) -> Option<String> {
    let tag = m.from_header().ok()?.tag().ok()??;
    Some(tag.value().to_string())
}

fn to_tag<M: HeadersExt>(m: &M) -> Option<String> {
    let tag = m.to_header().ok()?.tag().ok()??;
    Some(tag.value().to_string())
}

/// The first 2xx to `a` among `messages` (which start at its INVITE), or
/// the text naming its first final failure response, if any.
fn answer_to<'m>(messages: &'m [Sip], a: &Attempt) -> Result<(&'m Sip<'m>, &'m Response), String> {
    let mut failed = String::new();
    for m in messages {
        let SipMessage::Response(r) = &m.message else {
            continue;
        };
        let ours = call_id_of(&m.message).as_deref() == Some(a.call_id.as_str())
            && from_tag(r) == a.caller_tag
            && cseq(r).is_some_and(|(seq, method)| method == Method::Invite && Some(seq) == a.cseq);
        if !ours {
            continue;
        }
        let code = r.status_code.code();
        if (200..300).contains(&code) {
            return Ok((m, r));
        }
        if code >= 300 && failed.is_empty() {
            failed = format!(" (final response: {})", r.status_code);
        }
    }
    Err(failed)
}

fn cseq<M: HeadersExt>(m: &M) -> Option<(u32, Method)> {
    let c = m.cseq_header().ok()?.typed().ok()?;
    Some((c.seq, c.method))
}

fn content_type(r: &Request) -> String {
    r.headers
        .iter()
        .find_map(|h| match h {
            Header::ContentType(v) => Some(v.value().to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// `%2B44...` → `+44...`; anything that isn't a valid escape stays as is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| {
            let h = std::str::from_utf8(h).ok()?;
            u8::from_str_radix(h, 16).ok()
        });
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes() {
        assert_eq!(percent_decode("%2B441632960001"), "+441632960001");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz1"), "%zz1");
        assert_eq!(percent_decode("5550100"), "5550100");
    }

    #[test]
    fn sip_sniffing() {
        assert!(looks_like_sip(b"INVITE sip:1@h SIP/2.0\r\n"));
        assert!(looks_like_sip(b"SIP/2.0 200 OK\r\n"));
        assert!(!looks_like_sip(b"\x80\x08\x00\x01 SIP/2.0\r\n"));
        assert!(!looks_like_sip(b"\r\n\r\n"));
        assert!(!looks_like_sip(b""));
    }
}
