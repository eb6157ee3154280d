//! Katib, simulated: Experiments get a Suggestion and Trials, trials run (a pod each) and
//! report metrics step by step, and experiments finish as Katib's controllers would finish them,
//! with the statuses, conditions and names Katib writes. katib-db-manager's observation logs
//! are computed from the same trials ([`observation_log`]), so the sandbox's gRPC service
//! agrees with `status.observation` by construction.
//!
//! What the simulation decides for itself:
//! - Search: `random` draws from the feasible space (steps, log and normal distributions
//!   respected); `grid` walks the space in order (5 points along a double without a step) and
//!   ends the experiment (ExperimentSuggestionEndReached) when it runs out; `darts` gives every
//!   trial DARTS' settings and search space; `enas` (and any algorithm with a `nasConfig`)
//!   draws random architectures; every other algorithm (tpe, bayesianoptimization, hyperband,
//!   cmaes…, or a name Katib doesn't know) draws random trials, and the Running condition's
//!   message says so.
//! - Trials: each is Pending for a pace, then runs 4–6 steps, one a pace; metrics and their
//!   values come from [`model`]. 5% of trials fail and 2% end MetricsUnavailable (the
//!   annotations [`FAILURE_RATE_ANNOTATION`] and [`UNAVAILABLE_RATE_ANNOTATION`] on the
//!   experiment change that, 0 to 1). `status.observation` is updated while a trial runs (Katib
//!   itself fills it in only when the job has ended; until then its values are only in
//!   katib-db-manager).
//! - Each trial runs in one Pod (no Job: the sandbox serves no batch API), labelled
//!   [`TRIAL_LABEL`] as Katib's webhook labels trial pods, whose log prints the metrics as
//!   `name=value`; it is deleted when the trial ends unless the template says `retain: true`.
//! - Median stopping rules come from the running averages of succeeded trials.
//! - Lowering `maxTrialCount` below what runs deletes the newest active trials, so the
//!   experiment ends at once (Katib deletes active trials only beyond `parallelTrialCount`,
//!   which the sandbox does too; on a real cluster, trials running when `maxTrialCount` is
//!   lowered run to their end). Raising it keeps a running experiment going; a finished one
//!   restarts only if it ended by reaching its trial count and `resumePolicy` is LongRunning
//!   or FromVolume, as in Katib.
//! - No admission webhooks: Katib's defaults are written on first sight, and a spec Katib would
//!   refuse ends Failed with the reason in the condition's message. No finalizers either:
//!   deleting an experiment or trial is immediate.

pub(crate) mod conditions;
pub(crate) mod experiment;
pub(crate) mod model;
mod nas;
mod prng;
mod space;
pub(crate) mod spec;
mod template;
pub(crate) mod trial;

use super::{Controllers, resource};
use crate::sandbox::registry::ResourceType;
use crate::sandbox::store::{self, Store};
use serde_json::Value;
use std::sync::Arc;

pub use model::Point;
pub use spec::{FAILURE_RATE_ANNOTATION, UNAVAILABLE_RATE_ANNOTATION};

/// The label Katib puts on every trial: the name of its experiment.
pub const EXPERIMENT_LABEL: &str = "katib.kubeflow.org/experiment";
/// The label Katib's pod webhook puts on a trial's pods: the trial's name.
pub const TRIAL_LABEL: &str = "katib.kubeflow.org/trial";

pub(crate) fn experiments() -> &'static ResourceType {
    resource("kubeflow.org", "v1beta1", "experiments")
}

pub(crate) fn trials() -> &'static ResourceType {
    resource("kubeflow.org", "v1beta1", "trials")
}

pub(crate) fn suggestions() -> &'static ResourceType {
    resource("kubeflow.org", "v1beta1", "suggestions")
}

pub(crate) fn reconcile_experiment(controllers: &Arc<Controllers>, namespace: &str, name: &str) {
    experiment::reconcile(controllers, namespace, name);
}

/// A trial changed: move it along, and let its experiment count it.
pub(crate) fn reconcile_trial(controllers: &Arc<Controllers>, trial: &Value) {
    let namespace = store::meta_str(trial, "namespace").unwrap_or_default();
    let name = store::meta_str(trial, "name").unwrap_or_default();
    trial::reconcile(controllers, namespace, name);
    if let Some(experiment) = trial
        .pointer(&format!(
            "/metadata/labels/{}",
            EXPERIMENT_LABEL.replace('/', "~1")
        ))
        .and_then(Value::as_str)
    {
        experiment::reconcile(controllers, namespace, experiment);
    }
}

/// Every experiment and trial, after a start.
pub(crate) fn resync(controllers: &Arc<Controllers>) {
    for trial in controllers
        .store
        .list(trials(), None, &|_| true, None, None)
        .items
    {
        trial::reconcile(
            controllers,
            store::meta_str(&trial, "namespace").unwrap_or_default(),
            store::meta_str(&trial, "name").unwrap_or_default(),
        );
    }
    for experiment in controllers
        .store
        .list(experiments(), None, &|_| true, None, None)
        .items
    {
        experiment::reconcile(
            controllers,
            store::meta_str(&experiment, "namespace").unwrap_or_default(),
            store::meta_str(&experiment, "name").unwrap_or_default(),
        );
    }
}

/// Whether a pod is a trial's (it has [`TRIAL_LABEL`]).
pub fn is_trial_pod(pod: &Value) -> bool {
    pod.pointer(&format!(
        "/metadata/labels/{}",
        TRIAL_LABEL.replace('/', "~1")
    ))
    .is_some()
}

/// The log of a trial's pod: the metrics its training printed, step by step.
pub fn pod_log(pod: &Value) -> String {
    trial::pod_log(pod)
}

/// Every value the trial named `trial` has reported, in time order, as katib-db-manager would
/// return them (it keys logs by trial name only: the first trial of that name in any
/// namespace). None when no trial has that name.
pub fn observation_log(store: &Store, trial: &str) -> Option<Vec<Point>> {
    let found = store
        .list(
            trials(),
            None,
            &|object| store::meta_str(object, "name") == Some(trial),
            Some(1),
            None,
        )
        .items;
    found.first().map(model::points)
}
