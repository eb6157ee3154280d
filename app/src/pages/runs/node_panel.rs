//! The side panel of the step chosen in the run graph: what it runs, its phase and times, its
//! inputs and outputs (parameters by value, artifacts by URI), and its pod's log, read again
//! every few seconds while the step runs.

use super::PhaseBadge;
use super::format::{duration_between, phase_label, timestamp_text};
use crate::api::pipelines::step_log;
use crate::components::icon::{Icon, IconKind};
use crate::model::pipeline::{GraphNode, NodePhase, RunValue, RunValueKind};
use leptos::prelude::*;
use std::time::Duration;

/// How often a running step's log is read again.
const LOG_EVERY: Duration = Duration::from_secs(3);

#[component]
pub fn NodePanel(
    /// The chosen step; None: no panel.
    #[prop(into)]
    node: Signal<Option<GraphNode>>,
    /// The run's namespace, where its pods are.
    namespace: String,
    /// Node ids are pod names (the graph came from the workflow), so logs can be read.
    #[prop(into)]
    has_pods: Signal<bool>,
    /// What a running step's duration runs up to (seconds since the epoch).
    #[prop(into)]
    now: Signal<i64>,
    /// The user closed the panel.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let namespace = StoredValue::new(namespace);
    let node_id = Memo::new(move |_| node.with(|n| n.as_ref().map(|n| n.id.clone())));
    let phase = Memo::new(move |_| node.with(|n| n.as_ref()?.run.as_ref().map(|r| r.phase)));
    let loggable = Signal::derive(move || {
        has_pods.get()
            && node.with(|n| {
                n.as_ref()
                    .and_then(|n| n.run.as_ref())
                    .is_some_and(|r| r.node_type == "Pod")
            })
    });
    // Redrawn per step chosen; the facts inside follow the step's changes.
    move || {
        node_id.get().map(|pod| {
            view! {
                <aside class="card node-panel" data-testid="node-panel" aria-labelledby="node-panel-title">
                    <div class="node-panel__head">
                        <h2 id="node-panel-title" data-testid="node-title">{move || node.with(|n| n.as_ref().map(title).unwrap_or_default())}</h2>
                        <button type="button" class="icon-button" aria-label="Close the step's panel" data-testid="node-close"
                            on:click=move |_| on_close.run(())>
                            <Icon kind=IconKind::Close />
                        </button>
                    </div>
                    {move || node.get().map(|node| step_facts(node, now.get()))}
                    <StepLog namespace pod phase loggable />
                </aside>
            }
        })
    }
}

fn title(node: &GraphNode) -> String {
    node.run
        .as_ref()
        .map(|run| run.display_name.clone())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| node.label.clone())
}

fn step_facts(node: GraphNode, now: i64) -> impl IntoView {
    let Some(run) = node.run else {
        return view! { <p class="muted">"This step has no run state."</p> }.into_any();
    };
    let component = run.template.clone().or(node.component.clone());
    let duration = if run.phase.is_finished() && run.finished_at.is_none() {
        None
    } else {
        duration_between(run.started_at.as_deref(), run.finished_at.as_deref(), now)
    };
    let time = |time: &Option<String>| {
        time.as_deref()
            .map(timestamp_text)
            .unwrap_or_else(|| "—".into())
    };
    view! {
        <dl class="facts node-panel__facts" data-testid="node-facts">
            <dt>"Phase"</dt>
            <dd><PhaseBadge phase=run.phase /></dd>
            <dt>"Task"</dt>
            <dd class="mono">{node.task}</dd>
            {component.map(|component| view! { <dt>"Component"</dt><dd class="mono">{component}</dd> })}
            <dt>"Type"</dt>
            <dd>{run.node_type}</dd>
            <dt>"Started"</dt>
            <dd>{time(&run.started_at)}</dd>
            <dt>"Finished"</dt>
            <dd>{time(&run.finished_at)}</dd>
            <dt>"Duration"</dt>
            <dd>{duration.unwrap_or_else(|| "—".into())}</dd>
            {node.condition.map(|condition| view! { <dt>"Runs when"</dt><dd class="mono">{condition}</dd> })}
        </dl>
        {run.message.filter(|m| !m.is_empty()).map(|message| view! {
            <p class="node-panel__message" class:form-error=matches!(run.phase, NodePhase::Failed | NodePhase::Error) data-testid="node-message">{message}</p>
        })}
        <h3 class="section-title section-title--spaced">"Inputs"</h3>
        {values(run.inputs, "node-inputs")}
        <h3 class="section-title section-title--spaced">"Outputs"</h3>
        {values(run.outputs, "node-outputs")}
    }
    .into_any()
}

/// Parameters with their values, artifacts with their URIs.
fn values(values: Vec<RunValue>, testid: &'static str) -> impl IntoView {
    if values.is_empty() {
        return view! { <p class="muted" data-testid=testid>"None."</p> }.into_any();
    }
    view! {
        <dl class="facts node-panel__values" data-testid=testid>
            {values.into_iter().map(|value| {
                let artifact = value.kind == RunValueKind::Artifact;
                view! {
                    <dt class="mono">{value.name}</dt>
                    <dd>
                        {artifact.then(|| view! { <span class="chip node-panel__kind">"artifact"</span> })}
                        <code class="node-panel__value">{value.value.unwrap_or_else(|| "—".into())}</code>
                    </dd>
                }
            }).collect_view()}
        </dl>
    }
    .into_any()
}

