//! One call's page: what was decided and how it went (policy, challenge,
//! bridge, who hung up, the callback's proof), the recording with its
//! waveform and the tags marked on the timeline with their evidence, the
//! evidence bundle, why the risk is what it is (each rise with its rule
//! and the phrases heard), one-click "always allow" / "always block" of the
//! caller on the call's line (the line's lists change for new calls at
//! once; audited) and an evidence hold.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{layout, or_dash, CsrfOnly, PageError, Posted};
use crate::console::api::{record, visible_call};
use crate::console::auth::Authed;
use crate::console::calls::Call;
use crate::console::lines::api::run_change;
use crate::console::lines::change::Change;
use crate::console::lists::{self, List};
use crate::console::state::AppState;
use crate::store::TagDetail;

const WAVE_W: usize = 800;
const WAVE_H: usize = 80;

/// The waveform as SVG bars with the tags marked at their offsets into
/// the recording (clicking one seeks the player there). A tag's time
/// counts from the answer, where the recording starts: it is the offset.
fn waveform(tags: &[TagDetail], duration_ms: u64, peaks: &[f32]) -> Markup {
    let mid = WAVE_H / 2;
    let step = WAVE_W as f32 / peaks.len().max(1) as f32;
    html! {
        svg #waveform width=(WAVE_W) height=(WAVE_H + 16) viewBox={ "0 0 " (WAVE_W) " " (WAVE_H + 16) } role="img" aria-label="Recording waveform" {
            @for (i, p) in peaks.iter().enumerate() {
                @let h = (p * WAVE_H as f32).max(1.0);
                rect.wave x=(format!("{:.1}", i as f32 * step)) y=(format!("{:.1}", mid as f32 - h / 2.0)) width=(format!("{:.1}", step.max(1.0))) height=(format!("{:.1}", h)) {}
            }
            @for t in tags {
                // A tag from the caller ID is given at the answer: the
                // recording's start.
                @let at = t.at_ms;
                @if duration_ms > 0 && at <= duration_ms {
                    @let x = (at as f32 / duration_ms as f32 * WAVE_W as f32).max(1.0);
                    g.tag-mark data-seek=(format!("{:.2}", at as f32 / 1000.0)) {
                        line x1=(format!("{x:.1}")) x2=(format!("{x:.1}")) y1="0" y2=(WAVE_H) {}
                        text x=(format!("{:.1}", x + 3.0)) y=(WAVE_H + 12) font-size="11" { (t.tag) }
                        title { (t.tag) " at " (format!("{:.1}", at as f32 / 1000.0)) " s: " (t.evidence) }
                    }
                }
            }
        }
    }
}

