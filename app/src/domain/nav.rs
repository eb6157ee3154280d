//! What every internal link must carry: the base path the app is served under, the selected
//! namespace (`?ns=`) and embed mode (`?embed=1`), so a link never drops any of them.

/// The `?ns=` value that means every namespace the user may list (cluster admins).
pub const ALL_NAMESPACES: &str = "*";

/// The state a link is built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkContext {
    /// "" or a prefix like "/kubeflow" (leptos_router prefixes only relative links).
    pub base: String,
    pub namespace: Option<String>,
    pub embed: bool,
}

impl LinkContext {
    /// Reads the carried keys from a query lookup, ignoring everything else.
    pub fn from_lookup(base: &str, get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            base: base.to_string(),
            namespace: get("ns").filter(|ns| !ns.is_empty()),
            embed: get("embed").is_some_and(|value| value == "1" || value == "true"),
        }
    }

    /// The app-absolute `path` under the base path, with the carried keys as an encoded query.
    pub fn href(&self, path: &str) -> String {
        let path = match (self.base.as_str(), path) {
            ("", path) => path.to_string(),
            (base, "/") => format!("{base}/"),
            (base, path) => format!("{base}{path}"),
        };
        self.at(&path)
    }

    /// The same kind of link for a path that already includes the base (the current location).
    pub fn at(&self, full_path: &str) -> String {
        let path = full_path.to_string();
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(namespace) = &self.namespace {
            query.append_pair("ns", namespace);
        }
        if self.embed {
            query.append_pair("embed", "1");
        }
        let query = query.finish();
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn carries_namespace_and_embed_and_drops_everything_else() {
        let carried = LinkContext::from_lookup(
            "",
            lookup(&[("ns", "team-a"), ("embed", "1"), ("tab", "logs")]),
        );
        assert_eq!(carried.href("/notebooks"), "/notebooks?ns=team-a&embed=1");
    }

    #[test]
    fn no_carried_keys_means_a_bare_path() {
        let carried = LinkContext::from_lookup("", lookup(&[("ns", ""), ("embed", "0")]));
        assert_eq!(carried, LinkContext::default());
        assert_eq!(carried.href("/runs"), "/runs");
    }

    #[test]
    fn links_live_under_the_base_path() {
        let carried = LinkContext::from_lookup("/kubeflow", lookup(&[("ns", "team-a")]));
        assert_eq!(carried.href("/"), "/kubeflow/?ns=team-a");
        assert_eq!(carried.href("/runs/abc"), "/kubeflow/runs/abc?ns=team-a");
    }

    #[test]
    fn switching_namespace_keeps_the_page_and_the_base() {
        let carried = LinkContext {
            base: "/kubeflow".into(),
            namespace: Some("team-b".into()),
            embed: true,
        };
        assert_eq!(
            carried.at("/kubeflow/notebooks"),
            "/kubeflow/notebooks?ns=team-b&embed=1"
        );
    }

    #[test]
    fn a_hostile_namespace_is_encoded_not_spliced_into_the_url() {
        let carried = LinkContext {
            namespace: Some("a&embed=0#x y".into()),
            ..LinkContext::default()
        };
        assert_eq!(carried.href("/"), "/?ns=a%26embed%3D0%23x+y");
    }
}
