//! What each plot must show, checked on its SVG: one line per trial, the highlight on top,
//! labels, escaping, empty states.

use super::fixture::{experiment, logs};
use super::svg::*;
use crate::charts::*;
use crate::model::katib::*;

#[test]
fn parallel_coordinates_draws_one_line_per_trial_and_splits_at_gaps() {
    let mut view = experiment();
    // Nine trials have a numeric accuracy; one of them has no loss: its line has two parts.
    let svg = parallel_coordinates(&view, None, (900, 420));
    assert_eq!(data_lines(&svg).len(), 10);
    assert!(
        texts(&svg)
            .contains(&"9 trials with a numeric accuracy; 1 with missing values, drawn with gaps")
    );
    view.trials[5].metrics[1] = Some(MetricValue {
        text: "0.2".into(),
        value: Some(0.2),
    });
    let svg = parallel_coordinates(&view, None, (900, 420));
    let lines = data_lines(&svg);
    assert_eq!(lines.len(), 9);
    assert!(
        lines
            .iter()
            .all(|l| attribute(l, "points").unwrap().split_whitespace().count() == 5)
    );
    assert!(texts(&svg).contains(&"9 trials with a numeric accuracy"));
}

#[test]
fn parallel_coordinates_draws_the_highlighted_trial_last_in_the_accent_colour() {
    let svg = parallel_coordinates(&experiment(), Some("mnist-tune-x2m9q7hs"), (900, 420));
    // The last trial line drawn (only axes follow it), thick, and the only one in the accent.
    let lines = data_lines(&svg);
    let last = lines.last().unwrap();
    assert_eq!(attribute(last, "stroke"), Some(ACCENT_HEX));
    assert_eq!(attribute(last, "stroke-width"), Some("3"));
    assert_eq!(
        lines
            .iter()
            .filter(|l| attribute(l, "stroke") == Some(ACCENT_HEX))
            .count(),
        1
    );
    // Its dots on the axes come after everything else.
    let dots = elements(&svg, "circle");
    assert_eq!(dots.len(), 5);
    assert!(svg.rfind("<polyline").unwrap() < svg.find("<circle").unwrap());
    // The legend names it, cut at the start (the experiment's prefix) to fit.
    assert!(texts(&svg).contains(&"mnist-tune-x2m9q7hs"));
    // An unknown or objective-less trial highlights nothing.
    for name in [Some("no-such-trial"), Some("mnist-tune-k9d5s3fq"), None] {
        let svg = parallel_coordinates(&experiment(), name, (900, 420));
        assert!(!svg.contains(ACCENT_HEX), "{name:?}");
    }
}

#[test]
fn parallel_coordinates_gives_the_best_trial_the_strongest_colour_either_way() {
    let svg = parallel_coordinates(&experiment(), None, (900, 420));
    // Maximize: the best accuracy (trial 0) is drawn last among the data lines, in full blue.
    let lines = data_lines(&svg);
    assert_eq!(attribute(lines.last().unwrap(), "stroke"), Some(BEST_HEX));
    assert_eq!(
        lines
            .iter()
            .filter(|l| attribute(l, "stroke") == Some(BEST_HEX))
            .count(),
        1
    );
    let mut view = experiment();
    view.row.objective_type = ObjectiveType::Minimize;
    let svg = parallel_coordinates(&view, None, (900, 420));
    let lines = data_lines(&svg);
    // Minimize: now the lowest accuracy (0.612, early stopped c4n6t1vb) is the best.
    let best = lines.last().unwrap();
    assert_eq!(attribute(best, "stroke"), Some(BEST_HEX));
    assert!(texts(&svg).contains(&"minimize"));
    let worst_first = attribute(lines[0], "stroke").unwrap();
    assert_ne!(worst_first, BEST_HEX);
}

#[test]
fn parallel_coordinates_labels_every_axis() {
    let svg = parallel_coordinates(&experiment(), None, (900, 420));
    let texts = texts(&svg);
    for label in [
        "lr",
        "log scale",
        "num_layers",
        "optimizer",
        "categorical",
        "loss",
        "strategy: min",
        "accuracy",
        "maximize",
        "best",
        "sgd",
        "adam",
        "rmsprop",
        "1e-4",
        "1e-1",
        "0.95",
    ] {
        assert!(texts.contains(&label), "{label} missing from {texts:?}");
    }
    // The integer axis has whole-number ticks only.
    for tick in ["2", "3", "4", "5", "6", "7", "8"] {
        assert!(texts.contains(&tick), "{tick}");
    }
    assert!(!texts.iter().any(|t| *t == "2.5" || *t == "3.5"));
}

