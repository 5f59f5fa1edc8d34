//! Errors of the SIP adapter: [`SipError`], what the endpoint, the trunk
//! registration and the calls' handles return to the application.
//!
//! Does not own: the media parsers' and the guard's errors (they have their
//! own), or failures inside a running call (reported as events, not
//! errors).

use std::net::SocketAddr;

/// What can go wrong setting up or driving the SIP endpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SipError {
    /// A listening socket could not be bound.
    #[error("cannot listen for SIP on {addr} ({transport}): {source}")]
    Bind {
        addr: SocketAddr,
        transport: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The SIP stack refused an operation (send failure, bad state).
    #[error("SIP stack: {0}")]
    Stack(#[source] Box<rsipstack::Error>),
    /// A header we need is missing or malformed in a message we received.
    #[error("malformed {header} header: {detail}")]
    Header {
        header: &'static str,
        detail: String,
    },
    /// The call's task has ended; the command could not be delivered.
    #[error("the call has already ended")]
    CallGone,
    /// An outgoing call's target is not a URI we can dial (`sip:` over UDP
    /// or TCP).
    #[error("cannot dial {target:?}: {detail}")]
    Target { target: String, detail: String },
    /// An outgoing call's caller (From) is unusable.
    #[error("invalid caller for an outgoing call: {detail}")]
    Caller { detail: &'static str },
    /// No connection could be opened to an outgoing call's (TCP) target.
    #[error("cannot connect to {target}")]
    Connect { target: String },
}

impl From<rsipstack::Error> for SipError {
    fn from(e: rsipstack::Error) -> Self {
        SipError::Stack(Box::new(e))
    }
}
