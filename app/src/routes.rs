//! Every route of the app, in one file. Later issues fill the pages in; the paths stay.

use crate::components::layout::AppLayout;
use crate::components::toast::provide_toaster;
use crate::pages::{
    ActivityPage, ContributorsPage, ExperimentPage, ExperimentsPage, HomePage, HostedAppPage,
    NewExperimentPage, NewNotebookPage, NotFound, NotebookPage, NotebooksPage, PipelinePage,
    PipelinesPage, RunPage, RunsPage, TrialPage,
};
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toaster();
    view! {
        <Title formatter=page_title />
        <Router base=base_path()>
            <AppLayout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/notebooks") view=NotebooksPage />
                    <Route path=path!("/notebooks/new") view=NewNotebookPage />
                    <Route path=path!("/notebooks/:namespace/:name") view=NotebookPage />
                    <Route path=path!("/pipelines") view=PipelinesPage />
                    <Route path=path!("/pipelines/:id") view=PipelinePage />
                    <Route path=path!("/pipelines/:id/run") view=crate::pages::CreateRunPage />
                    <Route path=path!("/runs") view=RunsPage />
                    <Route path=path!("/runs/:id") view=RunPage />
                    <Route path=path!("/experiments") view=ExperimentsPage />
                    <Route path=path!("/experiments/new") view=NewExperimentPage />
                    <Route path=path!("/experiments/:namespace/:name") view=ExperimentPage />
                    <Route path=path!("/experiments/:namespace/:name/trials/:trial") view=TrialPage />
                    <Route path=path!("/contributors") view=ContributorsPage />
                    <Route path=path!("/activity") view=ActivityPage />
                    // Upstream apps marked `iframe: true` in the links config, framed.
                    <Route path=path!("/_/*app") view=HostedAppPage />
                </Routes>
            </AppLayout>
        </Router>
    }
}

/// "Notebooks · kfdash". Titles can hold route parameters, i.e. text from the URL.
fn page_title(title: String) -> String {
    let title = if title.is_empty() {
        "kfdash".to_string()
    } else {
        format!("{title} · kfdash")
    };
    // leptos_meta 0.8 writes the server-rendered <title> without escaping it, so a crafted URL
    // could close the tag. The browser sets document.title as plain text: escape on the server only.
    #[cfg(feature = "ssr")]
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    title
}

/// The prefix the whole app is served under ("" or e.g. "/kubeflow"): from the server's
/// context when rendering, from the `<meta>` the shell wrote when running in the browser.
pub fn base_path() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::backend::ServerContext>()
            .map(|server| server.base_path)
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .query_selector("meta[name=kfdash-base-path]")
            .ok()
            .flatten()
            .and_then(|meta| meta.get_attribute("content"))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        String::new()
    }
}
