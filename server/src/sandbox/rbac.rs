//! RBAC authorization for the sandbox API server: allow or deny a request from the stored Roles,
//! ClusterRoles, RoleBindings and ClusterRoleBindings, as the Kubernetes RBAC authorizer decides.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value, json};

/// The authenticator adds this group to every authenticated request, so bindings to it must apply
/// even when the caller did not list it.
const AUTHENTICATED_GROUP: &str = "system:authenticated";
/// The API server lets this group through before RBAC is consulted.
const SUPERUSER_GROUP: &str = "system:masters";
const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";

/// Who is asking and what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub user: String,
    pub groups: Vec<String>,
    /// get list watch create update patch delete deletecollection impersonate ...
    pub verb: String,
    /// "" for core
    pub api_group: String,
    /// plural, e.g. "notebooks"; empty for non-resource requests
    pub resource: String,
    /// "" or e.g. "status", "log"
    pub subresource: String,
    /// "" for cluster-scoped or all-namespaces requests
    pub namespace: String,
    /// "" when not a named object (list, create without name, etc.)
    pub name: String,
    /// the URL path, used for non-resource requests (resource == "")
    pub path: String,
}

impl Attributes {
    fn is_resource_request(&self) -> bool {
        !self.resource.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow { reason: String },
    Deny { reason: String },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }
}

/// An immutable snapshot of the RBAC objects; built when they change, evaluated per request.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    cluster_role_bindings: Vec<Binding>,
    /// RoleBindings by namespace; they never apply outside it.
    role_bindings: HashMap<String, Vec<Binding>>,
}

impl Rbac {
    pub fn new(
        roles: &[Value],
        cluster_roles: &[Value],
        role_bindings: &[Value],
        cluster_role_bindings: &[Value],
    ) -> Self {
        let cluster_roles = effective_cluster_roles(cluster_roles);
        let mut namespaced_roles: HashMap<(String, String), Arc<[Rule]>> = HashMap::new();
        for role in roles {
            let Ok(role) = parse_role(role) else { continue };
            if role.meta.namespace.is_empty() {
                continue;
            }
            namespaced_roles.insert(
                (role.meta.namespace, role.meta.name),
                dedup(role.rules).into(),
            );
        }

        let mut rbac = Rbac::default();
        for value in cluster_role_bindings {
            let Ok(raw) = parse_binding(value) else {
                continue;
            };
            // A ClusterRoleBinding can only grant a ClusterRole; anything else never resolves.
            if raw.role_kind != RoleKind::ClusterRole {
                continue;
            }
            let Some(rules) = cluster_roles.get(&raw.role_name) else {
                continue;
            };
            rbac.cluster_role_bindings.push(Binding {
                source: format!(
                    "ClusterRoleBinding {:?} of ClusterRole {:?}",
                    raw.meta.name, raw.role_name
                ),
                subjects: raw.subjects,
                rules: Arc::clone(rules),
            });
        }
        for value in role_bindings {
            let Ok(raw) = parse_binding(value) else {
                continue;
            };
            let namespace = raw.meta.namespace;
            if namespace.is_empty() {
                continue;
            }
            let rules = match raw.role_kind {
                RoleKind::Role => namespaced_roles.get(&(namespace.clone(), raw.role_name.clone())),
                RoleKind::ClusterRole => cluster_roles.get(&raw.role_name),
            };
            let Some(rules) = rules else { continue };
            let binding = Binding {
                source: format!(
                    "RoleBinding {:?} of {} {:?}",
                    format!("{}/{namespace}", raw.meta.name),
                    raw.role_kind.as_str(),
                    raw.role_name
                ),
                subjects: raw.subjects,
                rules: Arc::clone(rules),
            };
            rbac.role_bindings
                .entry(namespace)
                .or_default()
                .push(binding);
        }
        rbac
    }

    pub fn authorize(&self, attributes: &Attributes) -> Decision {
        if attributes
            .groups
            .iter()
            .any(|group| group == SUPERUSER_GROUP)
        {
            return Decision::Allow {
                reason: format!("allowed: member of the superuser group {SUPERUSER_GROUP:?}"),
            };
        }
        // Non-resource URLs have no namespace, so only cluster-wide grants can reach them.
        let namespace = if attributes.is_resource_request() {
            attributes.namespace.as_str()
        } else {
            ""
        };
        for binding in self.bindings_in(namespace) {
            let Some(subject) = binding.subject_for(&attributes.user, &attributes.groups) else {
                continue;
            };
            if binding.rules.iter().any(|rule| rule.allows(attributes)) {
                return Decision::Allow {
                    reason: format!(
                        "RBAC: allowed by {} to {}",
                        binding.source,
                        subject.describe()
                    ),
                };
            }
        }
        Decision::Deny {
            reason: forbidden_message(attributes),
        }
    }

    /// The rules that apply to a user in a namespace (for SelfSubjectRulesReview-like answers and tests).
    pub fn rules_for(&self, user: &str, groups: &[String], namespace: &str) -> Vec<Value> {
        if groups.iter().any(|group| group == SUPERUSER_GROUP) {
            // What the API server reports for superusers: everything, resource and non-resource.
            return vec![
                json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}),
                json!({"verbs": ["*"], "nonResourceURLs": ["*"]}),
            ];
        }
        let mut seen = HashSet::new();
        self.bindings_in(namespace)
            .filter(|binding| binding.subject_for(user, groups).is_some())
            .flat_map(|binding| binding.rules.iter())
            .filter(|rule| seen.insert(*rule))
            .map(Rule::to_json)
            .collect()
    }

    /// ClusterRoleBindings first, then the namespace's RoleBindings: the order reasons are found in.
    fn bindings_in(&self, namespace: &str) -> impl Iterator<Item = &Binding> {
        let local = if namespace.is_empty() {
            None
        } else {
            self.role_bindings.get(namespace)
        };
        self.cluster_role_bindings
            .iter()
            .chain(local.into_iter().flatten())
    }
}

/// The tail of the API server's Forbidden message; the REST layer prefixes the object.
fn forbidden_message(attributes: &Attributes) -> String {
    let user = &attributes.user;
    let verb = &attributes.verb;
    if !attributes.is_resource_request() {
        return format!("User {user:?} cannot {verb} path {:?}", attributes.path);
    }
    let resource = if attributes.subresource.is_empty() {
        attributes.resource.clone()
    } else {
        format!("{}/{}", attributes.resource, attributes.subresource)
    };
    let group = &attributes.api_group;
    if attributes.namespace.is_empty() {
        format!(
            "User {user:?} cannot {verb} resource {resource:?} in API group {group:?} at the cluster scope"
        )
    } else {
        format!(
            "User {user:?} cannot {verb} resource {resource:?} in API group {group:?} in the namespace {:?}",
            attributes.namespace
        )
    }
}

#[derive(Debug, Clone)]
struct Binding {
    /// How an allow reason cites this binding, e.g. `RoleBinding "name/ns" of ClusterRole "edit"`.
    source: String,
    subjects: Vec<Subject>,
    rules: Arc<[Rule]>,
}

impl Binding {
    fn subject_for(&self, user: &str, groups: &[String]) -> Option<&Subject> {
        self.subjects
            .iter()
            .find(|subject| subject.applies_to(user, groups))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    User(String),
    Group(String),
    ServiceAccount {
        namespace: String,
        name: String,
        /// Precomputed so that matching a request is a string comparison.
        username: String,
    },
}

impl Subject {
    fn applies_to(&self, user: &str, groups: &[String]) -> bool {
        match self {
            Subject::User(name) => name == user,
            Subject::Group(name) => {
                name == AUTHENTICATED_GROUP || groups.iter().any(|group| group == name)
            }
            Subject::ServiceAccount { username, .. } => username == user,
        }
    }

