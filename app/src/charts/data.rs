//! What the Katib charts plot, read out of an `ExperimentView`: the objective column, the
//! trials with a numeric objective, and an axis for each parameter and metric.

use super::axes::AxisScale;
use super::scale::Scale;
use crate::model::katib::{
    ExperimentView, MetricValue, ObjectiveType, ParameterKind, ParameterSpec, TrialRow, TrialState,
};

/// The objective: its column in `view.metrics` / `TrialRow::metrics`, name and direction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Objective<'a> {
    pub column: usize,
    pub name: &'a str,
    pub direction: ObjectiveType,
}

/// The objective column: the metric named like the experiment's objective, else the first
/// (`domain::katib` puts the objective first). None when the view has no metric at all.
pub(crate) fn objective(view: &ExperimentView) -> Option<Objective<'_>> {
    let column = view
        .metrics
        .iter()
        .position(|m| m.name == view.row.objective_metric)
        .or((!view.metrics.is_empty()).then_some(0))?;
    Some(Objective {
        column,
        name: &view.metrics[column].name,
        direction: view.row.objective_type,
    })
}

/// The finite number in metric `column` of `trial`, if there is one ("unavailable" is not).
pub(crate) fn metric_value(trial: &TrialRow, column: usize) -> Option<f64> {
    let cell: &Option<MetricValue> = trial.metrics.get(column)?;
    cell.as_ref()?.value.filter(|v| v.is_finite())
}

/// A trial with a numeric objective: its index in `view.trials` and the value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    pub trial: usize,
    pub objective: f64,
}

/// Every trial with a numeric objective, in the view's order.
pub(crate) fn scored_trials(view: &ExperimentView, objective: Objective) -> Vec<Scored> {
    view.trials
        .iter()
        .enumerate()
        .filter_map(|(trial, row)| {
            metric_value(row, objective.column).map(|objective| Scored { trial, objective })
        })
        .collect()
}

/// Whether a trial's value is final and counts for "best": it ran to the end, or was stopped
/// early by the algorithm's own judgement. A running trial's value is only its latest report.
pub(crate) fn has_final_value(state: TrialState) -> bool {
    matches!(state, TrialState::Succeeded | TrialState::EarlyStopped)
}

/// The best of `scored` in `direction`; the earliest trial wins a tie.
pub(crate) fn best(scored: &[Scored], direction: ObjectiveType) -> Option<Scored> {
    scored.iter().copied().reduce(|best, s| {
        if direction.better(s.objective, best.objective) {
            s
        } else {
            best
        }
    })
}

/// What an objective chart says when no trial has a value to plot.
pub(crate) fn nothing_to_plot(view: &ExperimentView) -> String {
    let name = objective(view)
        .map(|o| o.name)
        .unwrap_or(&view.row.objective_metric);
    let name = if name.is_empty() { "objective" } else { name };
    format!("No succeeded trials with a numeric {name} yet")
}

/// How good `value` is, 0 (worst on `scale`) to 1 (best), for colouring.
pub(crate) fn goodness(scale: &Scale, direction: ObjectiveType, value: f64) -> f64 {
    let fraction = scale.fraction(value).clamp(0.0, 1.0);
    match direction {
        ObjectiveType::Maximize => fraction,
        ObjectiveType::Minimize => 1.0 - fraction,
    }
}

/// A parameter's or metric's axis: its title, a short caption, and where values go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueAxis {
    pub title: String,
    pub caption: String,
    pub scale: AxisScale,
    /// Categories that are all numbers (a discrete parameter), to match "1" with "1.0".
    numeric_categories: Option<Vec<f64>>,
}

impl ValueAxis {
    /// The axis coordinate of a raw value: the number, or the category's index. None when the
    /// value cannot be placed (not a number on a numeric axis, not positive on a log axis).
    pub fn locate(&self, raw: &str) -> Option<f64> {
        match &self.scale {
            AxisScale::Numeric { scale, .. } => {
                let value = parse_number(raw)?;
                (!scale.is_log() || value > 0.0).then_some(value)
            }
            AxisScale::Categories(names) => {
                let found = names.iter().position(|n| n == raw).or_else(|| {
                    let value = parse_number(raw)?;
                    self.numeric_categories
                        .as_ref()?
                        .iter()
                        .position(|c| *c == value)
                });
                found.map(|i| i as f64)
            }
        }
    }

