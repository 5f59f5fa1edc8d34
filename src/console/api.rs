//! The JSON API (documented in `docs/api.md`): login and logout, the call
//! log, one call, its recording and evidence bundle, and the audit log.
//! Every endpoint but login answers 401 without a session and 403 for a
//! call on a line the user may not see.
//!
//! Does not own: the queries (`calls`, `audit`), the live stream (`sse`)
//! or the pages (`pages`).

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::audit::{self, Event};
use super::auth::{self, Authed};
use super::calls::{self, Call, Filter};
use super::error::ApiError;
use super::state::AppState;

#[derive(Deserialize)]
pub struct LoginBody {
    pub user: String,
    pub password: String,
}

/// `POST /api/login`: a session cookie, and the CSRF token in the body.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<LoginBody>,
) -> Result<Response, ApiError> {
    let ip = super::client::client_ip(peer.ip(), &headers, &state.config.trusted_proxies);
    let done = super::login::log_in(&state, ip, &body.user, &body.password).await?;
    let cookie = auth::session_cookie(Some(&done.token), state.secure);
    let body = json!({ "user": done.user, "csrf_token": done.csrf });
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// `POST /api/logout` (needs the CSRF header).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    authed: Authed,
) -> Result<Response, ApiError> {
    authed.check_csrf_header(&headers)?;
    let token = auth::cookie_token(&headers).unwrap_or_default();
    super::login::log_out(&state, token, authed.name().to_owned(), authed.ip).await?;
    let cookie = auth::session_cookie(None, state.secure);
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({ "ok": true }))).into_response())
}

/// `GET /api/me`: who is logged in, and the session's CSRF token.
pub async fn me(authed: Authed) -> Json<serde_json::Value> {
    Json(json!({ "user": authed.session.user, "csrf_token": authed.session.csrf }))
}

/// `GET /api/calls`: a filtered page, newest first.
pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
    Query(filter): Query<Filter>,
) -> Result<Json<calls::Page>, ApiError> {
    let scope = authed.session.user.scope().map(<[String]>::to_vec);
    let page = state
        .db
        .run(move |conn| calls::page(conn, &filter, scope.as_deref()))
        .await?
        .map_err(ApiError::bad_request)?;
    Ok(Json(page))
}

/// The call `id` if the user may see it: 404 if there is none, 403 if it
/// is on another line.
pub async fn visible_call(state: &AppState, authed: &Authed, id: i64) -> Result<Call, ApiError> {
    let call = state
        .db
        .run(move |conn| calls::get(conn, id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    if authed.session.user.may_see(&call.line) {
        Ok(call)
    } else {
        Err(ApiError::forbidden())
    }
}

/// `GET /api/calls/{id}`.
pub async fn one(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Json<Call>, ApiError> {
    Ok(Json(visible_call(&state, &authed, id).await?))
}

/// Appends an audit entry by `authed`.
pub async fn record(
    state: &AppState,
    authed: &Authed,
    action: &'static str,
    target: String,
    detail: Option<String>,
) -> Result<(), ApiError> {
    let actor = authed.name().to_owned();
    let source = authed.ip.to_string();
    let now = crate::time::now_millis();
    state
        .db
        .run(move |conn| {
            let e = Event {
                actor: Some(&actor),
                action,
                target: Some(&target),
                detail: detail.as_deref(),
                source: Some(&source),
            };
            audit::record(conn, now, &e)
        })
        .await?;
    Ok(())
}

/// `GET /api/calls/{id}/recording`: the WAV, with Range support. The
/// first fetch of a playback or download is audited.
pub async fn recording(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let call = visible_call(&state, &authed, id).await?;
    let path = match (&call.recording, call.has_recording) {
        (Some(rel), true) => state.files_dir.join(rel),
        _ => return Err(ApiError::not_found()),
    };
    if super::recording::is_first_fetch(&headers) {
        record(
            &state,
            &authed,
            "recording played",
            format!("call {id}"),
            None,
        )
        .await?;
    }
    let response = tokio::task::spawn_blocking(move || super::recording::respond(&path, &headers))
        .await
        .map_err(|_| ApiError::not_found())?
        .map_err(|_| ApiError::not_found())?;
    Ok(response)
}

/// `GET /api/calls/{id}/evidence`: the evidence zip. Audited, and the
/// call is held as evidence (retention keeps its recording).
pub async fn evidence(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let call = visible_call(&state, &authed, id).await?;
    let wav = match (&call.recording, call.has_recording) {
        (Some(rel), true) => Some(state.files_dir.join(rel)),
        _ => None,
    };
    state
        .db
        .run(move |conn| super::lists::hold(conn, id))
        .await?;
    record(
        &state,
        &authed,
        "evidence downloaded",
        format!("call {id}"),
        None,
    )
    .await?;
    let made_at = crate::time::rfc3339_millis(std::time::SystemTime::now());
    let zip = tokio::task::spawn_blocking(move || {
        super::evidence::bundle(&call, wav.as_deref().filter(|p| p.exists()), &made_at)
    })
    .await
    .map_err(|_| ApiError::not_found())??;
    let name = format!("attachment; filename=\"call-{id}-evidence.zip\"");
    let mut response = zip.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct AuditQuery {
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// The audit entries `q` asks for (admins only), newest first, at most
/// `default_limit` unless `q` says; and the limit used.
pub async fn audit_rows(
    state: &AppState,
    authed: &Authed,
    q: AuditQuery,
    default_limit: i64,
) -> Result<(Vec<audit::Entry>, i64), ApiError> {
    authed.admin()?;
    let limit = q.limit.unwrap_or(default_limit).clamp(1, 1000);
    let rows = state
        .db
        .run(move |conn| audit::list(conn, q.before, limit))
        .await?;
    Ok((rows, limit))
}

/// `GET /api/audit` (admins): newest first.
pub async fn audit_log(
    State(state): State<AppState>,
    authed: Authed,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<audit::Entry>>, ApiError> {
    Ok(Json(audit_rows(&state, &authed, q, 100).await?.0))
}
