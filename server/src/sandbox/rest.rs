//! The sandbox's HTTP face: Kubernetes REST paths, bearer-token authentication,
//! impersonation, RBAC on every request, answered from the store.

use super::apply;
use super::discovery;
use super::rbac::{Attributes, Rbac};
use super::registry::{self, ResourceType};
use super::selector::{FieldSelector, LabelSelector};
use super::status::{ApiError, qualified};
use super::store::{self, DeleteOptions, EventType, Key, Part, Store, WriteOptions};
use super::table;
use axum::{
    Router,
    body::{Body, Bytes},
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests larger than this are refused before they are parsed (Kubernetes allows ~3 MiB).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
}

pub struct ApiServer {
    store: Arc<Store>,
    tokens: HashMap<String, Identity>,
    rbac: Mutex<(u64, Arc<Rbac>)>,
    /// How often an idle watch sends a BOOKMARK when the client allows them.
    bookmark_interval: Duration,
}

impl ApiServer {
    pub fn new(store: Arc<Store>, tokens: HashMap<String, Identity>) -> Self {
        Self {
            store,
            tokens,
            rbac: Mutex::new((0, Arc::new(Rbac::default()))),
            bookmark_interval: Duration::from_secs(10),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The current RBAC snapshot, rebuilt only when an RBAC object changed since the last one.
    pub fn rbac(&self) -> Arc<Rbac> {
        let revision = self.store.rbac_revision();
        let mut cached = self
            .rbac
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cached.0 != revision {
            let all = |plural: &str| {
                let resource = registry::find("rbac.authorization.k8s.io", "v1", plural)
                    .expect("rbac kinds are served");
                self.store.list(resource, None, &|_| true, None, None).items
            };
            let rbac = Rbac::new(
                &all("roles"),
                &all("clusterroles"),
                &all("rolebindings"),
                &all("clusterrolebindings"),
            );
            *cached = (revision, Arc::new(rbac));
        }
        cached.1.clone()
    }

    fn authenticate(&self, headers: &HeaderMap) -> Result<Identity, ApiError> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        self.tokens
            .get(token.trim())
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }

    /// Impersonate-User / Impersonate-Group, allowed only to callers RBAC lets impersonate.
    fn impersonate(&self, caller: Identity, headers: &HeaderMap) -> Result<Identity, ApiError> {
        let user = headers
            .get("impersonate-user")
            .and_then(|value| value.to_str().ok());
        let groups: Vec<String> = headers
            .get_all("impersonate-group")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .map(str::to_owned)
            .collect();
        let Some(user) = user else {
            if groups.is_empty() {
                return Ok(caller);
            }
            return Err(ApiError::bad_request(
                "impersonating groups requires impersonating a user",
            ));
        };
        let rbac = self.rbac();
        let check = |resource: &str, name: &str| {
            let attributes = Attributes {
                user: caller.user.clone(),
                groups: caller.groups.clone(),
                verb: "impersonate".into(),
                api_group: String::new(),
                resource: resource.into(),
                subresource: String::new(),
                namespace: String::new(),
                name: name.into(),
                path: String::new(),
            };
            if rbac.authorize(&attributes).is_allowed() {
                Ok(())
            } else {
                Err(ApiError::forbidden(format!(
                    "{resource} \"{name}\" is forbidden: User \"{}\" cannot impersonate resource \"{resource}\" in API group \"\" at the cluster scope",
                    caller.user
                )))
            }
        };
        check("users", user)?;
        for group in &groups {
            check("groups", group)?;
        }
        let mut impersonated_groups = groups;
        if !impersonated_groups
            .iter()
            .any(|group| group == "system:authenticated")
        {
            impersonated_groups.push("system:authenticated".into());
        }
        Ok(Identity {
            user: user.to_string(),
            groups: impersonated_groups,
        })
    }
}

pub fn router(api: Arc<ApiServer>) -> Router {
    Router::new()
        .route(
            "/version",
            get(|| async { axum::Json(discovery::version()) }),
        )
        // kubectl validates against OpenAPI v3 before applying (v2 stays 404: kubectl wants
        // it as protobuf, and falls back to v3 when it is missing).
        .route(
            "/openapi/v3",
            get(|| async { axum::Json(discovery::openapi_v3_index()) }),
        )
        .route(
            "/openapi/v3/{*path}",
            get(
                |axum::extract::Path(path): axum::extract::Path<String>| async move {
                    discovery::openapi_v3_group(&path)
                        .map(axum::Json)
                        .ok_or_else(ApiError::not_found_path)
                },
            ),
        )
        .route("/api", any(serve))
        .route("/apis", any(serve))
        .route("/api/{*rest}", any(serve))
        .route("/apis/{*rest}", any(serve))
        .fallback(|| async { ApiError::not_found_path() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(api)
}

impl ApiError {
    fn not_found_path() -> Self {
        let mut error = ApiError::not_found("", "", "");
        error.message = "the server could not find the requested resource".into();
        error.details = None;
        error
    }
}

async fn serve(
    State(api): State<Arc<ApiServer>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&api, &method, &uri, &headers, body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// What a resource path names.
struct Target {
    resource: &'static ResourceType,
    namespace: String,
    name: String,
    subresource: String,
}

enum Route {
    Discovery(Value),
    Resource(Target),
}

fn route(path: &str) -> Result<Route, ApiError> {
    let segments: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api"] => return Ok(Route::Discovery(discovery::core_versions())),
        ["apis"] => return Ok(Route::Discovery(discovery::group_list())),
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group] => {
            let list = discovery::group_list();
            let found = list["groups"]
                .as_array()
                .and_then(|groups| groups.iter().find(|g| g["name"] == *group))
                .cloned();
            return found
                .map(|mut group| {
                    group["kind"] = json!("APIGroup");
                    group["apiVersion"] = json!("v1");
                    Route::Discovery(group)
                })
                .ok_or_else(ApiError::not_found_path);
        }
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(ApiError::not_found_path()),
    };
    if rest.is_empty() {
        return discovery::resource_list(group, version)
            .map(Route::Discovery)
            .ok_or_else(ApiError::not_found_path);
    }
    let namespaced_path = rest.len() >= 3
        && rest[0] == "namespaces"
        && registry::find(group, version, rest[2]).is_some_and(|resource| resource.namespaced);
    let (namespace, tail) = if namespaced_path {
        (rest[1], &rest[2..])
    } else {
        ("", rest)
    };
    if tail.len() > 3 {
        return Err(ApiError::not_found_path());
    }
    let resource = registry::find(group, version, tail[0]).ok_or_else(ApiError::not_found_path)?;
    let subresource = tail.get(2).copied().unwrap_or_default();
    if !subresource.is_empty() && !resource.subresources.contains(&subresource) {
        return Err(ApiError::not_found_path());
    }
    Ok(Route::Resource(Target {
        resource,
        namespace: namespace.to_string(),
        name: tail.get(1).copied().unwrap_or_default().to_string(),
        subresource: subresource.to_string(),
    }))
}

/// The query parameters of list, watch and write requests.
#[derive(Default)]
struct Params {
    values: HashMap<String, String>,
}

impl Params {
    fn parse(uri: &Uri) -> Self {
        let values = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        Self { values }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }

    fn dry_run(&self) -> bool {
        self.get("dryRun") == Some("All")
    }
}

async fn handle(
    api: &ApiServer,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = api.authenticate(headers)?;
    let caller = api.impersonate(caller, headers)?;
    let target = match route(uri.path())? {
        Route::Discovery(document) => {
            authorize(api, &caller, "get", None, uri.path())?;
            return Ok(ok(document));
        }
        Route::Resource(target) => target,
    };
    let params = Params::parse(uri);
    let verb = match (method.as_str(), target.name.is_empty()) {
        ("GET", _) if params.flag("watch") => "watch",
        ("GET", true) => "list",
        ("GET", false) => "get",
        ("POST", true) => "create",
        ("PUT", false) => "update",
        ("PATCH", false) => "patch",
        ("DELETE", true) => "deletecollection",
        ("DELETE", false) => "delete",
        _ => {
            return Err(ApiError::method_not_allowed(format!(
                "the server does not allow this method on the requested resource: {method} {}",
                uri.path()
            )));
        }
    };
    if target.resource.review && verb != "create" {
        return Err(ApiError::method_not_allowed("reviews can only be created"));
    }
    if target.resource.namespaced
        && target.namespace.is_empty()
        && !matches!(verb, "list" | "watch")
    {
        return Err(ApiError::not_found_path());
    }
    authorize(api, &caller, verb, Some(&target), uri.path())?;
    match verb {
        "get" => get_object(api, &target),
        "list" => list(api, &target, &params, headers),
        "watch" => watch(api, &target, &params, headers),
        "create" => create(api, &caller, &target, &params, headers, &body),
        "update" => update(api, &target, &params, headers, &body),
        "patch" => patch(api, &target, &params, headers, &body),
        "delete" => delete(api, &target, &params, &body),
        _ => delete_collection(api, &target, &params),
    }
}

fn authorize(
    api: &ApiServer,
    caller: &Identity,
    verb: &str,
    target: Option<&Target>,
    path: &str,
) -> Result<(), ApiError> {
    let attributes = match target {
        Some(target) => Attributes {
            user: caller.user.clone(),
            groups: caller.groups.clone(),
            verb: verb.into(),
            api_group: target.resource.group.into(),
            resource: target.resource.plural.into(),
            subresource: target.subresource.clone(),
            namespace: target.namespace.clone(),
            name: target.name.clone(),
            path: path.into(),
        },
        None => Attributes {
            user: caller.user.clone(),
            groups: caller.groups.clone(),
            verb: verb.into(),
            api_group: String::new(),
            resource: String::new(),
            subresource: String::new(),
            namespace: String::new(),
            name: String::new(),
            path: path.into(),
        },
    };
    if api.rbac().authorize(&attributes).is_allowed() {
        return Ok(());
    }
    Err(ApiError::forbidden(forbidden_message(
        caller, verb, target, path,
    )))
}

/// Worded as the API server words it, so users and tools recognise it.
fn forbidden_message(caller: &Identity, verb: &str, target: Option<&Target>, path: &str) -> String {
    let Some(target) = target else {
        return format!(
            "forbidden: User \"{}\" cannot {verb} path \"{path}\"",
            caller.user
        );
    };
    let resource = qualified(target.resource.group, target.resource.plural);
    let subject = if target.name.is_empty() {
        resource.clone()
    } else {
        format!("{resource} \"{}\"", target.name)
    };
    let plural = if target.subresource.is_empty() {
        target.resource.plural.to_string()
    } else {
        format!("{}/{}", target.resource.plural, target.subresource)
    };
    let scope = if target.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", target.namespace)
    };
    format!(
        "{subject} is forbidden: User \"{}\" cannot {verb} resource \"{plural}\" in API group \"{}\" {scope}",
        caller.user, target.resource.group
    )
}

fn ok(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn created(value: Value) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

fn decode_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/json");
    let value: Value = if content_type.contains("yaml") {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::bad_request("the request body is not UTF-8"))?;
        serde_saphyr::from_str(text).map_err(|error| {
            ApiError::bad_request(format!("the request body is not valid YAML: {error}"))
        })?
    } else if content_type.contains("json") {
        serde_json::from_slice(body).map_err(|error| {
            ApiError::bad_request(format!("the request body is not valid JSON: {error}"))
        })?
    } else if content_type.contains("protobuf") {
        let mut error = ApiError::unsupported_media_type(content_type);
        error.message = "the sandbox reads JSON and YAML, not protobuf: imperative commands such as `kubectl create configmap` send protobuf; write the object with `kubectl apply -f` or `kubectl create -f` instead".into();
        return Err(error);
    } else {
        return Err(ApiError::unsupported_media_type(content_type));
    };
    if !value.is_object() {
        return Err(ApiError::bad_request("the request body must be an object"));
    }
    Ok(value)
}

