//! The checks an experiment passes before it is created: the ones Katib's admission webhook
//! makes, and a few it leaves to the suggestion service to fail on later (min above max, a
//! parameter the trial template never uses…), each pointing at the line to fix.

use super::source::{Lines, Path, parse};
use super::{API_VERSION, MAX_EXPERIMENT_NAME, checks, template};
use crate::domain::names::label_problem;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Something to fix in an experiment text: where (a field path such as
/// `spec.parameters[1].feasibleSpace`, empty for the whole text) and on which line, when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// An experiment ready to create, and what was changed or looks odd on the way (the namespace
/// replaced, numbers written as text, fields Katib ignores…), for the page to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validated {
    pub object: Value,
    pub notes: Vec<String>,
}

/// Fields the API server sets: a copied experiment (its YAML tab, `kubectl get -o yaml`) still
/// has them, and creating with a resourceVersion is refused.
const SERVER_SET: [&str; 8] = [
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Checks an Experiment written as YAML or JSON. The result is always in `namespace`, whatever
/// the text says (a note tells when it said another one).
pub fn validate_experiment(text: &str, namespace: &str) -> Result<Validated, Vec<Problem>> {
    let parsed = parse(text).map_err(|problem| vec![problem])?;
    let mut check = Check::new(&parsed.lines);
    let mut object = parsed.value;
    let Some(root) = object.as_object_mut() else {
        check.problem(
            &Path::root(),
            format!(
                "an experiment is a mapping (apiVersion, kind, metadata, spec), not {}",
                kind_of(&object)
            ),
        );
        return Err(check.problems);
    };
    write_numbers_as_text(root, &mut check);
    set_namespace(root, namespace, &mut check);
    remove_server_fields(root, &mut check);

    let root = &object;
    check.unknown_fields(
        root,
        &Path::root(),
        &["apiVersion", "kind", "metadata", "spec"],
    );
    check_type(root, &mut check);
    check_name(root, &mut check);
    match root.get("spec") {
        Some(spec @ Value::Object(_)) => {
            checks::spec(spec, &Path::root().key("spec"), &mut check);
            template::trial_template(spec, &Path::root().key("spec"), &mut check);
        }
        Some(other) => check.problem(
            &Path::of("spec"),
            format!("must be a mapping, not {}", kind_of(other)),
        ),
        None => check.problem(
            &Path::of("spec"),
            "is required: objective, algorithm, parameters and trialTemplate",
        ),
    }
    if check.problems.is_empty() {
        Ok(Validated {
            object,
            notes: check.notes,
        })
    } else {
        // Top to bottom as the text reads; whole-text problems first.
        check.problems.sort_by_key(|problem| problem.line);
        Err(check.problems)
    }
}

fn check_type(root: &Value, check: &mut Check) {
    let api_version = check.text(root, &Path::root(), "apiVersion", true);
    if let Some(api_version) = api_version.filter(|&version| version != API_VERSION) {
        check.problem(
            &Path::of("apiVersion"),
            format!("must be {API_VERSION} (it is {api_version:?})"),
        );
    }
    let kind = check.text(root, &Path::root(), "kind", true);
    if let Some(kind) = kind.filter(|&kind| kind != "Experiment") {
        check.problem(
            &Path::of("kind"),
            format!("must be Experiment (it is {kind:?}): only experiments are created here"),
        );
    }
}

fn check_name(root: &Value, check: &mut Check) {
    let path = Path::of("metadata");
    let Some(metadata) = check.mapping(root, &Path::root(), "metadata", true) else {
        return;
    };
    let Some(name) = check.text(metadata, &path, "name", true) else {
        return;
    };
    let path = path.key("name");
    if let Some(problem) = label_problem(name) {
        check.problem(&path, format!("{name:?} {problem}"));
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        check.problem(
            &path,
            format!("{name:?} must start with a lowercase letter"),
        );
    } else if name.len() > MAX_EXPERIMENT_NAME {
        check.problem(
            &path,
            format!(
                "must be at most {MAX_EXPERIMENT_NAME} characters (it has {}): trials are named \
                 after their experiment plus 9 characters, and must fit in 63",
                name.len()
            ),
        );
    }
}

fn set_namespace(root: &mut Map<String, Value>, namespace: &str, check: &mut Check) {
    let path = Path::of("metadata.namespace");
    if let Some(problem) = label_problem(namespace) {
        check.problem(&path, format!("the namespace {namespace:?} {problem}"));
    }
    let Some(metadata) = root.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let written = metadata.insert("namespace".into(), Value::String(namespace.into()));
    match written {
        Some(Value::String(written)) if written == namespace || written.is_empty() => {}
        None | Some(Value::Null) => {}
        Some(written) => {
            let written = written
                .as_str()
                .map_or_else(|| written.to_string(), str::to_string);
            check.note(
                &path,
                format!(
                    "{written} is replaced by {namespace}: the experiment is created in the \
                     namespace you work in"
                ),
            );
        }
    }
}

fn remove_server_fields(root: &mut Map<String, Value>, check: &mut Check) {
    let mut removed: Vec<&str> = Vec::new();
    if root.remove("status").is_some() {
        removed.push("status");
    }
    if let Some(metadata) = root.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in SERVER_SET {
            if metadata.remove(field).is_some() {
                removed.push(field);
            }
        }
    }
    if !removed.is_empty() {
        check.note(
            &Path::root(),
            format!(
                "left out what the cluster sets itself: {}",
                removed.join(", ")
            ),
        );
    }
}

