//! The limits on SIP over TCP, and the plain decisions behind them.
//!
//! Owns: the limits themselves ([`TcpLimits`]), counting open connections
//! per source and in total ([`ConnectionCount`]: whether one more may be
//! taken), and telling whether the bytes a new connection has sent so far
//! hold a whole first message ([`first_message`]). Sans-IO: bytes and
//! counts in, decisions out. Does not own: sockets, timers or handing
//! connections to the stack (`guarded_tcp`).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

/// How SIP over TCP is bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpLimits {
    /// A connection on which nothing arrives for this long is closed,
    /// even during a call: longer than a call's SIP silence should be
    /// (clients that keep calls over TCP send keep-alives).
    pub idle_timeout: Duration,
    /// A new connection must have sent a whole first message within this
    /// long, or it is closed (a request sent by halves and left stalled).
    pub request_timeout: Duration,
    /// Connections open at once, all sources together.
    pub max_connections: usize,
    /// Connections open at once from one source address.
    pub max_per_source: usize,
}

impl Default for TcpLimits {
    fn default() -> Self {
        TcpLimits {
            idle_timeout: Duration::from_secs(300),
            request_timeout: Duration::from_secs(10),
            max_connections: 512,
            max_per_source: 16,
        }
    }
}

/// Open connections, per source and in total, and which of them have not
/// yet sent a whole first message (pending), oldest first.
#[derive(Debug, Default)]
pub struct ConnectionCount {
    total: usize,
    per_source: HashMap<IpAddr, usize>,
    pending: VecDeque<u64>,
    next_id: u64,
}

/// Why a connection is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// [`TcpLimits::max_connections`] are open, none of them pending.
    Full,
    /// [`TcpLimits::max_per_source`] are open from this source.
    SourceFull,
}

/// A connection taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    /// Names it for [`ConnectionCount::established`] and
    /// [`ConnectionCount::release`].
    pub id: u64,
    /// The oldest pending connection, to close to make room (all places
    /// were taken): stalled requests cannot keep newcomers out.
    pub evict: Option<u64>,
}

impl ConnectionCount {
    /// Counts one more connection from `source`, pending, unless over a
    /// limit.
    pub fn admit(&mut self, source: IpAddr, limits: &TcpLimits) -> Result<Admitted, Refused> {
        if self.per_source.get(&source).copied().unwrap_or(0) >= limits.max_per_source {
            return Err(Refused::SourceFull);
        }
        let mut evict = None;
        if self.total >= limits.max_connections {
            evict = Some(self.pending.pop_front().ok_or(Refused::Full)?);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.pending.push_back(id);
        *self.per_source.entry(source).or_insert(0) += 1;
        self.total += 1;
        Ok(Admitted { id, evict })
    }

    /// Connection `id` has sent a whole first message: no longer pending.
    pub fn established(&mut self, id: u64) {
        self.pending.retain(|p| *p != id);
    }

    /// Connection `id` from `source` has closed.
    pub fn release(&mut self, id: u64, source: IpAddr) {
        self.pending.retain(|p| *p != id);
        if let Some(n) = self.per_source.get_mut(&source) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_source.remove(&source);
            }
            self.total = self.total.saturating_sub(1);
        }
    }

    /// Connections open (an evicted one counts until it has closed).
    pub fn total(&self) -> usize {
        self.total
    }
}

/// What the bytes received so far on a new connection hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstMessage {
    /// A whole message (or a keep-alive): the stack may take it.
    Whole,
    /// Not yet: wait for more.
    Partial,
    /// The header block is longer than `limit` allows: close.
    TooLong,
}

