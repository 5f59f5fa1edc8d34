//! The clock of the adapter's async tasks: the only place they read the
//! time or wait for it.
//!
//! Owns: reading tokio's clock (so a test that pauses tokio's time moves
//! ours too) as a [`std::time::Instant`], the type the sans-IO timer states
//! take, and sleeping until a deadline one of them gives.
//!
//! Does not own: any deadline. The timer states (`dialog::session_timer`,
//! `dialog::response_wait`, `uas::timers`, `uac::cancel_wait`) compute
//! them from the `now` they are handed; rsipstack keeps its own
//! transaction timers.

use std::time::Instant;

/// Now, by tokio's clock.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Sleeps until `deadline` by tokio's clock; forever when there is none.
pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}
