//! A run's parameters checked against the pipeline's declared inputs before anything runs:
//! each given value of its type, every required one given, none the pipeline doesn't take.

use crate::sandbox::controllers::argo::FAIL_STEP_PARAMETER;
use app::model::pipeline::{ParameterType, PipelineInput};
use serde_json::{Map, Value};

fn type_name(kind: ParameterType) -> &'static str {
    match kind {
        ParameterType::String => "a string (STRING)",
        ParameterType::NumberInteger => "an integer (NUMBER_INTEGER)",
        ParameterType::NumberDouble => "a number (NUMBER_DOUBLE)",
        ParameterType::Boolean => "true or false (BOOLEAN)",
        ParameterType::List => "a JSON list (LIST)",
        ParameterType::Struct => "a JSON object (STRUCT)",
        ParameterType::TaskFinalStatus => "a task's final status (TASK_FINAL_STATUS)",
        ParameterType::Unspecified => "any value",
    }
}

/// Whether `value` is of the type; text that reads as one (`"3"` for an integer) is accepted,
/// since forms and v1 pipelines send text.
fn fits(kind: ParameterType, value: &Value) -> bool {
    let parsed = |text: &str| serde_json::from_str::<Value>(text.trim()).ok();
    match (kind, value) {
        (ParameterType::String | ParameterType::Unspecified, _) => true,
        (ParameterType::NumberInteger, Value::Number(number)) => {
            number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        (ParameterType::NumberInteger, Value::String(text)) => text.trim().parse::<i64>().is_ok(),
        (ParameterType::NumberDouble, Value::Number(_)) => true,
        (ParameterType::NumberDouble, Value::String(text)) => {
            text.trim().parse::<f64>().is_ok_and(f64::is_finite)
        }
        (ParameterType::Boolean, Value::Bool(_)) => true,
        (ParameterType::Boolean, Value::String(text)) => {
            matches!(text.trim(), "true" | "false" | "True" | "False")
        }
        (ParameterType::List, Value::Array(_)) => true,
        (ParameterType::List, Value::String(text)) => parsed(text).is_some_and(|v| v.is_array()),
        (ParameterType::Struct, Value::Object(_)) => true,
        (ParameterType::Struct, Value::String(text)) => parsed(text).is_some_and(|v| v.is_object()),
        _ => false,
    }
}

/// The parameters the run gets (given ones, then defaults), or what is wrong with them,
/// naming the parameter. `fail_step` is always accepted: it is the sandbox's way to make a
/// step fail.
pub fn validate(
    inputs: &[PipelineInput],
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    for (name, value) in given {
        if name == FAIL_STEP_PARAMETER {
            if !value.is_string() {
                return Err(format!(
                    "parameter {FAIL_STEP_PARAMETER:?} names the steps to fail, as text"
                ));
            }
            continue;
        }
        let Some(input) = inputs.iter().find(|input| input.name == *name) else {
            let known: Vec<&str> = inputs.iter().map(|input| input.name.as_str()).collect();
            return Err(if known.is_empty() {
                format!("parameter {name:?} is not one of the pipeline's: it takes none")
            } else {
                format!(
                    "parameter {name:?} is not one of the pipeline's: {}",
                    known.join(", ")
                )
            });
        };
        if value.is_null() && input.optional {
            continue;
        }
        if !fits(input.parameter_type, value) {
            return Err(format!(
                "parameter {name:?} must be {}; got {value}",
                type_name(input.parameter_type)
            ));
        }
    }
    let mut effective = Map::new();
    for input in inputs {
        match given.get(&input.name).filter(|value| !value.is_null()) {
            Some(value) => {
                effective.insert(input.name.clone(), value.clone());
            }
            None => match &input.default {
                Some(default) => {
                    effective.insert(input.name.clone(), default.clone());
                }
                None if input.optional => {}
                None => {
                    return Err(format!(
                        "parameter {:?} is required: the pipeline gives it no default",
                        input.name
                    ));
                }
            },
        }
    }
    if let Some(fail) = given.get(FAIL_STEP_PARAMETER) {
        effective.insert(FAIL_STEP_PARAMETER.into(), fail.clone());
    }
    Ok(effective)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(
        name: &str,
        kind: ParameterType,
        default: Option<Value>,
        optional: bool,
    ) -> PipelineInput {
        PipelineInput {
            name: name.into(),
            parameter_type: kind,
            default,
            optional,
            description: None,
        }
    }

    fn inputs() -> Vec<PipelineInput> {
        vec![
            input("message", ParameterType::String, None, false),
            input(
                "epochs",
                ParameterType::NumberInteger,
                Some(json!(10)),
                true,
            ),
            input("rate", ParameterType::NumberDouble, Some(json!(0.1)), true),
            input("shuffle", ParameterType::Boolean, None, true),
            input("layers", ParameterType::List, Some(json!([1, 2])), true),
            input("config", ParameterType::Struct, None, true),
        ]
    }

    fn given(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn good_parameters_get_the_defaults_of_the_rest() {
        let effective = validate(
            &inputs(),
            &given(json!({ "message": "hi", "epochs": "3", "shuffle": true })),
        )
        .unwrap();
        assert_eq!(
            Value::Object(effective),
            json!({ "message": "hi", "epochs": "3", "rate": 0.1, "shuffle": true, "layers": [1, 2] })
        );
        let typed = given(
            json!({ "message": "x", "epochs": 5, "rate": "2.5", "layers": "[3]", "config": { "a": 1 }, "shuffle": "false" }),
        );
        assert!(validate(&inputs(), &typed).is_ok());
    }

    #[test]
    fn wrong_types_missing_and_unknown_parameters_are_named() {
        for (parameters, expected) in [
            (json!({}), "parameter \"message\" is required"),
            (
                json!({ "message": "x", "epochs": "ten" }),
                "parameter \"epochs\" must be an integer (NUMBER_INTEGER); got \"ten\"",
            ),
            (
                json!({ "message": "x", "epochs": 1.5 }),
                "\"epochs\" must be an integer",
            ),
            (
                json!({ "message": "x", "rate": "fast" }),
                "\"rate\" must be a number",
            ),
            (
                json!({ "message": "x", "shuffle": "yes" }),
                "\"shuffle\" must be true or false",
            ),
            (
                json!({ "message": "x", "layers": "3" }),
                "\"layers\" must be a JSON list",
            ),
            (
                json!({ "message": "x", "config": [1] }),
                "\"config\" must be a JSON object",
            ),
            (
                json!({ "message": "x", "colour": "red" }),
                "parameter \"colour\" is not one of the pipeline's: message, epochs",
            ),
            (
                json!({ "message": "x", "fail_step": 3 }),
                "\"fail_step\" names the steps to fail",
            ),
        ] {
            let error = validate(&inputs(), &given(parameters.clone())).unwrap_err();
            assert!(error.contains(expected), "{parameters}: {error}");
        }
    }

    #[test]
    fn fail_step_is_always_taken() {
        let effective = validate(&[], &given(json!({ "fail_step": "train" }))).unwrap();
        assert_eq!(effective["fail_step"], "train");
        assert!(
            validate(&[], &given(json!({ "x": 1 })))
                .unwrap_err()
                .contains("it takes none")
        );
    }
}
