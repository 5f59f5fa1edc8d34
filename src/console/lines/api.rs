//! `/api/lines` (documented in `docs/api.md`): list, read, add, replace
//! and remove lines. A line is the configuration's `[[line]]` table as
//! JSON (the same keys); refused lines get 400 naming the field. Every
//! change is audited. Admins see and change every line, staff their own
//! lines, tenants read their own line (without account passwords).
//!
//! Does not own: applying a change (`change`), the pages (`page`).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::change::{self, Change};
use super::merge::{Invalid, Source};
use super::stored;
use crate::config::LineConfig;
use crate::console::api::record;
use crate::console::auth::Authed;
use crate::console::error::ApiError;
use crate::console::state::AppState;

/// A running line and where it comes from.
#[derive(Serialize)]
pub struct Shown {
    pub source: Source,
    pub line: LineConfig,
}

/// The running lines `authed` may see, with their sources; account
/// passwords are left out for tenants.
pub async fn visible(state: &AppState, authed: &Authed) -> Result<Vec<Shown>, ApiError> {
    let stored = state.db.run(stored::list).await?;
    let file = state.lines.file_lines().clone();
    let user = &authed.session.user;
    Ok(state
        .lines
        .running()
        .lines
        .into_iter()
        .filter(|l| user.may_see(&l.name))
        .map(|mut line| {
            if user.role == crate::console::users::Role::Tenant {
                for a in &mut line.accounts {
                    a.password.clear();
                }
            }
            Shown {
                source: super::merge::source(&line.name, &file, &stored),
                line,
            }
        })
        .collect())
}

/// `GET /api/lines`.
pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<Vec<Shown>>, ApiError> {
    Ok(Json(visible(&state, &authed).await?))
}

/// `GET /api/lines/{name}`: 403 for a line the user may not see, 404 for
/// none.
pub async fn one(
    State(state): State<AppState>,
    authed: Authed,
    Path(name): Path<String>,
) -> Result<Json<Shown>, ApiError> {
    if !authed.session.user.may_see(&name) {
        return Err(ApiError::forbidden());
    }
    visible(&state, &authed)
        .await?
        .into_iter()
        .find(|s| s.line.name == name)
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

/// The body as a line: a value of the wrong type or an unknown key is
/// refused with 400 naming the field.
fn line_body(body: Result<Json<serde_json::Value>, JsonRejection>) -> Result<LineConfig, ApiError> {
    let Json(value) = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let i = Invalid::from_serde(e.path(), &e.inner().to_string());
        change::ChangeError::Invalid(i).into()
    })
}

/// Applies `change` for `authed` (CSRF, role and audit included); the
/// line as it runs afterwards, if any.
pub async fn run_change(
    state: &AppState,
    authed: &Authed,
    change: Change,
    action: &'static str,
) -> Result<Option<Shown>, ApiError> {
    let name = change.line().to_owned();
    let list_change = matches!(change, Change::List { .. });
    let allowed = if list_change {
        authed.session.user.may_see(&name)
    } else {
        change::may_edit(&authed.session.user, &name)
    };
    if !allowed {
        return Err(ApiError::forbidden());
    }
    let detail = detail(&change);
    let (live, by) = (state.lines.clone(), authed.name().to_owned());
    let now = crate::time::now_millis();
    let done = state
        .db
        .run(move |conn| Ok(change::apply(conn, live.as_ref(), change, &by, now)))
        .await??;
    record(state, authed, action, format!("line {name}"), detail).await?;
    Ok(done.map(|(line, source)| Shown { source, line }))
}

/// What the audit entry says about `change`.
fn detail(change: &Change) -> Option<String> {
    match change {
        Change::Add(l) | Change::Replace(_, l) => Some(format!(
            "numbers [{}] allowlist [{}] blocklist [{}]",
            l.numbers.join(", "),
            l.policy.allowlist.join(", "),
            l.policy.blocklist.join(", ")
        )),
        Change::Remove(_) => None,
        Change::List { list, number, .. } => {
            Some(format!("{number} onto the {}list", list.as_str()))
        }
    }
}

/// `POST /api/lines`: 201 with the line.
pub async fn create(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    authed.check_csrf_header(&headers)?;
    if authed.session.user.role == crate::console::users::Role::Tenant {
        return Err(ApiError::forbidden());
    }
    let line = line_body(body)?;
    let shown = run_change(&state, &authed, Change::Add(line), "line added").await?;
    Ok((StatusCode::CREATED, Json(shown)).into_response())
}

/// `PUT /api/lines/{name}`: the whole line replaced.
pub async fn update(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Option<Shown>>, ApiError> {
    authed.check_csrf_header(&headers)?;
    if !change::may_edit(&authed.session.user, &name) {
        return Err(ApiError::forbidden());
    }
    let line = line_body(body)?;
    let change = Change::Replace(name, line);
    Ok(Json(
        run_change(&state, &authed, change, "line changed").await?,
    ))
}

/// `DELETE /api/lines/{name}`: the stored line removed; the file's line
/// of the same name, if any, runs again (and is returned).
pub async fn remove(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<Option<Shown>>, ApiError> {
    authed.check_csrf_header(&headers)?;
    let change = Change::Remove(name);
    Ok(Json(
        run_change(&state, &authed, change, "line removed").await?,
    ))
}
