//! Notebooks with their pods and events, indexed by notebook: what the list and the live
//! stream both build rows from. Objects are plain JSON as the API server sends them.

use crate::domain::notebook_status::notebook_row;
use crate::model::NotebookRow;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// (namespace, notebook name)
pub type Key = (String, String);

/// Events kept per notebook: enough for the newest reason, bounded for huge namespaces.
const EVENTS_PER_NOTEBOOK: usize = 16;

#[derive(Debug, Default)]
pub struct NotebookIndex {
    notebooks: BTreeMap<Key, Value>,
    /// By the notebook the pod belongs to (label `notebook-name`).
    pods: HashMap<Key, Value>,
    /// Newest last.
    events: HashMap<Key, VecDeque<Value>>,
}

fn text<'a>(object: &'a Value, pointer: &str) -> Option<&'a str> {
    object.pointer(pointer).and_then(Value::as_str)
}

/// The notebook a pod belongs to.
pub fn pod_owner(pod: &Value) -> Option<Key> {
    Some((
        text(pod, "/metadata/namespace")?.to_string(),
        text(pod, "/metadata/labels/notebook-name")?.to_string(),
    ))
}

/// The notebook an event is about: the notebook itself, its StatefulSet, or its pod
/// (`<name>-0`). Other events are not about notebooks.
pub fn event_subject(event: &Value) -> Option<Key> {
    let namespace =
        text(event, "/involvedObject/namespace").or_else(|| text(event, "/metadata/namespace"))?;
    let name = text(event, "/involvedObject/name")?;
    let notebook = match text(event, "/involvedObject/kind")? {
        "Notebook" | "StatefulSet" => name,
        "Pod" => name.rsplit_once('-').map(|(owner, _)| owner)?,
        _ => return None,
    };
    Some((namespace.to_string(), notebook.to_string()))
}

fn key_of(object: &Value) -> Option<Key> {
    Some((
        text(object, "/metadata/namespace")?.to_string(),
        text(object, "/metadata/name")?.to_string(),
    ))
}

fn event_time(event: &Value) -> &str {
    text(event, "/lastTimestamp")
        .or_else(|| text(event, "/eventTime"))
        .or_else(|| text(event, "/metadata/creationTimestamp"))
        .unwrap_or_default()
}

impl NotebookIndex {
    pub fn new(notebooks: Vec<Value>, pods: Vec<Value>, events: Vec<Value>) -> Self {
        let mut index = Self::default();
        index.replace_notebooks(notebooks);
        index.replace_pods(pods);
        index.replace_events(events);
        index
    }

    pub fn len(&self) -> usize {
        self.notebooks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.notebooks.is_empty()
    }

    /// Starts over with a fresh list of notebooks (a watch that had to re-list).
    pub fn replace_notebooks(&mut self, notebooks: Vec<Value>) {
        self.notebooks.clear();
        for notebook in notebooks {
            self.put_notebook(notebook);
        }
    }

    pub fn replace_pods(&mut self, pods: Vec<Value>) {
        self.pods.clear();
        for pod in pods {
            self.put_pod(pod);
        }
    }

    pub fn replace_events(&mut self, mut events: Vec<Value>) {
        self.events.clear();
        events.sort_by(|a, b| event_time(a).cmp(event_time(b)));
        for event in events {
            self.put_event(event);
        }
    }

    /// Adds or replaces a notebook; returns its key.
    pub fn put_notebook(&mut self, notebook: Value) -> Option<Key> {
        let key = key_of(&notebook)?;
        self.notebooks.insert(key.clone(), notebook);
        Some(key)
    }

    pub fn remove_notebook(&mut self, notebook: &Value) -> Option<Key> {
        let key = key_of(notebook)?;
        self.notebooks.remove(&key);
        self.pods.remove(&key);
        self.events.remove(&key);
        Some(key)
    }

    pub fn put_pod(&mut self, pod: Value) -> Option<Key> {
        let key = pod_owner(&pod)?;
        self.pods.insert(key.clone(), pod);
        Some(key)
    }

    pub fn remove_pod(&mut self, pod: &Value) -> Option<Key> {
        let key = pod_owner(pod)?;
        // A newer pod of the same notebook may already be here (a restart): keep it.
        if self.pods.get(&key).and_then(|p| text(p, "/metadata/uid")) == text(pod, "/metadata/uid")
        {
            self.pods.remove(&key);
        }
        Some(key)
    }

