//! The colour theme a user picked, remembered in a cookie so the server renders the right one
//! and the page never flashes the other.

/// Cookie that holds an explicit theme choice; absent means "follow the system".
pub const THEME_COOKIE: &str = "kfdash-theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            _ => None,
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::Light,
        }
    }

    /// The explicit choice in a `Cookie` header value, if any; anything unexpected is ignored.
    pub fn from_cookie_header(header: &str) -> Option<Self> {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == THEME_COOKIE)
            .and_then(|(_, value)| Self::parse(value.trim()))
    }

    /// A `Set-Cookie`-style string that remembers this choice for a year under `path`.
    pub fn cookie(self, path: &str) -> String {
        let path = if path.is_empty() { "/" } else { path };
        format!(
            "{THEME_COOKIE}={}; Path={path}; Max-Age=31536000; SameSite=Lax",
            self.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_choice_among_other_cookies() {
        assert_eq!(
            Theme::from_cookie_header("a=1; kfdash-theme=dark; b=2"),
            Some(Theme::Dark)
        );
        assert_eq!(
            Theme::from_cookie_header("kfdash-theme=light"),
            Some(Theme::Light)
        );
    }

    #[test]
    fn ignores_missing_or_forged_values() {
        assert_eq!(Theme::from_cookie_header(""), None);
        assert_eq!(Theme::from_cookie_header("kfdash-theme=\"><script>"), None);
        assert_eq!(Theme::from_cookie_header("xkfdash-theme=dark"), None);
    }

    #[test]
    fn cookie_is_scoped_to_the_base_path() {
        assert_eq!(
            Theme::Dark.cookie("/kubeflow"),
            "kfdash-theme=dark; Path=/kubeflow; Max-Age=31536000; SameSite=Lax"
        );
        assert!(Theme::Light.cookie("").contains("Path=/;"));
        assert_eq!(Theme::Light.toggled(), Theme::Dark);
    }
}
