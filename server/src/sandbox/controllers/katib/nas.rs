//! Neural architecture search as Katib's ENAS and DARTS suggestion services hand it to trials:
//! ENAS gives each trial an `architecture` (per layer an operation id and skip connections)
//! and the `nn_config` that says what the ids mean; DARTS gives every trial the same
//! `algorithm-settings`, `search-space` and `num-layers`, and the trial searches by itself,
//! reporting its best cell as a `Genotype(...)` string.
//!
//! The strings are Python literals with single quotes, as the services print them, so they
//! fit in a double-quoted command-line argument.

use super::prng::SplitMix;
use super::space::{self, Parameter};
use serde_json::Value;

/// `spec.nasConfig`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NasConfig {
    pub num_layers: u64,
    pub input_sizes: Vec<i64>,
    pub output_sizes: Vec<i64>,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub kind: String,
    pub parameters: Vec<Parameter>,
}

/// The assignment names the NAS services produce, which trial templates may reference.
pub const ENAS_ASSIGNMENTS: [&str; 2] = ["architecture", "nn_config"];
pub const DARTS_ASSIGNMENTS: [&str; 3] = ["algorithm-settings", "search-space", "num-layers"];

/// DARTS' settings and their defaults, in the order the service prints them.
const DARTS_DEFAULTS: [(&str, &str); 14] = [
    ("num_epochs", "50"),
    ("w_lr", "0.025"),
    ("w_lr_min", "0.001"),
    ("w_momentum", "0.9"),
    ("w_weight_decay", "0.0003"),
    ("w_grad_clip", "5.0"),
    ("alpha_lr", "0.0003"),
    ("alpha_weight_decay", "0.001"),
    ("batch_size", "128"),
    ("num_workers", "4"),
    ("init_channels", "16"),
    ("print_step", "50"),
    ("num_nodes", "4"),
    ("stem_multiplier", "3"),
];

