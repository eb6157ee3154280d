//! ResourceQuota, as the API server's quota admission and the quota controller keep it: a pod
//! that would take a namespace past a quota's `spec.hard` is refused with the API server's
//! wording, and every quota's `status.used` follows what the namespace holds.

use super::{resource, write_status};
use crate::sandbox::registry;
use crate::sandbox::store::{self, Store};
use app::domain::quantity::Quantity;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Usage per quota key (`requests.cpu`, `pods`, …).
type Usage = BTreeMap<String, Quantity>;

/// Resources a quota can cap as `limits.<name>`; any resource can be capped as
/// `requests.<name>`.
const LIMITED: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];

/// The API server's answer to creating `pod`: Ok, or why a quota forbids it.
pub fn admit(store: &Store, namespace: &str, pod: &Value) -> Result<(), String> {
    let quotas = quotas(store, namespace);
    if quotas.is_empty() {
        return Ok(());
    }
    let requested = pod_usage(pod);
    let used = namespace_usage(store, namespace);
    for quota in &quotas {
        let hard = hard(quota);
        let exceeded: Vec<&String> = hard
            .iter()
            .filter(|(key, limit)| {
                requested.get(*key).is_some_and(|asked| {
                    let total = match used.get(*key) {
                        Some(used) => sum(used, asked),
                        None => Some(*asked),
                    };
                    total.is_none_or(|total| total > **limit)
                })
            })
            .map(|(key, _)| key)
            .collect();
        if exceeded.is_empty() {
            continue;
        }
        // apimachinery's prettyPrint: the exceeded keys, sorted, `key=value` joined by commas.
        let listed = |values: &Usage| {
            exceeded
                .iter()
                .map(|key| match values.get(*key) {
                    Some(value) => format!("{key}={value}"),
                    None => format!("{key}=0"),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        return Err(format!(
            "pods \"{}\" is forbidden: exceeded quota: {}, requested: {}, used: {}, limited: {}",
            store::meta_str(pod, "name").unwrap_or_default(),
            store::meta_str(quota, "name").unwrap_or_default(),
            listed(&requested),
            listed(&used),
            listed(&hard),
        ));
    }
    Ok(())
}

/// Brings every quota's `status` of the namespace up to date; writes only what changed, so
/// the write's own watch event settles at once.
pub fn count_usage(store: &Store, namespace: &str) {
    let quotas = quotas(store, namespace);
    if quotas.is_empty() {
        return;
    }
    let mut usage = namespace_usage(store, namespace);
    usage.extend(claim_usage(store, namespace));
    let kinds = resource("", "v1", "resourcequotas");
    for quota in quotas {
        let Some(spec_hard) = quota.pointer("/spec/hard").and_then(Value::as_object) else {
            continue;
        };
        let used: Map<String, Value> = spec_hard
            .keys()
            .map(|key| {
                let value = usage
                    .get(key)
                    .map(Quantity::to_string)
                    .or_else(|| object_count(store, namespace, key).map(|n| n.to_string()))
                    .unwrap_or_else(|| "0".into());
                (key.clone(), Value::String(value))
            })
            .collect();
        let status = json!({ "hard": spec_hard, "used": used });
        let name = store::meta_str(&quota, "name").unwrap_or_default();
        let _ = write_status(store, kinds, namespace, name, status);
    }
}

/// The namespace's quotas that cover every pod. Scoped ones (BestEffort, PriorityClass…) are
/// left out: the sandbox doesn't tell pods apart by scope.
fn quotas(store: &Store, namespace: &str) -> Vec<Value> {
    store
        .list(
            resource("", "v1", "resourcequotas"),
            Some(namespace),
            &|quota| {
                quota.pointer("/spec/scopes").is_none()
                    && quota.pointer("/spec/scopeSelector").is_none()
            },
            None,
            None,
        )
        .items
}

/// `spec.hard`, the quantities that parse (the API server validated them on the way in).
fn hard(quota: &Value) -> Usage {
    quota
        .pointer("/spec/hard")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), quantity(value)?)))
        .collect()
}

fn quantity(value: &Value) -> Option<Quantity> {
    match value {
        Value::String(text) => Quantity::parse(text).ok(),
        Value::Number(number) => Quantity::parse(&number.to_string()).ok(),
        _ => None,
    }
}

