//! The CSV downloads of the fixture: headers in the plots' order, the values plotted.

use super::fixture::{experiment, logs};
use crate::charts::*;

#[test]
fn csv_headers_follow_the_plots() {
    let view = experiment();
    let first_line = |csv: String| csv.split("\r\n").next().unwrap().to_string();
    assert_eq!(
        first_line(trials_csv(&view)),
        "name,state,lr,num_layers,optimizer,accuracy (max),loss (min),started,completed"
    );
    assert_eq!(
        first_line(parallel_coordinates_csv(&view)),
        "trial,lr,num_layers,optimizer,loss,accuracy"
    );
    assert_eq!(
        first_line(objective_history_csv(&view)),
        "order,trial,state,completed,accuracy,best so far"
    );
    assert_eq!(
        first_line(objective_vs_parameters_csv(&view)),
        "trial,state,lr,num_layers,optimizer,accuracy,best"
    );
    assert_eq!(
        first_line(learning_curves_csv(&logs())),
        "trial,metric,time,seconds since first report,value"
    );
}

#[test]
fn csv_rows_hold_the_plotted_values() {
    let view = experiment();
    let lines = |csv: String| csv.split("\r\n").map(String::from).collect::<Vec<_>>();
    let trials = lines(trials_csv(&view));
    assert_eq!(
        trials.len(),
        12 + 2,
        "a header, every trial, and the final CRLF"
    );
    assert_eq!(
        trials[8],
        "mnist-tune-v3j8c6tu,Metrics unavailable,0.0007,4,sgd,unavailable,unavailable,2024-05-01T10:00:05Z,2024-05-01T10:15:00Z"
    );
    let parallel = lines(parallel_coordinates_csv(&view));
    assert_eq!(parallel.len(), 9 + 2);
    assert_eq!(parallel[5], "mnist-tune-h6f1w3ya,0.0012,8,rmsprop,,0.931");
    let history = lines(objective_history_csv(&view));
    assert_eq!(
        history[1],
        "1,mnist-tune-c4n6t1vb,Early stopped,2024-05-01T10:04:10Z,0.612,0.612"
    );
    let scatter = lines(objective_vs_parameters_csv(&view));
    assert_eq!(
        scatter[1],
        "mnist-tune-7gq2xk4d,Succeeded,0.0031,4,adam,0.962,yes"
    );
    assert_eq!(scatter.iter().filter(|l| l.ends_with(",yes")).count(), 1);
    let curves = lines(learning_curves_csv(&logs()));
    assert_eq!(
        curves[2],
        "mnist-tune-7gq2xk4d,accuracy,2024-05-01T10:01:45Z,45,0.71"
    );
    assert_eq!(curves.len(), 10 + 8 + 3 + 3 + 2);
    let mut view = experiment();
    view.trials[0].name = "=HYPERLINK(\"http://x\",\"y\")".into();
    let csv = trials_csv(&view);
    assert!(
        csv.contains("\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",Succeeded,"),
        "{csv}"
    );
}
