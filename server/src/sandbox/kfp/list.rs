//! KFP's list options on API objects (their wire JSON): `filter` (URL-encoded JSON
//! predicates), `sort_by` (`created_at desc`), `page_size` and the opaque `page_token`, which
//! carries the sort, the filter and where the page ended, as KFP's token does.

use base64::Engine as _;
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::HashMap;

/// KFP's page size when none is asked for, and the most it gives.
pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 200;

/// What can be listed, and by which fields.
pub struct Listable {
    /// The type's name in messages: `Run`.
    pub kind: &'static str,
    /// The id field, the last tie-breaker of every sort.
    pub id: &'static str,
    /// Fields a filter or sort may name (API names).
    pub fields: &'static [&'static str],
    /// Other names KFP accepts for them (`name` for `display_name`…).
    pub aliases: &'static [(&'static str, &'static str)],
}

const TIME_FIELDS: [&str; 4] = [
    "created_at",
    "finished_at",
    "scheduled_at",
    "last_run_created_at",
];

pub const PIPELINES: Listable = Listable {
    kind: "Pipeline",
    id: "pipeline_id",
    fields: &[
        "pipeline_id",
        "name",
        "display_name",
        "description",
        "created_at",
        "namespace",
    ],
    aliases: &[("id", "pipeline_id")],
};

pub const PIPELINE_VERSIONS: Listable = Listable {
    kind: "PipelineVersion",
    id: "pipeline_version_id",
    fields: &[
        "pipeline_version_id",
        "name",
        "display_name",
        "description",
        "created_at",
        "pipeline_id",
    ],
    aliases: &[("id", "pipeline_version_id")],
};

pub const EXPERIMENTS: Listable = Listable {
    kind: "Experiment",
    id: "experiment_id",
    fields: &[
        "experiment_id",
        "display_name",
        "description",
        "created_at",
        "namespace",
        "storage_state",
        "last_run_created_at",
    ],
    aliases: &[("id", "experiment_id"), ("name", "display_name")],
};

pub const RUNS: Listable = Listable {
    kind: "Run",
    id: "run_id",
    fields: &[
        "run_id",
        "display_name",
        "description",
        "experiment_id",
        "state",
        "storage_state",
        "created_at",
        "scheduled_at",
        "finished_at",
    ],
    aliases: &[("id", "run_id"), ("name", "display_name")],
};

impl Listable {
    fn field(&self, name: &str) -> Option<&'static str> {
        let name = name.trim();
        let name = self
            .aliases
            .iter()
            .find(|(alias, _)| *alias == name)
            .map_or(name, |(_, field)| field);
        self.fields.iter().find(|field| **field == name).copied()
    }
}

/// One page of a list, and how many there are in all.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Value>,
    pub total_size: usize,
    pub next_page_token: Option<String>,
}