fn get_object(api: &ApiServer, target: &Target) -> Result<Response, ApiError> {
    let object = api
        .store
        .get(target.resource, &target.namespace, &target.name)?;
    if target.subresource == "log" {
        let log = super::controllers::pod_log(&object);
        return Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], log).into_response());
    }
    Ok(ok(object))
}

/// The selection a list, watch or deletecollection applies.
struct Selection {
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Selection {
    fn parse(params: &Params, resource: &ResourceType) -> Result<Self, ApiError> {
        let labels = LabelSelector::parse(params.get("labelSelector").unwrap_or_default())
            .map_err(|error| {
                ApiError::bad_request(format!("unable to parse labelSelector: {error}"))
            })?;
        let fields = FieldSelector::parse_with(
            params.get("fieldSelector").unwrap_or_default(),
            registry::selectable_fields(resource),
        )
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
        Ok(Self { labels, fields })
    }

    fn matches(&self, object: &Value) -> bool {
        let empty = serde_json::Map::new();
        let labels = object
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        self.labels.matches(labels) && self.fields.matches_object(object)
    }
}

fn namespace_scope(target: &Target) -> Option<&str> {
    (target.resource.namespaced && !target.namespace.is_empty())
        .then_some(target.namespace.as_str())
}

fn wants_table(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("as=Table"))
}

