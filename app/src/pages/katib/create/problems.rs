//! Where a problem of an experiment belongs on the page: the form field it is about (the form's
//! YAML is checked by the same code as pasted YAML, so its problems name YAML paths), and the
//! stretch of the textarea holding the line it points at.

use crate::domain::katib::{ExperimentForm, Problem, TemplateForm};
use std::collections::BTreeMap;

/// One step of a problem's path (`spec.parameters[1].name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The steps of a path as `domain::katib` writes them. Quoted keys (`["a.b"]`) never name a
/// form field, so they read as one opaque key.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for part in path.split('.').filter(|part| !part.is_empty()) {
        let (key, indexes) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            steps.push(Step::Key(key));
        }
        for index in indexes.split('[').filter(|index| !index.is_empty()) {
            match index.trim_end_matches(']').parse() {
                Ok(index) => steps.push(Step::Index(index)),
                Err(_) => steps.push(Step::Key(index)),
            }
        }
    }
    steps
}

/// The form field (its key, as the page's test ids use it) a problem at `path` belongs to, or
/// None when the form has no field for it. `inline` says whether the trial runs an image typed
/// in the form (else a ConfigMap template).
pub(super) fn form_field(path: &str, inline: bool) -> Option<String> {
    use Step::{Index, Key};
    let field = match steps(path).as_slice() {
        [Key("metadata"), Key("name"), ..] => "name".to_string(),
        [Key("spec"), Key("objective"), Key("type"), ..] => "objective-type".into(),
        [
            Key("spec"),
            Key("objective"),
            Key("objectiveMetricName"),
            ..,
        ] => "metric".into(),
        [Key("spec"), Key("objective"), Key("goal"), ..] => "goal".into(),
        [
            Key("spec"),
            Key("objective"),
            Key("additionalMetricNames"),
            ..,
        ] => "additional-metrics".into(),
        [Key("spec"), Key("algorithm"), ..] => "algorithm".into(),
        [Key("spec"), Key("parallelTrialCount")] => "parallel".into(),
        [Key("spec"), Key("maxTrialCount")] => "max-trials".into(),
        [Key("spec"), Key("maxFailedTrialCount")] => "max-failed".into(),
        [Key("spec"), Key("parameters")] => "parameters".into(),
        [Key("spec"), Key("parameters"), Index(row), rest @ ..] => parameter_field(*row, rest),
        [Key("spec"), Key("trialTemplate"), rest @ ..] => template_field(rest, inline)?.into(),
        _ => return None,
    };
    Some(field)
}

fn parameter_field(row: usize, rest: &[Step]) -> String {
    use Step::Key;
    let part = match rest {
        [Key("name"), ..] => "name",
        [Key("parameterType"), ..] => "type",
        [
            Key("feasibleSpace"),
            Key(key @ ("min" | "max" | "step")),
            ..,
        ] => key,
        [Key("feasibleSpace"), Key("list"), ..] => "list",
        // The row as a whole: "min above max", "a list and a range"…
        _ => return format!("param-{row}"),
    };
    format!("param-{part}-{row}")
}

fn template_field(rest: &[Step], inline: bool) -> Option<&'static str> {
    use Step::Key;
    Some(match rest {
        [Key("primaryContainerName"), ..] => "primary-container",
        [Key("configMap"), Key("configMapName"), ..] => "configmap-name",
        [Key("configMap"), Key("configMapNamespace"), ..] => "configmap-namespace",
        [Key("configMap"), Key("templatePath"), ..] => "configmap-path",
        [Key("trialSpec"), .., Key("image")] => "image",
        [Key("trialSpec"), ..] if rest.contains(&Key("command")) || rest.contains(&Key("args")) => {
            "command"
        }
        // The form writes one trial parameter per search parameter and puts each in the command
        // unless a line places some: one left unused is fixed in the command lines.
        [Key("trialParameters"), ..] if inline => "command",
        [..] => "template",
    })
}

/// What the form shows: the first message for each field, and the problems no field can show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct FormProblems {
    pub fields: BTreeMap<String, String>,
    pub elsewhere: Vec<Problem>,
}

/// The problems of the form's YAML, placed. An empty image is said in the form's own words
/// before the checks' "must not be empty".
pub(super) fn form_problems(problems: &[Problem], form: &ExperimentForm) -> FormProblems {
    let inline = matches!(form.template, TemplateForm::Inline { .. });
    let mut found = FormProblems::default();
    if let TemplateForm::Inline { image, .. } = &form.template
        && image.trim().is_empty()
    {
        found.fields.insert(
            "image".into(),
            "is required: the image each trial runs".into(),
        );
    }
    for problem in problems {
        match form_field(&problem.path, inline) {
            Some(field) => {
                found
                    .fields
                    .entry(field)
                    .or_insert_with(|| problem.message.clone());
            }
            None => found.elsewhere.push(problem.clone()),
        }
    }
    found
}

