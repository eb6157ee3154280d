//! Katib's conditions, kept as its controllers keep them: setting a condition moves it to the
//! end of the list (so the last one is the current state), a repeat with the same status and
//! reason changes nothing, and a finished object's `Running` turns `False` in place of
//! disappearing.

use serde_json::{Value, json};

pub fn of(object: &Value) -> Vec<Value> {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub fn find<'a>(conditions: &'a [Value], kind: &str) -> Option<&'a Value> {
    conditions.iter().find(|c| c["type"] == kind)
}

/// Whether the condition is there and `True`.
pub fn is_true(conditions: &[Value], kind: &str) -> bool {
    find(conditions, kind).is_some_and(|c| c["status"] == "True")
}

pub fn remove(conditions: &mut Vec<Value>, kind: &str) {
    conditions.retain(|c| c["type"] != kind);
}

/// Sets a condition at `now` as Katib's `setCondition` does.
pub fn set(
    conditions: &mut Vec<Value>,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
) {
    let current = find(conditions, kind).cloned();
    if let Some(current) = &current
        && current["status"] == status
        && current["reason"] == reason
    {
        return;
    }
    let transition = match &current {
        Some(current) if current["status"] == status => current["lastTransitionTime"].clone(),
        _ => json!(now),
    };
    remove(conditions, kind);
    conditions.push(json!({
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": now,
        "lastTransitionTime": transition,
    }));
}

/// Ends a run: `Running` turns `False` (keeping its reason and message), then `kind` is set.
pub fn finish(conditions: &mut Vec<Value>, kind: &str, reason: &str, message: &str, now: &str) {
    if let Some(running) = find(conditions, "Running").cloned() {
        set(
            conditions,
            "Running",
            "False",
            running["reason"].as_str().unwrap_or_default(),
            running["message"].as_str().unwrap_or_default(),
            now,
        );
    }
    set(conditions, kind, "True", reason, message, now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_condition_is_the_state() {
        let mut conditions = Vec::new();
        set(
            &mut conditions,
            "Created",
            "True",
            "ExperimentCreated",
            "Experiment is created",
            "t1",
        );
        set(
            &mut conditions,
            "Running",
            "True",
            "ExperimentRunning",
            "Experiment is running",
            "t2",
        );
        set(
            &mut conditions,
            "Running",
            "True",
            "ExperimentRunning",
            "ignored",
            "t3",
        );
        assert_eq!(conditions.len(), 2);
        assert_eq!(conditions[1]["lastUpdateTime"], "t2");
        finish(
            &mut conditions,
            "Succeeded",
            "ExperimentMaxTrialsReached",
            "Experiment has succeeded because max trial count has reached",
            "t4",
        );
        let kinds: Vec<&str> = conditions
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["Created", "Running", "Succeeded"]);
        assert_eq!(conditions[1]["status"], "False");
        assert_eq!(conditions[1]["message"], "Experiment is running");
        assert_eq!(conditions[1]["lastTransitionTime"], "t4");
        assert!(is_true(&conditions, "Succeeded"));
        assert!(!is_true(&conditions, "Running"));
    }

    #[test]
    fn a_new_reason_keeps_the_transition_time() {
        let mut conditions = Vec::new();
        set(&mut conditions, "Running", "True", "A", "a", "t1");
        set(&mut conditions, "Running", "True", "B", "b", "t2");
        assert_eq!(conditions[0]["lastTransitionTime"], "t1");
        assert_eq!(conditions[0]["lastUpdateTime"], "t2");
        assert_eq!(conditions[0]["reason"], "B");
    }
}
