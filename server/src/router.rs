//! The one router assembly: pages and server functions under the base path, static assets,
//! health and metrics, and the layers every response passes through.

use crate::{config::Settings, identity, observability, security};
use app::{App, backend::ServerContext, model::AppError, shell::shell};
use axum::{
    Router,
    body::Body,
    extract::{FromRef, Request, State},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::{any, get},
};
use http::{StatusCode, Uri};
use http_body_util::BodyExt;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list_with_exclusions_and_ssg_and_context};
use std::{path::PathBuf, sync::Arc};
use tower::ServiceExt;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    trace::TraceLayer,
};

/// The largest request body kfdash reads.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub options: LeptosOptions,
    pub server: ServerContext,
    pub site_root: Arc<PathBuf>,
    /// How the server reaches the cluster, as users and as the dashboard.
    pub cluster: Arc<dyn app::backend::Cluster>,
}

impl AppState {
    fn context(&self) -> impl Fn() + Clone + Send + Sync + 'static {
        let server = self.server.clone();
        move || provide_context(server.clone())
    }

    fn shell(&self) -> impl Fn() -> AnyView + Clone + Send + Sync + 'static {
        let options = self.options.clone();
        move || shell(options.clone()).into_any()
    }
}

pub fn build(
    settings: &Settings,
    cluster: Arc<dyn app::backend::Cluster>,
) -> Result<Router, String> {
    let state = AppState {
        options: LeptosOptions::builder()
            .output_name("kfdash")
            .site_root(settings.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .build(),
        server: ServerContext {
            cluster: settings.cluster,
            base_path: settings.base_path.clone(),
            kube: cluster.clone(),
            registration_open: settings.registration_flow,
            links: Arc::new(app::backend::links::LinksProvider::new(
                settings.links.clone(),
            )),
            spawner: Arc::new(app::backend::notebooks::SpawnerProvider::new(
                settings.spawner.clone(),
            )),
            embed_origins: settings.embed_origins.clone().into(),
            kfp: app::backend::kfp::Kfp {
                transport: match (&settings.kfp_url, cluster.kfp()) {
                    (None, Some(own)) => own,
                    (url, _) => Arc::new(crate::kfp::HttpKfp::new(
                        url.as_deref().unwrap_or(crate::kfp::DEFAULT_URL),
                    )?),
                },
                user_header: settings.kfp_userid_header.clone(),
                user_prefix: settings.kfp_userid_prefix.clone(),
            },
            katib_db: Arc::new(crate::katib::GrpcObservationLogs::new(
                &settings
                    .katib_db_manager
                    .clone()
                    .or_else(|| cluster.katib_db_url())
                    .unwrap_or_else(|| crate::katib::DEFAULT_URL.to_string()),
            )?),
        },
        site_root: Arc::new(settings.site_root.clone()),
        cluster,
    };
    let base = &settings.base_path;
    let routes =
        generate_route_list_with_exclusions_and_ssg_and_context(App, None, state.context()).0;

    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, state.context(), state.shell())
        .route(
            &format!("{base}/api/watch/notebooks"),
            get(crate::watch::notebooks),
        )
        .route(&format!("{base}/api/watch/runs"), get(crate::watch::runs))
        .route(
            &format!("{base}/api/watch/experiments"),
            get(crate::watch::katib::experiments),
        )
        .route(
            &format!("{base}/api/watch/experiment"),
            get(crate::watch::katib::experiment),
        )
        .route(&format!("{base}/api/{{*fn_name}}"), any(server_functions))
        .fallback(fallback)
        // By path, not by route: leptos_axum also registers every server function at its own
        // path, and those routes must pass the same checks.
        .layer(middleware::from_fn_with_state(
            ApiPrefix(format!("{base}/api/").into()),
            guard_server_functions,
        ))
        // Server functions take forms and small JSON documents; anything bigger is refused
        // (413) before it is read into memory. Pipeline files are the one exception.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_REQUEST_BYTES,
        ))
        .merge(
            Router::new()
                .route(
                    &format!("{base}/api/pipelines/upload"),
                    axum::routing::post(crate::uploads::pipeline),
                )
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(tower_http::limit::RequestBodyLimitLayer::new(
                    crate::uploads::MAX_UPLOAD_BYTES,
                ))
                .layer(middleware::from_fn_with_state(
                    ApiPrefix(format!("{base}/api/").into()),
                    guard_server_functions,
                )),
        )
        .layer(middleware::from_fn_with_state(
            identity::Identity::new(&settings.auth, base)?,
            identity::attach,
        ))
        .with_state(state.clone());

    let mut probes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(observability::render_metrics))
        .route("/dashboard_lib.bundle.js", get(dashboard_lib))
        .with_state(state.clone());
    if !base.is_empty() {
        let nested = probes.clone();
        probes = probes.nest(base, nested);
    }

    Ok(with_layers(probes.merge(pages), settings))
}

/// The layers every response passes through, outermost last. Public so tests can wrap a
/// router of their own (a handler that panics, say) exactly as production does.
pub fn with_layers(router: Router, settings: &Settings) -> Router {
    observability::prometheus();
    router
        .layer(middleware::from_fn(observability::record))
        // Inside the security layer, so the 500 page gets the same headers as any page.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            internal_error_page,
        ))
        .layer(middleware::from_fn_with_state(
            security::SecurityHeaders::new(&settings.frame_ancestors),
            security::apply,
        ))
        .layer(compression())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id,
                    user = tracing::field::Empty,
                    audience = tracing::field::Empty,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Responses compressed as the browser accepts (brotli, then gzip): the WASM bundle, the
