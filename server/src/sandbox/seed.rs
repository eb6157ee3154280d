//! What a fresh sandbox holds: Kubeflow's RBAC roles, the dashboard's own permissions, and demo
//! data for the dev user: their profile, a team workspace they contribute to, and another
//! user's namespace they cannot see, with notebooks in different states, and pipelines from
//! KFP's samples with a succeeded, a failed and a running run, and Katib experiments (one
//! finished with 200 trials, one running).

pub mod katib;

use super::controllers::{self, argo, resource};
use super::kfp;
use super::store::{Store, WriteOptions};
use app::backend::contributors::binding_name;
use app::backend::tenancy::suggested_namespace;
use app::model::ContributorRole;
use serde_json::{Value, json};

const KUBEFLOW_RBAC: &str = "rbac.authorization.kubeflow.org";
/// The group KFP's API server authorizes its own resources in.
const KFP_API: &str = kfp::RBAC_GROUP;

/// The group the sandbox makes cluster admins (bound to `cluster-admin`).
pub const PLATFORM_ADMINS: &str = "platform-admins";

fn create(store: &Store, group: &str, version: &str, plural: &str, namespace: &str, object: Value) {
    let kind = resource(group, version, plural);
    let options = WriteOptions {
        field_manager: Some("kfdash-sandbox-seed".into()),
        ..WriteOptions::default()
    };
    if let Err(error) = store.create(kind, namespace, object, &options) {
        tracing::warn!(plural, namespace, message = %error.message, "a seed object was not created");
    }
}

fn cluster_role(
    store: &Store,
    name: &str,
    labels: Value,
    aggregate_from: Option<&str>,
    rules: Value,
) {
    let mut role = json!({ "metadata": { "name": name, "labels": labels }, "rules": rules });
    if let Some(label) = aggregate_from {
        role["aggregationRule"] = json!({ "clusterRoleSelectors": [{ "matchLabels": { format!("{KUBEFLOW_RBAC}/{label}"): "true" } }] });
    }
    create(
        store,
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "",
        role,
    );
}

fn cluster_role_binding(store: &Store, name: &str, role: &str, subject: Value) {
    create(
        store,
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "",
        json!({
            "metadata": { "name": name },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
            "subjects": [subject],
        }),
    );
}

fn aggregate_to(role: &str) -> Value {
    json!({ format!("{KUBEFLOW_RBAC}/aggregate-to-{role}"): "true" })
}

const READ: [&str; 3] = ["get", "list", "watch"];
const WRITE: [&str; 5] = ["create", "delete", "deletecollection", "patch", "update"];