fn sizes(value: Option<&Value>) -> Vec<i64> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|size| {
            size.as_i64()
                .or_else(|| size.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .collect()
}

/// Reads `spec.nasConfig` as Katib's webhook checks it.
pub fn parse(config: &Value) -> Result<NasConfig, String> {
    let layers = config.pointer("/graphConfig/numLayers");
    let num_layers = layers
        .and_then(|n| {
            n.as_u64()
                .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .filter(|n| *n >= 1)
        .ok_or("spec.nasConfig.graphConfig.numLayers: give the number of layers, at least 1")?;
    let mut operations = Vec::new();
    for (index, operation) in config
        .get("operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let field = format!("spec.nasConfig.operations[{index}]");
        let kind = operation
            .get("operationType")
            .and_then(Value::as_str)
            .filter(|kind| !kind.is_empty())
            .ok_or_else(|| format!("{field}.operationType: an operation needs a type"))?;
        let mut parameters = Vec::new();
        for (number, parameter) in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            parameters.push(space::parse_parameter(
                &format!("{field}.parameters[{number}]"),
                parameter,
            )?);
        }
        operations.push(Operation {
            kind: kind.to_string(),
            parameters,
        });
    }
    if operations.is_empty() {
        return Err("spec.nasConfig.operations: give at least one operation".into());
    }
    Ok(NasConfig {
        num_layers,
        input_sizes: sizes(config.pointer("/graphConfig/inputSizes")),
        output_sizes: sizes(config.pointer("/graphConfig/outputSizes")),
        operations,
    })
}

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Every combination of an operation's parameter values, in grid order.
fn combinations(operation: &Operation) -> Vec<Vec<(String, String)>> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for parameter in &operation.parameters {
        let values = parameter.grid_values();
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                values.iter().map(move |value| {
                    let mut next = combo.clone();
                    next.push((parameter.name.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    combos
}

impl NasConfig {
    /// ENAS' embedding: one id per operation and combination of its parameters.
    fn embedding(&self) -> Vec<(String, Vec<(String, String)>)> {
        self.operations
            .iter()
            .flat_map(|operation| {
                combinations(operation)
                    .into_iter()
                    .map(|combo| (operation.kind.clone(), combo))
            })
            .collect()
    }

    /// A random ENAS architecture: per layer `[operation id, skip to layer 0, …, skip to the
    /// previous layer]`.
    pub fn enas_architecture(&self, stream: &mut SplitMix) -> String {
        let ids = self.embedding().len().max(1);
        let layers: Vec<String> = (0..self.num_layers as usize)
            .map(|layer| {
                let mut choices = vec![stream.below(ids).to_string()];
                choices.extend((0..layer).map(|_| stream.below(2).to_string()));
                format!("[{}]", choices.join(", "))
            })
            .collect();
        format!("[{}]", layers.join(", "))
    }

    /// ENAS' `nn_config`: layers, sizes and what each operation id means.
    pub fn enas_nn_config(&self) -> String {
        let list = |sizes: &[i64]| {
            format!(
                "[{}]",
                sizes
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let embedding: Vec<String> = self
            .embedding()
            .iter()
            .enumerate()
            .map(|(id, (kind, combo))| {
                let params: Vec<String> = combo
                    .iter()
                    .map(|(name, value)| format!("{}: {}", quoted(name), quoted(value)))
                    .collect();
                format!(
                    "{id}: {{'opt_id': {id}, 'opt_type': {}, 'opt_params': {{{}}}}}",
                    quoted(kind),
                    params.join(", ")
                )
            })
            .collect();
        format!(
            "{{'num_layers': {}, 'input_sizes': {}, 'output_sizes': {}, 'embedding': {{{}}}}}",
            self.num_layers,
            list(&self.input_sizes),
            list(&self.output_sizes),
            embedding.join(", ")
        )
    }

    /// DARTS' search space: an operation per filter size (`separable_convolution_3x3`), the
    /// bare type for operations without parameters (`skip_connection`).
    pub fn darts_search_space(&self) -> String {
        let names: Vec<String> = self
            .operations
            .iter()
            .flat_map(|operation| {
                combinations(operation).into_iter().map(|combo| {
                    let mut name = operation.kind.clone();
                    for (parameter, value) in combo {
                        if parameter == "filter_size" {
                            name.push_str(&format!("_{value}x{value}"));
                        } else {
                            name.push_str(&format!("_{value}"));
                        }
                    }
                    quoted(&name)
                })
            })
            .collect();
        format!("[{}]", names.join(", "))
    }
}

/// DARTS' settings as the service passes them on: its defaults, with the experiment's
/// `algorithmSettings` (strings, as given) in their place or after them.
pub fn darts_settings(settings: &[(String, String)]) -> String {
    let given = |name: &str| settings.iter().find(|(key, _)| key == name);
    let mut entries: Vec<String> = DARTS_DEFAULTS
        .iter()
        .map(|(name, default)| match given(name) {
            Some((_, value)) => format!("{}: {}", quoted(name), quoted(value)),
            None => format!("{}: {default}", quoted(name)),
        })
        .collect();
    for (name, value) in settings {
        if !DARTS_DEFAULTS.iter().any(|(known, _)| known == name) {
            entries.push(format!("{}: {}", quoted(name), quoted(value)));
        }
    }
    format!("{{{}}}", entries.join(", "))
}

/// The single-quoted strings of a Python list literal, in order.
pub fn python_strings(text: &str) -> Vec<String> {
    text.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The value of `key` in a Python dict literal of flat values, unquoted.
pub fn python_dict_value(text: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("'{key}': "))? + key.len() + 4;
    let rest = &text[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('\'').to_string())
}

/// A DARTS cell as the trial reports it: per intermediate node two (operation, input) edges,
/// for the normal and the reduction cell.
pub fn genotype(stream: &mut SplitMix, operations: &[String], nodes: usize) -> String {
    let operations: Vec<&String> = if operations.is_empty() {
        Vec::new()
    } else {
        operations.iter().collect()
    };
    let cell = |stream: &mut SplitMix| {
        let rows: Vec<String> = (0..nodes)
            .map(|node| {
                let edge = |stream: &mut SplitMix| {
                    let operation = operations
                        .get(stream.below(operations.len().max(1)))
                        .map_or("skip_connection", |op| op.as_str());
                    format!("('{operation}',{})", stream.below(node + 2))
                };
                format!("[{},{}]", edge(stream), edge(stream))
            })
            .collect();
        format!("[{}]", rows.join(","))
    };
    let normal = cell(stream);
    let reduce = cell(stream);
    format!(
        "Genotype(normal={normal},normal_concat=range(2,{end}),reduce={reduce},reduce_concat=range(2,{end}))",
        end = nodes + 2
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enas() -> NasConfig {
        parse(&json!({
            "graphConfig": { "numLayers": 3, "inputSizes": [32, 32, 3], "outputSizes": [10] },
            "operations": [
                { "operationType": "convolution", "parameters": [
                    { "name": "filter_size", "parameterType": "categorical", "feasibleSpace": { "list": ["3", "5"] } },
                    { "name": "stride", "parameterType": "categorical", "feasibleSpace": { "list": ["1", "2"] } },
                ] },
                { "operationType": "reduction", "parameters": [
                    { "name": "pool_size", "parameterType": "int", "feasibleSpace": { "min": "2", "max": "3", "step": "1" } },
                ] },
            ],
        }))
        .unwrap()
    }

    #[test]
    fn enas_architectures_have_a_choice_and_skips_per_layer() {
        let config = enas();
        let architecture = config.enas_architecture(&mut SplitMix::new(9));
        let layers: Vec<Vec<u64>> = serde_json::from_str(&architecture).unwrap();
        assert_eq!(layers.len(), 3);
        for (index, layer) in layers.iter().enumerate() {
            assert_eq!(layer.len(), index + 1);
            assert!(layer[0] < 6, "an operation id of the six embeddings");
            assert!(layer[1..].iter().all(|skip| *skip <= 1));
        }
    }

    #[test]
    fn the_nn_config_lists_every_operation_combination() {
        let config = enas().enas_nn_config();
        assert!(config.starts_with(
            "{'num_layers': 3, 'input_sizes': [32, 32, 3], 'output_sizes': [10], 'embedding': {0: "
        ));
        assert!(config.contains(
            "5: {'opt_id': 5, 'opt_type': 'reduction', 'opt_params': {'pool_size': '3'}}"
        ));
        assert!(!config.contains('"'), "fits in a double-quoted argument");
    }

    #[test]
    fn darts_gets_its_search_space_and_settings() {
        let config = parse(&json!({
            "graphConfig": { "numLayers": 1 },
            "operations": [
                { "operationType": "dilated_convolution", "parameters": [
                    { "name": "filter_size", "parameterType": "categorical", "feasibleSpace": { "list": ["3", "5"] } },
                ] },
                { "operationType": "skip_connection" },
            ],
        }))
        .unwrap();
        let space = config.darts_search_space();
        assert_eq!(
            space,
            "['dilated_convolution_3x3', 'dilated_convolution_5x5', 'skip_connection']"
        );
        assert_eq!(python_strings(&space).len(), 3);
        let settings = darts_settings(&[
            ("num_epochs".into(), "1".into()),
            ("custom".into(), "x".into()),
        ]);
        assert!(settings.starts_with("{'num_epochs': '1', 'w_lr': 0.025"));
        assert!(settings.ends_with("'custom': 'x'}"));
        assert_eq!(
            python_dict_value(&settings, "num_nodes").as_deref(),
            Some("4")
        );
        assert_eq!(
            python_dict_value(&settings, "num_epochs").as_deref(),
            Some("1")
        );
        let genotype = genotype(&mut SplitMix::new(1), &python_strings(&space), 2);
        assert!(genotype.starts_with("Genotype(normal=[[('"), "{genotype}");
        assert!(
            genotype.ends_with("reduce_concat=range(2,4))"),
            "{genotype}"
        );
    }

    #[test]
    fn bad_nas_configs_are_refused() {
        assert!(
            parse(&json!({ "graphConfig": { "numLayers": 0 }, "operations": [{ "operationType": "x" }] }))
                .unwrap_err()
                .contains("numLayers")
        );
        assert!(
            parse(&json!({ "graphConfig": { "numLayers": 1 }, "operations": [] }))
                .unwrap_err()
                .contains("at least one operation")
        );
        assert!(
            parse(
                &json!({ "graphConfig": { "numLayers": 1 }, "operations": [{ "parameters": [] }] })
            )
            .unwrap_err()
            .contains("operationType")
        );
    }
}
