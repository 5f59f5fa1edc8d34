//! DTMF carried in SIP INFO bodies, the fallback for peers that don't send
//! RFC 4733 telephone-events: `application/dtmf-relay` (`Signal=5` /
//! `Duration=160` lines) and `application/dtmf` (the bare digit).
//!
//! Owns: reading the digit out of the Content-Type and body.
//!
//! Does not own: the INFO transaction itself (answering 200/415 is the
//! SIP adapter's job), the `Info-Package` framework of RFC 6086, or
//! telephone-event RTP (see `dtmf.rs`).

use super::dtmf::event_to_digit;

/// Parse a SIP INFO body. `content_type` e.g. `application/dtmf-relay`
/// (body `Signal=5\r\nDuration=160\r\n`, case-insensitive keys, whitespace
/// tolerant) or `application/dtmf` (body `5`); media-type parameters such as
/// `;charset=utf-8` are ignored. The signal may be the digit itself
/// (`0`-`9`, `*`, `#`, `A`-`D`, any case) or its event code `10`-`15`.
/// Returns `None` for any other content type or malformed input.
pub fn parse_info_dtmf(content_type: &str, body: &[u8]) -> Option<char> {
    let media_type = content_type.split(';').next()?.trim();
    let body = std::str::from_utf8(body).ok()?;
    if media_type.eq_ignore_ascii_case("application/dtmf-relay") {
        let signal = body.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("signal")
                .then_some(value.trim())
        })?;
        parse_signal(signal)
    } else if media_type.eq_ignore_ascii_case("application/dtmf") {
        parse_signal(body.trim())
    } else {
        None
    }
}

/// One digit, or an event code 0-15 written in decimal.
fn parse_signal(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => {
            let c = c.to_ascii_uppercase();
            matches!(c, '0'..='9' | '*' | '#' | 'A'..='D').then_some(c)
        }
        (Some(_), Some(_)) if s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()) => {
            event_to_digit(s.parse().ok()?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELAY: &str = "application/dtmf-relay";

    #[test]
    fn dtmf_relay_body() {
        assert_eq!(
            parse_info_dtmf(RELAY, b"Signal=5\r\nDuration=160\r\n"),
            Some('5')
        );
        assert_eq!(
            parse_info_dtmf(RELAY, b"Signal=#\r\nDuration=100"),
            Some('#')
        );
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=*"), Some('*'));
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=d\n"), Some('D'));
    }

    #[test]
    fn dtmf_relay_is_case_and_whitespace_tolerant() {
        let body = b"  duration = 250 \r\n SIGNAL =  9 \r\n";
        assert_eq!(parse_info_dtmf(RELAY, body), Some('9'));
        assert_eq!(
            parse_info_dtmf("Application/DTMF-Relay; charset=UTF-8", b"signal=1"),
            Some('1')
        );
        assert_eq!(
            parse_info_dtmf(" application/dtmf-relay ", b"Signal=0"),
            Some('0')
        );
    }

    #[test]
    fn dtmf_relay_event_codes() {
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=10\r\n"), Some('*'));
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=11\r\n"), Some('#'));
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=15\r\n"), Some('D'));
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=16\r\n"), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=007\r\n"), None);
    }

    #[test]
    fn application_dtmf_body() {
        assert_eq!(parse_info_dtmf("application/dtmf", b"5"), Some('5'));
        assert_eq!(parse_info_dtmf("application/DTMF", b" #\r\n"), Some('#'));
        assert_eq!(parse_info_dtmf("application/dtmf", b"11"), Some('#'));
        assert_eq!(parse_info_dtmf("application/dtmf", b"55"), None);
    }

    #[test]
    fn malformed_input_is_none() {
        assert_eq!(parse_info_dtmf(RELAY, b""), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Duration=160\r\n"), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=\r\n"), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=X\r\n"), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=12 34\r\n"), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Signal 5\r\n"), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=\xff\r\n"), None);
        assert_eq!(parse_info_dtmf(RELAY, b"Signal=\xc3\xa9"), None);
        assert_eq!(parse_info_dtmf("application/dtmf", b""), None);
        assert_eq!(parse_info_dtmf("text/plain", b"5"), None);
        assert_eq!(parse_info_dtmf("application/sdp", b"Signal=5"), None);
        assert_eq!(parse_info_dtmf("", b"Signal=5"), None);
    }
}
