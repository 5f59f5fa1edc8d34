//! People who use the console and what they may see: roles (`admin`:
//! everything; `staff`: the lines assigned to them; `tenant`: their own
//! line only), their lines, argon2 password hashes, adding, listing,
//! removing and checking a password.
//!
//! Does not own: sessions (`sessions`), login throttling (`throttle`) or
//! the audit log (`audit`).

use std::str::FromStr;

use crate::sql::{params, Connection, OptionalExtension};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::Serialize;

use super::error::ConsoleError;

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
    Tenant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Tenant => "tenant",
        }
    }
}

impl FromStr for Role {
    type Err = ConsoleError;
    fn from_str(s: &str) -> Result<Role, ConsoleError> {
        match s {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "tenant" => Ok(Role::Tenant),
            other => Err(ConsoleError::InvalidUser(format!(
                "unknown role {other:?} (admin, staff or tenant)"
            ))),
        }
    }
}

/// A console user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The lines a staff member or tenant may see (empty for an admin).
    pub lines: Vec<String>,
}

impl User {
    /// Whether this user may see calls on `line`.
    pub fn may_see(&self, line: &str) -> bool {
        self.role == Role::Admin || self.lines.iter().any(|l| l == line)
    }

    /// The lines this user is limited to; `None` for all lines.
    pub fn scope(&self) -> Option<&[String]> {
        (self.role != Role::Admin).then_some(self.lines.as_slice())
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Checks a new user's name, role, lines and password.
fn check_new(name: &str, role: Role, lines: &[String], password: &str) -> Result<(), ConsoleError> {
    let bad = |why: &str| Err(ConsoleError::InvalidUser(why.to_owned()));
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return bad("a name is 1-64 letters, digits, '.', '_', '-' or '@'");
    }
    if password.chars().count() < MIN_PASSWORD {
        return bad("a password has at least 8 characters");
    }
    match role {
        Role::Admin if !lines.is_empty() => bad("an admin sees every line: give no --line"),
        Role::Tenant if lines.len() != 1 => bad("a tenant has exactly one --line"),
        _ => Ok(()),
    }
}

/// The argon2id hash of `password` (PHC string).
pub fn hash_password(password: &str) -> Result<String, ConsoleError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ConsoleError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ConsoleError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ConsoleError::Hash(e.to_string()))
}

/// Adds a user; returns its id.
pub fn add(
    conn: &Connection,
    name: &str,
    role: Role,
    lines: &[String],
    password: &str,
    now_ms: i64,
) -> Result<i64, ConsoleError> {
    check_new(name, role, lines, password)?;
    let hash = hash_password(password)?;
    let id: Option<i64> = conn
        .query_row(
            "INSERT INTO users (name, role, password_hash, created_at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO NOTHING RETURNING id",
            params![name, role.as_str(), hash, now_ms],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Err(ConsoleError::UserExists(name.to_owned()));
    };
    for line in lines {
        conn.execute(
            "INSERT INTO user_lines (user_id, line) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![id, line],
        )?;
    }
    Ok(id)
}

/// Removes a user, their lines and their sessions.
pub fn remove(conn: &Connection, name: &str) -> Result<(), ConsoleError> {
    let id: Option<i64> = conn
        .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
        .optional()?;
    let id = id.ok_or_else(|| ConsoleError::NoSuchUser(name.to_owned()))?;
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    conn.execute("DELETE FROM user_lines WHERE user_id = ?1", [id])?;
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}

/// How many users there are.
pub fn count(conn: &Connection) -> Result<i64, ConsoleError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

/// Every user, by name.
pub fn list(conn: &Connection) -> Result<Vec<User>, ConsoleError> {
    let mut stmt = conn.prepare("SELECT id FROM users ORDER BY name")?;
    let ids = stmt
        .query_map([], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    ids.into_iter()
        .filter_map(|id| by_id(conn, id).transpose())
        .collect()
}

/// The user with row id `id`.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<User>, ConsoleError> {
    let row: Option<(String, String)> = conn
        .query_row("SELECT name, role FROM users WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((name, role)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare("SELECT line FROM user_lines WHERE user_id = ?1 ORDER BY line")?;
    let lines = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(Some(User {
        id,
        name,
        role: role.parse()?,
        lines,
    }))
}

/// The user named `name` if `password` is theirs. An unknown name costs
/// the same hashing work as a wrong password.
pub fn check_password(
    conn: &Connection,
    name: &str,
    password: &str,
) -> Result<Option<User>, ConsoleError> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, password_hash FROM users WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, hash)) = row else {
        let _ = hash_password(password);
        return Ok(None);
    };
    let parsed = PasswordHash::new(&hash).map_err(|e| ConsoleError::Hash(e.to_string()))?;
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Ok(None);
    }
    by_id(conn, id)
}
