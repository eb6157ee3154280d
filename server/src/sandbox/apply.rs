//! Patches: JSON merge patch, JSON patch, strategic merge (treated as merge patch: lists are
//! replaced whole), and server-side apply with field managers and conflicts.
//!
//! Server-side apply here tracks ownership at the level of leaf fields, with lists owned whole.
//! Conflicts are raised against other *Apply* managers only: the fields kfdash and kubectl set
//! declaratively. Update-operation managers are recorded but never block an apply.

use serde_json::{Map, Value};

/// Metadata the server owns; never part of anyone's field set.
const SERVER_FIELDS: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// Leaf paths of an object (objects recurse, scalars and lists are leaves), excluding
/// identity and server-owned fields.
pub fn leaf_paths(object: &Value) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    if let Some(map) = object.as_object() {
        for (key, value) in map {
            if key == "apiVersion" || key == "kind" {
                continue;
            }
            let mut path = vec![key.clone()];
            if key == "metadata" {
                if let Some(metadata) = value.as_object() {
                    for (field, inner) in metadata {
                        if SERVER_FIELDS.contains(&field.as_str())
                            || field == "name"
                            || field == "namespace"
                        {
                            continue;
                        }
                        path.push(field.clone());
                        collect(inner, &mut path, &mut paths);
                        path.pop();
                    }
                }
                continue;
            }
            collect(value, &mut path, &mut paths);
            path.pop();
        }
    }
    paths
}

fn collect(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value.as_object() {
        Some(map) if !map.is_empty() => {
            for (key, inner) in map {
                path.push(key.clone());
                collect(inner, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

/// The FieldsV1 form of an object's field set: `{"f:spec": {"f:replicas": {}}}`.
pub fn field_set(object: &Value) -> Value {
    let mut root = Map::new();
    for path in leaf_paths(object) {
        let mut node = &mut root;
        for segment in path {
            node = node
                .entry(format!("f:{segment}"))
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("field set nodes are objects");
        }
    }
    Value::Object(root)
}

/// Leaf paths of a FieldsV1 value.
fn paths_of_field_set(fields: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk_field_set(fields, &mut path, &mut out);
    out
}

fn walk_field_set(node: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match node.as_object() {
        Some(map) if !map.is_empty() => {
            for (key, inner) in map {
                let Some(segment) = key.strip_prefix("f:") else {
                    continue;
                };
                path.push(segment.to_string());
                walk_field_set(inner, path, out);
                path.pop();
            }
        }
        _ => {
            if !path.is_empty() {
                out.push(path.clone());
            }
        }
    }
}

fn value_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(object, |node, segment| node.get(segment))
}

fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = object;
    for segment in parents {
        match node.get_mut(segment) {
            Some(next) => node = next,
            None => return,
        }
    }
    if let Some(map) = node.as_object_mut() {
        map.remove(last);
    }
}

/// A field another applier owns with a different value: (path like `spec.replicas`, manager).
pub type Conflicts = Vec<(String, String)>;

/// The object after `manager` applies `applied` to `current` (None: it does not exist yet).
pub fn server_side_apply(
    current: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
) -> Result<Value, Conflicts> {
    let Some(current) = current else {
        return Ok(applied.clone());
    };
    let applied_paths = leaf_paths(applied);
    let entries: Vec<Value> = current
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut conflicts = Vec::new();
    let mut owned_by_others: Vec<Vec<String>> = Vec::new();
    let mut previously_mine: Vec<Vec<String>> = Vec::new();
    for entry in &entries {
        let paths = entry
            .get("fieldsV1")
            .map(paths_of_field_set)
            .unwrap_or_default();
        let is_apply = entry.get("operation").and_then(Value::as_str) == Some("Apply");
        let owner = entry
            .get("manager")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if owner == manager && is_apply {
            previously_mine.extend(paths);
            continue;
        }
        if is_apply && !force {
            for path in &paths {
                if applied_paths.contains(path)
                    && value_at(current, path) != value_at(applied, path)
                {
                    conflicts.push((path.join("."), owner.to_string()));
                }
            }
        }
        owned_by_others.extend(paths);
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let mut next = current.clone();
    // Fields this manager applied before and no longer applies are removed, unless someone
    // else also manages them.
    for path in previously_mine {
        if !applied_paths.contains(&path) && !owned_by_others.contains(&path) {
            remove_at(&mut next, &path);
        }
    }
    json_patch::merge(&mut next, applied);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_manager(mut object: Value, manager: &str, operation: &str, applied: &Value) -> Value {
        object["metadata"]["managedFields"] = json!([{
            "manager": manager, "operation": operation, "fieldsType": "FieldsV1", "fieldsV1": field_set(applied),
        }]);
        object
    }

    #[test]
    fn field_sets_skip_identity_and_server_fields() {
        let object = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "c", "uid": "u", "labels": { "a": "1" } },
            "data": { "k": "v" }, "list": [1, 2],
        });
        assert_eq!(
            field_set(&object),
            json!({
                "f:metadata": { "f:labels": { "f:a": {} } },
                "f:data": { "f:k": {} },
                "f:list": {},
            })
        );
    }

    #[test]
    fn applying_over_another_appliers_field_conflicts_unless_forced() {
        let theirs = json!({ "metadata": { "name": "c" }, "data": { "k": "theirs" } });
        let current = with_manager(theirs.clone(), "kubectl", "Apply", &theirs);
        let mine = json!({ "metadata": { "name": "c" }, "data": { "k": "mine" } });
        let conflicts = server_side_apply(Some(&current), &mine, "kfdash", false).unwrap_err();
        assert_eq!(
            conflicts,
            vec![("data.k".to_string(), "kubectl".to_string())]
        );
        let forced = server_side_apply(Some(&current), &mine, "kfdash", true).unwrap();
        assert_eq!(forced["data"]["k"], "mine");
    }

    #[test]
    fn same_value_is_shared_ownership_not_a_conflict() {
        let theirs = json!({ "metadata": { "name": "c" }, "data": { "k": "v" } });
        let current = with_manager(theirs.clone(), "kubectl", "Apply", &theirs);
        assert!(server_side_apply(Some(&current), &theirs, "kfdash", false).is_ok());
    }

    #[test]
    fn fields_dropped_from_my_apply_are_removed() {
        let before = json!({ "metadata": { "name": "c" }, "data": { "a": "1", "b": "2" } });
        let current = with_manager(before.clone(), "kfdash", "Apply", &before);
        let after = json!({ "metadata": { "name": "c" }, "data": { "a": "1" } });
        let next = server_side_apply(Some(&current), &after, "kfdash", false).unwrap();
        assert_eq!(next["data"], json!({ "a": "1" }));
    }

    #[test]
    fn update_managers_never_block_an_apply() {
        let theirs = json!({ "metadata": { "name": "c" }, "data": { "k": "edited" } });
        let current = with_manager(theirs.clone(), "kubectl-edit", "Update", &theirs);
        let mine = json!({ "metadata": { "name": "c" }, "data": { "k": "mine" } });
        assert_eq!(
            server_side_apply(Some(&current), &mine, "kfdash", false).unwrap()["data"]["k"],
            "mine"
        );
    }
}