#[test]
fn user_text_is_escaped_in_every_plot() {
    let mut view = experiment();
    view.parameters[2].name = "<script>&\"".into();
    view.trials[0].parameters[2] = Some("<b>".into());
    view.parameters[2].list.push("<b>".into());
    let escaped = "&lt;script&gt;&amp;&quot;";
    for svg in [
        parallel_coordinates(&view, Some("mnist-tune-7gq2xk4d"), (900, 420)),
        objective_vs_parameters(&view, (900, 340)),
    ] {
        assert!(svg.contains(escaped), "{svg}");
        assert!(svg.contains(">\n&lt;b&gt;\n</text>"));
        assert!(!svg.contains("<script") && !svg.contains("<b>"));
    }
    let mut logs = logs();
    logs[0].trial = "<img src=x onerror=alert(1)>".into();
    let svg = learning_curves(&logs, "accuracy", (720, 360));
    assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;") && !svg.contains("<img"));
}

#[test]
fn objective_history_orders_by_completion_and_steps_the_best_so_far() {
    let view = experiment();
    let objective = crate::charts::data::objective(&view).unwrap();
    let points = crate::charts::history::history(&view, objective);
    let order: Vec<&str> = points
        .iter()
        .map(|p| &p.trial.name["mnist-tune-".len()..])
        .collect();
    assert_eq!(
        order,
        [
            "c4n6t1vb", "q5r7n2ke", "p9w8mz2c", "t7y2b9nx", "x2m9q7hs", "h6f1w3ya", "7gq2xk4d",
            "m1z4p8gw", "r2w6g4lc"
        ]
    );
    let best: Vec<Option<f64>> = points.iter().map(|p| p.best_so_far).collect();
    let expected = [
        0.612, 0.703, 0.871, 0.871, 0.948, 0.948, 0.962, 0.962, 0.962,
    ];
    assert_eq!(best, expected.map(Some));
}

#[test]
fn objective_history_marks_states_goal_and_best_so_far() {
    let view = experiment();
    let svg = objective_history(&view, (720, 380));
    let texts = texts(&svg);
    for label in [
        "Trial, in order of completion",
        "accuracy (maximize)",
        "goal 0.95",
        "Goal",
        "Best so far",
        "Succeeded",
        "Early stopped",
    ] {
        assert!(texts.contains(&label), "{label} missing from {texts:?}");
    }
    // Nothing but finished trials here, so no "Other states" entry.
    assert!(!texts.contains(&"Other states"));
    // Seven succeeded dots and two early-stopped triangles, plus one of each in the legend.
    let dots = elements(&svg, "circle")
        .iter()
        .filter(|c| attribute(c, "fill") == Some("#2F74D0"))
        .count();
    assert_eq!(dots, 8);
    assert_eq!(elements(&svg, "polygon").len(), 3);
    // The goal: dashes in the goal colour across the plot.
    let goal_dashes = elements(&svg, "polyline")
        .iter()
        .filter(|l| attribute(l, "stroke") == Some("#0E9F6E"))
        .count();
    assert!(goal_dashes > 20, "{goal_dashes}");
    // No goal set: no line, no label.
    let mut view = experiment();
    view.goal = None;
    let svg = objective_history(&view, (720, 380));
    assert!(!svg.contains("#0E9F6E") && !svg.contains("goal "));
}

