//! The text of an experiment parsed within limits into a JSON value, remembering the line of
//! every mapping key and list item so a problem can point at the line to fix.

use super::MAX_EXPERIMENT_BYTES;
use super::validate::Problem;
use crate::domain::pipeline::tree::KeyText;
use crate::domain::pipeline::{MAX_ALIAS_EXPANSION, MAX_NESTING_DEPTH, MAX_YAML_ALIASES};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};
use std::fmt;

/// Documents one text may hold before it is refused outright (one is wanted; a few are
/// counted to say how many there are).
const MAX_DOCUMENTS: usize = 16;

/// A place in a document: `spec.parameters[1].feasibleSpace`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Path(Vec<Step>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

impl Path {
    pub fn root() -> Self {
        Path(Vec::new())
    }

    pub fn key(&self, key: &str) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_string()));
        Path(steps)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Path(steps)
    }

    pub fn push_key(&mut self, key: &str) {
        self.0.push(Step::Key(key.to_string()));
    }

    pub fn push_index(&mut self, index: usize) {
        self.0.push(Step::Index(index));
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    /// From `a.b[2].c` (keys holding dots or brackets can't be written this way).
    pub fn of(text: &str) -> Self {
        let mut path = Path::root();
        for part in text.split('.').filter(|part| !part.is_empty()) {
            let (key, indexes) = part.split_once('[').unwrap_or((part, ""));
            if !key.is_empty() {
                path = path.key(key);
            }
            for index in indexes.split('[') {
                if let Ok(index) = index.trim_end_matches(']').parse() {
                    path = path.index(index);
                }
            }
        }
        path
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for (at, step) in self.0.iter().enumerate() {
            match step {
                Step::Index(index) => write!(f, "[{index}]")?,
                Step::Key(key) if key.contains(['.', '[', ']', '"', ' ']) || key.is_empty() => {
                    write!(f, "[{key:?}]")?
                }
                Step::Key(key) if at == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
            }
        }
        Ok(())
    }
}

/// Lines of the keys and items of a parsed document, shaped like it.
#[derive(Debug, Default)]
pub(super) enum Lines {
    #[default]
    Scalar,
    Map(Vec<(String, usize, Lines)>),
    List(Vec<(usize, Lines)>),
}

impl Lines {
    /// The line of the key or item at `path`, or of the nearest one above it that exists (a
    /// missing field is reported where its parent is). None for JSON parsed without places.
    pub fn line_of(&self, path: &Path) -> Option<usize> {
        let mut here = self;
        let mut line = None;
        for step in &path.0 {
            let next = match (step, here) {
                (Step::Key(key), Lines::Map(entries)) => entries
                    .iter()
                    .find(|(name, _, _)| name == key)
                    .map(|(_, line, lines)| (*line, lines)),
                (Step::Index(index), Lines::List(items)) => {
                    items.get(*index).map(|(line, lines)| (*line, lines))
                }
                _ => None,
            };
            let Some((found, lines)) = next else { break };
            line = (found > 0).then_some(found).or(line);
            here = lines;
        }
        line
    }
}

/// A parsed experiment text.
pub(super) struct Parsed {
    pub value: Value,
    pub lines: Lines,
}

/// Parses one YAML or JSON document, within the size, nesting and alias limits.
pub(super) fn parse(text: &str) -> Result<Parsed, Problem> {
    if text.len() > MAX_EXPERIMENT_BYTES {
        return Err(whole(format!(
            "the text is {:.1} MiB; an experiment may be at most {} KiB",
            text.len() as f64 / (1024.0 * 1024.0),
            MAX_EXPERIMENT_BYTES / 1024
        )));
    }
    if text.trim().is_empty() {
        return Err(whole(
            "the text is empty: paste or write an Experiment (YAML or JSON)".into(),
        ));
    }
    let documents: Vec<Spanned<Node>> =
        match serde_saphyr::from_multiple_with_options(text, options()) {
            Ok(documents) => documents,
            Err(error) => return Err(syntax_problem(text, &error)),
        };
    let mut documents: Vec<Spanned<Node>> = documents
        .into_iter()
        .filter(|document| !document.value.value.is_null())
        .collect();
    match documents.len() {
        0 => Err(whole("the text holds no experiment".into())),
        1 => {
            let node = documents.remove(0).value;
            Ok(Parsed {
                value: node.value,
                lines: node.lines,
            })
        }
        count => Err(Problem {
            path: String::new(),
            line: Some(documents[1].referenced.line() as usize).filter(|&line| line > 0),
            message: format!(
                "the text holds {count} YAML documents; create one experiment at a time"
            ),
        }),
    }
}