/// The step's pod log: read once the step started, again every few seconds while it runs,
/// and a last time when it finishes.
#[component]
fn StepLog(
    namespace: StoredValue<String>,
    /// The step's pod (its node id).
    pod: String,
    phase: Memo<Option<NodePhase>>,
    loggable: Signal<bool>,
) -> impl IntoView {
    let pod = StoredValue::new(pod);
    let tick = RwSignal::new(0u32);
    let running = Memo::new(move |_| phase.get() == Some(NodePhase::Running));
    let started = Memo::new(move |_| !matches!(phase.get(), None | Some(NodePhase::Pending)));
    let finished = Memo::new(move |_| phase.get().is_some_and(NodePhase::is_finished));
    Effect::new(move |_| {
        let again = move || {
            if running.get_untracked() {
                tick.update(|n| *n += 1);
            }
        };
        if let Ok(interval) = set_interval_with_handle(again, LOG_EVERY) {
            on_cleanup(move || interval.clear());
        }
    });
    let log = LocalResource::new(move || {
        tick.track();
        finished.track();
        let ask =
            (loggable.get() && started.get()).then(|| (namespace.get_value(), pod.get_value()));
        async move {
            match ask {
                Some((namespace, pod)) => step_log(namespace, pod).await.map(Some),
                None => Ok(None),
            }
        }
    });

    // Stay at the end of the log as it grows, unless the user scrolled up to read.
    let frame = NodeRef::<leptos::html::Pre>::new();
    let follow_end = StoredValue::new(true);
    Effect::new(move |_| {
        log.track();
        frame.track();
        // After the frame: the log may be drawn but not yet in the page when this runs.
        request_animation_frame(move || {
            // The panel may have closed in between.
            if let Some(frame) = frame.try_get_untracked().flatten()
                && follow_end.try_get_value() == Some(true)
            {
                frame.set_scroll_top(frame.scroll_height());
            }
        });
    });
    let on_scroll = move |_| {
        if let Some(frame) = frame.get_untracked() {
            follow_end.set_value(
                frame.scroll_top() + frame.client_height() >= frame.scroll_height() - 24,
            );
        }
    };

    let quiet = move |text: String| {
        view! { <p class="muted node-panel__no-log" data-testid="step-log-empty">{text}</p> }
            .into_any()
    };
    let why_no_log = Memo::new(move |_| -> Option<String> {
        let phase = phase.get();
        if !loggable.get() {
            return Some("This step has no pod of its own, so no log.".into());
        }
        match phase {
            None | Some(NodePhase::Pending) => Some("No log yet: the step hasn't started.".into()),
            Some(NodePhase::Skipped | NodePhase::Omitted) => Some(format!(
                "{}: this step didn't run, so it has no log.",
                phase_label(phase.unwrap_or(NodePhase::Skipped))
            )),
            _ => None,
        }
    });

    view! {
        <div class="node-panel__log-head">
            <h3 class="section-title">"Log"</h3>
            <button type="button" class="button button--small" data-testid="step-log-reload"
                disabled=move || !loggable.get() || !started.get()
                on:click=move |_| tick.update(|n| *n += 1)>"Reload"</button>
        </div>
        {move || match why_no_log.get() {
            Some(why) => quiet(why),
            None => view! {
                <Transition fallback=|| view! { <p class="muted">"Loading the log…"</p> }>
                    {move || log.get().map(|result| match result {
                        Ok(Some(text)) if !text.is_empty() => view! {
                            <pre class="code-block node-panel__log" data-testid="step-log" node_ref=frame on:scroll=on_scroll>{text}</pre>
                        }.into_any(),
                        Ok(_) if running.get() => quiet("No log yet: the step has just started.".into()),
                        Ok(_) => quiet("The step wrote nothing to its log.".into()),
                        Err(error) => view! { <p class="form-error" role="alert" data-testid="step-log-error">{error.to_string()}</p> }.into_any(),
                    })}
                </Transition>
            }.into_any(),
        }}
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::pipeline::{NodeKind, NodeRun};

    #[test]
    fn a_step_shows_parameters_by_value_and_artifacts_by_uri() {
        let node = GraphNode {
            id: "wf-123".into(),
            task: "train".into(),
            label: "train".into(),
            parent: None,
            kind: NodeKind::Task,
            component: Some("comp-train".into()),
            executor: None,
            condition: None,
            run: Some(NodeRun {
                phase: NodePhase::Failed,
                node_type: "Pod".into(),
                display_name: "Train the model".into(),
                template: Some("train".into()),
                started_at: Some("2026-11-22T10:00:00Z".into()),
                finished_at: Some("2026-11-22T10:01:05Z".into()),
                message: Some("Error (exit code 1)".into()),
                inputs: vec![RunValue {
                    name: "epochs".into(),
                    kind: RunValueKind::Parameter,
                    value: Some("3".into()),
                }],
                outputs: vec![RunValue {
                    name: "model".into(),
                    kind: RunValueKind::Artifact,
                    value: Some("s3://mlpipeline/artifacts/model".into()),
                }],
            }),
        };
        let html = Owner::new().with(|| step_facts(node, 0).to_html());
        assert!(html.contains("data-phase=\"failed\""), "{html}");
        assert!(html.contains("1 min 5 s"), "{html}");
        assert!(html.contains("Error (exit code 1)"), "{html}");
        assert!(html.contains(">epochs<") && html.contains(">3<"), "{html}");
        assert!(html.contains("s3://mlpipeline/artifacts/model"), "{html}");
        assert!(html.contains(">artifact<"), "{html}");
    }
}