fn detail_rows(c: &Call) -> Markup {
    html! {
        table.details {
            tr { th { "Line" } td { (c.line) } }
            tr { th { "Caller" } td #caller { (c.caller) } }
            tr { th { "Caller's display name" } td #caller-name { (or_dash(&c.caller_name)) } }
            tr { th { "Called" } td { (c.called) } }
            tr { th { "Started (UTC)" } td { (c.started_at) } }
            tr { th { "Ended" } td { (or_dash(&c.ended_at)) " " (or_dash(&c.end_reason)) } }
            tr { th { "Policy decision" } td { (or_dash(&c.policy)) } }
            tr { th { "Challenge outcome" } td { (or_dash(&c.outcome)) } }
            tr { th { "Bridge outcome" } td { (or_dash(&c.bridge)) " " (or_dash(&c.answered_by)) } }
            tr { th { "Who hung up" } td { (or_dash(&c.hangup_by)) } }
            tr class={ "risk-" (c.risk.as_deref().unwrap_or("")) } { th { "Risk" } td #risk {
                (or_dash(&c.risk))
                @if let Some(r) = c.reasons.last() { " — " (r.brief_rule()) }
            } }
            tr { th { "Heard by the recognizer" } td #listened { (or_dash(&c.listened)) } }
            tr { th { "Recording" } td { (or_dash(&c.recording_note)) @if c.recording_deleted_at_ms.is_some() { " deleted by retention" } } }
            tr { th { "Evidence hold" } td { (if c.evidence_hold { "yes: the recording is kept" } else { "no" }) } }
            @if let Some(proof) = &c.callback {
                tr { th { "Callback proof" } td { pre { (proof) } } }
            }
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let call = visible_call(&state, &authed, id).await?;
    let wav = match (&call.recording, call.has_recording) {
        (Some(rel), true) => Some(state.files_dir.join(rel)),
        _ => None,
    };
    let wave = match wav {
        Some(path) => {
            tokio::task::spawn_blocking(move || crate::console::recording::peaks(&path, 400))
                .await
                .ok()
                .flatten()
        }
        None => None,
    };
    let (line, number) = (call.line.clone(), call.caller.clone());
    let history = state
        .db
        .run(move |c| lists::history(c, &line, &number))
        .await?;
    let running = state.lines.running();
    let lists = running.lines.iter().find(|l| l.name == call.line).map(|l| {
        (
            l.policy.allowlist.contains(&call.caller),
            l.policy.blocklist.contains(&call.caller),
        )
    });
    let csrf = authed.session.csrf.clone();
    Ok(layout(
        &authed,
        &format!("Call {id}"),
        html! {
            h1 { "Call " (id) }
            (detail_rows(&call))
            h2 { "Recording" }
            @if let Some((duration_ms, peaks)) = &wave {
                audio #player controls preload="metadata" src={ "/api/calls/" (id) "/recording" } {}
                (waveform(&call.tag_details, *duration_ms, peaks))
            } @else {
                p { "No recording." }
            }
            h2 { "Why this risk" }
            (crate::console::reasons::list("reasons", &call.reasons, call.risk.as_deref()))
            h2 { "Tags" }
            ul #tags {
                @for t in &call.tag_details {
                    li { strong { (t.tag) } " at " (format!("{:.1}", t.at_ms as f64 / 1000.0)) " s into the call: “" (t.evidence) "” (" (t.confidence) "%)" }
                }
                @if call.tag_details.is_empty() { @for t in &call.tags { li { (t) } } }
            }
            h2 { "Actions" }
            p { a #evidence href={ "/api/calls/" (id) "/evidence" } download { "Download the evidence bundle (zip)" }
                " — the download is audited and holds the call as evidence." }
            div.actions {
                @for (list, label) in [(List::Allow, "Always allow this caller"), (List::Block, "Always block this caller")] {
                    form method="post" action={ "/calls/" (id) "/list" } class="inline" {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="list" value=(list.as_str());
                        button type="submit" { (label) }
                    }
                }
                @if authed.session.user.is_admin() && !call.evidence_hold {
                    form method="post" action={ "/calls/" (id) "/hold" } class="inline" {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { "Hold as evidence" }
                    }
                }
            }
            p.note #on-lists { @match lists {
                Some((true, _)) => "This caller is on the line's allowlist: their next call is let straight through.",
                Some((_, true)) => "This caller is on the line's blocklist: their next call is refused.",
                Some(_) => "This caller is on neither of the line's lists.",
                None => "The line no longer runs.",
            } " Changes apply to the line's new calls at once." }
            @if !history.is_empty() {
                ul #list-history { @for (list, by, at) in &history {
                    li { (list) "listed by " (by) " at " (crate::console::calls::rfc3339_ms(*at)) }
                } }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct ListForm {
    list: List,
}

/// `POST /calls/{id}/list`: the caller onto the line's allowlist or
/// blocklist (off the other), published for new calls; audited and kept
/// in the call's list history.
pub async fn list_change(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(authed, f): Posted<ListForm>,
) -> Result<Response, PageError> {
    let call = visible_call(&state, &authed, id).await?;
    let change = Change::List {
        line: call.line.clone(),
        list: f.list,
        number: call.caller.clone(),
    };
    let action = match f.list {
        List::Allow => "caller allowlisted",
        List::Block => "caller blocklisted",
    };
    run_change(&state, &authed, change, action).await?;
    let by = authed.name().to_owned();
    let now = crate::time::now_millis();
    state
        .db
        .run(move |c| lists::record(c, now, &by, &call.line, f.list, &call.caller, id))
        .await?;
    Ok(Redirect::to(&format!("/calls/{id}")).into_response())
}

pub async fn hold(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(authed, _): Posted<CsrfOnly>,
) -> Result<Response, PageError> {
    authed.admin()?;
    visible_call(&state, &authed, id).await?;
    state.db.run(move |c| lists::hold(c, id)).await?;
    record(&state, &authed, "evidence hold", format!("call {id}"), None).await?;
    Ok(Redirect::to(&format!("/calls/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_marked_at_its_time_from_the_answer() {
        let tag = |at_ms| TagDetail {
            tag: "police".to_owned(),
            at_ms,
            evidence: "\"detective\"".to_owned(),
            confidence: 90,
        };
        // 10 s of recording; tags at 2.5 s and past the end.
        let svg = waveform(&[tag(2_500), tag(12_000)], 10_000, &[0.5; 100]).into_string();
        assert!(svg.contains(r#"data-seek="2.50""#), "{svg}");
        assert!(svg.contains(r#"x1="200.0""#), "a quarter of the way: {svg}");
        assert_eq!(
            svg.matches("tag-mark").count(),
            1,
            "past the end: not marked"
        );
    }
}
