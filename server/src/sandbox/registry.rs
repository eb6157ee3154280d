//! The kinds the sandbox serves, with their real group, version, plural and scope: what
//! discovery advertises and what the REST layer accepts.

/// One served resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// Subresources served besides the object itself ("status", "log").
    pub subresources: &'static [&'static str],
    /// Create-only review kinds are answered, never stored.
    pub review: bool,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn has_status(&self) -> bool {
        self.subresources.contains(&"status")
    }

    /// The verbs discovery advertises (kubectl decides what it may try from these).
    pub fn verbs(&self) -> &'static [&'static str] {
        if self.review {
            &["create"]
        } else {
            &[
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        }
    }
}

const fn kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    namespaced: bool,
) -> ResourceType {
    ResourceType {
        group,
        version,
        kind,
        plural,
        singular,
        namespaced,
        short_names: &[],
        subresources: &[],
        review: false,
    }
}

const fn with_status(mut resource: ResourceType) -> ResourceType {
    resource.subresources = &["status"];
    resource
}

const fn short(mut resource: ResourceType, names: &'static [&'static str]) -> ResourceType {
    resource.short_names = names;
    resource
}

/// The group of the sandbox's internal kinds.
pub const SANDBOX_GROUP: &str = "sandbox.kfdash.io";

/// Every kind the sandbox knows. Kubeflow's CRDs are served at the versions its controllers use.
pub static RESOURCES: &[ResourceType] = &[
    short(
        with_status(kind(
            "",
            "v1",
            "Namespace",
            "namespaces",
            "namespace",
            false,
        )),
        &["ns"],
    ),
    ResourceType {
        subresources: &["status", "log"],
        ..short(kind("", "v1", "Pod", "pods", "pod", true), &["po"])
    },
    short(kind("", "v1", "Event", "events", "event", true), &["ev"]),
    short(
        with_status(kind(
            "",
            "v1",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            "persistentvolumeclaim",
            true,
        )),
        &["pvc"],
    ),
    short(
        kind("", "v1", "ConfigMap", "configmaps", "configmap", true),
        &["cm"],
    ),
    kind("", "v1", "Secret", "secrets", "secret", true),
    short(
        kind(
            "",
            "v1",
            "ServiceAccount",
            "serviceaccounts",
            "serviceaccount",
            true,
        ),
        &["sa"],
    ),
    short(
        with_status(kind(
            "",
            "v1",
            "ResourceQuota",
            "resourcequotas",
            "resourcequota",
            true,
        )),
        &["quota"],
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        "role",
        true,
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        "clusterrole",
        false,
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        "rolebinding",
        true,
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        "clusterrolebinding",
        false,
    ),
    short(
        kind(
            "storage.k8s.io",
            "v1",
            "StorageClass",
            "storageclasses",
            "storageclass",
            false,
        ),
        &["sc"],
    ),
    ResourceType {
        review: true,
        ..kind(
            "authorization.k8s.io",
            "v1",
            "SelfSubjectAccessReview",
            "selfsubjectaccessreviews",
            "",
            false,
        )
    },
    ResourceType {
        review: true,
        ..kind(
            "authorization.k8s.io",
            "v1",
            "SubjectAccessReview",
            "subjectaccessreviews",
            "",
            false,
        )
    },
    short(
        kind(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            "customresourcedefinition",
            false,
        ),
        &["crd", "crds"],
    ),
    with_status(kind(
        "kubeflow.org",
        "v1",
        "Profile",
        "profiles",
        "profile",
        false,
    )),
    with_status(kind(
        "kubeflow.org",
        "v1",
        "Notebook",
        "notebooks",
        "notebook",
        true,
    )),
    kind(
        "kubeflow.org",
        "v1alpha1",
        "PodDefault",
        "poddefaults",
        "poddefault",
        true,
    ),
    with_status(kind(
        "kubeflow.org",
        "v1beta1",
        "Experiment",
        "experiments",
        "experiment",
        true,
    )),
    with_status(kind(
        "kubeflow.org",
        "v1beta1",
        "Trial",
        "trials",
        "trial",
        true,
    )),
    with_status(kind(
        "kubeflow.org",
        "v1beta1",
        "Suggestion",
        "suggestions",
        "suggestion",
        true,
    )),
    short(
        with_status(kind(
            "argoproj.io",
            "v1alpha1",
            "Workflow",
            "workflows",
            "workflow",
            true,
        )),
        &["wf"],
    ),
    with_status(kind(
        "pipelines.kubeflow.org",
        "v2beta1",
        "Pipeline",
        "pipelines",
        "pipeline",
        true,
    )),
    with_status(kind(
        "pipelines.kubeflow.org",
        "v2beta1",
        "PipelineVersion",
        "pipelineversions",
        "pipelineversion",
        true,
    )),
    // The emulated KFP API's own records (kfp/): internal kinds, not Kubeflow's. Pipelines
    // and their versions are cluster-scoped because shared pipelines have no namespace.
    kind(
        SANDBOX_GROUP,
        "v1alpha1",
        "KfpPipeline",
        "kfppipelines",
        "kfppipeline",
        false,
    ),
    kind(
        SANDBOX_GROUP,
        "v1alpha1",
        "KfpPipelineVersion",
        "kfppipelineversions",
        "kfppipelineversion",
        false,
    ),
    kind(
        SANDBOX_GROUP,
        "v1alpha1",
        "KfpExperiment",
        "kfpexperiments",
        "kfpexperiment",
        true,
    ),
    with_status(kind(
        SANDBOX_GROUP,
        "v1alpha1",
        "KfpRun",
        "kfpruns",
        "kfprun",
        true,
    )),
    kind(
        "security.istio.io",
        "v1",
        "AuthorizationPolicy",
        "authorizationpolicies",
        "authorizationpolicy",
        true,
    ),
];

/// Fields besides metadata.name/namespace that a field selector may use, per kind (as the API
/// server allows them: kubectl describe selects events by their involved object).
pub fn selectable_fields(resource: &ResourceType) -> &'static [&'static str] {
    match (resource.group, resource.kind) {
        ("", "Event") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "Pod") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.phase",
            "status.podIP",
        ],
        ("", "Namespace") => &["status.phase"],
        ("", "Secret") => &["type"],
        _ => &[],
    }
}

/// The served type at `group/version/plural`.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The served type of an object's `apiVersion` and `kind`.
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

/// Groups other than core, in discovery order, each with its one served version.
pub fn groups() -> Vec<(&'static str, &'static str)> {
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for resource in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if !groups
            .iter()
            .any(|(group, version)| *group == resource.group && *version == resource.version)
        {
            groups.push((resource.group, resource.version));
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_and_findable() {
        for resource in RESOURCES {
            assert_eq!(
                find(resource.group, resource.version, resource.plural),
                Some(resource)
            );
            assert_eq!(
                by_kind(&resource.api_version(), resource.kind),
                Some(resource)
            );
        }
        assert_eq!(
            find("kubeflow.org", "v1", "notebooks").map(|r| r.namespaced),
            Some(true)
        );
        assert_eq!(
            find("kubeflow.org", "v1", "profiles").map(|r| r.namespaced),
            Some(false)
        );
        assert!(
            find("kubeflow.org", "v1", "trials").is_none(),
            "trials live at v1beta1"
        );
    }

    #[test]
    fn kubeflow_org_serves_two_versions_as_two_groups_entries() {
        let groups = groups();
        assert!(groups.contains(&("kubeflow.org", "v1")));
        assert!(groups.contains(&("kubeflow.org", "v1beta1")));
        assert!(groups.contains(&("kubeflow.org", "v1alpha1")));
    }
}
