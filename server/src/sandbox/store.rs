//! The sandbox's storage: every object of every served type, one global resourceVersion, and a
//! bounded log of change events from which watches resume (older than the log is 410 Gone).

use super::registry::{self, ResourceType};
use super::status::ApiError;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::sync::broadcast;

/// (namespace or "", name)
pub type Key = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it. `previous` lets a filtered watch tell "left the selection"
/// (sent as DELETED) from "changed inside it".
#[derive(Debug)]
pub struct Event {
    pub revision: u64,
    pub resource: &'static ResourceType,
    pub kind: EventType,
    pub object: Value,
    pub previous: Option<Value>,
}

/// Which part of an object a write may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Main,
    Status,
}

#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_manager: Option<String>,
    /// "Apply" for server-side apply, else "Update".
    pub operation: &'static str,
    /// For an apply: the field set of the applied configuration, which the manager now owns.
    pub applied_fields: Option<Value>,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub dry_run: bool,
    pub precondition_uid: Option<String>,
    pub precondition_resource_version: Option<String>,
}

pub struct ListResult {
    pub items: Vec<Value>,
    pub revision: u64,
    /// Where the next page starts, when `limit` cut the list.
    pub next: Option<Key>,
}

/// What a watch starts from: the events to send first, and the live feed after them.
pub struct Subscription {
    pub backlog: Vec<Arc<Event>>,
    pub revision: u64,
    pub live: broadcast::Receiver<Arc<Event>>,
}

pub const DEFAULT_LOG_CAPACITY: usize = 10_000;

struct State {
    revision: u64,
    objects: BTreeMap<String, BTreeMap<Key, Value>>,
    log: VecDeque<Arc<Event>>,
    log_capacity: usize,
}

pub struct Store {
    state: RwLock<State>,
    events: broadcast::Sender<Arc<Event>>,
    /// Bumped on every committed write; persistence saves when it moves.
    writes: tokio::sync::watch::Sender<u64>,
    /// The revision of the last change to an RBAC object (the authorizer rebuilds on it).
    rbac_revision: std::sync::atomic::AtomicU64,
}

fn type_key(resource: &ResourceType) -> String {
    format!("{}/{}", resource.group, resource.plural)
}

fn key_of(resource: &ResourceType, namespace: &str, name: &str) -> Key {
    (
        if resource.namespaced {
            namespace.to_string()
        } else {
            String::new()
        },
        name.to_string(),
    )
}

pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn meta(object: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    object
        .get("metadata")
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn meta_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    object["metadata"]
        .as_object_mut()
        .expect("metadata was just made an object")
}

pub fn meta_str<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    meta(object).get(field).and_then(Value::as_str)
}

fn has_finalizers(object: &Value) -> bool {
    meta(object)
        .get("finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty())
}

/// Everything but metadata and (for kinds with a status subresource) status: a change here is
/// a change of the desired state, which bumps metadata.generation.
fn desired_state(resource: &ResourceType, object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        if resource.has_status() {
            map.remove("status");
        }
    }
    copy
}

