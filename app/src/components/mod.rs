//! Reusable, prop-driven pieces of the UI.

pub mod activity_feed;
pub mod coming_soon;
pub mod download;
pub mod embed;
pub mod graph;
pub mod icon;
pub mod layout;
pub mod live;
pub mod sort_header;
pub mod theme_toggle;
pub mod toast;
