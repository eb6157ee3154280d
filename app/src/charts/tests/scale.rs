//! Ten thousand trials: every line drawn, output of a sane size, and (ignored by default)
//! render times.

use super::fixture::{large_experiment, large_logs};
use super::svg::*;
use crate::charts::*;
use std::path::PathBuf;

#[test]
fn ten_thousand_trials_render_with_one_line_each() {
    let view = large_experiment(10_000);
    let svg = parallel_coordinates(&view, Some("large-04242"), (1200, 500));
    let lines = data_lines(&svg);
    assert_eq!(lines.len(), 10_000);
    assert!(
        lines
            .iter()
            .all(|l| attribute(l, "points").unwrap().split_whitespace().count() == 6)
    );
    // Faint lines, thin: density shows instead of a solid block.
    assert!(
        lines
            .iter()
            .all(|l| attribute(l, "stroke-width") == Some("1")
                || attribute(l, "stroke") == Some(ACCENT_HEX))
    );
    assert!(lines.iter().all(
        |l| attribute(l, "opacity").unwrap().parse::<f64>().unwrap() <= 0.1
            || attribute(l, "stroke") == Some(ACCENT_HEX)
    ));
    assert!(svg.len() < 3_000_000, "{} bytes", svg.len());
    for svg in [
        objective_history(&view, (900, 400)),
        objective_vs_parameters(&view, (900, 500)),
    ] {
        assert!(
            svg.len() > 10_000 * 50 && svg.len() < 6_000_000,
            "{} bytes",
            svg.len()
        );
    }
    let svg = learning_curves(&large_logs(200, 100), "accuracy", (900, 400));
    assert_eq!(data_lines(&svg).len(), 200);
    assert!(texts(&svg).iter().any(|t| t.ends_with("more trials")));
}

/// Render times at scale: `cargo test --release -p app --features ssr --lib charts -- --ignored --nocapture`.
#[test]
#[ignore]
fn render_times_at_ten_thousand_trials() {
    let view = large_experiment(10_000);
    let logs = large_logs(200, 100);
    let time = |name: &str, draw: &dyn Fn() -> String| {
        let runs = 5;
        let start = std::time::Instant::now();
        let mut bytes = 0;
        for _ in 0..runs {
            bytes = draw().len();
        }
        let each = start.elapsed() / runs;
        println!("{name}: {each:?} per render, {bytes} bytes");
        each
    };
    let parallel = time("parallel_coordinates, 10k trials x 6 axes", &|| {
        parallel_coordinates(&view, Some("large-04242"), (1200, 500))
    });
    time("objective_history, 10k trials", &|| {
        objective_history(&view, (900, 400))
    });
    time("objective_vs_parameters, 10k trials x 4 panels", &|| {
        objective_vs_parameters(&view, (900, 500))
    });
    time("learning_curves, 200 trials x 100 reports", &|| {
        learning_curves(&logs, "accuracy", (900, 400))
    });
    time("trials_csv, 10k trials", &|| trials_csv(&view));
    assert!(
        parallel < std::time::Duration::from_millis(200),
        "{parallel:?}"
    );
    // To look at them: KFDASH_CHART_DIR=/tmp/charts …
    if let Ok(dir) = std::env::var("KFDASH_CHART_DIR") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, svg: String| std::fs::write(dir.join(name), svg).unwrap();
        write(
            "parallel_10k.svg",
            parallel_coordinates(&view, Some("large-04242"), (1200, 500)),
        );
        write("history_10k.svg", objective_history(&view, (900, 400)));
        write(
            "scatter_10k.svg",
            objective_vs_parameters(&view, (900, 500)),
        );
        write(
            "curves_200.svg",
            learning_curves(&logs, "accuracy", (900, 400)),
        );
    }
}
