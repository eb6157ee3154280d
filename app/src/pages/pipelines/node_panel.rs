//! The panel beside a pipeline's graph: what the selected step is and runs, or, with no step
//! selected, the run parameters the version declares.

use super::type_text;
use crate::domain::run_params::default_text;
use crate::model::pipeline::{
    Executor, GraphNode, GroupKind, NodeKind, PipelineGraph, PipelineInput,
};
use leptos::prelude::*;

fn kind_text(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Task => "Task",
        NodeKind::ExitHook => "Exit handler (runs last, whatever happened)",
        NodeKind::Placeholder => "Steps not created yet",
        NodeKind::Group { group } => match group {
            GroupKind::SubPipeline => "Sub-pipeline",
            GroupKind::Condition => "Condition",
            GroupKind::ConditionBranches => "If / elif / else",
            GroupKind::ParallelFor { .. } => "Parallel for",
            GroupKind::ExitHandler => "Exit handler group",
        },
    }
}

/// The side panel for one step: what it is and what it runs.
pub(super) fn node_facts(graph: &PipelineGraph, node: &GraphNode) -> impl IntoView + use<> {
    let parent = node.parent.as_ref().map(|parent| {
        graph
            .nodes
            .iter()
            .find(|n| &n.id == parent)
            .map(|n| n.label.clone())
            .unwrap_or_else(|| parent.clone())
    });
    let mut facts: Vec<(&'static str, String, bool)> = vec![
        ("Task", node.task.clone(), true),
        ("Kind", kind_text(&node.kind).to_string(), false),
    ];
    let mut scripts: Vec<(&'static str, String)> = Vec::new();
    if let Some(component) = &node.component {
        facts.push(("Component", component.clone(), true));
    }
    match &node.executor {
        Some(Executor::Container {
            image,
            command,
            args,
        }) => {
            facts.push(("Image", image.clone(), true));
            // Commands are often whole scripts: each gets a scrolling block of its own.
            if !command.is_empty() {
                scripts.push(("Command", command.join("\n")));
            }
            if !args.is_empty() {
                scripts.push(("Arguments", args.join("\n")));
            }
        }
        Some(Executor::Resource { action }) => {
            facts.push(("Resource", format!("{action} a Kubernetes object"), false));
        }
        Some(Executor::Importer { artifact_uri }) => facts.push((
            "Imports",
            artifact_uri
                .clone()
                .unwrap_or_else(|| "an artifact given at run time".into()),
            true,
        )),
        Some(Executor::Resolver) => facts.push(("Runs", "a resolver".into(), false)),
        None => {}
    }
    if let Some(condition) = &node.condition {
        facts.push(("Runs when", condition.clone(), true));
    }
    if let Some(parent) = parent {
        facts.push(("Inside", parent, false));
    }
    facts.push(("Node id", node.id.clone(), true));
    view! {
        <h2 class="pipeline-step__title" data-testid="node-title">{node.label.clone()}</h2>
        <dl class="facts pipeline-step__facts">
            {facts.into_iter().map(|(label, value, code)| view! {
                <dt>{label}</dt>
                <dd class:mono=code data-testid=format!("node-{}", label.to_lowercase().replace(' ', "-"))>{value}</dd>
            }).collect_view()}
        </dl>
        {scripts.into_iter().map(|(label, text)| view! {
            <h3 class="section-title section-title--spaced">{label}</h3>
            <pre class="code-block pipeline-step__code" data-testid=format!("node-{}", label.to_lowercase())>{text}</pre>
        }).collect_view()}
    }
}

/// The side panel with no step selected: the run parameters the version declares.
pub(super) fn parameters(inputs: &[PipelineInput]) -> impl IntoView + use<> {
    let rows = inputs
        .iter()
        .map(|input| {
            let default = default_text(input);
            view! {
                <li class="pipeline-step__parameter">
                    <span class="mono">{input.name.clone()}</span>
                    <span class="muted">{type_text(input.parameter_type)}</span>
                    {(!default.is_empty()).then(|| view! { <span class="pipeline-step__default mono" title="Default">{default}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <h2 class="section-title">"Run parameters"</h2>
        {if inputs.is_empty() {
            view! { <p class="muted">"This pipeline takes no parameters."</p> }.into_any()
        } else {
            view! { <ul class="pipeline-step__parameters" data-testid="version-parameters">{rows}</ul> }.into_any()
        }}
        <p class="muted pipeline-step__hint">"Select a step in the graph to see what it runs. Click a group to open or close it."</p>
    }
}