impl Page {
    /// The list response as KFP writes it: empty fields left out.
    pub fn response(self, key: &str) -> Value {
        let mut body = json!({});
        if !self.items.is_empty() {
            body[key] = Value::Array(self.items);
        }
        if self.total_size > 0 {
            body["total_size"] = json!(self.total_size);
        }
        if let Some(token) = self.next_page_token {
            body["next_page_token"] = json!(token);
        }
        body
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Equals,
    NotEquals,
    GreaterThan,
    GreaterThanEquals,
    LessThan,
    LessThanEquals,
    In,
    IsSubstring,
}

impl Operation {
    /// By name, or by number as protojson also accepts enums.
    fn parse(value: &Value) -> Option<Self> {
        let by_number = |number: u64| match number {
            1 => Some(Self::Equals),
            2 => Some(Self::NotEquals),
            3 => Some(Self::GreaterThan),
            5 => Some(Self::GreaterThanEquals),
            6 => Some(Self::LessThan),
            7 => Some(Self::LessThanEquals),
            8 => Some(Self::In),
            9 => Some(Self::IsSubstring),
            _ => None,
        };
        match value {
            Value::Number(number) => by_number(number.as_u64()?),
            Value::String(name) => match name.as_str() {
                "EQUALS" => Some(Self::Equals),
                "NOT_EQUALS" => Some(Self::NotEquals),
                "GREATER_THAN" => Some(Self::GreaterThan),
                "GREATER_THAN_EQUALS" => Some(Self::GreaterThanEquals),
                "LESS_THAN" => Some(Self::LessThan),
                "LESS_THAN_EQUALS" => Some(Self::LessThanEquals),
                "IN" => Some(Self::In),
                "IS_SUBSTRING" => Some(Self::IsSubstring),
                other => by_number(other.parse().ok()?),
            },
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Predicate {
    field: &'static str,
    operation: Operation,
    values: Vec<Value>,
}

/// A predicate field in protojson, which reads both snake_case and lowerCamelCase.
fn either<'a>(predicate: &'a Value, snake: &str, camel: &str) -> Option<&'a Value> {
    predicate.get(snake).or_else(|| predicate.get(camel))
}

fn parse_filter(text: &str, listable: &Listable) -> Result<Vec<Predicate>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let filter: Value = serde_json::from_str(text)
        .map_err(|error| format!("the filter is not valid JSON: {error}"))?;
    let predicates = match filter.get("predicates") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(predicates)) => predicates,
        Some(_) => return Err("the filter's predicates must be a list".into()),
    };
    predicates
        .iter()
        .map(|predicate| {
            let key = predicate
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let field = listable.field(key).ok_or_else(|| {
                format!(
                    "cannot filter {}s by {key:?}; the fields are {}",
                    listable.kind,
                    listable.fields.join(", ")
                )
            })?;
            let operation = predicate
                .get("operation")
                .and_then(Operation::parse)
                .ok_or_else(|| format!("the filter on {key} has no valid operation"))?;
            let single = [
                ("string_value", "stringValue"),
                ("int_value", "intValue"),
                ("long_value", "longValue"),
                ("timestamp_value", "timestampValue"),
            ]
            .iter()
            .find_map(|(snake, camel)| either(predicate, snake, camel));
            let many = [
                ("string_values", "stringValues"),
                ("int_values", "intValues"),
                ("long_values", "longValues"),
            ]
            .iter()
            .find_map(|(snake, camel)| either(predicate, snake, camel));
            let values = match (single, many) {
                (Some(value), _) => vec![value.clone()],
                (None, Some(list)) => list
                    .get("values")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                (None, None) => return Err(format!("the filter on {key} has no value")),
            };
            Ok(Predicate {
                field,
                operation,
                values,
            })
        })
        .collect()
}

/// Seconds since the epoch of an RFC 3339 text or a number (of seconds) in text or JSON.
fn seconds(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text
            .parse::<jiff::Timestamp>()
            .map(|at| at.as_second())
            .ok()
            .or_else(|| text.trim().parse().ok()),
        _ => None,
    }
}

/// A comparable form of a field's value: times as seconds, the rest as text or numbers.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Missing,
    Number(f64),
    Text(String),
}

impl Key {
    fn of(field: &str, value: Option<&Value>) -> Self {
        let Some(value) = value.filter(|value| !value.is_null()) else {
            return Self::Missing;
        };
        if TIME_FIELDS.contains(&field) {
            return seconds(value).map_or(Self::Missing, |s| Self::Number(s as f64));
        }
        match value {
            Value::Number(number) => Self::Number(number.as_f64().unwrap_or_default()),
            Value::String(text) => Self::Text(text.clone()),
            other => Self::Text(other.to_string()),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Missing => Value::Null,
            Self::Number(number) => json!(number),
            Self::Text(text) => json!(text),
        }
    }

    fn from_json(value: &Value) -> Self {
        match value {
            Value::Number(number) => Self::Number(number.as_f64().unwrap_or_default()),
            Value::String(text) => Self::Text(text.clone()),
            _ => Self::Missing,
        }
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Missing, Self::Missing) => Ordering::Equal,
            (Self::Missing, _) => Ordering::Less,
            (_, Self::Missing) => Ordering::Greater,
            (Self::Number(a), Self::Number(b)) => a.total_cmp(b),
            (Self::Number(_), Self::Text(_)) => Ordering::Less,
            (Self::Text(_), Self::Number(_)) => Ordering::Greater,
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
        }
    }
}