fn roles(store: &Store) {
    // Kubeflow's three roles are empty shells that aggregate the per-component roles below.
    cluster_role(
        store,
        "kubeflow-admin",
        json!({}),
        Some("aggregate-to-kubeflow-admin"),
        json!([]),
    );
    cluster_role(
        store,
        "kubeflow-edit",
        aggregate_to("kubeflow-admin"),
        Some("aggregate-to-kubeflow-edit"),
        json!([]),
    );
    cluster_role(
        store,
        "kubeflow-view",
        aggregate_to("kubeflow-edit"),
        Some("aggregate-to-kubeflow-view"),
        json!([]),
    );
    let kinds: [(&str, &str, &[&str]); 5] = [
        (
            "kubernetes",
            "",
            &[
                "pods",
                "pods/log",
                "events",
                "persistentvolumeclaims",
                "configmaps",
                "serviceaccounts",
                "resourcequotas",
            ],
        ),
        (
            "notebooks",
            "kubeflow.org",
            &["notebooks", "notebooks/status", "poddefaults"],
        ),
        (
            "katib",
            "kubeflow.org",
            &[
                "experiments",
                "experiments/status",
                "trials",
                "trials/status",
                "suggestions",
            ],
        ),
        (
            "pipelines-crd",
            "pipelines.kubeflow.org",
            &["pipelines", "pipelineversions"],
        ),
        ("secrets", "", &["secrets"]),
    ];
    for (component, group, resources) in kinds {
        // Secrets are editable by contributors but never listed by viewers, as in Kubeflow.
        if component != "secrets" {
            cluster_role(
                store,
                &format!("kubeflow-{component}-view"),
                aggregate_to("kubeflow-view"),
                None,
                json!([
                    { "apiGroups": [group], "resources": resources, "verbs": READ }
                ]),
            );
        }
        cluster_role(
            store,
            &format!("kubeflow-{component}-edit"),
            aggregate_to("kubeflow-edit"),
            None,
            json!([
                { "apiGroups": [group], "resources": resources, "verbs": WRITE.iter().chain(READ.iter()).collect::<Vec<_>>() }
            ]),
        );
    }
    // Kubeflow Pipelines: its workflows, and what its API server asks SubjectAccessReviews about,
    // as upstream's aggregate-to-kubeflow-pipelines-view/edit grant them.
    cluster_role(
        store,
        "kubeflow-pipelines-view",
        aggregate_to("kubeflow-view"),
        None,
        json!([
            { "apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": READ },
            { "apiGroups": [KFP_API], "resources": ["pipelines", "pipelines/versions", "experiments", "runs", "jobs"], "verbs": ["get", "list"] },
        ]),
    );
    cluster_role(
        store,
        "kubeflow-pipelines-edit",
        aggregate_to("kubeflow-edit"),
        None,
        json!([
            { "apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": WRITE.iter().chain(READ.iter()).collect::<Vec<_>>() },
            { "apiGroups": [KFP_API], "resources": ["pipelines", "pipelines/versions"], "verbs": ["create", "delete", "update"] },
            { "apiGroups": [KFP_API], "resources": ["experiments"], "verbs": ["archive", "create", "delete", "unarchive"] },
            { "apiGroups": [KFP_API], "resources": ["runs"], "verbs": ["archive", "create", "delete", "retry", "terminate", "unarchive"] },
            { "apiGroups": [KFP_API], "resources": ["jobs"], "verbs": ["create", "delete", "disable", "enable"] },
        ]),
    );
    // Owners manage who else works in their namespace.
    cluster_role(
        store,
        "kubeflow-namespace-admin",
        aggregate_to("kubeflow-admin"),
        None,
        json!([
            { "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "roles"], "verbs": WRITE.iter().chain(READ.iter()).collect::<Vec<_>>() },
            { "apiGroups": ["security.istio.io"], "resources": ["authorizationpolicies"], "verbs": WRITE.iter().chain(READ.iter()).collect::<Vec<_>>() },
        ]),
    );
    // Every signed-in user may ask what they may do, and read discovery and storage classes.
    cluster_role(
        store,
        "kfdash-authenticated",
        json!({}),
        None,
        json!([
            { "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews"], "verbs": ["create"] },
            { "apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": READ },
            { "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version"], "verbs": ["get"] },
        ]),
    );
    cluster_role_binding(
        store,
        "kfdash-authenticated",
        "kfdash-authenticated",
        json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated" }),
    );
    // Cluster admins, as a real cluster grants them: Kubernetes' own cluster-admin role, bound to
    // a group an identity provider sends (kfdash never passes on `system:` groups from a header).
    cluster_role(
        store,
        "cluster-admin",
        json!({}),
        None,
        json!([
            { "apiGroups": ["*"], "resources": ["*"], "verbs": ["*"] },
            { "nonResourceURLs": ["*"], "verbs": ["*"] },
        ]),
    );
    cluster_role_binding(
        store,
        "platform-admins",
        "cluster-admin",
        json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": PLATFORM_ADMINS }),
    );
    // The dashboard: impersonate users, find which namespaces they belong to, manage
    // contributors. Exactly what deploy/ will grant on a real cluster.
    cluster_role(
        store,
        "kfdash",
        json!({}),
        None,
        json!([
            { "apiGroups": [""], "resources": ["users", "groups", "serviceaccounts"], "verbs": ["impersonate"] },
            { "apiGroups": ["kubeflow.org"], "resources": ["profiles"], "verbs": WRITE.iter().chain(READ.iter()).collect::<Vec<_>>() },
            { "apiGroups": [""], "resources": ["namespaces"], "verbs": READ },
            { "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": WRITE.iter().chain(READ.iter()).collect::<Vec<_>>() },
            { "apiGroups": ["security.istio.io"], "resources": ["authorizationpolicies"], "verbs": WRITE.iter().chain(READ.iter()).collect::<Vec<_>>() },
            { "apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"] },
        ]),
    );
    create(
        store,
        "",
        "v1",
        "namespaces",
        "",
        json!({ "metadata": { "name": "kubeflow" } }),
    );
    create(
        store,
        "",
        "v1",
        "serviceaccounts",
        "kubeflow",
        json!({ "metadata": { "name": "kfdash" } }),
    );
    // The dashboard reads its links ConfigMap in its own namespace, and nothing else there.
    create(
        store,
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "kubeflow",
        json!({
            "metadata": { "name": "kfdash-config" },
            "rules": [{ "apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"] }],
        }),
    );
    create(
        store,
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "kubeflow",
        json!({
            "metadata": { "name": "kfdash-config" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kfdash-config" },
            "subjects": [{ "kind": "ServiceAccount", "name": "kfdash", "namespace": "kubeflow" }],
        }),
    );
    cluster_role_binding(
        store,
        "kfdash",
        "kfdash",
        json!({ "kind": "ServiceAccount", "name": "kfdash", "namespace": "kubeflow" }),
    );
}

