//! The postMessage protocol between kfdash in a frame and the portal page around it.
//!
//! kfdash → host: `ready`, `navigated`, `namespace-changed`, `height`, each an object with
//! `"source": "kfdash"`. Host → kfdash: `navigate`, `set-namespace`, `set-theme`. This module
//! only parses and validates; the browser side (`components::embed`) checks the sender's
//! origin and window before anything here sees a message.

use crate::domain::names::label_problem;
use crate::domain::nav::{ALL_NAMESPACES, LinkContext};
use serde::Serialize;

/// What every message kfdash posts carries in `source`, so a host can tell ours from others.
pub const SOURCE: &str = "kfdash";

/// Messages larger than this are not read at all.
const MAX_MESSAGE: usize = 16 * 1024;
const MAX_PATH: usize = 2048;
const MAX_THEME_PROPERTIES: usize = 64;

/// What kfdash tells its host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FrameMessage {
    /// The app is interactive and listening.
    Ready { version: u32 },
    /// A page was shown: its path inside kfdash (without the base path) and its title.
    Navigated { path: String, title: String },
    /// The selected namespace; `"*"` is "all namespaces", absent is none chosen yet.
    NamespaceChanged { namespace: Option<String> },
    /// The content's height in CSS pixels, for frames that size themselves to it.
    Height { height: u32 },
}

impl FrameMessage {
    /// The message as a JSON object with `source` set.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Envelope<'a> {
            source: &'static str,
            #[serde(flatten)]
            message: &'a FrameMessage,
        }
        serde_json::to_string(&Envelope {
            source: SOURCE,
            message: self,
        })
        .unwrap_or_default()
    }
}

/// What a host may ask of kfdash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMessage {
    /// Show this route: a path inside kfdash, optionally with a query and fragment.
    Navigate { path: String },
    /// Select this namespace (the server still decides what the user may see there).
    SetNamespace { namespace: String },
    /// Set these CSS custom properties on the document, all of them validated.
    SetTheme { properties: Vec<(String, String)> },
}

/// Why a host's message was ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("not a JSON object of at most 16 KiB")]
    NotAnObject,
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    #[error("{0}: {1}")]
    Field(&'static str, String),
}

fn field(name: &'static str, why: impl Into<String>) -> Rejected {
    Rejected::Field(name, why.into())
}

/// Reads a host's message (the JSON text of `event.data`).
pub fn parse_host_message(text: &str) -> Result<HostMessage, Rejected> {
    if text.len() > MAX_MESSAGE {
        return Err(Rejected::NotAnObject);
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| Rejected::NotAnObject)?;
    let object = value.as_object().ok_or(Rejected::NotAnObject)?;
    let string = |name: &'static str| {
        object
            .get(name)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| field(name, "must be a string"))
    };
    match string("type")? {
        "navigate" => {
            let path = string("path")?;
            internal_path_problem(path).map_or(Ok(()), |why| Err(field("path", why)))?;
            Ok(HostMessage::Navigate {
                path: path.to_string(),
            })
        }
        "set-namespace" => {
            let namespace = string("namespace")?;
            if namespace != ALL_NAMESPACES
                && let Some(why) = label_problem(namespace)
            {
                return Err(field("namespace", why));
            }
            Ok(HostMessage::SetNamespace {
                namespace: namespace.to_string(),
            })
        }
        "set-theme" => {
            let properties = object
                .get("properties")
                .and_then(serde_json::Value::as_object)
                .ok_or_else(|| field("properties", "must be an object of CSS custom properties"))?;
            if properties.len() > MAX_THEME_PROPERTIES {
                return Err(field("properties", "too many properties"));
            }
            let mut checked = Vec::with_capacity(properties.len());
            for (name, value) in properties {
                let value = value
                    .as_str()
                    .ok_or_else(|| field("properties", format!("{name}: must be a string")))?;
                theme_property_problem(name, value).map_or(Ok(()), |why| {
                    Err(field("properties", format!("{name}: {why}")))
                })?;
                checked.push((name.clone(), value.trim().to_string()));
            }
            Ok(HostMessage::SetTheme {
                properties: checked,
            })
        }
        other => Err(Rejected::UnknownType(other.chars().take(64).collect())),
    }
}

