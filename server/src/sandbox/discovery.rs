//! Discovery documents (/version, /api, /apis, /api/v1, /apis/<g>/<v>): what kubectl and
//! kube-rs read to learn which resources exist and how to reach them.

use super::registry::{self, RESOURCES};
use serde_json::{Value, json};

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-kfdash-sandbox",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "n/a",
        "compiler": "kfdash",
        "platform": "sandbox",
    })
}

pub fn core_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{ "clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1" }],
    })
}

pub fn group_list() -> Value {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (group, version) in registry::groups() {
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, versions)) => versions.push(version),
            None => groups.push((group, vec![version])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|version| json!({ "groupVersion": format!("{group}/{version}"), "version": version }))
                .collect();
            json!({ "name": group, "versions": versions, "preferredVersion": versions[0] })
        })
        .collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// The APIResourceList of one group/version, or None if nothing is served there.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for resource in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        resources.push(json!({
            "name": resource.plural,
            "singularName": resource.singular,
            "namespaced": resource.namespaced,
            "kind": resource.kind,
            "verbs": resource.verbs(),
            "shortNames": resource.short_names,
        }));
        for subresource in resource.subresources {
            let verbs: &[&str] = if *subresource == "log" {
                &["get"]
            } else {
                &["get", "patch", "update"]
            };
            let kind = if *subresource == "log" {
                "Pod"
            } else {
                resource.kind
            };
            resources.push(json!({
                "name": format!("{}/{subresource}", resource.plural),
                "singularName": "",
                "namespaced": resource.namespaced,
                "kind": kind,
                "verbs": verbs,
            }));
        }
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources }),
    )
}

/// The group-version's path in the OpenAPI v3 index: `api/v1`, `apis/kubeflow.org/v1`.
fn openapi_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: one entry per served group-version.
pub fn openapi_v3_index() -> Value {
    let mut paths = serde_json::Map::new();
    let mut versions = vec![("", "v1")];
    versions.extend(registry::groups());
    for (group, version) in versions {
        let path = openapi_path(group, version);
        paths.insert(
            path.clone(),
            json!({ "serverRelativeURL": format!("/openapi/v3/{path}") }),
        );
    }
    json!({ "paths": paths })
}

/// `/openapi/v3/<group-version path>`: a schema per kind that accepts any fields, which is what
/// a CRD without a schema publishes (validation is the server's job, as for Katib's CRDs).
pub fn openapi_v3_group(path: &str) -> Option<Value> {
    let mut schemas = serde_json::Map::new();
    let mut operations = serde_json::Map::new();
    for resource in RESOURCES
        .iter()
        .filter(|r| openapi_path(r.group, r.version) == path)
    {
        // A PATCH that takes fieldValidation tells kubectl the server validates this kind.
        let scope = if resource.namespaced {
            "namespaces/{namespace}/"
        } else {
            ""
        };
        operations.insert(
            format!("/{path}/{scope}{}/{{name}}", resource.plural),
            json!({ "patch": {
                "x-kubernetes-group-version-kind": { "group": resource.group, "version": resource.version, "kind": resource.kind },
                "parameters": [{ "name": "fieldValidation", "in": "query", "schema": { "type": "string" } }],
                "responses": { "200": { "description": "OK" } },
            } }),
        );
        let group = if resource.group.is_empty() {
            "core"
        } else {
            resource.group
        };
        schemas.insert(
            format!("{group}.{}.{}", resource.version, resource.kind),
            json!({
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": true,
                "x-kubernetes-group-version-kind": [{ "group": resource.group, "version": resource.version, "kind": resource.kind }],
            }),
        );
    }
    if schemas.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": { "title": "kfdash sandbox", "version": "v1.33.0" },
        "paths": operations,
        "components": { "schemas": schemas },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_list_each_group_once_with_all_its_versions() {
        let list = group_list();
        let kubeflow: Vec<&Value> = list["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["name"] == "kubeflow.org")
            .collect();
        assert_eq!(kubeflow.len(), 1);
        assert_eq!(kubeflow[0]["versions"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn openapi_v3_lists_every_group_version_and_its_kinds() {
        let index = openapi_v3_index();
        assert!(index["paths"]["apis/kubeflow.org/v1beta1"]["serverRelativeURL"].is_string());
        let document = openapi_v3_group("apis/kubeflow.org/v1beta1").unwrap();
        let experiment = &document["components"]["schemas"]["kubeflow.org.v1beta1.Experiment"];
        assert_eq!(
            experiment["x-kubernetes-group-version-kind"][0]["kind"],
            "Experiment"
        );
        assert!(openapi_v3_group("apis/nothing/v1").is_none());
    }

    #[test]
    fn resource_lists_carry_subresources() {
        let core = resource_list("", "v1").unwrap();
        let names: Vec<&str> = core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(
            names.contains(&"pods")
                && names.contains(&"pods/log")
                && names.contains(&"namespaces/status")
        );
        assert!(resource_list("nothing.example", "v1").is_none());
    }
}
