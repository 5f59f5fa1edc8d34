//! The console's HTML pages, rendered with maud (its `html!` macro escapes
//! every interpolated value, so caller names and numbers — untrusted text
//! from SIP headers — always render as text), and the two static files
//! (`console.js`, `console.css`).
//!
//! Owns: the pages (one child each, the layout in `layout`) and the
//! static files. Does not own: the routes (`console::router`), queries
//! and rules (the console's other modules), the lines' pages
//! (`console::lines::page`).

pub mod admin;
pub mod call;
pub mod calllog;
pub mod chart;
pub mod layout;
pub mod live;
pub mod login;

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `/assets/console.js`.
pub async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/console.js"),
    )
        .into_response()
}

/// `/assets/console.css`.
pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../assets/console.css"),
    )
        .into_response()
}
