//! KFP's error answers: the HTTP status grpc-gateway gives each gRPC code, and a body with both
//! the gateway's `code`/`message` and the API server's `error_message`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KfpError {
    pub status: StatusCode,
    /// The gRPC code: 3 InvalidArgument, 5 NotFound, 6 AlreadyExists, 7 PermissionDenied…
    pub code: u16,
    pub message: String,
}

impl KfpError {
    fn new(status: StatusCode, code: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A mistake in the request the message explains (InvalidArgument).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 3, message)
    }

    /// The request is fine but the object isn't in a state that allows it (FailedPrecondition).
    pub fn precondition(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 9, message)
    }

    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            5,
            format!("ResourceNotFoundError: {kind} {id} not found"),
        )
    }

    /// No endpoint answers this path (or this action on it).
    pub fn no_endpoint(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            5,
            format!("Not Found: no KFP v2beta1 endpoint at {path}"),
        )
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, 6, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, 7, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 16, message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, 8, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, 13, message)
    }
}

impl From<crate::sandbox::status::ApiError> for KfpError {
    fn from(error: crate::sandbox::status::ApiError) -> Self {
        match error.code {
            404 => Self::new(StatusCode::NOT_FOUND, 5, error.message),
            409 => Self::already_exists(error.message),
            403 => Self::forbidden(error.message),
            400 | 422 => Self::invalid(error.message),
            _ => Self::internal(error.message),
        }
    }
}

impl IntoResponse for KfpError {
    fn into_response(self) -> Response {
        let body = json!({
            "error_message": self.message,
            "error_details": self.message,
            "code": self.code,
            "message": self.message,
            "details": [],
        });
        (self.status, axum::Json(body)).into_response()
    }
}
