//! RFC 4028 session timers, when a caller asks for them.
//!
//! Owns: reading an INVITE's `Session-Expires`, `Min-SE` and
//! `Supported: timer`; the interval we agree to (the caller's, never below
//! our minimum, else 422); the headers of our 2xx (`Session-Expires` with
//! the caller as refresher, `Require: timer`); and when a session that has
//! not been refreshed must be ended (RFC 4028 §10: the interval minus a
//! third of it, at most 32 s).
//!
//! Does not own: the clock or the BYE (the call's task keeps the last
//! refresh time and hangs up), or refreshing sessions ourselves: we only
//! take part when the caller will refresh (it said `Supported: timer`);
//! otherwise the call goes on without a session timer.

use std::time::{Duration, Instant};

use rsipstack::sip::{Header, Request};

/// Our Min-SE: the shortest interval we accept (RFC 4028's minimum, 90 s).
pub const MIN_SE: u32 = 90;

/// A session timer agreed with the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    /// The session interval, in seconds.
    pub interval: u32,
}

/// Why a session timer request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooSmall;

impl SessionTimer {
    /// What the INVITE asks: `Ok(None)` when no session timer is used (none
    /// asked, or the caller cannot refresh), `Err(TooSmall)` for an interval
    /// below [`MIN_SE`] (answer 422 with `Min-SE`).
    pub fn negotiate(req: &Request) -> Result<Option<SessionTimer>, TooSmall> {
        let mut asked = None;
        let mut supported = false;
        for h in req.headers.iter() {
            match h {
                Header::SessionExpires(v) => {
                    let secs = v.value().split(';').next().unwrap_or("").trim();
                    asked = secs.parse::<u32>().ok().or(asked);
                }
                Header::Supported(v) => {
                    supported |= v
                        .value()
                        .split(',')
                        .any(|o| o.trim().eq_ignore_ascii_case("timer"));
                }
                _ => {}
            }
        }
        let Some(interval) = asked else {
            return Ok(None);
        };
        if interval < MIN_SE {
            return Err(TooSmall);
        }
        Ok(supported.then_some(SessionTimer { interval }))
    }

    /// The 422's header.
    pub fn min_se_header() -> Header {
        Header::MinSE(MIN_SE.to_string().into())
    }

    /// The headers for our 2xx to the INVITE or a refresh.
    pub fn response_headers(&self) -> Vec<Header> {
        vec![
            Header::SessionExpires(format!("{};refresher=uac", self.interval).into()),
            Header::Require("timer".into()),
        ]
    }

    /// When the session expires if not refreshed after `refreshed`.
    pub fn expiry(&self, refreshed: Instant) -> Instant {
        let interval = Duration::from_secs(u64::from(self.interval));
        let margin = (interval / 3).min(Duration::from_secs(32));
        refreshed + interval - margin
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsipstack::sip::SipMessage;

    fn invite(extra: &str) -> Request {
        let text = format!(
            "INVITE sip:5550000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:5550000@127.0.0.1>\r\nCall-ID: st@test\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n{extra}Content-Length: 0\r\n\r\n"
        );
        match SipMessage::try_from(text.as_str()).expect("parses") {
            SipMessage::Request(r) => r,
            SipMessage::Response(_) => unreachable!(),
        }
    }

    #[test]
    fn negotiation() {
        assert_eq!(SessionTimer::negotiate(&invite("")), Ok(None));
        assert_eq!(
            SessionTimer::negotiate(&invite(
                "Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n"
            )),
            Ok(Some(SessionTimer { interval: 1800 }))
        );
        // Without Supported: timer the caller cannot refresh: no timer.
        assert_eq!(
            SessionTimer::negotiate(&invite("Session-Expires: 1800\r\n")),
            Ok(None)
        );
        assert_eq!(
            SessionTimer::negotiate(&invite(
                "Supported: 100rel, timer\r\nSession-Expires: 60\r\n"
            )),
            Err(TooSmall)
        );
        let t = SessionTimer { interval: 90 };
        let now = Instant::now();
        assert_eq!(t.expiry(now), now + Duration::from_secs(60));
        let t = SessionTimer { interval: 1800 };
        assert_eq!(t.expiry(now), now + Duration::from_secs(1768));
    }
}
