//! Reading only part of a JSON document while it is parsed. [`Pick`] names the fields to keep,
//! nested; everything else is skipped by the parser instead of being built into values and
//! dropped. Used where a list response is mostly bytes nobody reads (an experiment's trials
//! each carry the whole job they run).
//!
//! Forgiving by design, as the readers of its output are: where a picked field is not an
//! object, it reads as null rather than failing the whole document.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// What to keep of a value.
#[derive(Debug, Clone, Copy)]
pub enum Pick {
    /// The whole value.
    All,
    /// These fields of an object (each picked in turn); other fields are skipped.
    Fields(&'static [(&'static str, Pick)]),
}

impl<'de> DeserializeSeed<'de> for Pick {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        match self {
            Pick::All => serde::Deserialize::deserialize(deserializer),
            Pick::Fields(fields) => deserializer.deserialize_any(FieldsVisitor(fields)),
        }
    }
}

/// An object's key: which picked field it is, if any, found without allocating it.
struct Key(&'static [(&'static str, Pick)]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<(&'static str, Pick)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Option<(&'static str, Pick)>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|(name, _)| *name == key).copied())
    }
}

struct FieldsVisitor(&'static [(&'static str, Pick)]);

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Map::new();
        while let Some(found) = map.next_key_seed(Key(self.0))? {
            match found {
                Some((name, pick)) => {
                    let value = map.next_value_seed(pick)?;
                    kept.insert(name.to_string(), value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(kept))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `text` parsed, keeping only what `pick` picks.
    fn parse(pick: Pick, text: &str) -> serde_json::Result<Value> {
        pick.deserialize(&mut serde_json::Deserializer::from_str(text))
    }

    const TRIAL: Pick = Pick::Fields(&[
        (
            "metadata",
            Pick::Fields(&[("name", Pick::All), ("labels", Pick::All)]),
        ),
        ("status", Pick::All),
    ]);

    #[test]
    fn keeps_the_picked_fields_whole_and_nothing_else() {
        let text = r#"{"kind": "Trial", "metadata": {"name": "t1", "managedFields": [{"a": 1}],
            "labels": {"x": "y"}, "uid": "u"}, "spec": {"runSpec": {"big": [1, 2, 3]}},
            "status": {"conditions": [{"type": "Succeeded"}], "n": 1.5}}"#;
        assert_eq!(
            parse(TRIAL, text).unwrap(),
            json!({"metadata": {"name": "t1", "labels": {"x": "y"}},
                   "status": {"conditions": [{"type": "Succeeded"}], "n": 1.5}})
        );
    }

    #[test]
    fn a_picked_object_that_is_something_else_reads_as_null() {
        for odd in [
            "null",
            "\"text\"",
            "[1, {\"a\": 2}]",
            "3",
            "-3",
            "2.5",
            "true",
        ] {
            let text = format!(r#"{{"metadata": {odd}, "status": {odd}}}"#);
            let picked = parse(TRIAL, &text).unwrap();
            assert_eq!(picked["metadata"], Value::Null, "{odd}");
            assert_eq!(
                picked["status"],
                serde_json::from_str::<Value>(odd).unwrap()
            );
        }
        // A whole document that isn't an object, too.
        assert_eq!(parse(TRIAL, "[]").unwrap(), Value::Null);
    }

    #[test]
    fn broken_json_is_still_an_error() {
        assert!(parse(TRIAL, r#"{"metadata": {"name": }"#).is_err());
        assert!(parse(TRIAL, r#"{"spec": {"runSpec": [1, 2}}"#).is_err());
    }

    #[test]
    fn escaped_keys_are_matched_as_text() {
        let picked = parse(TRIAL, r#"{"meta\u0064ata": {"na\u006De": "t"}}"#).unwrap();
        assert_eq!(picked, json!({"metadata": {"name": "t"}}));
    }
}