    fn describe(&self) -> String {
        match self {
            Subject::User(name) => format!("User {name:?}"),
            Subject::Group(name) => format!("Group {name:?}"),
            Subject::ServiceAccount {
                namespace, name, ..
            } => format!("ServiceAccount {:?}", format!("{name}/{namespace}")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Rule {
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    resource_names: Vec<String>,
    non_resource_urls: Vec<String>,
}

impl Rule {
    fn allows(&self, attributes: &Attributes) -> bool {
        if !self
            .verbs
            .iter()
            .any(|verb| verb == "*" || *verb == attributes.verb)
        {
            return false;
        }
        if !attributes.is_resource_request() {
            return self
                .non_resource_urls
                .iter()
                .any(|url| url_matches(url, &attributes.path));
        }
        self.api_groups
            .iter()
            .any(|group| group == "*" || *group == attributes.api_group)
            && self.resources.iter().any(|resource| {
                resource_matches(resource, &attributes.resource, &attributes.subresource)
            })
            // An unnamed request (list, create, deletecollection) cannot be limited by name, so a
            // name-restricted rule never covers it.
            && (self.resource_names.is_empty()
                || self.resource_names.contains(&attributes.name))
    }

    /// The PolicyRule as the API returns it: empty optional lists are omitted.
    fn to_json(&self) -> Value {
        let mut rule = Map::new();
        rule.insert("verbs".into(), json!(self.verbs));
        for (key, list) in [
            ("apiGroups", &self.api_groups),
            ("resources", &self.resources),
            ("resourceNames", &self.resource_names),
            ("nonResourceURLs", &self.non_resource_urls),
        ] {
            if !list.is_empty() {
                rule.insert(key.into(), json!(list));
            }
        }
        Value::Object(rule)
    }
}

/// Kubernetes knows `*`, the exact `resource` or `resource/subresource`, and `*/subresource`.
/// `resource/*` is deliberately not a wildcard: a real cluster would deny what it seems to grant.
fn resource_matches(rule: &str, resource: &str, subresource: &str) -> bool {
    if rule == "*" {
        return true;
    }
    if subresource.is_empty() {
        return rule == resource;
    }
    match rule.split_once('/') {
        Some((rule_resource, rule_subresource)) => {
            rule_subresource == subresource && (rule_resource == resource || rule_resource == "*")
        }
        None => false,
    }
}

fn url_matches(rule: &str, path: &str) -> bool {
    if rule == "*" || rule == path {
        return true;
    }
    // Every trailing star is dropped, so "/api**" still means the "/api" prefix.
    rule.ends_with('*') && path.starts_with(rule.trim_end_matches('*'))
}

fn dedup(rules: Vec<Rule>) -> Vec<Rule> {
    let mut seen = HashSet::new();
    rules
        .into_iter()
        .filter(|rule| seen.insert(rule.clone()))
        .collect()
}

/// Resolves aggregation as the cluster-role aggregation controller would, but without overwriting:
/// an aggregated role keeps its own rules and gains those of every role reachable through its
/// selectors, transitively. Reachability is computed once per role, so cycles terminate.
fn effective_cluster_roles(values: &[Value]) -> HashMap<String, Arc<[Rule]>> {
    let mut roles: Vec<ClusterRole> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for value in values {
        let Ok(role) = parse_cluster_role(value) else {
            continue;
        };
        // A store never holds two objects with one name; if the input does, the later one wins.
        match index.get(&role.meta.name) {
            Some(&at) => roles[at] = role,
            None => {
                index.insert(role.meta.name.clone(), roles.len());
                roles.push(role);
            }
        }
    }

    // The controller takes matches selector by selector, each sorted by name.
    let mut by_name: Vec<usize> = (0..roles.len()).collect();
    by_name.sort_by(|&a, &b| roles[a].meta.name.cmp(&roles[b].meta.name));
    let roles = &roles;
    let by_name = &by_name;
    let aggregates: Vec<Vec<usize>> = roles
        .iter()
        .enumerate()
        .map(|(at, role)| {
            role.selectors
                .iter()
                .flat_map(|selector| {
                    by_name.iter().copied().filter(move |&other| {
                        other != at && selector.matches(&roles[other].meta.labels)
                    })
                })
                .collect()
        })
        .collect();

    roles
        .iter()
        .enumerate()
        .map(|(root, role)| {
            let mut visited = vec![false; roles.len()];
            let mut pending = vec![root];
            let mut rules = Vec::new();
            while let Some(at) = pending.pop() {
                if std::mem::replace(&mut visited[at], true) {
                    continue;
                }
                rules.extend(roles[at].rules.iter().cloned());
                pending.extend(aggregates[at].iter().rev().copied());
            }
            (role.meta.name.clone(), dedup(rules).into())
        })
        .collect()
}

/// A metav1.LabelSelector after validation.
#[derive(Debug, Clone)]
enum Selector {
    /// A null selector selects nothing.
    Nothing,
    /// All requirements must hold; none at all selects everything.
    All(Vec<Requirement>),
}

#[derive(Debug, Clone)]
enum Requirement {
    Equals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Selector {
    fn matches(&self, labels: &Map<String, Value>) -> bool {
        let Selector::All(requirements) = self else {
            return false;
        };
        let label = |key: &str| labels.get(key).and_then(Value::as_str);
        requirements.iter().all(|requirement| match requirement {
            Requirement::Equals(key, value) => label(key) == Some(value.as_str()),
            Requirement::In(key, values) => {
                label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Requirement::NotIn(key, values) => {
                !label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::DoesNotExist(key) => label(key).is_none(),
        })
    }
}

/// The object would not decode as its Kubernetes type, or fails the validation that matters here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Malformed;

type Parsed<T> = Result<T, Malformed>;

#[derive(Debug, Clone)]
struct Meta {
    name: String,
    namespace: String,
    /// Kept as a JSON map of strings, the shape `sandbox::selector` takes, so it could stand in
    /// for the private matcher below.
    labels: Map<String, Value>,
}

#[derive(Debug, Clone)]
struct ClusterRole {
    meta: Meta,
    rules: Vec<Rule>,
    /// Empty when the role is not aggregated, or when a selector is invalid: the controller
    /// then gives up on the role and leaves its own rules untouched.
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone)]
struct Role {
    meta: Meta,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleKind {
    Role,
    ClusterRole,
}

impl RoleKind {
    fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

#[derive(Debug, Clone)]
struct RawBinding {
    meta: Meta,
    role_kind: RoleKind,
    role_name: String,
    subjects: Vec<Subject>,
}

// Go's decoder treats `null` as an absent field and rejects an object with any field of the wrong
// type; the helpers below follow it so that what is skipped here is what a real server rejects.

fn as_object(value: &Value) -> Parsed<&Map<String, Value>> {
    value.as_object().ok_or(Malformed)
}

fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|value| !value.is_null())
}

fn string_field(object: &Map<String, Value>, key: &str) -> Parsed<String> {
    match field(object, key) {
        None => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(Malformed),
    }
}

fn object_field<'a>(
    object: &'a Map<String, Value>,
    key: &str,
) -> Parsed<Option<&'a Map<String, Value>>> {
    field(object, key).map(as_object).transpose()
}

fn array_field<'a>(object: &'a Map<String, Value>, key: &str) -> Parsed<&'a [Value]> {
    match field(object, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(Malformed),
    }
}

/// A null element of a string list decodes to "" in Go.
fn string_list(object: &Map<String, Value>, key: &str) -> Parsed<Vec<String>> {
    array_field(object, key)?
        .iter()
        .map(|item| match item {
            Value::Null => Ok(String::new()),
            Value::String(text) => Ok(text.clone()),
            _ => Err(Malformed),
        })
        .collect()
}

/// A map of strings, with null values decoded to "" as Go does.
fn string_map(object: &Map<String, Value>, key: &str) -> Parsed<Map<String, Value>> {
    let Some(map) = object_field(object, key)? else {
        return Ok(Map::new());
    };
    map.iter()
        .map(|(name, value)| match value {
            Value::Null => Ok((name.clone(), Value::String(String::new()))),
            Value::String(_) => Ok((name.clone(), value.clone())),
            _ => Err(Malformed),
        })
        .collect()
}

fn parse_meta(object: &Map<String, Value>) -> Parsed<Meta> {
    let metadata = object_field(object, "metadata")?.ok_or(Malformed)?;
    let name = string_field(metadata, "name")?;
    if name.is_empty() {
        return Err(Malformed);
    }
    Ok(Meta {
        name,
        namespace: string_field(metadata, "namespace")?,
        labels: string_map(metadata, "labels")?,
    })
}

fn parse_rule(value: &Value) -> Parsed<Rule> {
    let rule = as_object(value)?;
    Ok(Rule {
        verbs: string_list(rule, "verbs")?,
        api_groups: string_list(rule, "apiGroups")?,
        resources: string_list(rule, "resources")?,
        resource_names: string_list(rule, "resourceNames")?,
        non_resource_urls: string_list(rule, "nonResourceURLs")?,
    })
}

fn parse_rules(object: &Map<String, Value>) -> Parsed<Vec<Rule>> {
    array_field(object, "rules")?
        .iter()
        .map(parse_rule)
        .collect()
}

fn parse_role(value: &Value) -> Parsed<Role> {
    let object = as_object(value)?;
    Ok(Role {
        meta: parse_meta(object)?,
        rules: parse_rules(object)?,
    })
}

fn parse_cluster_role(value: &Value) -> Parsed<ClusterRole> {
    let object = as_object(value)?;
    let meta = parse_meta(object)?;
    let rules = parse_rules(object)?;
    let mut selectors = Vec::new();
    if let Some(aggregation) = object_field(object, "aggregationRule")? {
        for selector in array_field(aggregation, "clusterRoleSelectors")? {
            selectors.push(parse_selector(selector)?);
        }
    }
    let selectors = selectors.into_iter().collect::<Option<Vec<_>>>();
    Ok(ClusterRole {
        meta,
        rules,
        selectors: selectors.unwrap_or_default(),
    })
}

/// `Err` when the selector does not decode (the whole object is then skipped); `Ok(None)` when it
/// decodes but is invalid, which only disables aggregation.
fn parse_selector(value: &Value) -> Parsed<Option<Selector>> {
    if value.is_null() {
        return Ok(Some(Selector::Nothing));
    }
    let selector = as_object(value)?;
    let mut requirements: Vec<Requirement> = string_map(selector, "matchLabels")?
        .into_iter()
        .map(|(key, value)| Requirement::Equals(key, value.as_str().unwrap_or_default().into()))
        .collect();
    let mut valid = requirements
        .iter()
        .all(|requirement| matches!(requirement, Requirement::Equals(key, _) if !key.is_empty()));
    for expression in array_field(selector, "matchExpressions")? {
        let expression = as_object(expression)?;
        let key = string_field(expression, "key")?;
        let operator = string_field(expression, "operator")?;
        let values = string_list(expression, "values")?;
        let requirement = match operator.as_str() {
            "In" if !values.is_empty() => Requirement::In(key.clone(), values),
            "NotIn" if !values.is_empty() => Requirement::NotIn(key.clone(), values),
            "Exists" if values.is_empty() => Requirement::Exists(key.clone()),
            "DoesNotExist" if values.is_empty() => Requirement::DoesNotExist(key.clone()),
            _ => {
                valid = false;
                continue;
            }
        };
        valid &= !key.is_empty();
        requirements.push(requirement);
    }
    Ok(valid.then_some(Selector::All(requirements)))
}

fn parse_subject(value: &Value, binding_namespace: &str) -> Parsed<Option<Subject>> {
    let subject = as_object(value)?;
    let kind = string_field(subject, "kind")?;
    let name = string_field(subject, "name")?;
    let namespace = string_field(subject, "namespace")?;
    // Never consulted by the authorizer, but a wrong type still makes the object undecodable.
    string_field(subject, "apiGroup")?;
    Ok(match kind.as_str() {
        "User" => Some(Subject::User(name)),
        "Group" => Some(Subject::Group(name)),
        "ServiceAccount" => {
            let namespace = if namespace.is_empty() {
                binding_namespace.to_owned()
            } else {
                namespace
            };
            // Without a namespace (a ClusterRoleBinding that omits it) no account can match.
            (!namespace.is_empty()).then(|| Subject::ServiceAccount {
                username: format!("{SERVICE_ACCOUNT_USER_PREFIX}{namespace}:{name}"),
                namespace,
                name,
            })
        }
        _ => None,
    })
}

fn parse_binding(value: &Value) -> Parsed<RawBinding> {
    let object = as_object(value)?;
    let meta = parse_meta(object)?;
    let role_ref = object_field(object, "roleRef")?.ok_or(Malformed)?;
    let role_kind = match string_field(role_ref, "kind")?.as_str() {
        "Role" => RoleKind::Role,
        "ClusterRole" => RoleKind::ClusterRole,
        _ => return Err(Malformed),
    };
    let role_name = string_field(role_ref, "name")?;
    // Like the authorizer, only kind and name matter; the type check keeps decoding faithful.
    string_field(role_ref, "apiGroup")?;
    let mut subjects = Vec::new();
    for subject in array_field(object, "subjects")? {
        subjects.extend(parse_subject(subject, &meta.namespace)?);
    }
    Ok(RawBinding {
        meta,
        role_kind,
        role_name,
        subjects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KF_ADMIN_LABEL: &str = "rbac.authorization.kubeflow.org/aggregate-to-kubeflow-admin";
    const KF_EDIT_LABEL: &str = "rbac.authorization.kubeflow.org/aggregate-to-kubeflow-edit";
    const KF_VIEW_LABEL: &str = "rbac.authorization.kubeflow.org/aggregate-to-kubeflow-view";
    const OWNER: &str = "user@example.com";
    const VIEWER: &str = "viewer@example.com";
    const OTHER: &str = "other@example.com";
    const NOBODY: &str = "nobody@example.com";
    const DEFAULT_EDITOR: &str = "system:serviceaccount:kubeflow-user:default-editor";
    const KFDASH: &str = "system:serviceaccount:kubeflow:kfdash";

    fn cluster_role(name: &str, labels: Value, rules: Value) -> Value {
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels},
            "rules": rules,
        })
    }

    fn aggregated(name: &str, labels: Value, selectors: Value) -> Value {
        json!({
            "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels},
            "aggregationRule": {"clusterRoleSelectors": selectors},
            "rules": [],
        })
    }

    fn role(namespace: &str, name: &str, rules: Value) -> Value {
        json!({"kind": "Role", "metadata": {"name": name, "namespace": namespace}, "rules": rules})
    }

    fn binding(namespace: &str, name: &str, kind: &str, role: &str, subjects: Value) -> Value {
        let mut metadata = json!({"name": name});
        if !namespace.is_empty() {
            metadata["namespace"] = json!(namespace);
        }
        json!({
            "metadata": metadata,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
            "subjects": subjects,
        })
    }

    fn user(name: &str) -> Value {
        json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name})
    }

