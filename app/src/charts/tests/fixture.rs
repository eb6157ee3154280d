//! The experiment and logs every chart test draws: small and hand-written for the snapshots,
//! large and generated for the scale tests.

use crate::model::katib::*;

fn value(text: &str) -> Option<MetricValue> {
    Some(MetricValue {
        text: text.to_string(),
        value: text.parse().ok(),
    })
}

fn trial(
    name: &str,
    state: TrialState,
    params: [&str; 3],
    accuracy: Option<&str>,
    loss: Option<&str>,
    completed: Option<&str>,
) -> TrialRow {
    TrialRow {
        name: format!("mnist-tune-{name}"),
        state,
        message: String::new(),
        parameters: params.iter().map(|p| Some(p.to_string())).collect(),
        metrics: vec![accuracy.and_then(value), loss.and_then(value)],
        created: Some("2024-05-01T10:00:00Z".into()),
        started: Some("2024-05-01T10:00:05Z".into()),
        completed: completed.map(|c| format!("2024-05-01T{c}Z")),
    }
}

/// Three parameters (log-scaled, integer, categorical), the objective and one more metric,
/// twelve trials in every state, values missing or "unavailable" here and there, a goal.
pub(super) fn experiment() -> ExperimentView {
    use TrialState::*;
    let parameter = |name: &str,
                     kind,
                     bounds: Option<(&str, &str)>,
                     list: &[&str],
                     distribution: Option<&str>| {
        ParameterSpec {
            name: name.into(),
            kind,
            min: bounds.map(|b| b.0.into()),
            max: bounds.map(|b| b.1.into()),
            step: None,
            list: list.iter().map(|s| s.to_string()).collect(),
            distribution: distribution.map(Into::into),
        }
    };
    #[rustfmt::skip]
    let trials = vec![
        trial("7gq2xk4d", Succeeded, ["0.0031", "4", "adam"], Some("0.962"), Some("0.121"), Some("10:31:00")),
        trial("p9w8mz2c", Succeeded, ["0.052", "2", "sgd"], Some("0.871"), Some("0.402"), Some("10:12:40")),
        trial("c4n6t1vb", EarlyStopped, ["0.00021", "6", "sgd"], Some("0.612"), Some("1.204"), Some("10:04:10")),
        trial("x2m9q7hs", Succeeded, ["0.0087", "5", "adam"], Some("0.948"), Some("0.155"), Some("10:22:05")),
        trial("b8k3d5rj", Failed, ["0.0002", "8", "rmsprop"], None, None, Some("10:09:00")),
        trial("h6f1w3ya", Succeeded, ["0.0012", "8", "rmsprop"], Some("0.931"), Some("unavailable"), Some("10:27:30")),
        trial("q5r7n2ke", EarlyStopped, ["0.091", "3", "rmsprop"], Some("0.703"), Some("0.951"), Some("10:07:45")),
        trial("v3j8c6tu", MetricsUnavailable, ["0.0007", "4", "sgd"], Some("unavailable"), Some("unavailable"), Some("10:15:00")),
        trial("m1z4p8gw", Succeeded, ["0.0046", "6", "adam"], Some("0.957"), Some("0.133"), Some("10:36:20")),
        trial("t7y2b9nx", Succeeded, ["0.00055", "3", "sgd"], Some("0.842"), Some("0.488"), Some("10:18:50")),
        trial("k9d5s3fq", Running, ["0.0022", "5", "adam"], None, None, None),
        trial("r2w6g4lc", Succeeded, ["0.019", "7", "adam"], Some("0.925"), Some("0.201"), Some("10:40:15")),
    ];
    ExperimentView {
        row: ExperimentRow {
            namespace: "team-vision".into(),
            name: "mnist-tune".into(),
            kind: ExperimentKind::Hp,
            state: ExperimentState::Running,
            message: String::new(),
            created: Some("2024-05-01T10:00:00Z".into()),
            algorithm: "random".into(),
            objective_metric: "accuracy".into(),
            objective_type: ObjectiveType::Maximize,
            counts: TrialCounts::default(),
            max_trials: Some(12),
            best: Some(0.962),
            best_trial: Some("mnist-tune-7gq2xk4d".into()),
        },
        goal: Some(0.95),
        metrics: vec![
            MetricColumn {
                name: "accuracy".into(),
                strategy: MetricStrategy::Max,
            },
            MetricColumn {
                name: "loss".into(),
                strategy: MetricStrategy::Min,
            },
        ],
        algorithm: AlgorithmView {
            name: "random".into(),
            settings: vec![],
        },
        early_stopping: None,
        parallel_trials: Some(3),
        max_failed_trials: Some(3),
        parameters: vec![
            parameter(
                "lr",
                ParameterKind::Double,
                Some(("0.0001", "0.1")),
                &[],
                Some("logUniform"),
            ),
            parameter(
                "num_layers",
                ParameterKind::Int,
                Some(("2", "8")),
                &[],
                None,
            ),
            parameter(
                "optimizer",
                ParameterKind::Categorical,
                None,
                &["sgd", "adam", "rmsprop"],
                None,
            ),
        ],
        optimal: None,
        conditions: vec![],
        trials,
        started: Some("2024-05-01T10:00:00Z".into()),
        completed: None,
        yaml: String::new(),
    }
}