/// Where line `line` (counted from 1) of `text` starts and ends, in UTF-16 code units as a
/// textarea's selection counts them. None past the last line.
pub(super) fn line_span(text: &str, line: usize) -> Option<(u32, u32)> {
    let wanted = line.checked_sub(1)?;
    let mut start = 0u32;
    for (index, content) in text.split('\n').enumerate() {
        let length = content.encode_utf16().count() as u32;
        if index == wanted {
            return Some((start, start + length));
        }
        start += length + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::katib::{form_yaml, validate_experiment};

    #[test]
    fn paths_land_on_their_form_fields() {
        let cases = [
            ("metadata.name", Some("name")),
            ("spec.objective.goal", Some("goal")),
            (
                "spec.objective.additionalMetricNames[2]",
                Some("additional-metrics"),
            ),
            (
                "spec.algorithm.algorithmSettings[0].value",
                Some("algorithm"),
            ),
            ("spec.maxTrialCount", Some("max-trials")),
            ("spec.parameters", Some("parameters")),
            ("spec.parameters[1].name", Some("param-name-1")),
            ("spec.parameters[0].feasibleSpace.max", Some("param-max-0")),
            (
                "spec.parameters[3].feasibleSpace.list[1]",
                Some("param-list-3"),
            ),
            ("spec.parameters[2].feasibleSpace", Some("param-2")),
            (
                "spec.trialTemplate.configMap.templatePath",
                Some("configmap-path"),
            ),
            (
                "spec.trialTemplate.trialSpec.spec.template.spec.containers[0].image",
                Some("image"),
            ),
            (
                "spec.trialTemplate.trialSpec.spec.template.spec.containers[0].command[2]",
                Some("command"),
            ),
            (
                "spec.trialTemplate.trialParameters[0].name",
                Some("command"),
            ),
            ("spec.trialTemplate", Some("template")),
            // Nothing in the form writes these.
            ("", None),
            ("apiVersion", None),
            ("spec.nasConfig.operations[0]", None),
            ("spec.metricsCollectorSpec.collector.kind", None),
            ("spec.parallelTrialCount.extra", None),
        ];
        for (path, field) in cases {
            assert_eq!(form_field(path, true).as_deref(), field, "{path}");
        }
        assert_eq!(
            form_field("spec.trialTemplate.trialParameters[0].name", false).as_deref(),
            Some("template")
        );
    }

    #[test]
    fn odd_paths_do_not_panic_or_match() {
        let odd = [
            "[",
            "]",
            "spec.parameters[]",
            "spec.parameters[x].name",
            "spec.parameters[99999999999999999999].name",
        ];
        for path in odd {
            assert_eq!(form_field(path, true), None, "{path}");
        }
    }

    fn filled() -> ExperimentForm {
        ExperimentForm {
            name: "tune".into(),
            template: TemplateForm::Inline {
                image: "registry.example/train:1".into(),
                command: String::new(),
            },
            ..ExperimentForm::default()
        }
    }

    fn problems_of(form: &ExperimentForm) -> FormProblems {
        match validate_experiment(&form_yaml(form), "team-ml") {
            Ok(_) => form_problems(&[], form),
            Err(problems) => form_problems(&problems, form),
        }
    }

    #[test]
    fn a_filled_form_has_no_problems() {
        assert_eq!(problems_of(&filled()), FormProblems::default());
    }

    #[test]
    fn an_empty_image_is_refused_at_the_image_field() {
        let mut form = filled();
        form.template = TemplateForm::Inline {
            image: "  ".into(),
            command: String::new(),
        };
        assert!(validate_experiment(&form_yaml(&form), "team-ml").is_err());
        let found = problems_of(&form);
        assert_eq!(found.fields.keys().collect::<Vec<_>>(), ["image"]);
        assert_eq!(
            found.fields["image"],
            "is required: the image each trial runs"
        );
        // A ConfigMap template has no image in the form.
        form.template = TemplateForm::ConfigMap {
            name: "templates".into(),
            namespace: "team-ml".into(),
            path: "job.yaml".into(),
        };
        assert_eq!(problems_of(&form), FormProblems::default());
    }

    #[test]
    fn the_checks_of_the_form_yaml_reach_the_fields_typed_in() {
        let mut form = filled();
        form.name = "Tune Me".into();
        form.max_trials = "many".into();
        form.parameters[0].max = "x".into();
        form.parameters.push(form.parameters[0].clone());
        let found = problems_of(&form);
        let fields: Vec<&str> = found.fields.keys().map(String::as_str).collect();
        for wanted in ["name", "max-trials", "param-max-0", "param-name-1"] {
            assert!(fields.contains(&wanted), "{wanted} not in {fields:?}");
        }
        assert!(found.elsewhere.is_empty(), "{:?}", found.elsewhere);
    }

    #[test]
    fn the_first_message_of_a_field_wins_and_unplaced_ones_are_kept() {
        let problem = |path: &str, message: &str| Problem {
            path: path.into(),
            line: Some(1),
            message: message.into(),
        };
        let found = form_problems(
            &[
                problem("metadata.name", "first"),
                problem("metadata.name", "second"),
                problem("apiVersion", "wrong"),
            ],
            &filled(),
        );
        assert_eq!(found.fields["name"], "first");
        assert_eq!(found.elsewhere.len(), 1);
        assert_eq!(found.elsewhere[0].message, "wrong");
    }

    #[test]
    fn a_line_spans_its_text_in_utf16_units() {
        let text = "apiVersion: v1\nkind: Experiment\n\nname: é😀x\nlast";
        assert_eq!(line_span(text, 1), Some((0, 14)));
        assert_eq!(line_span(text, 2), Some((15, 31)));
        assert_eq!(line_span(text, 3), Some((32, 32)));
        // é is one UTF-16 unit, the emoji two.
        assert_eq!(line_span(text, 4), Some((33, 43)));
        assert_eq!(line_span(text, 5), Some((44, 48)));
        assert_eq!(line_span(text, 6), None);
        assert_eq!(line_span(text, 0), None);
        assert_eq!(line_span("", 1), Some((0, 0)));
    }
}
