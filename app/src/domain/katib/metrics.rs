//! Metric values and strategies as Katib reads them, and the best trial of an experiment.

use super::UNAVAILABLE;
use crate::model::katib::{
    ExperimentView, MetricColumn, MetricStrategy, MetricValue, ObjectiveType, TrialMetric,
};
use serde_json::Value;

/// A reported value with its number: only text that parses as a finite number counts, so
/// "unavailable", "", "NaN", "inf" and genotype strings have none (the text is kept).
pub fn metric_value(text: &str) -> MetricValue {
    MetricValue {
        text: text.to_string(),
        value: number(text),
    }
}

pub(super) fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// `min`, `max` or `latest`, as written in `metricStrategies`; None for anything else.
pub fn parse_strategy(text: &str) -> Option<MetricStrategy> {
    match text {
        "min" => Some(MetricStrategy::Min),
        "max" => Some(MetricStrategy::Max),
        "latest" => Some(MetricStrategy::Latest),
        _ => None,
    }
}

/// The strategy Katib's defaulting webhook gives a metric that has none: `min` when minimizing
/// and `max` when maximizing, for the objective and the additional metrics alike (Katib's
/// `setDefaultObjective` does this for both, whatever its comment says about `latest`).
pub fn default_strategy(objective: ObjectiveType) -> MetricStrategy {
    match objective {
        ObjectiveType::Minimize => MetricStrategy::Min,
        ObjectiveType::Maximize => MetricStrategy::Max,
    }
}

/// The strategy of `metric` under `spec.objective`: its `metricStrategies` entry when valid,
/// else the default.
pub fn strategy_for(objective: &Value, metric: &str, kind: ObjectiveType) -> MetricStrategy {
    objective
        .get("metricStrategies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(metric))
        .and_then(|entry| entry.get("value").and_then(Value::as_str))
        .and_then(parse_strategy)
        .unwrap_or_else(|| default_strategy(kind))
}

/// The metric columns of an experiment (`spec.objective`): the objective metric first, then
/// the additional metrics in their order, each with its strategy. Blank and repeated names are
/// left out.
pub fn metric_columns(objective: &Value, kind: ObjectiveType) -> Vec<MetricColumn> {
    let first = objective.get("objectiveMetricName").and_then(Value::as_str);
    let additional = objective
        .get("additionalMetricNames")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    let mut columns: Vec<MetricColumn> = Vec::new();
    for name in first.into_iter().chain(additional) {
        if name.is_empty() || columns.iter().any(|column| column.name == name) {
            continue;
        }
        columns.push(MetricColumn {
            name: name.to_string(),
            strategy: strategy_for(objective, name, kind),
        });
    }
    columns
}

/// The observed value a strategy picks. As Katib does, `min` and `max` fall back to `latest`
/// when they are "unavailable" (or missing): a metric that is not a number (a NAS genotype) has
/// only a latest value.
pub fn choose(metric: &TrialMetric, strategy: MetricStrategy) -> &MetricValue {
    pick(
        &metric.min,
        &metric.max,
        &metric.latest,
        strategy,
        |value| value.text.as_str(),
    )
}

/// [`choose`] over anything that has the three values (raw strings on the hot path).
pub(super) fn pick<'a, T: ?Sized>(
    min: &'a T,
    max: &'a T,
    latest: &'a T,
    strategy: MetricStrategy,
    text: impl Fn(&T) -> &str,
) -> &'a T {
    let chosen = match strategy {
        MetricStrategy::Min => min,
        MetricStrategy::Max => max,
        MetricStrategy::Latest => return latest,
    };
    let chosen_text = text(chosen);
    if chosen_text.is_empty() || chosen_text == UNAVAILABLE {
        latest
    } else {
        chosen
    }
}

