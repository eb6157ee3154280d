//! Simulated controllers, like kwok: small, deterministic reconcilers that do what Kubeflow's
//! and Kubernetes' controllers would, so objects created through the sandbox come alive.
//!
//! Each reconciler is level-based: an event only says *which* object to look at; the
//! reconciler reads the current state and converges it. After a restart every object is
//! reconciled once, so nothing depends on having seen an event.
//!
//! - Profile → Namespace, owner RoleBinding, default-editor/viewer ServiceAccounts, quota.
//! - Notebook → Pod `<name>-0` going Pending → ContainerCreating → Running (or staying
//!   Pending when unschedulable, or in ImagePullBackOff for a missing image); no pod while the
//!   notebook is stopped, nor while a ResourceQuota refuses it.
//! - ResourceQuota → admission of the notebooks' pods and `status.used`, as the API server's
//!   quota admission and the quota controller keep them.
//! - Argo Workflow → its steps' nodes and pods, advancing one pace at a time.
//! - Katib Experiment → its Suggestion and Trials, each trial a pod reporting metrics a pace
//!   at a time, until the experiment finishes as Katib's controller would finish it.

pub(crate) mod argo;
pub mod katib;
mod notebook;
mod profile;
mod quota;

/// The log of a simulated pod: a workflow step's, a Katib trial's, or a notebook server's.
pub fn pod_log(pod: &Value) -> String {
    if pod
        .pointer("/metadata/labels/workflows.argoproj.io~1workflow")
        .is_some()
    {
        argo::pod_log(pod)
    } else if katib::is_trial_pod(pod) {
        katib::pod_log(pod)
    } else {
        notebook::pod_log(pod)
    }
}

use super::registry::{self, ResourceType};
use super::store::{self, Part, Store, WriteOptions};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Runs the profile reconciler once, synchronously: the seed needs namespaces before it can
/// put notebooks in them.
pub fn reconcile_profile(store: &Store, name: &str) {
    profile::reconcile(store, name);
}

/// Field manager of every controller write, as it shows in managedFields.
pub const MANAGER: &str = "kfdash-sandbox-controller";

/// How long the simulated pod spends in each phase before the next.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub step: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            step: Duration::from_millis(1500),
        }
    }
}

pub(crate) fn resource(group: &str, version: &str, plural: &str) -> &'static ResourceType {
    registry::find(group, version, plural).expect("controllers only touch served kinds")
}

/// Writes `status` into the object's status subresource as the controllers' field manager.
/// An unchanged status is a no-op in the store, so callers need not compare first.
pub(crate) fn write_status(
    store: &Store,
    kind: &'static ResourceType,
    namespace: &str,
    name: &str,
    status: Value,
) -> Result<Value, crate::sandbox::status::ApiError> {
    store.modify(kind, namespace, name, Part::Status, &options(), |current| {
        let mut next = current.clone();
        next["status"] = status;
        Ok(next)
    })
}

pub(crate) fn options() -> WriteOptions {
    WriteOptions {
        field_manager: Some(MANAGER.into()),
        operation: "Update",
        ..WriteOptions::default()
    }
}

