//! The wait for the final response to one of our in-dialog requests: the
//! BYE wait (and the CANCEL's), as a plain state fed with the time.
//!
//! Owns: when we stop waiting. A final response (200-699) ends the wait
//! with its status; none by 64·T1 after the request went out (RFC 3261
//! timer F) ends it with 408, as §8.1.3.1 says a timeout is to be treated
//! (and as rsipstack's own timer F reports it); a transaction that ends
//! without any (it could not be sent) ends it with no status.
//!
//! Does not own: the request, its retransmissions or the transaction
//! (rsipstack's; `dialog::request` sends it and feeds this state), or the
//! clock (the caller passes `now` and sleeps until [`ResponseWait::poll_timeout`]).

use std::time::{Duration, Instant};

/// The status a request that got no final response in time counts as.
pub(crate) const TIMEOUT_STATUS: u16 = 408;

/// How a wait ended: the final status, or none when the transaction ended
/// without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Done {
    pub status: Option<u16>,
}

/// Waiting for the final response to a request sent at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResponseWait {
    deadline: Instant,
    done: Option<Done>,
}

impl ResponseWait {
    /// A wait for a request sent at `sent`, given up `timeout` (64·T1)
    /// later.
    pub fn new(sent: Instant, timeout: Duration) -> ResponseWait {
        ResponseWait {
            deadline: sent + timeout,
            done: None,
        }
    }

    /// A response to the request arrived (at any time until the wait is
    /// over); provisional ones change nothing.
    pub fn handle_response(&mut self, status: u16) -> Option<Done> {
        if self.done.is_none() && status >= 200 {
            self.done = Some(Done {
                status: Some(status),
            });
            return self.done;
        }
        None
    }

    /// The transaction ended without passing on a final response.
    pub fn handle_ended(&mut self) -> Done {
        *self.done.get_or_insert(Done { status: None })
    }

    /// When to call [`ResponseWait::handle_timeout`]; `None` once over.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.done.is_none().then_some(self.deadline)
    }

    /// Ends the wait with 408 once the deadline has passed.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Done> {
        if self.done.is_none() && now >= self.deadline {
            self.done = Some(Done {
                status: Some(TIMEOUT_STATUS),
            });
            return self.done;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1X64: Duration = Duration::from_secs(32);

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_final_response_ends_the_wait_with_its_status() {
        let t0 = Instant::now();
        let mut wait = ResponseWait::new(t0, T1X64);
        assert_eq!(wait.poll_timeout(), Some(t0 + T1X64));
        assert_eq!(wait.handle_response(100), None);
        assert_eq!(wait.poll_timeout(), Some(t0 + T1X64));
        let done = wait.handle_response(200);
        assert_eq!(done, Some(Done { status: Some(200) }));
        assert_eq!(wait.poll_timeout(), None);
        assert_eq!(wait.handle_timeout(t0 + T1X64), None);
        assert_eq!(wait.handle_response(481), None);
    }

    #[test]
    fn no_answer_to_our_bye_is_a_408_at_64_t1_and_not_before() {
        let t0 = Instant::now();
        let mut wait = ResponseWait::new(t0, T1X64);
        assert_eq!(wait.handle_timeout(t0), None);
        assert_eq!(
            wait.handle_timeout(t0 + T1X64 - Duration::from_millis(1)),
            None
        );
        assert_eq!(wait.poll_timeout(), Some(t0 + secs(32)));
        let done = wait.handle_timeout(t0 + T1X64);
        assert_eq!(done, Some(Done { status: Some(408) }));
        assert_eq!(wait.poll_timeout(), None);
        // A response after that changes nothing.
        assert_eq!(wait.handle_response(200), None);
        assert_eq!(wait.handle_ended(), Done { status: Some(408) });
    }

    #[test]
    fn a_transaction_that_ends_without_a_response_has_no_status() {
        let t0 = Instant::now();
        let mut wait = ResponseWait::new(t0, T1X64);
        assert_eq!(wait.handle_response(180), None);
        assert_eq!(wait.handle_ended(), Done { status: None });
        assert_eq!(wait.poll_timeout(), None);
        assert_eq!(wait.handle_timeout(t0 + T1X64), None);
    }
}
