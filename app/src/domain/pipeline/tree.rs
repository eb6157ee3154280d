//! A YAML or JSON document as a plain tree whose mapping keys remember their line. The
//! readers walk it instead of deserializing typed structs: each serde deserializer is then
//! instantiated for one type, which keeps the WASM bundle small.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use serde_saphyr::Spanned;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Default)]
pub(super) enum Tree {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    Text(String),
    List(Vec<Tree>),
    /// In file order.
    Map(Vec<(Key, Tree)>),
}

/// A mapping key and where it was written (line 0 when unknown, as in JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    pub text: String,
    pub line: u32,
    pub column: u32,
}

impl Key {
    /// `(line, column)` when known.
    pub fn place(&self) -> Option<(u32, u32)> {
        (self.line > 0).then_some((self.line, self.column))
    }
}

static EMPTY: Tree = Tree::Null;

impl Tree {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> &Tree {
        self.entry(key).map_or(&EMPTY, |(_, value)| value)
    }

    /// The key (with its place) and value of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Tree)> {
        self.entries()
            .iter()
            .find(|(candidate, _)| candidate.text == key)
            .map(|(key, value)| (key, value))
    }

    /// A mapping's entries; none for anything else.
    pub fn entries(&self) -> &[(Key, Tree)] {
        match self {
            Tree::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A list's items; none for anything else.
    pub fn items(&self) -> &[Tree] {
        match self {
            Tree::List(items) => items,
            _ => &[],
        }
    }

    /// A scalar as text (numbers and booleans as written in JSON); None for the rest.
    pub fn text(&self) -> Option<String> {
        match self {
            Tree::Text(text) => Some(text.clone()),
            Tree::Number(number) => Some(number.to_string()),
            Tree::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// Non-empty text at `key`.
    pub fn text_at(&self, key: &str) -> Option<String> {
        self.get(key).text().filter(|text| !text.is_empty())
    }

    /// The texts of a list (a lone scalar counts as a list of one).
    pub fn texts(&self) -> Vec<String> {
        match self {
            Tree::List(items) => items.iter().filter_map(Tree::text).collect(),
            other => other.text().into_iter().collect(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Tree::Null)
    }

    pub fn is_map(&self) -> bool {
        matches!(self, Tree::Map(_))
    }

    /// What it is, for messages: `a list`, `text`…
    pub fn kind(&self) -> &'static str {
        match self {
            Tree::Null => "nothing",
            Tree::Bool(_) => "true/false",
            Tree::Number(_) => "a number",
            Tree::Text(_) => "text",
            Tree::List(_) => "a list",
            Tree::Map(_) => "a mapping",
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(flag) => Value::Bool(*flag),
            Tree::Number(number) => Value::Number(number.clone()),
            Tree::Text(text) => Value::String(text.clone()),
            Tree::List(items) => Value::Array(items.iter().map(Tree::to_json).collect()),
            Tree::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.text.clone(), value.to_json()))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("YAML or JSON data")
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(flag))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Tree, E> {
        Ok(Tree::Number(number.into()))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Tree, E> {
        Ok(Tree::Number(number.into()))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Tree, E> {
        // Non-finite numbers have no JSON form: keep them as written.
        Ok(Number::from_f64(number).map_or_else(|| Tree::Text(number.to_string()), Tree::Number))
    }

    fn visit_str<E>(self, text: &str) -> Result<Tree, E> {
        Ok(Tree::Text(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Tree, E> {
        Ok(Tree::Text(text))
    }

    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }

    fn visit_none<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Tree, D::Error> {
        Tree::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let place = key.referenced;
            let key = Key {
                text: key.value.0,
                line: place.line() as u32,
                column: place.column() as u32,
            };
            entries.push((key, map.next_value()?));
        }
        Ok(Tree::Map(entries))
    }
}

/// A mapping key: any scalar, as text (`1:` and `true:` are keys too). Katib's reader keys
/// its mappings the same way.
pub(crate) struct KeyText(pub(crate) String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = KeyText;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_bool<E>(self, flag: bool) -> Result<KeyText, E> {
        Ok(KeyText(flag.to_string()))
    }

    fn visit_i64<E>(self, number: i64) -> Result<KeyText, E> {
        Ok(KeyText(number.to_string()))
    }

    fn visit_u64<E>(self, number: u64) -> Result<KeyText, E> {
        Ok(KeyText(number.to_string()))
    }

    fn visit_f64<E>(self, number: f64) -> Result<KeyText, E> {
        Ok(KeyText(number.to_string()))
    }

    fn visit_str<E>(self, text: &str) -> Result<KeyText, E> {
        Ok(KeyText(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<KeyText, E> {
        Ok(KeyText(text))
    }

    fn visit_unit<E>(self) -> Result<KeyText, E> {
        Ok(KeyText("null".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_remember_their_line_and_values_their_type() {
        let tree: Tree =
            serde_saphyr::from_str("a: 1\nb:\n  c: [x, true, 2.5]\n  d:\n3: ~\n").unwrap();
        let (key, value) = tree.get("b").entry("c").unwrap();
        assert_eq!((key.line, key.column), (3, 3));
        assert_eq!(value.texts(), ["x", "true", "2.5"]);
        assert!(tree.get("b").get("d").is_null() && tree.get("3").is_null());
        assert_eq!(tree.get("a").to_json(), serde_json::json!(1));
        assert!(tree.get("missing").is_null());

        let json: Tree = serde_json::from_str(r#"{"a": {"b": [1, null]}}"#).unwrap();
        let (key, value) = json.entry("a").unwrap();
        assert_eq!(key.place(), None, "JSON keeps no places");
        assert_eq!(value.get("b").items().len(), 2);
    }
}