/// larger server-function answers and the pages that carry them for hydration (an experiment
/// of 10,000 trials is 3 MiB of JSON, about 300 KiB compressed) are what a page waits for. At
/// quality 4, not brotli's default 11, which costs seconds on such an answer. The encoder
/// flushes whenever the body waits, so a streamed page still arrives part by part; event
/// streams are left alone all the same (the default predicate), as are images.
fn compression() -> tower_http::compression::CompressionLayer {
    use tower_http::compression::{CompressionLayer, CompressionLevel};
    CompressionLayer::new().quality(CompressionLevel::Precise(4))
}

/// The library upstream apps load (from the site's root, whatever kfdash's base path) to hear
/// the selected namespace when kfdash frames them.
async fn dashboard_lib() -> impl IntoResponse {
    (
        [
            (http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/dashboard_lib.bundle.js"),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the cluster answers: a dashboard that cannot reach it should get no traffic.
async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.cluster.as_dashboard().apiserver_version(),
    )
    .await
    {
        Ok(Ok(_)) => "ok".into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: the cluster did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the cluster is not reachable",
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the cluster did not answer within 2 s",
        )
            .into_response(),
    }
}

/// Server functions are registered under `/api/…`; under a base path, strip it first.
async fn server_functions(State(state): State<AppState>, request: Request) -> Response {
    let request = strip_base(request, &state.server.base_path);
    leptos_axum::handle_server_fns_with_context(state.context(), request)
        .await
        .into_response()
}

#[derive(Clone)]
struct ApiPrefix(Arc<str>);

/// Every server function call: CSRF checks first, then its `AppError` status on the way out.
async fn guard_server_functions(
    State(ApiPrefix(prefix)): State<ApiPrefix>,
    request: Request,
    next: middleware::Next,
) -> Response {
    if !request.uri().path().starts_with(prefix.as_ref()) {
        return next.run(request).await;
    }
    // Live lists are read-only GETs (EventSource can't send headers or POST).
    let read_only = request.uri().path()[prefix.len()..].starts_with("watch/");
    if let Some(why) = identity::csrf_refusal(&request, read_only) {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(AppError::Forbidden(why.to_string())),
        )
            .into_response();
    }
    with_app_error_status(next.run(request).await).await
}

/// server_fn answers every error with 500; give an `AppError` the status it stands for, so
/// scripts and proxies see 400/403/404/409 rather than a generic failure.
async fn with_app_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(collected) = http_body_util::Limited::new(body, 64 * 1024)
        .collect()
        .await
    else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    let bytes = collected.to_bytes();
    match serde_json::from_slice::<AppError>(&bytes) {
        // On the server a transport error can only mean the arguments couldn't be read (a
        // malformed body): the caller's mistake, not a bad gateway.
        Ok(AppError::Transport(why)) => {
            // The body limit cuts the read short; that is a request too large, not malformed.
            let (error, status) = if why.contains("length limit exceeded") {
                (
                    AppError::TooLarge(format!(
                        "a request of more than {} KiB",
                        MAX_REQUEST_BYTES / 1024
                    )),
                    StatusCode::PAYLOAD_TOO_LARGE,
                )
            } else {
                (
                    AppError::BadRequest(format!("the request could not be read: {why}")),
                    StatusCode::BAD_REQUEST,
                )
            };
            parts.status = status;
            let body = serde_json::to_vec(&error).unwrap_or_default();
            parts.headers.remove(http::header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        Ok(error) => {
            parts.status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// Static assets under the base path; anything else is the app's own 404 page.
async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let base = state.server.base_path.as_str();
    let path = request.uri().path();
    if !base.is_empty() && path == "/" {
        return Redirect::temporary(&format!("{base}/")).into_response();
    }
    if within_base(path, base).is_some_and(|rest| rest != "/") {
        let assets = ServeDir::new(state.site_root.as_ref());
        let request_for_assets = strip_base(clone_head(&request), base);
        let Ok(response) = assets.oneshot(request_for_assets).await;
        if response.status() != StatusCode::NOT_FOUND {
            return response.map(Body::new);
        }
    }
    let render = leptos_axum::render_app_to_stream_with_context(state.context(), state.shell());
    render(request).await
}

/// The part of `path` after `base`, if `path` is inside it.
fn within_base<'a>(path: &'a str, base: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

fn strip_base<B>(mut request: http::Request<B>, base: &str) -> http::Request<B> {
    if base.is_empty() {
        return request;
    }
    let uri = request.uri();
    let Some(rest) = within_base(uri.path(), base) else {
        return request;
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_string(),
    };
    if let Ok(stripped) = path_and_query.parse::<Uri>() {
        *request.uri_mut() = stripped;
    }
    request
}

/// A body-less copy of a request's head, for asking the static file service.
fn clone_head(request: &Request) -> http::Request<Body> {
    let mut copy = http::Request::new(Body::empty());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

fn internal_error_page(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Something went wrong · kfdash</title></head>\
         <body><h1>Something went wrong</h1><p>kfdash hit an internal error. Reload the page to try again.</p></body></html>",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_base_matches_whole_segments_only() {
        assert_eq!(
            within_base("/kubeflow/pkg/a.js", "/kubeflow"),
            Some("/pkg/a.js")
        );
        assert_eq!(within_base("/kubeflow", "/kubeflow"), Some("/"));
        assert_eq!(within_base("/kubeflowx/pkg", "/kubeflow"), None);
        assert_eq!(within_base("/pkg/a.js", ""), Some("/pkg/a.js"));
    }

    #[test]
    fn strip_base_keeps_the_query() {
        let request = http::Request::get("/kubeflow/api/session?x=1")
            .body(())
            .unwrap();
        assert_eq!(strip_base(request, "/kubeflow").uri(), "/api/session?x=1");
    }
}