fn profile(store: &Store, name: &str, owner: &str) {
    create(
        store,
        "kubeflow.org",
        "v1",
        "profiles",
        "",
        json!({
            "metadata": { "name": name },
            "spec": {
                "owner": { "kind": "User", "name": owner },
                "resourceQuotaSpec": { "hard": { "cpu": "16", "memory": "64Gi", "requests.nvidia.com/gpu": "4", "persistentvolumeclaims": "20" } },
            },
        }),
    );
    controllers::reconcile_profile(store, name);
}

/// A contributor as Kubeflow's dashboard records one: a RoleBinding with user/role annotations
/// and an Istio AuthorizationPolicy.
fn contributor(store: &Store, namespace: &str, user: &str, role: ContributorRole) {
    let name = binding_name(user, role);
    let role = role.as_str();
    create(
        store,
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        namespace,
        json!({
            "metadata": { "name": name, "annotations": { "user": user, "role": role } },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("kubeflow-{role}") },
            "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user }],
        }),
    );
    create(
        store,
        "security.istio.io",
        "v1",
        "authorizationpolicies",
        namespace,
        json!({
            "metadata": { "name": name, "annotations": { "user": user, "role": role } },
            "spec": { "rules": [{ "when": [{ "key": "request.headers[kubeflow-userid]", "values": [user] }] }] },
        }),
    );
}

struct NotebookSeed<'a> {
    name: &'a str,
    server_type: &'a str,
    image: &'a str,
    cpu: &'a str,
    memory: &'a str,
    gpus: u32,
    stopped: bool,
}

fn notebook(store: &Store, namespace: &str, creator: &str, seed: &NotebookSeed) {
    let mut limits = json!({ "cpu": seed.cpu, "memory": seed.memory });
    if seed.gpus > 0 {
        limits["nvidia.com/gpu"] = json!(seed.gpus.to_string());
    }
    let mut annotations = json!({ "notebooks.kubeflow.org/server-type": seed.server_type, "notebooks.kubeflow.org/creator": creator });
    if seed.stopped {
        annotations["kubeflow-resource-stopped"] = json!("2026-11-01T09:00:00Z");
    }
    create(
        store,
        "",
        "v1",
        "persistentvolumeclaims",
        namespace,
        json!({
            "metadata": { "name": format!("{}-workspace", seed.name), "labels": { "app": seed.name, "kfdash.kubeflow.org/notebook": seed.name } },
            "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "10Gi" } }, "storageClassName": "standard" },
            "status": { "phase": "Bound" },
        }),
    );
    create(
        store,
        "kubeflow.org",
        "v1",
        "notebooks",
        namespace,
        json!({
            "metadata": { "name": seed.name, "labels": { "app": seed.name }, "annotations": annotations },
            "spec": { "template": { "spec": {
                "serviceAccountName": "default-editor",
                "containers": [{
                    "name": seed.name,
                    "image": seed.image,
                    "imagePullPolicy": "IfNotPresent",
                    "resources": { "requests": { "cpu": seed.cpu, "memory": seed.memory }, "limits": limits },
                    "volumeMounts": [
                        { "name": "dshm", "mountPath": "/dev/shm" },
                        { "name": format!("{}-workspace", seed.name), "mountPath": "/home/jovyan" },
                    ],
                }],
                "volumes": [
                    { "name": "dshm", "emptyDir": { "medium": "Memory" } },
                    { "name": format!("{}-workspace", seed.name), "persistentVolumeClaim": { "claimName": format!("{}-workspace", seed.name) } },
                ],
            } } },
        }),
    );
}