fn whole(message: String) -> Problem {
    Problem {
        path: String::new(),
        line: None,
        message,
    }
}

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_NESTING_DEPTH,
            flow_nesting_limit: MAX_NESTING_DEPTH,
            max_documents: MAX_DOCUMENTS,
            max_aliases: MAX_YAML_ALIASES,
            // The input size bounds these; only aliases amplify, and they have their own budget.
            max_events: MAX_EXPERIMENT_BYTES,
            max_nodes: MAX_EXPERIMENT_BYTES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EXPANSION,
        },
        emit_comments: false,
        with_snippet: false,
    }
}

fn syntax_problem(text: &str, error: &serde_saphyr::Error) -> Problem {
    let line = error
        .location()
        .map(|location| location.line() as usize)
        .filter(|&line| line > 0);
    let message = match error {
        serde_saphyr::Error::AliasError { error, .. } => return syntax_problem(text, error),
        serde_saphyr::Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => format!("nested deeper than {MAX_NESTING_DEPTH} levels"),
            BudgetBreach::Aliases { .. } => format!("more than {MAX_YAML_ALIASES} YAML aliases"),
            BudgetBreach::Documents { .. } => {
                format!("more than {MAX_DOCUMENTS} YAML documents; create one experiment at a time")
            }
            _ => "the YAML is too large or too complex".to_string(),
        },
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => format!(
            "the YAML aliases expand to more than {MAX_ALIAS_EXPANSION} values \
             (a \"billion laughs\" text?)"
        ),
        _ => {
            let message = UserMessageFormatter.format_message(error);
            if message.contains("recursion limit exceeded") {
                format!("nested deeper than {MAX_NESTING_DEPTH} levels")
            } else if looks_like_json(text) {
                format!("not valid JSON: {message}")
            } else {
                format!("not valid YAML: {message}")
            }
        }
    };
    Problem {
        path: String::new(),
        line,
        message,
    }
}

fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// A parsed node: its value and the lines of what it holds.
struct Node {
    value: Value,
    lines: Lines,
}

