//! The synthetic training run behind every simulated trial: how good its parameters are, how
//! many steps it reports, whether it fails, and the value of each metric at each step.
//!
//! Everything is a pure function of the trial (its name, parameters, and the record the
//! controller keeps on it), so the trial's `status.observation`, its pod's log and
//! katib-db-manager's observation log always agree, and a restart changes nothing.
//!
//! - Quality: each numeric parameter has an optimum inside its range (decided by the
//!   parameter's name), each list parameter a best value; quality falls off like a Gaussian bowl
//!   with the distance from them, so the search has something to find.
//! - Shape: a metric named like a loss (`loss`, `error`, `mse`…) falls from about 2.3 to a
//!   floor set by the quality; one named like an accuracy (`acc`, `auc`, `f1`…) rises from
//!   about 0.1 towards 0.5–0.95; any other takes the objective's direction; one named like a
//!   genotype (`Best-Genotype`) is text, as DARTS reports it. Values carry a little noise
//!   decided by the trial name and step.

use super::nas;
use super::prng::{self, SplitMix};
use super::space::Parameter;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What Katib writes for a metric it has no value for.
pub const UNAVAILABLE: &str = "unavailable";

/// The annotation on each trial holding the sandbox's record of its run (its plan and the
/// times it reported values): all that the observation log is computed from.
pub const RECORD_ANNOTATION: &str = "sandbox.kfdash.io/katib-trial";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Loss,
    Accuracy,
    Text,
}

/// How a metric behaves, judged from its name (see the module docs).
pub fn shape(metric: &str, maximize: bool) -> Shape {
    let name = metric.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|word| name.contains(word));
    let accuracy_like = [
        "acc",
        "auc",
        "f1",
        "precision",
        "recall",
        "score",
        "iou",
        "map",
    ];
    if has(&["genotype"]) {
        Shape::Text
    } else if has(&["loss", "error", "mse", "mae", "perplexity", "cost"]) {
        Shape::Loss
    } else if has(&accuracy_like) || maximize {
        Shape::Accuracy
    } else {
        Shape::Loss
    }
}

/// How a trial ends, decided when it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fate {
    Succeed,
    /// Fails during this step, having reported the ones before.
    Fail {
        step: u32,
    },
    /// Runs to its end without the metrics collector finding anything.
    MetricsUnavailable,
}

/// The sandbox's record of one trial's run, kept as JSON in [`RECORD_ANNOTATION`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// How good the trial's parameters are, 0 to 1.
    pub quality: f64,
    /// Steps (epochs) the run reports when nothing stops it.
    pub steps: u32,
    pub fate: Fate,
    /// Paces spent running so far.
    #[serde(default)]
    pub ticks: u32,
    /// When each step's values were reported (RFC 3339, milliseconds); step k is entry k-1.
    #[serde(default)]
    pub reported: Vec<String>,
}

impl Record {
    pub fn of(trial: &Value) -> Option<Self> {
        let text = trial
            .pointer(&format!(
                "/metadata/annotations/{}",
                RECORD_ANNOTATION.replace('/', "~1")
            ))
            .and_then(Value::as_str)?;
        serde_json::from_str(text).ok()
    }

    pub fn to_annotation(&self) -> String {
        serde_json::to_string(self).expect("records serialise")
    }
}

/// The plan of a new trial: its step count and fate from its name; `failure_rate` and
/// `unavailable_rate` are the shares of trials that fail and that report nothing.
pub fn plan(trial: &str, quality: f64, failure_rate: f64, unavailable_rate: f64) -> Record {
    let steps = 4 + (prng::hash(&[trial, "steps"]) % 3) as u32;
    let roll = prng::unit(&[trial, "fate"]);
    let fate = if roll < failure_rate {
        Fate::Fail {
            step: 1 + (prng::hash(&[trial, "fails at"]) % u64::from(steps)) as u32,
        }
    } else if roll < failure_rate + unavailable_rate {
        Fate::MetricsUnavailable
    } else {
        Fate::Succeed
    };
    Record {
        quality,
        steps,
        fate,
        ticks: 0,
        reported: Vec::new(),
    }
}

