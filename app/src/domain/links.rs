//! Links from the dashboard's configuration: parsed leniently like upstream, but only links a
//! browser may follow safely survive (http(s) or paths on this site; never `javascript:`).

use crate::model::{LinksConfig, MenuLink, QuickLink};

/// Links larger than this are not links.
const MAX_LINK: usize = 2048;

/// Whether `link` is an absolute http(s) URL or a path on this site.
pub fn safe_link(link: &str) -> bool {
    let link = link.trim();
    if link.is_empty()
        || link.len() > MAX_LINK
        || link.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return false;
    }
    if link.starts_with("//") {
        return false;
    }
    link.starts_with('/') || link.starts_with("https://") || link.starts_with("http://")
}

fn keep_menu(links: Vec<MenuLink>) -> Vec<MenuLink> {
    links
        .into_iter()
        .filter_map(|mut link| {
            link.items = keep_menu(std::mem::take(&mut link.items));
            let usable = if link.kind == "section" {
                !link.items.is_empty()
            } else {
                safe_link(&link.link)
            };
            (usable && !link.text.trim().is_empty()).then_some(link)
        })
        .collect()
}

fn keep_quick(links: Vec<QuickLink>) -> Vec<QuickLink> {
    links
        .into_iter()
        .filter(|link| safe_link(&link.link) && !link.text.trim().is_empty())
        .collect()
}

/// The upstream apps whose work kfdash does natively; their menu entries would only duplicate
/// kfdash's own sections.
const NATIVE: &[&str] = &[
    "/jupyter/",
    "/katib/",
    "/pipeline/#/pipelines",
    "/pipeline/#/runs",
];

/// The configured menu entries kfdash doesn't already cover (Volumes, TensorBoards, KServe…),
/// with sections that end up empty dropped.
pub fn extra_menu(links: &[MenuLink]) -> Vec<MenuLink> {
    links
        .iter()
        .filter_map(|link| {
            if link.kind == "section" {
                let items = extra_menu(&link.items);
                return (!items.is_empty()).then(|| MenuLink {
                    items,
                    ..link.clone()
                });
            }
            let native = NATIVE
                .iter()
                .any(|prefix| link.link == *prefix || link.link.starts_with(prefix));
            (!native).then(|| link.clone())
        })
        .collect()
}

/// The part of a menu link that an app's pages share: `/volumes/` of `/volumes/?ns=a#x`.
fn hostable_prefix(link: &MenuLink) -> Option<&str> {
    if !link.iframe || link.kind == "section" {
        return None;
    }
    let prefix = link.link.split(['?', '#']).next().unwrap_or_default();
    // Only apps on this site, never the site's root or kfdash's own hosting routes.
    let on_this_site = prefix.starts_with('/') && !prefix.starts_with("//");
    (on_this_site && prefix.len() > 1 && !prefix.starts_with("/_/")).then_some(prefix)
}

/// Where kfdash shows a menu link: `/_/volumes/` for an app to host in a frame (`iframe: true`,
/// a path on this site), `None` for one the browser opens itself.
pub fn hosted_route(link: &MenuLink) -> Option<String> {
    hostable_prefix(link).map(|_| format!("/_{}", link.link))
}

/// The configured app that `path` (e.g. `/volumes/details/pvc-1`) belongs to, if it is one to
/// host: kfdash frames nothing else, so `/_/` can't be used to frame arbitrary pages.
pub fn hosted_app<'a>(links: &'a [MenuLink], path: &str) -> Option<&'a MenuLink> {
    links.iter().find_map(|link| {
        if link.kind == "section" {
            return hosted_app(&link.items, path);
        }
        let prefix = hostable_prefix(link)?;
        let within = path.starts_with(prefix)
            || (prefix.ends_with('/') && path == &prefix[..prefix.len() - 1]);
        within.then_some(link)
    })
}

/// Parses a `links` document, dropping entries with unsafe or missing links.
pub fn parse(json: &str) -> Result<LinksConfig, String> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|error| format!("the links configuration is not valid JSON: {error}"))?;
    // Structs also deserialize from arrays; a links document is an object.
    if !value.is_object() {
        return Err("the links configuration must be a JSON object".into());
    }
    let config: LinksConfig = serde_json::from_value(value).map_err(|error| {
        format!("the links configuration has a field of the wrong type: {error}")
    })?;
    Ok(LinksConfig {
        menu_links: keep_menu(config.menu_links),
        external_links: keep_menu(config.external_links),
        quick_links: keep_quick(config.quick_links),
        documentation_items: keep_quick(config.documentation_items),
    })
}

