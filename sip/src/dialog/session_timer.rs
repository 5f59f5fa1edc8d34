//! RFC 4028 session timers, when a caller asks for them.
//!
//! Owns: reading an INVITE's `Session-Expires`, `Min-SE` and
//! `Supported: timer`; the interval we agree to (the caller's, never below
//! our minimum, else 422); the headers of our 2xx (`Session-Expires` with
//! the caller as refresher, `Require: timer`); and when a session that has
//! not been refreshed must be ended (RFC 4028 §10: the interval minus a
//! third of it, at most 32 s).
//!
//! It also keeps a running timer's state, [`SessionExpiry`]: the last
//! refresh and the deadline that follows from it, fed with the time by the
//! call's task (sans-IO).
//!
//! Does not own: the clock or the BYE (the call's task reads the time,
//! sleeps until the deadline and hangs up), which requests count as
//! refreshes (the UAS's), or refreshing sessions ourselves: we only take
//! part when the caller will refresh (it said `Supported: timer`);
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

/// A session timer running since the call was answered: when the session
/// ends unless the caller refreshes it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionExpiry {
    timer: SessionTimer,
    refreshed: Instant,
}

impl SessionExpiry {
    /// Starts the timer when our 2xx to the INVITE goes out at `now`.
    pub fn start(timer: SessionTimer, now: Instant) -> SessionExpiry {
        SessionExpiry {
            timer,
            refreshed: now,
        }
    }

    /// The caller refreshed the session (re-INVITE or UPDATE) at `now`.
    pub fn handle_refresh(&mut self, now: Instant) {
        self.refreshed = now;
    }

    /// When the session expires unless refreshed before.
    pub fn poll_timeout(&self) -> Instant {
        self.timer.expiry(self.refreshed)
    }

    /// True once the session has expired: end it with BYE.
    pub fn handle_timeout(&self, now: Instant) -> bool {
        now >= self.poll_timeout()
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

    #[test]
    fn min_se_header_is_our_minimum() {
        let header = SessionTimer::min_se_header();
        assert_eq!(header.to_string(), "Min-SE: 90");
        // Exactly our minimum is accepted.
        assert_eq!(
            SessionTimer::negotiate(&invite("Supported: timer\r\nSession-Expires: 90\r\n")),
            Ok(Some(SessionTimer { interval: 90 }))
        );
        assert_eq!(
            SessionTimer::negotiate(&invite("Supported: timer\r\nSession-Expires: 89\r\n")),
            Err(TooSmall)
        );
        // Even a caller that cannot refresh is told our minimum.
        assert_eq!(
            SessionTimer::negotiate(&invite("Session-Expires: 30\r\n")),
            Err(TooSmall)
        );
    }

    #[test]
    fn an_unrefreshed_session_expires_at_the_interval_minus_a_third_or_32_s() {
        let t0 = Instant::now();
        for (interval, expires_after) in [(90, 60), (96, 64), (1800, 1768)] {
            let expiry = SessionExpiry::start(SessionTimer { interval }, t0);
            let at = t0 + Duration::from_secs(expires_after);
            assert_eq!(expiry.poll_timeout(), at, "interval {interval}");
            assert!(!expiry.handle_timeout(at - Duration::from_millis(1)));
            assert!(expiry.handle_timeout(at));
        }
    }

    #[test]
    fn each_refresh_moves_the_expiry_from_the_refresh() {
        let t0 = Instant::now();
        let secs = Duration::from_secs;
        let mut expiry = SessionExpiry::start(SessionTimer { interval: 1800 }, t0);
        expiry.handle_refresh(t0 + secs(900));
        assert_eq!(expiry.poll_timeout(), t0 + secs(900 + 1768));
        assert!(!expiry.handle_timeout(t0 + secs(1768)));
        expiry.handle_refresh(t0 + secs(1800));
        assert!(!expiry.handle_timeout(t0 + secs(900 + 1768)));
        assert_eq!(expiry.poll_timeout(), t0 + secs(1800 + 1768));
        assert!(expiry.handle_timeout(t0 + secs(1800 + 1768)));
    }
}
