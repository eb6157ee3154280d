//! The trials table's logic: which trials a filter keeps and in which order, for tables of
//! thousands of trials (indices are sorted, rows are never cloned).

use crate::model::katib::{TrialRow, TrialState};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    State,
    Parameter(usize),
    Metric(usize),
    Completed,
}

/// The indices of the rows that match, in the asked order. Missing values sort last both ways;
/// parameter values (strings) are compared as numbers when both parse, else as text.
pub fn ordered(
    trials: &[TrialRow],
    query: &str,
    state: Option<TrialState>,
    column: Column,
    descending: bool,
) -> Vec<usize> {
    let words: Vec<String> = query
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut keep: Vec<usize> = (0..trials.len())
        .filter(|&i| state.is_none_or(|state| trials[i].state == state))
        .filter(|&i| words.is_empty() || matches(&trials[i], &words))
        .collect();
    keep.sort_by(|&a, &b| {
        let (x, y) = (&trials[a], &trials[b]);
        let order = match column {
            Column::Name => Some(x.name.cmp(&y.name)),
            Column::State => Some(x.state.cmp(&y.state)),
            Column::Completed => {
                optional(x.completed.as_ref(), y.completed.as_ref(), |p, q| p.cmp(q))
            }
            Column::Parameter(i) => optional(
                x.parameters.get(i).and_then(Option::as_ref),
                y.parameters.get(i).and_then(Option::as_ref),
                |p, q| compare_text(p, q),
            ),
            Column::Metric(i) => optional(
                x.metrics
                    .get(i)
                    .and_then(Option::as_ref)
                    .and_then(|m| m.value),
                y.metrics
                    .get(i)
                    .and_then(Option::as_ref)
                    .and_then(|m| m.value),
                |p, q| p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            ),
        };
        match order {
            Some(order) => {
                if descending {
                    order.reverse()
                } else {
                    order
                }
            }
            // Exactly one side is missing: it goes last whatever the direction.
            None => {
                let missing_x = is_missing(x, column);
                missing_x.cmp(&is_missing(y, column))
            }
        }
        .then_with(|| x.name.cmp(&y.name))
    });
    keep
}

fn is_missing(trial: &TrialRow, column: Column) -> bool {
    match column {
        Column::Name | Column::State => false,
        Column::Completed => trial.completed.is_none(),
        Column::Parameter(i) => trial.parameters.get(i).and_then(Option::as_ref).is_none(),
        Column::Metric(i) => trial
            .metrics
            .get(i)
            .and_then(Option::as_ref)
            .and_then(|m| m.value)
            .is_none(),
    }
}

/// Both present: their order; both missing: equal; one missing: None (the caller puts it last).
fn optional<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(T, T) -> Ordering) -> Option<Ordering> {
    match (a, b) {
        (Some(a), Some(b)) => Some(cmp(a, b)),
        (None, None) => Some(Ordering::Equal),
        _ => None,
    }
}

/// Parameter values as numbers when both are, else as text.
fn compare_text(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

fn matches(trial: &TrialRow, words: &[String]) -> bool {
    let mut haystack = format!("{} {}", trial.name, trial.state.label()).to_lowercase();
    for value in trial.parameters.iter().flatten() {
        haystack.push(' ');
        haystack.push_str(&value.to_lowercase());
    }
    words.iter().all(|word| haystack.contains(word.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::katib::MetricValue;

    fn trial(name: &str, state: TrialState, lr: Option<&str>, loss: Option<f64>) -> TrialRow {
        TrialRow {
            name: name.into(),
            state,
            message: String::new(),
            parameters: vec![lr.map(str::to_owned)],
            metrics: vec![loss.map(|v| MetricValue {
                text: v.to_string(),
                value: Some(v),
            })],
            created: None,
            started: None,
            completed: None,
        }
    }

    fn names(trials: &[TrialRow], order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| trials[i].name.clone()).collect()
    }

    #[test]
    fn metrics_sort_as_numbers_with_missing_values_last_both_ways() {
        let trials = vec![
            trial("a", TrialState::Succeeded, Some("0.1"), Some(0.5)),
            trial("b", TrialState::Running, Some("0.05"), None),
            trial("c", TrialState::Succeeded, Some("0.2"), Some(0.25)),
        ];
        let up = ordered(&trials, "", None, Column::Metric(0), false);
        assert_eq!(names(&trials, &up), ["c", "a", "b"]);
        let down = ordered(&trials, "", None, Column::Metric(0), true);
        assert_eq!(names(&trials, &down), ["a", "c", "b"]);
    }

    #[test]
    fn parameters_compare_as_numbers_not_text() {
        let trials = vec![
            trial("a", TrialState::Succeeded, Some("0.1"), None),
            trial("b", TrialState::Succeeded, Some("0.05"), None),
            trial("c", TrialState::Succeeded, Some("1e-3"), None),
        ];
        let up = ordered(&trials, "", None, Column::Parameter(0), false);
        assert_eq!(names(&trials, &up), ["c", "b", "a"]);
    }

    #[test]
    fn state_and_words_filter() {
        let trials = vec![
            trial("mnist-abc", TrialState::Succeeded, Some("0.1"), Some(0.5)),
            trial("mnist-def", TrialState::Failed, Some("0.2"), None),
        ];
        let failed = ordered(&trials, "", Some(TrialState::Failed), Column::Name, false);
        assert_eq!(names(&trials, &failed), ["mnist-def"]);
        let by_value = ordered(&trials, "MNIST 0.1", None, Column::Name, false);
        assert_eq!(names(&trials, &by_value), ["mnist-abc"]);
    }
}