fn pod_default(store: &Store, namespace: &str, name: &str, description: &str, spec: Value) {
    let mut spec = spec;
    spec["desc"] = json!(description);
    spec["selector"] = json!({ "matchLabels": { name: "true" } });
    create(
        store,
        "kubeflow.org",
        "v1alpha1",
        "poddefaults",
        namespace,
        json!({ "metadata": { "name": name }, "spec": spec }),
    );
}

const JUPYTER: &str = "ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.10.0";
const VSCODE: &str = "ghcr.io/kubeflow/kubeflow/notebook-servers/codeserver-python:v1.10.0";
const PYTORCH_GPU: &str =
    "ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-pytorch-cuda-full:v1.10.0";

pub fn seed(store: &Store, dev_user: &str) {
    roles(store);
    create(
        store,
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "",
        json!({
            "metadata": { "name": "standard", "annotations": { "storageclass.kubernetes.io/is-default-class": "true" } },
            "provisioner": "sandbox.kfdash.io/hostpath",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        }),
    );

    let own = suggested_namespace(dev_user);
    profile(store, &own, dev_user);
    profile(store, "team-ml", "lead@example.com");
    contributor(store, "team-ml", dev_user, ContributorRole::Edit);
    let stranger = "other@example.com";
    profile(store, &suggested_namespace(stranger), stranger);

    for seed in [
        NotebookSeed {
            name: "scipy-explore",
            server_type: "jupyter",
            image: JUPYTER,
            cpu: "500m",
            memory: "1Gi",
            gpus: 0,
            stopped: false,
        },
        NotebookSeed {
            name: "vscode-dev",
            server_type: "group-one",
            image: VSCODE,
            cpu: "1",
            memory: "2Gi",
            gpus: 0,
            stopped: true,
        },
        NotebookSeed {
            name: "gpu-training",
            server_type: "jupyter",
            image: PYTORCH_GPU,
            cpu: "4",
            memory: "16Gi",
            gpus: 2,
            stopped: false,
        },
    ] {
        notebook(store, &own, dev_user, &seed);
    }
    notebook(
        store,
        "team-ml",
        "lead@example.com",
        &NotebookSeed {
            name: "team-analysis",
            server_type: "jupyter",
            image: JUPYTER,
            cpu: "1",
            memory: "4Gi",
            gpus: 0,
            stopped: false,
        },
    );
    notebook(
        store,
        &suggested_namespace(stranger),
        stranger,
        &NotebookSeed {
            name: "private-research",
            server_type: "jupyter",
            image: JUPYTER,
            cpu: "2",
            memory: "8Gi",
            gpus: 1,
            stopped: false,
        },
    );
    for namespace in [own.as_str(), "team-ml"] {
        pod_default(
            store,
            namespace,
            "access-ml-pipeline",
            "Allow access to Kubeflow Pipelines",
            json!({
                "volumes": [{ "name": "volume-kf-pipeline-token", "projected": { "sources": [{ "serviceAccountToken": { "path": "token", "expirationSeconds": 7200, "audience": "pipelines.kubeflow.org" } }] } }],
                "volumeMounts": [{ "mountPath": "/var/run/secrets/kubeflow/pipelines", "name": "volume-kf-pipeline-token", "readOnly": true }],
                "env": [{ "name": "KF_PIPELINES_SA_TOKEN_PATH", "value": "/var/run/secrets/kubeflow/pipelines/token" }],
            }),
        );
    }
    pipelines(store, &own, &["team-ml", &suggested_namespace(stranger)]);
    pod_default(
        store,
        &own,
        "gpu-toleration",
        "Schedule on GPU nodes",
        json!({
            "tolerations": [{ "key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule" }],
        }),
    );
    katib::seed(store, &own);
}