fn encode_continue(key: &Key) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&[&key.0, &key.1]).expect("strings serialise"))
}

fn decode_continue(token: &str) -> Result<Key, ApiError> {
    let invalid = || ApiError::bad_request("the provided continue parameter is not valid");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    let [namespace, name]: [String; 2] = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    Ok((namespace, name))
}

fn list(
    api: &ApiServer,
    target: &Target,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let selection = Selection::parse(params, target.resource)?;
    let limit = match params.get("limit") {
        Some(limit) => Some(
            limit
                .parse::<usize>()
                .map_err(|_| ApiError::bad_request("limit must be a non-negative integer"))?,
        )
        .filter(|l| *l > 0),
        None => None,
    };
    let start_after = params.get("continue").map(decode_continue).transpose()?;
    let keep = |object: &Value| selection.matches(object);
    let metadata = |revision: u64, next: Option<Key>| {
        let mut metadata = json!({ "resourceVersion": revision.to_string() });
        if let Some(next) = &next {
            metadata["continue"] = json!(encode_continue(next));
        }
        metadata
    };
    let scope = namespace_scope(target);
    if wants_table(headers) {
        let result = api
            .store
            .list(target.resource, scope, &keep, limit, start_after.as_ref());
        let metadata = metadata(result.revision, result.next);
        return Ok(ok(table::table(target.resource, &result.items, metadata)));
    }
    // Written straight from the store, item by item: copying every object into a list value
    // first was most of the time of a list of 10,000 trials.
    let mut body = format!(
        r#"{{"apiVersion":{},"kind":{},"items":["#,
        json!(target.resource.api_version()),
        json!(format!("{}List", target.resource.kind))
    )
    .into_bytes();
    let mut first = true;
    let (revision, next) = api.store.visit(
        target.resource,
        scope,
        &keep,
        limit,
        start_after.as_ref(),
        &mut |object| {
            if !std::mem::take(&mut first) {
                body.push(b',');
            }
            serde_json::to_writer(&mut body, object).expect("a value serialises");
        },
    );
    body.extend_from_slice(br#"],"metadata":"#);
    serde_json::to_writer(&mut body, &metadata(revision, next)).expect("a value serialises");
    body.push(b'}');
    Ok((
        StatusCode::OK,
        [(http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

fn watch(
    api: &ApiServer,
    target: &Target,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let mut selection = Selection::parse(params, target.resource)?;
    if !target.name.is_empty() {
        selection.fields = FieldSelector::parse(&format!("metadata.name={}", target.name))
            .map_err(|error| ApiError::bad_request(error.to_string()))?;
    }
    let since =
        match params.get("resourceVersion") {
            None | Some("0") => None,
            Some(version) => Some(version.parse::<u64>().map_err(|_| {
                ApiError::bad_request(format!("invalid resourceVersion {version:?}"))
            })?),
        };
    let send_initial = params.flag("sendInitialEvents") || since.is_none();
    let bookmarks = params.flag("allowWatchBookmarks");
    let as_table = wants_table(headers);
    let timeout = params
        .get("timeoutSeconds")
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(Duration::from_secs(1800), Duration::from_secs);
    let resource = target.resource;
    let namespace = namespace_scope(target).map(str::to_owned);

    let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(256);
    let encode = move |kind: &str, object: Value| -> Bytes {
        let object = if as_table && kind != "BOOKMARK" && kind != "ERROR" {
            table::table(resource, std::slice::from_ref(&object), json!({}))
        } else {
            object
        };
        let mut line = serde_json::to_vec(&json!({ "type": kind, "object": object }))
            .expect("values serialise");
        line.push(b'\n');
        Bytes::from(line)
    };
    let subscription = match api.store.subscribe(since) {
        Ok(subscription) => subscription,
        Err(gone) => {
            // The API server answers a too-old resourceVersion inside the stream, with 200.
            let line = encode("ERROR", gone.to_status());
            return Ok(stream_response(futures::stream::once(async move {
                Ok::<_, std::io::Error>(line)
            })));
        }
    };
    let in_scope = move |object: &Value| -> bool {
        namespace
            .as_deref()
            .is_none_or(|ns| store::meta_str(object, "namespace") == Some(ns))
    };
    let mut initial = Vec::new();
    let mut start = subscription.revision;
    if send_initial && since.is_none() {
        let listed = api.store.list(
            resource,
            None,
            &|object| in_scope(object) && selection.matches(object),
            None,
            None,
        );
        start = listed.revision.max(start);
        initial = listed.items;
    }
    let backlog = subscription.backlog;
    let mut live = subscription.live;
    let bookmark_interval = api.bookmark_interval;
    tokio::spawn(async move {
        let bookmark = |revision: u64, initial_end: bool| {
            let mut metadata = json!({ "resourceVersion": revision.to_string() });
            if initial_end {
                metadata["annotations"] = json!({ "k8s.io/initial-events-end": "true" });
            }
            json!({ "apiVersion": resource.api_version(), "kind": resource.kind, "metadata": metadata })
        };
        for object in initial {
            if sender.send(encode("ADDED", object)).await.is_err() {
                return;
            }
        }
        if params_initial_bookmark(bookmarks, send_initial)
            && sender
                .send(encode("BOOKMARK", bookmark(start, true)))
                .await
                .is_err()
        {
            return;
        }
        let mut last = start;
        let forward = |event: &store::Event| -> Option<(&'static str, Value)> {
            if event.resource.group != resource.group
                || event.resource.plural != resource.plural
                || !in_scope(&event.object)
            {
                return None;
            }
            let now = selection.matches(&event.object);
            let before = event
                .previous
                .as_ref()
                .is_some_and(|previous| selection.matches(previous));
            match (event.kind, before, now) {
                (EventType::Added, _, true) => Some(("ADDED", event.object.clone())),
                (EventType::Deleted, _, true) => Some(("DELETED", event.object.clone())),
                (EventType::Modified, true, true) => Some(("MODIFIED", event.object.clone())),
                (EventType::Modified, false, true) => Some(("ADDED", event.object.clone())),
                (EventType::Modified, true, false) => Some(("DELETED", event.object.clone())),
                _ => None,
            }
        };
        for event in backlog {
            last = event.revision;
            if let Some((kind, object)) = forward(&event)
                && sender.send(encode(kind, object)).await.is_err()
            {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(bookmark_interval);
        ticker.tick().await;
        loop {
            tokio::select! {
                () = &mut deadline => return,
                () = sender.closed() => return,
                _ = ticker.tick(), if bookmarks => {
                    if sender.send(encode("BOOKMARK", bookmark(last, false))).await.is_err() {
                        return;
                    }
                }
                received = live.recv() => match received {
                    Ok(event) => {
                        if event.revision <= last {
                            continue;
                        }
                        last = event.revision;
                        if let Some((kind, object)) = forward(&event)
                            && sender.send(encode(kind, object)).await.is_err() {
                                return;
                            }
                    }
                    // A watcher too slow to keep up is ended; it resumes from its last
                    // resourceVersion (or relists on 410), as with a real API server.
                    Err(_) => return,
                },
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(receiver);
    Ok(stream_response(futures::StreamExt::map(
        stream,
        Ok::<_, std::io::Error>,
    )))
}

fn params_initial_bookmark(bookmarks: bool, send_initial: bool) -> bool {
    bookmarks && send_initial
}

fn stream_response<S>(stream: S) -> Response
where
    S: futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .expect("static response parts are valid")
}

fn write_options(params: &Params, operation: &'static str) -> WriteOptions {
    WriteOptions {
        dry_run: params.dry_run(),
        field_manager: params.get("fieldManager").map(str::to_owned),
        operation,
        applied_fields: None,
    }
}

fn create(
    api: &ApiServer,
    caller: &Identity,
    target: &Target,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let object = decode_body(headers, body)?;
    if target.resource.review {
        return Ok(created(review(api, caller, target.resource, object)?));
    }
    let created_object = api.store.create(
        target.resource,
        &target.namespace,
        object,
        &write_options(params, "Update"),
    )?;
    Ok(created(created_object))
}

fn part_of(target: &Target) -> Part {
    if target.subresource == "status" {
        Part::Status
    } else {
        Part::Main
    }
}

fn update(
    api: &ApiServer,
    target: &Target,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let object = decode_body(headers, body)?;
    let updated = api.store.modify(
        target.resource,
        &target.namespace,
        &target.name,
        part_of(target),
        &write_options(params, "Update"),
        |_| Ok(object),
    )?;
    Ok(ok(updated))
}

/// What a patch does to the current object, whatever its kind.
type PatchChange<'a> = Box<dyn Fn(&mut Value) -> Result<(), ApiError> + 'a>;

fn patch(
    api: &ApiServer,
    target: &Target,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let resource = target.resource;
    let invalid_patch = |error: String| {
        ApiError::invalid(
            resource.kind,
            resource.group,
            &target.name,
            &[("patch".into(), error)],
        )
    };
    // Each patch kind becomes one change to the current object; the write is the same.
    let change: PatchChange<'_> = match content_type.split(';').next().unwrap_or_default().trim() {
        "application/json-patch+json" => {
            let operations: json_patch::Patch = serde_json::from_slice(body).map_err(|error| {
                ApiError::bad_request(format!("the JSON patch is not valid: {error}"))
            })?;
            Box::new(move |object| {
                json_patch::patch(object, &operations)
                    .map_err(|error| invalid_patch(error.to_string()))
            })
        }
        // Strategic merge is served as a merge patch: lists are replaced whole.
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            let merge: Value = serde_json::from_slice(body).map_err(|error| {
                ApiError::bad_request(format!("the merge patch is not valid JSON: {error}"))
            })?;
            Box::new(move |object| {
                json_patch::merge(object, &merge);
                Ok(())
            })
        }
        "application/apply-patch+yaml" | "application/apply-patch+json" => {
            return server_side_apply(api, target, params, headers, body);
        }
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    let patched = api.store.modify(
        resource,
        &target.namespace,
        &target.name,
        part_of(target),
        &write_options(params, "Update"),
        |current| {
            let mut next = current.clone();
            change(&mut next)?;
            Ok(next)
        },
    )?;
    Ok(ok(patched))
}

fn server_side_apply(
    api: &ApiServer,
    target: &Target,
    params: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let manager = params.get("fieldManager").ok_or_else(|| {
        ApiError::bad_request("PATCH requests with apply must include fieldManager")
    })?;
    let applied = decode_body(headers, body)?;
    let resource = target.resource;
    if let Some(name) = store::meta_str(&applied, "name")
        && name != target.name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({name}) does not match the name on the URL ({})",
            target.name
        )));
    }
    let mut options = write_options(params, "Apply");
    options.applied_fields = Some(apply::field_set(&applied));
    let force = params.flag("force");
    if !api.store.exists(resource, &target.namespace, &target.name) {
        let mut object = applied;
        object["metadata"]["name"] = json!(target.name);
        return Ok(created(api.store.create(
            resource,
            &target.namespace,
            object,
            &options,
        )?));
    }
    let applied_object = api.store.modify(
        resource,
        &target.namespace,
        &target.name,
        part_of(target),
        &options,
        |current| {
            apply::server_side_apply(Some(current), &applied, manager, force).map_err(|conflicts| {
                let described: Vec<String> = conflicts
                    .iter()
                    .map(|(field, owner)| format!("conflict with \"{owner}\": .{field}"))
                    .collect();
                let mut error =
                    ApiError::conflict(resource.group, resource.plural, &target.name, "");
                error.message = format!(
                    "Apply failed with {} conflict{}: {}",
                    conflicts.len(),
                    if conflicts.len() == 1 { "" } else { "s" },
                    described.join(", ")
                );
                error
            })
        },
    )?;
    Ok(ok(applied_object))
}

fn delete(
    api: &ApiServer,
    target: &Target,
    params: &Params,
    body: &[u8],
) -> Result<Response, ApiError> {
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|error| {
            ApiError::bad_request(format!("the DeleteOptions are not valid JSON: {error}"))
        })?
    };
    let dry_run = params.dry_run()
        || body["dryRun"]
            .as_array()
            .is_some_and(|modes| modes.iter().any(|mode| mode == "All"));
    let options = DeleteOptions {
        dry_run,
        precondition_uid: body
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(str::to_owned),
        precondition_resource_version: body
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let deleted = api
        .store
        .delete(target.resource, &target.namespace, &target.name, &options)?;
    if deleted.pointer("/metadata/deletionTimestamp").is_some() || dry_run {
        return Ok(ok(deleted));
    }
    Ok(ok(json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {
            "name": target.name,
            "group": target.resource.group,
            "kind": target.resource.plural,
            "uid": deleted.pointer("/metadata/uid"),
        },
    })))
}

fn delete_collection(
    api: &ApiServer,
    target: &Target,
    params: &Params,
) -> Result<Response, ApiError> {
    let selection = Selection::parse(params, target.resource)?;
    let matching = api.store.list(
        target.resource,
        namespace_scope(target),
        &|object| selection.matches(object),
        None,
        None,
    );
    let options = DeleteOptions {
        dry_run: params.dry_run(),
        ..DeleteOptions::default()
    };
    let mut deleted = Vec::new();
    for object in matching.items {
        let namespace = store::meta_str(&object, "namespace")
            .unwrap_or_default()
            .to_string();
        let name = store::meta_str(&object, "name")
            .unwrap_or_default()
            .to_string();
        match api
            .store
            .delete(target.resource, &namespace, &name, &options)
        {
            Ok(object) => deleted.push(object),
            // Deleted meanwhile by someone else: that is what was asked for.
            Err(error) if error.code == 404 => {}
            Err(error) => return Err(error),
        }
    }
    Ok(ok(json!({
        "apiVersion": target.resource.api_version(),
        "kind": format!("{}List", target.resource.kind),
        "metadata": { "resourceVersion": api.store.revision().to_string() },
        "items": deleted,
    })))
}

/// SelfSubjectAccessReview and SubjectAccessReview, answered from the same RBAC evaluator.
fn review(
    api: &ApiServer,
    caller: &Identity,
    resource: &ResourceType,
    mut object: Value,
) -> Result<Value, ApiError> {
    let spec = object.get("spec").cloned().unwrap_or(Value::Null);
    let (user, groups) = if resource.kind == "SelfSubjectAccessReview" {
        (caller.user.clone(), caller.groups.clone())
    } else {
        let user = spec
            .get("user")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let groups: Vec<String> = spec
            .get("groups")
            .and_then(Value::as_array)
            .map(|groups| {
                groups
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if user.is_empty() && groups.is_empty() {
            return Err(ApiError::invalid(
                resource.kind,
                resource.group,
                "",
                &[(
                    "spec.user".into(),
                    "Invalid value: at least one of user or group must be specified".into(),
                )],
            ));
        }
        (user, groups)
    };
    let text = |pointer: &str| {
        spec.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let attributes = if spec.get("resourceAttributes").is_some() {
        Attributes {
            user,
            groups,
            verb: text("/resourceAttributes/verb"),
            api_group: text("/resourceAttributes/group"),
            resource: text("/resourceAttributes/resource"),
            subresource: text("/resourceAttributes/subresource"),
            namespace: text("/resourceAttributes/namespace"),
            name: text("/resourceAttributes/name"),
            path: String::new(),
        }
    } else if spec.get("nonResourceAttributes").is_some() {
        Attributes {
            user,
            groups,
            verb: text("/nonResourceAttributes/verb"),
            api_group: String::new(),
            resource: String::new(),
            subresource: String::new(),
            namespace: String::new(),
            name: String::new(),
            path: text("/nonResourceAttributes/path"),
        }
    } else {
        return Err(ApiError::invalid(resource.kind, resource.group, "", &[("spec".into(), "Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified".into())]));
    };
    let decision = api.rbac().authorize(&attributes);
    let (allowed, reason) = match decision {
        super::rbac::Decision::Allow { reason } => (true, reason),
        super::rbac::Decision::Deny { reason } => (false, reason),
    };
    object["apiVersion"] = json!(resource.api_version());
    object["kind"] = json!(resource.kind);
    object["status"] = json!({ "allowed": allowed, "reason": reason });
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_route_to_the_right_scope() {
        let Route::Resource(target) = route("/api/v1/namespaces/team-a/pods/nb-0/log")
            .ok()
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (
                target.resource.plural,
                target.namespace.as_str(),
                target.name.as_str(),
                target.subresource.as_str()
            ),
            ("pods", "team-a", "nb-0", "log")
        );
        let Route::Resource(target) = route("/api/v1/namespaces/team-a").ok().unwrap() else {
            panic!()
        };
        assert_eq!(
            (
                target.resource.plural,
                target.namespace.as_str(),
                target.name.as_str()
            ),
            ("namespaces", "", "team-a")
        );
        let Route::Resource(target) = route("/api/v1/namespaces/team-a/status").ok().unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (target.name.as_str(), target.subresource.as_str()),
            ("team-a", "status")
        );
        let Route::Resource(target) = route("/apis/kubeflow.org/v1/notebooks").ok().unwrap() else {
            panic!()
        };
        assert_eq!(
            (target.resource.kind, target.namespace.as_str()),
            ("Notebook", "")
        );
        assert!(route("/apis/kubeflow.org/v1/namespaces/a/notebooks/b/exec").is_err());
        assert!(route("/apis/kubeflow.org/v9/notebooks").is_err());
        assert!(route("/api/v1/namespaces/a/pods/b/log/extra").is_err());
    }

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let key = ("team-a".to_string(), "nb".to_string());
        assert_eq!(decode_continue(&encode_continue(&key)).unwrap(), key);
        assert_eq!(decode_continue("!!!").unwrap_err().code, 400);
    }
}
