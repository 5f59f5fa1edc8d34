//! The console's errors: what went wrong in its store work ([`ConsoleError`])
//! and how a request is refused ([`ApiError`], a status and a JSON
//! `{"error": ...}` body).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a console store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("console store: {0}")]
    Sql(#[from] crate::sql::Error),
    #[error("call log: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("user {0:?} already exists")]
    UserExists(String),
    #[error("no user {0:?}")]
    NoSuchUser(String),
    #[error("invalid user: {0}")]
    InvalidUser(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("evidence bundle: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// A refused or failed request: its status and a message for the body.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The request's field the message is about (a refused line names
    /// the key, such as `policy.allowlist[0]`).
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
        }
    }

    pub fn unauthorized() -> ApiError {
        Self::new(StatusCode::UNAUTHORIZED, "log in first")
    }

    pub fn forbidden() -> ApiError {
        Self::new(StatusCode::FORBIDDEN, "not allowed")
    }

    pub fn not_found() -> ApiError {
        Self::new(StatusCode::NOT_FOUND, "not found")
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<ConsoleError> for ApiError {
    fn from(err: ConsoleError) -> ApiError {
        match err {
            ConsoleError::UserExists(_) => Self::new(StatusCode::CONFLICT, err.to_string()),
            ConsoleError::NoSuchUser(_) => Self::new(StatusCode::NOT_FOUND, err.to_string()),
            ConsoleError::InvalidUser(_) => Self::bad_request(err.to_string()),
            other => {
                tracing::warn!(error = %other, "console request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self.field {
            Some(field) => serde_json::json!({ "error": self.message, "field": field }),
            None => serde_json::json!({ "error": self.message }),
        };
        (self.status, axum::Json(body)).into_response()
    }
}