fn matches(item: &Value, predicate: &Predicate) -> bool {
    let field = predicate.field;
    let actual = item.get(field);
    let is_time = TIME_FIELDS.contains(&field);
    let text_of = |value: &Value| match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let compare = |wanted: &Value| -> Option<Ordering> {
        if is_time {
            return Some(seconds(actual?)?.cmp(&seconds(wanted)?));
        }
        let have = actual.map(text_of).unwrap_or_default();
        let want = text_of(wanted);
        match (have.parse::<f64>(), want.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ => Some(have.cmp(&want)),
        }
    };
    let first = predicate.values.first().unwrap_or(&Value::Null);
    match predicate.operation {
        Operation::Equals => compare(first) == Some(Ordering::Equal),
        Operation::NotEquals => compare(first) != Some(Ordering::Equal),
        Operation::GreaterThan => compare(first) == Some(Ordering::Greater),
        Operation::GreaterThanEquals => compare(first).is_some_and(Ordering::is_ge),
        Operation::LessThan => compare(first) == Some(Ordering::Less),
        Operation::LessThanEquals => compare(first).is_some_and(Ordering::is_le),
        Operation::In => predicate
            .values
            .iter()
            .any(|value| compare(value) == Some(Ordering::Equal)),
        Operation::IsSubstring => actual
            .map(text_of)
            .is_some_and(|have| have.contains(&text_of(first))),
    }
}

#[derive(Debug, Clone)]
struct Sort {
    field: &'static str,
    descending: bool,
}

fn parse_sort(text: &str, listable: &Listable) -> Result<Sort, String> {
    let mut words = text.split_whitespace();
    let Some(name) = words.next() else {
        return Ok(Sort {
            field: "created_at",
            descending: false,
        });
    };
    let field = listable.field(name).ok_or_else(|| {
        format!(
            "Invalid sorting field: {name:?} on listable type {}; sort by one of {}",
            listable.kind,
            listable.fields.join(", ")
        )
    })?;
    let descending = match words.next() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => return Err(format!("the sort order {other:?} is not asc or desc")),
    };
    if words.next().is_some() {
        return Err(format!(
            "cannot sort by {text:?}: give one field and asc or desc"
        ));
    }
    Ok(Sort { field, descending })
}

fn encode_token(sort_by: &str, filter: &str, key: &Key, id: &str) -> String {
    let token = json!({ "sort_by": sort_by, "filter": filter, "key": key.to_json(), "id": id });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

/// Sort, filter and `after` (key and id of the last item shown) from a page token.
fn decode_token(token: &str) -> Result<(String, String, Key, String), String> {
    let invalid = || "Invalid input error: the page_token is not one this server gave".to_string();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim().trim_end_matches('='))
        .map_err(|_| invalid())?;
    let token: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let text = |field: &str| token.get(field).and_then(Value::as_str).map(str::to_owned);
    Ok((
        text("sort_by").ok_or_else(invalid)?,
        text("filter").unwrap_or_default(),
        Key::from_json(token.get("key").unwrap_or(&Value::Null)),
        text("id").ok_or_else(invalid)?,
    ))
}

fn page_size(query: &HashMap<String, String>) -> Result<usize, String> {
    let Some(text) = query
        .get("page_size")
        .filter(|text| !text.trim().is_empty())
    else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    let size: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("the page_size {text:?} is not a number"))?;
    match size {
        ..0 => Err(format!(
            "The page size should be greater than 0. Got {size}"
        )),
        0 => Ok(DEFAULT_PAGE_SIZE),
        size => Ok((size as usize).min(MAX_PAGE_SIZE)),
    }
}

