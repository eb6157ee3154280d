//! `POST {base}/api/pipelines/upload`: a pipeline file (or archive) as the raw request body, up
//! to 32 MiB. kfdash parses it first, so a bad file is refused here with the file, line and
//! field of the problem, and KFP stores only files it will accept; then it goes to KFP as the
//! user, as a new pipeline or (`pipeline_id` given) a new version.

use crate::router::AppState;
use app::backend::{Scope, SignedInUser};
use app::domain::pipeline::{MAX_FILE_BYTES, parse_pipeline_file};
use app::model::AppError;
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use http::StatusCode;

/// The body limit of this route: the largest file plus nothing (it is the raw file).
pub const MAX_UPLOAD_BYTES: usize = MAX_FILE_BYTES;
const MAX_NAME: usize = 128;
const MAX_DESCRIPTION: usize = 2_048;

#[derive(Debug, serde::Deserialize)]
pub struct UploadQuery {
    /// The namespace the pipeline belongs to; ignored for a new version.
    ns: String,
    /// The chosen file's name, for messages and to name the pipeline when `name` is empty.
    file_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// Share the new pipeline with every namespace instead.
    #[serde(default)]
    shared: bool,
    /// Upload a new version of this pipeline instead of a new pipeline.
    pipeline_id: Option<String>,
}

fn refuse(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

pub async fn pipeline(
    State(state): State<AppState>,
    Extension(user): Extension<SignedInUser>,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> Response {
    match upload(&state, &user, query, &body).await {
        Ok(uploaded) => (StatusCode::CREATED, Json(uploaded)).into_response(),
        Err(error) => refuse(error),
    }
}

async fn upload(
    state: &AppState,
    user: &SignedInUser,
    query: UploadQuery,
    body: &[u8],
) -> Result<app::model::kfp::Uploaded, AppError> {
    let namespace = Scope::parse(&query.ns)?.one("Uploading a pipeline")?;
    let file_name = query.file_name.trim();
    if file_name.is_empty() || file_name.len() > 255 || file_name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "file_name",
            "give the file's name (1 to 255 characters)",
        ));
    }
    if body.is_empty() {
        return Err(AppError::invalid("file", format!("{file_name} is empty")));
    }
    if query.description.len() > MAX_DESCRIPTION {
        return Err(AppError::invalid(
            "description",
            "keep it under 2,048 characters",
        ));
    }
    // Parsing is CPU work on up to 32 MiB: off the async workers.
    let (name_for_parse, bytes) = (file_name.to_string(), body.to_vec());
    let graph = tokio::task::spawn_blocking(move || parse_pipeline_file(&name_for_parse, &bytes))
        .await
        .map_err(|error| AppError::Internal(format!("parsing stopped: {error}")))??;
    let name = match query.name.trim() {
        "" => graph
            .display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| graph.name.clone()),
        given => given.to_string(),
    };
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "give the pipeline a name of 1 to 128 characters",
        ));
    }
    let kfp = &state.server.kfp;
    match query.pipeline_id.as_deref().filter(|id| !id.is_empty()) {
        Some(pipeline_id) => {
            kfp.upload_version(
                user,
                pipeline_id,
                &name,
                &query.description,
                file_name,
                body,
            )
            .await
        }
        None => {
            let owner = (!query.shared).then_some(namespace.as_str());
            kfp.upload_pipeline(user, owner, &name, &query.description, file_name, body)
                .await
        }
    }
}
