//! Run parameters: what a user typed into the create-run form, checked and typed against the
//! pipeline's root input definitions. The same code runs in the form and on the server.

use crate::model::FieldError;
use crate::model::pipeline::{ParameterType, PipelineInput};
use serde_json::Value;
use std::collections::BTreeMap;

/// Longest value accepted for one parameter.
const MAX_VALUE: usize = 64 * 1024;

/// The form's initial text for a parameter: its default, as KFP shows it.
pub fn default_text(input: &PipelineInput) -> String {
    match &input.default {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// One value typed for `input`. An empty text is "not given".
pub fn typed(input: &PipelineInput, text: &str) -> Result<Option<Value>, String> {
    if text.len() > MAX_VALUE {
        return Err("is longer than 64 KiB".into());
    }
    let trimmed = text.trim();
    if trimmed.is_empty() && input.parameter_type != ParameterType::String {
        return Ok(None);
    }
    if text.is_empty() {
        return Ok(None);
    }
    let value = match input.parameter_type {
        ParameterType::String | ParameterType::Unspecified | ParameterType::TaskFinalStatus => {
            Value::String(text.to_string())
        }
        ParameterType::NumberInteger => trimmed
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "must be a whole number, such as 3".to_string())?,
        ParameterType::NumberDouble => {
            let number: f64 = trimmed
                .parse()
                .map_err(|_| "must be a number, such as 0.5".to_string())?;
            serde_json::Number::from_f64(number)
                .map(Value::Number)
                .ok_or("must be a finite number")?
        }
        ParameterType::Boolean => match trimmed {
            "true" | "True" => Value::Bool(true),
            "false" | "False" => Value::Bool(false),
            _ => return Err("must be true or false".into()),
        },
        ParameterType::List => match serde_json::from_str::<Value>(trimmed) {
            Ok(list @ Value::Array(_)) => list,
            _ => return Err("must be a JSON list, such as [1, 2, 3]".into()),
        },
        ParameterType::Struct => match serde_json::from_str::<Value>(trimmed) {
            Ok(object @ Value::Object(_)) => object,
            _ => return Err(r#"must be a JSON object, such as {"a": 1}"#.into()),
        },
    };
    Ok(Some(value))
}

/// Every parameter checked: typed values for those given, and an error per field otherwise
/// (unknown names, wrong types, required ones left out).
pub fn check(
    inputs: &[PipelineInput],
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, Vec<FieldError>> {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    let field = |name: &str| format!("parameters.{name}");
    for name in given.keys() {
        if !inputs.iter().any(|input| &input.name == name) {
            errors.push(FieldError::new(
                field(name),
                "is not a parameter of this pipeline",
            ));
        }
    }
    for input in inputs {
        let text = given.get(&input.name).map(String::as_str).unwrap_or("");
        match typed(input, text) {
            Ok(Some(value)) => {
                values.insert(input.name.clone(), value);
            }
            Ok(None) if input.optional || input.default.is_some() => {}
            Ok(None) => errors.push(FieldError::new(field(&input.name), "is required")),
            Err(why) => errors.push(FieldError::new(field(&input.name), why)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, parameter_type: ParameterType, default: Option<Value>) -> PipelineInput {
        PipelineInput {
            name: name.into(),
            parameter_type,
            optional: default.is_some(),
            default,
            description: None,
        }
    }

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_are_typed_by_the_pipelines_declarations() {
        let inputs = [
            input("epochs", ParameterType::NumberInteger, None),
            input("rate", ParameterType::NumberDouble, Some(Value::from(0.1))),
            input("deploy", ParameterType::Boolean, Some(Value::Bool(false))),
            input("layers", ParameterType::List, None),
            input("config", ParameterType::Struct, None),
            input("message", ParameterType::String, None),
        ];
        let values = check(
            &inputs,
            &given(&[
                ("epochs", " 12 "),
                ("rate", "0.5"),
                ("deploy", "true"),
                ("layers", "[64, 32]"),
                ("config", r#"{"a": 1}"#),
                ("message", " keep my spaces "),
            ]),
        )
        .unwrap();
        assert_eq!(values["epochs"], Value::from(12));
        assert_eq!(values["rate"], Value::from(0.5));
        assert_eq!(values["deploy"], Value::Bool(true));
        assert_eq!(values["layers"], serde_json::json!([64, 32]));
        assert_eq!(values["config"], serde_json::json!({"a": 1}));
        assert_eq!(values["message"], Value::from(" keep my spaces "));
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let inputs = [
            input("epochs", ParameterType::NumberInteger, None),
            input("rate", ParameterType::NumberDouble, None),
            input("deploy", ParameterType::Boolean, None),
            input("layers", ParameterType::List, None),
            input("config", ParameterType::Struct, None),
            input("required", ParameterType::String, None),
            input("optional", ParameterType::String, Some(Value::from("x"))),
        ];
        let errors = check(
            &inputs,
            &given(&[
                ("epochs", "1.5"),
                ("rate", "fast"),
                ("deploy", "yes"),
                ("layers", "{}"),
                ("config", "[1]"),
                ("typo", "1"),
            ]),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "parameters.typo",
                "parameters.epochs",
                "parameters.rate",
                "parameters.deploy",
                "parameters.layers",
                "parameters.config",
                "parameters.required",
            ]
        );
        assert!(errors[1].message.contains("whole number"));
        assert!(
            check(&inputs[..1], &given(&[("epochs", "1e400")])).is_err(),
            "overflow"
        );
        assert!(
            typed(&inputs[1], "inf").is_err(),
            "infinity is no JSON number"
        );
        assert!(typed(&inputs[5], &"x".repeat(70_000)).is_err());
    }

    #[test]
    fn defaults_fill_the_form() {
        assert_eq!(
            default_text(&input(
                "a",
                ParameterType::String,
                Some(Value::from("hello"))
            )),
            "hello"
        );
        assert_eq!(
            default_text(&input(
                "a",
                ParameterType::List,
                Some(serde_json::json!([1, 2]))
            )),
            "[1,2]"
        );
        assert_eq!(
            default_text(&input("a", ParameterType::NumberInteger, None)),
            ""
        );
    }
}
