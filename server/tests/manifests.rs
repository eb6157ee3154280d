//! The deployment under `deploy/`, rendered by `kubectl kustomize` as `kubectl apply -k` would
//! render it, and checked: every object parses strictly; the roles grant only what the table
//! below explains, and that is enough for the dashboard's real calls (run on the sandbox); the
//! pod is hardened; its configuration is accepted by the real `Cli`; the Istio objects route
//! and guard it; the Dockerfile uses setup's tools; README's config reference is current.

use app::backend::{Cluster, SignedInUser};
use clap::CommandFactory;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use server::config::{Auth, Cli, ConfigError, Settings};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    let path = repo().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// How an overlay signs users in; base sets none on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignIn {
    Unset,
    Header,
    Iap,
}

const KUSTOMIZATIONS: [(&str, SignIn); 3] = [
    ("base", SignIn::Unset),
    ("overlays/header", SignIn::Header),
    ("overlays/iap", SignIn::Iap),
];

const NAMESPACE: &str = "kubeflow";
const SERVICE_ACCOUNT: &str = "kfdash";
const GATEWAY: &str = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";
const IAP_HEADER: &str = "x-goog-iap-jwt-assertion";

/// Every kustomization, rendered once for all tests.
fn renders() -> &'static BTreeMap<&'static str, Vec<Value>> {
    static RENDERS: OnceLock<BTreeMap<&'static str, Vec<Value>>> = OnceLock::new();
    RENDERS.get_or_init(|| {
        KUSTOMIZATIONS
            .iter()
            .map(|(dir, _)| (*dir, render(dir)))
            .collect()
    })
}

fn render(dir: &str) -> Vec<Value> {
    let path = repo().join("deploy").join(dir);
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(&path)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run `kubectl kustomize {}`: {error}. These tests render deploy/ as an \
                 operator's `kubectl apply -k` does: install kubectl 1.27 or newer and put it on PATH",
                path.display()
            )
        });
    assert!(
        output.status.success(),
        "kubectl kustomize {} failed:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("kustomize writes UTF-8");
    let documents: Vec<Value> = serde_saphyr::from_multiple(&text)
        .unwrap_or_else(|error| panic!("deploy/{dir} renders YAML that does not parse: {error}"));
    documents.into_iter().filter(|doc| !doc.is_null()).collect()
}

fn kind_of(object: &Value) -> &str {
    object["kind"].as_str().unwrap_or_default()
}

fn name_of(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

fn id(object: &Value) -> String {
    format!("{}/{}", kind_of(object), name_of(object))
}

fn of_kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| kind_of(o) == kind).collect()
}

fn only<'a>(objects: &'a [Value], kind: &str, dir: &str) -> &'a Value {
    match of_kind(objects, kind).as_slice() {
        [one] => one,
        many => panic!("deploy/{dir}: expected one {kind}, found {}", many.len()),
    }
}

fn typed<K: DeserializeOwned>(object: &Value) -> K {
    serde_json::from_value(object.clone()).unwrap_or_else(|error| panic!("{}: {error}", id(object)))
}

// ---------------------------------------------------------------------------------------------
// Every object parses, strictly

/// Fields of `original` that did not survive a typed round trip: unknown to the schema, so
/// most likely misspelt (the API server would drop or refuse them).
fn unknown_fields(original: &Value, round_trip: &Value, path: &str, found: &mut Vec<String>) {
    match (original, round_trip) {
        (Value::Object(fields), Value::Object(kept)) => {
            for (key, value) in fields {
                match kept.get(key) {
                    Some(back) => unknown_fields(value, back, &format!("{path}.{key}"), found),
                    None => found.push(format!("{path}.{key}")),
                }
            }
        }
        (Value::Array(items), Value::Array(kept)) => {
            for (index, (value, back)) in items.iter().zip(kept).enumerate() {
                unknown_fields(value, back, &format!("{path}[{index}]"), found);
            }
        }
        _ => {}
    }
}

fn strictly<K: DeserializeOwned + serde::Serialize>(object: &Value) -> Result<(), String> {
    let parsed: K = serde_json::from_value(object.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&parsed).map_err(|e| e.to_string())?;
    let mut unknown = Vec::new();
    unknown_fields(object, &back, "", &mut unknown);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!("fields the schema does not know: {unknown:?}"))
    }
}