#[test]
fn objective_vs_parameters_draws_a_panel_per_parameter_and_rings_the_best() {
    let svg = objective_vs_parameters(&experiment(), (900, 340));
    let texts = texts(&svg);
    for label in [
        "lr (log scale)",
        "num_layers",
        "optimizer",
        "sgd",
        "adam",
        "rmsprop",
        "accuracy (maximize)",
        "Best: mnist-tune-7gq2xk4d (0.962)",
    ] {
        assert!(texts.contains(&label), "{label} missing from {texts:?}");
    }
    // One ring per panel around the best trial, plus the legend's.
    let rings = elements(&svg, "circle")
        .iter()
        .filter(|c| attribute(c, "stroke") == Some(ACCENT_HEX))
        .count();
    assert_eq!(rings, 4);
    // Every trial with a value in every panel: 7 succeeded dots x 3 panels + 1 legend dot.
    let dots = elements(&svg, "circle")
        .iter()
        .filter(|c| attribute(c, "fill") == Some("#2F74D0"))
        .count();
    assert_eq!(dots, 22);
    // The y tick labels only once, left of the first column.
    for tick in ["0.60", "0.70", "0.80", "0.90"] {
        assert_eq!(texts.iter().filter(|t| **t == tick).count(), 1, "{tick}");
    }
}

#[test]
fn categories_spread_by_a_stable_jitter() {
    let a = crate::charts::scatter::jitter("mnist-tune-7gq2xk4d");
    assert_eq!(a, crate::charts::scatter::jitter("mnist-tune-7gq2xk4d"));
    assert_ne!(a, crate::charts::scatter::jitter("mnist-tune-p9w8mz2c"));
    for i in 0..1000 {
        let j = crate::charts::scatter::jitter(&format!("trial-{i}"));
        assert!((-0.3..=0.3).contains(&j));
    }
}

#[test]
fn learning_curves_draw_one_coloured_line_per_trial_with_a_legend() {
    let svg = learning_curves(&logs(), "accuracy", (720, 360));
    let lines = data_lines(&svg);
    assert_eq!(lines.len(), 3, "the loss log is left out");
    let colours: Vec<&str> = lines
        .iter()
        .map(|l| attribute(l, "stroke").unwrap())
        .collect();
    assert_eq!(colours, ["#4E79A7", "#F28E2B", "#E15759"]);
    // The running trial's line stops at its third report.
    assert_eq!(
        attribute(lines[2], "points")
            .unwrap()
            .split_whitespace()
            .count(),
        3
    );
    let texts = texts(&svg);
    for label in [
        "mnist-tune-7gq2xk4d",
        "mnist-tune-k9d5s3fq",
        "Time since first report (min)",
        "accuracy",
    ] {
        assert!(texts.contains(&label), "{label} missing from {texts:?}");
    }
}

#[test]
fn learning_curves_count_reports_when_times_do_not_parse() {
    let mut logs = logs();
    logs[1].points[3].time = "yesterday".into();
    logs[2].skipped = 2;
    let (curves, progress) = crate::charts::curves::curves(&logs, "accuracy");
    assert_eq!(progress, crate::charts::curves::Progress::Report);
    assert_eq!(curves[0].points[0], (1.0, 0.52));
    let svg = learning_curves(&logs, "accuracy", (720, 360));
    let texts = texts(&svg);
    assert!(texts.contains(&"Report number"));
    assert!(texts.contains(&"2 non-numeric reports left out"));
    // Seconds since each trial's own first report otherwise.
    let fresh = super::fixture::logs();
    let (curves, progress) = crate::charts::curves::curves(&fresh, "accuracy");
    assert_eq!(progress, crate::charts::curves::Progress::Seconds);
    assert_eq!(
        curves[2].points.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0.0, 45.0, 90.0]
    );
}

#[test]
fn learning_curves_fold_a_long_legend() {
    let many: Vec<MetricLog> = (0..40)
        .map(|i| MetricLog {
            trial: format!("a-rather-long-experiment-name-{i:03}"),
            metric: "loss".into(),
            points: vec![MetricPoint {
                time: "2024-05-01T10:00:00Z".into(),
                value: i as f64,
            }],
            skipped: 0,
        })
        .collect();
    for size in [(720, 360), (400, 300)] {
        let svg = learning_curves(&many, "loss", size);
        let texts = texts(&svg);
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with('+') && t.contains("more")),
            "{size:?}: {texts:?}"
        );
        // A single report per trial: a dot each, no line.
        assert!(data_lines(&svg).is_empty());
    }
}

