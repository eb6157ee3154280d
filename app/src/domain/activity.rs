//! The activity feed's shape: events newest first, grouped by the day they happened.

use crate::model::ActivityEvent;

/// Groups events (any order) into days, newest day first and newest event first within it.
pub fn by_day(mut events: Vec<ActivityEvent>) -> Vec<(String, Vec<ActivityEvent>)> {
    events.sort_by(|a, b| b.time.cmp(&a.time));
    let mut days: Vec<(String, Vec<ActivityEvent>)> = Vec::new();
    for event in events {
        let day = event.time.get(..10).unwrap_or("unknown").to_string();
        match days.last_mut() {
            Some((current, list)) if *current == day => list.push(event),
            _ => days.push((day, vec![event])),
        }
    }
    days
}

/// `HH:MM` of an RFC 3339 time, for the feed's rows.
pub fn clock(time: &str) -> &str {
    time.get(11..16).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(time: &str, reason: &str) -> ActivityEvent {
        ActivityEvent {
            time: time.into(),
            warning: false,
            reason: reason.into(),
            object: "pod/x".into(),
            message: String::new(),
        }
    }

    #[test]
    fn newest_day_and_event_first() {
        let days = by_day(vec![
            event("2026-11-21T09:00:00Z", "a"),
            event("2026-11-22T08:00:00Z", "b"),
            event("2026-11-22T10:30:00Z", "c"),
        ]);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].0, "2026-11-22");
        assert_eq!(
            days[0]
                .1
                .iter()
                .map(|e| e.reason.as_str())
                .collect::<Vec<_>>(),
            ["c", "b"]
        );
        assert_eq!(days[1].0, "2026-11-21");
        assert_eq!(clock(&days[0].1[0].time), "10:30");
    }

    #[test]
    fn nothing_is_nothing() {
        assert!(by_day(Vec::new()).is_empty());
    }
}
