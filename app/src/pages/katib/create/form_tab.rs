//! The Form tab, for the common case: objective, algorithm, parameters, budget and what each
//! trial runs. It checks the YAML it would write with the same checks as the YAML tab, shows
//! each problem next to its field, and hands the YAML over for review and creation.

use super::parameters::ParameterList;
use super::problems::{FormProblems, form_problems};
use super::template::TrialTemplate;
use super::{Draft, Tab};
use crate::domain::katib::{
    ExperimentForm, ParameterForm, TemplateForm, form_yaml, validate_experiment,
};
use crate::model::katib::ObjectiveType;
use leptos::prelude::*;

/// Katib's algorithms the form offers: `(algorithmName, what the user reads)`.
const ALGORITHMS: [(&str, &str); 6] = [
    ("random", "Random search"),
    ("grid", "Grid search"),
    ("bayesianoptimization", "Bayesian optimization"),
    ("tpe", "Tree of Parzen estimators (TPE)"),
    ("cmaes", "CMA-ES"),
    ("hyperband", "Hyperband"),
];

/// The built-in example: Katib's MNIST training image tuning its learning rate and momentum.
pub(super) fn example_form(namespace: &str) -> ExperimentForm {
    ExperimentForm {
        name: "mnist-random".into(),
        namespace: namespace.into(),
        parameters: vec![
            ParameterForm {
                name: "lr".into(),
                min: "0.01".into(),
                max: "0.05".into(),
                ..ParameterForm::default()
            },
            ParameterForm {
                name: "momentum".into(),
                min: "0.5".into(),
                max: "0.9".into(),
                ..ParameterForm::default()
            },
        ],
        template: TemplateForm::Inline {
            image: "ghcr.io/kubeflow/katib/pytorch-mnist-cpu:latest".into(),
            command: "python3\n/opt/pytorch-mnist/mnist.py\n--epochs=1\n--batch-size=16".into(),
        },
        ..ExperimentForm::default()
    }
}

/// The form's YAML: the experiment in `namespace`.
fn yaml_in(form: &ExperimentForm, namespace: &str) -> String {
    form_yaml(&ExperimentForm {
        namespace: namespace.to_string(),
        ..form.clone()
    })
}

/// The form and its problems, shared by its fields.
#[derive(Clone, Copy)]
pub(super) struct FormFields {
    pub draft: Draft,
    problems: Memo<FormProblems>,
}

impl FormFields {
    /// The problem to show at field `key`: once the user changed it, or asked for the YAML.
    pub fn error(self, key: &str) -> Option<String> {
        if !self.draft.reviewed.get() && !self.draft.touched.read().contains(key) {
            return None;
        }
        self.problems.read().fields.get(key).cloned()
    }

    /// Changes the form as the user did, at the fields `keys`: their problems show from now on.
    pub fn edit(self, keys: &[&str], change: impl FnOnce(&mut ExperimentForm)) {
        self.draft.touched.update(|touched| {
            touched.extend(keys.iter().map(|key| key.to_string()));
        });
        self.draft.form.update(change);
    }
}

/// A field's problem, under it; its id describes the input.
#[component]
pub(super) fn FieldProblem(fields: FormFields, #[prop(into)] key: String) -> impl IntoView {
    let id = problem_id(&key);
    let testid = format!("error-{key}");
    move || {
        fields.error(&key).map(|message| {
            view! { <span class="field__error" id=id.clone() data-testid=testid.clone()>{message}</span> }
        })
    }
}

pub(super) fn problem_id(key: &str) -> String {
    format!("experiment-problem-{key}")
}

/// One line of text in the form. Numbers are typed as text too, so a typo reaches the checks
/// (and their message) instead of the browser dropping it.
#[component]
pub(super) fn TextField(
    fields: FormFields,
    /// What its problems and test ids are named after.
    key: &'static str,
    label: &'static str,
    read: fn(&ExperimentForm) -> String,
    write: fn(&mut ExperimentForm, String),
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// Whole numbers: phones show digits.
    #[prop(optional)]
    numeric: bool,
) -> impl IntoView {
    let invalid = move || fields.error(key).is_some().to_string();
    view! {
        <label class="field">
            <span>{label}</span>
            <input type="text" autocomplete="off" spellcheck="false" data-testid=format!("form-{key}")
                inputmode=if numeric { "numeric" } else { "text" } placeholder=placeholder
                aria-invalid=invalid aria-describedby=problem_id(key)
                prop:value=move || read(&fields.draft.form.read())
                on:input=move |event| {
                    let text = event_target_value(&event);
                    fields.edit(&[key], |form| write(form, text));
                } />
            {hint.map(|hint| view! { <span class="field__hint">{hint}</span> })}
            <FieldProblem fields key />
        </label>
    }
}

