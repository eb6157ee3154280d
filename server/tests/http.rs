//! HTTP-level tests against the real router: health, security headers on every kind of HTML
//! response, server functions and their status codes, and `--base-path`.

use axum::{Router, body::Body, routing::get};
use clap::Parser;
use http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use server::sandbox::{Sandbox, SandboxOptions};
use server::{config::Cli, router};
use tower::ServiceExt;

mod common;

struct Site {
    dir: tempfile::TempDir,
    /// Each test's own sandbox cluster; kept alive with the site.
    sandbox: std::sync::Arc<Sandbox>,
    _turn: common::Turn,
}

/// A site root with the files cargo-leptos would put there, so static serving is exercised,
/// and a sandbox for the cluster.
async fn site() -> Site {
    let turn = common::turn().await;
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxOptions::new(
        dir.path().join("data"),
        "user@example.com",
    ))
    .await
    .unwrap();
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    std::fs::write(dir.path().join("pkg/kfdash.css"), "body{}").unwrap();
    std::fs::write(
        dir.path().join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    Site {
        dir,
        sandbox: std::sync::Arc::new(sandbox),
        _turn: turn,
    }
}

fn app(site: &Site, args: &[&str]) -> Router {
    let root = site.dir.path().to_string_lossy().to_string();
    let mut argv = vec!["kfdash", "--site-root", &root];
    argv.extend_from_slice(args);
    router::build(
        &Cli::try_parse_from(argv).unwrap().into_settings().unwrap(),
        std::sync::Arc::new(server::cluster::SandboxCluster(site.sandbox.clone())),
    )
    .unwrap()
}

