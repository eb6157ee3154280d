//! An experiment's search space (`spec.parameters`): read and checked as Katib's webhook would,
//! then drawn from at random or walked as a grid. Values are strings, as Katib passes them.

use super::prng::SplitMix;
use serde_json::Value;

/// How a random draw spreads over a numeric range (`feasibleSpace.distribution`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    Uniform,
    LogUniform,
    Normal,
    LogNormal,
}

impl Distribution {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "" | "uniform" => Some(Self::Uniform),
            "logUniform" => Some(Self::LogUniform),
            "normal" => Some(Self::Normal),
            "logNormal" => Some(Self::LogNormal),
            _ => None,
        }
    }

    fn is_log(self) -> bool {
        matches!(self, Self::LogUniform | Self::LogNormal)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    Double {
        min: f64,
        max: f64,
        step: Option<f64>,
        distribution: Distribution,
        /// Decimals of the step as written, so stepped values print as `0.015`, not
        /// `0.015000000000000001`.
        decimals: Option<usize>,
    },
    Int {
        min: i64,
        max: i64,
        step: Option<i64>,
        distribution: Distribution,
    },
    /// Numbers, as written.
    Discrete(Vec<String>),
    Categorical(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub domain: Domain,
}

/// Points per axis of a grid over a double range that gives no step.
pub const GRID_POINTS_WITHOUT_STEP: usize = 5;

fn number(field: &str, value: &Value) -> Result<f64, String> {
    let parsed = match value {
        Value::String(text) => text.trim().parse::<f64>().ok(),
        Value::Number(number) => number.as_f64(),
        _ => None,
    };
    parsed
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{field}: {value} is not a number"))
}

fn integer(field: &str, value: &Value) -> Result<i64, String> {
    let parsed = match value {
        Value::String(text) => text.trim().parse::<i64>().ok(),
        Value::Number(number) => number.as_i64(),
        _ => None,
    };
    parsed.ok_or_else(|| format!("{field}: {value} is not an integer"))
}

fn decimals(text: &str) -> usize {
    text.trim()
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.trim_end_matches('0').len())
}

fn text_of(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// One parameter of `spec.parameters` (or of a NAS operation), checked: `field` names it in
/// messages, e.g. `spec.parameters[1]`.
pub fn parse_parameter(field: &str, spec: &Value) -> Result<Parameter, String> {
    let name = spec
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| format!("{field}.name: a parameter needs a name"))?
        .to_string();
    let space = spec.get("feasibleSpace").cloned().unwrap_or_default();
    let at = |key: &str| format!("{field}.feasibleSpace.{key}");
    let distribution = match space.get("distribution").and_then(Value::as_str) {
        None => Distribution::Uniform,
        Some(text) => Distribution::parse(text).ok_or_else(|| {
            format!(
                "{}: unknown distribution {text:?}; use uniform, logUniform, normal or logNormal",
                at("distribution")
            )
        })?,
    };
    let list = || -> Result<Vec<String>, String> {
        let items: Vec<String> = space
            .get("list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(text_of)
            .collect();
        if items.is_empty() {
            return Err(format!("{}: give at least one value", at("list")));
        }
        Ok(items)
    };
    let kind = spec
        .get("parameterType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let domain = match kind {
        "double" => {
            let min = number(&at("min"), space.get("min").unwrap_or(&Value::Null))?;
            let max = number(&at("max"), space.get("max").unwrap_or(&Value::Null))?;
            let step = match space.get("step") {
                None | Some(Value::Null) => None,
                Some(Value::String(text)) if text.is_empty() => None,
                Some(step) => Some(number(&at("step"), step)?),
            };
            if step.is_some_and(|step| step <= 0.0) {
                return Err(format!("{}: the step must be greater than 0", at("step")));
            }
            let decimals = step.map(|_| {
                let written = |key: &str| space.get(key).map(text_of).unwrap_or_default();
                decimals(&written("step")).max(decimals(&written("min")))
            });
            Domain::Double {
                min,
                max,
                step,
                distribution,
                decimals,
            }
        }
        "int" => {
            let min = integer(&at("min"), space.get("min").unwrap_or(&Value::Null))?;
            let max = integer(&at("max"), space.get("max").unwrap_or(&Value::Null))?;
            let step = match space.get("step") {
                None | Some(Value::Null) => None,
                Some(Value::String(text)) if text.is_empty() => None,
                Some(step) => Some(integer(&at("step"), step)?),
            };
            if step.is_some_and(|step| step <= 0) {
                return Err(format!("{}: the step must be greater than 0", at("step")));
            }
            Domain::Int {
                min,
                max,
                step,
                distribution,
            }
        }
        "discrete" => {
            let items = list()?;
            for item in &items {
                number(&at("list"), &Value::String(item.clone()))?;
            }
            Domain::Discrete(items)
        }
        "categorical" => Domain::Categorical(list()?),
        other => {
            return Err(format!(
                "{field}.parameterType: {other:?} is not one of double, int, discrete, categorical"
            ));
        }
    };
    let (low, high) = match &domain {
        Domain::Double { min, max, .. } => (*min, *max),
        Domain::Int { min, max, .. } => (*min as f64, *max as f64),
        _ => (0.0, 0.0),
    };
    if low > high {
        return Err(format!(
            "{}: the minimum {low} is greater than the maximum {high}",
            at("min")
        ));
    }
    if distribution.is_log()
        && matches!(domain, Domain::Double { .. } | Domain::Int { .. })
        && low <= 0.0
    {
        return Err(format!(
            "{}: a log distribution needs a minimum above 0",
            at("min")
        ));
    }
    Ok(Parameter { name, domain })
}

/// `spec.parameters`, every one checked, names unique.
pub fn parse_parameters(parameters: Option<&Value>) -> Result<Vec<Parameter>, String> {
    let mut parsed: Vec<Parameter> = Vec::new();
    for (index, spec) in parameters
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let parameter = parse_parameter(&format!("spec.parameters[{index}]"), spec)?;
        if parsed.iter().any(|known| known.name == parameter.name) {
            return Err(format!(
                "spec.parameters[{index}].name: {:?} is given twice",
                parameter.name
            ));
        }
        parsed.push(parameter);
    }
    Ok(parsed)
}

