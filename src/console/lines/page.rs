//! The lines' pages: the running lines the user may see (with where each
//! comes from), and the form that adds or changes one (name, numbers,
//! phones, allowlist, blocklist, and the other settings as TOML). A
//! refused form is shown again with the problem and its field.
//!
//! Does not own: applying changes (`api::run_change`, `change`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;

use super::api::{run_change, visible};
use super::change::{may_edit, Change};
use super::fields::LineFields;
use super::merge::Source;
use crate::console::auth::Authed;
use crate::console::error::ApiError;
use crate::console::pages::layout::{layout, CsrfOnly, PageError, Posted};
use crate::console::state::AppState;

fn source_text(source: Source) -> &'static str {
    match source {
        Source::File => "configuration file",
        Source::Store => "console",
        Source::StoreOverFile => "console (replaces the file's)",
    }
}

/// `GET /lines`.
pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Html<String>, PageError> {
    let lines = visible(&state, &authed).await?;
    let user = &authed.session.user;
    Ok(layout(
        &authed,
        "Lines",
        html! {
            h1 { "Lines" }
            table #lines {
                thead { tr { th { "Name" } th { "Numbers" } th { "Phones" } th { "Allowlist" } th { "Blocklist" } th { "From" } } }
                tbody { @for s in &lines { tr data-line=(s.line.name) {
                    td { @if may_edit(user, &s.line.name) { a href={ "/lines/" (s.line.name) } { (s.line.name) } } @else { (s.line.name) } }
                    td { (s.line.numbers.join(", ")) }
                    td { (s.line.phones.join(", ")) }
                    td.allowlist { (s.line.policy.allowlist.join(", ")) }
                    td.blocklist { (s.line.policy.blocklist.join(", ")) }
                    td { (source_text(s.source)) }
                } } }
            }
            @if user.role != crate::console::users::Role::Tenant {
                p { a #add-line href="/lines/new" { "Add a line" } }
            }
            p.note { "Changes apply to new calls at once; calls in progress keep the settings they started with." }
        },
    ))
}

/// The form for a new line (`name` editable) or an existing one.
fn form(
    authed: &Authed,
    fields: &LineFields,
    existing: bool,
    problem: Option<&ApiError>,
) -> Html<String> {
    let action = if existing {
        format!("/lines/{}", fields.name)
    } else {
        "/lines".to_owned()
    };
    let title = if existing {
        format!("Line {}", fields.name)
    } else {
        "Add a line".to_owned()
    };
    layout(
        authed,
        &title,
        html! {
            h1 { (title) }
            @if let Some(p) = problem {
                p.error #problem data-field=[p.field.as_deref()] { (p.message) }
            }
            form method="post" action=(action) #line-form {
                input type="hidden" name="csrf" value=(authed.session.csrf);
                label { "Name " input name="name" value=(fields.name) required readonly[existing]; }
                label { "Called numbers (comma-separated; * for any other) " input name="numbers" value=(fields.numbers) required; }
                label { "Phones to ring (SIP URIs, comma-separated) " input name="phones" value=(fields.phones); }
                label { "Allowlist (numbers let straight through) " input name="allowlist" value=(fields.allowlist); }
                label { "Blocklist (numbers refused) " input name="blocklist" value=(fields.blocklist); }
                label { "Other settings (TOML, as inside a [[line]] table: [screening], [policy], [[account]], [alerts], [[verified]], [outbound], voicemail, ...) "
                    textarea name="settings" rows="12" cols="70" { (fields.settings) } }
                button type="submit" { (if existing { "Save" } else { "Add" }) }
            }
            @if existing {
                form method="post" action={ "/lines/" (fields.name) "/remove" } class="inline" {
                    input type="hidden" name="csrf" value=(authed.session.csrf);
                    button type="submit" { "Remove the console's line" }
                }
            }
        },
    )
}

/// `GET /lines/new`.
pub async fn new(authed: Authed) -> Result<Html<String>, PageError> {
    if authed.session.user.role == crate::console::users::Role::Tenant {
        return Err(ApiError::forbidden().into());
    }
    let fields = LineFields::from_line(&crate::config::Config::default_config().lines[0]);
    let fields = LineFields {
        name: String::new(),
        numbers: String::new(),
        ..fields
    };
    Ok(form(&authed, &fields, false, None))
}

/// `GET /lines/{name}`.
pub async fn edit(
    State(state): State<AppState>,
    authed: Authed,
    Path(name): Path<String>,
) -> Result<Html<String>, PageError> {
    if !may_edit(&authed.session.user, &name) {
        return Err(ApiError::forbidden().into());
    }
    let shown = visible(&state, &authed)
        .await?
        .into_iter()
        .find(|s| s.line.name == name);
    let shown = shown.ok_or_else(ApiError::not_found)?;
    Ok(form(
        &authed,
        &LineFields::from_line(&shown.line),
        true,
        None,
    ))
}

/// Runs the form's change: back to the list, or the form again with the
/// problem (400).
async fn submit(
    state: &AppState,
    authed: &Authed,
    fields: LineFields,
    existing: Option<String>,
) -> Result<Response, PageError> {
    let result = match fields.to_line() {
        Err(i) => Err(super::change::ChangeError::Invalid(i).into()),
        Ok(line) => {
            let (change, action) = match existing.clone() {
                Some(name) => (Change::Replace(name, line), "line changed"),
                None => (Change::Add(line), "line added"),
            };
            run_change(state, authed, change, action).await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to("/lines").into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::CONFLICT => {
            let status = e.status;
            Ok((status, form(authed, &fields, existing.is_some(), Some(&e))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /lines`.
pub async fn create(
    State(state): State<AppState>,
    Posted(authed, fields): Posted<LineFields>,
) -> Result<Response, PageError> {
    submit(&state, &authed, fields, None).await
}

/// `POST /lines/{name}`.
pub async fn update(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Posted(authed, fields): Posted<LineFields>,
) -> Result<Response, PageError> {
    submit(&state, &authed, fields, Some(name)).await
}

/// `POST /lines/{name}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Posted(authed, _): Posted<CsrfOnly>,
) -> Result<Response, PageError> {
    run_change(&state, &authed, Change::Remove(name), "line removed").await?;
    Ok(Redirect::to("/lines").into_response())
}