fn sum(a: &Quantity, b: &Quantity) -> Option<Quantity> {
    a.checked_add(b)
}

fn add_to(usage: &mut Usage, key: String, value: Quantity) {
    let total = match usage.get(&key) {
        // Beyond the largest quantity is past any quota; saturate rather than lose it.
        Some(known) => sum(known, &value).unwrap_or(*known.max(&value)),
        None => value,
    };
    usage.insert(key, total);
}

/// What the pods of the namespace that still run or wait to run count against quotas.
fn namespace_usage(store: &Store, namespace: &str) -> Usage {
    let zero = Quantity::parse("0").expect("0 is a quantity");
    let mut usage = Usage::from([("pods".to_string(), zero), ("count/pods".to_string(), zero)]);
    let pods = store.list(
        resource("", "v1", "pods"),
        Some(namespace),
        &|pod| {
            !matches!(
                pod.pointer("/status/phase").and_then(Value::as_str),
                Some("Succeeded" | "Failed")
            )
        },
        None,
        None,
    );
    for pod in pods.items {
        for (key, value) in pod_usage(&pod) {
            add_to(&mut usage, key, value);
        }
    }
    usage
}

/// What one pod counts, as the quota evaluator for pods computes it: the containers' sum, or an
/// init container's amount when that is larger, since init containers run one at a time
/// before the others. Requests left out default to the limits, as the API server defaults them.
fn pod_usage(pod: &Value) -> Usage {
    let one = Quantity::parse("1").expect("1 is a quantity");
    let mut usage = Usage::from([("pods".to_string(), one), ("count/pods".to_string(), one)]);
    let containers = |field: &str| -> Vec<Value> {
        pod.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for kind in ["requests", "limits"] {
        let mut totals = Usage::new();
        for container in containers("containers") {
            for (name, value) in container_amounts(&container, kind) {
                add_to(&mut totals, name, value);
            }
        }
        for init in containers("initContainers") {
            for (name, value) in container_amounts(&init, kind) {
                if totals.get(&name).is_none_or(|total| value > *total) {
                    totals.insert(name, value);
                }
            }
        }
        for (name, value) in totals {
            if kind == "limits" && !LIMITED.contains(&name.as_str()) {
                continue;
            }
            // `cpu` and `memory` in a quota mean their requests.
            if kind == "requests" && LIMITED.contains(&name.as_str()) {
                usage.insert(name.clone(), value);
            }
            usage.insert(format!("{kind}.{name}"), value);
        }
    }
    usage
}

fn container_amounts(container: &Value, kind: &str) -> Usage {
    let section = |kind: &str| {
        container
            .pointer(&format!("/resources/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, value)| Some((name.clone(), quantity(value)?)))
            .collect::<Usage>()
    };
    let mut amounts = section(kind);
    if kind == "requests" {
        for (name, limit) in section("limits") {
            amounts.entry(name).or_insert(limit);
        }
    }
    amounts
}

/// Storage the namespace's claims ask for, and how many there are.
fn claim_usage(store: &Store, namespace: &str) -> Usage {
    let mut usage = Usage::new();
    let claims = store
        .list(
            resource("", "v1", "persistentvolumeclaims"),
            Some(namespace),
            &|_| true,
            None,
            None,
        )
        .items;
    let zero = Quantity::parse("0").expect("0 is a quantity");
    usage.insert("requests.storage".into(), zero);
    for claim in &claims {
        if let Some(size) = claim
            .pointer("/spec/resources/requests/storage")
            .and_then(quantity)
        {
            add_to(&mut usage, "requests.storage".into(), size);
        }
    }
    if let Ok(count) = Quantity::parse(&claims.len().to_string()) {
        usage.insert("persistentvolumeclaims".into(), count);
        usage.insert("count/persistentvolumeclaims".into(), count);
    }
    usage
}

/// Object counts a quota may cap: `services`, `secrets`, `configmaps`, `count/<resource>`.
fn object_count(store: &Store, namespace: &str, key: &str) -> Option<usize> {
    let plural = key.strip_prefix("count/").unwrap_or(key);
    let (plural, group) = plural.split_once('.').unwrap_or((plural, ""));
    let kind = registry::find(group, "v1", plural).filter(|kind| kind.namespaced)?;
    Some(
        store
            .list(kind, Some(namespace), &|_| true, None, None)
            .items
            .len(),
    )
}
