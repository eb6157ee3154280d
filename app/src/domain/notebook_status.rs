//! A notebook as its list shows it: what it runs and asks for, and why it isn't running yet, in
//! words a person understands. Reads the Notebook, its pod and their events as JSON, exactly as
//! the API server sends them.

use crate::domain::quantity::Quantity;
use crate::model::{GpuLimit, NotebookRow, NotebookStatus, ServerType, StatusPhase};
use serde_json::Value;

/// Kubeflow's annotation that scales a notebook to zero.
pub const STOPPED_ANNOTATION: &str = "kubeflow-resource-stopped";
pub const SERVER_TYPE_ANNOTATION: &str = "notebooks.kubeflow.org/server-type";
pub const LAST_ACTIVITY_ANNOTATION: &str = "notebooks.kubeflow.org/last-activity";

/// Accelerator resource keys of device plugins that don't end in `/gpu`.
const ACCELERATOR_KEYS: [&str; 3] = ["habana.ai/gaudi", "gpu.intel.com/i915", "gpu.intel.com/xe"];

/// Whether a resource key names GPUs (`nvidia.com/gpu`, `amd.com/gpu`, `habana.ai/gaudi`…).
pub fn is_gpu_key(key: &str) -> bool {
    key.ends_with("/gpu") || ACCELERATOR_KEYS.contains(&key)
}

/// The row of the notebooks table. `events` may be any events of the namespace: only those
/// about the notebook, its StatefulSet and its pod are read.
pub fn notebook_row(notebook: &Value, pod: Option<&Value>, events: &[&Value]) -> NotebookRow {
    let container = notebook.pointer("/spec/template/spec/containers/0");
    let resource = |kind: &str, name: &str| {
        container
            .and_then(|c| c.get("resources")?.get(kind)?.get(name))
            .and_then(quantity_text)
    };
    NotebookRow {
        namespace: meta(notebook, "namespace").unwrap_or_default().into(),
        name: meta(notebook, "name").unwrap_or_default().into(),
        server_type: annotation(notebook, SERVER_TYPE_ANNOTATION)
            .map(ServerType::from_annotation)
            .unwrap_or_default(),
        image: container
            .and_then(|c| text(c, "/image"))
            .unwrap_or_default()
            .into(),
        cpu: resource("requests", "cpu"),
        cpu_limit: resource("limits", "cpu"),
        memory: resource("requests", "memory"),
        memory_limit: resource("limits", "memory"),
        gpus: container.and_then(gpu_limit),
        volumes: claim_names(notebook),
        created: meta(notebook, "creationTimestamp")
            .unwrap_or_default()
            .into(),
        last_activity: annotation(notebook, LAST_ACTIVITY_ANNOTATION).map(str::to_owned),
        stopped: annotation(notebook, STOPPED_ANNOTATION).is_some(),
        status: notebook_status(notebook, pod, events),
    }
}

/// Where the notebook is on its way to running, and why it isn't there when it isn't. `pod` is
/// `<name>-0` when it exists (None when it doesn't or wasn't fetched: the notebook's status,
/// which Kubeflow's controller mirrors from the pod, and the events are read instead).
pub fn notebook_status(notebook: &Value, pod: Option<&Value>, events: &[&Value]) -> NotebookStatus {
    if notebook.pointer("/metadata/deletionTimestamp").is_some() {
        return status(StatusPhase::Terminating, "Deleting the notebook server");
    }
    let ready_replicas = notebook
        .pointer("/status/readyReplicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if annotation(notebook, STOPPED_ANNOTATION).is_some() {
        return if pod.is_some() || ready_replicas > 0 {
            status(StatusPhase::Waiting, "Stopping")
        } else {
            status(StatusPhase::Stopped, "Stopped: no pod is running")
        };
    }
    let events = Events::about(notebook, pod, events);
    match pod {
        Some(pod) => with_pod(pod, &events),
        None if ready_replicas > 0 => status(StatusPhase::Ready, "Running"),
        None => without_pod(notebook, &events),
    }
}

fn status(phase: StatusPhase, message: impl Into<String>) -> NotebookStatus {
    NotebookStatus {
        phase,
        message: message.into(),
    }
}

fn with_pod(pod: &Value, events: &Events) -> NotebookStatus {
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return status(
            StatusPhase::Waiting,
            "Restarting: the previous pod is shutting down",
        );
    }
    if text(pod, "/status/phase") == Some("Failed") {
        let reason = text(pod, "/status/reason").unwrap_or("Failed");
        return match text(pod, "/status/message") {
            Some(message) => status(StatusPhase::Error, format!("{reason}: {message}")),
            None => status(StatusPhase::Error, format!("The pod failed ({reason})")),
        };
    }
    let conditions = pod.pointer("/status/conditions");
    if condition(conditions, "Ready").is_some_and(|c| c["status"] == "True") {
        return status(StatusPhase::Ready, "Running");
    }
    if let Some(unschedulable) = unschedulable_condition(conditions) {
        return unschedulable;
    }
    let statuses: Vec<(&Value, bool)> = ["initContainerStatuses", "containerStatuses"]
        .into_iter()
        .flat_map(|field| {
            pod.pointer(&format!("/status/{field}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |s| (s, field == "initContainerStatuses"))
        })
        .collect();
    let image_of = |container: &Value| -> String {
        text(container, "/image")
            .filter(|image| !image.is_empty())
            .or_else(|| spec_image(pod, text(container, "/name")?))
            .unwrap_or("(no image)")
            .to_string()
    };
    if let Some(problem) = worst_problem(
        statuses
            .iter()
            .filter_map(|(s, init)| container_problem(s, &image_of(s), *init, events)),
    ) {
        return problem;
    }
    let scheduled = condition(conditions, "PodScheduled").is_some_and(|c| c["status"] == "True");
    let main: Vec<&Value> = statuses
        .iter()
        .filter(|(_, init)| !init)
        .map(|(s, _)| *s)
        .collect();
    if !main.is_empty() && main.iter().all(|s| s.pointer("/state/running").is_some()) {
        return status(StatusPhase::Waiting, "Waiting for the server to be ready");
    }
    if scheduled || !statuses.is_empty() {
        let image = text(pod, "/spec/containers/0/image").unwrap_or("(no image)");
        return creating(events, image);
    }
    match events.newest_about_pod() {
        Some(event) if event.warning => from_warning(event),
        _ => status(StatusPhase::Waiting, "Waiting to be scheduled"),
    }
}

fn without_pod(notebook: &Value, events: &Events) -> NotebookStatus {
    // The notebook controller mirrors the pod's container state and conditions, so a list
    // that didn't fetch pods can still explain what is wrong.
    let state = notebook
        .pointer("/status/containerState")
        .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()));
    let image = text(notebook, "/spec/template/spec/containers/0/image").unwrap_or("(no image)");
    if let Some(state) = state {
        let mirrored = serde_json::json!({ "state": state });
        if let Some(problem) = container_problem(&mirrored, image, false, events) {
            return problem;
        }
    }
    if let Some(unschedulable) = unschedulable_condition(notebook.pointer("/status/conditions")) {
        return unschedulable;
    }
    match events.newest() {
        Some(event) if event.warning => return from_warning(event),
        Some(event) if event.reason == "Pulling" => return pulling(event, image),
        _ => {}
    }
    match state {
        Some(state) if state.get("running").is_some() => {
            status(StatusPhase::Waiting, "Waiting for the server to be ready")
        }
        Some(state) if state.get("waiting").is_some() => {
            status(StatusPhase::Waiting, "Creating the container")
        }
        _ => status(StatusPhase::Waiting, "Waiting for the pod to be created"),
    }
}

