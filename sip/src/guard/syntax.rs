//! Well-formedness of URIs and header field values (RFC 3261 §19.1, §20
//! and the ABNF of §25), as far as the guard needs it. Each check only
//! answers "well-formed or not"; nothing is interpreted beyond that.
//!
//! Does not own: which headers are checked or what a failure means (the
//! parent module), or walking a value (`cursor.rs`).

use std::net::Ipv6Addr;

pub(super) use super::cursor::split_commas;
use super::cursor::{is_token_char, Cursor, Params};

pub(super) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

pub(super) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&c)
}

/// `1*( unreserved / escaped / extra )`, every `%` starting a hex escape.
fn uric(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let hex = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    !b.is_empty()
        && b.iter().enumerate().all(|(i, &c)| {
            if c == b'%' {
                hex(i + 1) && hex(i + 2)
            } else {
                is_unreserved(c) || extra.contains(&c)
            }
        })
}

const PARAMCHAR: &[u8] = b"[]/:&+$";
const HNVCHAR: &[u8] = b"[]/?:+$";

/// The scheme family of a well-formed URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UriKind {
    Sip,
    Tel,
    Other,
}

/// A SIP/SIPS URI checked against RFC 3261 §19.1, any other scheme as an
/// RFC 2396 absoluteURI. `headers` allows a `?name=value` part.
pub(super) fn uri(s: &str, headers: bool) -> Option<UriKind> {
    let (scheme, rest) = s.split_once(':')?;
    let mut sb = scheme.bytes();
    let scheme_ok = sb.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sb.all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c));
    if !scheme_ok {
        None
    } else if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
        sip_uri(rest, headers).then_some(UriKind::Sip)
    } else if !uric(rest, b";/?:@&=+$,[]") {
        None
    } else if scheme.eq_ignore_ascii_case("tel") {
        Some(UriKind::Tel)
    } else {
        Some(UriKind::Other)
    }
}

fn sip_uri(rest: &str, headers: bool) -> bool {
    let (userinfo, rest) = match rest.split_once('@') {
        Some((u, r)) => (Some(u), r),
        None => (None, rest),
    };
    let userinfo_ok = userinfo.is_none_or(|ui| match ui.split_once(':') {
        // `#` is not in `user`, but telephone-subscriber users carry it.
        Some((user, pw)) => uric(user, b"&=+$,;?/#") && (pw.is_empty() || uric(pw, b"&=+$,")),
        None => uric(ui, b"&=+$,;?/#"),
    });
    let (rest, hdrs) = match rest.split_once('?') {
        Some((r, h)) => (r, Some(h)),
        None => (rest, None),
    };
    let mut parts = rest.split(';');
    userinfo_ok
        && !rest.contains('@')
        && (headers || hdrs.is_none())
        && host_port(parts.next().unwrap_or_default())
        && parts.all(|p| match p.split_once('=') {
            Some((n, v)) => uric(n, PARAMCHAR) && uric(v, PARAMCHAR),
            None => uric(p, PARAMCHAR),
        })
        && hdrs.is_none_or(|h| {
            h.split('&').all(|kv| {
                kv.split_once('=')
                    .is_some_and(|(n, v)| uric(n, HNVCHAR) && (v.is_empty() || uric(v, HNVCHAR)))
            })
        })
}

fn hostname(h: &str) -> bool {
    !h.is_empty()
        && !h.starts_with(['.', '-'])
        && h.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._".contains(&c))
}

fn port(p: &str) -> bool {
    is_digits(p) && p.parse::<u16>().is_ok()
}

/// `host [":" port]`, host being a name, an IPv4 address or `[IPv6]`.
fn host_port(s: &str) -> bool {
    match s.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, after)) => {
                addr.parse::<Ipv6Addr>().is_ok()
                    && (after.is_empty() || after.strip_prefix(':').is_some_and(port))
            }
            None => false,
        },
        None => match s.split_once(':') {
            Some((h, p)) => hostname(h) && port(p),
            None => hostname(s),
        },
    }
}

/// `sent-protocol LWS`: `name SLASH version SLASH transport`, SLASH = SWS "/" SWS.
fn sent_protocol(c: &mut Cursor) -> bool {
    for i in 0..3 {
        if i > 0 {
            c.sws();
            if !c.eat(b'/') {
                return false;
            }
            c.sws();
        }
        if c.token().is_none() {
            return false;
        }
    }
    c.sws()
}

/// One `via-parm`: `sent-protocol LWS sent-by *( SEMI via-params )`.
pub(super) fn via_parm(s: &str) -> bool {
    let mut c = Cursor::new(s);
    if !sent_protocol(&mut c) {
        return false;
    }
    let host = if c.peek() == Some(b'[') {
        let v6 = c.take_while(|b| b != b']');
        c.eat(b']') && v6.get(1..).is_some_and(|a| a.parse::<Ipv6Addr>().is_ok())
    } else {
        hostname(c.take_while(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)))
    };
    c.sws();
    let port_ok = if c.eat(b':') {
        c.sws();
        port(c.take_while(|b| b.is_ascii_digit()))
    } else {
        true
    };
    host && port_ok && c.params().is_some()
}

