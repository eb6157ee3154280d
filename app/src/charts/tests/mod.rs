//! Snapshot and structural tests of the plots on one hand-built experiment.
//!
//! Snapshots: each plot of the fixture is compared byte for byte with
//! `src/charts/snapshots/<name>.svg`. After an intended change, look at the new pictures and
//! rewrite the files with `KFDASH_BLESS=1 cargo test -p app --features ssr --lib charts`;
//! a failing comparison leaves the new output in the temp directory for viewing.

mod csv_files;
mod fixture;
mod plots;
mod scale;
mod svg;

use super::*;
use fixture::{experiment, logs};
use std::path::PathBuf;

/// Compares `svg` with the committed snapshot `name`, or rewrites it under `KFDASH_BLESS=1`.
fn assert_snapshot(name: &str, svg: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/charts/snapshots")
        .join(format!("{name}.svg"));
    if std::env::var("KFDASH_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, svg).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with KFDASH_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != svg {
        let actual = std::env::temp_dir().join(format!("kfdash-{name}.svg"));
        std::fs::write(&actual, svg).ok();
        let line = expected.lines().zip(svg.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from its snapshot (first at line {:?}); new output in {}",
            line.map(|l| l + 1),
            actual.display()
        );
    }
}

#[test]
fn parallel_coordinates_snapshot() {
    let svg = parallel_coordinates(&experiment(), Some("mnist-tune-x2m9q7hs"), (900, 420));
    assert_snapshot("parallel_coordinates", &svg);
}

#[test]
fn objective_history_snapshot() {
    assert_snapshot(
        "objective_history",
        &objective_history(&experiment(), (720, 380)),
    );
}

#[test]
fn objective_vs_parameters_snapshot() {
    assert_snapshot(
        "objective_vs_parameters",
        &objective_vs_parameters(&experiment(), (900, 340)),
    );
}

#[test]
fn learning_curves_snapshot() {
    assert_snapshot(
        "learning_curves",
        &learning_curves(&logs(), "accuracy", (720, 360)),
    );
}

#[test]
fn rendering_is_deterministic() {
    let view = experiment();
    assert_eq!(
        parallel_coordinates(&view, None, (800, 400)),
        parallel_coordinates(&view, None, (800, 400))
    );
    assert_eq!(
        objective_vs_parameters(&view, (800, 400)),
        objective_vs_parameters(&view, (800, 400))
    );
}