/// KFP's sample pipelines, as the dashboard's demo uploads them: (file, contents, shared).
const SEED_PIPELINES: [(&str, &[u8], bool); 4] = [
    (
        "hello_world.yaml",
        include_bytes!("seed/pipelines/hello_world.yaml"),
        true,
    ),
    (
        "pipeline_with_condition.yaml",
        include_bytes!("seed/pipelines/pipeline_with_condition.yaml"),
        true,
    ),
    (
        "parallel_for_after_dependency.yaml",
        include_bytes!("seed/pipelines/parallel_for_after_dependency.yaml"),
        true,
    ),
    (
        "pipeline_in_pipeline_complex.yaml",
        include_bytes!("seed/pipelines/pipeline_in_pipeline_complex.yaml"),
        false,
    ),
];

/// Uploads the sample pipelines (shared, and one in the dev user's namespace), a "Default"
/// experiment per profile, and runs in the dev user's: one that succeeded and one that failed
/// an hour or two ago, and one the Argo controller runs once the sandbox starts.
fn pipelines(store: &Store, own: &str, others: &[&str]) {
    let mut uploaded = Vec::new();
    for (file, bytes, shared) in SEED_PIPELINES {
        let namespace = if shared { "" } else { own };
        let name = file.trim_end_matches(".yaml");
        let stored = kfp::read_pipeline_file(file, bytes)
            .map_err(kfp::KfpError::invalid)
            .and_then(|parsed| {
                let description = parsed.graph.description.clone().unwrap_or_default();
                let pipeline = kfp::store_pipeline(store, namespace, name, name, &description)?;
                let version =
                    kfp::store_version(store, &pipeline, name, name, &description, &parsed)?;
                Ok((pipeline, version))
            });
        match stored {
            Ok(stored) => uploaded.push(stored),
            Err(error) => {
                tracing::warn!(file, message = %error.message, "a seed pipeline was not stored")
            }
        }
    }
    let mut default_experiment = None;
    for namespace in std::iter::once(own).chain(others.iter().copied()) {
        match kfp::store_experiment(
            store,
            namespace,
            "Default",
            "All runs created without specifying an experiment are grouped here.",
        ) {
            Ok(experiment) if namespace == own => default_experiment = Some(experiment),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(namespace, message = %error.message, "a seed experiment was not stored")
            }
        }
    }
    let (Some(experiment), [_, condition, parallel_for, nested]) =
        (default_experiment, uploaded.as_slice())
    else {
        return;
    };
    let now = jiff::Timestamp::now();
    let ago = |minutes: i64| {
        now.checked_sub(jiff::SignedDuration::from_mins(minutes))
            .unwrap_or(now)
    };
    let runs = [
        (
            "Coin flip",
            condition,
            serde_json::Map::new(),
            Some(ago(125)),
        ),
        (
            "Fan-out after a loop",
            parallel_for,
            json!({ argo::FAIL_STEP_PARAMETER: "print-op-2" })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            Some(ago(62)),
        ),
        (
            "Nested loops and conditions",
            nested,
            serde_json::Map::new(),
            None,
        ),
    ];
    let format = |at: jiff::Timestamp| at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    for (display_name, (pipeline, version), parameters, finished_since) in runs {
        let request = kfp::RunRequest {
            display_name,
            description: "",
            experiment: &experiment,
            pipeline,
            version,
            parameters,
            created_at: finished_since.map(format),
        };
        match kfp::start_run(store, &request) {
            Ok(run) => {
                if let Some(start) = finished_since {
                    let workflow = run
                        .pointer("/spec/workflowName")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    argo::run_to_end(store, own, workflow, start, 3);
                }
            }
            Err(error) => {
                tracing::warn!(display_name, message = %error.message, "a seed run was not started")
            }
        }
    }
}