/// Why `path` is not a route inside kfdash: it must start with one `/`, and be no URL of
/// another site, no `javascript:` and no backslash trick.
pub fn internal_path_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() || path.len() > MAX_PATH {
        return Some("must be a path of 1 to 2048 characters");
    }
    if !path.starts_with('/') {
        return Some("must start with / (a route inside kfdash, not a URL)");
    }
    if path.starts_with("//") || path.contains('\\') {
        return Some("must not start with // or contain \\");
    }
    if path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("must not contain spaces or control characters");
    }
    None
}

/// The full href for a host's `navigate` path: under the base path, the path's own query
/// kept, and the carried namespace and embed mode kept over whatever the path says.
pub fn navigation_href(carried: &LinkContext, path: &str) -> String {
    let (path, fragment) = match path.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (path, None),
    };
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let mut href = carried.href(route);
    let own: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key != "ns" && key != "embed")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if !own.is_empty() {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        serializer.extend_pairs(own);
        href.push(if href.contains('?') { '&' } else { '?' });
        href.push_str(&serializer.finish());
    }
    if let Some(fragment) = fragment {
        href.push('#');
        href.push_str(fragment);
    }
    href
}

/// What kind of value a themeable property takes.
#[derive(Clone, Copy)]
enum ValueKind {
    Color,
    Length,
    FontFamily,
}

/// The custom properties a host may set: kfdash's palette, radii, sizes and font.
const THEMEABLE: &[(&str, ValueKind)] = &[
    ("--kf-color-bg", ValueKind::Color),
    ("--kf-color-surface", ValueKind::Color),
    ("--kf-color-border", ValueKind::Color),
    ("--kf-color-text", ValueKind::Color),
    ("--kf-color-text-muted", ValueKind::Color),
    ("--kf-color-primary", ValueKind::Color),
    ("--kf-color-primary-hover", ValueKind::Color),
    ("--kf-color-primary-soft", ValueKind::Color),
    ("--kf-color-primary-contrast", ValueKind::Color),
    ("--kf-color-focus", ValueKind::Color),
    ("--kf-color-success", ValueKind::Color),
    ("--kf-color-warning", ValueKind::Color),
    ("--kf-color-danger", ValueKind::Color),
    ("--kf-color-danger-soft", ValueKind::Color),
    ("--kf-color-danger-contrast", ValueKind::Color),
    ("--kf-radius", ValueKind::Length),
    ("--kf-radius-small", ValueKind::Length),
    ("--kf-font-family", ValueKind::FontFamily),
];

/// The names a host may set with `set-theme`, for documentation and error messages.
pub fn themeable_properties() -> impl Iterator<Item = &'static str> {
    THEMEABLE.iter().map(|(name, _)| *name)
}

/// Why `value` may not be set for custom property `name`, if it may not.
pub fn theme_property_problem(name: &str, value: &str) -> Option<&'static str> {
    let Some((_, kind)) = THEMEABLE.iter().find(|(known, _)| *known == name) else {
        return Some("not a property hosts may set");
    };
    let value = value.trim();
    let valid = match kind {
        ValueKind::Color => is_color(value),
        ValueKind::Length => is_length(value),
        ValueKind::FontFamily => is_font_family(value),
    };
    (!valid).then_some(match kind {
        ValueKind::Color => {
            "not a colour (#rgb, #rrggbb, #rrggbbaa, a colour name, rgb(), hsl(), oklch()…)"
        }
        ValueKind::Length => "not a length (e.g. 6px, 0.5rem)",
        ValueKind::FontFamily => "not a list of font family names",
    })
}

fn is_color(value: &str) -> bool {
    if let Some(hex) = value.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if (3..=20).contains(&value.len()) && value.chars().all(|c| c.is_ascii_lowercase()) {
        return true;
    }
    const FUNCTIONS: &[&str] = &[
        "rgb(", "rgba(", "hsl(", "hsla(", "hwb(", "lab(", "lch(", "oklab(", "oklch(",
    ];
    let Some(arguments) = FUNCTIONS
        .iter()
        .find_map(|function| value.strip_prefix(function))
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return false;
    };
    value.len() <= 64
        && arguments.chars().all(|c| {
            c.is_ascii_digit()
                || matches!(c, '.' | ',' | '%' | '/' | ' ' | '+' | '-' | 'e')
                || "degturnnone".contains(c)
        })
}

