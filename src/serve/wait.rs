//! Small waits for the shell's `select!` loops: the next message of a
//! channel that may not exist yet (never, if it does not), and sleeping
//! until a deadline that may not exist (never).
//!
//! Does not own: any call's state (`call`, `lineclear`).

use tokio::time::Instant;

/// The next message of `rx`, or never when there is no channel (for
/// `select!` branches on parts of a call that may not exist yet).
pub async fn recv_or_never<T>(
    rx: Option<&mut tokio::sync::mpsc::UnboundedReceiver<T>>,
) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `deadline`, or forever when there is none.
pub async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
