//! Security headers on every response; on HTML, a Content-Security-Policy whose script
//! nonce is the one the page was rendered with.

use app::backend::CSP_NONCE_HEADER;
use axum::{extract::Request, middleware::Next, response::Response};
use http::{HeaderValue, header};
use std::sync::Arc;

/// The policy for an HTML response. Scripts run only from our origin or with this response's
/// nonce; WASM compiles without `unsafe-eval`; no inline styles or attributes.
pub fn content_security_policy(nonce: Option<&str>, frame_ancestors: &[String]) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    [
        "default-src 'self'".to_string(),
        scripts,
        "style-src 'self'".to_string(),
        "img-src 'self' data:".to_string(),
        "connect-src 'self'".to_string(),
        "font-src 'self'".to_string(),
        "object-src 'none'".to_string(),
        "base-uri 'self'".to_string(),
        "form-action 'self'".to_string(),
        format!("frame-ancestors {}", frame_ancestors.join(" ")),
    ]
    .join("; ")
}

/// Middleware state: the configured frame-ancestors.
#[derive(Clone)]
pub struct SecurityHeaders {
    frame_ancestors: Arc<[String]>,
}

impl SecurityHeaders {
    pub fn new(frame_ancestors: &[String]) -> Self {
        Self {
            frame_ancestors: frame_ancestors.into(),
        }
    }
}

pub async fn apply(
    axum::extract::State(config): axum::extract::State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // The nonce header is internal: it must never leave the server, whatever the content type.
    let nonce = headers
        .remove(CSP_NONCE_HEADER)
        .and_then(|value| value.to_str().ok().map(str::to_owned));
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_html {
        let policy = content_security_policy(nonce.as_deref(), &config.frame_ancestors);
        if let Ok(policy) = HeaderValue::from_str(&policy) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        // Pages carry the user's data: no shared caches, no back-forward leaks to others.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_with_nonce_allows_only_that_inline_script() {
        let policy = content_security_policy(Some("abc123"), &["'self'".into()]);
        assert!(
            policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"),
            "{policy}"
        );
        assert!(policy.ends_with("frame-ancestors 'self'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!policy.contains("'unsafe-eval'"), "{policy}");
    }

    #[test]
    fn policy_without_nonce_allows_no_inline_script() {
        let policy = content_security_policy(
            None,
            &["'self'".into(), "https://portal.example.com".into()],
        );
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{policy}"
        );
        assert!(
            policy.contains("frame-ancestors 'self' https://portal.example.com"),
            "{policy}"
        );
        assert!(policy.contains("object-src 'none'"), "{policy}");
    }
}