/// Katib reads feasible-space values and algorithm settings as text; YAML reads `min: 0.01`
/// as a number, which Katib's controller would refuse. Such numbers (and true/false) are
/// written as the text they stand for.
fn write_numbers_as_text(root: &mut Map<String, Value>, check: &mut Check) {
    let mut changed: Vec<String> = Vec::new();
    let Some(spec) = root.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let spec_path = Path::of("spec");
    for algorithm in ["algorithm", "earlyStopping"] {
        let settings = spec
            .get_mut(algorithm)
            .and_then(|algorithm| algorithm.get_mut("algorithmSettings"))
            .and_then(Value::as_array_mut);
        for (index, setting) in settings.into_iter().flatten().enumerate() {
            let path = spec_path
                .key(algorithm)
                .key("algorithmSettings")
                .index(index);
            as_text(setting.get_mut("value"), path.key("value"), &mut changed);
        }
    }
    if let Some(parameters) = spec.get_mut("parameters").and_then(Value::as_array_mut) {
        for (index, parameter) in parameters.iter_mut().enumerate() {
            let path = spec_path.key("parameters").index(index);
            space_as_text(parameter, &path, &mut changed);
        }
    }
    let operations = spec
        .get_mut("nasConfig")
        .and_then(|nas| nas.get_mut("operations"))
        .and_then(Value::as_array_mut);
    for (at, operation) in operations.into_iter().flatten().enumerate() {
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut);
        for (index, parameter) in parameters.into_iter().flatten().enumerate() {
            let path = spec_path
                .key("nasConfig")
                .key("operations")
                .index(at)
                .key("parameters")
                .index(index);
            space_as_text(parameter, &path, &mut changed);
        }
    }
    if !changed.is_empty() {
        check.note(
            &Path::root(),
            format!(
                "written as text, as Katib reads them: {}",
                changed.join(", ")
            ),
        );
    }
}

fn space_as_text(parameter: &mut Value, path: &Path, changed: &mut Vec<String>) {
    let path = path.key("feasibleSpace");
    let Some(space) = parameter.get_mut("feasibleSpace") else {
        return;
    };
    for key in ["min", "max", "step"] {
        as_text(space.get_mut(key), path.key(key), changed);
    }
    let list = space.get_mut("list").and_then(Value::as_array_mut);
    for (index, item) in list.into_iter().flatten().enumerate() {
        as_text(Some(item), path.key("list").index(index), changed);
    }
}

fn as_text(value: Option<&mut Value>, path: Path, changed: &mut Vec<String>) {
    let Some(value) = value else { return };
    let text = match value {
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => return,
    };
    changed.push(format!("{path} ({text})"));
    *value = Value::String(text);
}

/// What a value is, for messages.
pub(super) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Collects problems and notes, each placed on its line.
pub(super) struct Check<'a> {
    lines: &'a Lines,
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
}

