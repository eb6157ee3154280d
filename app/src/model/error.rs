//! `AppError`: the one error type every server function returns.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// What went wrong, in terms the UI can explain. User mistakes are 4xx with a message that says
/// what to fix; cluster faults are retryable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// The request is malformed; the message says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// One field of the request is invalid.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// No verified identity came with the request.
    #[error("sign-in required")]
    Unauthenticated,
    /// The cluster's RBAC refused the signed-in user.
    #[error("you don't have access to {0}")]
    Forbidden(String),
    #[error("{0} was not found")]
    NotFound(String),
    /// The object exists already, or changed since it was read.
    #[error("{0}")]
    Conflict(String),
    #[error("{0} is too large")]
    TooLarge(String),
    /// The cluster (or KFP, Katib) could not be reached; trying again may work.
    #[error("the cluster is unavailable right now, try again: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// The request never reached a server function, or its answer could not be read.
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a server function answers with when it fails this way.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::TooLarge(_) => 413,
            Self::Invalid { .. } => 422,
            Self::Internal(_) => 500,
            Self::Transport(_) => 502,
            Self::Unavailable(_) => 503,
        }
    }

    /// Whether the same request may succeed if sent again unchanged.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Transport(_))
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                Self::BadRequest(message)
            }
            ServerFnErrorErr::Registration(message) => Self::NotFound(message),
            other => Self::Transport(other.to_string()),
        }
    }
}

/// Cluster answers in the user's words: a 403 says what they lack access to, never a 500.
#[cfg(feature = "ssr")]
impl From<kube::Error> for AppError {
    fn from(error: kube::Error) -> Self {
        match error {
            kube::Error::Api(status) => match status.code {
                401 => Self::Unauthenticated,
                403 => Self::Forbidden(forbidden_subject(&status.message)),
                404 => Self::NotFound(status.message.trim_end_matches(" not found").to_string()),
                409 => Self::Conflict(status.message),
                413 => Self::TooLarge(status.message),
                400 | 422 => Self::BadRequest(status.message),
                _ => Self::Unavailable(status.message),
            },
            other => Self::Unavailable(other.to_string()),
        }
    }
}

/// `notebooks.kubeflow.org is forbidden: User "x" cannot list … in the namespace "team"` →
/// `notebooks in namespace team`.
#[cfg(feature = "ssr")]
fn forbidden_subject(message: &str) -> String {
    let resource = message.split(" is forbidden").next().unwrap_or(message);
    let resource = resource
        .split('.')
        .next()
        .unwrap_or(resource)
        .trim_matches('"');
    match message
        .split("in the namespace \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
    {
        Some(namespace) => format!("{resource} in namespace {namespace}"),
        None => resource.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_a_distinct_meaningful_status() {
        let cases = [
            (AppError::BadRequest("x".into()), 400),
            (AppError::Unauthenticated, 401),
            (AppError::Forbidden("namespace team-a".into()), 403),
            (AppError::NotFound("notebook x".into()), 404),
            (AppError::Conflict("x".into()), 409),
            (AppError::TooLarge("upload".into()), 413),
            (AppError::invalid("name", "must be lowercase"), 422),
            (AppError::Internal("x".into()), 500),
            (AppError::Transport("x".into()), 502),
            (AppError::Unavailable("x".into()), 503),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
        }
    }

    #[test]
    fn round_trips_through_its_wire_encoding() {
        let error = AppError::invalid("cpu", "limit is below the request");
        let decoded = AppError::de(error.ser());
        assert_eq!(decoded, error);
        assert_eq!(decoded.to_string(), "cpu: limit is below the request");
    }

    #[test]
    fn undecodable_bytes_become_a_transport_error_not_a_panic() {
        let decoded = AppError::de("<html>502 Bad Gateway</html>".into());
        assert!(matches!(decoded, AppError::Transport(_)), "{decoded:?}");
        assert!(decoded.is_retryable());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn cluster_refusals_say_what_is_out_of_reach() {
        let status = kube::core::Status::failure(
            "notebooks.kubeflow.org is forbidden: User \"a@b.c\" cannot list resource \"notebooks\" in API group \"kubeflow.org\" in the namespace \"team-x\"",
            "Forbidden",
        )
        .with_code(403);
        let error = AppError::from(kube::Error::Api(Box::new(status)));
        assert_eq!(
            error.to_string(),
            "you don't have access to notebooks in namespace team-x"
        );
    }

    #[test]
    fn forbidden_reads_as_a_sentence() {
        assert_eq!(
            AppError::Forbidden("namespace team-a".into()).to_string(),
            "you don't have access to namespace team-a"
        );
    }
}
