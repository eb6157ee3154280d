//! Each plot's data as CSV, for the page's download buttons.
//!
//! RFC 4180: CRLF line ends; a field containing a comma, a double quote, CR or LF is quoted,
//! its quotes doubled. Spreadsheets run a cell starting with `=`, `+`, `-` or `@` (and tab or
//! CR) as a formula, and trial names, parameter values and messages come from users, so such
//! a field gets a leading `'` (which spreadsheets show as text) unless it is a plain number
//! such as `-0.5` or `+1e-3`.

use super::data::{Objective, has_final_value, metric_value, objective, scored_trials};
use super::history::history;
use super::time::parse_rfc3339;
use crate::model::katib::{ExperimentView, MetricLog, TrialRow};

/// `header` and `rows` as CSV text (see the module doc for the quoting).
pub fn to_csv(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for line in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        for (i, field) in line.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_field(&mut out, field);
        }
        out.push_str("\r\n");
    }
    out
}

fn push_field(out: &mut String, field: &str) {
    let defused = field.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(field);
    let quoted = field.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push('"');
    }
    if defused {
        out.push('\'');
    }
    for c in field.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

/// `-12`, `+0.5`, `.5`, `1e-3`: what a spreadsheet reads as a number, never as a formula.
fn is_plain_number(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn parameter(row: &TrialRow, i: usize) -> String {
    row.parameters.get(i).cloned().flatten().unwrap_or_default()
}

/// The metric columns in the order the plots use: the other metrics, then the objective.
fn metric_columns(view: &ExperimentView, objective: Objective) -> Vec<usize> {
    (0..view.metrics.len())
        .filter(|&c| c != objective.column)
        .chain(std::iter::once(objective.column))
        .collect()
}

/// The parallel-coordinates data: each trial with a numeric objective, one column per axis
/// (parameters, other metrics, objective). Missing or non-numeric values are empty.
pub fn parallel_coordinates_csv(view: &ExperimentView) -> String {
    let Some(objective) = objective(view) else {
        return to_csv(&["trial".to_string()], &[]);
    };
    let columns = metric_columns(view, objective);
    let header: Vec<String> = std::iter::once("trial".to_string())
        .chain(view.parameters.iter().map(|p| p.name.clone()))
        .chain(columns.iter().map(|&c| view.metrics[c].name.clone()))
        .collect();
    let rows: Vec<Vec<String>> = scored_trials(view, objective)
        .iter()
        .map(|s| {
            let row = &view.trials[s.trial];
            std::iter::once(row.name.clone())
                .chain((0..view.parameters.len()).map(|i| parameter(row, i)))
                .chain(columns.iter().map(|&c| number(metric_value(row, c))))
                .collect()
        })
        .collect();
    to_csv(&header, &rows)
}

/// The objective-history data: trials in completion order with the best value so far.
pub fn objective_history_csv(view: &ExperimentView) -> String {
    let name = objective(view).map_or("objective", |o| o.name);
    let header: Vec<String> = ["order", "trial", "state", "completed", name, "best so far"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = objective(view)
        .map(|objective| history(view, objective))
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                (i + 1).to_string(),
                p.trial.name.clone(),
                p.trial.state.label().to_string(),
                p.trial.completed.clone().unwrap_or_default(),
                number(Some(p.objective)),
                number(p.best_so_far),
            ]
        })
        .collect();
    to_csv(&header, &rows)
}