/// Starts the controllers on `store`, simulating one node with `node_gpus` GPUs of each kind;
/// they run until the runtime stops.
pub fn spawn(
    store: Arc<Store>,
    pace: Pace,
    node_gpus: u32,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    // Subscribe before the resync so no event between the two is missed.
    let mut live = store
        .subscribe(None)
        .expect("subscribing without a revision cannot fail")
        .live;
    let controllers = Arc::new(Controllers {
        store: store.clone(),
        pace,
        node_gpus,
        timers: Default::default(),
    });
    controllers.resync();
    tokio::spawn(async move {
        loop {
            let received = tokio::select! {
                received = live.recv() => received,
                _ = stopped.changed() => return,
            };
            match received {
                Ok(event) => controllers.on_event(&event),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => controllers.resync(),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

pub(crate) struct Controllers {
    pub(crate) store: Arc<Store>,
    pub(crate) pace: Pace,
    /// GPUs of each kind the simulated node has.
    pub(crate) node_gpus: u32,
    /// Pods (by uid) whose next phase is already scheduled.
    pub(crate) timers: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Controllers {
    /// Runs `step(controllers, namespace, name, uid)` for `object` one pace from now, once:
    /// while a step is scheduled for its uid, asking again does nothing. The timer is cleared
    /// just before the step runs, so the changes the step writes can schedule the next one.
    pub(crate) fn after_a_pace<F>(self: &Arc<Self>, object: &Value, step: F)
    where
        F: FnOnce(&Arc<Self>, &str, &str, &str) + Send + 'static,
    {
        let Some(uid) = store::meta_str(object, "uid").map(str::to_owned) else {
            return;
        };
        let timers = || self.timers.lock().unwrap_or_else(|p| p.into_inner());
        if !timers().insert(uid.clone()) {
            return;
        }
        let controllers = self.clone();
        let namespace = store::meta_str(object, "namespace")
            .unwrap_or_default()
            .to_string();
        let name = store::meta_str(object, "name")
            .unwrap_or_default()
            .to_string();
        tokio::spawn(async move {
            tokio::time::sleep(controllers.pace.step).await;
            controllers
                .timers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&uid);
            step(&controllers, &namespace, &name, &uid);
        });
    }

    fn resync(self: &Arc<Self>) {
        for profile in self
            .store
            .list(
                resource("kubeflow.org", "v1", "profiles"),
                None,
                &|_| true,
                None,
                None,
            )
            .items
        {
            profile::reconcile(
                &self.store,
                store::meta_str(&profile, "name").unwrap_or_default(),
            );
        }
        for notebook in self
            .store
            .list(
                resource("kubeflow.org", "v1", "notebooks"),
                None,
                &|_| true,
                None,
                None,
            )
            .items
        {
            let namespace = store::meta_str(&notebook, "namespace").unwrap_or_default();
            notebook::reconcile(
                self,
                namespace,
                store::meta_str(&notebook, "name").unwrap_or_default(),
            );
        }
        let namespaces: std::collections::BTreeSet<String> = self
            .store
            .list(
                resource("", "v1", "resourcequotas"),
                None,
                &|_| true,
                None,
                None,
            )
            .items
            .iter()
            .filter_map(|quota| store::meta_str(quota, "namespace").map(str::to_owned))
            .collect();
        for namespace in namespaces {
            quota::count_usage(&self.store, &namespace);
        }
        for workflow in self
            .store
            .list(argo::workflows(), None, &|_| true, None, None)
            .items
        {
            let namespace = store::meta_str(&workflow, "namespace").unwrap_or_default();
            argo::reconcile(
                self,
                namespace,
                store::meta_str(&workflow, "name").unwrap_or_default(),
            );
        }
        katib::resync(self);
    }

    /// Every notebook of a namespace: what a quota refused may fit now.
    fn reconcile_notebooks(self: &Arc<Self>, namespace: &str) {
        for notebook in self
            .store
            .list(
                resource("kubeflow.org", "v1", "notebooks"),
                Some(namespace),
                &|_| true,
                None,
                None,
            )
            .items
        {
            notebook::reconcile(
                self,
                namespace,
                store::meta_str(&notebook, "name").unwrap_or_default(),
            );
        }
    }

    fn on_event(self: &Arc<Self>, event: &store::Event) {
        let name = store::meta_str(&event.object, "name").unwrap_or_default();
        let namespace = store::meta_str(&event.object, "namespace").unwrap_or_default();
        match (event.resource.group, event.resource.plural) {
            ("kubeflow.org", "profiles") => profile::reconcile(&self.store, name),
            ("kubeflow.org", "notebooks") => notebook::reconcile(self, namespace, name),
            ("argoproj.io", "workflows") => argo::reconcile(self, namespace, name),
            ("kubeflow.org", "experiments") => katib::reconcile_experiment(self, namespace, name),
            ("kubeflow.org", "trials") => katib::reconcile_trial(self, &event.object),
            // A suggestion is named after its experiment, which watches it (a grid running out).
            ("kubeflow.org", "suggestions") => katib::reconcile_experiment(self, namespace, name),
            ("", "pods") => {
                if let Some(notebook) = event
                    .object
                    .pointer("/metadata/labels/notebook-name")
                    .and_then(Value::as_str)
                {
                    notebook::reconcile(self, namespace, notebook);
                }
                quota::count_usage(&self.store, namespace);
            }
            ("", "persistentvolumeclaims") => quota::count_usage(&self.store, namespace),
            // A quota raised, added or removed, or its usage fallen: refused pods may fit now.
            // The usage write this makes comes back here once and changes nothing more.
            ("", "resourcequotas") => {
                quota::count_usage(&self.store, namespace);
                self.reconcile_notebooks(namespace);
            }
            _ => {}
        }
    }
}

/// Records a core/v1 Event about `object`, as kubectl describe and the UI show them.
pub(crate) fn record_event(
    store: &Store,
    object: &Value,
    kind: &str,
    event_type: &str,
    reason: &str,
    message: &str,
) {
    let namespace = store::meta_str(object, "namespace").unwrap_or("default");
    let name = store::meta_str(object, "name").unwrap_or_default();
    let uid = store::meta_str(object, "uid");
    let now = store::now_rfc3339();
    let events = resource("", "v1", "events");
    // The same event again only counts up, as the API server's event correlator does, so a
    // retried failure doesn't flood the namespace.
    let same = |event: &Value| {
        event["involvedObject"]["name"] == name
            && event["involvedObject"]["uid"].as_str() == uid
            && event["reason"] == reason
            && event["type"] == event_type
            && event["message"] == message
    };
    if let Some(known) = store
        .list(events, Some(namespace), &same, Some(1), None)
        .items
        .first()
    {
        let known = store::meta_str(known, "name").unwrap_or_default();
        let _ = store.modify(
            events,
            namespace,
            known,
            Part::Main,
            &options(),
            |current| {
                let mut next = current.clone();
                next["count"] = json!(current["count"].as_u64().unwrap_or(1) + 1);
                next["lastTimestamp"] = json!(now);
                Ok(next)
            },
        );
        return;
    }
    let event = json!({
        "metadata": { "generateName": format!("{name}.") },
        "involvedObject": {
            "kind": kind,
            "name": name,
            "namespace": namespace,
            "uid": store::meta_str(object, "uid"),
            "apiVersion": object.get("apiVersion"),
        },
        "reason": reason,
        "message": message,
        "type": event_type,
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "source": { "component": MANAGER },
    });
    // An event that cannot be recorded (namespace going away) is not worth failing over.
    let _ = store.create(events, namespace, event, &options());
}

/// An ownerReference to `owner`, so deleting it cascades.
pub(crate) fn owner_reference(owner: &Value) -> Value {
    json!([{
        "apiVersion": owner.get("apiVersion"),
        "kind": owner.get("kind"),
        "name": store::meta_str(owner, "name"),
        "uid": store::meta_str(owner, "uid"),
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}
