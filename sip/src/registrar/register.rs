//! Reading what a REGISTER asks: its Contacts with their expiries, or
//! `Contact: *` to remove them all, and the Call-ID and CSeq that order
//! REGISTERs. Every check is made before any binding changes: 400 for what
//! cannot be read, 423 (with Min-Expires) for too short an expiry.
//!
//! Does not own: authentication or the account (the parent module), or
//! applying what was asked to the bindings (`bindings.rs`).

use rsipstack::sip::prelude::*;
use rsipstack::sip::{typed, Header, Request, StatusCode};
use tracing::debug;

use super::types::{RegisterReply, DEFAULT_EXPIRES, MAX_EXPIRES, MIN_EXPIRES};

/// What one REGISTER asks, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Asked {
    /// `Contact: *` with `Expires: 0`: remove every binding of the account.
    RemoveAll,
    /// These contacts (URI, granted expiry in seconds; 0 removes one).
    Contacts {
        wanted: Vec<(String, u32)>,
        call_id: String,
        cseq: u32,
    },
}

fn bad(why: &str) -> RegisterReply {
    debug!(why, "REGISTER refused: 400");
    RegisterReply::status(StatusCode::BadRequest)
}

/// Reads a REGISTER; `Err` holds the answer to a request that asks for
/// nothing we can do.
pub(super) fn read(req: &Request) -> Result<Asked, RegisterReply> {
    let mut contacts = Vec::new();
    for h in req.headers.iter() {
        if let Header::Contact(c) = h {
            let list = typed::Contact::parse_header_list(c.value())
                .map_err(|_| bad("unreadable Contact"))?;
            contacts.extend(list);
        }
    }
    let expires_header = req
        .headers
        .iter()
        .find_map(|h| match h {
            Header::Expires(e) => Some(e.value().trim().parse::<u32>()),
            _ => None,
        })
        .transpose()
        .map_err(|_| bad("unreadable Expires"))?;
    let call_id = req
        .call_id_header()
        .map(|c| c.value().to_string())
        .map_err(|_| bad("no Call-ID"))?;
    let cseq = req
        .cseq_header()
        .ok()
        .and_then(|c| c.typed().ok())
        .map(|c| c.seq)
        .ok_or_else(|| bad("no CSeq"))?;

    if contacts.iter().any(is_wildcard) {
        if contacts.len() != 1 || expires_header != Some(0) {
            return Err(bad("Contact * needs Expires: 0 and no other Contact"));
        }
        return Ok(Asked::RemoveAll);
    }
    let mut wanted = Vec::new();
    for c in &contacts {
        let scheme_ok = matches!(
            c.uri.scheme,
            Some(rsipstack::sip::Scheme::Sip) | Some(rsipstack::sip::Scheme::Sips) | None
        );
        if !scheme_ok {
            return Err(bad("Contact is not a SIP URI"));
        }
        let expires = c.expires().or(expires_header).unwrap_or(DEFAULT_EXPIRES);
        if expires != 0 && expires < MIN_EXPIRES {
            let mut reply = RegisterReply::status(StatusCode::IntervalTooBrief);
            reply
                .headers
                .push(Header::MinExpires(MIN_EXPIRES.to_string().into()));
            return Err(reply);
        }
        wanted.push((c.uri.to_string(), expires.min(MAX_EXPIRES)));
    }
    Ok(Asked::Contacts {
        wanted,
        call_id,
        cseq,
    })
}

fn is_wildcard(c: &typed::Contact) -> bool {
    matches!(&c.uri.scheme, Some(rsipstack::sip::Scheme::Other(s)) if s == "*")
}