/// The objective-vs-parameters data: each trial with a numeric objective, its parameters, the
/// objective, and which trial is marked best.
pub fn objective_vs_parameters_csv(view: &ExperimentView) -> String {
    let Some(objective) = objective(view) else {
        return to_csv(&["trial".to_string()], &[]);
    };
    let scored = scored_trials(view, objective);
    let finished: Vec<_> = scored
        .iter()
        .copied()
        .filter(|s| has_final_value(view.trials[s.trial].state))
        .collect();
    let best = super::data::best(&finished, objective.direction).map(|b| b.trial);
    let header: Vec<String> = ["trial", "state"]
        .into_iter()
        .map(String::from)
        .chain(view.parameters.iter().map(|p| p.name.clone()))
        .chain([objective.name.to_string(), "best".to_string()])
        .collect();
    let rows: Vec<Vec<String>> = scored
        .iter()
        .map(|s| {
            let row = &view.trials[s.trial];
            [row.name.clone(), row.state.label().to_string()]
                .into_iter()
                .chain((0..view.parameters.len()).map(|i| parameter(row, i)))
                .chain([
                    number(Some(s.objective)),
                    if best == Some(s.trial) {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ])
                .collect()
        })
        .collect();
    to_csv(&header, &rows)
}

/// Every report in `logs`, one row each: trial, metric, time as reported, seconds since the
/// trial's first report of that metric (empty when the log's times are not RFC 3339), value.
pub fn learning_curves_csv(logs: &[MetricLog]) -> String {
    let header: Vec<String> = [
        "trial",
        "metric",
        "time",
        "seconds since first report",
        "value",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = Vec::new();
    for log in logs {
        let times: Vec<Option<f64>> = log.points.iter().map(|p| parse_rfc3339(&p.time)).collect();
        let first = times
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        for (point, time) in log.points.iter().zip(times) {
            rows.push(vec![
                log.trial.clone(),
                log.metric.clone(),
                point.time.clone(),
                number(time.map(|t| t - first)),
                number(Some(point.value)),
            ]);
        }
    }
    to_csv(&header, &rows)
}

/// The whole trials table: name, state, each parameter, each metric as Katib reported it
/// (the strategy's choice; the header says which), then start and completion times.
pub fn trials_csv(view: &ExperimentView) -> String {
    let header: Vec<String> = ["name", "state"]
        .into_iter()
        .map(String::from)
        .chain(view.parameters.iter().map(|p| p.name.clone()))
        .chain(
            view.metrics
                .iter()
                .map(|m| format!("{} ({})", m.name, m.strategy.label())),
        )
        .chain(["started", "completed"].map(String::from))
        .collect();
    let rows: Vec<Vec<String>> = view
        .trials
        .iter()
        .map(|row| {
            [row.name.clone(), row.state.label().to_string()]
                .into_iter()
                .chain((0..view.parameters.len()).map(|i| parameter(row, i)))
                .chain((0..view.metrics.len()).map(|c| {
                    row.metrics
                        .get(c)
                        .cloned()
                        .flatten()
                        .map(|m| m.text)
                        .unwrap_or_default()
                }))
                .chain([
                    row.started.clone().unwrap_or_default(),
                    row.completed.clone().unwrap_or_default(),
                ])
                .collect()
        })
        .collect();
    to_csv(&header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn quotes_commas_quotes_and_line_breaks() {
        let csv = to_csv(
            &strings(&["name", "note"]),
            &[
                strings(&["a,b", "say \"hi\""]),
                strings(&["two\nlines", "cr\rhere"]),
                strings(&["plain", ""]),
            ],
        );
        assert_eq!(
            csv,
            "name,note\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",\"cr\rhere\"\r\nplain,\r\n"
        );
    }

    #[test]
    fn defuses_formulas_but_not_numbers() {
        let csv = to_csv(
            &strings(&["=SUM(A1:A9)"]),
            &[
                strings(&["+cmd|' /C calc'!A0"]),
                strings(&["-1.5e-3"]),
                strings(&["@x"]),
                strings(&["-"]),
                strings(&["=1,2"]),
                strings(&["+.5"]),
                strings(&["-1e"]),
                strings(&["\tx"]),
                strings(&["a=b"]),
            ],
        );
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "'=SUM(A1:A9)",
                "'+cmd|' /C calc'!A0",
                "-1.5e-3",
                "'@x",
                "'-",
                "\"'=1,2\"",
                "+.5",
                "'-1e",
                "'\tx",
                "a=b",
                ""
            ]
        );
    }

    #[test]
    fn recognises_plain_numbers() {
        for yes in ["0", "-1", "+2.5", ".5", "5.", "1e9", "-1.5E-3", "+7e+2"] {
            assert!(is_plain_number(yes), "{yes}");
        }
        for no in [
            "", "-", "+", ".", "e5", "1e", "1e+", "--1", "1-2", "inf", "NaN", "0x10", "1 2",
        ] {
            assert!(!is_plain_number(no), "{no}");
        }
    }
}