/// The index in `view.trials` of the best trial.
///
/// Katib's own answer comes first: `status.currentOptimalTrial.bestTrialName` when it names a
/// listed trial. Otherwise the trials are ranked as Katib ranks them: every trial whose objective
/// value (first metric column, chosen by its strategy) is a number counts, whatever its state
/// (Katib's status update does not look at the state either, so early-stopped and even running
/// trials with metrics count; metrics-unavailable ones have no number). The best value in the
/// objective's direction wins; on a tie, the earliest trial in the list (creation order) wins.
/// Values that are not numbers never rank, so an experiment whose objective is text (a NAS
/// genotype) has a best trial only when Katib names it.
pub fn best_trial(view: &ExperimentView) -> Option<usize> {
    if let Some(optimal) = &view.optimal
        && let Some(index) = view
            .trials
            .iter()
            .position(|trial| trial.name == optimal.name)
    {
        return Some(index);
    }
    let objective = view.row.objective_type;
    let column = view
        .metrics
        .iter()
        .position(|column| column.name == view.row.objective_metric)?;
    let mut best: Option<(usize, f64)> = None;
    for (index, trial) in view.trials.iter().enumerate() {
        let Some(value) = trial
            .metrics
            .get(column)
            .and_then(Option::as_ref)
            .and_then(|metric| metric.value)
        else {
            continue;
        };
        if best.is_none_or(|(_, best_value)| objective.better(value, best_value)) {
            best = Some((index, value));
        }
    }
    best.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn observed(min: &str, max: &str, latest: &str) -> TrialMetric {
        TrialMetric {
            name: "loss".into(),
            min: metric_value(min),
            max: metric_value(max),
            latest: metric_value(latest),
        }
    }

    #[test]
    fn only_finite_numbers_are_values() {
        assert_eq!(metric_value("0.25").value, Some(0.25));
        assert_eq!(metric_value("-3").value, Some(-3.0));
        assert_eq!(metric_value("1e-3").value, Some(0.001));
        for text in [
            "unavailable",
            "",
            "NaN",
            "nan",
            "inf",
            "-inf",
            " 1",
            "0.5 ",
            "Genotype(x)",
        ] {
            let value = metric_value(text);
            assert_eq!(value.value, None, "{text:?}");
            assert_eq!(value.text, text, "the text is kept");
        }
    }

    #[test]
    fn strategies_pick_their_value_and_fall_back_to_latest_when_unavailable() {
        let metric = observed("0.1", "0.9", "0.5");
        assert_eq!(choose(&metric, MetricStrategy::Min).value, Some(0.1));
        assert_eq!(choose(&metric, MetricStrategy::Max).value, Some(0.9));
        assert_eq!(choose(&metric, MetricStrategy::Latest).value, Some(0.5));

        let genotype = observed("unavailable", "unavailable", "Genotype(normal=[])");
        assert_eq!(
            choose(&genotype, MetricStrategy::Max).text,
            "Genotype(normal=[])"
        );
        assert_eq!(choose(&genotype, MetricStrategy::Min).value, None);
        let missing = observed("", "0.7", "0.6");
        assert_eq!(choose(&missing, MetricStrategy::Min).value, Some(0.6));
        // "unavailable" as the latest value stays unavailable.
        let nothing = observed("unavailable", "unavailable", "unavailable");
        assert_eq!(choose(&nothing, MetricStrategy::Latest).text, "unavailable");
    }

    #[test]
    fn strategies_default_to_the_objective_direction_for_every_metric() {
        let objective = json!({
            "type": "maximize",
            "objectiveMetricName": "accuracy",
            "additionalMetricNames": ["loss", "", "accuracy", "epoch", "loss"],
            "metricStrategies": [
                {"name": "epoch", "value": "latest"},
                {"name": "loss", "value": "bogus"},
            ],
        });
        let columns = metric_columns(&objective, ObjectiveType::Maximize);
        let got: Vec<(&str, MetricStrategy)> = columns
            .iter()
            .map(|column| (column.name.as_str(), column.strategy))
            .collect();
        assert_eq!(
            got,
            [
                ("accuracy", MetricStrategy::Max),
                // An invalid strategy is as good as none.
                ("loss", MetricStrategy::Max),
                ("epoch", MetricStrategy::Latest),
            ]
        );
        let minimize = json!({"objectiveMetricName": "loss", "metricStrategies": [{"name": "loss", "value": "latest"}]});
        assert_eq!(
            strategy_for(&minimize, "loss", ObjectiveType::Minimize),
            MetricStrategy::Latest
        );
        assert_eq!(
            strategy_for(&minimize, "other", ObjectiveType::Minimize),
            MetricStrategy::Min
        );
        assert_eq!(metric_columns(&json!({}), ObjectiveType::Minimize), []);
    }
}
