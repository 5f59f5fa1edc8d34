//! The Path header of a REGISTER (RFC 3327): the proxies between the phone
//! and us that asked to stay on the way of requests to it.
//!
//! Owns: reading the Path values in order (every Path header, each a
//! comma-separated list of name-addrs), refusing what cannot be read or is
//! too large, and whether the phone said `Supported: path` (RFC 3327 §5.3:
//! only then does the 200 OK carry the Path back).
//!
//! Does not own: keeping the path with a binding (`bindings.rs`) or
//! answering the REGISTER (the parent module).

use rsipstack::sip::{typed, Header, Request, Scheme};

/// Most Path values kept for one binding.
pub const MAX_PATH: usize = 8;
/// Longest Path value kept, in bytes.
const MAX_VALUE_LEN: usize = 512;

/// The Path values of `req`, in order; `Err` says why they cannot be used
/// (the REGISTER then gets 400).
pub(super) fn read(req: &Request) -> Result<Vec<String>, &'static str> {
    let mut path = Vec::new();
    for h in req.headers.iter() {
        let Header::Path(p) = h else { continue };
        for value in split(p.value())? {
            if path.len() == MAX_PATH {
                return Err("too many Path values");
            }
            if value.len() > MAX_VALUE_LEN {
                return Err("Path value too long");
            }
            let route = typed::Route::parse(&value).map_err(|_| "unreadable Path value")?;
            if !matches!(route.uri.scheme, Some(Scheme::Sip) | Some(Scheme::Sips)) {
                return Err("Path value is not a SIP URI");
            }
            if !value.starts_with('<') && !value.starts_with('"') {
                return Err("Path value is not a name-addr");
            }
            path.push(value);
        }
    }
    Ok(path)
}

/// Whether the REGISTER says `Supported: path`.
pub(super) fn supported(req: &Request) -> bool {
    req.headers.iter().any(|h| match h {
        Header::Supported(s) => s
            .value()
            .split(',')
            .any(|tag| tag.trim().eq_ignore_ascii_case("path")),
        _ => false,
    })
}

/// Splits a header value on the commas between its values (not those
/// inside `<…>` or quotes); an unclosed `<` or quote is an error.
fn split(value: &str) -> Result<Vec<String>, &'static str> {
    let mut values = Vec::new();
    let mut current = String::new();
    let (mut in_angle, mut in_quotes) = (false, false);
    for ch in value.chars() {
        match ch {
            '"' if !in_angle => in_quotes = !in_quotes,
            '<' if !in_quotes => in_angle = true,
            '>' if !in_quotes => in_angle = false,
            ',' if !in_quotes && !in_angle => {
                values.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    if in_angle || in_quotes {
        return Err("unclosed Path value");
    }
    values.push(current);
    let values: Vec<String> = values.into_iter().map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err("empty Path value");
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn values_split_outside_brackets_and_quotes() {
        assert_eq!(
            split("<sip:a;lr>, \"x,y\" <sip:b;lr>").unwrap(),
            vec!["<sip:a;lr>", "\"x,y\" <sip:b;lr>"]
        );
        assert!(split("<sip:a;lr").is_err());
        assert!(split("<sip:a;lr>,").is_err());
        assert!(split("\"open <sip:a>").is_err());
    }
}
