//! `GET /api/live`: the live call events as server-sent events, only for
//! the lines the user may see. Each event's name is its kind (`started`,
//! `caller_name`, `state`, `tag`, `risk`, `ended`) and its data the
//! [`LiveEvent`](super::live::LiveEvent) as JSON; a reader that fell
//! behind gets a `reload` event. The stream ends when the session does.
//!
//! Does not own: the events (`live`) or who publishes them.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use tokio::sync::broadcast::error::RecvError;

use super::auth::Authed;
use super::state::AppState;

/// How often the stream checks that the session is still alive.
const SESSION_CHECK: Duration = Duration::from_secs(60);

pub async fn live(
    State(state): State<AppState>,
    authed: Authed,
    headers: axum::http::HeaderMap,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let mut rx = state.live.subscribe();
    let user = authed.session.user.clone();
    let token = super::auth::cookie_token(&headers).unwrap_or_default();
    let (tx, out) = tokio::sync::mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        let mut check = tokio::time::interval(SESSION_CHECK);
        check.tick().await;
        loop {
            let event = tokio::select! {
                got = rx.recv() => match got {
                    Ok(e) if user.may_see(&e.line) => {
                        let data = serde_json::to_string(&e).unwrap_or_default();
                        Event::default().event(e.change.kind()).data(data)
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => Event::default().event("reload").data("{}"),
                    Err(RecvError::Closed) => break,
                },
                _ = check.tick() => {
                    let (db, token) = (state.db.clone(), token.clone());
                    let now = crate::time::now_millis();
                    let alive = db.run(move |c| super::sessions::lookup(c, &token, now)).await;
                    if !matches!(alive, Ok(Some(_))) {
                        break;
                    }
                    continue;
                }
                _ = tx.closed() => break,
            };
            if tx.send(event).await.is_err() {
                break;
            }
        }
    });
    let stream = as_stream(out);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The receiver as a stream of `Ok` events.
fn as_stream(
    mut out: tokio::sync::mpsc::Receiver<Event>,
) -> impl futures_util::Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::poll_fn(move |cx| out.poll_recv(cx).map(|e| e.map(Ok)))
}