/// Quality of an assignment of hyperparameters: 1 at the optimum, falling off with the mean
/// squared distance from it.
pub fn quality(parameters: &[Parameter], assignments: &[(String, String)]) -> f64 {
    if parameters.is_empty() {
        return 0.5;
    }
    let distance: f64 = parameters
        .iter()
        .map(|parameter| {
            let value = assignments
                .iter()
                .find(|(name, _)| *name == parameter.name)
                .map_or("", |(_, value)| value.as_str());
            let d = match parameter.listed() {
                Some(items) => {
                    let best =
                        (prng::hash(&["best", &parameter.name]) % items.len() as u64) as usize;
                    if items.get(best).map(String::as_str) == Some(value) {
                        0.0
                    } else {
                        0.2 + 0.3 * prng::unit(&["category", &parameter.name, value])
                    }
                }
                None => {
                    let optimum = 0.15 + 0.7 * prng::unit(&["optimum", &parameter.name]);
                    parameter.position_of(value).unwrap_or(0.5) - optimum
                }
            };
            d * d
        })
        .sum::<f64>()
        / parameters.len() as f64;
    (-6.0 * distance).exp()
}

/// Quality of an ENAS architecture: no model of networks here, just a stable score.
pub fn architecture_quality(architecture: &str) -> f64 {
    0.3 + 0.65 * prng::unit(&["architecture", architecture])
}

/// One metric of a trial, with how it behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    pub name: String,
    pub shape: Shape,
    /// The objective's own metric (others are offset a little from it).
    pub objective: bool,
}

/// The metrics a trial reports: its objective's, then the additional ones.
pub fn metric_specs(objective: &Value) -> Vec<MetricSpec> {
    let maximize = objective.get("type").and_then(Value::as_str) == Some("maximize");
    let main = objective
        .get("objectiveMetricName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut specs = vec![MetricSpec {
        name: main.to_string(),
        shape: shape(main, maximize),
        objective: true,
    }];
    for extra in objective
        .get("additionalMetricNames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if specs.iter().all(|spec| spec.name != extra) {
            specs.push(MetricSpec {
                name: extra.to_string(),
                shape: shape(extra, maximize),
                objective: false,
            });
        }
    }
    specs
}

/// The fraction of the way from the first to the final value after `step` of `steps`.
fn progress(step: u32, steps: u32) -> f64 {
    let steps = f64::from(steps.max(1));
    (1.0 - (-3.0 * f64::from(step) / steps).exp()) / (1.0 - (-3.0_f64).exp())
}

/// What a DARTS trial reports: its search space and cell size come from its assignments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub operations: Vec<String>,
    pub nodes: usize,
}

impl Cell {
    pub fn of(assignments: &[(String, String)]) -> Self {
        let find = |key: &str| {
            assignments
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.as_str())
        };
        Self {
            operations: find("search-space")
                .map(nas::python_strings)
                .unwrap_or_default(),
            nodes: find("algorithm-settings")
                .and_then(|settings| nas::python_dict_value(settings, "num_nodes"))
                .and_then(|nodes| nodes.parse().ok())
                .unwrap_or(4)
                .clamp(1, 8),
        }
    }
}

/// The value of `metric` that `trial` reports at `step`, as the training script prints it.
pub fn value(trial: &str, metric: &MetricSpec, record: &Record, cell: &Cell, step: u32) -> String {
    let noise = prng::unit(&[trial, &metric.name, &step.to_string()]) * 2.0 - 1.0;
    let offset = if metric.objective {
        0.0
    } else {
        (prng::unit(&["offset", &metric.name]) - 0.5) * 0.06
    };
    let done = progress(step, record.steps);
    let quality = record.quality.clamp(0.0, 1.0);
    match metric.shape {
        Shape::Loss => {
            let last = 0.04 + 0.9 * (1.0 - quality) + offset.abs();
            let first = 2.3 - 0.3 * prng::unit(&[trial, "initial loss"]);
            let value = (last + (first - last) * (1.0 - done)) * (1.0 + 0.04 * noise);
            format!("{:.6}", value.max(1e-4))
        }
        Shape::Accuracy => {
            let last = 0.5 + 0.45 * quality + offset;
            let first = 0.1 + 0.05 * prng::unit(&[trial, "initial accuracy"]);
            let value = first + (last - first) * done + 0.01 * noise;
            format!("{:.6}", value.clamp(0.001, 0.985))
        }
        Shape::Text => {
            let mut stream = SplitMix::new(prng::hash(&[trial, "genotype", &step.to_string()]));
            nas::genotype(&mut stream, &cell.operations, cell.nodes)
        }
    }
}

