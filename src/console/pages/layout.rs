//! The pages' common parts: the layout with the navigation, the bare
//! layout (login, errors), refused requests shown as a small page
//! ([`PageError`]), and table-cell helpers.
//!
//! Does not own: any page's content (its siblings) or the routes.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use crate::console::auth::Authed;
use crate::console::error::{ApiError, ConsoleError};
use crate::console::state::AppState;

/// A refused page request, shown as a small HTML page.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl From<ConsoleError> for PageError {
    fn from(e: ConsoleError) -> PageError {
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

/// The document around `body`: `head_extra` goes into `<head>` after the
/// common tags.
fn page(title: &str, head_extra: Markup, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " — linewarden" }
                    link rel="stylesheet" href="/assets/console.css";
                    (head_extra)
                }
                body { (body) }
            }
        }
        .into_string(),
    )
}

/// A page without the navigation (login, errors).
pub fn bare(title: &str, body: Markup) -> Html<String> {
    page(title, html! {}, html! { main { (body) } })
}

/// A page with the navigation for `authed`; the session's CSRF token is in
/// a `<meta name="csrf-token">` for the script.
pub fn layout(authed: &Authed, title: &str, body: Markup) -> Html<String> {
    let user = &authed.session.user;
    page(
        title,
        html! {
            meta name="csrf-token" content=(authed.session.csrf);
            script src="/assets/console.js" defer {}
        },
        html! {
            nav {
                strong { "linewarden" }
                a href="/live" { "Live" }
                a href="/calls" { "Call log" }
                a href="/lines" { "Lines" }
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
        },
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

/// The session's CSRF token in a form (its `csrf` field).
#[derive(serde::Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: Option<String>,
}

/// A form post by a logged-in user, whose `csrf` field is the session's
/// token (else 403), and the form's other fields as `T` (else 400).
pub struct Posted<T>(pub Authed, pub T);

/// Form bodies larger than this are refused.
const MAX_FORM: usize = 1 << 20;

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Posted<T>, Response> {
        let (mut parts, body) = req.into_parts();
        let authed = Authed::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let bytes = axum::body::to_bytes(body, MAX_FORM)
            .await
            .map_err(|_| bad("the form is too large").into_response())?;
        let token: CsrfOnly = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        authed
            .check_csrf(token.csrf.as_deref())
            .map_err(|e| PageError(e).into_response())?;
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| bad(format!("bad form: {e}")).into_response())?;
        Ok(Posted(authed, form))
    }
}
