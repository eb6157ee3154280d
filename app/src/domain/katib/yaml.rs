//! Objects written as YAML by a serializer, so any text in them stays a value.

use serde_json::Value;

/// `object` as YAML, without `metadata.managedFields` (the API server's bookkeeping, often
/// longer than the object itself).
pub fn object_yaml(object: &Value) -> String {
    let trimmed;
    let object = match object.pointer("/metadata/managedFields") {
        Some(_) => {
            let mut copy = object.clone();
            if let Some(metadata) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
                metadata.remove("managedFields");
            }
            trimmed = copy;
            &trimmed
        }
        None => object,
    };
    to_yaml(object)
}

/// Any JSON value as YAML. serde-saphyr quotes every string that would read back as something
/// else ("0.01", "true", "key: value"), so reading the YAML gives `value` again.
pub(super) fn to_yaml(value: &Value) -> String {
    // A serde_json::Value has only string keys and finite numbers: it always serializes.
    serde_saphyr::to_string(value)
        .unwrap_or_else(|error| format!("# not shown as YAML: {error}\n{value:#}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_reads_back_as_the_same_value_whatever_the_strings_hold() {
        let value = json!({
            "metadata": {"name": "x", "managedFields": [{"manager": "kubectl"}]},
            "texts": ["0.01", "true", "null", "~", "", " lead", "#x", "yes", "on", "012",
                      "1e3", ".inf", "key: value", "- item", "a\nb", "${trialParameters.lr}",
                      "--lr=${trialParameters.lr}", "'\"", "é\u{7}", "2021-10-05T23:49:49Z"],
            "numbers": [0.001, 12, -3, 1.5e300],
            "empty": {"list": [], "map": {}, "null": null},
        });
        let yaml = object_yaml(&value);
        assert!(!yaml.contains("managedFields"), "{yaml}");
        let back: Value = serde_saphyr::from_str(&yaml).unwrap();
        let mut expected = value.clone();
        expected["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        assert_eq!(back, expected);
    }
}
