//! The live calls page: the most recent calls, then every change as it
//! happens (server-sent events; the script fills cells with textContent
//! only). High-risk calls are highlighted.

use axum::extract::State;
use axum::response::Html;
use maud::{html, Markup};

use super::layout::{bad, layout, or_dash, short_time, PageError};
use crate::console::auth::Authed;
use crate::console::calls::{self, Call, Filter};
use crate::console::state::AppState;

/// Calls shown when the page opens.
const RECENT: i64 = 25;

/// One call's row; the script builds the same cells for new calls.
pub fn row(c: &Call) -> Markup {
    let risk = c.risk.as_deref().unwrap_or("");
    html! {
        tr data-id=(c.id) class={ "risk-" (risk) } {
            td.started title=(c.started_at) { (short_time(&c.started_at)) }
            td.line { (c.line) }
            td.caller { (c.caller) }
            td.caller-name { (or_dash(&c.caller_name)) }
            td.policy { (or_dash(&c.policy)) }
            td.outcome { (or_dash(&c.outcome)) }
            td.bridge { (or_dash(&c.bridge)) }
            td.risk title=[(!c.why.is_empty()).then_some(&c.why)] { (or_dash(&c.risk)) }
            td.tags { (c.tags.join(", ")) }
            td.state { (if c.ended_at.is_some() { c.end_reason.as_deref().unwrap_or("ended") } else { "in progress" }) }
            td { a href={ "/calls/" (c.id) } { "open" } }
        }
    }
}

pub fn head() -> Markup {
    html! {
        thead { tr {
            th { "Started (UTC)" } th { "Line" } th { "Caller" } th { "Name" } th { "Policy" }
            th { "Outcome" } th { "Bridge" } th { "Risk" } th { "Tags" } th { "State" } th {}
        } }
    }
}

pub async fn page(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Html<String>, PageError> {
    let scope = authed.session.user.scope().map(<[String]>::to_vec);
    let filter = Filter {
        limit: Some(RECENT),
        ..Filter::default()
    };
    let recent = state
        .db
        .run(move |c| calls::page(c, &filter, scope.as_deref()))
        .await?
        .map_err(bad)?;
    Ok(layout(
        &authed,
        "Live calls",
        html! {
            h1 { "Live calls" }
            p { "Stream: " span #live-status data-state="connecting" { "connecting" } }
            table #live-calls {
                (head())
                tbody { @for c in &recent.calls { (row(c)) } }
            }
        },
    ))
}
