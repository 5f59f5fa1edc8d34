//! Logging in and out, shared by the API and the login form: the
//! throttle, the password check, the new session, and their audit entries;
//! and the one-time setup code that creates the first admin on a fresh
//! install.
//!
//! Does not own: request parsing or the response's shape (`api`, `pages`).

use std::net::IpAddr;

use axum::http::StatusCode;

use super::audit::{self, Event};
use super::error::{ApiError, ConsoleError};
use super::sessions::{self, same_token};
use super::state::AppState;
use super::users::{self, Role, User};

/// A new session: who, the cookie token and the CSRF token.
pub struct LoggedIn {
    pub user: User,
    pub token: String,
    pub csrf: String,
}

/// Checks `name` and `password` from `ip`: throttled tries are refused
/// with 429 (not even checked), a wrong name or password with 401. Every
/// try is audited.
pub async fn log_in(
    state: &AppState,
    ip: IpAddr,
    name: &str,
    password: &str,
) -> Result<LoggedIn, ApiError> {
    let now = crate::time::now_millis();
    let now_u = u64::try_from(now).unwrap_or(0);
    let refused = state.throttle_lock().check(ip, name, now_u);
    let (name, password) = (name.to_owned(), password.to_owned());
    let source = ip.to_string();
    if let Err(r) = refused {
        let detail = format!(
            "refused: too many failed logins ({} s to wait{})",
            r.retry_after_ms.div_ceil(1000),
            if r.locked { ", locked" } else { "" }
        );
        let message = detail.clone();
        state
            .db
            .run(move |conn| {
                let e = Event {
                    actor: Some(&name),
                    action: "login failed",
                    target: None,
                    detail: Some(&detail),
                    source: Some(&source),
                };
                audit::record(conn, now, &e)
            })
            .await?;
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, message));
    }
    let checked_name = name.clone();
    let result = state
        .db
        .run(move |conn| {
            let user = users::check_password(conn, &name, &password)?;
            let (action, detail) = match &user {
                Some(_) => ("login", "ok"),
                None => ("login failed", "wrong name or password"),
            };
            let e = Event {
                actor: Some(&name),
                action,
                target: None,
                detail: Some(detail),
                source: Some(&source),
            };
            audit::record(conn, now, &e)?;
            match user {
                None => Ok(None),
                Some(user) => {
                    let (token, csrf) = sessions::create(conn, user.id, now)?;
                    Ok(Some(LoggedIn { user, token, csrf }))
                }
            }
        })
        .await?;
    let mut throttle = state.throttle_lock();
    match result {
        Some(done) => {
            throttle.succeeded(&checked_name);
            Ok(done)
        }
        None => {
            throttle.failed(ip, &checked_name, now_u);
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong name or password",
            ))
        }
    }
}

/// Ends the session `token` of `user` (audited).
pub async fn log_out(
    state: &AppState,
    token: String,
    user: String,
    ip: IpAddr,
) -> Result<(), ApiError> {
    let now = crate::time::now_millis();
    state
        .db
        .run(move |conn| {
            sessions::delete(conn, &token)?;
            let source = ip.to_string();
            let e = Event {
                actor: Some(&user),
                action: "logout",
                target: None,
                detail: None,
                source: Some(&source),
            };
            audit::record(conn, now, &e)
        })
        .await?;
    Ok(())
}

/// A setup code: 12 characters without look-alikes.
pub fn new_setup_code() -> Result<String, ConsoleError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| ConsoleError::Hash(e.to_string()))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// Creates the first admin with the setup code (used up by it). Refused
/// once any user exists, or for a wrong code (throttled like a login).
pub async fn set_up(
    state: &AppState,
    ip: IpAddr,
    code: &str,
    name: &str,
    password: &str,
) -> Result<(), ApiError> {
    let now = crate::time::now_millis();
    let now_u = u64::try_from(now).unwrap_or(0);
    if state.throttle_lock().check(ip, "(setup)", now_u).is_err() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many tries: wait",
        ));
    }
    let expected = state.setup_code_lock().clone();
    let ok = expected
        .as_deref()
        .is_some_and(|c| same_token(c, code.trim()));
    if !ok {
        state.throttle_lock().failed(ip, "(setup)", now_u);
        return Err(ApiError::forbidden());
    }
    let (name, password, source) = (name.to_owned(), password.to_owned(), ip.to_string());
    state
        .db
        .run(move |conn| {
            if users::count(conn)? > 0 {
                return Err(ConsoleError::InvalidUser(
                    "a user already exists".to_owned(),
                ));
            }
            users::add(conn, &name, Role::Admin, &[], &password, now)?;
            let e = Event {
                actor: Some("setup code"),
                action: "user added",
                target: Some(&name),
                detail: Some("role admin"),
                source: Some(&source),
            };
            audit::record(conn, now, &e)
        })
        .await?;
    *state.setup_code_lock() = None;
    Ok(())
}
