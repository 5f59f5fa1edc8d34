//! Admin pages: the audit log, and the users (list, create, remove). User
//! changes are audited.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{bad, layout, or_dash, short_time, CsrfOnly, PageError, Posted};
use crate::console::api::{audit_rows, record, AuditQuery};
use crate::console::auth::Authed;
use crate::console::state::AppState;
use crate::console::users::{self, Role};

pub async fn audit(
    State(state): State<AppState>,
    authed: Authed,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    let (rows, limit) = audit_rows(&state, &authed, q, 200).await?;
    let older = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(layout(
        &authed,
        "Audit log",
        html! {
            h1 { "Audit log" }
            p { "Append-only: entries cannot be changed or deleted." }
            table #audit {
                thead { tr { th { "When (UTC)" } th { "Who" } th { "What" } th { "Target" } th { "Detail" } th { "From" } } }
                tbody { @for r in &rows { tr {
                    td { (short_time(&r.at)) } td { (or_dash(&r.actor)) } td { (r.action) }
                    td { (or_dash(&r.target)) } td { (or_dash(&r.detail)) } td { (or_dash(&r.source)) }
                } } }
            }
            @if let Some(id) = older { p { a href={ "/audit?before=" (id) } { "Older →" } } }
        },
    ))
}

pub async fn users(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Html<String>, PageError> {
    authed.admin()?;
    let all = state.db.run(users::list).await?;
    let csrf = authed.session.csrf.clone();
    Ok(layout(
        &authed,
        "Users",
        html! {
            h1 { "Users" }
            table #users {
                thead { tr { th { "Name" } th { "Role" } th { "Lines" } th {} } }
                tbody { @for u in &all { tr {
                    td { (u.name) } td { (u.role.as_str()) }
                    td { (if u.is_admin() { "all".to_owned() } else { u.lines.join(", ") }) }
                    td { @if u.id != authed.session.user.id {
                        form method="post" action={ "/users/" (u.name) "/remove" } class="inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Remove" }
                        }
                    } }
                } } }
            }
            h2 { "Add a user" }
            form method="post" action="/users" #add-user {
                input type="hidden" name="csrf" value=(csrf);
                label { "Name " input name="name" required; }
                label { "Role " select name="role" {
                    option value="tenant" { "tenant (one line)" }
                    option value="staff" { "staff (their lines)" }
                    option value="admin" { "admin (everything)" }
                } }
                label { "Lines (comma-separated) " input name="lines" list="known-lines"; }
                datalist #known-lines { @for l in state.line_names() { option value=(l) {} } }
                label { "Password (8+ characters) " input name="password" type="password" required; }
                button type="submit" { "Add" }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct UserForm {
    name: String,
    role: String,
    #[serde(default)]
    lines: String,
    password: String,
}

pub async fn add_user(
    State(state): State<AppState>,
    Posted(authed, f): Posted<UserForm>,
) -> Result<Response, PageError> {
    authed.admin()?;
    let role: Role = f.role.parse()?;
    let lines: Vec<String> = f
        .lines
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let now = crate::time::now_millis();
    let (name, password, l) = (f.name.clone(), f.password, lines.clone());
    state
        .db
        .run(move |c| users::add(c, &name, role, &l, &password, now))
        .await?;
    let detail = format!("role {} lines [{}]", role.as_str(), lines.join(", "));
    record(&state, &authed, "user added", f.name, Some(detail)).await?;
    Ok(Redirect::to("/users").into_response())
}

/// `POST /users/{name}/remove` (admins; not oneself).
pub async fn remove_user(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Posted(authed, _): Posted<CsrfOnly>,
) -> Result<Response, PageError> {
    if authed.admin().is_ok() && name == authed.session.user.name {
        return Err(bad("you cannot remove yourself"));
    }
    authed.admin()?;
    let n = name.clone();
    state.db.run(move |c| users::remove(c, &n)).await?;
    record(&state, &authed, "user removed", name, None).await?;
    Ok(Redirect::to("/users").into_response())
}