/// What kfdash shows when no configuration is given.
pub fn defaults() -> LinksConfig {
    let doc = |text: &str, desc: &str, link: &str| QuickLink {
        text: text.into(),
        desc: desc.into(),
        link: link.into(),
    };
    LinksConfig {
        menu_links: Vec::new(),
        external_links: Vec::new(),
        quick_links: vec![
            doc("Create a notebook server", "Notebooks", "/notebooks"),
            doc("Upload a pipeline", "Pipelines", "/pipelines"),
            doc("Start a Katib experiment", "Experiments", "/experiments"),
        ],
        documentation_items: vec![
            doc(
                "Getting started with Kubeflow",
                "Get your machine-learning workflow running",
                "https://www.kubeflow.org/docs/started/introduction/",
            ),
            doc(
                "Kubeflow Notebooks",
                "Notebook servers in your namespace",
                "https://www.kubeflow.org/docs/components/notebooks/",
            ),
            doc(
                "Kubeflow Pipelines",
                "Build and run ML pipelines",
                "https://www.kubeflow.org/docs/components/pipelines/",
            ),
            doc(
                "Katib",
                "Hyperparameter tuning and NAS",
                "https://www.kubeflow.org/docs/components/katib/",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(link: &str, iframe: bool) -> MenuLink {
        MenuLink {
            kind: "item".into(),
            text: link.into(),
            link: link.into(),
            iframe,
            ..MenuLink::default()
        }
    }

    #[test]
    fn only_iframe_links_on_this_site_are_hosted() {
        assert_eq!(
            hosted_route(&item("/volumes/", true)).as_deref(),
            Some("/_/volumes/")
        );
        assert_eq!(
            hosted_route(&item("/tensorboards/?ns=a", true)).as_deref(),
            Some("/_/tensorboards/?ns=a")
        );
        for not_hosted in [
            item("/volumes/", false),
            item("https://minio.example.com/", true),
            item("//evil.example/", true),
            item("/", true),
            item("/_/volumes/", true),
        ] {
            assert_eq!(hosted_route(&not_hosted), None, "{}", not_hosted.link);
        }
    }

    #[test]
    fn hosted_paths_must_belong_to_a_configured_app() {
        let menu = vec![
            item("/volumes/", true),
            MenuLink {
                kind: "section".into(),
                text: "Models".into(),
                items: vec![item("/models/#/list", true)],
                ..MenuLink::default()
            },
            item("/notebooks-elsewhere/", false),
        ];
        let app = |path| hosted_app(&menu, path).map(|link| link.link.as_str());
        assert_eq!(app("/volumes/"), Some("/volumes/"));
        assert_eq!(app("/volumes"), Some("/volumes/"));
        assert_eq!(app("/volumes/details/pvc-1"), Some("/volumes/"));
        assert_eq!(app("/models/"), Some("/models/#/list"));
        assert_eq!(app("/volumesx"), None);
        assert_eq!(app("/notebooks-elsewhere/"), None);
        assert_eq!(app("/api/whoami"), None);
        assert_eq!(app("/"), None);
    }

    #[test]
    fn upstream_documents_parse_and_unsafe_links_are_dropped() {
        let config = parse(r#"{
            "menuLinks": [
                {"type": "item", "link": "/jupyter/", "text": "Notebooks", "icon": "book"},
                {"type": "item", "link": "javascript:alert(1)", "text": "Evil"},
                {"type": "section", "text": "Models", "items": [{"type": "item", "link": "/models/", "text": "KServe", "iframe": true}]}
            ],
            "externalLinks": [{"type": "item", "iframe": false, "text": "MinIO", "link": "https://minio.example.com", "icon": "launch"}],
            "quickLinks": [{"text": "Upload a pipeline", "desc": "Pipelines", "link": "/pipeline/"}, {"text": "x", "link": "data:text/html,hi"}],
            "documentationItems": [{"text": "Docs", "desc": "d", "link": "https://www.kubeflow.org/docs/"}],
            "unknownKey": 1
        }"#).unwrap();
        assert_eq!(config.menu_links.len(), 2);
        assert!(config.menu_links[1].items[0].iframe);
        assert_eq!(config.external_links[0].link, "https://minio.example.com");
        assert_eq!(config.quick_links.len(), 1);
        assert_eq!(config.documentation_items.len(), 1);
    }

    #[test]
    fn menu_keeps_what_kfdash_does_not_do_itself() {
        let item = |text: &str, link: &str| MenuLink {
            kind: "item".into(),
            text: text.into(),
            link: link.into(),
            ..Default::default()
        };
        let menu = vec![
            item("Notebooks", "/jupyter/"),
            item("Volumes", "/volumes/"),
            MenuLink {
                kind: "section".into(),
                text: "Pipelines".into(),
                items: vec![
                    item("Pipelines", "/pipeline/#/pipelines"),
                    item("Runs", "/pipeline/#/runs"),
                    item("Artifacts", "/pipeline/#/artifacts"),
                ],
                ..Default::default()
            },
            MenuLink {
                kind: "section".into(),
                text: "AutoML".into(),
                items: vec![item("Experiments", "/katib/")],
                ..Default::default()
            },
        ];
        let extra = extra_menu(&menu);
        let texts: Vec<&str> = extra.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Volumes", "Pipelines"]);
        assert_eq!(extra[1].items.len(), 1);
        assert_eq!(extra[1].items[0].text, "Artifacts");
    }

    #[test]
    fn only_followable_links_are_safe() {
        for good in ["/pipeline/", "https://a.example/x", "http://a.example"] {
            assert!(safe_link(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:x",
            "data:text/html,x",
            "//evil.example",
            "vbscript:x",
            "",
            "/a b",
            "relative",
        ] {
            assert!(!safe_link(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        assert!(parse("{").is_err());
        assert!(parse("[]").is_err());
        assert_eq!(parse("{}").unwrap(), LinksConfig::default());
    }
}