impl Node {
    fn scalar(value: Value) -> Self {
        Node {
            value,
            lines: Lines::Scalar,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("YAML or JSON data")
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Node, E> {
        Ok(Node::scalar(Value::Bool(flag)))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Node, E> {
        Ok(Node::scalar(number.into()))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Node, E> {
        Ok(Node::scalar(number.into()))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Node, E> {
        // JSON has no infinities or NaN: keep them as text (and the checks say it isn't a number).
        Ok(Node::scalar(Number::from_f64(number).map_or_else(
            || Value::String(number.to_string()),
            Value::Number,
        )))
    }

    fn visit_str<E>(self, text: &str) -> Result<Node, E> {
        Ok(Node::scalar(Value::String(text.to_owned())))
    }

    fn visit_string<E>(self, text: String) -> Result<Node, E> {
        Ok(Node::scalar(Value::String(text)))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::scalar(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let capacity = seq.size_hint().unwrap_or(0).min(1024);
        let (mut values, mut lines) = (Vec::with_capacity(capacity), Vec::with_capacity(capacity));
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            lines.push((item.referenced.line() as usize, item.value.lines));
            values.push(item.value.value);
        }
        Ok(Node {
            value: Value::Array(values),
            lines: Lines::List(lines),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let (mut values, mut lines) = (Map::new(), Vec::new());
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let node: Node = map.next_value()?;
            let name = key.value.0;
            lines.push((name.clone(), key.referenced.line() as usize, node.lines));
            values.insert(name, node.value);
        }
        Ok(Node {
            value: Value::Object(values),
            lines: Lines::Map(lines),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_and_parse() {
        let path = Path::root()
            .key("spec")
            .key("parameters")
            .index(1)
            .key("feasibleSpace");
        assert_eq!(path.to_string(), "spec.parameters[1].feasibleSpace");
        assert_eq!(Path::of("spec.parameters[1].feasibleSpace"), path);
        let odd = Path::of("metadata.annotations").key("sidecar.istio.io/inject");
        assert_eq!(
            odd.to_string(),
            "metadata.annotations[\"sidecar.istio.io/inject\"]"
        );
        assert_eq!(Path::of("a[0][2]"), Path::root().key("a").index(0).index(2));
    }

    #[test]
    fn keys_and_items_remember_their_lines_through_aliases_and_json() {
        let parsed = parse("a: 1\nb:\n  - x\n  - c: &v\n      d: 2\ne: *v\n").unwrap();
        let line = |path: &str| parsed.lines.line_of(&Path::of(path));
        assert_eq!(line("a"), Some(1));
        assert_eq!(line("b[1]"), Some(4));
        assert_eq!(line("b[1].c.d"), Some(5));
        assert_eq!(line("e.d"), Some(6), "an alias is where it is used");
        // Missing places fall back to the nearest parent; nothing found at all is None.
        assert_eq!(line("b[1].c.missing"), Some(4));
        assert_eq!(line("b[7]"), Some(2));
        assert_eq!(line("zzz"), None);

        let json = parse("{\"a\": {\n  \"b\": [1,\n    2]}}").unwrap();
        assert_eq!(json.lines.line_of(&Path::of("a.b[1]")), Some(3));
        assert_eq!(json.value["a"]["b"][1], 2);
    }

    #[test]
    fn odd_scalars_become_json_values() {
        let parsed = parse("1: x\ntrue: ~\nnum: 1.5\ni: -3\nq: \"0.1\"\n").unwrap();
        assert_eq!(
            parsed.value,
            serde_json::json!({"1": "x", "true": null, "num": 1.5, "i": -3, "q": "0.1"})
        );
        // JSON has no infinities: YAML's are refused where they are written.
        let infinite = parse("a: 1\ngoal: .inf\n").err().unwrap();
        assert_eq!(infinite.line, Some(2));
        assert_eq!(
            infinite.message,
            "not valid YAML: value `.inf` is not a finite number"
        );
    }

    #[test]
    fn bad_texts_are_refused_with_their_line() {
        let problem = |text: &str| parse(text).err().unwrap();
        let broken = problem("a: 1\nb: [1, 2\nc: 3\n");
        assert_eq!(broken.line, Some(3));
        assert!(broken.message.starts_with("not valid YAML: "), "{broken:?}");
        let duplicate = problem("a: 1\nb: 2\na: 3\n");
        assert_eq!(duplicate.line, Some(3));
        assert!(duplicate.message.contains("duplicate"), "{duplicate:?}");
        let json = problem("{\"a\": 1,\n \"b\" 2}");
        assert_eq!(json.line, Some(2));
        assert!(json.message.starts_with("not valid JSON: "), "{json:?}");
        let two = problem("a: 1\n---\nb: 2\n");
        assert_eq!(
            (two.line, two.message.as_str()),
            (
                Some(3),
                "the text holds 2 YAML documents; create one experiment at a time"
            )
        );
        assert_eq!(
            problem("  \n").message,
            "the text is empty: paste or write an Experiment (YAML or JSON)"
        );
        assert_eq!(
            problem("---\n...\n").message,
            "the text holds no experiment"
        );
        let deep = problem(&format!("{}1{}", "[".repeat(100), "]".repeat(100)));
        assert!(deep.message.contains("nested deeper than 64"), "{deep:?}");
    }

    #[test]
    fn aliases_that_explode_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            let previous = level - 1;
            let name = format!("l{level}");
            let anchor = if previous == 0 {
                "a".to_string()
            } else {
                format!("l{previous}")
            };
            bomb.push_str(&format!(
                "{name}: &{name} [*{anchor}, *{anchor}, *{anchor}, *{anchor}, *{anchor}, *{anchor}, *{anchor}, *{anchor}, *{anchor}, *{anchor}]\n"
            ));
        }
        let problem = parse(&bomb).err().unwrap();
        assert!(problem.message.contains("aliases"), "{problem:?}");
    }

    #[test]
    fn more_than_a_mebibyte_is_refused_before_parsing() {
        let text = format!("a: \"{}\"\n", "x".repeat(2 * 1024 * 1024));
        let problem = parse(&text).err().unwrap();
        assert_eq!(
            problem.message,
            "the text is 2.0 MiB; an experiment may be at most 1024 KiB"
        );
        assert_eq!(problem.line, None);
    }
}
