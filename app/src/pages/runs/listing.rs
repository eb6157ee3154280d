//! The rows the runs table holds across "Load more" and refreshes: pages appended without
//! repeats, a refresh that replaces the rows it covered, and an action's effect shown before
//! the next refresh confirms it. Pure.

use crate::model::kfp::{RunAction, RunList, RunRow, RunState};
use std::collections::HashSet;

/// `page` after the rows already loaded; a run already shown (moved by a new run at the top
/// since) is not shown twice.
pub fn append_page(current: Option<RunList>, page: RunList) -> RunList {
    let Some(mut current) = current else {
        return page;
    };
    let shown: HashSet<String> = current.rows.iter().map(|row| row.id.clone()).collect();
    current
        .rows
        .extend(page.rows.into_iter().filter(|row| !shown.contains(&row.id)));
    current.next_page_token = page.next_page_token;
    current.total = page.total;
    current
}

/// A refresh asked for the first `asked` rows and got `fresh`: they replace the first rows.
/// Rows loaded beyond `asked` stay after them, and so does the token that continues past them.
pub fn merge_refresh(current: Option<RunList>, fresh: RunList, asked: usize) -> RunList {
    match current {
        Some(current) if current.rows.len() > asked => {
            let refreshed: HashSet<String> = fresh.rows.iter().map(|row| row.id.clone()).collect();
            let mut rows = fresh.rows;
            rows.extend(
                current
                    .rows
                    .into_iter()
                    .skip(asked)
                    .filter(|row| !refreshed.contains(&row.id)),
            );
            RunList {
                rows,
                next_page_token: current.next_page_token,
                total: fresh.total,
            }
        }
        _ => fresh,
    }
}

/// The rows as they will be once KFP has done `action` to run `id`: an archived (restored) run
/// leaves the view of active (archived) runs; a terminated one is canceling; a retried one runs.
pub fn after_action(current: Option<RunList>, id: &str, action: RunAction) -> Option<RunList> {
    let mut list = current?;
    match action {
        RunAction::Archive | RunAction::Unarchive => {
            let before = list.rows.len();
            list.rows.retain(|row| row.id != id);
            let removed = (before - list.rows.len()) as u64;
            list.total = list.total.saturating_sub(removed);
        }
        RunAction::Terminate | RunAction::Retry => {
            if let Some(row) = list.rows.iter_mut().find(|row| row.id == id) {
                after_action_on(row, action);
            }
        }
    }
    Some(list)
}

/// The run as it will be once KFP has done `action`: terminated, it is canceling; retried, it
/// runs again; archived or restored, it says so.
pub fn after_action_on(row: &mut RunRow, action: RunAction) {
    match action {
        RunAction::Terminate => row.state = RunState::Canceling,
        RunAction::Retry => {
            row.state = RunState::Running;
            row.finished_at = None;
            row.error = None;
        }
        RunAction::Archive => row.archived = true,
        RunAction::Unarchive => row.archived = false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str) -> RunRow {
        RunRow {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            experiment_id: None,
            pipeline_id: None,
            version_id: None,
            state: RunState::Succeeded,
            created_at: None,
            finished_at: Some("2026-11-22T10:00:00Z".into()),
            archived: false,
            error: None,
            parameters: Vec::new(),
        }
    }

    fn list(ids: &[&str], next: Option<&str>) -> RunList {
        RunList {
            rows: ids.iter().map(|id| row(id)).collect(),
            next_page_token: next.map(str::to_owned),
            total: 10,
        }
    }

    fn ids(list: &RunList) -> Vec<&str> {
        list.rows.iter().map(|row| row.id.as_str()).collect()
    }

    #[test]
    fn pages_append_without_repeating_a_run() {
        let first = list(&["a", "b"], Some("t1"));
        let next = append_page(Some(first), list(&["b", "c"], Some("t2")));
        assert_eq!(ids(&next), ["a", "b", "c"]);
        assert_eq!(next.next_page_token.as_deref(), Some("t2"));
        let last = append_page(Some(next), list(&["d"], None));
        assert_eq!(last.next_page_token, None);
        assert_eq!(ids(&append_page(None, list(&["x"], None))), ["x"]);
    }

    #[test]
    fn a_refresh_replaces_what_it_covered_and_keeps_what_it_did_not() {
        // Everything on screen was asked for: the answer is the list, token and all.
        let all = merge_refresh(
            Some(list(&["a", "b"], None)),
            list(&["n", "a"], Some("t")),
            50,
        );
        assert_eq!(ids(&all), ["n", "a"]);
        assert_eq!(all.next_page_token.as_deref(), Some("t"));
        // More rows than one request holds: the tail stays, with its token.
        let current = list(&["a", "b", "c", "d"], Some("t-after-d"));
        let merged = merge_refresh(Some(current), list(&["n", "a"], Some("t-after-a")), 2);
        assert_eq!(ids(&merged), ["n", "a", "c", "d"]);
        assert_eq!(merged.next_page_token.as_deref(), Some("t-after-d"));
    }

    #[test]
    fn actions_show_before_the_refresh() {
        let mut current = list(&["a", "b"], None);
        current.rows[0].state = RunState::Running;
        current.rows[0].finished_at = None;
        let terminated = after_action(Some(current.clone()), "a", RunAction::Terminate).unwrap();
        assert_eq!(terminated.rows[0].state, RunState::Canceling);
        let archived = after_action(Some(current), "b", RunAction::Archive).unwrap();
        assert_eq!(ids(&archived), ["a"]);
        assert_eq!(archived.total, 9);
        let retried = after_action(Some(list(&["a"], None)), "a", RunAction::Retry).unwrap();
        assert_eq!(retried.rows[0].state, RunState::Running);
        assert_eq!(retried.rows[0].finished_at, None);
        assert!(after_action(None, "a", RunAction::Retry).is_none());
    }
}
