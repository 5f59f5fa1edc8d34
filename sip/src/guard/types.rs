//! The guard's vocabulary: what it decides about a datagram ([`Verdict`]),
//! why ([`RejectReason`], with the status each reason is answered with),
//! what it is configured with ([`GuardConfig`]) and the methods the SIP
//! RFCs define ([`KNOWN_METHODS`]).
//!
//! Does not own: any check (`mod.rs`, `content.rs`, `syntax.rs`) or the
//! error responses (`reply.rs`).

/// What to do with one datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Hand the datagram to the SIP stack unchanged.
    Accept,
    /// Do not hand it on; send this response (serialized SIP bytes) back to
    /// the sender's address instead.
    Reply {
        status: u16,
        reason: RejectReason,
        response: Vec<u8>,
    },
    /// Do not hand it on and send nothing (malformed responses, garbage, an
    /// ACK, a request so broken no response can be addressed).
    Drop { reason: RejectReason },
}

/// Why a datagram was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    #[error("not a SIP message")]
    Unparseable,
    #[error("malformed start line")]
    MalformedStartLine,
    #[error("malformed Request-URI")]
    MalformedRequestUri,
    #[error("header section is not valid UTF-8")]
    InvalidUtf8,
    #[error("a header line is not `name: value`")]
    MalformedHeaderLine,
    #[error("no empty line ends the header section")]
    MissingHeaderTerminator,
    #[error("malformed {0} header")]
    MalformedHeader(&'static str),
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("more than one {0} header")]
    DuplicateSingleHeader(&'static str),
    #[error("more than one Content-Length")]
    MultipleContentLength,
    #[error("Content-Length is larger than the body received")]
    ContentLengthMismatch,
    #[error("CSeq method differs from the request method")]
    CSeqMethodMismatch,
    #[error("From has no tag (RFC 2543 request)")]
    MissingFromTag,
    #[error("SIP version other than SIP/2.0")]
    UnsupportedVersion,
    #[error("Request-URI scheme is not sip, sips or tel")]
    UnsupportedScheme,
    #[error("unknown method")]
    UnknownMethod,
    #[error("method not implemented by this service")]
    MethodNotAllowed,
    #[error("unsupported option tags: {}", .0.join(", "))]
    UnsupportedExtension(Vec<String>),
    #[error("INVITE body is not application/sdp")]
    UnsupportedMediaType,
    #[error("Accept does not admit application/sdp")]
    NotAcceptable,
    #[error("response with more than one Via")]
    MultipleViaInResponse,
    #[error("rejected by the SIP stack's parser: {0}")]
    StackRejected(String),
    /// Not malformed: a new call while the service sheds load (answered
    /// 503 with this Retry-After, in seconds).
    #[error("shedding load: new calls are turned away for now")]
    Shedding(u32),
}

impl RejectReason {
    /// The status code a request rejected for this reason is answered with.
    pub fn status(&self) -> u16 {
        match self {
            RejectReason::UnsupportedVersion => 505,
            RejectReason::UnsupportedScheme => 416,
            RejectReason::UnknownMethod => 501,
            RejectReason::MethodNotAllowed => 405,
            RejectReason::UnsupportedExtension(_) => 420,
            RejectReason::UnsupportedMediaType => 415,
            RejectReason::NotAcceptable => 406,
            RejectReason::Shedding(_) => 503,
            _ => 400,
        }
    }
}

/// What this service implements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardConfig {
    /// Methods we implement (case-sensitive, RFC 3261 §25.1). A method
    /// rsipstack cannot represent is answered 501 even if listed here.
    pub methods: Vec<String>,
    /// Option tags we support in Require (compared case-insensitively).
    pub extensions: Vec<String>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            methods: [
                "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "UPDATE",
            ]
            .map(String::from)
            .to_vec(),
            extensions: Vec::new(),
        }
    }
}

/// Methods the SIP RFCs define, which are exactly those rsipstack represents:
/// any other is unknown (501), one of these we don't implement is 405.
pub const KNOWN_METHODS: [&str; 14] = [
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "REGISTER",
    "INFO",
    "PRACK",
    "SUBSCRIBE",
    "NOTIFY",
    "UPDATE",
    "MESSAGE",
    "REFER",
    "PUBLISH",
];