impl Store {
    pub fn new(log_capacity: usize) -> Self {
        let (events, _) = broadcast::channel(4096);
        let (writes, _) = tokio::sync::watch::channel(0);
        Self {
            state: RwLock::new(State {
                revision: 1,
                objects: BTreeMap::new(),
                log: VecDeque::new(),
                log_capacity: log_capacity.max(1),
            }),
            events,
            writes,
            rbac_revision: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn revision(&self) -> u64 {
        self.read().revision
    }

    /// Moves whenever a Role, ClusterRole or binding changes, and only then.
    pub fn rbac_revision(&self) -> u64 {
        self.rbac_revision
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// A receiver that changes whenever a write commits.
    pub fn writes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.writes.subscribe()
    }

    pub fn get(
        &self,
        resource: &'static ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<Value, ApiError> {
        self.read()
            .objects
            .get(&type_key(resource))
            .and_then(|objects| objects.get(&key_of(resource, namespace, name)))
            .cloned()
            .ok_or_else(|| ApiError::not_found(resource.group, resource.plural, name))
    }

    pub fn exists(&self, resource: &'static ResourceType, namespace: &str, name: &str) -> bool {
        self.read()
            .objects
            .get(&type_key(resource))
            .is_some_and(|objects| objects.contains_key(&key_of(resource, namespace, name)))
    }

    /// Objects of a type, in key order, optionally in one namespace, filtered, paged.
    pub fn list(
        &self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
        keep: &dyn Fn(&Value) -> bool,
        limit: Option<usize>,
        start_after: Option<&Key>,
    ) -> ListResult {
        let mut items = Vec::new();
        let (revision, next) = self.visit(
            resource,
            namespace,
            keep,
            limit,
            start_after,
            &mut |object| items.push(object.clone()),
        );
        ListResult {
            items,
            revision,
            next,
        }
    }

    /// [`Store::list`] without copying: `each` sees every object the list would hold, in
    /// order, while the store is locked for reading. Returns the revision and where the next
    /// page starts. For answers written straight from the store (a list of 10,000 trials is
    /// 30 MiB of objects to copy, then to drop).
    pub fn visit(
        &self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
        keep: &dyn Fn(&Value) -> bool,
        limit: Option<usize>,
        start_after: Option<&Key>,
        each: &mut dyn FnMut(&Value),
    ) -> (u64, Option<Key>) {
        let state = self.read();
        let mut next = None;
        if let Some(objects) = state.objects.get(&type_key(resource)) {
            let range: Box<dyn Iterator<Item = (&Key, &Value)>> = match (namespace, start_after) {
                (_, Some(after)) => Box::new(objects.range::<Key, _>((
                    std::ops::Bound::Excluded(after.clone()),
                    std::ops::Bound::Unbounded,
                ))),
                (Some(namespace), None) => {
                    Box::new(objects.range::<Key, _>((namespace.to_string(), String::new())..))
                }
                (None, None) => Box::new(objects.iter()),
            };
            let mut seen = 0;
            let mut last: Option<&Key> = None;
            for (key, object) in range {
                if let Some(namespace) = namespace
                    && resource.namespaced
                    && key.0 != namespace
                {
                    if key.0.as_str() > namespace {
                        break;
                    }
                    continue;
                }
                if !keep(object) {
                    continue;
                }
                if limit.is_some_and(|limit| seen >= limit) {
                    next = last.cloned();
                    break;
                }
                each(object);
                seen += 1;
                last = Some(key);
            }
        }
        (state.revision, next)
    }

    pub fn create(
        &self,
        resource: &'static ResourceType,
        namespace: &str,
        mut object: Value,
        options: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let mut state = self.write();
        prepare_identity(resource, namespace, &mut object)?;
        let name = meta_str(&object, "name").unwrap_or_default().to_string();
        if resource.namespaced {
            check_namespace_writable(&state, namespace)?;
        }
        let key = key_of(resource, namespace, &name);
        if state
            .objects
            .get(&type_key(resource))
            .is_some_and(|objects| objects.contains_key(&key))
        {
            return Err(ApiError::already_exists(
                resource.group,
                resource.plural,
                &name,
            ));
        }
        let now = now_rfc3339();
        {
            let metadata = meta_mut(&mut object);
            metadata.insert(
                "uid".into(),
                Value::String(uuid::Uuid::new_v4().to_string()),
            );
            metadata.insert("creationTimestamp".into(), Value::String(now.clone()));
            metadata.insert("generation".into(), json!(1));
            metadata.remove("deletionTimestamp");
            metadata.remove("managedFields");
        }
        record_manager(&mut object, resource, options, &now);
        if options.dry_run {
            meta_mut(&mut object).insert(
                "resourceVersion".into(),
                Value::String(state.revision.to_string()),
            );
            return Ok(object);
        }
        Ok(self.commit(&mut state, resource, key, EventType::Added, object, None))
    }

    /// Read-modify-write of one object under the store's lock: `change` gets the current object
    /// and returns the new one. Optimistic concurrency: a resourceVersion in the new object must
    /// equal the current one.
    pub fn modify(
        &self,
        resource: &'static ResourceType,
        namespace: &str,
        name: &str,
        part: Part,
        options: &WriteOptions,
        change: impl FnOnce(&Value) -> Result<Value, ApiError>,
    ) -> Result<Value, ApiError> {
        let mut state = self.write();
        let key = key_of(resource, namespace, name);
        let current = state
            .objects
            .get(&type_key(resource))
            .and_then(|objects| objects.get(&key))
            .cloned()
            .ok_or_else(|| ApiError::not_found(resource.group, resource.plural, name))?;
        let incoming = change(&current)?;
        let mut next = merge_write(resource, part, &current, incoming)?;
        if let Some(version) = meta_str(&next, "resourceVersion")
            && version != meta_str(&current, "resourceVersion").unwrap_or_default()
        {
            return Err(ApiError::conflict(
                resource.group,
                resource.plural,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        // Like the API server, a write that changes nothing is a no-op: no new resourceVersion,
        // no watch event. Controllers that re-assert what is already there cost nothing.
        if unchanged(&current, &next) {
            return Ok(current);
        }
        let generation = meta(&current)
            .get("generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let generation = if desired_state(resource, &current) != desired_state(resource, &next) {
            generation + 1
        } else {
            generation
        };
        meta_mut(&mut next).insert("generation".into(), json!(generation));
        record_manager(&mut next, resource, options, &now_rfc3339());
        if options.dry_run {
            return Ok(next);
        }
        // Removing the last finalizer of an object being deleted completes the deletion.
        if meta(&next).contains_key("deletionTimestamp") && !has_finalizers(&next) {
            return Ok(self.remove(&mut state, resource, &key, &next));
        }
        Ok(self.commit(
            &mut state,
            resource,
            key,
            EventType::Modified,
            next,
            Some(current),
        ))
    }

    pub fn delete(
        &self,
        resource: &'static ResourceType,
        namespace: &str,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let mut state = self.write();
        let key = key_of(resource, namespace, name);
        let current = state
            .objects
            .get(&type_key(resource))
            .and_then(|objects| objects.get(&key))
            .cloned()
            .ok_or_else(|| ApiError::not_found(resource.group, resource.plural, name))?;
        if let Some(uid) = &options.precondition_uid
            && meta_str(&current, "uid") != Some(uid.as_str())
        {
            return Err(ApiError::conflict(
                resource.group,
                resource.plural,
                name,
                "Precondition failed: UID in precondition does not match the object",
            ));
        }
        if let Some(version) = &options.precondition_resource_version
            && meta_str(&current, "resourceVersion") != Some(version.as_str())
        {
            return Err(ApiError::conflict(
                resource.group,
                resource.plural,
                name,
                "Precondition failed: ResourceVersion in precondition does not match the object",
            ));
        }
        if options.dry_run {
            return Ok(current);
        }
        if has_finalizers(&current)
            || (resource.kind == "Namespace" && namespace_has_content(&state, name))
        {
            if meta(&current).contains_key("deletionTimestamp") {
                return Ok(current);
            }
            let mut marked = current.clone();
            meta_mut(&mut marked).insert("deletionTimestamp".into(), Value::String(now_rfc3339()));
            meta_mut(&mut marked).insert("deletionGracePeriodSeconds".into(), json!(0));
            if resource.kind == "Namespace" {
                marked["status"] = json!({ "phase": "Terminating" });
            }
            let marked = self.commit(
                &mut state,
                resource,
                key.clone(),
                EventType::Modified,
                marked,
                Some(current),
            );
            if resource.kind == "Namespace" {
                self.empty_namespace(&mut state, name);
                if !has_finalizers(&marked) {
                    return Ok(self.remove(&mut state, resource, &key, &marked));
                }
            }
            return Ok(marked);
        }
        Ok(self.remove(&mut state, resource, &key, &current))
    }

    /// Deletes an object for good, then what it owns (background cascade, as the garbage
    /// collector would).
    fn remove(
        &self,
        state: &mut State,
        resource: &'static ResourceType,
        key: &Key,
        object: &Value,
    ) -> Value {
        let Some(removed) = state
            .objects
            .get_mut(&type_key(resource))
            .and_then(|objects| objects.remove(key))
        else {
            return object.clone();
        };
        let mut removed = removed;
        state.revision += 1;
        meta_mut(&mut removed).insert(
            "resourceVersion".into(),
            Value::String(state.revision.to_string()),
        );
        self.publish(state, resource, EventType::Deleted, removed.clone(), None);
        if let Some(uid) = meta_str(&removed, "uid").map(str::to_owned) {
            for (dependent_type, dependent_key, dependent) in owned_by(state, &uid) {
                self.remove(state, dependent_type, &dependent_key, &dependent);
            }
        }
        removed
    }

    fn empty_namespace(&self, state: &mut State, namespace: &str) {
        let contents: Vec<(&'static ResourceType, Key, Value)> = registry::RESOURCES
            .iter()
            .filter(|resource| resource.namespaced)
            .flat_map(|resource| {
                state
                    .objects
                    .get(&type_key(resource))
                    .into_iter()
                    .flat_map(|objects| objects.iter())
                    .filter(|(key, _)| key.0 == namespace)
                    .map(|(key, object)| (resource, key.clone(), object.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (resource, key, object) in contents {
            self.remove(state, resource, &key, &object);
        }
    }

    fn commit(
        &self,
        state: &mut State,
        resource: &'static ResourceType,
        key: Key,
        kind: EventType,
        mut object: Value,
        previous: Option<Value>,
    ) -> Value {
        state.revision += 1;
        meta_mut(&mut object).insert(
            "resourceVersion".into(),
            Value::String(state.revision.to_string()),
        );
        state
            .objects
            .entry(type_key(resource))
            .or_default()
            .insert(key, object.clone());
        self.publish(state, resource, kind, object.clone(), previous);
        object
    }

    fn publish(
        &self,
        state: &mut State,
        resource: &'static ResourceType,
        kind: EventType,
        object: Value,
        previous: Option<Value>,
    ) {
        if resource.group == "rbac.authorization.k8s.io" {
            self.rbac_revision
                .store(state.revision, std::sync::atomic::Ordering::Release);
        }
        let event = Arc::new(Event {
            revision: state.revision,
            resource,
            kind,
            object,
            previous,
        });
        if state.log.len() == state.log_capacity {
            state.log.pop_front();
        }
        state.log.push_back(event.clone());
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
        self.writes.send_replace(state.revision);
    }

    /// Events after `since` (410 Gone when the log no longer reaches back that far), or, with
    /// no `since`, nothing: the caller lists first. The live feed starts exactly after.
    pub fn subscribe(&self, since: Option<u64>) -> Result<Subscription, ApiError> {
        let state = self.read();
        let live = self.events.subscribe();
        let backlog = match since {
            None => Vec::new(),
            Some(since) if since >= state.revision => Vec::new(),
            Some(since) => {
                let oldest = state
                    .log
                    .front()
                    .map(|event| event.revision)
                    .unwrap_or(state.revision + 1);
                if since + 1 < oldest {
                    return Err(ApiError::gone(format!(
                        "too old resource version: {since} ({})",
                        oldest - 1
                    )));
                }
                state
                    .log
                    .iter()
                    .filter(|event| event.revision > since)
                    .cloned()
                    .collect()
            }
        };
        Ok(Subscription {
            backlog,
            revision: state.revision,
            live,
        })
    }

    /// A consistent copy of every object, for persistence.
    pub fn snapshot(&self) -> Value {
        let state = self.read();
        let objects: Map<String, Value> = state
            .objects
            .iter()
            .map(|(resource, objects)| {
                (
                    resource.clone(),
                    Value::Array(objects.values().cloned().collect()),
                )
            })
            .collect();
        json!({ "revision": state.revision, "objects": objects })
    }

    /// Replaces everything with a snapshot taken by [`Store::snapshot`].
    pub fn restore(&self, snapshot: &Value) -> Result<usize, String> {
        let revision = snapshot
            .get("revision")
            .and_then(Value::as_u64)
            .ok_or("the snapshot has no revision")?;
        let groups = snapshot
            .get("objects")
            .and_then(Value::as_object)
            .ok_or("the snapshot has no objects")?;
        let mut objects: BTreeMap<String, BTreeMap<Key, Value>> = BTreeMap::new();
        let mut count = 0;
        for (type_name, items) in groups {
            let resource = registry::RESOURCES
                .iter()
                .find(|resource| type_key(resource) == *type_name)
                .ok_or_else(|| format!("the snapshot holds an unknown type {type_name}"))?;
            for item in items
                .as_array()
                .ok_or_else(|| format!("{type_name} is not a list"))?
            {
                let name = meta_str(item, "name")
                    .ok_or_else(|| format!("a {type_name} object has no name"))?;
                let namespace = meta_str(item, "namespace").unwrap_or_default();
                objects
                    .entry(type_name.clone())
                    .or_default()
                    .insert(key_of(resource, namespace, name), item.clone());
                count += 1;
            }
        }
        let mut state = self.write();
        state.revision = revision;
        state.objects = objects;
        state.log.clear();
        self.rbac_revision
            .store(revision, std::sync::atomic::Ordering::Release);
        Ok(count)
    }
}

fn namespace_has_content(state: &State, namespace: &str) -> bool {
    registry::RESOURCES
        .iter()
        .filter(|resource| resource.namespaced)
        .any(|resource| {
            state
                .objects
                .get(&type_key(resource))
                .is_some_and(|objects| {
                    objects
                        .range::<Key, _>((namespace.to_string(), String::new())..)
                        .next()
                        .is_some_and(|(key, _)| key.0 == namespace)
                })
        })
}

fn owned_by(state: &State, uid: &str) -> Vec<(&'static ResourceType, Key, Value)> {
    let mut owned = Vec::new();
    for resource in registry::RESOURCES {
        let Some(objects) = state.objects.get(&type_key(resource)) else {
            continue;
        };
        for (key, object) in objects {
            let owners = meta(object)
                .get("ownerReferences")
                .and_then(Value::as_array);
            if owners.is_some_and(|owners| {
                owners
                    .iter()
                    .any(|owner| owner.get("uid").and_then(Value::as_str) == Some(uid))
            }) {
                owned.push((resource, key.clone(), object.clone()));
            }
        }
    }
    owned
}

fn check_namespace_writable(state: &State, namespace: &str) -> Result<(), ApiError> {
    let namespaces = registry::find("", "v1", "namespaces").expect("namespaces are served");
    let Some(found) = state
        .objects
        .get(&type_key(namespaces))
        .and_then(|objects| objects.get(&(String::new(), namespace.to_string())))
    else {
        return Err(ApiError::not_found("", "namespaces", namespace));
    };
    if meta(found).contains_key("deletionTimestamp") {
        return Err(ApiError::forbidden(format!(
            "unable to create new content in namespace {namespace} because it is being terminated"
        )));
    }
    Ok(())
}

/// apiVersion/kind, namespace and name of a new object, validated as the API server does.
fn prepare_identity(
    resource: &'static ResourceType,
    namespace: &str,
    object: &mut Value,
) -> Result<(), ApiError> {
    if !object.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON or YAML object",
        ));
    }
    if let Some(kind) = object.get("kind").and_then(Value::as_str)
        && kind != resource.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind {kind} does not match the resource {}",
            resource.plural
        )));
    }
    object["apiVersion"] = Value::String(resource.api_version());
    object["kind"] = Value::String(resource.kind.to_string());
    let metadata = meta_mut(object);
    if resource.namespaced {
        match metadata.get("namespace").and_then(Value::as_str) {
            Some(given) if !given.is_empty() && given != namespace => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {
                metadata.insert("namespace".into(), Value::String(namespace.to_string()));
            }
        }
    } else {
        metadata.remove("namespace");
    }
    let name = match (
        metadata.get("name").and_then(Value::as_str),
        metadata.get("generateName").and_then(Value::as_str),
    ) {
        (Some(name), _) if !name.is_empty() => name.to_string(),
        (_, Some(prefix)) if !prefix.is_empty() => format!("{prefix}{}", random_suffix()),
        _ => {
            return Err(ApiError::invalid(
                resource.kind,
                resource.group,
                "",
                &[(
                    "metadata.name".into(),
                    "Required value: name or generateName is required".into(),
                )],
            ));
        }
    };
    let problem = match (resource.group, resource.kind) {
        ("", "Namespace") => dns1123_label(&name),
        // RBAC objects only need to be a valid path segment (Kubeflow's "namespaceAdmin").
        ("rbac.authorization.k8s.io", _) => path_segment(&name),
        _ => dns1123_subdomain(&name),
    };
    if let Some(problem) = problem {
        return Err(ApiError::invalid(
            resource.kind,
            resource.group,
            &name,
            &[(
                "metadata.name".into(),
                format!("Invalid value: \"{name}\": {problem}"),
            )],
        ));
    }
    metadata.insert("name".into(), Value::String(name));
    Ok(())
}

fn random_suffix() -> String {
    // Kubernetes avoids vowels and look-alikes so suffixes never spell words.
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes
        .iter()
        .take(5)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// The reason `name` is not a DNS-1123 label (namespaces), or None.
pub fn dns1123_label(name: &str) -> Option<String> {
    if name.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    (!valid).then(|| {
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character".into()
    })
}

/// The reason `name` is not a valid path segment (RBAC objects), or None.
pub fn path_segment(name: &str) -> Option<String> {
    match name {
        "" => Some("name must not be empty".into()),
        "." | ".." => Some(format!("may not be '{name}'")),
        _ if name.contains('/') || name.contains('%') => Some("may not contain '/' or '%'".into()),
        _ => None,
    }
}

/// The reason `name` is not a DNS-1123 subdomain (most objects), or None.
pub fn dns1123_subdomain(name: &str) -> Option<String> {
    if name.len() > 253 {
        return Some("must be no more than 253 characters".into());
    }
    let valid = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    (!valid).then(|| {
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character".into()
    })
}

/// The object a write stores: identity and server-owned metadata always come from the current
/// object; a main write keeps the current status, a status write keeps everything else.
fn merge_write(
    resource: &ResourceType,
    part: Part,
    current: &Value,
    incoming: Value,
) -> Result<Value, ApiError> {
    if !incoming.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON or YAML object",
        ));
    }
    let name = meta_str(current, "name").unwrap_or_default();
    if let Some(given) = meta_str(&incoming, "name")
        && given != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        )));
    }
    let mut next = match part {
        Part::Main => {
            let mut next = incoming;
            if resource.has_status() {
                match current.get("status") {
                    Some(status) => next["status"] = status.clone(),
                    None => {
                        next.as_object_mut()
                            .expect("checked above")
                            .remove("status");
                    }
                }
            }
            next
        }
        Part::Status => {
            let mut next = current.clone();
            match incoming.get("status") {
                Some(status) => next["status"] = status.clone(),
                None => {
                    next.as_object_mut()
                        .expect("objects are stored as JSON objects")
                        .remove("status");
                }
            }
            // resourceVersion precondition still applies to status writes.
            if let Some(version) = meta_str(&incoming, "resourceVersion") {
                meta_mut(&mut next)
                    .insert("resourceVersion".into(), Value::String(version.to_string()));
            }
            next
        }
    };
    next["apiVersion"] = Value::String(resource.api_version());
    next["kind"] = Value::String(resource.kind.to_string());
    let current_meta = meta(current).clone();
    let metadata = meta_mut(&mut next);
    for field in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "managedFields",
    ] {
        match current_meta.get(field) {
            Some(value) => metadata.insert(field.into(), value.clone()),
            None => metadata.remove(field),
        };
    }
    // An update without a resourceVersion is unconditional, as in Kubernetes.
    if metadata
        .get("resourceVersion")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        metadata.remove("resourceVersion");
    }
    Ok(next)
}