#[component]
pub(super) fn ExperimentFormTab(draft: Draft, namespace: String) -> impl IntoView {
    let namespace = StoredValue::new(namespace);
    let problems = Memo::new(move |_| {
        let form = draft.form.read();
        let yaml = namespace.with_value(|namespace| yaml_in(&form, namespace));
        match namespace.with_value(|namespace| validate_experiment(&yaml, namespace)) {
            Ok(_) => form_problems(&[], &form),
            Err(problems) => form_problems(&problems, &form),
        }
    });
    let fields = FormFields { draft, problems };
    let blocked = move || draft.reviewed.get() && !problems.read().fields.is_empty();
    // Problems the form has no field for (an algorithm needing settings…) are fixed in the
    // YAML, where they show with their lines: only the form's own fields hold the review.
    let review = move |_| {
        draft.reviewed.set(true);
        if !problems.read_untracked().fields.is_empty() {
            return;
        }
        let yaml =
            namespace.with_value(|namespace| yaml_in(&draft.form.read_untracked(), namespace));
        draft.put_text(yaml, true);
        draft.tab.set(Tab::Yaml);
    };
    view! {
        <div class="experiment-new__form" data-testid="experiment-form">
            <Objective fields />
            <section class="card panel experiment-new__section">
                <h2 class="section-title">"Search space"</h2>
                <label class="field">
                    <span>"Algorithm"</span>
                    <select data-testid="form-algorithm" aria-describedby=problem_id("algorithm")
                        aria-invalid=move || fields.error("algorithm").is_some().to_string()
                        on:change=move |event| {
                            let value = event_target_value(&event);
                            fields.edit(&["algorithm"], |form| form.algorithm = value);
                        }>
                        {ALGORITHMS.into_iter().map(|(value, label)| view! {
                            <option value=value selected=move || draft.form.read().algorithm == value>
                                {format!("{label} ({value})")}
                            </option>
                        }).collect_view()}
                    </select>
                    <FieldProblem fields key="algorithm" />
                </label>
                <ParameterList fields />
            </section>
            <Budget fields />
            <TrialTemplate fields />
            {move || blocked().then(|| view! {
                <p class="form-error" role="alert" data-testid="form-invalid">
                    "Fix the fields marked above to review the experiment's YAML."
                </p>
            })}
            <div class="experiment-new__actions">
                <button type="button" class="button button--primary" data-testid="form-review" on:click=review>
                    "Review YAML"
                </button>
            </div>
        </div>
    }
}

#[component]
fn Objective(fields: FormFields) -> impl IntoView {
    let draft = fields.draft;
    let is = move |kind: ObjectiveType| draft.form.read().objective_type == kind;
    view! {
        <section class="card panel experiment-new__section">
            <h2 class="section-title">"Experiment"</h2>
            <div class="field-row">
                <TextField fields key="name" label="Name" placeholder="e.g. mnist-random"
                    hint="Lowercase letters, digits and '-'; trials are named after it."
                    read=|form| form.name.clone() write=|form, text| form.name = text />
            </div>
            <h3 class="subheading">"Objective"</h3>
            <div class="field-row">
                <label class="field">
                    <span>"Goal direction"</span>
                    <select data-testid="form-objective-type" on:change=move |event| {
                        let kind = if event_target_value(&event) == "maximize" {
                            ObjectiveType::Maximize
                        } else {
                            ObjectiveType::Minimize
                        };
                        fields.edit(&["objective-type"], |form| form.objective_type = kind);
                    }>
                        <option value="minimize" selected=move || is(ObjectiveType::Minimize)>"Minimize"</option>
                        <option value="maximize" selected=move || is(ObjectiveType::Maximize)>"Maximize"</option>
                    </select>
                    <FieldProblem fields key="objective-type" />
                </label>
                <TextField fields key="metric" label="Metric" placeholder="e.g. loss"
                    hint="The name the training code prints its value under."
                    read=|form| form.objective_metric.clone() write=|form, text| form.objective_metric = text />
                <TextField fields key="goal" label="Goal (optional)" placeholder="e.g. 0.001"
                    hint="The experiment stops once a trial reaches it."
                    read=|form| form.goal.clone() write=|form, text| form.goal = text />
            </div>
            <TextField fields key="additional-metrics" label="Additional metrics (optional)"
                placeholder="e.g. accuracy, precision" hint="Also collected from each trial; separated by commas."
                read=|form| form.additional_metrics.clone() write=|form, text| form.additional_metrics = text />
        </section>
    }
}