    /// Records an event (replacing an older copy of the same event); returns the notebook it
    /// is about.
    pub fn put_event(&mut self, event: Value) -> Option<Key> {
        let key = event_subject(&event)?;
        let uid = text(&event, "/metadata/uid").map(str::to_owned);
        let events = self.events.entry(key.clone()).or_default();
        if uid.is_some() {
            events.retain(|known| text(known, "/metadata/uid") != uid.as_deref());
        }
        events.push_back(event);
        while events.len() > EVENTS_PER_NOTEBOOK {
            events.pop_front();
        }
        Some(key)
    }

    /// The notebook's row, if the notebook is known.
    pub fn row(&self, key: &Key) -> Option<NotebookRow> {
        let notebook = self.notebooks.get(key)?;
        let events: Vec<&Value> = self
            .events
            .get(key)
            .map(|events| events.iter().collect())
            .unwrap_or_default();
        Some(notebook_row(notebook, self.pods.get(key), &events))
    }

    /// Every row, by namespace then name.
    pub fn rows(&self) -> Vec<NotebookRow> {
        self.notebooks
            .keys()
            .filter_map(|key| self.row(key))
            .collect()
    }

    pub fn notebook(&self, key: &Key) -> Option<&Value> {
        self.notebooks.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notebook(name: &str) -> Value {
        json!({
            "apiVersion": "kubeflow.org/v1", "kind": "Notebook",
            "metadata": { "name": name, "namespace": "team", "creationTimestamp": "2026-11-01T10:00:00Z" },
            "spec": { "template": { "spec": { "containers": [{ "name": name, "image": "jupyter" }] } } },
        })
    }

    fn event(kind: &str, name: &str, uid: &str, reason: &str, at: &str) -> Value {
        json!({
            "metadata": { "name": format!("{name}.{uid}"), "namespace": "team", "uid": uid },
            "involvedObject": { "kind": kind, "name": name, "namespace": "team" },
            "type": "Warning", "reason": reason, "message": reason, "lastTimestamp": at,
        })
    }

    #[test]
    fn events_find_their_notebook_through_pod_statefulset_or_itself() {
        let key = ("team".to_string(), "a-b".to_string());
        assert_eq!(
            event_subject(&event("Pod", "a-b-0", "1", "x", "")),
            Some(key.clone())
        );
        assert_eq!(
            event_subject(&event("StatefulSet", "a-b", "1", "x", "")),
            Some(key.clone())
        );
        assert_eq!(
            event_subject(&event("Notebook", "a-b", "1", "x", "")),
            Some(key)
        );
        assert_eq!(event_subject(&event("Service", "a-b", "1", "x", "")), None);
    }

    #[test]
    fn events_are_bounded_and_deduplicated_per_notebook() {
        let mut index = NotebookIndex::new(vec![notebook("nb")], vec![], vec![]);
        for i in 0..40 {
            index.put_event(event(
                "Pod",
                "nb-0",
                &format!("u{i}"),
                "r",
                "2026-11-01T10:00:00Z",
            ));
        }
        index.put_event(event("Pod", "nb-0", "u39", "again", "2026-11-01T10:00:01Z"));
        let key = ("team".to_string(), "nb".to_string());
        let kept = &index.events[&key];
        assert_eq!(kept.len(), EVENTS_PER_NOTEBOOK);
        assert_eq!(kept.back().unwrap()["reason"], "again");
        assert_eq!(
            kept.iter()
                .filter(|e| e["metadata"]["uid"] == "u39")
                .count(),
            1
        );
    }

    #[test]
    fn removing_an_old_pod_keeps_its_replacement() {
        let pod = |uid: &str| json!({ "metadata": { "name": "nb-0", "namespace": "team", "uid": uid, "labels": { "notebook-name": "nb" } } });
        let mut index = NotebookIndex::new(vec![notebook("nb")], vec![pod("new")], vec![]);
        index.remove_pod(&pod("old"));
        assert!(index.pods.contains_key(&("team".into(), "nb".into())));
        index.remove_pod(&pod("new"));
        assert!(index.pods.is_empty());
    }

    #[test]
    fn rows_follow_notebooks_in_order() {
        let mut index = NotebookIndex::new(vec![notebook("b"), notebook("a")], vec![], vec![]);
        assert_eq!(
            index
                .rows()
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        index.remove_notebook(&notebook("a"));
        assert_eq!(index.len(), 1);
    }
}