/// Keeps one managedFields entry per (manager, operation), as Kubernetes does.
fn record_manager(object: &mut Value, resource: &ResourceType, options: &WriteOptions, now: &str) {
    let Some(manager) = options.field_manager.as_deref().filter(|m| !m.is_empty()) else {
        return;
    };
    let operation = if options.operation.is_empty() {
        "Update"
    } else {
        options.operation
    };
    let fields = options
        .applied_fields
        .clone()
        .unwrap_or_else(|| super::apply::field_set(object));
    let metadata = meta_mut(object);
    let mut entries: Vec<Value> = metadata
        .get("managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    entries.retain(|entry| !(entry["manager"] == manager && entry["operation"] == operation));
    entries.push(json!({
        "manager": manager,
        "operation": operation,
        "apiVersion": resource.api_version(),
        "time": now,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }));
    metadata.insert("managedFields".into(), Value::Array(entries));
}

/// Whether `next` says the same as `current`, leaving out what every write restamps.
fn unchanged(current: &Value, next: &Value) -> bool {
    let comparable = |object: &Value| {
        let mut object = object.clone();
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("managedFields");
            metadata.remove("resourceVersion");
        }
        object
    };
    comparable(current) == comparable(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn namespaces() -> &'static ResourceType {
        registry::find("", "v1", "namespaces").unwrap()
    }

    fn configmaps() -> &'static ResourceType {
        registry::find("", "v1", "configmaps").unwrap()
    }

    /// Creates an object with default options, for tests that only need it to exist.
    fn put(
        store: &Store,
        resource: &'static ResourceType,
        namespace: &str,
        object: Value,
    ) -> Value {
        store
            .create(resource, namespace, object, &WriteOptions::default())
            .unwrap()
    }

    fn store_with_namespace(name: &str) -> Store {
        let store = Store::new(100);
        put(
            &store,
            namespaces(),
            "",
            json!({ "metadata": { "name": name } }),
        );
        store
    }

    #[test]
    fn names_are_validated_like_the_api_server() {
        assert!(dns1123_label("team-a").is_none());
        assert!(dns1123_label("Team-A").is_some());
        assert!(dns1123_label("a.b").is_some());
        assert!(dns1123_label(&"a".repeat(64)).is_some());
        assert!(dns1123_subdomain("a.b-c").is_none());
        assert!(dns1123_subdomain("-a").is_some());
        assert!(dns1123_subdomain("").is_some());
        assert!(path_segment("namespaceAdmin").is_none());
        assert!(path_segment("system:controller:x").is_none());
        assert!(path_segment("a/b").is_some() && path_segment("..").is_some());
    }

    #[test]
    fn created_objects_get_server_metadata() {
        let store = store_with_namespace("ns");
        let created = put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c" }, "data": { "a": "1" } }),
        );
        assert_eq!(created["kind"], "ConfigMap");
        assert_eq!(created["metadata"]["namespace"], "ns");
        assert_eq!(created["metadata"]["generation"], 1);
        assert!(
            created["metadata"]["uid"]
                .as_str()
                .is_some_and(|uid| uid.len() == 36)
        );
        assert!(
            created["metadata"]["creationTimestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        assert_eq!(
            created["metadata"]["resourceVersion"],
            store.revision().to_string()
        );
    }

    #[test]
    fn creating_in_a_missing_namespace_is_not_found() {
        let store = Store::new(100);
        let error = store
            .create(
                configmaps(),
                "nowhere",
                json!({ "metadata": { "name": "c" } }),
                &WriteOptions::default(),
            )
            .unwrap_err();
        assert_eq!(
            (error.code, error.message.as_str()),
            (404, "namespaces \"nowhere\" not found")
        );
    }

    #[test]
    fn generation_moves_only_with_the_desired_state() {
        let store = store_with_namespace("ns");
        put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c" }, "data": { "a": "1" } }),
        );
        let relabelled = store
            .modify(
                configmaps(),
                "ns",
                "c",
                Part::Main,
                &WriteOptions::default(),
                |current| {
                    let mut next = current.clone();
                    next["metadata"]["labels"] = json!({ "x": "y" });
                    Ok(next)
                },
            )
            .unwrap();
        assert_eq!(relabelled["metadata"]["generation"], 1);
        let changed = store
            .modify(
                configmaps(),
                "ns",
                "c",
                Part::Main,
                &WriteOptions::default(),
                |current| {
                    let mut next = current.clone();
                    next["data"]["a"] = json!("2");
                    Ok(next)
                },
            )
            .unwrap();
        assert_eq!(changed["metadata"]["generation"], 2);
    }

    #[test]
    fn a_stale_resource_version_is_a_conflict() {
        let store = store_with_namespace("ns");
        let created = put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c" } }),
        );
        store
            .modify(
                configmaps(),
                "ns",
                "c",
                Part::Main,
                &WriteOptions::default(),
                |current| {
                    let mut next = current.clone();
                    next["data"] = json!({ "changed": "yes" });
                    Ok(next)
                },
            )
            .unwrap();
        let error = store
            .modify(
                configmaps(),
                "ns",
                "c",
                Part::Main,
                &WriteOptions::default(),
                |_| Ok(created.clone()),
            )
            .unwrap_err();
        assert_eq!((error.code, error.reason), (409, "Conflict"));
    }

    #[test]
    fn a_write_that_changes_nothing_is_a_no_op() {
        let store = store_with_namespace("ns");
        let created = put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c" }, "data": { "a": "1" } }),
        );
        let revision = store.revision();
        let again = store
            .modify(
                configmaps(),
                "ns",
                "c",
                Part::Main,
                &WriteOptions::default(),
                |current| Ok(current.clone()),
            )
            .unwrap();
        assert_eq!(
            again["metadata"]["resourceVersion"],
            created["metadata"]["resourceVersion"]
        );
        assert_eq!(
            store.revision(),
            revision,
            "no new revision, so no watch event"
        );
    }

    #[test]
    fn finalizers_hold_deletion_until_removed() {
        let store = store_with_namespace("ns");
        put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c", "finalizers": ["x/y"] } }),
        );
        let marked = store
            .delete(configmaps(), "ns", "c", &DeleteOptions::default())
            .unwrap();
        assert!(marked["metadata"]["deletionTimestamp"].is_string());
        assert!(store.exists(configmaps(), "ns", "c"));
        store
            .modify(
                configmaps(),
                "ns",
                "c",
                Part::Main,
                &WriteOptions::default(),
                |current| {
                    let mut next = current.clone();
                    next["metadata"]["finalizers"] = json!([]);
                    Ok(next)
                },
            )
            .unwrap();
        assert!(!store.exists(configmaps(), "ns", "c"));
    }

    #[test]
    fn deleting_an_owner_deletes_what_it_owns() {
        let store = store_with_namespace("ns");
        let owner = put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "owner" } }),
        );
        let reference = json!([{ "apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"] }]);
        put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "owned", "ownerReferences": reference } }),
        );
        store
            .delete(configmaps(), "ns", "owner", &DeleteOptions::default())
            .unwrap();
        assert!(!store.exists(configmaps(), "ns", "owned"));
    }

    #[test]
    fn deleting_a_namespace_deletes_its_contents() {
        let store = store_with_namespace("ns");
        put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c" } }),
        );
        store
            .delete(namespaces(), "", "ns", &DeleteOptions::default())
            .unwrap();
        assert!(!store.exists(configmaps(), "ns", "c"));
        assert!(!store.exists(namespaces(), "", "ns"));
    }

    #[test]
    fn list_pages_through_one_namespace_in_order() {
        let store = store_with_namespace("a");
        put(
            &store,
            namespaces(),
            "",
            json!({ "metadata": { "name": "b" } }),
        );
        for (ns, name) in [("a", "1"), ("a", "2"), ("a", "3"), ("b", "0")] {
            put(
                &store,
                configmaps(),
                ns,
                json!({ "metadata": { "name": name } }),
            );
        }
        let first = store.list(configmaps(), Some("a"), &|_| true, Some(2), None);
        assert_eq!(first.items.len(), 2);
        let second = store.list(
            configmaps(),
            Some("a"),
            &|_| true,
            Some(2),
            first.next.as_ref(),
        );
        assert_eq!(second.items.len(), 1);
        assert_eq!(second.items[0]["metadata"]["name"], "3");
        assert!(second.next.is_none());
        assert_eq!(
            store
                .list(configmaps(), None, &|_| true, None, None)
                .items
                .len(),
            4
        );
    }

    #[test]
    fn subscribe_replays_from_a_revision_or_answers_gone() {
        let store = Store::new(3);
        for name in ["a", "b", "c", "d", "e"] {
            put(
                &store,
                namespaces(),
                "",
                json!({ "metadata": { "name": name } }),
            );
        }
        let revision = store.revision();
        let recent = store.subscribe(Some(revision - 2)).unwrap();
        assert_eq!(recent.backlog.len(), 2);
        // The log holds the last three events: resuming right before them replays all three,
        // one earlier is too old.
        assert_eq!(
            store
                .subscribe(Some(revision - 3))
                .map(|s| s.backlog.len())
                .ok(),
            Some(3)
        );
        let gone = store.subscribe(Some(revision - 4)).err().unwrap();
        assert_eq!(gone.code, 410);
    }

    #[test]
    fn rbac_revision_moves_only_with_rbac_objects() {
        let store = store_with_namespace("ns");
        let before = store.rbac_revision();
        put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c" } }),
        );
        assert_eq!(
            store.rbac_revision(),
            before,
            "other writes leave the authorizer alone"
        );
        let roles = registry::find("rbac.authorization.k8s.io", "v1", "roles").unwrap();
        put(
            &store,
            roles,
            "ns",
            json!({ "metadata": { "name": "r" }, "rules": [] }),
        );
        assert_eq!(store.rbac_revision(), store.revision());
    }

    #[test]
    fn snapshot_and_restore_round_trip() {
        let store = store_with_namespace("ns");
        put(
            &store,
            configmaps(),
            "ns",
            json!({ "metadata": { "name": "c" } }),
        );
        let snapshot = store.snapshot();
        let restored = Store::new(100);
        assert_eq!(restored.restore(&snapshot), Ok(2));
        assert_eq!(restored.revision(), store.revision());
        assert!(restored.exists(configmaps(), "ns", "c"));
    }
}
