//! RFC 3261 §8.2.3 content processing for INVITE: the body must be
//! something the call layer understands (SDP, alone or in a multipart),
//! and the caller must accept SDP in our answer.
//!
//! Does not own: reading the SDP itself (`media::sdp`, after the guard) or
//! the 415/406 responses (`reply.rs` builds them from the reason).

use super::message::Message;
use super::syntax::{media_range, split_commas};
use super::types::RejectReason;

fn is_sdp(ty: &str, sub: &str) -> bool {
    ty.eq_ignore_ascii_case("application") && sub.eq_ignore_ascii_case("sdp")
}

/// 415 unless an INVITE's body is SDP, a multipart holding an SDP part,
/// or marked `handling=optional`.
pub(super) fn body(msg: &Message, body: &[u8]) -> Result<(), RejectReason> {
    let optional = msg.values("Content-Disposition").any(|v| {
        let v = v.to_ascii_lowercase().replace([' ', '\t'], "");
        v.contains(";handling=optional")
    });
    if body.is_empty() || optional {
        return Ok(());
    }
    let encoded = msg
        .values("Content-Encoding")
        .flat_map(split_commas)
        .any(|e| !e.eq_ignore_ascii_case("identity"));
    let Some((ty, sub, params)) = msg.first("Content-Type").and_then(media_range) else {
        return Err(RejectReason::MissingHeader("Content-Type"));
    };
    let boundary = params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("boundary"))
        .and_then(|(_, v)| *v)
        .map(|v| v.trim_matches('"'));
    let understood = is_sdp(ty, sub)
        || (ty.eq_ignore_ascii_case("multipart")
            && boundary.is_some_and(|b| multipart_has_sdp(body, b)));
    if encoded || !understood {
        return Err(RejectReason::UnsupportedMediaType);
    }
    Ok(())
}

/// Some part of a multipart body (RFC 2046 §5.1) has type application/sdp.
fn multipart_has_sdp(body: &[u8], boundary: &str) -> bool {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.windows(delimiter.len()).position(|w| w == delimiter) {
        parts.push(rest.get(..i).unwrap_or_default());
        rest = rest.get(i + delimiter.len()..).unwrap_or_default();
    }
    // parts[0] is the preamble; each later part starts right after a delimiter.
    parts.into_iter().skip(1).any(|part| {
        let end = part
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(part.len());
        String::from_utf8_lossy(part.get(..end).unwrap_or_default())
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .filter(|(name, _)| name.trim().eq_ignore_ascii_case("Content-Type"))
            .filter_map(|(_, value)| media_range(value.trim()))
            .any(|(ty, sub, _)| is_sdp(ty, sub))
    })
}

/// 406 if an INVITE carries Accept values none of which admits SDP (an
/// empty Accept admits nothing, RFC 3261 §20.1).
pub(super) fn accept(msg: &Message) -> Result<(), RejectReason> {
    if msg.count("Accept") == 0 {
        return Ok(());
    }
    let admits_sdp = msg
        .values("Accept")
        .flat_map(split_commas)
        .filter_map(media_range)
        .any(|(ty, sub, _)| {
            (ty == "*" && sub == "*")
                || (ty.eq_ignore_ascii_case("application")
                    && (sub == "*" || sub.eq_ignore_ascii_case("sdp")))
        });
    if admits_sdp {
        Ok(())
    } else {
        Err(RejectReason::NotAcceptable)
    }
}
