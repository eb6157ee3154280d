use serde::{Deserialize, Serialize};

/// The upstream Central Dashboard's `links` document (its ConfigMap key), read as is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LinksConfig {
    pub menu_links: Vec<MenuLink>,
    pub external_links: Vec<MenuLink>,
    pub quick_links: Vec<QuickLink>,
    pub documentation_items: Vec<QuickLink>,
}

/// A sidebar entry: an item, or a section of items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MenuLink {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    pub link: String,
    pub icon: String,
    pub iframe: bool,
    pub items: Vec<MenuLink>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuickLink {
    pub text: String,
    pub desc: String,
    pub link: String,
}
