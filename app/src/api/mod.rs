//! Server functions: stable endpoints, each a few lines that pull context and delegate to
//! `backend`.

mod client;

pub use client::{CSRF_HEADER, KfdashClient};

use crate::model::{AppError, Session};
use leptos::prelude::*;

/// The signed-in user and the cluster kind, for the header.
#[server(endpoint = "session", client = KfdashClient)]
pub async fn get_session() -> Result<Session, AppError> {
    let user = crate::backend::current_user()?;
    let server = crate::backend::server_context()?;
    Ok(crate::backend::describe_session(&user, &server))
}