/// A double as a string: rounded to the step's decimals (trailing zeros dropped) when there is
/// one, else in full.
fn format_double(value: f64, decimals: Option<usize>) -> String {
    match decimals {
        Some(0) => format!("{value:.0}"),
        Some(decimals) => format!("{value:.decimals$}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
        None => format!("{value}"),
    }
}

/// Snaps `value` to `min + k·step`, staying within the range.
fn snap(value: f64, min: f64, max: f64, step: f64) -> f64 {
    let steps = ((value - min) / step).round();
    let mut snapped = min + steps * step;
    if snapped > max + step * 1e-9 {
        snapped -= step;
    }
    snapped.clamp(min, max)
}

/// A position in [0, 1] drawn as the distribution says (normal ones centred, ±3σ to the ends).
fn position(stream: &mut SplitMix, distribution: Distribution) -> f64 {
    match distribution {
        Distribution::Uniform | Distribution::LogUniform => stream.unit(),
        Distribution::Normal | Distribution::LogNormal => {
            (0.5 + stream.normal() / 6.0).clamp(0.0, 1.0)
        }
    }
}

fn lerp(min: f64, max: f64, at: f64, log: bool) -> f64 {
    if log {
        (min.ln() + at * (max.ln() - min.ln())).exp()
    } else {
        min + at * (max - min)
    }
}

impl Parameter {
    /// One value drawn at random from the feasible space.
    pub fn draw(&self, stream: &mut SplitMix) -> String {
        match &self.domain {
            Domain::Double {
                min,
                max,
                step,
                distribution,
                decimals,
            } => {
                let at = position(stream, *distribution);
                let value = lerp(*min, *max, at, distribution.is_log()).clamp(*min, *max);
                match step {
                    Some(step) => format_double(snap(value, *min, *max, *step), *decimals),
                    None => format_double(value, None),
                }
            }
            Domain::Int {
                min,
                max,
                step,
                distribution,
            } => {
                let at = position(stream, *distribution);
                let (low, high) = (*min as f64, *max as f64);
                let value = lerp(low, high, at, distribution.is_log());
                let step = step.unwrap_or(1) as f64;
                (snap(value, low, high, step).round() as i64).to_string()
            }
            Domain::Discrete(items) | Domain::Categorical(items) => {
                items[stream.below(items.len())].clone()
            }
        }
    }

    /// The grid's values along this parameter, in order.
    pub fn grid_values(&self) -> Vec<String> {
        /// A grid axis longer than this is cut (the walk would never get that far anyway).
        const MOST: usize = 100_000;
        match &self.domain {
            Domain::Double {
                min,
                max,
                step,
                distribution,
                decimals,
            } => match step {
                Some(step) => {
                    let count = (((max - min) / step) + 1e-9).floor() as usize + 1;
                    (0..count.min(MOST))
                        .map(|k| format_double(min + k as f64 * step, *decimals))
                        .collect()
                }
                None if min == max => vec![format_double(*min, None)],
                None => (0..GRID_POINTS_WITHOUT_STEP)
                    .map(|k| {
                        let at = k as f64 / (GRID_POINTS_WITHOUT_STEP - 1) as f64;
                        format_double(lerp(*min, *max, at, distribution.is_log()), None)
                    })
                    .collect(),
            },
            Domain::Int { min, max, step, .. } => {
                let step = step.unwrap_or(1);
                let count = ((max - min) / step) as usize + 1;
                (0..count.min(MOST))
                    .map(|k| (min + k as i64 * step).to_string())
                    .collect()
            }
            Domain::Discrete(items) | Domain::Categorical(items) => items.clone(),
        }
    }

    /// Where `value` sits in the space, 0 to 1 (log ranges measured in log space); None for a
    /// list value, or a value that isn't a number.
    pub fn position_of(&self, value: &str) -> Option<f64> {
        let value: f64 = value.trim().parse().ok()?;
        let (min, max, log) = match &self.domain {
            Domain::Double {
                min,
                max,
                distribution,
                ..
            } => (*min, *max, distribution.is_log()),
            Domain::Int {
                min,
                max,
                distribution,
                ..
            } => (*min as f64, *max as f64, distribution.is_log()),
            _ => return None,
        };
        if max <= min {
            return Some(0.5);
        }
        let at = if log && value > 0.0 {
            (value.ln() - min.ln()) / (max.ln() - min.ln())
        } else {
            (value - min) / (max - min)
        };
        Some(at.clamp(0.0, 1.0))
    }

    /// The values a list parameter may take (discrete or categorical).
    pub fn listed(&self) -> Option<&[String]> {
        match &self.domain {
            Domain::Discrete(items) | Domain::Categorical(items) => Some(items),
            _ => None,
        }
    }
}

/// Walks a grid in order (the last parameter fastest) and returns the first `count` points
/// not among `taken`; fewer when the grid runs out.
pub fn next_grid_points(
    parameters: &[Parameter],
    taken: &std::collections::HashSet<Vec<String>>,
    count: usize,
) -> Vec<Vec<String>> {
    let axes: Vec<Vec<String>> = parameters.iter().map(Parameter::grid_values).collect();
    if axes.is_empty() || axes.iter().any(Vec::is_empty) {
        return Vec::new();
    }
    let total = axes.iter().fold(1_u128, |total, axis| {
        total.saturating_mul(axis.len() as u128)
    });
    let mut found = Vec::new();
    let mut index: u128 = 0;
    while found.len() < count && index < total {
        let mut rest = index;
        let mut point = vec![String::new(); axes.len()];
        for (slot, axis) in point.iter_mut().zip(&axes).rev() {
            let len = axis.len() as u128;
            *slot = axis[(rest % len) as usize].clone();
            rest /= len;
        }
        if !taken.contains(&point) {
            found.push(point);
        }
        index += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parameter(spec: Value) -> Parameter {
        parse_parameter("spec.parameters[0]", &spec).unwrap()
    }

    #[test]
    fn random_draws_stay_in_the_feasible_space() {
        let lr = parameter(
            json!({ "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0.01", "max": "0.05" } }),
        );
        let layers = parameter(
            json!({ "name": "layers", "parameterType": "int", "feasibleSpace": { "min": "2", "max": "8", "step": "2" } }),
        );
        let optimizer = parameter(
            json!({ "name": "optimizer", "parameterType": "categorical", "feasibleSpace": { "list": ["sgd", "adam"] } }),
        );
        let mut stream = SplitMix::new(7);
        let mut seen_layers = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let value: f64 = lr.draw(&mut stream).parse().unwrap();
            assert!((0.01..=0.05).contains(&value), "{value}");
            let layers: i64 = layers.draw(&mut stream).parse().unwrap();
            assert!([2, 4, 6, 8].contains(&layers), "{layers}");
            seen_layers.insert(layers);
            assert!(["sgd", "adam"].contains(&optimizer.draw(&mut stream).as_str()));
        }
        assert_eq!(seen_layers.len(), 4);
    }

    #[test]
    fn log_uniform_draws_favour_small_values() {
        let lr = parameter(
            json!({ "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0.0001", "max": "1", "distribution": "logUniform" } }),
        );
        let mut stream = SplitMix::new(3);
        let small = (0..1000)
            .filter(|_| lr.draw(&mut stream).parse::<f64>().unwrap() < 0.01)
            .count();
        // Half of a log-uniform range over four decades lies below 0.01.
        assert!((400..600).contains(&small), "{small}");
    }

    #[test]
    fn stepped_doubles_print_as_written() {
        let lr = parameter(
            json!({ "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0.01", "max": "0.05", "step": "0.005" } }),
        );
        assert_eq!(
            lr.grid_values(),
            [
                "0.01", "0.015", "0.02", "0.025", "0.03", "0.035", "0.04", "0.045", "0.05"
            ]
        );
        let mut stream = SplitMix::new(1);
        for _ in 0..100 {
            assert!(lr.grid_values().contains(&lr.draw(&mut stream)));
        }
    }

    #[test]
    fn a_double_without_step_gets_a_few_grid_points() {
        let momentum = parameter(
            json!({ "name": "m", "parameterType": "double", "feasibleSpace": { "min": "0.5", "max": "0.9" } }),
        );
        assert_eq!(momentum.grid_values().len(), GRID_POINTS_WITHOUT_STEP);
        assert_eq!(momentum.grid_values()[0], "0.5");
        assert_eq!(momentum.grid_values()[4], "0.9");
    }

    #[test]
    fn the_grid_walk_skips_taken_points_and_runs_out() {
        let parameters = vec![
            parameter(
                json!({ "name": "a", "parameterType": "int", "feasibleSpace": { "min": "1", "max": "2" } }),
            ),
            parameter(
                json!({ "name": "b", "parameterType": "categorical", "feasibleSpace": { "list": ["x", "y", "z"] } }),
            ),
        ];
        let mut taken = std::collections::HashSet::new();
        let first = next_grid_points(&parameters, &taken, 2);
        assert_eq!(first, [vec!["1", "x"], vec!["1", "y"]]);
        taken.extend(first);
        let rest = next_grid_points(&parameters, &taken, 10);
        assert_eq!(rest.len(), 4);
        taken.extend(rest);
        assert!(next_grid_points(&parameters, &taken, 1).is_empty());
    }

    #[test]
    fn bad_spaces_are_refused_with_the_field_to_fix() {
        let problem = |spec: Value| parse_parameter("spec.parameters[2]", &spec).unwrap_err();
        assert_eq!(
            problem(
                json!({ "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "x", "max": "1" } })
            ),
            "spec.parameters[2].feasibleSpace.min: \"x\" is not a number"
        );
        assert!(
            problem(
                json!({ "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "2", "max": "1" } })
            )
            .contains("greater than the maximum")
        );
        assert!(
            problem(json!({ "name": "lr", "parameterType": "float", "feasibleSpace": {} }))
                .contains("parameterType")
        );
        assert!(
            problem(json!({ "name": "o", "parameterType": "categorical", "feasibleSpace": { "list": [] } }))
                .contains("at least one value")
        );
        assert!(
            problem(
                json!({ "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0", "max": "1", "distribution": "logUniform" } })
            )
            .contains("above 0")
        );
        assert!(
            problem(
                json!({ "name": "n", "parameterType": "int", "feasibleSpace": { "min": "1", "max": "9", "step": "0" } })
            )
            .contains("greater than 0")
        );
        assert!(
            problem(json!({ "name": "d", "parameterType": "discrete", "feasibleSpace": { "list": ["1", "two"] } }))
                .contains("not a number")
        );
        let twice = parse_parameters(Some(&json!([
            { "name": "a", "parameterType": "int", "feasibleSpace": { "min": "1", "max": "2" } },
            { "name": "a", "parameterType": "int", "feasibleSpace": { "min": "1", "max": "2" } },
        ])))
        .unwrap_err();
        assert!(twice.contains("given twice"), "{twice}");
    }
}
