//! `GET /metrics`: the service's counters in the Prometheus text format,
//! for a scraper on the console's listener. No login: the counters name no
//! caller, call or line (keep the console's listener on a trusted network,
//! as for the rest of it).
//!
//! Owns: the route's response. Does not own: the counters
//! (`crate::serve::metrics`).

use axum::http::header;
use axum::response::IntoResponse;

/// The counters, as text.
pub async fn metrics() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::serve::metrics::METRICS.render(),
    )
}
