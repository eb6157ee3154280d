//! One module per feature. Sections whose issue has not landed show an honest "coming soon".

mod activity;
mod contributors;
mod home;
mod hosted;
mod katib;
mod not_found;
mod notebooks;
mod pipelines;
mod runs;
mod welcome;

pub use activity::ActivityPage;
pub use contributors::ContributorsPage;
pub use home::HomePage;
pub use hosted::HostedAppPage;
pub use katib::{ExperimentPage, ExperimentsPage, NewExperimentPage, TrialPage};
pub use not_found::NotFound;
pub use notebooks::{NewNotebookPage, NotebookPage, NotebooksPage};
pub use pipelines::{CreateRunPage, PipelinePage, PipelinesPage};
pub use runs::{RunPage, RunsPage};