    pub fn fraction(&self, at: f64) -> f64 {
        self.scale.fraction(at)
    }

    /// A numeric axis over observed values (a metric).
    pub fn numeric(title: &str, caption: String, values: impl Iterator<Item = f64>) -> ValueAxis {
        let (lo, hi) = min_max(values).unwrap_or((0.0, 1.0));
        ValueAxis {
            title: title.to_string(),
            caption,
            scale: AxisScale::Numeric {
                scale: Scale::linear(lo, hi),
                integer: false,
            },
            numeric_categories: None,
        }
    }
}

fn parse_number(raw: &str) -> Option<f64> {
    raw.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// The axis of parameter `spec`, given the values trials took (`None` where a trial has none).
/// Listed parameters get one category per list value, in list order (discrete ones sorted by
/// value), plus any value trials took outside the list so no trial is dropped. Numeric ones
/// span the feasible space widened to the values seen, on a log scale when the search
/// distribution is logarithmic.
pub(crate) fn parameter_axis<'a>(
    spec: &ParameterSpec,
    values: impl Iterator<Item = &'a str> + Clone,
) -> ValueAxis {
    if spec.kind.is_listed() {
        return category_axis(spec, values);
    }
    let feasible = match (
        spec.min.as_deref().and_then(parse_number),
        spec.max.as_deref().and_then(parse_number),
    ) {
        (Some(lo), Some(hi)) => Some((lo.min(hi), lo.max(hi))),
        _ => None,
    };
    let seen = min_max(values.filter_map(parse_number));
    let (lo, hi) = match (feasible, seen) {
        (Some((a, b)), Some((c, d))) => (a.min(c), b.max(d)),
        (Some(range), None) | (None, Some(range)) => range,
        (None, None) => (0.0, 1.0),
    };
    let wants_log = spec
        .distribution
        .as_deref()
        .is_some_and(|d| d.to_ascii_lowercase().starts_with("log"));
    let log = if wants_log { Scale::log(lo, hi) } else { None };
    ValueAxis {
        title: spec.name.clone(),
        caption: if log.is_some() {
            "log scale".into()
        } else {
            String::new()
        },
        scale: AxisScale::Numeric {
            scale: log.unwrap_or_else(|| Scale::linear(lo, hi)),
            integer: spec.kind == ParameterKind::Int,
        },
        numeric_categories: None,
    }
}