/// One page of `items` as the query asks: filtered, sorted (ties by id), from the token on.
pub fn page(
    items: Vec<Value>,
    query: &HashMap<String, String>,
    listable: &Listable,
) -> Result<Page, String> {
    let size = page_size(query)?;
    let (sort_by, filter, after) = match query.get("page_token").filter(|t| !t.is_empty()) {
        Some(token) => {
            let (sort_by, filter, key, id) = decode_token(token)?;
            (sort_by, filter, Some((key, id)))
        }
        None => (
            query.get("sort_by").cloned().unwrap_or_default(),
            query.get("filter").cloned().unwrap_or_default(),
            None,
        ),
    };
    let sort = parse_sort(&sort_by, listable)?;
    let predicates = parse_filter(&filter, listable)?;
    let id_of = |item: &Value| {
        item.get(listable.id)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut keyed: Vec<(Key, String, Value)> = items
        .into_iter()
        .filter(|item| predicates.iter().all(|predicate| matches(item, predicate)))
        .map(|item| {
            (
                Key::of(sort.field, item.get(sort.field)),
                id_of(&item),
                item,
            )
        })
        .collect();
    let order = |a: (&Key, &String), b: (&Key, &String)| {
        let ordering = a.0.cmp(b.0).then_with(|| a.1.cmp(b.1));
        if sort.descending {
            ordering.reverse()
        } else {
            ordering
        }
    };
    keyed.sort_by(|a, b| order((&a.0, &a.1), (&b.0, &b.1)));
    let total_size = keyed.len();
    let start = match &after {
        Some((key, id)) => keyed
            .iter()
            .position(|(k, i, _)| order((k, i), (key, id)) == Ordering::Greater)
            .unwrap_or(total_size),
        None => 0,
    };
    let end = (start + size).min(total_size);
    let next_page_token = (end < total_size).then(|| {
        let (key, id, _) = &keyed[end - 1];
        encode_token(&sort_by, &filter, key, id)
    });
    let items = keyed.drain(start..end).map(|(_, _, item)| item).collect();
    Ok(Page {
        items,
        total_size,
        next_page_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, name: &str, state: &str, created: &str) -> Value {
        json!({ "run_id": id, "display_name": name, "state": state, "created_at": created, "storage_state": "AVAILABLE", "experiment_id": "e1" })
    }

    fn runs() -> Vec<Value> {
        vec![
            run("a", "train small", "SUCCEEDED", "2026-01-01T10:00:00Z"),
            run("b", "train big", "FAILED", "2026-01-01T11:00:00Z"),
            run("c", "evaluate", "RUNNING", "2026-01-01T12:00:00Z"),
            run("d", "train again", "FAILED", "2026-01-01T12:00:00Z"),
            run("e", "report", "SUCCEEDED", "2026-01-02T09:00:00Z"),
        ]
    }

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ids(page: &Page) -> Vec<&str> {
        page.items
            .iter()
            .map(|item| item["run_id"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn filters_by_state_name_and_time_as_kfp_writes_them() {
        let filter = r#"{"predicates":[{"key":"state","operation":"EQUALS","string_value":"FAILED"},{"key":"display_name","operation":"IS_SUBSTRING","string_value":"train"}]}"#;
        let page = page(runs(), &query(&[("filter", filter)]), &RUNS).unwrap();
        assert_eq!(ids(&page), ["b", "d"]);
        assert_eq!(page.total_size, 2);

        let newer = r#"{"predicates":[{"key":"created_at","operation":"GREATER_THAN","timestamp_value":"2026-01-01T11:30:00Z"}]}"#;
        assert_eq!(ids(&page_of(newer)), ["c", "d", "e"]);
        let older = r#"{"predicates":[{"key":"created_at","operation":"LESS_THAN","long_value":"1767265200"}]}"#;
        assert_eq!(ids(&page_of(older)), ["a"]);
        let either = r#"{"predicates":[{"key":"state","operation":"IN","string_values":{"values":["RUNNING","SUCCEEDED"]}}]}"#;
        assert_eq!(ids(&page_of(either)), ["a", "c", "e"]);
        let not_failed = r#"{"predicates":[{"key":"name","operation":"NOT_EQUALS","stringValue":"evaluate"},{"key":"state","operation":2,"string_value":"FAILED"}]}"#;
        assert_eq!(ids(&page_of(not_failed)), ["a", "e"]);
    }

    fn page_of(filter: &str) -> Page {
        page(runs(), &query(&[("filter", filter)]), &RUNS).unwrap()
    }

    #[test]
    fn sorts_with_ties_broken_by_id() {
        let newest = page(runs(), &query(&[("sort_by", "created_at desc")]), &RUNS).unwrap();
        assert_eq!(ids(&newest), ["e", "d", "c", "b", "a"]);
        let by_name = page(runs(), &query(&[("sort_by", "name")]), &RUNS).unwrap();
        assert_eq!(ids(&by_name), ["c", "e", "d", "b", "a"]);
    }

    #[test]
    fn pages_follow_the_token_with_its_sort_and_filter() {
        let first = page(
            runs(),
            &query(&[("page_size", "2"), ("sort_by", "created_at desc")]),
            &RUNS,
        )
        .unwrap();
        assert_eq!(ids(&first), ["e", "d"]);
        assert_eq!(first.total_size, 5);
        let token = first.next_page_token.clone().unwrap();
        // The token keeps the sort: a different sort_by alongside it is ignored, as in KFP.
        let second = page(
            runs(),
            &query(&[
                ("page_size", "2"),
                ("page_token", &token),
                ("sort_by", "name"),
            ]),
            &RUNS,
        )
        .unwrap();
        assert_eq!(ids(&second), ["c", "b"]);
        let third = page(
            runs(),
            &query(&[
                ("page_size", "2"),
                ("page_token", &second.next_page_token.unwrap()),
            ]),
            &RUNS,
        )
        .unwrap();
        assert_eq!(ids(&third), ["a"]);
        assert_eq!(third.next_page_token, None);
        // An item added before the cursor doesn't repeat what was shown.
        let mut more = runs();
        more.push(run("f", "late", "RUNNING", "2026-01-03T00:00:00Z"));
        let again = page(
            more,
            &query(&[("page_size", "2"), ("page_token", &token)]),
            &RUNS,
        )
        .unwrap();
        assert_eq!(ids(&again), ["c", "b"]);
    }

    #[test]
    fn page_sizes_default_cap_and_refuse_negatives() {
        let many: Vec<Value> = (0..250)
            .map(|i| run(&format!("r{i:03}"), "x", "RUNNING", "2026-01-01T00:00:00Z"))
            .collect();
        assert_eq!(
            page(many.clone(), &query(&[]), &RUNS).unwrap().items.len(),
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(
            page(many, &query(&[("page_size", "1000")]), &RUNS)
                .unwrap()
                .items
                .len(),
            MAX_PAGE_SIZE
        );
        assert!(
            page(runs(), &query(&[("page_size", "-1")]), &RUNS)
                .unwrap_err()
                .contains("greater than 0")
        );
    }

    #[test]
    fn bad_options_say_what_is_wrong() {
        for (key, value, expected) in [
            ("sort_by", "colour", "Invalid sorting field"),
            ("sort_by", "created_at sideways", "asc or desc"),
            ("filter", "{not json", "not valid JSON"),
            (
                "filter",
                r#"{"predicates":[{"key":"colour","operation":"EQUALS","string_value":"x"}]}"#,
                "cannot filter Runs by \"colour\"",
            ),
            (
                "filter",
                r#"{"predicates":[{"key":"state","operation":"LIKE","string_value":"x"}]}"#,
                "no valid operation",
            ),
            ("page_token", "garbage!", "page_token"),
        ] {
            let error = page(runs(), &query(&[(key, value)]), &RUNS).unwrap_err();
            assert!(error.contains(expected), "{key}={value}: {error}");
        }
    }

    #[test]
    fn responses_leave_out_empty_fields() {
        let empty = page(Vec::new(), &query(&[]), &RUNS)
            .unwrap()
            .response("runs");
        assert_eq!(empty, json!({}));
        let full = page(runs(), &query(&[("page_size", "1")]), &RUNS)
            .unwrap()
            .response("runs");
        assert_eq!(full["total_size"], 5);
        assert!(full["next_page_token"].is_string());
        assert_eq!(full["runs"].as_array().unwrap().len(), 1);
    }
}