/// The pod is placed on a node; its containers are being made (image pull, volume mounts).
fn creating(events: &Events, image: &str) -> NotebookStatus {
    match events.newest_about_pod() {
        Some(event) if event.warning => from_warning(event),
        Some(event) if event.reason == "Pulling" => pulling(event, image),
        _ => status(StatusPhase::Waiting, "Creating the container"),
    }
}

fn pulling(event: &Event, image: &str) -> NotebookStatus {
    let image = quoted(event.message).unwrap_or(image);
    status(StatusPhase::Waiting, format!("Pulling image {image}"))
}

/// Error before Warning; the first of each otherwise.
fn worst_problem(problems: impl Iterator<Item = NotebookStatus>) -> Option<NotebookStatus> {
    let mut worst: Option<NotebookStatus> = None;
    for problem in problems {
        let worse = match &worst {
            None => true,
            Some(known) => problem.phase == StatusPhase::Error && known.phase != StatusPhase::Error,
        };
        if worse {
            worst = Some(problem);
        }
    }
    worst
}

/// What is wrong with one container, from its state as the kubelet reports it; None while it
/// is fine or still being made.
fn container_problem(
    container: &Value,
    image: &str,
    init: bool,
    events: &Events,
) -> Option<NotebookStatus> {
    if let Some(waiting) = container.pointer("/state/waiting") {
        let message = text(waiting, "/message").unwrap_or_default();
        return match text(waiting, "/reason").unwrap_or_default() {
            "" | "ContainerCreating" | "PodInitializing" => None,
            "ErrImagePull" | "ImagePullBackOff" => {
                let cause = pull_failure(message).or_else(|| {
                    events
                        .newest_about_pod_where(|e| {
                            e.reason == "Failed" && e.message.starts_with("Failed to pull")
                        })
                        .and_then(|e| pull_failure(e.message))
                });
                let message = match cause {
                    Some(cause) => format!("Image can't be pulled: {image} ({cause})"),
                    None => format!("Image can't be pulled: {image}"),
                };
                Some(status(StatusPhase::Warning, message))
            }
            "InvalidImageName" => Some(status(
                StatusPhase::Error,
                format!("Invalid image name: {image}"),
            )),
            "CrashLoopBackOff" => Some(status(StatusPhase::Warning, crash_loop(container))),
            "CreateContainerConfigError" => Some(status(
                StatusPhase::Error,
                format!("Can't configure the container: {message}"),
            )),
            "CreateContainerError"
            | "RunContainerError"
            | "PreStartHookError"
            | "PostStartHookError" => Some(status(
                StatusPhase::Error,
                format!("Can't start the container: {message}"),
            )),
            reason if message.is_empty() => Some(status(StatusPhase::Warning, reason)),
            reason => Some(status(StatusPhase::Warning, format!("{reason}: {message}"))),
        };
    }
    let terminated = container.pointer("/state/terminated")?;
    let code = terminated
        .get("exitCode")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    // Init containers are meant to finish.
    if init && code == 0 {
        return None;
    }
    let message = match text(terminated, "/reason") {
        Some(reason) => format!("Container exited with code {code} ({reason})"),
        None => format!("Container exited with code {code}"),
    };
    Some(status(StatusPhase::Error, message))
}

fn crash_loop(container: &Value) -> String {
    let restarts = container
        .get("restartCount")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let times = if restarts == 1 {
        "1 time".to_string()
    } else {
        format!("{restarts} times")
    };
    let last = container.pointer("/lastState/terminated");
    let code = last.and_then(|t| t.get("exitCode")).and_then(Value::as_i64);
    // "Error" only repeats that the code isn't 0; OOMKilled and the like say why.
    let reason = last
        .and_then(|t| text(t, "/reason"))
        .filter(|r| *r != "Error");
    match (code, reason) {
        (Some(code), Some(reason)) => {
            format!("Crash-looping: restarted {times} (last exit code {code}, {reason})")
        }
        (Some(code), None) => format!("Crash-looping: restarted {times} (last exit code {code})"),
        (None, _) => format!("Crash-looping: restarted {times}"),
    }
}