/// `name-addr / addr-spec` followed by header parameters (From, To,
/// Contact, Route elements). Returns the parameters when well-formed.
pub(super) fn addr(v: &str) -> Option<Params<'_>> {
    let mut c = Cursor::new(v);
    c.sws();
    if c.peek() == Some(b'"') {
        c.quoted_string()?;
        c.sws();
        if c.peek() != Some(b'<') {
            return None;
        }
    } else if v.bytes().find(|&b| b == b'<' || b == b';') == Some(b'<') {
        // display-name as tokens; RFC 4475 lwsdisp: no LWS needed before `<`.
        while c.peek() != Some(b'<') {
            c.token()?;
            c.sws();
        }
    }
    if c.eat(b'<') {
        let rest = c.rest();
        let inner = rest.get(..rest.find('>')?)?;
        // RFC 4475 badaspec: no whitespace inside the brackets.
        if inner.trim() != inner {
            return None;
        }
        uri(inner, true)?;
        c.skip(inner.len() + 1);
    } else {
        // addr-spec form: the URI ends at the first `;`, and must not contain
        // `,` or `?` (RFC 3261 §20.10; RFC 4475 regbadct).
        let rest = c.rest();
        let spec = rest.get(..rest.find(';').unwrap_or(rest.len()))?;
        if spec.trim_end().contains([',', '?', ' ', '\t']) {
            return None;
        }
        uri(spec.trim_end(), false)?;
        c.skip(spec.len());
    }
    c.params()
}

/// A From/To value carries a `tag` parameter.
pub(super) fn has_tag(v: &str) -> bool {
    match addr(v) {
        Some(params) => params
            .iter()
            .any(|(n, val)| n.eq_ignore_ascii_case("tag") && val.is_some()),
        None => {
            let tail = v.rsplit_once('>').map_or(v, |(_, t)| t);
            tail.to_ascii_lowercase()
                .replace([' ', '\t'], "")
                .contains(";tag=")
        }
    }
}

/// `CSeq: 1*DIGIT LWS Method`, the number fitting 32 bits (RFC 3261 §8.1.1.5).
pub(super) fn cseq(v: &str) -> Option<(u32, &str)> {
    let mut it = v.split_ascii_whitespace();
    let (num, method) = (it.next()?, it.next()?);
    let num = Some(num).filter(|n| is_digits(n))?.parse().ok()?;
    (it.next().is_none() && is_token(method)).then_some((num, method))
}

/// `callid = word [ "@" word ]`.
pub(super) fn call_id(v: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|c| is_token_char(c) || b"()<>:\\\"/[]?{}".contains(&c))
    };
    match v.split_once('@') {
        Some((a, b)) => word(a) && word(b),
        None => word(v),
    }
}

/// `type/subtype *(SEMI parameter)`, as in Content-Type and Accept.
pub(super) fn media_range(v: &str) -> Option<(&str, &str, Params<'_>)> {
    let mut c = Cursor::new(v);
    let ty = c.token()?;
    c.sws();
    c.eat(b'/').then_some(())?;
    c.sws();
    let sub = c.token()?;
    Some((ty, sub, c.params()?))
}

/// `rfc1123-date`, e.g. `Sat, 13 Nov 2010 23:29:00 GMT` (only GMT; RFC 4475 baddate).
fn rfc1123(v: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let part = |r: std::ops::Range<usize>| v.get(r).unwrap_or_default();
    let digits = |r: std::ops::Range<usize>| is_digits(part(r));
    v.len() == 29
        && DAYS.contains(&part(0..3))
        && part(3..5) == ", "
        && digits(5..7)
        && MONTHS.contains(&part(8..11))
        && [7, 11, 16, 25].iter().all(|&i| part(i..i + 1) == " ")
        && digits(12..16)
        && digits(17..19)
        && digits(20..22)
        && digits(23..25)
        && part(19..20) == ":"
        && part(22..23) == ":"
        && part(26..29) == "GMT"
}

/// Whether the value of a header field the guard knows is well-formed.
pub(super) fn field_ok(name: &str, value: &str) -> bool {
    let list = |f: fn(&str) -> bool| split_commas(value).into_iter().all(f);
    match name {
        "Via" => list(via_parm),
        "From" | "To" => addr(value).is_some(),
        "Contact" => value == "*" || list(|a| addr(a).is_some()),
        "Route" | "Record-Route" => list(|a| a.contains('<') && addr(a).is_some()),
        "Call-ID" => call_id(value),
        "CSeq" => cseq(value).is_some(),
        "Max-Forwards" | "Content-Length" => is_digits(value),
        "Content-Type" => media_range(value).is_some(),
        "Accept" => value.is_empty() || list(|m| media_range(m).is_some()),
        "Date" => rfc1123(value),
        "Require" | "Proxy-Require" => list(is_token),
        "Supported" => value.is_empty() || list(is_token),
        _ => true,
    }
}
