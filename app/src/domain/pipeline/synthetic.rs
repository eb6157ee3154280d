//! Generated KFP v2 pipelines of any size, shaped like real ones (layers, fan-in and fan-out,
//! conditions and loops), for benchmarks and tests.

use std::fmt::Write;

/// A v2 IR YAML pipeline with `tasks` executor tasks. They come in layers of about √tasks;
/// each task waits for one to three tasks (or groups) of the layer before. Every sixth layer
/// from the third sits in a condition group, every sixth from the fifth in a ParallelFor over
/// three items, so the graph has `tasks + groups(tasks)` nodes.
pub fn v2_pipeline_yaml(tasks: usize) -> String {
    let width = (tasks as f64).sqrt().ceil().max(1.0) as usize;
    let mut random = Lcg(0x5eed);
    let mut yaml = String::with_capacity(tasks * 400 + 4096);
    let mut components = String::new();
    let mut root_tasks = String::new();
    // The root-level tasks and groups of the layer before, which the next layer waits for,
    // and of the one before that, which some tasks wait for too (an implied dependency).
    let mut previous: Vec<String> = Vec::new();
    let mut before_previous: Vec<String> = Vec::new();
    let mut next_task = 0;
    for layer in 0.. {
        if next_task >= tasks {
            break;
        }
        let members: Vec<usize> = (next_task..tasks.min(next_task + width)).collect();
        next_task += members.len();
        let group = match layer % 6 {
            2 => Some(format!("condition-{layer}")),
            4 => Some(format!("for-loop-{layer}")),
            _ => None,
        };
        let Some(group) = group else {
            for &task in &members {
                let count = 1 + random.below(3);
                let mut waits_for = random.pick(&previous, count);
                if random.below(4) == 0 {
                    waits_for.extend(random.pick(&before_previous, 1));
                }
                write_task(&mut root_tasks, 6, task, &waits_for, &previous);
            }
            before_previous = std::mem::take(&mut previous);
            previous = members.iter().map(|task| format!("work-{task}")).collect();
            continue;
        };
        // Inside a group, every second task waits for the one before it.
        let mut inner = String::new();
        for (at, &task) in members.iter().enumerate() {
            let waits_for = match at % 2 {
                1 => vec![format!("work-{}", members[at - 1])],
                _ => Vec::new(),
            };
            write_task(&mut inner, 10, task, &waits_for, &[]);
        }
        let _ = write!(
            components,
            "  comp-{group}:\n    dag:\n      tasks:\n{inner}    inputDefinitions:\n      \
             parameters:\n        pipelinechannel--message:\n          parameterType: STRING\n"
        );
        let _ = writeln!(
            root_tasks,
            "      {group}:\n        componentRef:\n          name: comp-{group}"
        );
        let waits_for = random.pick(&previous, 1);
        if !waits_for.is_empty() {
            root_tasks.push_str("        dependentTasks:\n");
            for name in &waits_for {
                let _ = writeln!(root_tasks, "        - {name}");
            }
        }
        root_tasks.push_str(
            "        inputs:\n          parameters:\n            pipelinechannel--message:\n              \
             componentInputParameter: message\n",
        );
        if group.starts_with("for-loop") {
            root_tasks.push_str(
                "        parameterIterator:\n          itemInput: pipelinechannel--loop-item\n          \
                 items:\n            raw: '[1, 2, 3]'\n",
            );
        } else {
            root_tasks.push_str(
                "        triggerPolicy:\n          condition: inputs.parameter_values['pipelinechannel--message'] \
                 != 'skip'\n",
            );
        }
        let _ = writeln!(root_tasks, "        taskInfo:\n          name: {group}");
        before_previous = std::mem::replace(&mut previous, vec![group]);
    }
    yaml.push_str("# PIPELINE DEFINITION\n# Name: synthetic\ncomponents:\n");
    yaml.push_str(&components);
    yaml.push_str(
        "  comp-work:\n    executorLabel: exec-work\n    inputDefinitions:\n      parameters:\n        \
         x:\n          isOptional: true\n          parameterType: STRING\n    outputDefinitions:\n      \
         parameters:\n        Output:\n          parameterType: STRING\n",
    );
    yaml.push_str(
        "deploymentSpec:\n  executors:\n    exec-work:\n      container:\n        args:\n        - \
         --x\n        - '{{$.inputs.parameters[''x'']}}'\n        command:\n        - sh\n        - \
         -c\n        - echo \"$0\" | tee /tmp/out\n        image: alpine:3.20\n",
    );
    yaml.push_str("pipelineInfo:\n  name: synthetic\nroot:\n  dag:\n    tasks:\n");
    yaml.push_str(&root_tasks);
    yaml.push_str(
        "  inputDefinitions:\n    parameters:\n      message:\n        defaultValue: hello\n        \
         isOptional: true\n        parameterType: STRING\n      count:\n        defaultValue: 3\n        \
         isOptional: true\n        parameterType: NUMBER_INTEGER\n",
    );
    yaml.push_str("schemaVersion: 2.1.0\nsdkVersion: kfp-2.14.3\n");
    yaml
}

/// How many groups `v2_pipeline_yaml(tasks)` has.
pub fn v2_pipeline_groups(tasks: usize) -> usize {
    let width = (tasks as f64).sqrt().ceil().max(1.0) as usize;
    let layers = tasks.div_ceil(width);
    (0..layers)
        .filter(|layer| layer % 6 == 2 || layer % 6 == 4)
        .count()
}

/// One `work-N` task at `indent`, waiting for `waits_for`; it reads the output of the first
/// of them that is a task (`producers`), so dependencies come from data as well as order.
fn write_task(
    yaml: &mut String,
    indent: usize,
    task: usize,
    waits_for: &[String],
    producers: &[String],
) {
    let pad = " ".repeat(indent);
    let _ = writeln!(yaml, "{pad}work-{task}:");
    let _ = writeln!(yaml, "{pad}  cachingOptions:\n{pad}    enableCache: true");
    let _ = writeln!(yaml, "{pad}  componentRef:\n{pad}    name: comp-work");
    if !waits_for.is_empty() {
        let _ = writeln!(yaml, "{pad}  dependentTasks:");
        for name in waits_for {
            let _ = writeln!(yaml, "{pad}  - {name}");
        }
    }
    let producer = waits_for
        .iter()
        .find(|name| name.starts_with("work-") && producers.contains(name));
    if let Some(producer) = producer {
        let _ = writeln!(
            yaml,
            "{pad}  inputs:\n{pad}    parameters:\n{pad}      x:\n{pad}        taskOutputParameter:\n\
             {pad}          outputParameterKey: Output\n{pad}          producerTask: {producer}"
        );
    }
    let _ = writeln!(yaml, "{pad}  taskInfo:\n{pad}    name: work {task}");
}

/// A small deterministic generator, so the same size always gives the same pipeline.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % bound.max(1) as u64) as usize
    }

    /// Up to `count` distinct items of `from`.
    fn pick(&mut self, from: &[String], count: usize) -> Vec<String> {
        let mut picked: Vec<String> = Vec::new();
        for _ in 0..count.min(from.len()) {
            let item = &from[self.below(from.len())];
            if !picked.contains(item) {
                picked.push(item.clone());
            }
        }
        picked
    }
}