fn is_length(value: &str) -> bool {
    if value == "0" {
        return true;
    }
    let Some(number) = ["px", "rem", "em"]
        .iter()
        .find_map(|unit| value.strip_suffix(unit))
    else {
        return false;
    };
    !number.is_empty()
        && number.len() <= 8
        && number
            .parse::<f64>()
            .is_ok_and(|n| (0.0..=1000.0).contains(&n))
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
}

fn is_font_family(value: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == ' ' || c == '-';
    !value.is_empty()
        && value.len() <= 200
        && value.split(',').all(|family| {
            let family = family.trim();
            let bare = family
                .strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .or_else(|| family.strip_prefix('\'').and_then(|f| f.strip_suffix('\'')))
                .unwrap_or(family);
            !bare.trim().is_empty() && bare.chars().all(name_char)
        })
}

/// Why `origin` is not a web origin as browsers write it (`https://portal.example.com`,
/// `http://127.0.0.1:8080`): scheme, host and port only, no path, no wildcard.
pub fn origin_problem(origin: &str) -> Option<&'static str> {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Some("must look like https://portal.example.com");
    };
    if scheme != "https" && scheme != "http" {
        return Some("must be an http or https origin");
    }
    // An IPv6 address is bracketed and has colons of its own.
    let split_at = match rest.find(']') {
        Some(end) if rest.starts_with('[') => rest[end..].find(':').map(|at| end + at),
        _ => rest.rfind(':'),
    };
    let (host, port) = match split_at {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    if host.is_empty()
        || !host.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '[' | ']' | ':')
        })
    {
        return Some("must be a lowercase host name or address, with no path, user or wildcard");
    }
    if let Some(port) = port
        && (port.is_empty() || port.parse::<u16>().is_err())
    {
        return Some("has an invalid port");
    }
    let default_port = match scheme {
        "https" => "443",
        _ => "80",
    };
    if port == Some(default_port) {
        return Some("must leave out the default port, as browsers do");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: serde_json::Value) -> Result<HostMessage, Rejected> {
        parse_host_message(&json.to_string())
    }

    #[test]
    fn frame_messages_carry_their_source_and_type() {
        let json: serde_json::Value = serde_json::from_str(
            &FrameMessage::Navigated {
                path: "/notebooks".into(),
                title: "Notebooks · kfdash".into(),
            }
            .to_json(),
        )
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"source": "kfdash", "type": "navigated", "path": "/notebooks", "title": "Notebooks · kfdash"})
        );
        let json: serde_json::Value =
            serde_json::from_str(&FrameMessage::Height { height: 812 }.to_json()).unwrap();
        assert_eq!(json["type"], "height");
        assert_eq!(json["height"], 812);
        let json: serde_json::Value =
            serde_json::from_str(&FrameMessage::NamespaceChanged { namespace: None }.to_json())
                .unwrap();
        assert_eq!(json["type"], "namespace-changed");
        assert!(json["namespace"].is_null());
    }

    #[test]
    fn navigate_accepts_only_routes_inside_kfdash() {
        assert_eq!(
            message(serde_json::json!({"type": "navigate", "path": "/notebooks/new?clone=a"})),
            Ok(HostMessage::Navigate {
                path: "/notebooks/new?clone=a".into()
            })
        );
        for bad in [
            "javascript:alert(1)",
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "notebooks",
            "",
            "/a b",
            "/a\nb",
        ] {
            assert!(
                matches!(
                    message(serde_json::json!({"type": "navigate", "path": bad})),
                    Err(Rejected::Field("path", _))
                ),
                "{bad:?} was accepted"
            );
        }
        assert!(
            message(serde_json::json!({"type": "navigate", "path": "/".repeat(3000)})).is_err()
        );
        assert!(message(serde_json::json!({"type": "navigate", "path": 5})).is_err());
    }

    #[test]
    fn navigation_keeps_the_carried_namespace_over_the_paths_own() {
        let carried = LinkContext {
            base: "/kubeflow".into(),
            namespace: Some("team-a".into()),
            embed: true,
        };
        assert_eq!(
            navigation_href(&carried, "/notebooks/new?clone=nb-1&ns=other&embed=0#top"),
            "/kubeflow/notebooks/new?ns=team-a&embed=1&clone=nb-1#top"
        );
        assert_eq!(
            navigation_href(&carried, "/"),
            "/kubeflow/?ns=team-a&embed=1"
        );
        let bare = LinkContext::default();
        assert_eq!(
            navigation_href(&bare, "/runs?state=FAILED"),
            "/runs?state=FAILED"
        );
    }

    #[test]
    fn set_namespace_takes_names_and_all_namespaces_only() {
        assert_eq!(
            message(serde_json::json!({"type": "set-namespace", "namespace": "team-a"})),
            Ok(HostMessage::SetNamespace {
                namespace: "team-a".into()
            })
        );
        assert!(message(serde_json::json!({"type": "set-namespace", "namespace": "*"})).is_ok());
        for bad in ["../etc", "Team", "", "a".repeat(64).as_str(), "a&embed=0"] {
            assert!(
                message(serde_json::json!({"type": "set-namespace", "namespace": bad})).is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn theme_takes_allow_listed_properties_with_valid_values() {
        assert_eq!(
            message(serde_json::json!({"type": "set-theme", "properties": {
                "--kf-color-primary": "#0b57d0",
                "--kf-radius": "4px",
                "--kf-font-family": "\"Google Sans\", Roboto, sans-serif",
                "--kf-color-bg": "rgb(250 250 250 / 90%)",
            }})),
            Ok(HostMessage::SetTheme {
                properties: vec![
                    ("--kf-color-bg".into(), "rgb(250 250 250 / 90%)".into()),
                    ("--kf-color-primary".into(), "#0b57d0".into()),
                    (
                        "--kf-font-family".into(),
                        "\"Google Sans\", Roboto, sans-serif".into()
                    ),
                    ("--kf-radius".into(), "4px".into()),
                ]
            })
        );
        for (name, value) in [
            (
                "--kf-color-primary",
                "red; background: url(https://evil.example/x)",
            ),
            ("--kf-color-primary", "url(x)"),
            ("--kf-color-primary", "expression(alert(1))"),
            ("--kf-color-primary", "rgb(1,2,3);x"),
            ("--kf-color-primary", "#12345"),
            ("--kf-color-primary", "var(--other)"),
            ("--kf-radius", "4"),
            ("--kf-radius", "-4px"),
            ("--kf-radius", "1e9px"),
            ("--kf-font-family", "a;b"),
            ("--kf-font-family", "\"x\\\""),
            ("background", "red"),
            ("--kf-shadow", "none"),
            ("color", "red"),
        ] {
            assert!(
                theme_property_problem(name, value).is_some(),
                "{name}: {value:?} was accepted"
            );
            assert!(
                message(serde_json::json!({"type": "set-theme", "properties": {name: value}}))
                    .is_err()
            );
        }
        assert!(message(serde_json::json!({"type": "set-theme", "properties": "x"})).is_err());
        assert!(
            message(serde_json::json!({"type": "set-theme", "properties": {"--kf-radius": 4}}))
                .is_err()
        );
    }

    #[test]
    fn anything_else_is_ignored() {
        assert_eq!(parse_host_message("not json"), Err(Rejected::NotAnObject));
        assert_eq!(parse_host_message("[1]"), Err(Rejected::NotAnObject));
        assert_eq!(
            parse_host_message(&format!(
                "{{\"type\":\"navigate\",\"path\":\"/{}\"}}",
                "a".repeat(20_000)
            )),
            Err(Rejected::NotAnObject)
        );
        assert_eq!(
            message(serde_json::json!({"type": "eval", "code": "x"})),
            Err(Rejected::UnknownType("eval".into()))
        );
        assert!(matches!(
            message(serde_json::json!({"path": "/"})),
            Err(Rejected::Field("type", _))
        ));
    }

    #[test]
    fn origins_are_written_as_browsers_write_them() {
        for good in [
            "https://portal.example.com",
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "https://[::1]:8443",
            "http://[::1]",
        ] {
            assert_eq!(origin_problem(good), None, "{good}");
        }
        for bad in [
            "portal.example.com",
            "https://portal.example.com/",
            "https://portal.example.com/path",
            "https://*.example.com",
            "https://Portal.example.com",
            "https://portal.example.com:443",
            "http://a:80",
            "https://a:99999",
            "https://user@a",
            "ftp://a",
            "*",
            "null",
        ] {
            assert!(origin_problem(bad).is_some(), "{bad} was accepted");
        }
    }
}