/// Whether `bytes`, the start of a connection, hold a whole message: the
/// header block up to its empty line, and as many body bytes as its
/// Content-Length says (a body larger than `limit` counts as whole once
/// `limit` bytes are in). Leading CRLFs (RFC 5626 keep-alives) are skipped;
/// only CRLFs is a keep-alive, which is whole.
pub fn first_message(bytes: &[u8], limit: usize) -> FirstMessage {
    let start = bytes
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(bytes.len());
    if start == bytes.len() {
        return match bytes.windows(4).any(|w| w == b"\r\n\r\n") {
            true => FirstMessage::Whole,
            false if bytes.len() >= limit => FirstMessage::TooLong,
            false => FirstMessage::Partial,
        };
    }
    let rest = &bytes[start..];
    let Some(head_len) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
        return match bytes.len() >= limit {
            true => FirstMessage::TooLong,
            false => FirstMessage::Partial,
        };
    };
    let head = String::from_utf8_lossy(&rest[..head_len]);
    let body = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| {
            let name = name.trim();
            name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l")
        })
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let need = start + head_len + 4 + body;
    if bytes.len() >= need.min(limit) {
        FirstMessage::Whole
    } else {
        FirstMessage::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &str = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn whole_partial_and_too_long_first_messages() {
        assert_eq!(first_message(OPTIONS.as_bytes(), 4096), FirstMessage::Whole);
        let half = &OPTIONS.as_bytes()[..30];
        assert_eq!(first_message(half, 4096), FirstMessage::Partial);
        assert_eq!(first_message(b"", 4096), FirstMessage::Partial);
        assert_eq!(first_message(&[b'A'; 64], 64), FirstMessage::TooLong);
        assert_eq!(first_message(b"\r\n\r\n", 4096), FirstMessage::Whole);
        let with_crlf = format!("\r\n\r\n{OPTIONS}");
        assert_eq!(
            first_message(with_crlf.as_bytes(), 4096),
            FirstMessage::Whole
        );
    }

    #[test]
    fn the_body_must_be_in_too() {
        let invite = "INVITE sip:a@b SIP/2.0\r\nl: 10\r\n\r\n0123456789";
        assert_eq!(first_message(invite.as_bytes(), 4096), FirstMessage::Whole);
        let short = &invite.as_bytes()[..invite.len() - 1];
        assert_eq!(first_message(short, 4096), FirstMessage::Partial);
        // A body larger than what is looked at counts once that is full.
        let big = "INVITE sip:a@b SIP/2.0\r\nContent-Length: 100000\r\n\r\n".to_string()
            + &"x".repeat(200);
        assert_eq!(first_message(big.as_bytes(), 200), FirstMessage::Whole);
    }

    #[test]
    fn connections_are_capped_per_source_and_in_total() {
        let limits = TcpLimits {
            max_connections: 3,
            max_per_source: 2,
            ..TcpLimits::default()
        };
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let c: IpAddr = "192.0.2.3".parse().unwrap();
        let mut count = ConnectionCount::default();
        let a1 = count.admit(a, &limits).unwrap();
        let a2 = count.admit(a, &limits).unwrap();
        assert_eq!(count.admit(a, &limits), Err(Refused::SourceFull));
        let b1 = count.admit(b, &limits).unwrap();
        assert_eq!((a1.evict, a2.evict, b1.evict), (None, None, None));
        for admitted in [a1, a2, b1] {
            count.established(admitted.id);
        }
        // Full of established connections: refused.
        assert_eq!(count.admit(c, &limits), Err(Refused::Full));
        count.release(a1.id, a);
        assert_eq!(count.admit(c, &limits).map(|x| x.evict), Ok(None));
        assert_eq!(count.total(), 3);
        // A release for a source with nothing open changes nothing.
        count.release(99, "198.51.100.1".parse().unwrap());
        assert_eq!(count.total(), 3);
    }

    #[test]
    fn when_full_the_oldest_pending_connection_makes_room() {
        let limits = TcpLimits {
            max_connections: 3,
            max_per_source: 3,
            ..TcpLimits::default()
        };
        let attacker: IpAddr = "192.0.2.1".parse().unwrap();
        let phone: IpAddr = "192.0.2.9".parse().unwrap();
        let mut count = ConnectionCount::default();
        let stalled: Vec<Admitted> = (0..3)
            .map(|_| count.admit(attacker, &limits).unwrap())
            .collect();
        count.established(stalled[0].id);
        let newcomer = count.admit(phone, &limits).unwrap();
        assert_eq!(newcomer.evict, Some(stalled[1].id));
        count.release(stalled[1].id, attacker);
        let next = count.admit(phone, &limits).unwrap();
        assert_eq!(next.evict, Some(stalled[2].id));
    }
}
