//! Kubeflow Pipelines: the list (namespace and shared), the upload dialog that draws a file's
//! graph before sending it, one pipeline's versions and graphs, and the create-run form.

mod details;
mod fields;
mod list;
mod new_run;
mod node_panel;
mod run_form;
mod upload;
mod upload_request;

pub use details::PipelinePage;
pub use list::PipelinesPage;
pub use new_run::CreateRunPage;

use crate::domain::nav::LinkContext;
use crate::model::pipeline::ParameterType;

/// `href` with `key=value` added to its query (after the carried `?ns=`, if any).
fn with_query(href: String, key: &str, value: &str) -> String {
    let pair = form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish();
    let separator = if href.contains('?') { '&' } else { '?' };
    format!("{href}{separator}{pair}")
}

/// The page of one pipeline, showing `version` (the newest when None).
fn pipeline_href(links: &LinkContext, pipeline_id: &str, version: Option<&str>) -> String {
    let href = links.href(&format!("/pipelines/{pipeline_id}"));
    match version {
        Some(version) => with_query(href, "version", version),
        None => href,
    }
}

/// The links to give `use_navigate`, which adds the router's base path itself.
fn for_navigate(links: &LinkContext) -> LinkContext {
    LinkContext {
        base: String::new(),
        ..links.clone()
    }
}

/// "2026-11-20 10:04" (UTC) for a time in seconds since the epoch: names runs and versions.
fn stamp(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        in_day / 3600,
        in_day % 3600 / 60
    )
}

/// A parameter's type in words.
fn type_text(parameter_type: ParameterType) -> &'static str {
    match parameter_type {
        ParameterType::String => "text",
        ParameterType::NumberInteger => "whole number",
        ParameterType::NumberDouble => "number",
        ParameterType::Boolean => "true or false",
        ParameterType::List => "JSON list",
        ParameterType::Struct => "JSON object",
        ParameterType::TaskFinalStatus => "task status",
        ParameterType::Unspecified => "any",
    }
}

/// "2026-11-20 10:04" from KFP's RFC 3339 time, or "—".
fn created_text(time: Option<&str>) -> String {
    match time {
        Some(time) if time.len() >= 16 => time[..16].replacen('T', " ", 1),
        Some(time) if !time.is_empty() => time.to_string(),
        _ => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_as_utc_dates() {
        assert_eq!(stamp(0), "1970-01-01 00:00");
        assert_eq!(stamp(951_782_400 + 3_723), "2000-02-29 01:02");
        assert_eq!(stamp(1_795_000_000), "2026-11-18 11:06");
    }

    #[test]
    fn links_keep_the_carried_namespace() {
        let links = LinkContext {
            base: "/kubeflow".into(),
            namespace: Some("team".into()),
            embed: false,
        };
        assert_eq!(
            pipeline_href(&links, "abc", Some("v 1")),
            "/kubeflow/pipelines/abc?ns=team&version=v+1"
        );
        assert_eq!(
            pipeline_href(&for_navigate(&links), "abc", None),
            "/pipelines/abc?ns=team"
        );
        assert_eq!(with_query("/runs".into(), "a", "b"), "/runs?a=b");
        assert_eq!(
            created_text(Some("2026-11-20T10:04:05Z")),
            "2026-11-20 10:04"
        );
        assert_eq!(created_text(None), "—");
    }
}