#[component]
fn Budget(fields: FormFields) -> impl IntoView {
    view! {
        <section class="card panel experiment-new__section">
            <h2 class="section-title">"Budget"</h2>
            <div class="field-row">
                <TextField fields key="parallel" label="Trials in parallel" numeric=true
                    read=|form| form.parallel.clone() write=|form, text| form.parallel = text />
                <TextField fields key="max-trials" label="Most trials" numeric=true
                    read=|form| form.max_trials.clone() write=|form, text| form.max_trials = text />
                <TextField fields key="max-failed" label="Most failed trials" numeric=true
                    hint="The experiment fails past it."
                    read=|form| form.max_failed.clone() write=|form, text| form.max_failed = text />
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::katib::MAX_EXPERIMENT_NAME;
    use crate::model::katib::ParameterKind;

    #[test]
    fn the_example_is_an_experiment_katib_accepts() {
        let yaml = yaml_in(&example_form("team-ml"), "team-ml");
        let validated = validate_experiment(&yaml, "team-ml").expect("the example passes");
        assert_eq!(validated.object["metadata"]["namespace"], "team-ml");
        assert!(yaml.contains("--lr=${trialParameters.lr}"), "{yaml}");
        assert!(example_form("x").name.len() <= MAX_EXPERIMENT_NAME);
    }

    #[test]
    fn the_form_yaml_goes_to_the_namespace_chosen() {
        let mut form = example_form("somewhere-else");
        form.namespace = "elsewhere".into();
        let yaml = yaml_in(&form, "team-ml");
        let validated = validate_experiment(&yaml, "team-ml").expect("valid");
        assert!(validated.notes.is_empty(), "{:?}", validated.notes);
        assert_eq!(validated.object["metadata"]["namespace"], "team-ml");
    }

    #[test]
    fn the_algorithms_offered_include_the_default() {
        let default = ExperimentForm::default().algorithm;
        assert!(ALGORITHMS.iter().any(|(name, _)| *name == default));
    }

    fn render(draft: Draft) -> String {
        view! { <ExperimentFormTab draft namespace="team-ml".to_string() /> }.to_html()
    }

    #[test]
    fn problems_show_at_their_fields_once_touched_or_reviewed() {
        Owner::new().with(|| {
            // The defaults leave the name and the image to fill in.
            let draft = Draft::new();
            let html = render(draft);
            for testid in [
                "form-name",
                "param-name-0",
                "param-min-0",
                "form-add-parameter",
                "form-review",
            ] {
                assert!(
                    html.contains(&format!("data-testid=\"{testid}\"")),
                    "{testid}: {html}"
                );
            }
            assert!(!html.contains("data-testid=\"error-"), "{html}");

            draft.touched.update(|touched| {
                touched.insert("param-max-0".into());
            });
            draft
                .form
                .update(|form| form.parameters[0].max = "lots".into());
            let html = render(draft);
            assert!(html.contains("data-testid=\"error-param-max-0\""), "{html}");
            assert!(!html.contains("data-testid=\"error-name\""), "{html}");
            assert!(html.contains("aria-invalid=\"true\""), "{html}");

            draft.reviewed.set(true);
            let html = render(draft);
            for testid in [
                "error-name",
                "error-image",
                "error-param-max-0",
                "form-invalid",
            ] {
                assert!(
                    html.contains(&format!("data-testid=\"{testid}\"")),
                    "{testid}: {html}"
                );
            }
        });
    }

    #[test]
    fn listed_parameters_take_values_instead_of_a_range() {
        Owner::new().with(|| {
            let draft = Draft::new();
            draft.form.update(|form| {
                form.parameters[0].kind = ParameterKind::Categorical;
                form.parameters[0].list = "sgd, adam".into();
            });
            let html = render(draft);
            assert!(html.contains("data-testid=\"param-list-0\""), "{html}");
            assert!(!html.contains("data-testid=\"param-min-0\""), "{html}");
        });
    }
}