/// The short cause of a failed pull, from the container runtime's message.
fn pull_failure(message: &str) -> Option<&'static str> {
    let message = message.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| message.contains(w));
    // Docker Hub answers this way for repositories that don't exist too.
    if has(&[
        "pull access denied",
        "repository does not exist or may require authorization",
    ]) {
        Some("not found or access denied")
    } else if has(&[
        "code = notfound",
        ": not found",
        "manifest unknown",
        "not found",
    ]) {
        Some("not found")
    } else if has(&[
        "unauthorized",
        "authorization failed",
        "forbidden",
        "denied",
    ]) {
        Some("unauthorized")
    } else if has(&["toomanyrequests", "too many requests", "rate limit"]) {
        Some("rate-limited by the registry")
    } else if has(&[
        "no such host",
        "i/o timeout",
        "connection refused",
        "dial tcp",
    ]) {
        Some("registry unreachable")
    } else {
        None
    }
}

fn unschedulable_condition(conditions: Option<&Value>) -> Option<NotebookStatus> {
    let scheduled = condition(conditions, "PodScheduled")?;
    (scheduled["status"] == "False" && scheduled["reason"] == "Unschedulable").then(|| {
        status(
            StatusPhase::Warning,
            unschedulable(text(scheduled, "/message").unwrap_or_default()),
        )
    })
}

/// The scheduler's `0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 Insufficient
/// cpu.` as "Unschedulable: not enough GPU (nvidia.com/gpu) and CPU".
fn unschedulable(message: &str) -> String {
    let mut lacking: Vec<String> = Vec::new();
    for piece in message.split("Insufficient ").skip(1) {
        let key = piece
            .split([',', ' ', ';'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('.');
        let what = match key {
            "cpu" => "CPU".to_string(),
            "memory" => "memory".to_string(),
            key if is_gpu_key(key) => format!("GPU ({key})"),
            key => key.to_string(),
        };
        if !what.is_empty() && !lacking.contains(&what) {
            lacking.push(what);
        }
    }
    if !lacking.is_empty() {
        return format!("Unschedulable: not enough {}", and_list(&lacking));
    }
    let known: Vec<String> = [
        (
            "didn't match Pod's node affinity/selector",
            "no node matches its node selector or affinity",
        ),
        (
            "untolerated taint",
            "the nodes have taints it doesn't tolerate",
        ),
        (
            "unbound immediate PersistentVolumeClaims",
            "a volume claim isn't bound",
        ),
        (
            "volume node affinity conflict",
            "a volume is on a node it can't run on",
        ),
    ]
    .into_iter()
    .filter(|(phrase, _)| message.contains(phrase))
    .map(|(_, meaning)| meaning.to_string())
    .collect();
    if known.is_empty() {
        format!("Unschedulable: {}", message.trim())
    } else {
        format!("Unschedulable: {}", and_list(&known))
    }
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A warning event as a status: quota and creation failures from the StatefulSet, scheduling
/// failures, and whatever else the cluster warns about.
fn from_warning(event: &Event) -> NotebookStatus {
    let message = event.message.trim();
    let text = match event.reason {
        "FailedCreate" => exceeded_quota(message).unwrap_or_else(|| {
            // The StatefulSet controller wraps the API server's answer.
            let cause = message
                .split_once(" failed error: ")
                .map_or(message, |(_, cause)| cause);
            format!("Can't create the pod: {cause}")
        }),
        "FailedScheduling" => unschedulable(message),
        "FailedMount" | "FailedAttachVolume" => format!("Volume can't be mounted: {message}"),
        reason if message.is_empty() => reason.to_string(),
        reason => format!("{reason}: {message}"),
    };
    status(StatusPhase::Warning, text)
}

/// The API server's `exceeded quota: compute, requested: requests.cpu=1, used:
/// requests.cpu=1500m, limited: requests.cpu=2` as "Quota exceeded: requests.cpu=1
/// requested, 1.5 of 2 used (quota compute)".
fn exceeded_quota(message: &str) -> Option<String> {
    const MARK: &str = "exceeded quota: ";
    let rest = &message[message.find(MARK)? + MARK.len()..];
    let (quota, rest) = rest.split_once(", requested: ")?;
    let (requested, rest) = rest.split_once(", used: ")?;
    let (used, limited) = rest.split_once(", limited: ")?;
    let pairs = |list: &'_ str| -> Vec<(String, String)> {
        list.trim()
            .trim_end_matches('.')
            .split(',')
            .filter_map(|pair| pair.trim().split_once('='))
            .map(|(key, value)| (key.to_string(), readable(key, value)))
            .collect()
    };
    let find = |list: &[(String, String)], key: &str| {
        list.iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.clone())
    };
    let (requested, used) = (pairs(requested), pairs(used));
    let parts: Vec<String> = pairs(limited)
        .iter()
        .map(|(key, hard)| {
            let used = find(&used, key).unwrap_or_else(|| "0".into());
            match find(&requested, key) {
                Some(asked) => format!("{key}={asked} requested, {used} of {hard} used"),
                None => format!("{key}: {used} of {hard} used"),
            }
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "Quota exceeded: {} (quota {})",
        parts.join("; "),
        quota.trim()
    ))
}

/// CPU in cores (`1500m` → `1.5`), which people read more easily; anything else as written.
fn readable(key: &str, value: &str) -> String {
    const NANOS: i128 = 1_000_000_000;
    let Ok(quantity) = Quantity::parse(value) else {
        return value.to_string();
    };
    if !key.ends_with("cpu") || quantity.is_negative() {
        return value.to_string();
    }
    let nanos = quantity.nanos();
    let fraction = format!("{:09}", nanos % NANOS);
    match fraction.trim_end_matches('0') {
        "" => (nanos / NANOS).to_string(),
        fraction => format!("{}.{fraction}", nanos / NANOS),
    }
}

/// One event, read from either core/v1 or events.k8s.io/v1.
struct Event<'a> {
    reason: &'a str,
    message: &'a str,
    warning: bool,
    about_pod: bool,
}

/// The events about one notebook, newest first.
struct Events<'a>(Vec<Event<'a>>);