// The Istio kinds kfdash ships, modelled as far as it uses them. Unknown fields are refused:
// a typo would otherwise only show when the API server rejects the apply.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Istio<Spec> {
    #[allow(dead_code)]
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: ObjectMeta,
    spec: Spec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WorkloadSelector {
    match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VirtualServiceSpec {
    gateways: Vec<String>,
    hosts: Vec<String>,
    http: Vec<HttpRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpRoute {
    #[serde(rename = "match")]
    matches: Vec<HttpMatch>,
    route: Vec<RouteDestination>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpMatch {
    uri: UriMatch,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UriMatch {
    prefix: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteDestination {
    destination: Destination,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Destination {
    host: String,
    port: PortSelector,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortSelector {
    number: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizationPolicySpec {
    selector: WorkloadSelector,
    action: String,
    rules: Vec<PolicyRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyRule {
    from: Vec<PolicyFrom>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFrom {
    source: PolicySource,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySource {
    principals: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerAuthenticationSpec {
    selector: WorkloadSelector,
    mtls: Mtls,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mtls {
    mode: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RequestAuthenticationSpec {
    selector: WorkloadSelector,
    jwt_rules: Vec<JwtRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct JwtRule {
    issuer: String,
    jwks_uri: String,
    audiences: Vec<String>,
    from_headers: Vec<JwtHeader>,
    forward_original_token: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JwtHeader {
    name: String,
}

fn istio<Spec: DeserializeOwned>(object: &Value) -> Result<Istio<Spec>, String> {
    serde_json::from_value(object.clone()).map_err(|error| error.to_string())
}

/// The objects a kustomization may render, each checked against its schema.
fn check_schema(object: &Value) -> Result<(), String> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    match (api_version, kind_of(object)) {
        ("v1", "ServiceAccount") => strictly::<ServiceAccount>(object),
        ("v1", "Service") => strictly::<Service>(object),
        ("v1", "ConfigMap") => strictly::<ConfigMap>(object),
        ("apps/v1", "Deployment") => strictly::<Deployment>(object),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => strictly::<ClusterRole>(object),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            strictly::<ClusterRoleBinding>(object)
        }
        ("rbac.authorization.k8s.io/v1", "Role") => strictly::<Role>(object),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => strictly::<RoleBinding>(object),
        // v1beta1: served by every Istio Kubeflow has shipped since 1.4, v1 only since 1.22.
        ("networking.istio.io/v1beta1", "VirtualService") => {
            istio::<VirtualServiceSpec>(object).map(drop)
        }
        ("security.istio.io/v1beta1", "AuthorizationPolicy") => {
            istio::<AuthorizationPolicySpec>(object).map(drop)
        }
        ("security.istio.io/v1beta1", "PeerAuthentication") => {
            istio::<PeerAuthenticationSpec>(object).map(drop)
        }
        ("security.istio.io/v1beta1", "RequestAuthentication") => {
            istio::<RequestAuthenticationSpec>(object).map(drop)
        }
        (api_version, kind) => Err(format!(
            "{api_version} {kind} is not a kind these tests check; add it to check_schema"
        )),
    }
}

const CLUSTER_SCOPED: [&str; 2] = ["ClusterRole", "ClusterRoleBinding"];

#[test]
fn every_object_parses_strictly_and_lives_in_kubeflow() {
    for (dir, objects) in renders() {
        assert!(!objects.is_empty(), "deploy/{dir} renders nothing");
        let mut seen = BTreeSet::new();
        for object in objects {
            assert!(
                object["apiVersion"].as_str().is_some_and(|v| !v.is_empty())
                    && !kind_of(object).is_empty()
                    && !name_of(object).is_empty(),
                "deploy/{dir}: an object without apiVersion, kind or metadata.name: {object}"
            );
            if let Err(problem) = check_schema(object) {
                panic!("deploy/{dir}: {}: {problem}", id(object));
            }
            let namespace = object["metadata"]["namespace"].as_str();
            if CLUSTER_SCOPED.contains(&kind_of(object)) {
                assert_eq!(namespace, None, "deploy/{dir}: {}", id(object));
            } else {
                assert_eq!(namespace, Some(NAMESPACE), "deploy/{dir}: {}", id(object));
            }
            assert!(
                seen.insert(id(object)),
                "deploy/{dir}: {} twice",
                id(object)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// RBAC: nothing dangerous, nothing unexplained, and enough

/// Where a role's rules apply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RoleRef {
    kind: String,
    namespace: String,
    name: String,
}

/// One verb on one resource, as granted by a role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Permission {
    role: RoleRef,
    api_group: String,
    resource: String,
    verb: String,
    names: Vec<String>,
}

/// Which overlays a grant is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum In {
    All,
    HeaderOnly,
}

/// Why each permission exists. The manifests must grant exactly these; a new one needs a row
/// here that a reviewer can check against the code it names.
struct Grant {
    role: (&'static str, &'static str, &'static str),
    api_group: &'static str,
    resource: &'static str,
    verbs: &'static [&'static str],
    names: &'static [&'static str],
    granted: In,
    #[allow(dead_code)]
    why: &'static str,
}

const DASHBOARD: (&str, &str, &str) = ("ClusterRole", "", "kfdash");
const CONFIG_ROLE: (&str, &str, &str) = ("Role", NAMESPACE, "kfdash-config");
/// Aggregated into Kubeflow's kubeflow-admin: namespace owners, not kfdash, hold it.
const OWNERS: (&str, &str, &str) = ("ClusterRole", "", "kfdash-kubeflow-admin-policies");

const GRANTS: &[Grant] = &[
    Grant {
        role: DASHBOARD,
        api_group: "",
        resource: "users",
        verbs: &["impersonate"],
        names: &[],
        granted: In::All,
        why: "every call made for a signed-in user impersonates them (server/src/cluster.rs, as_user)",
    },
    Grant {
        role: DASHBOARD,
        api_group: "",
        resource: "groups",
        verbs: &["impersonate"],
        names: &[],
        granted: In::HeaderOnly,
        why: "--auth header passes the groups of kubeflow-groups on (Impersonate-Group); IAP's token has none",
    },
    Grant {
        role: DASHBOARD,
        api_group: "kubeflow.org",
        resource: "profiles",
        verbs: &["get"],
        names: &[],
        granted: In::All,
        why: "who owns a namespace, before its contributors are shown or changed (contributors.rs, require_owner)",
    },
    Grant {
        role: DASHBOARD,
        api_group: "kubeflow.org",
        resource: "profiles",
        verbs: &["list"],
        names: &[],
        granted: In::All,
        why: "the namespaces a user owns (tenancy.rs, workspaces) and one profile per user (register)",
    },
    Grant {
        role: DASHBOARD,
        api_group: "kubeflow.org",
        resource: "profiles",
        verbs: &["create"],
        names: &[],
        granted: In::All,
        why: "a new user's own Profile (tenancy.rs, register), while REGISTRATION_FLOW is true",
    },
    Grant {
        role: DASHBOARD,
        api_group: "rbac.authorization.k8s.io",
        resource: "rolebindings",
        verbs: &["list"],
        names: &[],
        granted: In::All,
        why: "the namespaces a user contributes to: Kubeflow's annotated RoleBindings (tenancy.rs, workspaces)",
    },
    Grant {
        role: DASHBOARD,
        api_group: "",
        resource: "namespaces",
        verbs: &["get"],
        names: &[],
        granted: In::All,
        why: "registration refuses a namespace name that is taken (tenancy.rs, register)",
    },
    Grant {
        role: DASHBOARD,
        api_group: "storage.k8s.io",
        resource: "storageclasses",
        verbs: &["list"],
        names: &[],
        granted: In::All,
        why: "the spawner's storage classes and the default one (notebooks.rs, spawner_data)",
    },
    Grant {
        role: CONFIG_ROLE,
        api_group: "",
        resource: "configmaps",
        verbs: &["get"],
        names: &["centraldashboard-config", "jupyter-web-app-config"],
        granted: In::All,
        why: "the links and the spawner config named by KFDASH_LINKS_CONFIGMAP / KFDASH_SPAWNER_CONFIGMAP (reloading.rs)",
    },
    Grant {
        role: OWNERS,
        api_group: "security.istio.io",
        resource: "authorizationpolicies",
        verbs: &["create", "delete"],
        names: &[],
        granted: In::All,
        why: "owners add and remove contributors as themselves (contributors.rs add/remove); Kubeflow's roles \
              give them RoleBindings but not Istio's security policies",
    },
];

fn role_ref((kind, namespace, name): (&str, &str, &str)) -> RoleRef {
    RoleRef {
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn table_for(sign_in: SignIn) -> BTreeSet<Permission> {
    GRANTS
        .iter()
        .filter(|grant| grant.granted == In::All || sign_in == SignIn::Header)
        .flat_map(|grant| {
            grant.verbs.iter().map(|verb| Permission {
                role: role_ref(grant.role),
                api_group: grant.api_group.into(),
                resource: grant.resource.into(),
                verb: (*verb).into(),
                names: grant.names.iter().map(|n| n.to_string()).collect(),
            })
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn granted(objects: &[Value]) -> BTreeSet<Permission> {
    let mut permissions = BTreeSet::new();
    for role in objects
        .iter()
        .filter(|o| matches!(kind_of(o), "ClusterRole" | "Role"))
    {
        let role_ref = RoleRef {
            kind: kind_of(role).into(),
            namespace: role["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .into(),
            name: name_of(role).into(),
        };
        for rule in role["rules"].as_array().into_iter().flatten() {
            let mut names = strings(&rule["resourceNames"]);
            names.sort();
            for group in strings(&rule["apiGroups"]) {
                for resource in strings(&rule["resources"]) {
                    for verb in strings(&rule["verbs"]) {
                        permissions.insert(Permission {
                            role: role_ref.clone(),
                            api_group: group.clone(),
                            resource: resource.clone(),
                            verb,
                            names: names.clone(),
                        });
                    }
                }
            }
        }
    }
    permissions
}

#[test]
fn roles_grant_no_secrets_no_wildcards_and_no_escalation() {
    for (dir, objects) in renders() {
        for role in objects
            .iter()
            .filter(|o| matches!(kind_of(o), "ClusterRole" | "Role"))
        {
            let role_id = id(role);
            assert!(
                role.get("aggregationRule").is_none(),
                "deploy/{dir}: {role_id} aggregates other roles: what it grants could grow unseen"
            );
            for rule in role["rules"].as_array().into_iter().flatten() {
                assert!(
                    rule.get("nonResourceURLs").is_none(),
                    "deploy/{dir}: {role_id} grants non-resource URLs: {rule}"
                );
                for field in ["apiGroups", "resources", "verbs", "resourceNames"] {
                    assert!(
                        !strings(&rule[field]).iter().any(|v| v.contains('*')),
                        "deploy/{dir}: {role_id} has a wildcard in {field}: {rule}"
                    );
                }
                let resources = strings(&rule["resources"]);
                let verbs = strings(&rule["verbs"]);
                assert!(
                    !resources
                        .iter()
                        .any(|r| r.split('/').next() == Some("secrets")),
                    "deploy/{dir}: {role_id} grants access to secrets: {rule}"
                );
                for dangerous in ["escalate", "bind"] {
                    assert!(
                        !verbs.iter().any(|v| v == dangerous),
                        "deploy/{dir}: {role_id} grants {dangerous}: {rule}"
                    );
                }
                if verbs.iter().any(|v| v == "impersonate") {
                    assert!(
                        resources.iter().all(|r| r == "users" || r == "groups"),
                        "deploy/{dir}: {role_id} may impersonate more than users and groups \
                         (service accounts, extras or uids are never needed): {rule}"
                    );
                }
            }
        }
        for binding in objects
            .iter()
            .filter(|o| matches!(kind_of(o), "ClusterRoleBinding" | "RoleBinding"))
        {
            let role_kind = binding["roleRef"]["kind"].as_str().unwrap_or_default();
            let role_name = binding["roleRef"]["name"].as_str().unwrap_or_default();
            assert!(
                objects
                    .iter()
                    .any(|o| kind_of(o) == role_kind && name_of(o) == role_name),
                "deploy/{dir}: {} binds {role_kind}/{role_name}, which the manifests don't define \
                 (binding a built-in role such as cluster-admin grants far more than kfdash needs)",
                id(binding)
            );
            assert_ne!(
                role_name,
                OWNERS.2,
                "deploy/{dir}: {} binds {}, which only kubeflow-admin aggregates",
                id(binding),
                OWNERS.2
            );
            assert_eq!(
                binding["subjects"],
                json!([{ "kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE }]),
                "deploy/{dir}: {} binds someone other than kfdash's service account",
                id(binding)
            );
        }
        let owners = objects
            .iter()
            .find(|o| kind_of(o) == OWNERS.0 && name_of(o) == OWNERS.2)
            .unwrap_or_else(|| panic!("deploy/{dir}: no {}", OWNERS.2));
        assert_eq!(
            owners["metadata"]["labels"]["rbac.authorization.kubeflow.org/aggregate-to-kubeflow-admin"],
            "true",
            "deploy/{dir}: {} must be aggregated into kubeflow-admin (namespace owners)",
            OWNERS.2
        );
    }
}

#[test]
fn every_permission_granted_is_in_the_table_and_every_row_is_granted() {
    for (dir, sign_in) in KUSTOMIZATIONS {
        let granted = granted(&renders()[dir]);
        let table = table_for(sign_in);
        let unexplained: Vec<_> = granted.difference(&table).collect();
        let missing: Vec<_> = table.difference(&granted).collect();
        assert!(
            unexplained.is_empty(),
            "deploy/{dir} grants permissions the table in tests/manifests.rs does not explain; \
             remove them or add a row that says which call needs them: {unexplained:#?}"
        );
        assert!(
            missing.is_empty(),
            "deploy/{dir} does not grant permissions the table says kfdash needs: {missing:#?}"
        );
    }
}

/// Files whose code calls the cluster as the dashboard itself, and how often. Each such call
/// needs a grant above; a new one must be checked against the table before this is updated.
const DASHBOARD_CALL_SITES: &[(&str, usize)] = &[
    // profiles get
    ("app/src/backend/contributors.rs", 1),
    // storageclasses list
    ("app/src/backend/notebooks.rs", 1),
    // configmaps get
    ("app/src/backend/reloading.rs", 1),
    // profiles list + rolebindings list; profiles list/create + namespaces get
    ("app/src/backend/tenancy.rs", 2),
    // /readyz: the API server's /version, which every identity may read
    ("server/src/router.rs", 1),
];

fn rust_files(dir: &Path, skip: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.starts_with(skip) {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, skip, files);
        } else if path.extension() == Some(OsStr::new("rs")) {
            files.push(path);
        }
    }
}

#[test]
fn calls_made_as_the_dashboard_are_the_ones_the_table_covers() {
    let root = repo().canonicalize().unwrap();
    let mut files = Vec::new();
    for dir in ["app/src", "server/src"] {
        // The sandbox is the cluster, not a caller of it.
        rust_files(
            &root.join(dir),
            &root.join("server/src/sandbox"),
            &mut files,
        );
    }
    let found: BTreeMap<String, usize> = files
        .iter()
        .filter_map(|path| {
            let count = std::fs::read_to_string(path)
                .unwrap()
                .matches("as_dashboard()")
                .count();
            let relative = path.strip_prefix(&root).unwrap().to_string_lossy();
            (count > 0).then(|| (relative.replace('\\', "/"), count))
        })
        .collect();
    let expected: BTreeMap<String, usize> = DASHBOARD_CALL_SITES
        .iter()
        .map(|(file, count)| (file.to_string(), *count))
        .collect();
    assert_eq!(
        found, expected,
        "calls made with the dashboard's own identity (as_dashboard()) changed. Each needs a grant \
         in deploy/base/rbac.yaml, explained in GRANTS; check both, then update DASHBOARD_CALL_SITES \
         in server/tests/manifests.rs"
    );
}

const OWNER: &str = "user@example.com";
const OWN_NS: &str = "kubeflow-user-example-com";

/// The sandbox with the RBAC of `dir` in place of its own grants to kfdash's service account
/// (the same identity, system:serviceaccount:kubeflow:kfdash), and the links ConfigMap.
async fn sandbox_with_rbac_of(dir: &str) -> (tempfile::TempDir, Arc<server::sandbox::Sandbox>) {
    let data = tempfile::tempdir().unwrap();
    let sandbox =
        server::sandbox::Sandbox::start(server::sandbox::SandboxOptions::new(data.path(), OWNER))
            .await
            .unwrap();
    let admin = sandbox.admin_client();
    let cluster_roles = Api::<ClusterRole>::all(admin.clone());
    let cluster_role_bindings = Api::<ClusterRoleBinding>::all(admin.clone());
    let roles = Api::<Role>::namespaced(admin.clone(), NAMESPACE);
    let role_bindings = Api::<RoleBinding>::namespaced(admin.clone(), NAMESPACE);
    let gone = DeleteParams::default();
    cluster_roles.delete("kfdash", &gone).await.unwrap();
    cluster_role_bindings.delete("kfdash", &gone).await.unwrap();
    roles.delete("kfdash-config", &gone).await.unwrap();
    role_bindings.delete("kfdash-config", &gone).await.unwrap();
    // The sandbox lets every signed-in identity list storage classes; real clusters don't.
    let mut everyone = cluster_roles.get("kfdash-authenticated").await.unwrap();
    everyone.rules = everyone.rules.map(|rules| {
        rules
            .into_iter()
            .filter(|rule| {
                !rule
                    .resources
                    .iter()
                    .flatten()
                    .any(|r| r == "storageclasses")
            })
            .collect()
    });
    cluster_roles
        .replace("kfdash-authenticated", &PostParams::default(), &everyone)
        .await
        .unwrap();

    let create = PostParams::default();
    for object in &renders()[dir] {
        let what = id(object);
        let created = match kind_of(object) {
            "ClusterRole" => cluster_roles
                .create(&create, &typed(object))
                .await
                .map(drop),
            "ClusterRoleBinding" => cluster_role_bindings
                .create(&create, &typed(object))
                .await
                .map(drop),
            "Role" => roles.create(&create, &typed(object)).await.map(drop),
            "RoleBinding" => role_bindings
                .create(&create, &typed(object))
                .await
                .map(drop),
            "ConfigMap" if name_of(object) == "jupyter-web-app-config" => {
                Api::<ConfigMap>::namespaced(admin.clone(), NAMESPACE)
                    .create(&create, &typed(object))
                    .await
                    .map(drop)
            }
            _ => Ok(()),
        };
        created.unwrap_or_else(|error| panic!("deploy/{dir}: creating {what}: {error}"));
    }
    let config_maps = Api::<ConfigMap>::namespaced(admin, NAMESPACE);
    for (name, key, value) in [
        (
            "centraldashboard-config",
            "links",
            json!({
                "menuLinks": [],
                "externalLinks": [],
                "quickLinks": [{ "text": "Read from the ConfigMap", "desc": "", "link": "/proof/" }],
                "documentationItems": [],
            })
            .to_string(),
        ),
        ("someone-elses-config", "secret-ish", "not for kfdash".into()),
    ] {
        let map: ConfigMap = serde_json::from_value(json!({
            "metadata": { "name": name, "namespace": NAMESPACE },
            "data": { key: value },
        }))
        .unwrap();
        config_maps.create(&create, &map).await.unwrap();
    }
    (data, Arc::new(sandbox))
}

fn user(email: &str, groups: &[&str]) -> SignedInUser {
    SignedInUser {
        email: email.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

/// The real backend calls that use the dashboard's identity, on the sandbox with nothing but
/// the manifests' RBAC for it: everything works, and what the roles leave out is refused.
#[tokio::test]
async fn the_granted_rbac_is_enough_for_the_dashboards_calls_and_no_more() {
    use app::backend::reloading::{ConfigSource, Document};
    use app::backend::{contributors, links::LinksProvider, notebooks, tenancy};
    use app::model::{ContributorRole, SpawnerConfig};

    for (dir, sign_in) in [
        ("overlays/header", SignIn::Header),
        ("overlays/iap", SignIn::Iap),
    ] {
        let (_data, sandbox) = sandbox_with_rbac_of(dir).await;
        let cluster = server::cluster::SandboxCluster(sandbox.clone());
        let groups: &[&str] = match sign_in {
            SignIn::Header => &["kubeflow-users"],
            _ => &[],
        };
        let owner = user(OWNER, groups);
        let context = |what: &str| format!("deploy/{dir}: {what}");

        let workspaces = tenancy::workspaces(&cluster, &owner, true)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", context("workspaces")));
        assert!(
            workspaces.namespaces.iter().any(|row| row.name == OWN_NS),
            "{}",
            context("the owner's namespace is listed")
        );
        contributors::list(&cluster, &owner, OWN_NS)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", context("contributors")));
        contributors::add(
            &cluster,
            &owner,
            OWN_NS,
            "friend@example.com",
            ContributorRole::Edit,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e:?}", context("adding a contributor")));
        contributors::remove(&cluster, &owner, OWN_NS, "friend@example.com")
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", context("removing a contributor")));
        tenancy::register(
            &cluster,
            &user("newcomer@example.com", groups),
            "kubeflow-newcomer",
            true,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e:?}", context("registration")));

        // These two fall back quietly when refused, so the proof is what they return.
        let spawner = notebooks::spawner_data(&cluster, &owner, SpawnerConfig::defaults(), OWN_NS)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", context("spawner data")));
        assert!(
            spawner.default_storage_class.is_some(),
            "{}",
            context("the dashboard could not list storage classes")
        );
        let links = LinksProvider::new(ConfigSource::ConfigMap {
            namespace: NAMESPACE.into(),
            name: "centraldashboard-config".into(),
        })
        .get(&cluster)
        .await
        .unwrap();
        assert!(
            links
                .quick_links
                .iter()
                .any(|l| l.text == "Read from the ConfigMap"),
            "{}",
            context("the dashboard could not read centraldashboard-config")
        );
        let dashboard = cluster.as_dashboard();
        let config_maps = Api::<ConfigMap>::namespaced(dashboard.clone(), NAMESPACE);
        config_maps
            .get("jupyter-web-app-config")
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", context("the spawner ConfigMap")));
        dashboard
            .apiserver_version()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", context("/readyz's version call")));

        // ...and no more.
        let refused = |result: Result<(), kube::Error>, what: &str| match result {
            Err(kube::Error::Api(status)) if status.code == 403 => {}
            other => panic!(
                "{}: expected 403, got {other:?}",
                context(&format!("the dashboard {what}"))
            ),
        };
        refused(
            config_maps.get("someone-elses-config").await.map(drop),
            "reads another ConfigMap",
        );
        refused(
            Api::<Secret>::all(dashboard.clone())
                .list(&ListParams::default())
                .await
                .map(drop),
            "lists secrets",
        );
        refused(
            Api::<Namespace>::all(dashboard.clone())
                .list(&ListParams::default())
                .await
                .map(drop),
            "lists namespaces",
        );
        refused(
            Api::<RoleBinding>::namespaced(dashboard.clone(), OWN_NS)
                .create(
                    &PostParams::default(),
                    &serde_json::from_value(json!({
                        "metadata": { "name": "escalation" },
                        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kubeflow-admin" },
                        "subjects": [{ "kind": "User", "name": "eve@example.com" }],
                    }))
                    .unwrap(),
                )
                .await
                .map(drop),
            "creates a RoleBinding as itself",
        );
        if sign_in == SignIn::Iap {
            let with_groups = user(OWNER, &["kubeflow-users"]);
            refused(
                Api::<ConfigMap>::namespaced(cluster.as_user(&with_groups).unwrap(), OWN_NS)
                    .list(&ListParams::default())
                    .await
                    .map(drop),
                "impersonates groups with IAP",
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The pod

fn pod_labels(deployment: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(deployment["spec"]["template"]["metadata"]["labels"].clone()).unwrap()
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The Dockerfile's final stage: its ENV, USER, EXPOSE and COPY destinations.
struct Image {
    env: BTreeMap<String, String>,
    user: String,
    exposed: String,
    copies: Vec<(String, String)>,
    base: String,
}

fn image() -> Image {
    let text = read("deploy/Dockerfile").replace("\\\n", " ");
    let final_stage = text
        .rsplit_once("\nFROM ")
        .map(|(_, stage)| format!("FROM {stage}"))
        .expect("the Dockerfile has stages");
    let mut image = Image {
        env: BTreeMap::new(),
        user: String::new(),
        exposed: String::new(),
        copies: Vec::new(),
        base: String::new(),
    };
    for line in final_stage.lines().map(str::trim) {
        let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
        match instruction {
            "FROM" => image.base = rest.trim().to_string(),
            "ENV" => {
                for pair in rest.split_whitespace() {
                    let (name, value) = pair.split_once('=').expect("ENV NAME=value");
                    image.env.insert(name.into(), value.into());
                }
            }
            "USER" => image.user = rest.trim().to_string(),
            "EXPOSE" => image.exposed = rest.trim().to_string(),
            "COPY" => {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                if let [.., from, to] = parts.as_slice() {
                    image.copies.push((from.to_string(), to.to_string()));
                }
            }
            _ => {}
        }
    }
    image
}

#[test]
fn the_pod_runs_as_non_root_read_only_with_probes_and_resources() {
    let image = image();
    let uid: i64 = image
        .user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("the image's USER is numeric");
    for (dir, objects) in renders() {
        let deployment = only(objects, "Deployment", dir);
        let typed_deployment: Deployment = typed(deployment);
        let pod = typed_deployment.spec.unwrap().template.spec.unwrap();
        let pod_security = pod.security_context.clone().unwrap_or_default();
        assert_eq!(pod_security.run_as_non_root, Some(true), "deploy/{dir}");
        assert_eq!(
            pod_security.run_as_user,
            Some(uid),
            "deploy/{dir}: the pod's user is the image's"
        );
        assert_eq!(
            pod_security.seccomp_profile.map(|p| p.type_),
            Some("RuntimeDefault".into()),
            "deploy/{dir}"
        );
        assert!(
            pod.host_network != Some(true) && pod.host_pid != Some(true),
            "deploy/{dir}"
        );
        assert_eq!(
            pod.service_account_name.as_deref(),
            Some(SERVICE_ACCOUNT),
            "deploy/{dir}"
        );
        assert!(
            objects
                .iter()
                .any(|o| kind_of(o) == "ServiceAccount" && name_of(o) == SERVICE_ACCOUNT),
            "deploy/{dir}: the pod's service account is not in the manifests"
        );
        assert!(
            pod.volumes.unwrap_or_default().is_empty(),
            "deploy/{dir}: kfdash writes nothing with --cluster kube; a volume needs a reason"
        );
        let [container] = pod.containers.as_slice() else {
            panic!("deploy/{dir}: one container");
        };
        let security = container.security_context.clone().unwrap_or_default();
        assert_eq!(
            security.read_only_root_filesystem,
            Some(true),
            "deploy/{dir}"
        );
        assert_eq!(
            security.allow_privilege_escalation,
            Some(false),
            "deploy/{dir}"
        );
        assert_eq!(security.run_as_non_root, Some(true), "deploy/{dir}");
        assert_ne!(security.privileged, Some(true), "deploy/{dir}");
        let capabilities = security.capabilities.unwrap_or_default();
        assert_eq!(
            capabilities.drop,
            Some(vec!["ALL".to_string()]),
            "deploy/{dir}"
        );
        assert!(
            capabilities.add.unwrap_or_default().is_empty(),
            "deploy/{dir}"
        );

        let resources = container.resources.clone().unwrap_or_default();
        let requests = resources.requests.unwrap_or_default();
        let limits = resources.limits.unwrap_or_default();
        for key in ["cpu", "memory"] {
            assert!(requests.contains_key(key), "deploy/{dir}: no {key} request");
            assert!(limits.contains_key(key), "deploy/{dir}: no {key} limit");
        }

        let port = container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some("http"))
            .unwrap_or_else(|| panic!("deploy/{dir}: no port named http"));
        let listens_on = image.env["KFDASH_ADDR"].rsplit(':').next().unwrap();
        assert_eq!(
            port.container_port.to_string(),
            listens_on,
            "deploy/{dir}: containerPort"
        );
        for (probe, path) in [
            (&container.liveness_probe, "/healthz"),
            (&container.readiness_probe, "/readyz"),
        ] {
            let http = probe
                .as_ref()
                .and_then(|p| p.http_get.clone())
                .unwrap_or_else(|| panic!("deploy/{dir}: no HTTP probe on {path}"));
            assert_eq!(http.path.as_deref(), Some(path), "deploy/{dir}");
            let probe_port = serde_json::to_value(&http.port).unwrap();
            assert!(
                probe_port == json!("http") || probe_port == json!(port.container_port),
                "deploy/{dir}: the {path} probe's port {probe_port} is not kfdash's"
            );
        }
        let image_ref = container.image.clone().unwrap_or_default();
        assert_eq!(
            image_ref.rsplit_once(':').map(|(_, tag)| tag),
            Some(env!("CARGO_PKG_VERSION")),
            "deploy/{dir}: the image tag in deploy/base/kustomization.yaml should be this version"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The configuration, as kfdash reads it

/// The command line equivalent to an environment: each variable becomes its flag, so the real
/// parser checks names and values (`Cli` reads variables only from the process environment).
fn argv_from_env(env: &BTreeMap<String, String>) -> Result<Vec<String>, String> {
    let command = Cli::command();
    let mut argv = vec!["kfdash".to_string()];
    for (name, value) in env {
        if name == "RUST_LOG" {
            continue;
        }
        let arg = command
            .get_arguments()
            .find(|arg| arg.get_env() == Some(OsStr::new(name)))
            .ok_or_else(|| format!("{name} is not an environment variable kfdash reads"))?;
        let long = arg.get_long().expect("every flag has a long name");
        if arg.get_action().takes_values() {
            argv.push(format!("--{long}={value}"));
        } else {
            match value.as_str() {
                "true" | "1" | "yes" | "on" => argv.push(format!("--{long}")),
                "false" | "0" | "no" | "off" | "" => {}
                other => return Err(format!("{name}={other:?} is not true or false")),
            }
        }
    }
    Ok(argv)
}

/// What kfdash would run with in the pod: the image's ENV, then envFrom ConfigMaps, then env,
/// then args, as Kubernetes and clap layer them.
fn settings_of(dir: &str, objects: &[Value]) -> Result<Settings, ConfigError> {
    let deployment: Deployment = typed(only(objects, "Deployment", dir));
    let pod = deployment.spec.unwrap().template.spec.unwrap();
    let container = &pod.containers[0];
    let mut env = image().env;
    for source in container.env_from.iter().flatten() {
        let name = source
            .config_map_ref
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_else(|| panic!("deploy/{dir}: envFrom only from ConfigMaps"));
        let map = objects
            .iter()
            .find(|o| kind_of(o) == "ConfigMap" && name_of(o) == name)
            .unwrap_or_else(|| panic!("deploy/{dir}: envFrom names {name}, which is not rendered"));
        let map: ConfigMap = typed(map);
        env.extend(map.data.unwrap_or_default());
    }
    for var in container.env.iter().flatten() {
        let value = var
            .value
            .clone()
            .unwrap_or_else(|| panic!("deploy/{dir}: {} comes from elsewhere", var.name));
        env.insert(var.name.clone(), value);
    }
    let mut argv = argv_from_env(&env).unwrap_or_else(|problem| panic!("deploy/{dir}: {problem}"));
    argv.extend(container.args.iter().flatten().cloned());
    assert!(
        container.command.is_none(),
        "deploy/{dir}: the image's entrypoint is kfdash"
    );
    <Cli as clap::Parser>::try_parse_from(&argv)
        .unwrap_or_else(|error| panic!("deploy/{dir}: kfdash refuses {argv:?}:\n{error}"))
        .into_settings()
}

#[test]
fn kfdash_accepts_each_overlays_configuration_and_signs_in_as_it_claims() {
    use app::backend::reloading::ConfigSource;
    use app::model::ClusterKind;
    for (dir, sign_in) in KUSTOMIZATIONS {
        let objects = &renders()[dir];
        let settings = settings_of(dir, objects);
        if sign_in == SignIn::Unset {
            // Base alone must not start: the default sign-in is the sandbox's fixed user.
            let error = settings.expect_err("deploy/base must not start without a sign-in mode");
            assert!(
                matches!(error, ConfigError::Contradiction(_))
                    && error.to_string().contains("--auth dev"),
                "deploy/base: {error}"
            );
            continue;
        }
        let settings = settings.unwrap_or_else(|error| panic!("deploy/{dir}: {error}"));
        assert_eq!(settings.cluster, ClusterKind::Kube, "deploy/{dir}");
        assert_eq!(settings.base_path, "", "deploy/{dir}: the Service serves /");
        match (sign_in, &settings.auth) {
            (
                SignIn::Header,
                Auth::Header {
                    user_header,
                    groups_header,
                    ..
                },
            ) => {
                assert_eq!(user_header, "kubeflow-userid", "deploy/{dir}");
                assert_eq!(groups_header, "kubeflow-groups", "deploy/{dir}");
            }
            (SignIn::Iap, Auth::Iap { audiences, .. }) => {
                let [audience] = audiences.as_slice() else {
                    panic!("deploy/{dir}: one IAP audience, got {audiences:?}");
                };
                let parts: Vec<&str> = audience.split('/').collect();
                assert!(
                    matches!(
                        parts.as_slice(),
                        ["", "projects", _, "global", "backendServices", _]
                    ),
                    "deploy/{dir}: {audience} is not /projects/<number>/global/backendServices/<id>"
                );
            }
            (claimed, auth) => panic!("deploy/{dir} claims {claimed:?} but configures {auth:?}"),
        }
        assert_eq!(
            settings.site_root,
            PathBuf::from(
                image()
                    .copies
                    .iter()
                    .find(|(from, _)| from == "/out/site")
                    .map(|(_, to)| to.clone())
                    .expect("the image copies the site")
            ),
            "deploy/{dir}: LEPTOS_SITE_ROOT is where the image puts the site"
        );
        // The Role lets kfdash read exactly the ConfigMaps its flags name.
        let mut named = BTreeSet::new();
        for source in [&settings.links, &settings.spawner] {
            match source {
                ConfigSource::ConfigMap { namespace, name } => {
                    assert_eq!(namespace, NAMESPACE, "deploy/{dir}");
                    named.insert(name.clone());
                }
                other => panic!("deploy/{dir}: expected ConfigMaps, got {other:?}"),
            }
        }
        let role = objects
            .iter()
            .find(|o| kind_of(o) == "Role" && name_of(o) == CONFIG_ROLE.2)
            .unwrap();
        let readable: BTreeSet<String> = strings(&role["rules"][0]["resourceNames"])
            .into_iter()
            .collect();
        assert_eq!(
            named, readable,
            "deploy/{dir}: the ConfigMaps kfdash reads and the ones its Role allows"
        );
        assert!(
            objects
                .iter()
                .any(|o| kind_of(o) == "ConfigMap" && name_of(o) == "jupyter-web-app-config"),
            "deploy/{dir}: the spawner ConfigMap is generated with a fixed name"
        );
    }
}

#[test]
fn the_shipped_spawner_config_is_kfdashs_own_default() {
    use app::backend::reloading::Document;
    use app::model::SpawnerConfig;
    let shipped = SpawnerConfig::parse(&read("deploy/base/spawner_ui_config.yaml"))
        .unwrap_or_else(|error| panic!("deploy/base/spawner_ui_config.yaml: {error}"));
    assert_eq!(
        shipped,
        SpawnerConfig::defaults(),
        "deploy/base/spawner_ui_config.yaml no longer matches app/src/backend/spawner_defaults.yaml; \
         copy the new defaults over (keep the deploy file's header comment)"
    );
}

// ---------------------------------------------------------------------------------------------
// Istio

#[test]
fn istio_routes_to_kfdash_and_lets_only_the_gateway_in() {
    for (dir, sign_in) in KUSTOMIZATIONS {
        let objects = &renders()[dir];
        let deployment = only(objects, "Deployment", dir);
        let labels = pod_labels(deployment);
        let service: Service = typed(only(objects, "Service", dir));
        let service_name = service.metadata.name.clone().unwrap();
        assert_eq!(
            service_name, "centraldashboard",
            "deploy/{dir}: the Service keeps upstream's name, so existing routes keep working"
        );
        let spec = service.spec.unwrap();
        assert!(
            selects(&spec.selector.unwrap_or_default(), &labels),
            "deploy/{dir}: the Service does not select kfdash's pods"
        );
        let [port] = spec
            .ports
            .unwrap_or_default()
            .try_into()
            .unwrap_or_else(|ports: Vec<_>| {
                panic!("deploy/{dir}: one Service port, got {}", ports.len())
            });
        assert_eq!(port.port, 80, "deploy/{dir}: upstream's Service port");
        assert_eq!(
            serde_json::to_value(&port.target_port).unwrap(),
            json!("http"),
            "deploy/{dir}: the Service targets the container's http port"
        );

        let route: Istio<VirtualServiceSpec> = istio(only(objects, "VirtualService", dir)).unwrap();
        assert_eq!(route.metadata.name.as_deref(), Some("centraldashboard"));
        assert_eq!(
            route.spec.gateways,
            ["kubeflow/kubeflow-gateway"],
            "deploy/{dir}"
        );
        assert_eq!(route.spec.hosts, ["*"], "deploy/{dir}");
        let [http] = route.spec.http.as_slice() else {
            panic!("deploy/{dir}: one HTTP route");
        };
        assert!(
            http.matches.iter().any(|m| m.uri.prefix == "/"),
            "deploy/{dir}: the route takes everything under /"
        );
        let [destination] = http.route.as_slice() else {
            panic!("deploy/{dir}: one destination");
        };
        assert_eq!(
            destination.destination.host,
            format!("{service_name}.{NAMESPACE}.svc.cluster.local"),
            "deploy/{dir}"
        );
        assert_eq!(
            destination.destination.port.number, port.port,
            "deploy/{dir}"
        );

        let policies: Vec<Istio<AuthorizationPolicySpec>> = of_kind(objects, "AuthorizationPolicy")
            .into_iter()
            .map(|policy| istio(policy).unwrap())
            .collect();
        let (own, others): (Vec<_>, Vec<_>) = policies
            .into_iter()
            .partition(|policy| selects(&policy.spec.selector.match_labels, &labels));
        // The other one lets kfdash (and only kfdash) call KFP's API for its users.
        let [pipelines] = others.as_slice() else {
            panic!("deploy/{dir}: one AuthorizationPolicy for ml-pipeline");
        };
        assert_eq!(
            pipelines
                .spec
                .selector
                .match_labels
                .get("app")
                .map(String::as_str),
            Some("ml-pipeline"),
            "deploy/{dir}"
        );
        assert_eq!(pipelines.spec.action, "ALLOW", "deploy/{dir}");
        let callers: Vec<&str> = (pipelines.spec.rules.iter())
            .flat_map(|rule| &rule.from)
            .flat_map(|from| &from.source.principals)
            .map(String::as_str)
            .collect();
        assert_eq!(
            callers,
            [format!("cluster.local/ns/{NAMESPACE}/sa/kfdash").as_str()],
            "deploy/{dir}: only kfdash's service account is added to ml-pipeline's callers"
        );
        let [policy] = own.as_slice() else {
            panic!("deploy/{dir}: one AuthorizationPolicy for kfdash");
        };
        assert_eq!(policy.spec.action, "ALLOW", "deploy/{dir}");
        assert!(
            selects(&policy.spec.selector.match_labels, &labels),
            "deploy/{dir}: the AuthorizationPolicy does not select kfdash's pods"
        );
        let principals: Vec<&str> = policy
            .spec
            .rules
            .iter()
            .flat_map(|rule| &rule.from)
            .flat_map(|from| &from.source.principals)
            .map(String::as_str)
            .collect();
        assert_eq!(
            principals,
            [GATEWAY],
            "deploy/{dir}: only the ingress gateway may call kfdash"
        );

        let peer = of_kind(objects, "PeerAuthentication");
        let request = of_kind(objects, "RequestAuthentication");
        match sign_in {
            SignIn::Header => {
                let [peer] = peer.as_slice() else {
                    panic!("deploy/{dir}: header mode needs a PeerAuthentication");
                };
                let peer: Istio<PeerAuthenticationSpec> = istio(peer).unwrap();
                assert_eq!(peer.spec.mtls.mode, "STRICT", "deploy/{dir}");
                assert!(selects(&peer.spec.selector.match_labels, &labels));
                assert!(request.is_empty(), "deploy/{dir}");
            }
            SignIn::Iap => {
                let [request] = request.as_slice() else {
                    panic!("deploy/{dir}: one RequestAuthentication");
                };
                let request: Istio<RequestAuthenticationSpec> = istio(request).unwrap();
                assert!(selects(&request.spec.selector.match_labels, &labels));
                let Ok(Auth::Iap {
                    audiences,
                    jwks_url,
                    ..
                }) = settings_of(dir, objects).map(|s| s.auth)
                else {
                    panic!("deploy/{dir}: not IAP");
                };
                for rule in &request.spec.jwt_rules {
                    assert_eq!(rule.issuer, "https://cloud.google.com/iap");
                    assert_eq!(
                        rule.jwks_uri, jwks_url,
                        "deploy/{dir}: the keys kfdash uses"
                    );
                    assert_eq!(rule.audiences, audiences, "deploy/{dir}: kfdash's audience");
                    assert!(
                        rule.from_headers.iter().all(|h| h.name == IAP_HEADER),
                        "deploy/{dir}"
                    );
                    assert!(
                        rule.forward_original_token,
                        "deploy/{dir}: without forwardOriginalToken the sidecar strips IAP's \
                         token and kfdash answers 401 to everyone"
                    );
                }
                assert!(peer.is_empty(), "deploy/{dir}");
            }
            SignIn::Unset => assert!(peer.is_empty() && request.is_empty(), "deploy/{dir}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The image

fn version_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not found"))
        + marker.len();
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == '$' || c == ')')
        .next()
        .unwrap()
}

#[test]
fn the_dockerfile_uses_setups_tools_and_runs_as_non_root() {
    let dockerfile = read("deploy/Dockerfile");
    let setup = read(".ci/setup.sh");
    let workspace = read("Cargo.toml");
    assert_eq!(
        version_after(&dockerfile, "cargo install cargo-leptos --version "),
        version_after(&setup, "cargo install cargo-leptos --version "),
        "cargo-leptos: the Dockerfile and .ci/setup.sh install different versions"
    );
    assert_eq!(
        version_after(&dockerfile, "binaryen@"),
        version_after(&setup, "binaryen@"),
        "wasm-opt: the Dockerfile and .ci/setup.sh install different versions"
    );
    let rust = version_after(&workspace, "rust-version = \"");
    assert!(
        version_after(&dockerfile, "ARG RUST_VERSION=").starts_with(rust),
        "the Dockerfile's Rust is not the workspace's rust-version {rust}"
    );
    assert!(
        dockerfile.contains(r#"grep -A1 '^name = "wasm-bindgen"$'"#)
            && dockerfile.contains("cargo install wasm-bindgen-cli --version \"$(cat"),
        "the wasm-bindgen CLI must be installed at the version read from Cargo.lock"
    );
    assert!(dockerfile.contains("cargo leptos build --release"));

    let image = image();
    assert!(
        image.base.starts_with("gcr.io/distroless/cc-"),
        "the runtime is distroless/cc, got {}",
        image.base
    );
    assert_eq!(image.user, "65532:65532", "a numeric non-root user");
    let copied_from: Vec<&str> = image.copies.iter().map(|(from, _)| from.as_str()).collect();
    assert_eq!(
        copied_from,
        ["/out/kfdash", "/out/site"],
        "the runtime holds the binary and the site, nothing else"
    );
    assert!(
        dockerfile.contains("cp target/release/kfdash /out/kfdash")
            && dockerfile.contains("cp -r target/site /out/site")
    );
    let addr = &image.env["KFDASH_ADDR"];
    assert_eq!(addr, "0.0.0.0:8082", "upstream centraldashboard's port");
    assert_eq!(image.exposed, "8082");
    assert_eq!(image.env["LEPTOS_SITE_ROOT"], image.copies[1].1);
    // The sandbox demo (`docker run`) may only write under /tmp on a read-only root.
    assert!(image.env["KFDASH_DATA_DIR"].starts_with("/tmp/"));
    argv_from_env(&image.env).expect("the image's ENV names kfdash's variables");

    let ignore = read(".dockerignore");
    let ignored: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for needed in ["target/", "end2end/node_modules/"] {
        assert!(
            ignored.contains(&needed),
            ".dockerignore should keep {needed} out"
        );
    }
    for built_from in [
        "app",
        "server",
        "style",
        "public",
        ".cargo",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        assert!(
            !ignored
                .iter()
                .any(|pattern| pattern.trim_end_matches('/') == built_from || *pattern == "*"),
            ".dockerignore leaves out {built_from}, which the build needs"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// README's configuration reference

const BEGIN: &str = "<!-- BEGIN config reference: generated from server/src/config.rs by \
                     server::config::reference_markdown; regenerate with \
                     KFDASH_BLESS=1 cargo test -p server --test manifests -->";
const END: &str = "<!-- END config reference -->";

#[test]
fn readme_config_reference_is_generated_from_the_code() {
    for arg in Cli::command().get_arguments() {
        assert!(
            arg.get_env().is_some(),
            "--{} has no environment variable; README promises every flag has one",
            arg.get_long().unwrap_or_default()
        );
    }
    let generated = server::config::reference_markdown();
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(start), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!(
            "README.md has no config reference block; it starts with the line\n{BEGIN}\nand ends with\n{END}"
        );
    };
    let current = &readme[start + BEGIN.len()..end];
    let wanted = format!("\n{generated}");
    if current == wanted {
        return;
    }
    if std::env::var_os("KFDASH_BLESS").is_some() {
        let updated = format!(
            "{}{wanted}{}",
            &readme[..start + BEGIN.len()],
            &readme[end..]
        );
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "README.md's config reference differs from the flags in server/src/config.rs. \
         Regenerate it with:\n  KFDASH_BLESS=1 cargo test -p server --test manifests\n\
         README has:\n{current}\nthe code says:\n{wanted}"
    );
}
