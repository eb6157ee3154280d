//! One module per feature. Sections whose issue has not landed show an honest "coming soon".

mod home;
mod not_found;
mod sections;

pub use home::HomePage;
pub use not_found::NotFound;
pub use sections::{
    ActivityPage, ContributorsPage, ExperimentPage, ExperimentsPage, NotebookPage, NotebooksPage,
    PipelinePage, PipelinesPage, RunPage, RunsPage,
};
