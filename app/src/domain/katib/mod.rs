//! Katib experiments and trials read into the pages' model: experiments, trials, metric
//! strategies, the best trial, and the checks an experiment passes before it is created.
//!
//! Everything here takes the objects as the Kubernetes API returns them (`serde_json::Value`:
//! the CRDs carry no schema, and every metric and parameter value is a string), tolerates
//! missing and odd fields, and never does I/O, so the browser runs the same checks.

mod checks;
mod form;
mod metrics;
mod read;
mod source;
mod template;
mod validate;
#[cfg(test)]
mod validate_tests;
#[cfg(test)]
mod view_tests;
mod yaml;

pub use form::{ExperimentForm, ParameterForm, TemplateForm, form_yaml};
pub use metrics::{
    best_trial, choose, default_strategy, metric_columns, metric_value, parse_strategy,
    strategy_for,
};
pub use read::{
    ListedTrial, experiment_row, experiment_state, experiment_view, optimal_trial, trial_state,
    trial_view,
};
pub use validate::{Problem, Validated, validate_experiment};
pub use yaml::object_yaml;

/// The label Katib puts on every trial: the name of its experiment.
pub const EXPERIMENT_LABEL: &str = "katib.kubeflow.org/experiment";
/// Katib's API group and version.
pub const API_VERSION: &str = "kubeflow.org/v1beta1";
/// What Katib writes for a metric it could not collect or parse.
pub const UNAVAILABLE: &str = "unavailable";
/// The largest experiment text (YAML or JSON) accepted for creation.
pub const MAX_EXPERIMENT_BYTES: usize = 1024 * 1024;
/// The longest experiment name: Katib names trials `<experiment>-<8 characters>`, and a trial's
/// Job puts its name in a label, which holds at most 63 characters.
pub const MAX_EXPERIMENT_NAME: usize = 63 - 9;
