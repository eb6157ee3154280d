//! A strict validator for custom resources against their CRD's structural schema: what the API
//! server checks, plus `kubectl --validate=strict`'s refusal of unknown fields. Test-only.

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The `openAPIV3Schema` of the CRD version called `version`.
pub fn version_schema<'a>(crd: &'a Value, version: &str) -> Option<&'a Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|candidate| candidate["name"] == version)?
        .pointer("/schema/openAPIV3Schema")
}

/// Every problem with `object` as a resource of `crd`, each as `path: problem`.
pub fn validate_resource(crd: &Value, object: &Value) -> Vec<String> {
    let group = crd
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = crd
        .pointer("/spec/names/kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut problems = Vec::new();
    if object["kind"] != kind {
        problems.push(format!("kind: must be {kind}"));
    }
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let version = api_version
        .strip_prefix(group)
        .and_then(|rest| rest.strip_prefix('/'));
    let schema = version.and_then(|version| {
        let served = crd
            .pointer("/spec/versions")?
            .as_array()?
            .iter()
            .any(|candidate| candidate["name"] == version && candidate["served"] == true);
        served.then(|| version_schema(crd, version)).flatten()
    });
    match schema {
        Some(schema) => problems.extend(Validator::default().validate(schema, object)),
        None => problems.push(format!(
            "apiVersion: {api_version:?} is not a served version of {group}"
        )),
    }
    problems
}

/// Compiles each `pattern` once.
#[derive(Default)]
pub struct Validator {
    patterns: HashMap<String, Regex>,
}

impl Validator {
    /// Every problem with `value` under `schema`, each as `path: problem`.
    pub fn validate(&mut self, schema: &Value, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        self.check(schema, value, "", &mut problems);
        problems
    }

    fn check(&mut self, schema: &Value, value: &Value, path: &str, problems: &mut Vec<String>) {
        let at = if path.is_empty() { "<root>" } else { path };
        let flag = |name: &str| schema.get(name) == Some(&Value::Bool(true));
        let int_or_string = flag("x-kubernetes-int-or-string")
            || schema.get("format").and_then(Value::as_str) == Some("int-or-string");
        if value.is_null() {
            if !flag("nullable") {
                problems.push(format!("{at}: must not be null"));
            }
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        for keyword in ["anyOf", "oneOf", "allOf"] {
            let Some(branches) = schema.get(keyword).and_then(Value::as_array) else {
                continue;
            };
            let passing = branches
                .iter()
                .filter(|branch| self.validate(branch, value).is_empty())
                .count();
            let ok = match keyword {
                "anyOf" => passing >= 1,
                "oneOf" => passing == 1,
                _ => passing == branches.len(),
            };
            // int-or-string's anyOf is reported below with a clearer message.
            if !ok && !int_or_string {
                problems.push(format!("{at}: does not match {keyword} of the schema"));
            }
        }

        if int_or_string {
            if !(is_integer(value) || value.is_string()) {
                problems.push(format!("{at}: must be an integer or a string, not {value}"));
                return;
            }
        } else if let Some(kind) = schema.get("type").and_then(Value::as_str) {
            let ok = match kind {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => is_integer(value),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                _ => false,
            };
            if !ok {
                problems.push(format!("{at}: must be of type {kind}, not {value}"));
                return;
            }
        }

        match value {
            Value::Object(fields) => self.check_object(schema, fields, path, problems),
            Value::Array(items) => self.check_array(schema, items, path, problems),
            Value::String(text) => self.check_string(schema, text, at, problems),
            Value::Number(number) => check_number(schema, number, at, problems),
            _ => {}
        }
    }

    fn check_object(
        &mut self,
        schema: &Value,
        fields: &Map<String, Value>,
        path: &str,
        problems: &mut Vec<String>,
    ) {
        // The root's metadata is an ObjectMeta: the API server checks it, not the CRD schema.
        if path == "metadata" && schema.get("properties").is_none() {
            return check_object_meta(fields, problems);
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let preserve =
            schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !fields.contains_key(required) {
                problems.push(format!("{}: Required value", join(path, required)));
            }
        }
        for (key, field) in fields {
            if let Some(property) = properties.and_then(|properties| properties.get(key)) {
                self.check(property, field, &join(path, key), problems);
            } else if let Some(entry) = additional.filter(|entry| entry.is_object()) {
                self.check(entry, field, &format!("{path}[{key}]"), problems);
            } else if !(preserve || additional == Some(&Value::Bool(true))) {
                problems.push(format!("{}: unknown field", join(path, key)));
            }
        }
        let count = fields.len() as u64;
        if let Some(min) = schema.get("minProperties").and_then(Value::as_u64)
            && count < min
        {
            problems.push(format!("{path}: must have at least {min} properties"));
        }
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
            && count > max
        {
            problems.push(format!("{path}: must have at most {max} properties"));
        }
    }

    fn check_array(
        &mut self,
        schema: &Value,
        items: &[Value],
        path: &str,
        problems: &mut Vec<String>,
    ) {
        let count = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            problems.push(format!("{path}: must have at least {min} items"));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            problems.push(format!("{path}: must have at most {max} items"));
        }
        if let Some(item_schema) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{path}[{index}]"), problems);
            }
        }
        // Lists that are sets or maps may not repeat an item or a key.
        let identity = |item: &Value| -> Value {
            match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("map") => Value::Array(
                    schema
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|key| item.get(key).cloned().unwrap_or(Value::Null))
                        .collect(),
                ),
                _ => item.clone(),
            }
        };
        if matches!(
            schema.get("x-kubernetes-list-type").and_then(Value::as_str),
            Some("map" | "set")
        ) {
            let mut seen = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let key = identity(item);
                if seen.contains(&key) {
                    problems.push(format!("{path}[{index}]: Duplicate value {key}"));
                }
                seen.push(key);
            }
        }
    }

    fn check_string(&mut self, schema: &Value, text: &str, at: &str, problems: &mut Vec<String>) {
        let length = text.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && length < min
        {
            problems.push(format!("{at}: must be at least {min} characters"));
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && length > max
        {
            problems.push(format!("{at}: must be at most {max} characters"));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            let regex = self
                .patterns
                .entry(pattern.to_string())
                .or_insert_with(|| Regex::new(pattern).expect("the CRD's pattern compiles"));
            if !regex.is_match(text) {
                problems.push(format!("{at}: {text:?} does not match {pattern}"));
            }
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && text.parse::<jiff::Timestamp>().is_err()
        {
            problems.push(format!("{at}: {text:?} is not an RFC 3339 date-time"));
        }
    }
}

fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

fn check_number(schema: &Value, number: &serde_json::Number, at: &str, problems: &mut Vec<String>) {
    let format = schema.get("format").and_then(Value::as_str);
    if format == Some("int32")
        && number
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .is_none()
    {
        problems.push(format!("{at}: {number} does not fit int32"));
    }
    if format == Some("int64") && number.as_i64().is_none() {
        problems.push(format!("{at}: {number} does not fit int64"));
    }
    let value = number.as_f64().unwrap_or(f64::NAN);
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && value < min
    {
        problems.push(format!("{at}: must be at least {min}"));
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
        && value > max
    {
        problems.push(format!("{at}: must be at most {max}"));
    }
}

/// The parts of ObjectMeta a client may write, with their types.
fn check_object_meta(fields: &Map<String, Value>, problems: &mut Vec<String>) {
    for (key, value) in fields {
        let path = join("metadata", key);
        let ok = match key.as_str() {
            "name" | "generateName" | "namespace" | "uid" | "resourceVersion"
            | "creationTimestamp" | "deletionTimestamp" | "selfLink" => value.is_string(),
            "generation" | "deletionGracePeriodSeconds" => is_integer(value),
            "labels" | "annotations" => match value.as_object() {
                Some(map) => {
                    for (entry, text) in map {
                        if !text.is_string() {
                            problems.push(format!("{path}[{entry}]: must be of type string"));
                        }
                    }
                    true
                }
                None => false,
            },
            "finalizers" => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            "ownerReferences" | "managedFields" => value.is_array(),
            _ => {
                problems.push(format!("{path}: unknown field"));
                true
            }
        };
        if !ok {
            problems.push(format!("{path}: has the wrong type"));
        }
    }
    if !fields.contains_key("name") && !fields.contains_key("generateName") {
        problems.push("metadata.name: Required value".into());
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
