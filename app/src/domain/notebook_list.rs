//! The notebooks table's logic: applying live changes, filtering, sorting, and the short
//! relative times it shows.

use crate::model::{NotebookChange, NotebookRow, StatusPhase};

/// Applies one change from the live stream to the rows.
pub fn apply(rows: &mut Vec<NotebookRow>, change: NotebookChange) {
    match change {
        NotebookChange::Snapshot { rows: fresh } => *rows = fresh,
        NotebookChange::Upsert { row } => {
            match rows
                .iter_mut()
                .find(|known| known.namespace == row.namespace && known.name == row.name)
            {
                Some(known) => *known = *row,
                None => rows.push(*row),
            }
        }
        NotebookChange::Remove { namespace, name } => {
            rows.retain(|row| !(row.namespace == namespace && row.name == name))
        }
    }
}

/// Rows whose name, namespace, image, type or status contain every word of `query`
/// (case-insensitive).
pub fn matches(row: &NotebookRow, query: &str) -> bool {
    let haystack = format!(
        "{} {} {} {} {} {}",
        row.name,
        row.namespace,
        row.image,
        row.server_type.label(),
        row.status.phase.label(),
        row.status.message
    )
    .to_lowercase();
    query
        .to_lowercase()
        .split_whitespace()
        .all(|word| haystack.contains(word))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    Status,
    #[default]
    Name,
    Namespace,
    Type,
    Cpu,
    Memory,
    Gpus,
    Age,
    LastActivity,
}

/// Sorts by `key`, then namespace and name so equal keys keep a stable, readable order.
pub fn sort(rows: &mut [NotebookRow], key: SortKey, descending: bool) {
    let quantity = |value: &Option<String>| {
        value
            .as_deref()
            .and_then(|text| crate::domain::quantity::Quantity::parse(text).ok())
    };
    rows.sort_by(|a, b| {
        let primary = match key {
            SortKey::Status => status_rank(a.status.phase).cmp(&status_rank(b.status.phase)),
            SortKey::Name => a.name.cmp(&b.name),
            SortKey::Namespace => a.namespace.cmp(&b.namespace),
            SortKey::Type => a.server_type.label().cmp(b.server_type.label()),
            SortKey::Cpu => quantity(&a.cpu).cmp(&quantity(&b.cpu)),
            SortKey::Memory => quantity(&a.memory).cmp(&quantity(&b.memory)),
            SortKey::Gpus => gpu_count(a).cmp(&gpu_count(b)),
            // Newest first reads as "descending age"; compare the timestamps reversed.
            SortKey::Age => b.created.cmp(&a.created),
            SortKey::LastActivity => a.last_activity.cmp(&b.last_activity),
        };
        let primary = if descending {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| a.namespace.cmp(&b.namespace))
            .then_with(|| a.name.cmp(&b.name))
    });
}

fn gpu_count(row: &NotebookRow) -> u32 {
    row.gpus.as_ref().map_or(0, |gpus| gpus.count)
}

/// Problems first, then what is starting, running, stopped.
fn status_rank(phase: StatusPhase) -> u8 {
    match phase {
        StatusPhase::Error => 0,
        StatusPhase::Warning => 1,
        StatusPhase::Waiting => 2,
        StatusPhase::Terminating => 3,
        StatusPhase::Ready => 4,
        StatusPhase::Stopped => 5,
    }
}