async fn send(app: &Router, request: Request<Body>) -> (Response<()>, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        Response::from_parts(parts, ()),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

async fn get_page(app: &Router, uri: &str) -> (Response<()>, String) {
    send(
        app,
        Request::get(uri)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn header_of<'a>(response: &'a Response<()>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// Every HTML response: strict CSP with the given frame-ancestors, nosniff, referrer policy,
/// and nothing internal leaking out.
fn assert_secure_html(response: &Response<()>, frame_ancestors: &str) {
    assert!(
        header_of(response, "content-type").starts_with("text/html"),
        "{:?}",
        response.headers()
    );
    let csp = header_of(response, "content-security-policy");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(
        csp.contains(&format!("frame-ancestors {frame_ancestors}")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header_of(response, "x-content-type-options"), "nosniff");
    assert_eq!(header_of(response, "referrer-policy"), "same-origin");
    assert!(response.headers().get("x-frame-options").is_none());
    assert!(
        response.headers().get("x-kfdash-csp-nonce").is_none(),
        "internal header leaked"
    );
}

#[tokio::test]
async fn health_and_readiness_answer_without_identity() {
    let site = site().await;
    let app = app(&site, &[]);
    for path in ["/healthz", "/readyz"] {
        let (response, body) = send(&app, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(body, "ok");
        assert!(
            !header_of(&response, "x-request-id").is_empty(),
            "request id on {path}"
        );
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let site = site().await;
    let app = app(&site, &[]);
    get_page(&app, "/notebooks/kubeflow-user-example-com/my-notebook").await;
    let (response, body) = send(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header_of(&response, "content-type").starts_with("text/plain"));
    let line = body
        .lines()
        .find(|line| {
            line.starts_with("http_requests_total{")
                && line.contains("route=\"/notebooks/{namespace}/{name}\"")
        })
        .unwrap_or_else(|| panic!("no counter for the route pattern in:\n{body}"));
    assert!(line.contains("status=\"200\""), "{line}");
    assert!(
        body.contains("http_request_duration_seconds_bucket{"),
        "latency histogram missing:\n{body}"
    );
    assert!(
        !body.contains("my-notebook"),
        "raw paths must not become labels"
    );
}

#[tokio::test]
async fn home_page_is_rendered_with_a_nonce_that_matches_the_policy() {
    let site = site().await;
    let app = app(&site, &[]);
    let (response, body) = get_page(&app, "/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_secure_html(&response, "'self'");
    let csp = header_of(&response, "content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("nonce in policy");
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry the policy's nonce"
    );
    for script in body.split("<script").skip(1) {
        assert!(
            script.starts_with(&format!(" nonce=\"{nonce}\""))
                || script.contains(&format!("nonce=\"{nonce}\"")),
            "script without nonce: <script{}",
            &script[..script.len().min(120)]
        );
    }
    assert!(body.contains("/pkg/kfdash.js"), "hydration script");
    assert!(body.contains("data-testid=\"sidebar\""));
    assert!(
        body.contains("user@example.com"),
        "signed-in user rendered on the server"
    );
    assert!(body.contains("data-testid=\"sandbox-badge\""));
}

#[tokio::test]
async fn nonces_differ_between_responses() {
    let site = site().await;
    let app = app(&site, &[]);
    let (first, _) = get_page(&app, "/").await;
    let (second, _) = get_page(&app, "/").await;
    assert_ne!(
        header_of(&first, "content-security-policy"),
        header_of(&second, "content-security-policy")
    );
}

#[tokio::test]
async fn unknown_page_is_a_404_html_page_with_the_same_headers() {
    let site = site().await;
    let app = app(
        &site,
        &["--frame-ancestors", "'self' https://portal.example.com"],
    );
    let (response, body) = get_page(&app, "/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_secure_html(&response, "'self' https://portal.example.com");
    assert!(body.contains("Page not found"), "{body}");
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_500_html_page_with_the_same_headers() {
    let site = site().await;
    let root = site.dir.path().to_string_lossy().to_string();
    let settings = Cli::try_parse_from(["kfdash", "--site-root", &root])
        .unwrap()
        .into_settings()
        .unwrap();
    let boom = Router::new().route("/boom", get(|| async { panic!("boom") as &'static str }));
    let app = router::with_layers(boom, &settings);
    let (response, body) = get_page(&app, "/boom").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_secure_html(&response, "'self'");
    assert!(body.contains("Something went wrong"));
    assert!(!body.contains("boom"), "panic messages stay in the log");
}

#[tokio::test]
async fn user_text_in_the_url_is_escaped() {
    let site = site().await;
    let app = app(&site, &[]);
    let (response, body) = get_page(
        &app,
        "/notebooks/kubeflow-user-example-com/%3C%2Ftitle%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!body.contains("<script>alert(1)"), "{body}");
    assert!(
        body.contains(
            "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · kfdash</title>"
        ),
        "{body}"
    );
    assert!(body.contains("<h1 data-testid=\"page-title\">&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>"), "{body}");
}

#[tokio::test]
async fn session_server_function_answers_json_for_the_signed_in_user() {
    let site = site().await;
    let app = app(&site, &["--dev-user", "ada@example.com"]);
    let request = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK, "{body}");
    let session: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(session["user"], "ada@example.com");
    assert_eq!(session["cluster"], "sandbox");
    assert_eq!(header_of(&response, "x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn unknown_server_function_is_a_client_error_not_a_500() {
    let site = site().await;
    let app = app(&site, &[]);
    let request = Request::post("/api/no-such-function")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(&app, request).await;
    assert!(
        response.status().is_client_error(),
        "{} {body}",
        response.status()
    );
}

#[tokio::test]
async fn static_assets_are_served_and_traversal_is_not() {
    let site = site().await;
    let app = app(&site, &[]);
    let (response, body) = send(
        &app,
        Request::get("/pkg/kfdash.css").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "body{}");
    assert_eq!(header_of(&response, "x-content-type-options"), "nosniff");
    let (response, body) = get_page(&app, "/pkg/../../../../etc/passwd").await;
    assert_ne!(response.status(), StatusCode::OK, "{body}");
    assert!(!body.contains("root:"), "{body}");
}

#[tokio::test]
async fn the_dashboard_library_is_served_at_the_root_and_under_the_prefix_without_identity() {
    let site = site().await;
    // Header auth: a request with no user header is refused everywhere else.
    let app = app(&site, &["--base-path", "/kubeflow", "--auth", "header"]);
    for path in [
        "/dashboard_lib.bundle.js",
        "/kubeflow/dashboard_lib.bundle.js",
    ] {
        let (response, body) = send(&app, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            header_of(&response, "content-type").starts_with("text/javascript"),
            "{path}"
        );
        assert!(body.contains("CentralDashboardEventHandler"), "{path}");
        assert!(body.contains("iframe-connected"), "{path}");
    }
    let (response, _) = get_page(&app, "/kubeflow/notebooks").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn embed_origins_reach_the_browser_and_frame_ancestors_the_policy() {
    let site = site().await;
    let app = app(
        &site,
        &[
            "--embed-origins",
            "https://portal.example.com",
            "--frame-ancestors",
            "'self' https://portal.example.com",
        ],
    );
    let (response, body) = get_page(&app, "/?embed=1").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_secure_html(&response, "'self' https://portal.example.com");
    assert!(
        body.contains(r#"name="kfdash-embed-origins" content="https://portal.example.com""#),
        "{body}"
    );
}

#[tokio::test]
async fn base_path_serves_pages_assets_and_functions_under_the_prefix() {
    let site = site().await;
    for flag in ["/kubeflow", "/kubeflow/"] {
        let app = app(&site, &["--base-path", flag]);
        for page in [
            "/kubeflow",
            "/kubeflow/",
            "/kubeflow/notebooks",
            "/kubeflow/experiments/kubeflow-user-example-com/tune-1",
        ] {
            let (response, body) = get_page(&app, page).await;
            assert_eq!(response.status(), StatusCode::OK, "{flag}: {page}");
            assert_secure_html(&response, "'self'");
            assert!(
                body.contains("/kubeflow/pkg/kfdash.js"),
                "{flag}: {page} hydration script under the prefix"
            );
            assert!(
                body.contains("href=\"/kubeflow/pkg/kfdash.css\""),
                "{flag}: {page}"
            );
            assert!(
                body.contains("content=\"/kubeflow\""),
                "{flag}: {page} base path for the browser"
            );
            assert!(
                body.contains("href=\"/kubeflow/notebooks\""),
                "{flag}: {page} links carry the prefix"
            );
        }
        let (response, _) = get_page(&app, "/notebooks").await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{flag}: outside the prefix"
        );
        let (response, _) = get_page(&app, "/").await;
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(header_of(&response, "location"), "/kubeflow/");
        let (response, body) = send(
            &app,
            Request::get("/kubeflow/pkg/kfdash.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            (response.status(), body.as_str()),
            (StatusCode::OK, "body{}")
        );
        let (response, _) = send(
            &app,
            Request::get("/pkg/kfdash.css").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "assets only under the prefix"
        );
        let request = Request::post("/kubeflow/api/session")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("x-kfdash-csrf", "1")
            .body(Body::empty())
            .unwrap();
        let (response, body) = send(&app, request).await;
        assert_eq!(response.status(), StatusCode::OK, "{body}");
        assert!(body.contains("user@example.com"));
        for probe in ["/healthz", "/kubeflow/healthz"] {
            let (response, _) = send(&app, Request::get(probe).body(Body::empty()).unwrap()).await;
            assert_eq!(response.status(), StatusCode::OK, "{probe}");
        }
    }
}

#[tokio::test]
async fn answers_pages_and_assets_are_compressed_as_the_browser_accepts_but_streams_are_not() {
    let site = site().await;
    let app = app(&site, &[]);
    let experiment = |encoding: Option<&str>| {
        let mut request = Request::post("/api/katib/experiments/get")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("x-kfdash-csrf", "1");
        if let Some(encoding) = encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        request
            .body(Body::from(
                "namespace=kubeflow-user-example-com&name=mnist-random",
            ))
            .unwrap()
    };
    let bytes = |response: axum::response::Response| async move {
        let (parts, body) = response.into_parts();
        (parts, body.collect().await.unwrap().to_bytes().to_vec())
    };
    let (plain_parts, plain) = bytes(app.clone().oneshot(experiment(None)).await.unwrap()).await;
    assert_eq!(plain_parts.status, StatusCode::OK);
    assert!(plain_parts.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(plain.len() > 50_000, "200 trials: {} bytes", plain.len());

    // Chromium's header: brotli is preferred.
    let (parts, body) = bytes(
        app.clone()
            .oneshot(experiment(Some("gzip, deflate, br, zstd")))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(parts.headers[header::CONTENT_ENCODING], "br");
    assert!(
        body.len() * 5 < plain.len(),
        "{} of {}",
        body.len(),
        plain.len()
    );
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut body.as_slice(), &mut decoded).unwrap();
    assert_eq!(decoded, plain);

    let (parts, body) = bytes(app.clone().oneshot(experiment(Some("gzip"))).await.unwrap()).await;
    assert_eq!(parts.headers[header::CONTENT_ENCODING], "gzip");
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(body.as_slice()),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, plain);

    // Static assets too.
    std::fs::write(
        site.dir.path().join("pkg/big.js"),
        "let x = 1;\n".repeat(2_000),
    )
    .unwrap();
    let response = app
        .clone()
        .oneshot(
            Request::get("/pkg/big.js")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");

    // Pages too (they carry their data for hydration); it still reads as the page.
    let response = app
        .clone()
        .oneshot(
            Request::get("/experiments")
                .header(header::ACCEPT, "text/html")
                .header(header::ACCEPT_ENCODING, "br, gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let (parts, body) = bytes(response).await;
    assert_eq!(parts.status, StatusCode::OK);
    assert_eq!(parts.headers[header::CONTENT_ENCODING], "br");
    let mut page = Vec::new();
    brotli::BrotliDecompress(&mut body.as_slice(), &mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("Experiments"),
        "{page}"
    );

    // A live stream is not: its events must not wait in an encoder.
    // So does a live stream, whose events must not wait in an encoder.
    let response = app
        .clone()
        .oneshot(
            Request::get("/api/watch/experiments?ns=kubeflow-user-example-com")
                .header(header::ACCEPT, "text/event-stream")
                .header(header::ACCEPT_ENCODING, "br, gzip")
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
}
