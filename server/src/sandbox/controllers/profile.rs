//! Profile → the namespace and everything Kubeflow's profile controller puts in it.

use super::{options, owner_reference, resource};
use crate::sandbox::store::{self, Part, Store};
use serde_json::{Value, json};

pub fn reconcile(store: &Store, name: &str) {
    let profiles = resource("kubeflow.org", "v1", "profiles");
    let Ok(profile) = store.get(profiles, "", name) else {
        return;
    };
    if profile.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let owner = profile
        .pointer("/spec/owner/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let namespaces = resource("", "v1", "namespaces");
    let namespace = json!({
        "metadata": {
            "name": name,
            "annotations": { "owner": owner },
            "labels": {
                "app.kubernetes.io/part-of": "kubeflow-profile",
                "katib.kubeflow.org/metrics-collector-injection": "enabled",
                "pipelines.kubeflow.org/enabled": "true",
                "serving.kubeflow.org/inferenceservice": "enabled",
            },
            "ownerReferences": owner_reference(&profile),
        },
        "status": { "phase": "Active" },
    });
    if !store.exists(namespaces, "", name)
        && store.create(namespaces, "", namespace, &options()).is_err()
    {
        return;
    }
    ensure(
        store,
        resource("rbac.authorization.k8s.io", "v1", "rolebindings"),
        name,
        json!({
            "metadata": {
                "name": "namespaceAdmin",
                "annotations": { "user": owner, "role": "admin" },
            },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-admin" },
            "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": owner }],
        }),
    );
    for (account, role) in [
        ("default-editor", "kubeflow-edit"),
        ("default-viewer", "kubeflow-view"),
    ] {
        ensure(
            store,
            resource("", "v1", "serviceaccounts"),
            name,
            json!({ "metadata": { "name": account } }),
        );
        ensure(
            store,
            resource("rbac.authorization.k8s.io", "v1", "rolebindings"),
            name,
            json!({
                "metadata": { "name": account },
                "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
                "subjects": [{ "kind": "ServiceAccount", "name": account, "namespace": name }],
            }),
        );
    }
    ensure(
        store,
        resource("security.istio.io", "v1", "authorizationpolicies"),
        name,
        json!({
            "metadata": { "name": "ns-owner-access-istio", "annotations": { "user": owner, "role": "admin" } },
            "spec": { "rules": [{ "when": [{ "key": "request.headers[kubeflow-userid]", "values": [owner] }] }] },
        }),
    );
    if let Some(quota) = profile
        .pointer("/spec/resourceQuotaSpec")
        .filter(|spec| spec.as_object().is_some_and(|m| !m.is_empty()))
    {
        let quotas = resource("", "v1", "resourcequotas");
        let desired = json!({ "metadata": { "name": "kf-resource-quota" }, "spec": quota });
        if store.exists(quotas, name, "kf-resource-quota") {
            let _ = store.modify(
                quotas,
                name,
                "kf-resource-quota",
                Part::Main,
                &options(),
                |current| {
                    let mut next = current.clone();
                    next["spec"] = quota.clone();
                    Ok(next)
                },
            );
        } else {
            let _ = store.create(quotas, name, desired, &options());
        }
    }
    if profile
        .pointer("/status/conditions/0/type")
        .and_then(Value::as_str)
        != Some("Ready")
    {
        let _ = store.modify(profiles, "", name, Part::Status, &options(), |current| {
            let mut next = current.clone();
            next["status"] = json!({ "conditions": [{ "type": "Ready", "status": "True", "lastTransitionTime": store::now_rfc3339() }] });
            Ok(next)
        });
    }
}

/// Creates the object unless it exists; never overwrites what a user changed.
fn ensure(
    store: &Store,
    kind: &'static crate::sandbox::registry::ResourceType,
    namespace: &str,
    object: Value,
) {
    let name = store::meta_str(&object, "name")
        .unwrap_or_default()
        .to_string();
    if !store.exists(kind, namespace, &name) {
        let _ = store.create(kind, namespace, object, &options());
    }
}
