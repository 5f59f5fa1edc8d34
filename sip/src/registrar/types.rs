//! The registrar's vocabulary: accounts, bindings and their changes, the
//! answer to a REGISTER, and the expiry limits.
//!
//! Does not own: any decision (the parent module answers REGISTERs,
//! `register.rs` reads them, `bindings.rs` keeps the table).

use std::net::SocketAddr;

use rsipstack::sip::{Header, StatusCode};

/// Expiry granted when a REGISTER names none, in seconds.
pub const DEFAULT_EXPIRES: u32 = 3600;
/// Shortest expiry accepted (other than 0, which removes the binding).
pub const MIN_EXPIRES: u32 = 60;
/// Longest expiry granted; longer requests are cut to this.
pub const MAX_EXPIRES: u32 = 3600;
/// Contacts kept per account; a new one beyond this replaces the oldest.
pub const MAX_BINDINGS: usize = 5;

/// A phone that may register: its password, and the line it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub password: String,
    pub line: String,
}

/// One registered contact of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The account's user name (the AOR's user part).
    pub user: String,
    /// The Contact URI the phone registered, e.g. `sip:100@192.0.2.5:5062`.
    pub contact: String,
    /// Where the REGISTER really came from; calls go there when it differs
    /// from the contact's address (a phone behind NAT) and it has no path.
    pub source: SocketAddr,
    /// The REGISTER's Path values (RFC 3327), in order: the proxies a
    /// request to this contact goes through (its Route set). Empty when the
    /// phone registered directly.
    pub path: Vec<String>,
    /// The REGISTER's Call-ID and CSeq, to refuse an older one arriving late.
    pub call_id: String,
    pub cseq: u32,
    /// When the binding lapses, Unix seconds.
    pub expires_at: u64,
}

/// A change to the bindings, for the application's store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindingChange {
    /// Added or refreshed.
    Set(Binding),
    /// Removed by the phone (expires 0), or replaced when over
    /// [`MAX_BINDINGS`].
    Removed { user: String, contact: String },
}

/// The answer to one REGISTER.
#[derive(Debug)]
pub struct RegisterReply {
    pub status: StatusCode,
    pub headers: Vec<Header>,
    pub changes: Vec<BindingChange>,
}

impl RegisterReply {
    pub(super) fn status(status: StatusCode) -> RegisterReply {
        RegisterReply {
            status,
            headers: Vec::new(),
            changes: Vec::new(),
        }
    }
}