impl<'a> Events<'a> {
    fn about(notebook: &Value, pod: Option<&Value>, events: &[&'a Value]) -> Self {
        let name = meta(notebook, "name").unwrap_or_default();
        let namespace = meta(notebook, "namespace");
        let notebook_uid = meta(notebook, "uid");
        let pod_name = pod
            .and_then(|pod| meta(pod, "name"))
            .map_or_else(|| format!("{name}-0"), str::to_owned);
        let pod_uid = pod.and_then(|pod| meta(pod, "uid"));
        // A notebook made again under the same name must not inherit its predecessor's events.
        let created = meta(notebook, "creationTimestamp").map(time_key);
        let same = |known: Option<&str>, seen: Option<&str>| {
            known.is_none() || seen.is_none() || known == seen
        };
        let mut kept: Vec<(TimeKey, u64, usize, Event<'a>)> = Vec::new();
        for (index, event) in events.iter().enumerate() {
            let Some(involved) = event
                .get("involvedObject")
                .or_else(|| event.get("regarding"))
            else {
                continue;
            };
            if !same(namespace, text(involved, "/namespace")) {
                continue;
            }
            let object = text(involved, "/name").unwrap_or_default();
            let uid = text(involved, "/uid");
            let about_pod = match text(involved, "/kind").unwrap_or_default() {
                "Notebook" if object == name && same(notebook_uid, uid) => false,
                "StatefulSet" if object == name => false,
                "Pod" if object == pod_name && same(pod_uid, uid) => true,
                _ => continue,
            };
            let time = time_key(event_time(event));
            if created.as_ref().is_some_and(|created| &time < created) {
                continue;
            }
            let version = meta(event, "resourceVersion")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            kept.push((
                time,
                version,
                index,
                Event {
                    reason: text(event, "/reason").unwrap_or_default(),
                    message: text(event, "/message")
                        .or_else(|| text(event, "/note"))
                        .unwrap_or_default(),
                    warning: text(event, "/type") == Some("Warning"),
                    about_pod,
                },
            ));
        }
        // Same second: the API server's resourceVersion, then the caller's order, say which
        // came last.
        kept.sort_by(|a, b| (&b.0, b.1, b.2).cmp(&(&a.0, a.1, a.2)));
        Self(kept.into_iter().map(|(.., event)| event).collect())
    }

    fn newest(&self) -> Option<&Event<'a>> {
        self.0.first()
    }

    fn newest_about_pod(&self) -> Option<&Event<'a>> {
        self.newest_about_pod_where(|_| true)
    }

    fn newest_about_pod_where(&self, keep: impl Fn(&Event) -> bool) -> Option<&Event<'a>> {
        self.0.iter().find(|e| e.about_pod && keep(e))
    }
}

fn event_time(event: &Value) -> &str {
    [
        "/lastTimestamp",
        "/deprecatedLastTimestamp",
        "/series/lastObservedTime",
        "/eventTime",
        "/firstTimestamp",
        "/metadata/creationTimestamp",
    ]
    .into_iter()
    .find_map(|pointer| text(event, pointer))
    .unwrap_or_default()
}

/// (seconds part, nanoseconds padded to 9 digits): orders `…:05Z` and `…:05.123456Z` right.
type TimeKey = (String, String);

fn time_key(time: &str) -> TimeKey {
    let seconds = time.get(..19).unwrap_or(time).to_string();
    let fraction: String = time
        .get(19..)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (seconds, format!("{fraction:0<9}"))
}

fn condition<'a>(conditions: Option<&'a Value>, kind: &str) -> Option<&'a Value> {
    conditions?.as_array()?.iter().find(|c| c["type"] == kind)
}

fn spec_image<'a>(pod: &'a Value, container: &str) -> Option<&'a str> {
    ["initContainers", "containers"]
        .into_iter()
        .filter_map(|field| pod.pointer(&format!("/spec/{field}"))?.as_array())
        .flatten()
        .find(|c| c["name"] == container)
        .and_then(|c| text(c, "/image"))
}

fn gpu_limit(container: &Value) -> Option<GpuLimit> {
    container
        .pointer("/resources/limits")?
        .as_object()?
        .iter()
        .filter(|(key, _)| is_gpu_key(key))
        .find_map(|(key, value)| {
            let count = value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .or_else(|| value.as_str()?.trim().parse().ok())?;
            (count > 0).then(|| GpuLimit {
                vendor: key.clone(),
                count,
            })
        })
}

fn claim_names(notebook: &Value) -> Vec<String> {
    notebook
        .pointer("/spec/template/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|volume| text(volume, "/persistentVolumeClaim/claimName"))
        .map(str::to_owned)
        .collect()
}

/// A quantity as written: `"500m"`, or a bare number someone put in YAML.
fn quantity_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The first double-quoted part of a message (`Pulling image "x"`).
fn quoted(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('"')?;
    rest.split_once('"').map(|(inside, _)| inside)
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn meta<'a>(object: &'a Value, field: &str) -> Option<&'a str> {
    object.get("metadata")?.get(field)?.as_str()
}

