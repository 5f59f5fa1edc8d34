//! Who is asking: the session cookie read from a request ([`Authed`], an
//! axum extractor that refuses with 401 for the API and sends pages to
//! the login form), the CSRF check for state-changing requests, the
//! client's IP, and the session cookie's text.
//!
//! Does not own: storing sessions (`sessions`) or what each role may do
//! (`users`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};

use super::error::ApiError;
use super::sessions::{self, Session, COOKIE};
use super::state::AppState;

/// A request from a logged-in user.
pub struct Authed {
    pub session: Session,
    pub ip: IpAddr,
}

impl Authed {
    /// Refuses (403) unless `token` (the `X-CSRF-Token` header or the
    /// form's `csrf` field) is this session's CSRF token.
    pub fn check_csrf(&self, token: Option<&str>) -> Result<(), ApiError> {
        match token {
            Some(t) if sessions::same_token(t, &self.session.csrf) => Ok(()),
            _ => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "missing or wrong CSRF token",
            )),
        }
    }

    /// [`Authed::check_csrf`] with the `X-CSRF-Token` header.
    pub fn check_csrf_header(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        self.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))
    }

    pub fn name(&self) -> &str {
        &self.session.user.name
    }

    /// Refuses (403) unless an admin.
    pub fn admin(&self) -> Result<(), ApiError> {
        if self.session.user.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// Not logged in: 401 for the API, the login page otherwise.
pub enum NoSession {
    Api(ApiError),
    Page,
}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        match self {
            NoSession::Api(e) => e.into_response(),
            NoSession::Page => Redirect::to("/login").into_response(),
        }
    }
}

/// The session token from the request's cookies.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// The client's address: the peer, or the address a trusted reverse
/// proxy forwards for (see [`super::client`]).
pub fn client_ip(parts: &Parts, state: &AppState) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    super::client::client_ip(peer, &parts.headers, &state.config.trusted_proxies)
}

/// The `Set-Cookie` value that starts (`Some(token)`) or ends a session.
pub fn session_cookie(token: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(t) => format!(
            "{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            sessions::ABSOLUTE_MS / 1000
        ),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Authed, NoSession> {
        let api = parts.uri.path().starts_with("/api/");
        let refuse = || {
            if api {
                NoSession::Api(ApiError::unauthorized())
            } else {
                NoSession::Page
            }
        };
        let token = cookie_token(&parts.headers).ok_or_else(refuse)?;
        let now = crate::time::now_millis();
        let session = state
            .db
            .run(move |conn| sessions::lookup(conn, &token, now))
            .await
            .map_err(|e| NoSession::Api(e.into()))?
            .ok_or_else(refuse)?;
        Ok(Authed {
            session,
            ip: client_ip(parts, state),
        })
    }
}