#[test]
fn every_plot_says_when_there_is_nothing_to_draw() {
    let mut view = experiment();
    for trial in &mut view.trials {
        trial.metrics[0] = Some(MetricValue {
            text: "unavailable".into(),
            value: None,
        });
    }
    let message = "No succeeded trials with a numeric accuracy yet";
    for svg in [
        parallel_coordinates(&view, Some("mnist-tune-7gq2xk4d"), (900, 420)),
        objective_history(&view, (720, 380)),
        objective_vs_parameters(&view, (900, 340)),
    ] {
        assert_eq!(texts(&svg), [message]);
        assert_eq!(elements(&svg, "rect").len(), 1, "the frame");
        assert!(elements(&svg, "polyline").is_empty() && elements(&svg, "circle").is_empty());
    }
    view.trials.clear();
    view.metrics.clear();
    assert_eq!(texts(&objective_history(&view, (720, 380))), [message]);
    let svg = learning_curves(&logs(), "f1", (720, 360));
    assert_eq!(texts(&svg), ["No observations of f1 yet"]);
    assert_eq!(
        texts(&learning_curves(&[], "", (720, 360))),
        ["No observations yet"]
    );
    let mut empty = logs();
    empty.iter_mut().for_each(|l| l.points.clear());
    assert_eq!(
        texts(&learning_curves(&empty, "accuracy", (720, 360))),
        ["No observations of accuracy yet"]
    );
    let mut view = experiment();
    view.parameters.clear();
    assert_eq!(
        texts(&objective_vs_parameters(&view, (900, 340))),
        ["This experiment has no parameters to plot against"]
    );
}

#[test]
fn tiny_and_odd_inputs_do_not_panic() {
    let mut view = experiment();
    view.trials.truncate(1);
    for size in [(0, 0), (1, 1), (240, 160), (5000, 100)] {
        for svg in [
            parallel_coordinates(&view, Some("mnist-tune-7gq2xk4d"), size),
            objective_history(&view, size),
            objective_vs_parameters(&view, size),
            learning_curves(&logs(), "accuracy", size),
        ] {
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        }
    }
    // NaN and infinite values are not numbers to plot.
    let mut view = experiment();
    view.trials[0].metrics[0] = Some(MetricValue {
        text: "NaN".into(),
        value: Some(f64::NAN),
    });
    view.trials[1].metrics[0] = Some(MetricValue {
        text: "inf".into(),
        value: Some(f64::INFINITY),
    });
    let svg = parallel_coordinates(&view, None, (900, 420));
    assert_eq!(data_lines(&svg).len(), 8);
    assert!(!svg.contains("NaN"));
}

#[test]
fn parallel_coordinates_staggers_and_trims_long_axis_titles() {
    let mut view = experiment();
    for (i, p) in view.parameters.iter_mut().enumerate() {
        p.name = format!("a_very_long_parameter_name_number_{i}_of_the_search_space");
    }
    let svg = parallel_coordinates(&view, None, (700, 420));
    let titles: Vec<&str> = elements(&svg, "text")
        .into_iter()
        .filter(|t| attribute(t, "font-weight") == Some("bold"))
        .collect();
    assert_eq!(titles.len(), 5);
    let rows: Vec<&str> = titles.iter().map(|t| attribute(t, "y").unwrap()).collect();
    assert_eq!(rows, ["16", "44", "16", "44", "16"], "odd axes a row lower");
    let texts = texts(&svg);
    let trimmed = texts
        .iter()
        .filter(|t| t.starts_with("a_very_long") && t.ends_with('…'));
    assert_eq!(trimmed.count(), 3);
}

#[test]
fn parallel_coordinates_with_only_the_objective_draws_one_axis() {
    let mut view = experiment();
    view.parameters.clear();
    view.metrics.truncate(1);
    for trial in &mut view.trials {
        trial.parameters.clear();
        trial.metrics.truncate(1);
    }
    let svg = parallel_coordinates(&view, None, (600, 400));
    // One value per trial: a short tick on the axis each.
    let lines = data_lines(&svg);
    assert_eq!(lines.len(), 9);
    assert!(
        lines
            .iter()
            .all(|l| attribute(l, "points").unwrap().split_whitespace().count() == 2)
    );
    assert!(texts(&svg).contains(&"9 trials with a numeric accuracy"));
}
