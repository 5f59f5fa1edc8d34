//! The call log page: filters (a GET form), the per-day-per-outcome chart
//! and a page of calls with a link to the older ones.

use axum::extract::{Query, State};
use axum::response::Html;
use maud::html;

use super::chart;
use super::layout::{bad, layout, PageError};
use crate::console::auth::Authed;
use crate::console::calls::{self, Filter};
use crate::console::state::AppState;

/// Days the chart shows.
const CHART_DAYS: i64 = 14;

pub async fn page(
    State(state): State<AppState>,
    authed: Authed,
    Query(filter): Query<Filter>,
) -> Result<Html<String>, PageError> {
    let user = authed.session.user.clone();
    let scope = user.scope().map(<[String]>::to_vec);
    let today = crate::time::now_millis() / 86_400_000;
    let last_day = filter
        .until
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(calls::parse_time)
        .map_or(today, |ms| (ms - 1) / 86_400_000);
    let first_ms = (last_day - CHART_DAYS + 1) * 86_400_000;
    let f = filter.clone();
    let (page, days) = state
        .db
        .run(move |c| {
            let page = calls::page(c, &f, scope.as_deref())?;
            let days = calls::per_day(c, &f, scope.as_deref(), first_ms)?;
            Ok((page, days))
        })
        .await?;
    let page = page.map_err(bad)?;
    let lines: Vec<String> = match user.scope() {
        Some(mine) => mine.to_vec(),
        None => state.line_names(),
    };
    let next = page.next_before.as_ref().map(|cursor| {
        let older = Filter {
            before: Some(cursor.clone()),
            ..filter.clone()
        };
        serde_urlencoded::to_string(&older).unwrap_or_default()
    });
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(layout(
        &authed,
        "Call log",
        html! {
            h1 { "Call log" }
            form method="get" action="/calls" class="filters" {
                label { "Line " select name="line" {
                    option value="" { "any" }
                    @for l in &lines { option value=(l) selected[filter.line.as_deref() == Some(l)] { (l) } }
                } }
                label { "Since " input name="since" placeholder="2026-01-31" value=(value(&filter.since)); }
                label { "Until " input name="until" placeholder="2026-02-28" value=(value(&filter.until)); }
                label { "Risk " select name="risk" {
                    option value="" { "any" }
                    @for r in ["none", "low", "medium", "high"] { option value=(r) selected[filter.risk.as_deref() == Some(r)] { (r) } }
                } }
                label { "Tag " input name="tag" value=(value(&filter.tag)); }
                label { "Outcome " input name="outcome" value=(value(&filter.outcome)); }
                label { "Caller " input name="caller" value=(value(&filter.caller)); }
                button type="submit" { "Filter" }
            }
            (chart::per_day(&days, last_day, CHART_DAYS))
            table #call-log {
                (super::live::head())
                tbody { @for c in &page.calls { (super::live::row(c)) } }
            }
            @if page.calls.is_empty() { p { "No calls." } }
            @if let Some(q) = next { p { a href={ "/calls?" (q) } { "Older calls →" } } }
        },
    ))
}
