//! The Katib experiments table's logic: applying live changes, filtering and sorting, kept out
//! of the page so it is tested here.

use crate::model::katib::{ExperimentChange, ExperimentRow};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Namespace,
    Status,
    Trials,
    Best,
    Created,
}

/// Applies one change of the live stream to the rows.
pub fn apply(rows: &mut Vec<ExperimentRow>, change: ExperimentChange) {
    match change {
        ExperimentChange::Snapshot(all) => *rows = all,
        ExperimentChange::Upsert(row) => {
            match rows
                .iter_mut()
                .find(|old| old.namespace == row.namespace && old.name == row.name)
            {
                Some(old) => *old = row,
                None => rows.push(row),
            }
        }
        ExperimentChange::Removed { namespace, name } => {
            rows.retain(|row| !(row.namespace == namespace && row.name == name));
        }
        ExperimentChange::Failed(_) => {}
    }
}

/// Whether a row matches what was typed in the filter: every word must appear in the name,
/// namespace, status, algorithm, type or objective metric (case-insensitive).
pub fn matches(row: &ExperimentRow, query: &str) -> bool {
    let haystack = format!(
        "{} {} {} {} {} {}",
        row.name,
        row.namespace,
        row.state.label(),
        row.algorithm,
        row.kind.label(),
        row.objective_metric
    )
    .to_lowercase();
    query
        .to_lowercase()
        .split_whitespace()
        .all(|word| haystack.contains(word))
}

/// Sorts in place; rows without a best value go last whatever the direction. "Best" sorts
/// by value; mixing minimized and maximized objectives, that is the only order that means
/// something.
pub fn sort(rows: &mut [ExperimentRow], key: SortKey, descending: bool) {
    let by_name = |a: &ExperimentRow, b: &ExperimentRow| {
        (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
    };
    rows.sort_by(|a, b| {
        if key == SortKey::Best {
            match (a.best, b.best) {
                (Some(x), Some(y)) => {
                    let order = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                    return if descending { order.reverse() } else { order }
                        .then_with(|| by_name(a, b));
                }
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => return by_name(a, b),
            }
        }
        let order = match key {
            SortKey::Name => a.name.cmp(&b.name),
            SortKey::Namespace => a.namespace.cmp(&b.namespace),
            SortKey::Status => a.state.cmp(&b.state),
            SortKey::Trials => a.counts.total.cmp(&b.counts.total),
            SortKey::Created => a.created.cmp(&b.created),
            SortKey::Best => Ordering::Equal,
        }
        .then_with(|| by_name(a, b));
        if descending { order.reverse() } else { order }
    });
}

/// A metric value for a table cell: up to 4 significant digits, plain or scientific.
pub fn format_value(value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3 - magnitude).clamp(0, 8) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::katib::*;

    fn row(namespace: &str, name: &str, best: Option<f64>, total: u32) -> ExperimentRow {
        ExperimentRow {
            namespace: namespace.into(),
            name: name.into(),
            kind: ExperimentKind::Hp,
            state: ExperimentState::Running,
            message: String::new(),
            created: Some(format!("2026-01-0{total}T00:00:00Z")),
            algorithm: "random".into(),
            objective_metric: "loss".into(),
            objective_type: ObjectiveType::Minimize,
            counts: TrialCounts {
                total,
                ..TrialCounts::default()
            },
            max_trials: Some(12),
            best,
            best_trial: None,
        }
    }

    #[test]
    fn changes_insert_replace_and_remove_rows() {
        let mut rows = vec![];
        apply(
            &mut rows,
            ExperimentChange::Snapshot(vec![row("a", "x", None, 1)]),
        );
        apply(
            &mut rows,
            ExperimentChange::Upsert(row("a", "x", Some(0.5), 2)),
        );
        apply(&mut rows, ExperimentChange::Upsert(row("b", "x", None, 1)));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].best, Some(0.5));
        apply(
            &mut rows,
            ExperimentChange::Removed {
                namespace: "a".into(),
                name: "x".into(),
            },
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].namespace, "b");
    }

    #[test]
    fn the_filter_needs_every_word() {
        let r = row("team-ml", "mnist-random", None, 1);
        assert!(matches(&r, "MNIST running"));
        assert!(matches(&r, "team random"));
        assert!(!matches(&r, "mnist grid"));
    }

    #[test]
    fn rows_without_a_best_value_sort_last_both_ways() {
        let mut rows = vec![
            row("a", "none", None, 1),
            row("a", "high", Some(0.9), 2),
            row("a", "low", Some(0.1), 3),
        ];
        sort(&mut rows, SortKey::Best, false);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["low", "high", "none"]);
        sort(&mut rows, SortKey::Best, true);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["high", "low", "none"]);
        sort(&mut rows, SortKey::Trials, true);
        assert_eq!(rows[0].name, "low");
    }

    #[test]
    fn values_keep_four_significant_digits() {
        assert_eq!(format_value(0.123456), "0.1235");
        assert_eq!(format_value(12.5), "12.5");
        assert_eq!(format_value(1234.5678), "1235");
        assert_eq!(format_value(0.00001234), "1.234e-5");
        assert_eq!(format_value(-0.5), "-0.5");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(98765432.0), "9.877e7");
    }
}