/// Seconds since the Unix epoch of a Kubernetes timestamp (`2026-11-22T10:00:00Z`, with
/// optional fraction or offset), or None.
pub fn epoch_seconds(time: &str) -> Option<i64> {
    let bytes = time.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> { time.get(range)?.parse().ok() };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let mut seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    // An offset like +02:00 (Kubernetes writes Z, other tools may not).
    let rest = time[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if let Some(sign) = rest.chars().next().filter(|c| *c == '+' || *c == '-') {
        let offset_hours: i64 = rest.get(1..3)?.parse().ok()?;
        let offset_minutes: i64 = rest.get(4..6)?.parse().ok()?;
        let offset = offset_hours * 3600 + offset_minutes * 60;
        seconds += if sign == '+' { -offset } else { offset };
    }
    Some(seconds)
}

/// "just now", "5 min", "3 h", "2 d", "5 mo", "1 y": how long ago `time` was at `now`.
pub fn ago(time: &str, now: i64) -> String {
    let Some(then) = epoch_seconds(time) else {
        return String::new();
    };
    let seconds = (now - then).max(0);
    match seconds {
        0..60 => "just now".into(),
        60..3600 => format!("{} min", seconds / 60),
        3600..86_400 => format!("{} h", seconds / 3600),
        86_400..2_592_000 => format!("{} d", seconds / 86_400),
        2_592_000..31_536_000 => format!("{} mo", seconds / 2_592_000),
        _ => format!("{} y", seconds / 31_536_000),
    }
}

/// The image without its registry path: `ghcr.io/kubeflow/…/jupyter-scipy:v1.11.0` →
/// `jupyter-scipy:v1.11.0`.
pub fn short_image(image: &str) -> &str {
    image.rsplit('/').next().unwrap_or(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NotebookStatus, ServerType};

    fn row(namespace: &str, name: &str, phase: StatusPhase) -> NotebookRow {
        NotebookRow {
            namespace: namespace.into(),
            name: name.into(),
            server_type: ServerType::Jupyter,
            image: "jupyter-scipy".into(),
            cpu: Some("500m".into()),
            cpu_limit: None,
            memory: Some("1Gi".into()),
            memory_limit: None,
            gpus: None,
            volumes: vec![],
            created: "2026-11-20T10:00:00Z".into(),
            last_activity: None,
            stopped: false,
            status: NotebookStatus {
                phase,
                message: String::new(),
            },
        }
    }

    #[test]
    fn changes_replace_add_and_remove_rows() {
        let mut rows = vec![row("a", "x", StatusPhase::Waiting)];
        apply(
            &mut rows,
            NotebookChange::Upsert {
                row: Box::new(row("a", "x", StatusPhase::Ready)),
            },
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status.phase, StatusPhase::Ready);
        apply(
            &mut rows,
            NotebookChange::Upsert {
                row: Box::new(row("b", "x", StatusPhase::Ready)),
            },
        );
        assert_eq!(rows.len(), 2);
        apply(
            &mut rows,
            NotebookChange::Remove {
                namespace: "a".into(),
                name: "x".into(),
            },
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].namespace, "b");
        apply(&mut rows, NotebookChange::Snapshot { rows: vec![] });
        assert!(rows.is_empty());
    }

    #[test]
    fn filtering_needs_every_word() {
        let mut it = row("team", "gpu-training", StatusPhase::Warning);
        it.status.message = "Unschedulable: not enough GPU".into();
        assert!(matches(&it, "gpu TEAM"));
        assert!(matches(&it, "needs attention"));
        assert!(matches(&it, ""));
        assert!(!matches(&it, "gpu vscode"));
    }

    #[test]
    fn sorting_puts_problems_first_and_compares_quantities_as_numbers() {
        let mut rows = vec![
            row("t", "running", StatusPhase::Ready),
            row("t", "broken", StatusPhase::Warning),
            row("t", "stopped", StatusPhase::Stopped),
        ];
        sort(&mut rows, SortKey::Status, false);
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["broken", "running", "stopped"]
        );
        rows[0].cpu = Some("2".into());
        rows[1].cpu = Some("1500m".into());
        rows[2].cpu = None;
        sort(&mut rows, SortKey::Cpu, true);
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["broken", "running", "stopped"]
        );
    }

    #[test]
    fn timestamps_and_ages() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(
            epoch_seconds("2026-11-22T10:00:00.123Z"),
            epoch_seconds("2026-11-22T10:00:00Z")
        );
        assert_eq!(
            epoch_seconds("2026-11-22T12:00:00+02:00"),
            epoch_seconds("2026-11-22T10:00:00Z")
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-22 10:00:00Z",
        ] {
            assert_eq!(epoch_seconds(bad), None, "{bad}");
        }
        let now = epoch_seconds("2026-11-22T10:00:00Z").unwrap();
        assert_eq!(ago("2026-11-22T09:59:30Z", now), "just now");
        assert_eq!(ago("2026-11-22T09:55:00Z", now), "5 min");
        assert_eq!(ago("2026-11-22T07:00:00Z", now), "3 h");
        assert_eq!(ago("2026-11-20T10:00:00Z", now), "2 d");
        assert_eq!(ago("not a time", now), "");
    }

    #[test]
    fn images_lose_their_registry() {
        assert_eq!(
            short_image("ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.11.0"),
            "jupyter-scipy:v1.11.0"
        );
        assert_eq!(short_image("python:3.12"), "python:3.12");
    }
}
