//! How runs and their steps read on the page: durations, times, parameter summaries, labels,
//! and which actions a run allows. Pure, so both pages and their tests share it.

use crate::domain::notebook_list::epoch_seconds;
use crate::model::kfp::{RunAction, RunRow, RunState};
use crate::model::pipeline::NodePhase;

/// The longest parameter summary a table cell shows; the whole list is in its tooltip.
const SUMMARY_CHARS: usize = 60;

/// "45 s", "3 min 12 s", "2 h 5 min", "3 d 4 h".
pub fn duration_text(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes, rest) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{rest} s"),
        (0, 0, _) if rest == 0 => format!("{minutes} min"),
        (0, 0, _) => format!("{minutes} min {rest} s"),
        (0, _, 0) => format!("{hours} h"),
        (0, _, _) => format!("{hours} h {minutes} min"),
        (_, 0, _) => format!("{days} d"),
        _ => format!("{days} d {hours} h"),
    }
}

/// How long something that started at `start` took (until `end`), or has taken so far (until
/// `now`) when it hasn't ended. None without a readable start.
pub fn duration_between(start: Option<&str>, end: Option<&str>, now: i64) -> Option<String> {
    let start = epoch_seconds(start?)?;
    let end = match end {
        Some(end) => epoch_seconds(end)?,
        None => now,
    };
    Some(duration_text(end - start))
}

/// `2026-11-22T10:00:00.123Z` → `2026-11-22 10:00:00 UTC`; anything else as it is.
pub fn timestamp_text(time: &str) -> String {
    let Some((date, clock)) = time.split_once('T') else {
        return time.to_string();
    };
    let utc = clock.ends_with('Z');
    let clock = clock.trim_end_matches('Z');
    let clock = clock.split('.').next().unwrap_or(clock);
    if utc {
        format!("{date} {clock} UTC")
    } else {
        format!("{date} {clock}")
    }
}

/// `learning_rate=0.1, epochs=3`, cut to fit a table cell; "—" when there are none.
pub fn parameters_summary(parameters: &[(String, String)]) -> String {
    if parameters.is_empty() {
        return "—".into();
    }
    let full = parameters_text(parameters);
    if full.chars().count() <= SUMMARY_CHARS {
        return full;
    }
    let mut cut: String = full.chars().take(SUMMARY_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Every parameter, `name=value`, comma-separated.
pub fn parameters_text(parameters: &[(String, String)]) -> String {
    parameters
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What can be done to the run now: terminate while it goes, retry once it failed, and
/// archive or restore it.
pub fn available_actions(row: &RunRow) -> Vec<RunAction> {
    let mut actions = Vec::new();
    if !row.state.is_finished() && row.state != RunState::Canceling {
        actions.push(RunAction::Terminate);
    }
    if row.state == RunState::Failed {
        actions.push(RunAction::Retry);
    }
    actions.push(if row.archived {
        RunAction::Unarchive
    } else {
        RunAction::Archive
    });
    actions
}

/// The run state as a word for selectors and tests: `running`, `failed`…
pub fn state_slug(state: RunState) -> String {
    state.label().to_ascii_lowercase()
}

/// The state badge's colour, from the notebook status styles.
pub fn state_class(state: RunState) -> &'static str {
    match state {
        RunState::Succeeded => "state--ready",
        RunState::Pending | RunState::Running => "state--waiting",
        RunState::Failed => "state--error",
        RunState::Paused => "state--warning",
        RunState::Canceling => "state--terminating",
        RunState::Skipped | RunState::Canceled | RunState::Unknown => "state--stopped",
    }
}

pub fn phase_label(phase: NodePhase) -> &'static str {
    match phase {
        NodePhase::Pending => "Pending",
        NodePhase::Running => "Running",
        NodePhase::Succeeded => "Succeeded",
        NodePhase::Skipped => "Skipped",
        NodePhase::Failed => "Failed",
        NodePhase::Error => "Error",
        NodePhase::Omitted => "Omitted",
        NodePhase::Terminated => "Terminated",
        NodePhase::Cached => "Cached",
        NodePhase::Unknown => "Unknown",
    }
}

/// A step's phase badge colour, matching its node in the graph.
pub fn phase_class(phase: NodePhase) -> &'static str {
    match phase {
        NodePhase::Succeeded | NodePhase::Cached => "state--ready",
        NodePhase::Running => "state--waiting",
        NodePhase::Failed | NodePhase::Error => "state--error",
        NodePhase::Terminated => "state--warning",
        NodePhase::Pending | NodePhase::Skipped | NodePhase::Omitted | NodePhase::Unknown => {
            "state--stopped"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: RunState, archived: bool) -> RunRow {
        RunRow {
            id: "r".into(),
            name: "run".into(),
            description: String::new(),
            experiment_id: None,
            pipeline_id: None,
            version_id: None,
            state,
            created_at: None,
            finished_at: None,
            archived,
            error: None,
            parameters: Vec::new(),
        }
    }

    #[test]
    fn durations_read_in_the_two_largest_units() {
        assert_eq!(duration_text(0), "0 s");
        assert_eq!(duration_text(45), "45 s");
        assert_eq!(duration_text(120), "2 min");
        assert_eq!(duration_text(192), "3 min 12 s");
        assert_eq!(duration_text(7200), "2 h");
        assert_eq!(duration_text(7500), "2 h 5 min");
        assert_eq!(duration_text(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
        assert_eq!(duration_text(86_400 + 60), "1 d");
        assert_eq!(duration_text(-5), "0 s");
    }

    #[test]
    fn a_duration_runs_to_the_end_or_to_now() {
        let start = Some("2026-11-22T10:00:00Z");
        assert_eq!(
            duration_between(start, Some("2026-11-22T10:01:30Z"), 0).as_deref(),
            Some("1 min 30 s")
        );
        let now = epoch_seconds("2026-11-22T10:00:07Z").unwrap();
        assert_eq!(duration_between(start, None, now).as_deref(), Some("7 s"));
        assert_eq!(duration_between(None, None, now), None);
        assert_eq!(duration_between(Some("yesterday"), None, now), None);
    }

    #[test]
    fn timestamps_lose_their_fraction_and_say_utc() {
        assert_eq!(
            timestamp_text("2026-11-22T10:00:00.123Z"),
            "2026-11-22 10:00:00 UTC"
        );
        assert_eq!(
            timestamp_text("2026-11-22T10:00:00+02:00"),
            "2026-11-22 10:00:00+02:00"
        );
        assert_eq!(timestamp_text("soon"), "soon");
    }

    #[test]
    fn long_parameter_lists_are_cut_with_an_ellipsis() {
        assert_eq!(parameters_summary(&[]), "—");
        let short = [("a".to_string(), "1".to_string()), ("b".into(), "x".into())];
        assert_eq!(parameters_summary(&short), "a=1, b=x");
        let long = [("message".to_string(), "é".repeat(100))];
        let summary = parameters_summary(&long);
        assert_eq!(summary.chars().count(), SUMMARY_CHARS);
        assert!(summary.ends_with('…'));
    }

    #[test]
    fn actions_follow_the_run_state() {
        use RunAction::*;
        assert_eq!(
            available_actions(&row(RunState::Running, false)),
            [Terminate, Archive]
        );
        assert_eq!(
            available_actions(&row(RunState::Canceling, false)),
            [Archive]
        );
        assert_eq!(
            available_actions(&row(RunState::Failed, false)),
            [Retry, Archive]
        );
        assert_eq!(
            available_actions(&row(RunState::Succeeded, true)),
            [Unarchive]
        );
    }
}
