//! Login sessions, kept server-side in the `sessions` table: a random
//! token (only its SHA-256 is stored) in an HttpOnly, SameSite=Strict
//! cookie, a per-session CSRF token, and expiry (30 minutes idle, exact to
//! the minute; 12 hours at most).
//!
//! Does not own: checking passwords (`users`) or reading the cookie from
//! a request (`auth`).

use crate::sql::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::error::ConsoleError;
use super::users::{self, User};

/// The session cookie's name.
pub const COOKIE: &str = "lw_session";

/// A session unused this long ends.
pub const IDLE_MS: i64 = 30 * 60 * 1000;

/// A session ends this long after login, used or not.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;

/// Last use is written at most this often (a write per request would
/// cost a disk sync each); idle expiry is exact to this much.
const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// A live session: who, and the CSRF token their state-changing requests
/// must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

/// 32 random bytes as hex.
pub fn random_token() -> Result<String, ConsoleError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ConsoleError::Hash(e.to_string()))?;
    Ok(hex(&bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether a session created at `created_ms` and last used at
/// `last_seen_ms` is still alive at `now_ms`.
pub fn alive(created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
    now_ms - last_seen_ms < IDLE_MS && now_ms - created_ms < ABSOLUTE_MS
}

/// Starts a session for `user_id`; returns its token and CSRF token.
pub fn create(
    conn: &Connection,
    user_id: i64,
    now_ms: i64,
) -> Result<(String, String), ConsoleError> {
    let token = random_token()?;
    let csrf = random_token()?;
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, created_at_ms, last_seen_ms)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![token_hash(&token), user_id, csrf, now_ms],
    )?;
    // Expired sessions go when anyone logs in.
    conn.execute(
        "DELETE FROM sessions WHERE last_seen_ms <= ?1 OR created_at_ms <= ?2",
        params![now_ms - IDLE_MS, now_ms - ABSOLUTE_MS],
    )?;
    Ok((token, csrf))
}

/// The live session for `token`, marked as used at `now_ms`; an expired
/// one is deleted and gives `None`.
pub fn lookup(
    conn: &Connection,
    token: &str,
    now_ms: i64,
) -> Result<Option<Session>, ConsoleError> {
    let hash = token_hash(token);
    let row: Option<(i64, String, i64, i64)> = conn
        .query_row(
            "SELECT user_id, csrf, created_at_ms, last_seen_ms FROM sessions WHERE token_hash = ?1",
            [&hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((user_id, csrf, created, last_seen)) = row else {
        return Ok(None);
    };
    if !alive(created, last_seen, now_ms) {
        conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [&hash])?;
        return Ok(None);
    }
    let Some(user) = users::by_id(conn, user_id)? else {
        return Ok(None);
    };
    if now_ms - last_seen >= TOUCH_EVERY_MS {
        conn.execute(
            "UPDATE sessions SET last_seen_ms = ?2 WHERE token_hash = ?1",
            params![hash, now_ms],
        )?;
    }
    Ok(Some(Session { user, csrf }))
}

/// Ends the session for `token`.
pub fn delete(conn: &Connection, token: &str) -> Result<(), ConsoleError> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [token_hash(token)],
    )?;
    Ok(())
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_expiry() {
        let t0 = 1_000_000;
        assert!(alive(t0, t0, t0 + IDLE_MS - 1));
        assert!(!alive(t0, t0, t0 + IDLE_MS));
        // Used every 10 minutes: alive until 12 h after login.
        let used = t0 + ABSOLUTE_MS - 1000;
        assert!(alive(t0, used - 1000, used));
        assert!(!alive(t0, t0 + ABSOLUTE_MS - 1, t0 + ABSOLUTE_MS));
    }

    #[test]
    fn token_comparison() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
