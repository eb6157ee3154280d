//! `meta.k8s.io/v1` Table answers for `kubectl get`, which asks for them: the columns a user
//! expects for each kind, computed on the server as the API server does.

use super::registry::ResourceType;
use super::store::meta_str;
use serde_json::{Value, json};

/// A human age like kubectl's: 45s, 12m, 3h, 5d.
pub fn age(created: &str, now: jiff::Timestamp) -> String {
    let Ok(created) = created.parse::<jiff::Timestamp>() else {
        return "<unknown>".into();
    };
    let seconds = now.as_second().saturating_sub(created.as_second()).max(0);
    match seconds {
        0..120 => format!("{seconds}s"),
        120..7200 => format!("{}m", seconds / 60),
        7200..172_800 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86_400),
    }
}

fn text(object: &Value, pointer: &str) -> Value {
    json!(
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    )
}

/// A column: its heading and how to compute its cell from an object.
type Column = (&'static str, fn(&Value) -> Value);

/// Extra columns per kind.
fn columns(resource: &ResourceType) -> Vec<Column> {
    match resource.kind {
        "Pod" => vec![
            ("Ready", |pod| {
                let statuses = pod
                    .pointer("/status/containerStatuses")
                    .and_then(Value::as_array);
                let total = pod
                    .pointer("/spec/containers")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let ready = statuses.map_or(0, |s| s.iter().filter(|c| c["ready"] == true).count());
                json!(format!("{ready}/{total}"))
            }),
            ("Status", |pod| {
                let waiting = pod
                    .pointer("/status/containerStatuses/0/state/waiting/reason")
                    .and_then(Value::as_str);
                json!(
                    waiting
                        .or_else(|| pod.pointer("/status/phase").and_then(Value::as_str))
                        .unwrap_or("Pending")
                )
            }),
        ],
        "Namespace" => vec![("Status", |ns| {
            json!(
                ns.pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("Active")
            )
        })],
        "Notebook" => vec![("Ready", |nb| {
            json!(
                nb.pointer("/status/readyReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
            )
        })],
        "Event" => vec![
            ("Type", |event| text(event, "/type")),
            ("Reason", |event| text(event, "/reason")),
            ("Object", |event| {
                json!(format!(
                    "{}/{}",
                    event
                        .pointer("/involvedObject/kind")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_lowercase(),
                    event
                        .pointer("/involvedObject/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                ))
            }),
            ("Message", |event| text(event, "/message")),
        ],
        "Experiment" | "Trial" => vec![("Status", |object| {
            let conditions = object
                .pointer("/status/conditions")
                .and_then(Value::as_array);
            json!(
                conditions
                    .and_then(|c| c.last())
                    .and_then(|c| c["type"].as_str())
                    .unwrap_or_default()
            )
        })],
        _ => Vec::new(),
    }
}

pub fn table(resource: &ResourceType, items: &[Value], metadata: Value) -> Value {
    let extra = columns(resource);
    let mut definitions = vec![
        json!({ "name": "Name", "type": "string", "format": "name", "description": "Name of the object", "priority": 0 }),
    ];
    definitions.extend(extra.iter().map(|(name, _)| json!({ "name": name, "type": "string", "format": "", "description": "", "priority": 0 })));
    definitions.push(json!({ "name": "Age", "type": "string", "format": "", "description": "Time since creation", "priority": 0 }));
    let now = jiff::Timestamp::now();
    let rows: Vec<Value> = items
        .iter()
        .map(|object| {
            let mut cells = vec![json!(meta_str(object, "name").unwrap_or_default())];
            cells.extend(extra.iter().map(|(_, cell)| cell(object)));
            cells.push(json!(age(
                meta_str(object, "creationTimestamp").unwrap_or_default(),
                now
            )));
            json!({
                "cells": cells,
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
                },
            })
        })
        .collect();
    json!({ "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "columnDefinitions": definitions, "rows": rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        let now: jiff::Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        assert_eq!(age("2026-01-01T23:59:15Z", now), "45s");
        assert_eq!(age("2026-01-01T23:48:00Z", now), "12m");
        assert_eq!(age("2026-01-01T21:00:00Z", now), "3h");
        assert_eq!(age("2025-12-28T00:00:00Z", now), "5d");
        assert_eq!(age("not a time", now), "<unknown>");
    }

    #[test]
    fn pod_rows_show_readiness_and_status() {
        let pods = super::super::registry::find("", "v1", "pods").unwrap();
        let pod = json!({
            "metadata": { "name": "nb-0", "creationTimestamp": "2026-01-01T00:00:00Z" },
            "spec": { "containers": [{ "name": "nb" }] },
            "status": { "phase": "Pending", "containerStatuses": [{ "ready": false, "state": { "waiting": { "reason": "ContainerCreating" } } }] },
        });
        let table = table(pods, &[pod], json!({}));
        assert_eq!(table["rows"][0]["cells"][0], "nb-0");
        assert_eq!(table["rows"][0]["cells"][1], "0/1");
        assert_eq!(table["rows"][0]["cells"][2], "ContainerCreating");
        assert_eq!(table["columnDefinitions"].as_array().unwrap().len(), 4);
    }
}
