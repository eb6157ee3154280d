//! How the server reaches Kubeflow Pipelines: HTTP(S) to ml-pipeline (`--kfp-url`), or the
//! sandbox's emulation, in-process.

use app::backend::kfp::KfpTransport;
use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::{BodyExt, Full, Limited};
use std::time::Duration;

/// The in-cluster ml-pipeline API of a standard Kubeflow install.
pub const DEFAULT_URL: &str = "http://ml-pipeline.kubeflow.svc.cluster.local:8888";
/// The largest answer read from KFP: a page of runs, or a big pipeline's spec.
const MAX_ANSWER: usize = 64 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(30);

type HttpClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

/// KFP over HTTP(S).
pub struct HttpKfp {
    base: String,
    client: HttpClient,
}

impl HttpKfp {
    pub fn new(url: &str) -> Result<Self, String> {
        let base = url.trim_end_matches('/').to_string();
        let parsed: http::Uri = base
            .parse()
            .map_err(|error| format!("--kfp-url {url:?}: {error}"))?;
        if !matches!(parsed.scheme_str(), Some("http" | "https")) || parsed.host().is_none() {
            return Err(format!(
                "--kfp-url {url:?}: give an http(s) URL such as {DEFAULT_URL}"
            ));
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|error| format!("cannot load the system's root certificates: {error}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(Self { base, client })
    }
}

impl KfpTransport for HttpKfp {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'static, Result<http::Response<Vec<u8>>, String>> {
        let (mut parts, body) = request.into_parts();
        let uri = format!(
            "{}{}",
            self.base,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let client = self.client.clone();
        Box::pin(async move {
            parts.uri = uri.parse().map_err(|error| format!("{error}"))?;
            let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
            let response = tokio::time::timeout(TIMEOUT, client.request(request))
                .await
                .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
                .map_err(|error| error.to_string())?;
            read(response).await
        })
    }
}

async fn read<B>(response: http::Response<B>) -> Result<http::Response<Vec<u8>>, String>
where
    B: http_body::Body + Send,
    B::Error: std::fmt::Display + std::error::Error + Send + Sync + 'static,
{
    let (parts, body) = response.into_parts();
    let bytes = Limited::new(body, MAX_ANSWER)
        .collect()
        .await
        .map_err(|error| format!("the answer is unreadable or larger than 64 MiB: {error}"))?
        .to_bytes();
    Ok(http::Response::from_parts(parts, bytes.to_vec()))
}

/// The sandbox's KFP, called in-process through its router.
pub struct RouterKfp(pub axum::Router);

impl KfpTransport for RouterKfp {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'static, Result<http::Response<Vec<u8>>, String>> {
        use tower::ServiceExt;
        let router = self.0.clone();
        Box::pin(async move {
            let request = request.map(axum::body::Body::from);
            let response = router
                .oneshot(request)
                .await
                .map_err(|error| error.to_string())?;
            read(response).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_must_be_http_or_https_with_a_host() {
        assert!(HttpKfp::new(DEFAULT_URL).is_ok());
        assert!(HttpKfp::new("https://kfp.example.com/").is_ok());
        for bad in ["ml-pipeline:8888", "ftp://x", "http://", "not a url"] {
            assert!(HttpKfp::new(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn the_router_transport_passes_path_headers_and_body() {
        use axum::routing::post;
        let router = axum::Router::new().route(
            "/apis/v2beta1/echo",
            post(|headers: http::HeaderMap, body: String| async move {
                format!(
                    "{}|{body}",
                    headers
                        .get("kubeflow-userid")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                )
            }),
        );
        let response = RouterKfp(router)
            .send(
                http::Request::post("/apis/v2beta1/echo")
                    .header("kubeflow-userid", "ann@example.com")
                    .body(b"hello".to_vec())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.body(), b"ann@example.com|hello");
    }
}
