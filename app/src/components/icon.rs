//! Line icons drawn for kfdash on a 24×24 grid, stroked in the current text colour.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconKind {
    Home,
    Notebook,
    Pipeline,
    Run,
    Experiment,
    Contributors,
    Activity,
    Menu,
    Sun,
    Moon,
    Cube,
    Book,
    External,
    Close,
    Logo,
    Play,
    Stop,
    Trash,
    Plus,
    Copy,
    Edit,
    Connect,
}

impl IconKind {
    /// SVG path data; several sub-paths per icon are fine.
    fn path(self) -> &'static str {
        match self {
            Self::Home => "M3 11.5 12 4l9 7.5M5.5 9.5V20h13V9.5M10 20v-5.5h4V20",
            Self::Notebook => {
                "M6 3h11a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6zM6 3v18M9.5 8h6M9.5 12h6M9.5 16h3.5"
            }
            Self::Pipeline => {
                "M7.5 6.5h9M6 8.5l4.6 8M18 8.5l-4.6 8M5 4a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5zM19 4a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5zM12 16a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z"
            }
            Self::Run => "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM10 8.5v7l6-3.5z",
            Self::Experiment => {
                "M9 3h6M10 3v6.5L4.6 18.2A1.9 1.9 0 0 0 6.2 21h11.6a1.9 1.9 0 0 0 1.6-2.8L14 9.5V3M7.5 15h9"
            }
            Self::Contributors => {
                "M9 4a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3 3 0 0 1 0 6M18 14a5.5 5.5 0 0 1 3.5 6"
            }
            Self::Activity => "M3 12h4l3-7 4 14 3-7h4",
            Self::Menu => "M4 6h16M4 12h16M4 18h16",
            Self::Sun => {
                "M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"
            }
            Self::Moon => "M20.5 14.5A8.5 8.5 0 1 1 9.5 3.5a7 7 0 0 0 11 11z",
            Self::Cube => "M12 2.5 20.5 7v10L12 21.5 3.5 17V7zM3.5 7 12 11.5 20.5 7M12 11.5v10",
            Self::Book => {
                "M5 4.5A1.5 1.5 0 0 1 6.5 3H19v15H6.5A1.5 1.5 0 0 0 5 19.5zM5 19.5A1.5 1.5 0 0 0 6.5 21H19"
            }
            Self::External => {
                "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"
            }
            Self::Close => "M6 6l12 12M18 6 6 18",
            Self::Play => "M8 5.5v13l10.5-6.5z",
            Self::Stop => "M7 7h10v10H7z",
            Self::Trash => "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
            Self::Plus => "M12 5v14M5 12h14",
            Self::Copy => "M9 9h11v11H9zM5 15V4h11",
            Self::Edit => "M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4",
            Self::Connect => {
                "M10 14 21 3M15 3h6v6M19 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h6"
            }
            Self::Logo => {
                "M12 2.5 20.5 7.25v9.5L12 21.5l-8.5-4.75v-9.5zM8.5 9.5v5M8.5 12l4-3M10.5 10.6l3 3.9"
            }
        }
    }
}

/// A decorative icon; give the surrounding control its accessible name.
#[component]
pub fn Icon(
    /// Which icon to draw.
    kind: IconKind,
    /// Extra classes for sizing or colour.
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    view! {
        <svg
            class=format!("icon {class}")
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.75"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            <path d=kind.path() />
        </svg>
    }
}