/// Annotation keys hold `/`, which JSON pointers would need escaped.
fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get("metadata")?
        .get("annotations")?
        .get(key)?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NS: &str = "kubeflow-user-example-com";
    const IMAGE: &str = "ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0";
    const POD_UID: &str = "5f0c2a8e-7d51-4a8e-8f0e-2b7c1d9e4a33";
    const NOTEBOOK_UID: &str = "9d1e0b7c-0c43-4a39-9b4b-1f0e6c2f7a10";
    // Messages exactly as the scheduler, kubelet and API server write them.
    const INSUFFICIENT: &str = "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    const NOT_FOUND: &str = "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/doesnotexist:latest\": failed to resolve reference \"docker.io/library/doesnotexist:latest\": docker.io/library/doesnotexist:latest: not found";
    const PRIVATE: &str = "registry.example.com/private/lab:1";
    const UNAUTHORIZED: &str = "Failed to pull image \"registry.example.com/private/lab:1\": failed to pull and unpack image \"registry.example.com/private/lab:1\": failed to resolve reference \"registry.example.com/private/lab:1\": unexpected status from HEAD request to https://registry.example.com/v2/private/lab/manifests/1: 401 Unauthorized";
    const DOCKER_DENIED: &str = "rpc error: code = Unknown desc = Error response from daemon: pull access denied for doesnotexist, repository does not exist or may require 'docker login': denied: requested access to the resource is denied";
    const INVALID_NAME: &str = "Failed to apply default image tag \"Jupyter:Latest\": couldn't parse image name \"Jupyter:Latest\": invalid reference format: repository name must be lowercase";
    const QUOTA: &str = "create Pod lab-0 in StatefulSet lab failed error: pods \"lab-0\" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1500m, limited: requests.cpu=2";
    const QUOTA_SANDBOX: &str = "pods \"lab-0\" is forbidden: exceeded quota: kf-resource-quota, requested: limits.memory=2Gi,requests.nvidia.com/gpu=1, used: limits.memory=63Gi,requests.nvidia.com/gpu=2, limited: limits.memory=64Gi,requests.nvidia.com/gpu=2";
    const NO_ACCOUNT: &str = "create Pod lab-0 in StatefulSet lab failed error: pods \"lab-0\" is forbidden: error looking up service account kubeflow-user-example-com/default-editor: serviceaccount \"default-editor\" not found";
    const EVICTED: &str = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91740Ki. Container lab was using 3912340Ki, request is 1Gi, has larger consumption of memory.";

    /// A notebook as kfdash's spawner makes it.
    fn notebook() -> Value {
        json!({
            "apiVersion": "kubeflow.org/v1",
            "kind": "Notebook",
            "metadata": {
                "name": "lab",
                "namespace": NS,
                "uid": NOTEBOOK_UID,
                "resourceVersion": "48213",
                "creationTimestamp": "2026-05-01T10:00:00Z",
                "labels": { "app": "lab" },
                "annotations": {
                    "notebooks.kubeflow.org/server-type": "group-one",
                    "notebooks.kubeflow.org/creator": "user@example.com",
                    "notebooks.kubeflow.org/last-activity": "2026-05-01T11:30:00Z",
                },
            },
            "spec": { "template": { "spec": {
                "serviceAccountName": "default-editor",
                "containers": [{
                    "name": "lab",
                    "image": IMAGE,
                    "imagePullPolicy": "IfNotPresent",
                    "resources": {
                        "requests": { "cpu": "500m", "memory": "1Gi" },
                        "limits": { "cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1" },
                    },
                    "volumeMounts": [
                        { "name": "dshm", "mountPath": "/dev/shm" },
                        { "name": "lab-workspace", "mountPath": "/home/jovyan" },
                        { "name": "datasets", "mountPath": "/data" },
                    ],
                }],
                "volumes": [
                    { "name": "dshm", "emptyDir": { "medium": "Memory" } },
                    { "name": "lab-workspace", "persistentVolumeClaim": { "claimName": "lab-workspace" } },
                    { "name": "datasets", "persistentVolumeClaim": { "claimName": "shared-datasets", "readOnly": true } },
                ],
            } } },
            "status": { "readyReplicas": 0, "containerState": {}, "conditions": [] },
        })
    }

    /// The notebook's pod `lab-0` with the status the kubelet or scheduler wrote.
    fn pod(status: Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "lab-0",
                "namespace": NS,
                "uid": POD_UID,
                "creationTimestamp": "2026-05-01T10:00:01Z",
                "labels": { "notebook-name": "lab", "statefulset": "lab", "statefulset.kubernetes.io/pod-name": "lab-0" },
            },
            "spec": { "containers": [{ "name": "lab", "image": IMAGE }] },
            "status": status,
        })
    }

    /// A scheduled pod with one container, `lab`, whose status is `container`.
    fn scheduled(container: Value) -> Value {
        pod(json!({
            "phase": "Pending",
            "conditions": [
                { "type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-05-01T10:00:03Z" },
                { "type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-05-01T10:00:01Z" },
                { "type": "Ready", "status": "False", "lastProbeTime": null, "lastTransitionTime": "2026-05-01T10:00:01Z", "reason": "ContainersNotReady", "message": "containers with unready status: [lab]" },
                { "type": "ContainersReady", "status": "False", "lastProbeTime": null, "lastTransitionTime": "2026-05-01T10:00:01Z", "reason": "ContainersNotReady", "message": "containers with unready status: [lab]" },
                { "type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-05-01T10:00:01Z" },
            ],
            "hostIP": "10.128.0.7",
            "podIP": "10.4.2.17",
            "startTime": "2026-05-01T10:00:01Z",
            "qosClass": "Burstable",
            "containerStatuses": [container],
        }))
    }

    /// A container status: `state` and, for crash loops, `lastState` and restarts.
    fn container(image: &str, state: Value, last: Value, restarts: u32) -> Value {
        let running = state.get("running").is_some();
        json!({
            "name": "lab",
            "state": state,
            "lastState": last,
            "ready": false,
            "restartCount": restarts,
            "image": image,
            "imageID": if running { "sha256:4c5f" } else { "" },
            "started": running,
        })
    }

    fn waiting(reason: &str, message: &str, image: &str) -> Value {
        let mut waiting = json!({ "reason": reason });
        if !message.is_empty() {
            waiting["message"] = json!(message);
        }
        container(image, json!({ "waiting": waiting }), json!({}), 0)
    }

    /// A core/v1 Event about `Kind/name`, `second`s after 10:00, typed as the cluster types
    /// these reasons (Failed* are warnings).
    fn event(about: &str, reason: &str, message: &str, second: u32) -> Value {
        let (kind, name) = about.split_once('/').unwrap();
        let uid = match kind {
            "Pod" => POD_UID,
            "Notebook" => NOTEBOOK_UID,
            _ => "2c4e6a80-1b3d-4f5a-9c7e-0d2f4b6a8c1e",
        };
        let at = format!("2026-05-01T10:{:02}:{:02}Z", second / 60, second % 60);
        json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": { "name": format!("{name}.18a2f1c3b4d5e6f7"), "namespace": NS, "resourceVersion": (1000 + second).to_string(), "creationTimestamp": at },
            "involvedObject": { "kind": kind, "namespace": NS, "name": name, "uid": uid, "apiVersion": "v1" },
            "reason": reason,
            "message": message,
            "source": { "component": "kubelet", "host": "node-1" },
            "firstTimestamp": at,
            "lastTimestamp": at,
            "count": 1,
            "type": if reason.starts_with("Failed") { "Warning" } else { "Normal" },
            "eventTime": null,
            "reportingComponent": "kubelet",
            "reportingInstance": "node-1",
        })
    }

    fn of(notebook: &Value, pod: Option<&Value>, events: &[Value]) -> NotebookStatus {
        let events: Vec<&Value> = events.iter().collect();
        notebook_status(notebook, pod, &events)
    }

    fn is(phase: StatusPhase, message: &str) -> NotebookStatus {
        status(phase, message)
    }

    #[test]
    fn a_kfdash_notebook_becomes_a_row() {
        let row = notebook_row(&notebook(), None, &[]);
        assert_eq!((row.namespace.as_str(), row.name.as_str()), (NS, "lab"));
        assert_eq!(row.server_type, ServerType::GroupOne);
        assert_eq!(row.image, IMAGE);
        assert_eq!(row.cpu.as_deref(), Some("500m"));
        assert_eq!(row.cpu_limit.as_deref(), Some("1"));
        assert_eq!(row.memory.as_deref(), Some("1Gi"));
        assert_eq!(row.memory_limit.as_deref(), Some("2Gi"));
        let gpu = GpuLimit {
            vendor: "nvidia.com/gpu".into(),
            count: 1,
        };
        assert_eq!(row.gpus, Some(gpu));
        assert_eq!(row.volumes, ["lab-workspace", "shared-datasets"]);
        assert_eq!(row.created, "2026-05-01T10:00:00Z");
        assert_eq!(row.last_activity.as_deref(), Some("2026-05-01T11:30:00Z"));
        assert!(!row.stopped);
        let waiting = is(StatusPhase::Waiting, "Waiting for the pod to be created");
        assert_eq!(row.status, waiting);
    }

    #[test]
    fn a_notebook_made_elsewhere_has_no_resources_or_annotations() {
        // As `kubectl apply` of a minimal manifest leaves it.
        let notebook = json!({
            "apiVersion": "kubeflow.org/v1",
            "kind": "Notebook",
            "metadata": { "name": "bare", "namespace": "team-ml", "uid": "1", "creationTimestamp": "2026-05-02T08:00:00Z" },
            "spec": { "template": { "spec": { "containers": [{ "name": "bare", "image": "jupyter/minimal-notebook" }] } } },
        });
        let row = notebook_row(&notebook, None, &[]);
        assert_eq!(row.server_type, ServerType::Jupyter);
        assert_eq!(row.image, "jupyter/minimal-notebook");
        let resources = (row.cpu, row.cpu_limit, row.memory, row.memory_limit);
        assert_eq!(resources, (None, None, None, None));
        assert_eq!(row.gpus, None);
        assert!(row.volumes.is_empty());
        assert_eq!(row.last_activity, None);
        assert!(!row.stopped);
        assert_eq!(row.status.phase, StatusPhase::Waiting);
    }

    #[test]
    fn gpus_of_any_vendor_and_numbers_written_in_yaml() {
        let with_resources = |resources: Value| {
            let mut notebook = notebook();
            notebook["spec"]["template"]["spec"]["containers"][0]["resources"] = resources;
            notebook_row(&notebook, None, &[])
        };
        let gaudi = with_resources(json!({
            "requests": { "cpu": 2, "memory": "8Gi" },
            "limits": { "habana.ai/gaudi": 2, "memory": "8Gi" },
        }));
        let gpu = GpuLimit {
            vendor: "habana.ai/gaudi".into(),
            count: 2,
        };
        assert_eq!(gaudi.gpus, Some(gpu));
        assert_eq!((gaudi.cpu.as_deref(), gaudi.cpu_limit), (Some("2"), None));
        let amd = with_resources(json!({ "limits": { "amd.com/gpu": "4" } }));
        assert_eq!(amd.gpus.unwrap().vendor, "amd.com/gpu");
        let zero = with_resources(json!({ "limits": { "nvidia.com/gpu": "0" } }));
        assert_eq!(zero.gpus, None);
        assert!(!is_gpu_key("ephemeral-storage"));
    }

    #[test]
    fn deleting_stopping_and_stopped() {
        let mut deleting = notebook();
        deleting["metadata"]["deletionTimestamp"] = json!("2026-05-01T12:00:00Z");
        let terminating = is(StatusPhase::Terminating, "Deleting the notebook server");
        assert_eq!(of(&deleting, None, &[]), terminating);

        let mut stopped = notebook();
        stopped["metadata"]["annotations"][STOPPED_ANNOTATION] = json!("2026-05-01T12:00:00Z");
        let running = pod(json!({ "phase": "Running" }));
        let stopping = is(StatusPhase::Waiting, "Stopping");
        assert_eq!(of(&stopped, Some(&running), &[]), stopping);
        let gone = is(StatusPhase::Stopped, "Stopped: no pod is running");
        assert_eq!(of(&stopped, None, &[]), gone);
        assert!(notebook_row(&stopped, None, &[]).stopped);
    }

    #[test]
    fn ready_from_the_pod_or_the_ready_replicas() {
        let mut ready = scheduled(container(
            IMAGE,
            json!({ "running": { "startedAt": "2026-05-01T10:00:39Z" } }),
            json!({}),
            0,
        ));
        // Running, but the readiness probe hasn't passed yet.
        let starting = is(StatusPhase::Waiting, "Waiting for the server to be ready");
        assert_eq!(of(&notebook(), Some(&ready), &[]), starting);
        ready["status"]["phase"] = json!("Running");
        ready["status"]["conditions"][2] = json!({ "type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-05-01T10:00:40Z" });
        let running = is(StatusPhase::Ready, "Running");
        assert_eq!(of(&notebook(), Some(&ready), &[]), running);

        let mut reported = notebook();
        reported["status"]["readyReplicas"] = json!(1);
        assert_eq!(of(&reported, None, &[]), running);
    }

    #[test]
    fn unschedulable_says_what_is_missing() {
        let pending = pod(json!({
            "phase": "Pending",
            "conditions": [{ "type": "PodScheduled", "status": "False", "lastProbeTime": null, "lastTransitionTime": "2026-05-01T10:00:01Z", "reason": "Unschedulable", "message": INSUFFICIENT }],
            "qosClass": "Burstable",
        }));
        let expected = "Unschedulable: not enough GPU (nvidia.com/gpu) and CPU";
        let warning = is(StatusPhase::Warning, expected);
        assert_eq!(of(&notebook(), Some(&pending), &[]), warning);
        // A list may not fetch pods: the notebook controller mirrors the conditions.
        let mut mirrored = notebook();
        mirrored["status"]["conditions"] = pending["status"]["conditions"].clone();
        assert_eq!(of(&mirrored, None, &[]), warning);

        let cases = [
            (
                "0/1 nodes are available: 1 Insufficient memory.",
                "Unschedulable: not enough memory",
            ),
            (
                "0/4 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 2 Insufficient habana.ai/gaudi. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.",
                "Unschedulable: not enough CPU, memory and GPU (habana.ai/gaudi)",
            ),
            (
                "0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
                "Unschedulable: no node matches its node selector or affinity and the nodes have taints it doesn't tolerate",
            ),
            (
                "0/1 nodes are available: 1 node(s) were unschedulable.",
                "Unschedulable: 0/1 nodes are available: 1 node(s) were unschedulable.",
            ),
        ];
        for (message, expected) in cases {
            assert_eq!(unschedulable(message), expected);
        }
    }

    #[test]
    fn creating_and_pulling() {
        let creating = scheduled(waiting("ContainerCreating", "", IMAGE));
        let plain = is(StatusPhase::Waiting, "Creating the container");
        assert_eq!(of(&notebook(), Some(&creating), &[]), plain);
        let initializing = scheduled(waiting("PodInitializing", "", IMAGE));
        assert_eq!(of(&notebook(), Some(&initializing), &[]), plain);

        // Scheduled and Pulling share a second: the resourceVersion orders them.
        let mut scheduled_event = event(
            "Pod/lab-0",
            "Scheduled",
            "Successfully assigned kubeflow-user-example-com/lab-0 to node-1",
            1,
        );
        scheduled_event["metadata"]["resourceVersion"] = json!("900");
        let pulling = event(
            "Pod/lab-0",
            "Pulling",
            &format!("Pulling image \"{IMAGE}\""),
            1,
        );
        let pulling_status = is(StatusPhase::Waiting, &format!("Pulling image {IMAGE}"));
        let events = [pulling.clone(), scheduled_event];
        assert_eq!(of(&notebook(), Some(&creating), &events), pulling_status);

        let pulled = event(
            "Pod/lab-0",
            "Pulled",
            &format!(
                "Successfully pulled image \"{IMAGE}\" in 41.2s (41.2s including waiting). Image size: 1203456789 bytes."
            ),
            42,
        );
        assert_eq!(of(&notebook(), Some(&creating), &[pulling, pulled]), plain);

        let mount = event(
            "Pod/lab-0",
            "FailedMount",
            "MountVolume.SetUp failed for volume \"datasets\" : persistentvolumeclaim \"shared-datasets\" not found",
            5,
        );
        let unmounted = is(
            StatusPhase::Warning,
            "Volume can't be mounted: MountVolume.SetUp failed for volume \"datasets\" : persistentvolumeclaim \"shared-datasets\" not found",
        );
        assert_eq!(of(&notebook(), Some(&creating), &[mount]), unmounted);
    }

    #[test]
    fn images_that_cant_be_pulled() {
        let missing = scheduled(waiting("ErrImagePull", NOT_FOUND, "doesnotexist:latest"));
        let not_found = "Image can't be pulled: doesnotexist:latest (not found)";
        assert_eq!(
            of(&notebook(), Some(&missing), &[]),
            is(StatusPhase::Warning, not_found)
        );

        // Back-off messages don't repeat the cause; the kubelet's Failed event has it.
        let back_off = format!("Back-off pulling image \"{PRIVATE}\"");
        let private = scheduled(waiting("ImagePullBackOff", &back_off, PRIVATE));
        let events = [
            event("Pod/lab-0", "Failed", UNAUTHORIZED, 3),
            event("Pod/lab-0", "Failed", "Error: ErrImagePull", 3),
            event("Pod/lab-0", "BackOff", &back_off, 4),
            event("Pod/lab-0", "Failed", "Error: ImagePullBackOff", 4),
        ];
        let unauthorized = format!("Image can't be pulled: {PRIVATE} (unauthorized)");
        let expected = is(StatusPhase::Warning, &unauthorized);
        assert_eq!(of(&notebook(), Some(&private), &events), expected);
        let without_cause = format!("Image can't be pulled: {PRIVATE}");
        assert_eq!(of(&notebook(), Some(&private), &[]).message, without_cause);
        assert_eq!(
            pull_failure(DOCKER_DENIED),
            Some("not found or access denied")
        );

        // A list without pods reads the container state the notebook controller mirrors.
        let mut mirrored = notebook();
        mirrored["status"]["containerState"] =
            private["status"]["containerStatuses"][0]["state"].clone();
        let from_spec = format!("Image can't be pulled: {IMAGE}");
        assert_eq!(
            of(&mirrored, None, &[]),
            is(StatusPhase::Warning, &from_spec)
        );
    }

    #[test]
    fn invalid_image_names_and_configuration_errors_are_errors() {
        let invalid = scheduled(waiting("InvalidImageName", INVALID_NAME, "Jupyter:Latest"));
        let expected = is(StatusPhase::Error, "Invalid image name: Jupyter:Latest");
        assert_eq!(of(&notebook(), Some(&invalid), &[]), expected);
        let secret = "secret \"s3-credentials\" not found";
        let config = scheduled(waiting("CreateContainerConfigError", secret, IMAGE));
        let expected = format!("Can't configure the container: {secret}");
        assert_eq!(
            of(&notebook(), Some(&config), &[]),
            is(StatusPhase::Error, &expected)
        );
    }

    #[test]
    fn crash_loops_count_restarts_and_say_how_it_ended() {
        let crashing = |code: i64, reason: &str, restarts: u32| {
            let back_off =
                format!("back-off 5m0s restarting failed container=lab pod=lab-0_{NS}({POD_UID})");
            scheduled(container(
                IMAGE,
                json!({ "waiting": { "reason": "CrashLoopBackOff", "message": back_off } }),
                json!({ "terminated": { "exitCode": code, "reason": reason, "startedAt": "2026-05-01T10:20:00Z", "finishedAt": "2026-05-01T10:20:03Z", "containerID": "containerd://0b8f" } }),
                restarts,
            ))
        };
        let error = of(&notebook(), Some(&crashing(1, "Error", 6)), &[]);
        let expected = "Crash-looping: restarted 6 times (last exit code 1)";
        assert_eq!(error, is(StatusPhase::Warning, expected));
        let oom = of(&notebook(), Some(&crashing(137, "OOMKilled", 1)), &[]);
        let expected = "Crash-looping: restarted 1 time (last exit code 137, OOMKilled)";
        assert_eq!(oom, is(StatusPhase::Warning, expected));
    }

    #[test]
    fn exited_containers_and_failed_pods_are_errors() {
        let exited = scheduled(container(
            IMAGE,
            json!({ "terminated": { "exitCode": 2, "reason": "Error", "startedAt": "2026-05-01T10:00:40Z", "finishedAt": "2026-05-01T10:00:41Z", "containerID": "containerd://9a7c" } }),
            json!({}),
            0,
        ));
        let expected = is(StatusPhase::Error, "Container exited with code 2 (Error)");
        assert_eq!(of(&notebook(), Some(&exited), &[]), expected);
        let evicted = pod(json!({ "phase": "Failed", "reason": "Evicted", "message": EVICTED }));
        let expected = is(StatusPhase::Error, &format!("Evicted: {EVICTED}"));
        assert_eq!(of(&notebook(), Some(&evicted), &[]), expected);
    }

    #[test]
    fn without_a_pod_the_statefulsets_events_explain() {
        let quota = event("StatefulSet/lab", "FailedCreate", QUOTA, 2);
        let exceeded = "Quota exceeded: requests.cpu=1 requested, 1.5 of 2 used (quota compute)";
        assert_eq!(readable("limits.cpu", "250m"), "0.25");
        assert_eq!(readable("requests.memory", "1536Mi"), "1536Mi");
        let expected = is(StatusPhase::Warning, exceeded);
        assert_eq!(
            of(&notebook(), None, std::slice::from_ref(&quota)),
            expected
        );
        // The sandbox records the API server's answer on the Notebook itself.
        let on_notebook = event("Notebook/lab", "FailedCreate", QUOTA_SANDBOX, 2);
        let exceeded = "Quota exceeded: limits.memory=2Gi requested, 63Gi of 64Gi used; requests.nvidia.com/gpu=1 requested, 2 of 2 used (quota kf-resource-quota)";
        assert_eq!(of(&notebook(), None, &[on_notebook]).message, exceeded);

        // The newest warning wins, whatever order the caller has them in.
        let account = event("StatefulSet/lab", "FailedCreate", NO_ACCOUNT, 180);
        let cause = NO_ACCOUNT.split_once("failed error: ").unwrap().1;
        let expected = is(
            StatusPhase::Warning,
            &format!("Can't create the pod: {cause}"),
        );
        assert_eq!(of(&notebook(), None, &[account, quota.clone()]), expected);

        // Once the pod was made, an old warning is history.
        let made = event(
            "StatefulSet/lab",
            "SuccessfulCreate",
            "create Pod lab-0 in StatefulSet lab successful",
            360,
        );
        let waiting = is(StatusPhase::Waiting, "Waiting for the pod to be created");
        assert_eq!(of(&notebook(), None, &[quota.clone(), made]), waiting);

        // Events of an earlier notebook of the same name, or of other objects, don't count.
        let mut earlier = quota.clone();
        earlier["lastTimestamp"] = json!("2026-04-30T09:00:00Z");
        let mut other = quota;
        other["involvedObject"]["name"] = json!("lab2");
        assert_eq!(of(&notebook(), None, &[earlier, other]), waiting);
    }

    #[test]
    fn a_new_pod_ignores_its_predecessors_events() {
        let mut old = event("Pod/lab-0", "FailedScheduling", INSUFFICIENT, 600);
        old["involvedObject"]["uid"] = json!("an-earlier-pod");
        let creating = scheduled(waiting("ContainerCreating", "", IMAGE));
        let expected = is(StatusPhase::Waiting, "Creating the container");
        assert_eq!(of(&notebook(), Some(&creating), &[old]), expected);
    }

    #[test]
    fn events_k8s_io_shapes_and_microsecond_times() {
        let failed = |note: &str, at: &str| {
            json!({
                "metadata": { "name": at, "namespace": NS },
                "regarding": { "kind": "StatefulSet", "name": "lab", "namespace": NS },
                "reason": "FailedCreate", "type": "Warning", "note": note, "eventTime": at,
            })
        };
        let early = failed(QUOTA, "2026-05-01T10:00:05.000001Z");
        let webhook = "create Pod lab-0 in StatefulSet lab failed error: admission webhook \"poddefaults.kubeflow.org\" denied the request";
        let late = failed(webhook, "2026-05-01T10:00:05.5Z");
        let expected = "Can't create the pod: admission webhook \"poddefaults.kubeflow.org\" denied the request";
        assert_eq!(of(&notebook(), None, &[late, early]).message, expected);
        assert!(time_key("2026-05-01T10:00:05Z") < time_key("2026-05-01T10:00:05.000001Z"));
    }
}
