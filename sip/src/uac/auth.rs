//! Answering a 401/407 challenge to our INVITE with digest credentials
//! (RFC 3261 §22.2, RFC 2617): the retried INVITE.
//!
//! Owns: reading the challenge (WWW-Authenticate for 401, Proxy-Authenticate
//! for 407), the Authorization / Proxy-Authorization header, and the retried
//! request (same Call-ID and tags, CSeq one higher, a new Via branch).
//!
//! Does not own: deciding whether to retry (the call's task answers one
//! challenge, and one more only when the server says the nonce was stale),
//! sending (the task), or the digest arithmetic (rsipstack's
//! `compute_digest`).

use rsipstack::dialog::authenticate::compute_digest;
use rsipstack::sip::headers::auth::{Algorithm, AuthQop, Qop, Scheme};
use rsipstack::sip::{typed, Header, Request, Response, StatusCode};

use crate::error::SipError;

/// A user name and password for a peer that challenges our requests.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password: handles are logged with `{:?}`.
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Whether a challenge says only the nonce was stale (RFC 2617 §3.2.1).
pub(super) fn stale(resp: &Response) -> bool {
    challenge(resp).is_some_and(|c| {
        c.stale
            .is_some_and(|s| s.trim_matches('"').eq_ignore_ascii_case("true"))
    })
}

/// The challenge in a 401 or 407.
fn challenge(resp: &Response) -> Option<typed::WwwAuthenticate> {
    let proxy = resp.status_code == StatusCode::ProxyAuthenticationRequired;
    resp.headers.iter().find_map(|h| match h {
        Header::WwwAuthenticate(w) if !proxy => typed::WwwAuthenticate::parse(w.value()).ok(),
        Header::ProxyAuthenticate(p) if proxy => typed::WwwAuthenticate::parse(p.value()).ok(),
        _ => None,
    })
}

/// The INVITE `previous`, retried with credentials for the challenge in
/// `resp`, with CSeq `cseq` and top Via `via`.
pub(super) fn retry(
    previous: &Request,
    resp: &Response,
    credentials: &Credentials,
    cseq: u32,
    via: typed::Via,
    cnonce: &str,
) -> Result<Request, SipError> {
    let unusable = |detail: &str| SipError::Header {
        header: "WWW-Authenticate",
        detail: detail.to_string(),
    };
    let c = challenge(resp).ok_or_else(|| unusable("no readable digest challenge"))?;
    if c.scheme != Scheme::Digest {
        return Err(unusable("not a digest challenge"));
    }
    let algorithm = c.algorithm.unwrap_or(Algorithm::Md5);
    if algorithm != Algorithm::Md5 && algorithm != Algorithm::Sha256 {
        return Err(unusable("unsupported digest algorithm"));
    }
    let qop = match c.qop {
        Some(Qop::Auth) | Some(Qop::AuthInt) => Some(AuthQop::Auth {
            cnonce: cnonce.to_string(),
            nc: 1,
        }),
        None => None,
    };
    let uri = previous.uri.to_string();
    let response = compute_digest(
        &credentials.username,
        &credentials.password,
        &c.realm,
        &c.nonce,
        &previous.method,
        &uri,
        algorithm,
        qop.as_ref(),
    );
    let authorization = typed::Authorization {
        scheme: Scheme::Digest,
        username: credentials.username.clone(),
        realm: c.realm,
        nonce: c.nonce,
        uri: previous.uri.clone(),
        response,
        algorithm: Some(algorithm),
        opaque: c.opaque,
        qop,
    };
    let header: Header = if resp.status_code == StatusCode::ProxyAuthenticationRequired {
        typed::ProxyAuthorization {
            scheme: authorization.scheme,
            username: authorization.username,
            realm: authorization.realm,
            nonce: authorization.nonce,
            uri: authorization.uri,
            response: authorization.response,
            algorithm: authorization.algorithm,
            opaque: authorization.opaque,
            qop: authorization.qop,
        }
        .into()
    } else {
        authorization.into()
    };

    let mut req = previous.clone();
    let mut via_done = false;
    let mut headers: Vec<Header> = Vec::new();
    for h in req.headers.iter() {
        match h {
            Header::Via(_) if !via_done => {
                via_done = true;
                headers.push(Header::Via(via.clone().into()));
            }
            Header::CSeq(_) => {
                headers.push(Header::CSeq(format!("{cseq} {}", previous.method).into()))
            }
            Header::Authorization(_) | Header::ProxyAuthorization(_) => {}
            other => headers.push(other.clone()),
        }
    }
    headers.push(header);
    req.headers = headers.into();
    Ok(req)
}
