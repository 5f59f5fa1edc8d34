//! The console's HTML pages, rendered with maud (its `html!` macro escapes
//! every interpolated value, so caller names and numbers — untrusted text
//! from SIP headers — always render as text), and the two static files
//! (`console.js`, `console.css`).
//!
//! Owns: the page routes, the common layout, and page-style errors.
//! Does not own: queries and rules (the console's other modules).

mod admin;
mod call;
mod calllog;
mod chart;
mod live;
mod login;

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, DOCTYPE};

use super::auth::Authed;
use super::error::ApiError;
use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/live") }))
        .route("/login", get(login::form).post(login::submit))
        .route("/setup", post(login::setup))
        .route("/logout", post(login::logout))
        .route("/live", get(live::page))
        .route("/calls", get(calllog::page))
        .route("/calls/{id}", get(call::page))
        .route("/calls/{id}/list", post(call::list_request))
        .route("/calls/{id}/hold", post(call::hold))
        .route("/audit", get(admin::audit))
        .route("/users", get(admin::users).post(admin::add_user))
        .route("/users/{name}/remove", post(admin::remove_user))
        .route("/assets/console.js", get(js))
        .route("/assets/console.css", get(css))
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/console.js"),
    )
        .into_response()
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/console.css"),
    )
        .into_response()
}

/// A refused page request, shown as a small HTML page.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl From<super::error::ConsoleError> for PageError {
    fn from(e: super::error::ConsoleError) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status;
        let body = bare(
            "Error",
            html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                p.error { (self.0.message) }
                p { a href="/live" { "Back to the console" } }
            },
        );
        (status, body).into_response()
    }
}

/// A page without the navigation (login, errors).
pub fn bare(title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " — linewarden" }
                    link rel="stylesheet" href="/assets/console.css";
                }
                body { main { (body) } }
            }
        }
        .into_string(),
    )
}

/// A page with the navigation for `authed`; the session's CSRF token is in
/// a `<meta name="csrf-token">` for the script.
pub fn layout(authed: &Authed, title: &str, body: Markup) -> Html<String> {
    let user = &authed.session.user;
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="csrf-token" content=(authed.session.csrf);
                    title { (title) " — linewarden" }
                    link rel="stylesheet" href="/assets/console.css";
                    script src="/assets/console.js" defer {}
                }
                body {
                    nav {
                        strong { "linewarden" }
                        a href="/live" { "Live" }
                        a href="/calls" { "Call log" }
                        @if user.is_admin() {
                            a href="/audit" { "Audit" }
                            a href="/users" { "Users" }
                        }
                        span.who { (user.name) " (" (user.role.as_str()) ")" }
                        form method="post" action="/logout" class="inline" {
                            input type="hidden" name="csrf" value=(authed.session.csrf);
                            button type="submit" { "Log out" }
                        }
                    }
                    main { (body) }
                }
            }
        }
        .into_string(),
    )
}

/// A plain text cell: the value, or `-`.
pub fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM:SS` (UTC) for tables.
pub fn short_time(rfc3339: &str) -> String {
    rfc3339.get(..19).unwrap_or(rfc3339).replacen('T', " ", 1)
}

/// The status for a bad form value.
pub fn bad(message: impl Into<String>) -> PageError {
    PageError(ApiError::new(StatusCode::BAD_REQUEST, message))
}
