//! A kfdash router with header auth over a fresh sandbox, for the tests that act as several
//! users. Included with `#[path]` by the test files that need it, next to `mod common`.

use axum::Router;
use clap::Parser;
use server::cluster::SandboxCluster;
use server::config::Cli;
use server::sandbox::{Sandbox, SandboxOptions};
use std::sync::Arc;

pub struct Dashboard {
    pub app: Router,
    pub sandbox: Arc<Sandbox>,
    _dir: tempfile::TempDir,
    _turn: crate::common::Turn,
}

impl Dashboard {
    /// Sends `request` through the router; the status and the body as JSON (Null if it isn't).
    pub async fn answer(
        &self,
        request: http::Request<axum::body::Body>,
    ) -> (http::StatusCode, serde_json::Value) {
        use http_body_util::BodyExt;
        let response = tower::ServiceExt::oneshot(self.app.clone(), request)
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// The dashboard with `--auth header` and `extra` flags; the sandbox is seeded for `dev_user`
/// and adjusted by `configure` before it starts.
pub async fn dashboard(
    extra: &[&str],
    dev_user: &str,
    configure: impl FnOnce(&mut SandboxOptions),
) -> Dashboard {
    let turn = crate::common::turn().await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_string_lossy().to_string();
    let mut argv = vec!["kfdash", "--site-root", &root, "--auth", "header"];
    argv.extend_from_slice(extra);
    let settings = Cli::try_parse_from(argv).unwrap().into_settings().unwrap();
    let mut options = SandboxOptions::new(dir.path().join("data"), dev_user);
    configure(&mut options);
    let sandbox = Arc::new(Sandbox::start(options).await.unwrap());
    let app = server::router::build(&settings, Arc::new(SandboxCluster(sandbox.clone()))).unwrap();
    Dashboard {
        app,
        sandbox,
        _dir: dir,
        _turn: turn,
    }
}

/// A request as a signed-in user's browser sends it: same origin, the CSRF header, the user.
#[allow(dead_code)]
pub fn signed(builder: http::request::Builder, user: &str) -> http::request::Builder {
    builder
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1")
        .header("kubeflow-userid", user)
}

/// A server function called with a form, as `user`.
#[allow(dead_code)]
pub async fn call(
    dashboard: &Dashboard,
    user: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (http::StatusCode, serde_json::Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let request = signed(http::Request::post(format!("/api/{endpoint}")), user)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(axum::body::Body::from(body))
        .unwrap();
    dashboard.answer(request).await
}

/// A server function that takes JSON (nested inputs: the spawner's form, a run), as `user`.
#[allow(dead_code)]
pub async fn call_json(
    dashboard: &Dashboard,
    user: &str,
    endpoint: &str,
    body: serde_json::Value,
) -> (http::StatusCode, serde_json::Value) {
    let request = signed(http::Request::post(format!("/api/{endpoint}")), user)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    dashboard.answer(request).await
}