impl<'a> Check<'a> {
    fn new(lines: &'a Lines) -> Self {
        Check {
            lines,
            problems: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn place(&self, path: &Path, message: String) -> Problem {
        Problem {
            path: path.to_string(),
            line: self.lines.line_of(path),
            message,
        }
    }

    pub fn problem(&mut self, path: &Path, message: impl Into<String>) {
        let problem = self.place(path, message.into());
        self.problems.push(problem);
    }

    pub fn note(&mut self, path: &Path, message: impl Into<String>) {
        let note = self.place(path, message.into());
        self.notes.push(note.to_string());
    }

    /// Non-empty text at `parent[key]`. A missing or empty one is a problem when required;
    /// anything but text always is.
    pub fn text<'v>(
        &mut self,
        parent: &'v Value,
        path: &Path,
        key: &str,
        required: bool,
    ) -> Option<&'v str> {
        match parent.get(key) {
            Some(Value::String(text)) if !text.is_empty() => Some(text),
            None | Some(Value::Null) => {
                if required {
                    self.problem(&path.key(key), "is required");
                }
                None
            }
            Some(Value::String(_)) => {
                if required {
                    self.problem(&path.key(key), "must not be empty");
                }
                None
            }
            Some(other) => {
                self.problem(
                    &path.key(key),
                    format!("must be text, not {}", kind_of(other)),
                );
                None
            }
        }
    }

    /// The mapping at `parent[key]`.
    pub fn mapping<'v>(
        &mut self,
        parent: &'v Value,
        path: &Path,
        key: &str,
        required: bool,
    ) -> Option<&'v Value> {
        match parent.get(key) {
            Some(value @ Value::Object(_)) => Some(value),
            None | Some(Value::Null) => {
                if required {
                    self.problem(&path.key(key), "is required");
                }
                None
            }
            Some(other) => {
                self.problem(
                    &path.key(key),
                    format!("must be a mapping, not {}", kind_of(other)),
                );
                None
            }
        }
    }

    /// The list at `parent[key]`; an absent one is empty.
    pub fn list<'v>(&mut self, parent: &'v Value, path: &Path, key: &str) -> &'v [Value] {
        match parent.get(key) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => &[],
            Some(other) => {
                self.problem(
                    &path.key(key),
                    format!("must be a list, not {}", kind_of(other)),
                );
                &[]
            }
        }
    }

    /// A whole number at `parent[key]` that fits Katib's 32 bits.
    pub fn count(&mut self, parent: &Value, path: &Path, key: &str) -> Option<i64> {
        let value = parent.get(key)?;
        let path = path.key(key);
        match value {
            Value::Null => None,
            Value::Number(number) => match number.as_i64() {
                Some(count) if i32::try_from(count).is_ok() => Some(count),
                _ if number.is_i64() || number.is_u64() => {
                    let message = format!("{number} is too large (at most {})", i32::MAX);
                    self.problem(&path, message);
                    None
                }
                _ => {
                    self.problem(&path, format!("must be a whole number (it is {number})"));
                    None
                }
            },
            Value::String(text) if text.trim().parse::<i64>().is_ok() => {
                self.problem(
                    &path,
                    format!("must be a number, not text: write {text} without quotes"),
                );
                None
            }
            Value::String(text) => {
                self.problem(&path, format!("must be a whole number (it is {text:?})"));
                None
            }
            other => {
                self.problem(&path, format!("must be a number, not {}", kind_of(other)));
                None
            }
        }
    }

    /// Notes the keys of `value` that Katib does not know (it would ignore them silently),
    /// suggesting the field that differs only in case.
    pub fn unknown_fields(&mut self, value: &Value, path: &Path, known: &[&str]) {
        let Some(entries) = value.as_object() else {
            return;
        };
        for key in entries.keys().filter(|key| !known.contains(&key.as_str())) {
            let hint = known
                .iter()
                .find(|field| field.eq_ignore_ascii_case(key))
                .map(|field| format!(" (did you mean {field}?)"))
                .unwrap_or_default();
            self.note(
                &path.key(key),
                format!("is not a field Katib knows; it will be ignored{hint}"),
            );
        }
    }
}