/// One reported value, as katib-db-manager stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub time: String,
    pub metric: String,
    pub value: String,
}

/// Every value `trial` has reported so far, in time order (the metrics of a step together).
pub fn points(trial: &Value) -> Vec<Point> {
    let Some(record) = Record::of(trial) else {
        return Vec::new();
    };
    let name = trial
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let specs = metric_specs(trial.pointer("/spec/objective").unwrap_or(&Value::Null));
    let cell = Cell::of(&assignments(trial));
    record
        .reported
        .iter()
        .enumerate()
        .flat_map(|(index, time)| {
            let step = index as u32 + 1;
            specs
                .iter()
                .map(|spec| Point {
                    time: time.clone(),
                    metric: spec.name.clone(),
                    value: value(name, spec, &record, &cell, step),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A trial's `spec.parameterAssignments` as (name, value) pairs.
pub fn assignments(trial: &Value) -> Vec<(String, String)> {
    trial
        .pointer("/spec/parameterAssignments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|assignment| {
            Some((
                assignment.get("name")?.as_str()?.to_string(),
                assignment
                    .get("value")
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))?,
            ))
        })
        .collect()
}

/// `status.observation.metrics` from reported values, as Katib's trial controller folds them:
/// min and max over the numeric values (the strings kept as reported), latest by time; a metric
/// with nothing numeric keeps `unavailable` for min and max.
pub fn observation(metrics: &[String], points: &[Point]) -> Value {
    let folded: Vec<Value> = metrics
        .iter()
        .map(|metric| {
            let mut low: Option<(f64, &str)> = None;
            let mut high: Option<(f64, &str)> = None;
            let mut latest = UNAVAILABLE;
            for point in points.iter().filter(|point| &point.metric == metric) {
                if let Ok(number) = point.value.parse::<f64>() {
                    if low.is_none_or(|(value, _)| number < value) {
                        low = Some((number, &point.value));
                    }
                    if high.is_none_or(|(value, _)| number > value) {
                        high = Some((number, &point.value));
                    }
                }
                latest = &point.value;
            }
            json!({
                "name": metric,
                "min": low.map_or(UNAVAILABLE, |(_, text)| text),
                "max": high.map_or(UNAVAILABLE, |(_, text)| text),
                "latest": latest,
            })
        })
        .collect();
    json!({ "metrics": folded })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::controllers::katib::space::parse_parameters;

    fn record(quality: f64, steps: u32) -> Record {
        Record {
            quality,
            steps,
            fate: Fate::Succeed,
            ticks: 0,
            reported: Vec::new(),
        }
    }

    fn numbers(trial: &str, spec: &MetricSpec, record: &Record) -> Vec<f64> {
        (1..=record.steps)
            .map(|step| {
                value(trial, spec, record, &Cell::default(), step)
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn metric_shapes_follow_their_names() {
        assert_eq!(shape("loss", false), Shape::Loss);
        assert_eq!(shape("Validation-accuracy", true), Shape::Accuracy);
        assert_eq!(shape("Best-Genotype", true), Shape::Text);
        assert_eq!(shape("reward", true), Shape::Accuracy);
        assert_eq!(shape("latency", false), Shape::Loss);
    }

    #[test]
    fn losses_fall_and_accuracies_rise_within_bounds() {
        let loss = MetricSpec {
            name: "loss".into(),
            shape: Shape::Loss,
            objective: true,
        };
        let accuracy = MetricSpec {
            name: "accuracy".into(),
            shape: Shape::Accuracy,
            objective: true,
        };
        for (index, quality) in [0.0, 0.3, 0.7, 1.0].into_iter().enumerate() {
            let trial = format!("trial-{index}");
            let run = record(quality, 6);
            let losses = numbers(&trial, &loss, &run);
            assert!(losses.iter().all(|v| *v > 0.0));
            assert!(losses[5] < losses[0] * 0.75, "{losses:?}");
            let accuracies = numbers(&trial, &accuracy, &run);
            assert!(accuracies.iter().all(|v| *v > 0.0 && *v < 1.0));
            assert!(accuracies[5] > accuracies[0] + 0.15, "{accuracies:?}");
        }
        let good = numbers("t", &loss, &record(1.0, 5))[4];
        let bad = numbers("t", &loss, &record(0.1, 5))[4];
        assert!(good < bad);
    }

    #[test]
    fn quality_peaks_at_the_hidden_optimum() {
        let parameters = parse_parameters(Some(&serde_json::json!([
            { "name": "lr", "parameterType": "double", "feasibleSpace": { "min": "0", "max": "1" } },
            { "name": "opt", "parameterType": "categorical", "feasibleSpace": { "list": ["a", "b", "c"] } },
        ])))
        .unwrap();
        let optimum = 0.15 + 0.7 * prng::unit(&["optimum", "lr"]);
        let best = ["a", "b", "c"][(prng::hash(&["best", "opt"]) % 3) as usize];
        let at = |lr: f64, opt: &str| {
            quality(
                &parameters,
                &[("lr".into(), lr.to_string()), ("opt".into(), opt.into())],
            )
        };
        assert!((at(optimum, best) - 1.0).abs() < 1e-9);
        assert!(at(optimum, best) > at((optimum + 0.4).min(1.0), best));
        let worse = ["a", "b", "c"].into_iter().find(|o| *o != best).unwrap();
        assert!(at(optimum, best) > at(optimum, worse));
    }

    #[test]
    fn plans_fail_about_as_often_as_asked() {
        let plans: Vec<Record> = (0..2000)
            .map(|i| plan(&format!("exp-{i}"), 0.5, 0.05, 0.02))
            .collect();
        let failed = plans
            .iter()
            .filter(|p| matches!(p.fate, Fate::Fail { .. }))
            .count();
        let unavailable = plans
            .iter()
            .filter(|p| p.fate == Fate::MetricsUnavailable)
            .count();
        assert!((60..140).contains(&failed), "{failed} of 2000 failed");
        assert!((15..70).contains(&unavailable), "{unavailable} of 2000");
        for plan in &plans {
            assert!((4..=6).contains(&plan.steps));
            if let Fate::Fail { step } = plan.fate {
                assert!((1..=plan.steps).contains(&step));
            }
        }
        assert!((0..100).all(|i| plan(&format!("x-{i}"), 0.5, 0.0, 0.0).fate == Fate::Succeed));
    }

    #[test]
    fn observations_fold_min_max_and_latest_as_katib_does() {
        let point = |time: &str, metric: &str, value: &str| Point {
            time: time.into(),
            metric: metric.into(),
            value: value.into(),
        };
        let points = [
            point("t1", "loss", "0.9"),
            point("t1", "genotype", "Genotype(a)"),
            point("t2", "loss", "0.3"),
            point("t2", "genotype", "Genotype(b)"),
            point("t3", "loss", "0.5"),
        ];
        let observation = observation(
            &["loss".into(), "genotype".into(), "missing".into()],
            &points,
        );
        assert_eq!(
            observation,
            json!({ "metrics": [
                { "name": "loss", "min": "0.3", "max": "0.9", "latest": "0.5" },
                { "name": "genotype", "min": "unavailable", "max": "unavailable", "latest": "Genotype(b)" },
                { "name": "missing", "min": "unavailable", "max": "unavailable", "latest": "unavailable" },
            ] })
        );
    }
}
