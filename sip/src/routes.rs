//! Where in-dialog requests go: the table from a dialog to the task that
//! owns it, shared by the endpoint's dispatcher (which reads it) and the
//! calls (which add their dialog when it starts and remove it at the end).
//!
//! Does not own: what a call does with the requests it is sent, or the 481
//! for a request that matches no dialog (the dispatcher's).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rsipstack::transaction::transaction::Transaction;
use tokio::sync::mpsc;

/// Identifies a dialog for routing in-dialog requests: Call-ID and our tag.
pub(crate) type DialogKey = (String, String);

/// In-dialog server transactions, routed to the task that owns the dialog.
pub(crate) type DialogRoutes =
    Arc<Mutex<HashMap<DialogKey, mpsc::UnboundedSender<Box<Transaction>>>>>;

/// Sends the dialog's in-dialog requests to `sender` from now on.
pub(crate) fn route(
    routes: &DialogRoutes,
    key: DialogKey,
    sender: mpsc::UnboundedSender<Box<Transaction>>,
) {
    if let Ok(mut routes) = routes.lock() {
        routes.insert(key, sender);
    }
}

/// Forgets the dialog: its requests get 481 from now on.
pub(crate) fn unroute(routes: &DialogRoutes, key: &DialogKey) {
    if let Ok(mut routes) = routes.lock() {
        routes.remove(key);
    }
}