/// Metric logs of three trials: two finished, one still running (three reports so far), and
/// a log of another metric that the accuracy chart must leave out.
pub(super) fn logs() -> Vec<MetricLog> {
    let log = |trial: &str, metric: &str, values: &[f64]| MetricLog {
        trial: format!("mnist-tune-{trial}"),
        metric: metric.into(),
        points: values
            .iter()
            .enumerate()
            .map(|(i, v)| MetricPoint {
                time: format!("2024-05-01T10:{:02}:{:02}Z", 1 + i * 45 / 60, i * 45 % 60),
                value: *v,
            })
            .collect(),
        skipped: 0,
    };
    vec![
        log(
            "7gq2xk4d",
            "accuracy",
            &[
                0.52, 0.71, 0.82, 0.88, 0.91, 0.93, 0.945, 0.955, 0.96, 0.962,
            ],
        ),
        log(
            "x2m9q7hs",
            "accuracy",
            &[0.48, 0.66, 0.79, 0.86, 0.9, 0.925, 0.94, 0.948],
        ),
        log("k9d5s3fq", "accuracy", &[0.41, 0.6, 0.72]),
        log("7gq2xk4d", "loss", &[1.9, 0.9, 0.5]),
    ]
}

/// An experiment of `count` trials over six axes (four parameters, a metric, the objective),
/// values from a fixed pseudo-random sequence.
pub(super) fn large_experiment(count: usize) -> ExperimentView {
    let mut view = experiment();
    view.parameters.push(ParameterSpec {
        name: "dropout".into(),
        kind: ParameterKind::Double,
        min: Some("0".into()),
        max: Some("0.5".into()),
        step: None,
        list: vec![],
        distribution: None,
    });
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    view.trials = (0..count)
        .map(|i| {
            let lr = 10f64.powf(-4.0 + 3.0 * next());
            let layers = 2 + (next() * 7.0) as usize;
            let optimizer = ["sgd", "adam", "rmsprop"][(next() * 3.0) as usize];
            let dropout = next() * 0.5;
            let accuracy = 0.5 + 0.45 * next();
            let loss = 2.0 * (1.0 - accuracy) + 0.1 * next();
            TrialRow {
                name: format!("large-{i:05}"),
                state: if i % 7 == 0 {
                    TrialState::EarlyStopped
                } else {
                    TrialState::Succeeded
                },
                message: String::new(),
                parameters: vec![
                    Some(format!("{lr}")),
                    Some(layers.to_string()),
                    Some(optimizer.into()),
                    Some(format!("{dropout}")),
                ],
                metrics: vec![value(&accuracy.to_string()), value(&loss.to_string())],
                created: Some("2024-05-01T10:00:00Z".into()),
                started: None,
                completed: Some(format!(
                    "2024-05-0{}T{:02}:{:02}:{:02}Z",
                    1 + i / 86_400,
                    i / 3600 % 24,
                    i / 60 % 60,
                    i % 60
                )),
            }
        })
        .collect();
    view
}

pub(super) fn large_logs(count: usize, points: usize) -> Vec<MetricLog> {
    (0..count)
        .map(|t| MetricLog {
            trial: format!("large-{t:05}"),
            metric: "accuracy".into(),
            points: (0..points)
                .map(|i| MetricPoint {
                    time: format!("2024-05-01T10:{:02}:{:02}Z", i / 60, i % 60),
                    value: 1.0 - 1.0 / (i as f64 + 2.0 + t as f64 % 5.0),
                })
                .collect(),
            skipped: 0,
        })
        .collect()
}
