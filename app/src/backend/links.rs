//! Where the dashboard's links come from: upstream's `centraldashboard-config`, key `links`,
//! or a file, or the built-in defaults.

use super::reloading::{Document, Reloading};
use crate::domain::links;
use crate::model::LinksConfig;

impl Document for LinksConfig {
    const KEY: &'static str = "links";

    fn parse(text: &str) -> Result<Self, String> {
        links::parse(text)
    }

    fn defaults() -> Self {
        links::defaults()
    }
}

pub type LinksProvider = Reloading<LinksConfig>;