    fn group(name: &str) -> Value {
        json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": name})
    }

    struct Fixture {
        roles: Vec<Value>,
        cluster_roles: Vec<Value>,
        role_bindings: Vec<Value>,
        cluster_role_bindings: Vec<Value>,
    }

    impl Fixture {
        fn build(&self) -> Rbac {
            Rbac::new(
                &self.roles,
                &self.cluster_roles,
                &self.role_bindings,
                &self.cluster_role_bindings,
            )
        }
    }

    /// Mirrors a Kubeflow install: the kubeflow-* roles exist only through aggregation.
    fn kubeflow() -> Fixture {
        let cluster_roles = vec![
            aggregated(
                "kubeflow-admin",
                json!({}),
                json!([{"matchLabels": {KF_ADMIN_LABEL: "true"}}]),
            ),
            aggregated(
                "kubeflow-edit",
                json!({KF_ADMIN_LABEL: "true"}),
                json!([{"matchLabels": {KF_EDIT_LABEL: "true"}}]),
            ),
            aggregated(
                "kubeflow-view",
                json!({KF_EDIT_LABEL: "true"}),
                json!([{"matchExpressions": [
                    {"key": KF_VIEW_LABEL, "operator": "In", "values": ["true"]}
                ]}]),
            ),
            cluster_role(
                "kubeflow-notebooks-view",
                json!({KF_VIEW_LABEL: "true"}),
                json!([
                    {"apiGroups": ["kubeflow.org"], "resources": ["notebooks", "poddefaults"],
                     "verbs": ["get", "list", "watch"]},
                    {"apiGroups": [""], "resources": ["pods", "pods/log"],
                     "verbs": ["get", "list", "watch"]},
                ]),
            ),
            cluster_role(
                "kubeflow-notebooks-edit",
                json!({KF_EDIT_LABEL: "true"}),
                json!([{"apiGroups": ["kubeflow.org"], "resources": ["notebooks"],
                        "verbs": ["create", "update", "patch", "delete", "deletecollection"]}]),
            ),
            cluster_role(
                "kubeflow-namespace-admin",
                json!({KF_ADMIN_LABEL: "true"}),
                json!([
                    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"],
                     "verbs": ["*"]},
                    {"apiGroups": ["kubeflow.org"], "resources": ["notebooks/status"],
                     "verbs": ["update", "patch"]},
                ]),
            ),
            // The label value is "false", so kubeflow-view's In selector must leave it out.
            cluster_role(
                "secrets-reader",
                json!({KF_VIEW_LABEL: "false"}),
                json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]),
            ),
            cluster_role(
                "kfdash-impersonator",
                json!({}),
                json!([{"apiGroups": [""], "resources": ["users", "groups"],
                        "verbs": ["impersonate"]}]),
            ),
            cluster_role(
                "notebook-reader",
                json!({}),
                json!([{"apiGroups": ["kubeflow.org"], "resources": ["notebooks"],
                        "verbs": ["get", "list", "watch"]}]),
            ),
            cluster_role(
                "health-reader",
                json!({}),
                json!([{"nonResourceURLs": ["/healthz", "/api/*"], "verbs": ["get"]}]),
            ),
            cluster_role(
                "metrics-reader",
                json!({}),
                json!([{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]),
            ),
            cluster_role(
                "scaler",
                json!({}),
                json!([
                    {"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["update"]},
                    {"apiGroups": ["apps"], "resources": ["deployments/*"], "verbs": ["get"]},
                ]),
            ),
        ];
        let roles = vec![role(
            "team-a",
            "team-config-reader",
            json!([{"apiGroups": [""], "resources": ["configmaps"],
                    "resourceNames": ["team-config"],
                    "verbs": ["get", "update", "list", "watch", "create", "deletecollection"]}]),
        )];
        let role_bindings = vec![
            binding(
                "kubeflow-user",
                "namespaceAdmin",
                "ClusterRole",
                "kubeflow-admin",
                json!([user(OWNER)]),
            ),
            binding(
                "kubeflow-user",
                "default-editor",
                "ClusterRole",
                "kubeflow-edit",
                json!([{"kind": "ServiceAccount", "name": "default-editor"}]),
            ),
            // Non-resource rules bound in a namespace must grant nothing.
            binding(
                "kubeflow-user",
                "metrics",
                "ClusterRole",
                "metrics-reader",
                json!([user(OWNER)]),
            ),
            binding(
                "team-a",
                "user-user-example-com-clusterrole-edit",
                "ClusterRole",
                "kubeflow-edit",
                json!([user(OWNER)]),
            ),
            binding(
                "team-a",
                "user-viewer-example-com-clusterrole-view",
                "ClusterRole",
                "kubeflow-view",
                json!([user(VIEWER)]),
            ),
            binding(
                "team-a",
                "pipeline-runner-view",
                "ClusterRole",
                "kubeflow-view",
                json!([{"kind": "ServiceAccount", "name": "pipeline-runner",
                        "namespace": "kubeflow"}]),
            ),
            binding(
                "team-a",
                "team-config",
                "Role",
                "team-config-reader",
                json!([user(VIEWER)]),
            ),
            binding(
                "team-a",
                "scalers",
                "ClusterRole",
                "scaler",
                json!([user(OWNER)]),
            ),
            binding(
                "other-user",
                "namespaceAdmin",
                "ClusterRole",
                "kubeflow-admin",
                json!([user(OTHER)]),
            ),
        ];
        let cluster_role_bindings = vec![
            binding(
                "",
                "kfdash-impersonator",
                "ClusterRole",
                "kfdash-impersonator",
                json!([{"kind": "ServiceAccount", "name": "kfdash", "namespace": "kubeflow"}]),
            ),
            binding(
                "",
                "kubeflow-operators",
                "ClusterRole",
                "notebook-reader",
                json!([group("kubeflow-operators")]),
            ),
            binding(
                "",
                "health",
                "ClusterRole",
                "health-reader",
                json!([group(AUTHENTICATED_GROUP)]),
            ),
            binding(
                "",
                "monitoring",
                "ClusterRole",
                "metrics-reader",
                json!([group("monitoring")]),
            ),
        ];
        Fixture {
            roles,
            cluster_roles,
            role_bindings,
            cluster_role_bindings,
        }
    }

    /// `resource` is spelled like kubectl: `notebooks.kubeflow.org/status`, `pods/log`.
    fn request(who: &str, verb: &str, resource: &str, namespace: &str, name: &str) -> Attributes {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        let (resource, api_group) = resource.split_once('.').unwrap_or((resource, ""));
        Attributes {
            user: who.into(),
            groups: vec![],
            verb: verb.into(),
            api_group: api_group.into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace: namespace.into(),
            name: name.into(),
            path: String::new(),
        }
    }

    fn in_groups(mut attributes: Attributes, groups: &[&str]) -> Attributes {
        attributes.groups = groups.iter().map(|group| group.to_string()).collect();
        attributes
    }

    fn url(who: &str, groups: &[&str], verb: &str, path: &str) -> Attributes {
        let mut attributes = in_groups(request(who, verb, "", "", ""), groups);
        attributes.path = path.into();
        attributes
    }

    fn allowed(rbac: &Rbac, attributes: &Attributes) -> bool {
        rbac.authorize(attributes).is_allowed()
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Access {
        None,
        View,
        Edit,
        Admin,
    }

    #[test]
    fn users_namespaces_and_verbs() {
        use Access::*;
        let rbac = kubeflow().build();
        let namespaces = ["kubeflow-user", "team-a", "other-user"];
        let grants: [(&str, [Access; 3]); 6] = [
            (OWNER, [Admin, Edit, None]),
            (VIEWER, [None, View, None]),
            (OTHER, [None, None, Admin]),
            (NOBODY, [None, None, None]),
            (DEFAULT_EDITOR, [Edit, None, None]),
            (
                "system:serviceaccount:kubeflow:pipeline-runner",
                [None, View, None],
            ),
        ];
        // The access each action needs; `Option::None` means no Kubeflow role grants it.
        let actions: [(&str, &str, &str, Option<Access>); 17] = [
            ("get", "notebooks.kubeflow.org", "nb", Some(View)),
            ("list", "notebooks.kubeflow.org", "", Some(View)),
            ("watch", "notebooks.kubeflow.org", "", Some(View)),
            ("list", "poddefaults.kubeflow.org", "", Some(View)),
            ("get", "pods/log", "nb-0", Some(View)),
            ("create", "notebooks.kubeflow.org", "", Some(Edit)),
            ("update", "notebooks.kubeflow.org", "nb", Some(Edit)),
            ("patch", "notebooks.kubeflow.org", "nb", Some(Edit)),
            ("delete", "notebooks.kubeflow.org", "nb", Some(Edit)),
            ("deletecollection", "notebooks.kubeflow.org", "", Some(Edit)),
            (
                "create",
                "rolebindings.rbac.authorization.k8s.io",
                "",
                Some(Admin),
            ),
            (
                "delete",
                "rolebindings.rbac.authorization.k8s.io",
                "rb",
                Some(Admin),
            ),
            ("update", "notebooks.kubeflow.org/status", "nb", Some(Admin)),
            ("get", "notebooks.kubeflow.org/status", "nb", Option::None),
            ("get", "secrets", "s", Option::None),
            ("create", "pods", "", Option::None),
            ("get", "notebooks", "nb", Option::None),
        ];
        let mut checked = 0;
        for (who, levels) in grants {
            for (namespace, level) in namespaces.into_iter().zip(levels) {
                for (verb, resource, name, needs) in actions {
                    let expected = needs.is_some_and(|needs| level >= needs);
                    let attributes = request(who, verb, resource, namespace, name);
                    assert_eq!(
                        allowed(&rbac, &attributes),
                        expected,
                        "{who} {verb} {resource} {name:?} in {namespace}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 6 * 3 * 17);
    }

    #[test]
    fn role_bindings_never_grant_cluster_scope() {
        let rbac = kubeflow().build();
        let everywhere = request(OWNER, "list", "notebooks.kubeflow.org", "", "");
        assert!(!allowed(&rbac, &everywhere));
        assert!(!allowed(
            &rbac,
            &request(OWNER, "list", "namespaces", "", "")
        ));
        assert!(allowed(
            &rbac,
            &request(OWNER, "list", "notebooks.kubeflow.org", "kubeflow-user", "")
        ));
        assert!(!allowed(
            &rbac,
            &request(OWNER, "list", "notebooks.kubeflow.org", "unknown", "")
        ));
    }

    #[test]
    fn cluster_role_binding_to_a_group_applies_everywhere() {
        let rbac = kubeflow().build();
        let ops = |verb: &str, namespace: &str| {
            in_groups(
                request(
                    "ops@example.com",
                    verb,
                    "notebooks.kubeflow.org",
                    namespace,
                    "",
                ),
                &["kubeflow-operators"],
            )
        };
        assert!(allowed(&rbac, &ops("list", "")));
        assert!(allowed(&rbac, &ops("watch", "other-user")));
        assert!(allowed(&rbac, &ops("list", "a-namespace-with-no-bindings")));
        assert!(!allowed(&rbac, &ops("create", "other-user")));
        let without_group = request("ops@example.com", "list", "notebooks.kubeflow.org", "", "");
        assert!(!allowed(&rbac, &without_group));
    }

    #[test]
    fn service_account_subjects() {
        let rbac = kubeflow().build();
        // The subject omitted its namespace: the binding's namespace fills in.
        let create =
            |who: &str| request(who, "create", "notebooks.kubeflow.org", "kubeflow-user", "");
        assert!(allowed(&rbac, &create(DEFAULT_EDITOR)));
        assert!(!allowed(
            &rbac,
            &create("system:serviceaccount:team-a:default-editor")
        ));
        assert!(!allowed(&rbac, &create("default-editor")));
        assert!(!allowed(
            &rbac,
            &create("system:serviceaccount:kubeflow-user:default-editor:x")
        ));
        // The explicit namespace wins over the binding's.
        let list = |who: &str| request(who, "list", "notebooks.kubeflow.org", "team-a", "");
        assert!(allowed(
            &rbac,
            &list("system:serviceaccount:kubeflow:pipeline-runner")
        ));
        assert!(!allowed(
            &rbac,
            &list("system:serviceaccount:team-a:pipeline-runner")
        ));
    }

    #[test]
    fn service_account_without_namespace_in_cluster_role_binding_matches_nobody() {
        let mut fixture = kubeflow();
        fixture.cluster_role_bindings.push(binding(
            "",
            "namespaceless",
            "ClusterRole",
            "notebook-reader",
            json!([{"kind": "ServiceAccount", "name": "reader"}]),
        ));
        let rbac = fixture.build();
        for who in [
            "system:serviceaccount::reader",
            "reader",
            "system:serviceaccount:default:reader",
        ] {
            assert!(!allowed(
                &rbac,
                &request(who, "list", "notebooks.kubeflow.org", "", "")
            ));
        }
    }

    #[test]
    fn resource_names_restrict_named_requests_only() {
        let rbac = kubeflow().build();
        let configmap =
            |verb: &str, name: &str| request(VIEWER, verb, "configmaps", "team-a", name);
        assert!(allowed(&rbac, &configmap("get", "team-config")));
        assert!(allowed(&rbac, &configmap("update", "team-config")));
        assert!(!allowed(&rbac, &configmap("get", "other-config")));
        assert!(!allowed(&rbac, &configmap("delete", "team-config")));
        // Unnamed requests cannot be narrowed by name.
        assert!(!allowed(&rbac, &configmap("list", "")));
        assert!(!allowed(&rbac, &configmap("create", "")));
        assert!(!allowed(&rbac, &configmap("deletecollection", "")));
        // The Role lives in team-a only.
        assert!(!allowed(
            &rbac,
            &request(VIEWER, "get", "configmaps", "kubeflow-user", "team-config")
        ));
    }

    #[test]
    fn role_ref_to_a_role_in_another_namespace_grants_nothing() {
        let mut fixture = kubeflow();
        fixture.role_bindings.push(binding(
            "other-user",
            "borrowed",
            "Role",
            "team-config-reader",
            json!([user(NOBODY)]),
        ));
        let rbac = fixture.build();
        let get = request(NOBODY, "get", "configmaps", "other-user", "team-config");
        assert!(!allowed(&rbac, &get));
    }

    #[test]
    fn subresources_need_their_own_grant() {
        let rbac = kubeflow().build();
        let status = |verb: &str, namespace: &str| {
            request(
                OWNER,
                verb,
                "notebooks.kubeflow.org/status",
                namespace,
                "nb",
            )
        };
        assert!(allowed(&rbac, &status("update", "kubeflow-user")));
        assert!(allowed(&rbac, &status("patch", "kubeflow-user")));
        assert!(!allowed(&rbac, &status("update", "team-a")));
        assert!(!allowed(&rbac, &status("update", "other-user")));
        // "notebooks" alone does not reach its subresources, nor "notebooks/status" the object.
        assert!(!allowed(&rbac, &status("get", "team-a")));
        assert!(!allowed(
            &rbac,
            &request(
                OWNER,
                "patch",
                "notebooks.kubeflow.org/scale",
                "kubeflow-user",
                "nb"
            )
        ));
        assert!(!allowed(
            &rbac,
            &request(
                "someone",
                "update",
                "notebooks.kubeflow.org",
                "kubeflow-user",
                "nb"
            )
        ));
    }

    #[test]
    fn subresource_wildcards() {
        let rbac = kubeflow().build();
        let apps = |verb: &str, resource: &str| request(OWNER, verb, resource, "team-a", "web");
        assert!(allowed(&rbac, &apps("update", "deployments.apps/scale")));
        assert!(allowed(&rbac, &apps("update", "statefulsets.apps/scale")));
        assert!(!allowed(&rbac, &apps("update", "deployments.apps")));
        assert!(!allowed(&rbac, &apps("update", "deployments.apps/status")));
        // As in Kubernetes, "deployments/*" is no wildcard: it names a subresource called "*".
        assert!(!allowed(&rbac, &apps("get", "deployments.apps/status")));
        assert!(!allowed(&rbac, &apps("get", "deployments.apps")));
    }

    #[test]
    fn wildcard_rules_match_any_verb_group_and_resource() {
        let cluster_roles = [cluster_role(
            "all",
            json!({}),
            json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
        )];
        let bindings = [binding(
            "",
            "all",
            "ClusterRole",
            "all",
            json!([user("root")]),
        )];
        let rbac = Rbac::new(&[], &cluster_roles, &[], &bindings);
        assert!(allowed(
            &rbac,
            &request(
                "root",
                "escalate",
                "clusterroles.rbac.authorization.k8s.io",
                "",
                "x"
            )
        ));
        assert!(allowed(
            &rbac,
            &request("root", "get", "pods/exec", "any", "p")
        ));
        // A resource rule says nothing about non-resource URLs.
        assert!(!allowed(&rbac, &url("root", &[], "get", "/healthz")));
    }

    #[test]
    fn non_resource_urls() {
        let rbac = kubeflow().build();
        assert!(allowed(&rbac, &url(NOBODY, &[], "get", "/healthz")));
        assert!(allowed(&rbac, &url(NOBODY, &[], "get", "/api/v1")));
        assert!(allowed(&rbac, &url(NOBODY, &[], "get", "/api/")));
        assert!(!allowed(&rbac, &url(NOBODY, &[], "get", "/api")));
        assert!(!allowed(
            &rbac,
            &url(NOBODY, &[], "get", "/apis/kubeflow.org")
        ));
        assert!(!allowed(&rbac, &url(NOBODY, &[], "get", "/healthz/ready")));
        assert!(!allowed(&rbac, &url(NOBODY, &[], "post", "/healthz")));
        // metrics-reader works through a ClusterRoleBinding but not through a RoleBinding, even
        // if the caller leaves a namespace on the attributes.
        assert!(allowed(
            &rbac,
            &url(NOBODY, &["monitoring"], "get", "/metrics")
        ));
        assert!(!allowed(&rbac, &url(OWNER, &[], "get", "/metrics")));
        let mut namespaced = url(OWNER, &[], "get", "/metrics");
        namespaced.namespace = "kubeflow-user".into();
        assert!(!allowed(&rbac, &namespaced));
    }

    #[test]
    fn url_patterns() {
        assert!(url_matches("*", "/anything"));
        assert!(url_matches("/healthz", "/healthz"));
        assert!(!url_matches("/healthz", "/healthz/"));
        assert!(url_matches("/logs*", "/logs"));
        assert!(url_matches("/logs*", "/logsx/y"));
        assert!(url_matches("/api**", "/api/v1"));
        assert!(!url_matches("/api/*", "/apis"));
    }

    #[test]
    fn impersonation_by_the_dashboard_service_account() {
        let rbac = kubeflow().build();
        let impersonate =
            |who: &str, resource: &str, name: &str| request(who, "impersonate", resource, "", name);
        assert!(allowed(&rbac, &impersonate(KFDASH, "users", OWNER)));
        assert!(allowed(
            &rbac,
            &impersonate(KFDASH, "groups", "kubeflow-operators")
        ));
        assert!(!allowed(
            &rbac,
            &impersonate(KFDASH, "serviceaccounts", "default-editor")
        ));
        assert!(!allowed(
            &rbac,
            &impersonate(KFDASH, "userextras.authentication.k8s.io/scopes", "view")
        ));
        assert!(!allowed(&rbac, &request(KFDASH, "get", "users", "", OWNER)));
        assert!(!allowed(&rbac, &impersonate(OWNER, "users", OTHER)));
        assert!(!allowed(
            &rbac,
            &impersonate("system:serviceaccount:default:kfdash", "users", OWNER)
        ));
        assert_eq!(
            rbac.authorize(&impersonate(KFDASH, "users", OWNER)),
            Decision::Allow {
                reason: "RBAC: allowed by ClusterRoleBinding \"kfdash-impersonator\" of \
                         ClusterRole \"kfdash-impersonator\" to ServiceAccount \"kfdash/kubeflow\""
                    .into()
            }
        );
    }

    #[test]
    fn system_masters_is_a_superuser() {
        let rbac = kubeflow().build();
        let masters = ["system:masters"];
        let delete = in_groups(
            request(NOBODY, "delete", "secrets", "kube-system", "x"),
            &masters,
        );
        assert!(allowed(&rbac, &delete));
        assert!(allowed(&rbac, &url(NOBODY, &masters, "post", "/anything")));
        // No RBAC object is consulted, so even an empty snapshot lets them through.
        assert!(Rbac::default().authorize(&delete).is_allowed());
        assert!(!allowed(
            &rbac,
            &request(NOBODY, "delete", "secrets", "kube-system", "x")
        ));
        let rules = rbac.rules_for(NOBODY, &["system:masters".into()], "");
        assert_eq!(
            rules,
            vec![
                json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}),
                json!({"verbs": ["*"], "nonResourceURLs": ["*"]}),
            ]
        );
    }

    #[test]
    fn authenticated_group_is_implicit() {
        let rbac = kubeflow().build();
        assert!(allowed(&rbac, &url("", &[], "get", "/healthz")));
        assert!(allowed(
            &rbac,
            &url(NOBODY, &["some-group"], "get", "/healthz")
        ));
        assert!(allowed(
            &rbac,
            &url(NOBODY, &[AUTHENTICATED_GROUP], "get", "/healthz")
        ));
    }

    #[test]
    fn empty_snapshot_denies_everything() {
        let rbac = Rbac::default();
        assert!(!allowed(
            &rbac,
            &request(
                OWNER,
                "get",
                "notebooks.kubeflow.org",
                "kubeflow-user",
                "nb"
            )
        ));
        assert!(!allowed(&rbac, &url(OWNER, &[], "get", "/healthz")));
        assert!(rbac.rules_for(OWNER, &[], "kubeflow-user").is_empty());
    }

    #[test]
    fn allow_reasons_name_binding_role_and_subject() {
        let rbac = kubeflow().build();
        let reason = |attributes: &Attributes| match rbac.authorize(attributes) {
            Decision::Allow { reason } => reason,
            Decision::Deny { reason } => panic!("denied: {reason}"),
        };
        assert_eq!(
            reason(&request(
                OWNER,
                "create",
                "rolebindings.rbac.authorization.k8s.io",
                "kubeflow-user",
                ""
            )),
            "RBAC: allowed by RoleBinding \"namespaceAdmin/kubeflow-user\" of ClusterRole \
             \"kubeflow-admin\" to User \"user@example.com\""
        );
        assert_eq!(
            reason(&request(
                VIEWER,
                "get",
                "configmaps",
                "team-a",
                "team-config"
            )),
            "RBAC: allowed by RoleBinding \"team-config/team-a\" of Role \"team-config-reader\" \
             to User \"viewer@example.com\""
        );
        assert_eq!(
            reason(&request(
                DEFAULT_EDITOR,
                "delete",
                "notebooks.kubeflow.org",
                "kubeflow-user",
                "nb"
            )),
            "RBAC: allowed by RoleBinding \"default-editor/kubeflow-user\" of ClusterRole \
             \"kubeflow-edit\" to ServiceAccount \"default-editor/kubeflow-user\""
        );
        assert_eq!(
            reason(&url(NOBODY, &[], "get", "/healthz")),
            "RBAC: allowed by ClusterRoleBinding \"health\" of ClusterRole \"health-reader\" \
             to Group \"system:authenticated\""
        );
    }

    #[test]
    fn deny_reasons_read_like_forbidden_messages() {
        let rbac = kubeflow().build();
        let reason = |attributes: &Attributes| match rbac.authorize(attributes) {
            Decision::Deny { reason } => reason,
            Decision::Allow { reason } => panic!("allowed: {reason}"),
        };
        assert_eq!(
            reason(&request(
                OWNER,
                "list",
                "notebooks.kubeflow.org",
                "other-user",
                ""
            )),
            "User \"user@example.com\" cannot list resource \"notebooks\" in API group \
             \"kubeflow.org\" in the namespace \"other-user\""
        );
        assert_eq!(
            reason(&request(OWNER, "get", "pods/exec", "", "p")),
            "User \"user@example.com\" cannot get resource \"pods/exec\" in API group \"\" at \
             the cluster scope"
        );
        assert_eq!(
            reason(&url(OWNER, &[], "get", "/metrics")),
            "User \"user@example.com\" cannot get path \"/metrics\""
        );
    }

    #[test]
    fn aggregation_is_transitive_and_selective() {
        let rbac = kubeflow().build();
        let rules = rbac.rules_for(OWNER, &[], "kubeflow-user");
        let has = |rule: Value| rules.contains(&rule);
        // From the view level, two aggregation steps below kubeflow-admin.
        assert!(has(
            json!({"apiGroups": ["kubeflow.org"], "resources": ["notebooks", "poddefaults"],
                           "verbs": ["get", "list", "watch"]})
        ));
        assert!(has(
            json!({"apiGroups": ["kubeflow.org"], "resources": ["notebooks"],
                           "verbs": ["create", "update", "patch", "delete", "deletecollection"]})
        ));
        assert!(has(json!({"apiGroups": ["rbac.authorization.k8s.io"],
                           "resources": ["rolebindings"], "verbs": ["*"]})));
        // Cluster-wide grants are part of every namespace's answer.
        assert!(has(
            json!({"nonResourceURLs": ["/healthz", "/api/*"], "verbs": ["get"]})
        ));
        assert!(
            !rules
                .iter()
                .any(|rule| rule["resources"] == json!(["secrets"]))
        );
        // No duplicates even though kubeflow-edit reaches the view rules too.
        let unique: HashSet<String> = rules.iter().map(Value::to_string).collect();
        assert_eq!(unique.len(), rules.len());

        let team = rbac.rules_for(OWNER, &[], "team-a");
        assert!(
            !team
                .iter()
                .any(|rule| rule["resources"] == json!(["rolebindings"]))
        );
        assert!(
            team.iter()
                .any(|rule| rule["resources"] == json!(["notebooks"]))
        );
        let elsewhere = rbac.rules_for(OWNER, &[], "other-user");
        assert_eq!(
            elsewhere,
            vec![json!({"nonResourceURLs": ["/healthz", "/api/*"], "verbs": ["get"]})]
        );
    }

    #[test]
    fn aggregated_role_keeps_its_own_rules_and_an_empty_selector_takes_everything() {
        let cluster_roles = [
            json!({
                "metadata": {"name": "everything"},
                "aggregationRule": {"clusterRoleSelectors": [{}]},
                "rules": [{"apiGroups": [""], "resources": ["events"], "verbs": ["list"]}],
            }),
            cluster_role(
                "a",
                json!({"x": "1"}),
                json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]),
            ),
            cluster_role(
                "b",
                json!({}),
                json!([{"nonResourceURLs": ["/version"], "verbs": ["get"]}]),
            ),
        ];
        let bindings = [binding(
            "",
            "e",
            "ClusterRole",
            "everything",
            json!([user("u")]),
        )];
        let rbac = Rbac::new(&[], &cluster_roles, &[], &bindings);
        assert!(allowed(&rbac, &request("u", "list", "events", "ns", "")));
        assert!(allowed(&rbac, &request("u", "get", "pods", "ns", "p")));
        assert!(allowed(&rbac, &url("u", &[], "get", "/version")));
        assert_eq!(rbac.rules_for("u", &[], "").len(), 3);
    }

    #[test]
    fn cyclic_aggregation_terminates_and_unites_the_cycle() {
        let rule = |resource: &str| json!([{"apiGroups": [""], "resources": [resource], "verbs": ["get"]}]);
        let select = |value: &str| json!([{"matchLabels": {"loop": value}}]);
        let mut cluster_roles = vec![
            json!({"metadata": {"name": "loop-a", "labels": {"loop": "a"}},
                   "aggregationRule": {"clusterRoleSelectors": select("b")}, "rules": rule("configmaps")}),
            json!({"metadata": {"name": "loop-b", "labels": {"loop": "b"}},
                   "aggregationRule": {"clusterRoleSelectors": select("c")}, "rules": rule("secrets")}),
            json!({"metadata": {"name": "loop-c", "labels": {"loop": "c"}},
                   "aggregationRule": {"clusterRoleSelectors": select("a")}, "rules": rule("services")}),
        ];
        // Selects itself as well as the others.
        cluster_roles.push(json!({
            "metadata": {"name": "self", "labels": {"loop": "self"}},
            "aggregationRule": {"clusterRoleSelectors": [
                {"matchExpressions": [{"key": "loop", "operator": "Exists"}]}]},
            "rules": rule("endpoints"),
        }));
        let bindings: Vec<Value> = ["loop-a", "loop-b", "loop-c", "self"]
            .iter()
            .map(|name| binding("loops", name, "ClusterRole", name, json!([user(name)])))
            .collect();
        let rbac = Rbac::new(&[], &cluster_roles, &bindings, &[]);
        for name in ["loop-a", "loop-b", "loop-c"] {
            for resource in ["configmaps", "secrets", "services"] {
                assert!(
                    allowed(&rbac, &request(name, "get", resource, "loops", "x")),
                    "{name} {resource}"
                );
            }
            assert!(!allowed(
                &rbac,
                &request(name, "get", "endpoints", "loops", "x")
            ));
            assert_eq!(rbac.rules_for(name, &[], "loops").len(), 3);
        }
        assert_eq!(rbac.rules_for("self", &[], "loops").len(), 4);
    }

    #[test]
    fn malformed_objects_are_ignored() {
        let mut fixture = kubeflow();
        let everything = json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]);
        fixture.cluster_roles.extend([
            json!(42),
            json!("kubeflow-view"),
            json!({"rules": everything}),
            json!({"metadata": {"name": ""}, "rules": everything}),
            json!({"metadata": {"name": "bad-verbs"},
                   "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": "*"}]}),
            json!({"metadata": {"name": "bad-rules"}, "rules": {"verbs": ["*"]}}),
            // A non-string label makes the role undecodable, so it cannot join kubeflow-view.
            json!({"metadata": {"name": "bad-labels", "labels": {KF_VIEW_LABEL: "true", "n": 7}},
                   "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}),
            // A replacement for kubeflow-edit would have to decode first.
            json!({"metadata": {"name": "kubeflow-edit"}, "aggregationRule": "all"}),
            // Invalid selectors disable aggregation: the role keeps only its own rules.
            json!({"metadata": {"name": "bad-selector"},
                   "aggregationRule": {"clusterRoleSelectors": [
                       {"matchExpressions": [{"key": KF_VIEW_LABEL, "operator": "Matches",
                                              "values": ["true"]}]}]},
                   "rules": [{"apiGroups": [""], "resources": ["events"], "verbs": ["list"]}]}),
            cluster_role("good-everything", json!({}), everything.clone()),
        ]);
        fixture.roles.extend([
            json!(null),
            json!({"metadata": {"name": "no-namespace"}, "rules": everything}),
            json!({"metadata": {"name": "bad", "namespace": "kubeflow-user"}, "rules": "everything"}),
        ]);
        fixture.role_bindings.extend([
            json!([]),
            binding(
                "kubeflow-user",
                "to-bad",
                "Role",
                "bad",
                json!([user(NOBODY)]),
            ),
            binding(
                "",
                "no-namespace",
                "Role",
                "no-namespace",
                json!([user(NOBODY)]),
            ),
            binding(
                "kubeflow-user",
                "to-bad-selector",
                "ClusterRole",
                "bad-selector",
                json!([user(NOBODY)]),
            ),
            binding(
                "kubeflow-user",
                "bad-subjects",
                "ClusterRole",
                "good-everything",
                json!([user(NOBODY), {"kind": "User", "name": 5}]),
            ),
            binding(
                "kubeflow-user",
                "bad-kind",
                "Secret",
                "good-everything",
                json!([user(NOBODY)]),
            ),
            json!({"metadata": {"name": "no-ref", "namespace": "kubeflow-user"},
                   "subjects": [user(NOBODY)]}),
        ]);
        fixture.cluster_role_bindings.extend([
            json!(true),
            binding(
                "",
                "to-bad-verbs",
                "ClusterRole",
                "bad-verbs",
                json!([group(AUTHENTICATED_GROUP)]),
            ),
            binding(
                "",
                "to-bad-rules",
                "ClusterRole",
                "bad-rules",
                json!([group(AUTHENTICATED_GROUP)]),
            ),
            binding(
                "",
                "subjects-not-a-list",
                "ClusterRole",
                "good-everything",
                json!("everyone"),
            ),
            binding(
                "",
                // Only a ClusterRole can be granted cluster-wide, even when one has the name.
                "role-in-crb",
                "Role",
                "good-everything",
                json!([group(AUTHENTICATED_GROUP)]),
            ),
            binding(
                "",
                "missing-role",
                "ClusterRole",
                "does-not-exist",
                json!([group(AUTHENTICATED_GROUP)]),
            ),
            binding(
                "",
                "unknown-kind",
                "ClusterRole",
                "good-everything",
                json!([{"kind": "Robot", "name": NOBODY}]),
            ),
        ]);
        let rbac = fixture.build();

        for namespace in ["kubeflow-user", "team-a", ""] {
            for who in [NOBODY, OWNER, VIEWER] {
                let get = request(who, "get", "secrets", namespace, "s");
                assert!(!allowed(&rbac, &get), "{who} in {namespace:?}");
            }
        }
        assert!(!allowed(
            &rbac,
            &request(NOBODY, "get", "configmaps", "team-a", "team-config")
        ));
        assert!(allowed(
            &rbac,
            &request(NOBODY, "list", "events", "kubeflow-user", "")
        ));
        assert!(!allowed(
            &rbac,
            &request(
                NOBODY,
                "list",
                "notebooks.kubeflow.org",
                "kubeflow-user",
                ""
            )
        ));
        // The well-formed Kubeflow objects are unaffected.
        assert!(allowed(
            &rbac,
            &request(OWNER, "create", "notebooks.kubeflow.org", "team-a", "")
        ));
        assert!(allowed(
            &rbac,
            &request(VIEWER, "list", "notebooks.kubeflow.org", "team-a", "")
        ));
        assert!(allowed(
            &rbac,
            &request(
                OWNER,
                "create",
                "rolebindings.rbac.authorization.k8s.io",
                "kubeflow-user",
                ""
            )
        ));
    }

    #[test]
    fn rules_for_lists_a_rule_once_however_many_bindings_grant_it() {
        let mut fixture = kubeflow();
        fixture.role_bindings.push(binding(
            "team-a",
            "ops-readers",
            "ClusterRole",
            "notebook-reader",
            json!([user("ops@example.com")]),
        ));
        let rbac = fixture.build();
        let groups = ["kubeflow-operators".to_string()];
        let reader = json!({"apiGroups": ["kubeflow.org"], "resources": ["notebooks"],
                            "verbs": ["get", "list", "watch"]});
        let health = json!({"nonResourceURLs": ["/healthz", "/api/*"], "verbs": ["get"]});
        assert_eq!(
            rbac.rules_for("ops@example.com", &groups, "team-a"),
            vec![reader.clone(), health.clone()]
        );
        // Without the group only the RoleBinding grants the reader rule, and only in team-a.
        assert_eq!(
            rbac.rules_for("ops@example.com", &[], "team-a"),
            vec![health.clone(), reader]
        );
        assert_eq!(rbac.rules_for("ops@example.com", &[], ""), vec![health]);
    }

    #[test]
    fn later_duplicate_cluster_role_replaces_earlier() {
        let cluster_roles = [
            cluster_role(
                "r",
                json!({}),
                json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]),
            ),
            cluster_role(
                "r",
                json!({}),
                json!([{"apiGroups": [""], "resources": ["services"], "verbs": ["get"]}]),
            ),
        ];
        let bindings = [binding("", "r", "ClusterRole", "r", json!([user("u")]))];
        let rbac = Rbac::new(&[], &cluster_roles, &[], &bindings);
        assert!(!allowed(&rbac, &request("u", "get", "pods", "ns", "p")));
        assert!(allowed(&rbac, &request("u", "get", "services", "ns", "s")));
    }

    fn selector(value: Value) -> Option<Selector> {
        parse_selector(&value).expect("decodes")
    }

    fn labels(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("object")
    }

    #[test]
    fn label_selectors() {
        let tier = labels(json!({"tier": "web", "team": "a"}));
        let matches = |value: Value| selector(value).expect("valid").matches(&tier);
        assert!(matches(json!({})));
        assert!(matches(json!({"matchLabels": {"tier": "web"}})));
        assert!(!matches(
            json!({"matchLabels": {"tier": "web", "team": "b"}})
        ));
        assert!(matches(
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db", "web"]}]})
        ));
        assert!(!matches(
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}]})
        ));
        assert!(matches(
            json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]})
        ));
        assert!(matches(
            json!({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["x"]}]})
        ));
        assert!(!matches(
            json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["web"]}]})
        ));
        assert!(matches(
            json!({"matchExpressions": [{"key": "team", "operator": "Exists"}]})
        ));
        assert!(!matches(
            json!({"matchExpressions": [{"key": "zone", "operator": "Exists"}]})
        ));
        assert!(matches(
            json!({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]})
        ));
        assert!(!matches(
            json!({"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]})
        ));
        assert!(!matches(json!({"matchLabels": {"tier": "web"},
                                "matchExpressions": [{"key": "team", "operator": "In", "values": ["b"]}]})));
        assert!(!selector(json!(null)).expect("valid").matches(&tier));
    }

    #[test]
    fn invalid_and_undecodable_selectors() {
        for invalid in [
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": []}]}),
            json!({"matchExpressions": [{"key": "tier", "operator": "NotIn"}]}),
            json!({"matchExpressions": [{"key": "tier", "operator": "Exists", "values": ["x"]}]}),
            json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist", "values": ["x"]}]}),
            json!({"matchExpressions": [{"key": "tier", "operator": "Gt", "values": ["1"]}]}),
            json!({"matchExpressions": [{"key": "", "operator": "Exists"}]}),
            json!({"matchLabels": {"": "x"}}),
        ] {
            assert!(selector(invalid.clone()).is_none(), "{invalid}");
        }
        for undecodable in [
            json!("tier=web"),
            json!({"matchLabels": {"tier": 1}}),
            json!({"matchLabels": ["tier"]}),
            json!({"matchExpressions": {"key": "tier"}}),
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": "web"}]}),
        ] {
            assert_eq!(
                parse_selector(&undecodable).err(),
                Some(Malformed),
                "{undecodable}"
            );
        }
    }
}