fn category_axis<'a>(spec: &ParameterSpec, values: impl Iterator<Item = &'a str>) -> ValueAxis {
    let mut names: Vec<String> = Vec::new();
    let mut numbers: Vec<Option<f64>> = Vec::new();
    let mut add = |name: &str| {
        let number = parse_number(name);
        let known = names.iter().zip(&numbers).any(|(n, v)| {
            n == name || (spec.kind == ParameterKind::Discrete && number.is_some() && *v == number)
        });
        if !known {
            names.push(name.to_string());
            numbers.push(number);
        }
    };
    spec.list.iter().for_each(|name| add(name));
    values.for_each(&mut add);
    let all_numbers: Option<Vec<f64>> = numbers.iter().copied().collect();
    let numeric_categories = match all_numbers {
        Some(numbers) if spec.kind == ParameterKind::Discrete => {
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_by(|&a, &b| numbers[a].total_cmp(&numbers[b]));
            names = order.iter().map(|&i| names[i].clone()).collect();
            Some(order.iter().map(|&i| numbers[i]).collect())
        }
        _ => None,
    };
    ValueAxis {
        title: spec.name.clone(),
        caption: spec.kind.label().to_string(),
        scale: AxisScale::Categories(names),
        numeric_categories,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(
        kind: ParameterKind,
        min: Option<&str>,
        max: Option<&str>,
        list: &[&str],
    ) -> ParameterSpec {
        ParameterSpec {
            name: "p".into(),
            kind,
            min: min.map(Into::into),
            max: max.map(Into::into),
            step: None,
            list: list.iter().map(|s| s.to_string()).collect(),
            distribution: None,
        }
    }

    #[test]
    fn numeric_axes_span_the_feasible_space_and_any_value_outside_it() {
        let axis = parameter_axis(
            &spec(ParameterKind::Double, Some("0.1"), Some("0.5"), &[]),
            ["0.2", "0.9"].into_iter(),
        );
        assert_eq!(axis.locate("0.1").map(|at| axis.fraction(at)), Some(0.0));
        assert_eq!(axis.locate("0.9").map(|at| axis.fraction(at)), Some(1.0));
        assert_eq!(axis.locate("abc"), None);
        assert_eq!(axis.locate("NaN"), None);
        // No feasible space (NAS): the values seen.
        let axis = parameter_axis(
            &spec(ParameterKind::Int, None, Some("x"), &[]),
            ["3", "7"].into_iter(),
        );
        assert_eq!(
            axis.scale,
            AxisScale::Numeric {
                scale: Scale::linear(3.0, 7.0),
                integer: true
            }
        );
    }

    #[test]
    fn log_distributions_get_a_log_axis_unless_the_range_reaches_zero() {
        let mut p = spec(ParameterKind::Double, Some("0.0001"), Some("0.1"), &[]);
        p.distribution = Some("logUniform".into());
        let axis = parameter_axis(&p, ["0.01"].into_iter());
        assert_eq!(axis.caption, "log scale");
        assert!((axis.fraction(axis.locate("0.01").unwrap()) - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(axis.locate("-1"), None);
        p.min = Some("0".into());
        assert!(parameter_axis(&p, std::iter::empty()).caption.is_empty());
    }

    #[test]
    fn categories_keep_list_order_and_add_unlisted_values() {
        let p = spec(
            ParameterKind::Categorical,
            None,
            None,
            &["sgd", "adam", "sgd"],
        );
        let axis = parameter_axis(&p, ["rmsprop", "adam"].into_iter());
        assert_eq!(
            axis.scale,
            AxisScale::Categories(vec!["sgd".into(), "adam".into(), "rmsprop".into()])
        );
        assert_eq!(axis.locate("adam"), Some(1.0));
        assert_eq!(axis.locate("ftrl"), None);
    }

    #[test]
    fn discrete_values_sort_by_number_and_match_numerically() {
        let p = spec(ParameterKind::Discrete, None, None, &["64", "16", "32"]);
        let axis = parameter_axis(&p, ["16.0", "128"].into_iter());
        assert_eq!(
            axis.scale,
            AxisScale::Categories(vec!["16".into(), "32".into(), "64".into(), "128".into()])
        );
        assert_eq!(axis.locate("16.0"), Some(0.0));
        assert_eq!(axis.locate("1.28e2"), Some(3.0));
    }

    #[test]
    fn best_prefers_the_direction_and_the_earliest_on_ties() {
        let scored = [
            Scored {
                trial: 0,
                objective: 0.5,
            },
            Scored {
                trial: 1,
                objective: 0.9,
            },
            Scored {
                trial: 2,
                objective: 0.9,
            },
            Scored {
                trial: 3,
                objective: 0.1,
            },
        ];
        assert_eq!(best(&scored, ObjectiveType::Maximize).unwrap().trial, 1);
        assert_eq!(best(&scored, ObjectiveType::Minimize).unwrap().trial, 3);
        assert_eq!(best(&[], ObjectiveType::Minimize), None);
        let scale = Scale::linear(0.0, 1.0);
        assert_eq!(goodness(&scale, ObjectiveType::Minimize, 0.0), 1.0);
        assert_eq!(goodness(&scale, ObjectiveType::Maximize, 2.0), 1.0);
    }
}
