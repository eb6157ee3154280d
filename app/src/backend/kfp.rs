//! The Kubeflow Pipelines REST API (v2beta1), called for the signed-in user.
//!
//! KFP in multi-user mode learns who calls from a header (`kubeflow-userid` in a standard
//! Kubeflow install, its `KUBEFLOW_USERID_HEADER`) and authorizes every call with a
//! SubjectAccessReview for that user, so kfdash sends the verified user there and nothing
//! else. That header is only trustworthy if nobody but kfdash (and the gateway) can reach
//! ml-pipeline: `deploy/` adds the Istio AuthorizationPolicy that says so.
//!
//! Every list is one request per page; no call is made per row.

use super::SignedInUser;
use crate::model::AppError;
use crate::model::kfp::{
    ExperimentRow, NewRun, PipelineDetails, PipelineList, PipelineRow, RunAction, RunList,
    RunQuery, RunRow, RunState, Uploaded, VersionGraph, VersionRow,
};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// How requests reach KFP: HTTP to ml-pipeline, or the sandbox's emulation in-process.
pub trait KfpTransport: Send + Sync + 'static {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'static, Result<http::Response<Vec<u8>>, String>>;
}

/// The KFP API and how to tell it who calls.
#[derive(Clone)]
pub struct Kfp {
    pub transport: Arc<dyn KfpTransport>,
    pub user_header: String,
    pub user_prefix: String,
}

/// Most rows one page asks for.
pub const MAX_PAGE_SIZE: u32 = 200;
const DEFAULT_PAGE_SIZE: u32 = 50;

fn query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs.iter().filter(|(_, value)| !value.is_empty()) {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// Ids KFP hands out are UUIDs; anything else never reaches a URL path.
fn id_problem(id: &str) -> Option<&'static str> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (!ok).then_some("is not a KFP id")
}

pub fn check_id(field: &str, id: &str) -> Result<(), AppError> {
    id_problem(id).map_or(Ok(()), |why| Err(AppError::invalid(field, why)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KfpError {
    error_message: Option<String>,
    message: Option<String>,
    error: Option<String>,
}

fn kfp_error(status: http::StatusCode, body: &[u8]) -> AppError {
    let parsed: KfpError = serde_json::from_slice(body).unwrap_or_default();
    let message = parsed
        .error_message
        .or(parsed.message)
        .or(parsed.error)
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned());
    match status.as_u16() {
        400 | 422 => AppError::BadRequest(message),
        401 => AppError::Unauthenticated,
        403 => AppError::Forbidden(format!("this in Kubeflow Pipelines ({message})")),
        404 => AppError::NotFound(message),
        409 => AppError::Conflict(message),
        413 => AppError::TooLarge(message),
        500..=599 => AppError::Unavailable(format!("Kubeflow Pipelines: {message}")),
        _ => AppError::Internal(format!("Kubeflow Pipelines answered {status}: {message}")),
    }
}

/// A multipart/form-data body with one file field, as KFP's upload endpoints take it.
fn multipart(field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("kfdash-{}", uuid_like(bytes));
    // The name goes in a quoted header parameter: keep it to characters that can't break out.
    let safe_name: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut body = Vec::with_capacity(bytes.len() + 256);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{safe_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A boundary that does not occur in the file: derived from its length and a scan for it.
fn uuid_like(bytes: &[u8]) -> String {
    let mut salt = bytes.len() as u64;
    loop {
        let candidate = format!("{salt:016x}{:08x}", bytes.len());
        let needle = format!("kfdash-{candidate}");
        if !bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
        {
            return candidate;
        }
        salt = salt.wrapping_mul(6364136223846793005).wrapping_add(1);
    }
}

// KFP's JSON, only the fields kfdash reads.

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KfpPipeline {
    pipeline_id: String,
    display_name: String,
    name: String,
    description: String,
    created_at: Option<String>,
    namespace: Option<String>,
}

impl From<KfpPipeline> for PipelineRow {
    fn from(p: KfpPipeline) -> Self {
        Self {
            name: if p.display_name.is_empty() {
                p.name
            } else {
                p.display_name
            },
            id: p.pipeline_id,
            description: p.description,
            created_at: p.created_at,
            namespace: p.namespace.filter(|ns| !ns.is_empty()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KfpVersion {
    pipeline_id: String,
    pipeline_version_id: String,
    display_name: String,
    name: String,
    description: String,
    created_at: Option<String>,
    pipeline_spec: Option<Value>,
}

impl KfpVersion {
    fn row(&self) -> VersionRow {
        VersionRow {
            id: self.pipeline_version_id.clone(),
            pipeline_id: self.pipeline_id.clone(),
            name: if self.display_name.is_empty() {
                self.name.clone()
            } else {
                self.display_name.clone()
            },
            description: self.description.clone(),
            created_at: self.created_at.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KfpExperiment {
    experiment_id: String,
    display_name: String,
    description: String,
    created_at: Option<String>,
    namespace: Option<String>,
    storage_state: Option<String>,
}

impl From<KfpExperiment> for ExperimentRow {
    fn from(e: KfpExperiment) -> Self {
        Self {
            id: e.experiment_id,
            name: e.display_name,
            description: e.description,
            created_at: e.created_at,
            namespace: e.namespace.filter(|ns| !ns.is_empty()),
            archived: e.storage_state.as_deref() == Some("ARCHIVED"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KfpRun {
    run_id: String,
    display_name: String,
    description: String,
    experiment_id: Option<String>,
    pipeline_version_reference: Option<VersionReference>,
    runtime_config: Option<RuntimeConfig>,
    state: Option<String>,
    created_at: Option<String>,
    finished_at: Option<String>,
    storage_state: Option<String>,
    error: Option<Value>,
    run_details: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VersionReference {
    pipeline_id: Option<String>,
    pipeline_version_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RuntimeConfig {
    parameters: serde_json::Map<String, Value>,
}

impl KfpRun {
    fn row(&self) -> RunRow {
        let reference = self.pipeline_version_reference.as_ref();
        RunRow {
            id: self.run_id.clone(),
            name: self.display_name.clone(),
            description: self.description.clone(),
            experiment_id: self.experiment_id.clone().filter(|id| !id.is_empty()),
            pipeline_id: reference.and_then(|r| r.pipeline_id.clone()),
            version_id: reference.and_then(|r| r.pipeline_version_id.clone()),
            state: RunState::from_kfp(self.state.as_deref().unwrap_or_default()),
            created_at: self.created_at.clone(),
            finished_at: self
                .finished_at
                .clone()
                .filter(|t| !t.starts_with("1970-01-01")),
            archived: self.storage_state.as_deref() == Some("ARCHIVED"),
            error: self.error.as_ref().and_then(|error| {
                error
                    .get("message")
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned)
            }),
            parameters: self
                .runtime_config
                .as_ref()
                .map(|config| {
                    config
                        .parameters
                        .iter()
                        .map(|(name, value)| {
                            let text = match value {
                                Value::String(text) => text.clone(),
                                other => other.to_string(),
                            };
                            (name.clone(), text)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

impl Kfp {
    async fn call(
        &self,
        user: &SignedInUser,
        method: http::Method,
        path_and_query: &str,
        body: Option<(String, Vec<u8>)>,
    ) -> Result<Vec<u8>, AppError> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("/apis/v2beta1/{path_and_query}"))
            .header(
                self.user_header.as_str(),
                format!("{}{}", self.user_prefix, user.email),
            )
            .header(http::header::ACCEPT, "application/json");
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header(http::header::CONTENT_TYPE, content_type);
                bytes
            }
            None => Vec::new(),
        };
        let request = request.body(body).map_err(|error| {
            AppError::Internal(format!("a KFP request could not be built: {error}"))
        })?;
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|error| AppError::Unavailable(format!("Kubeflow Pipelines: {error}")))?;
        let status = response.status();
        let bytes = response.into_body();
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(kfp_error(status, &bytes))
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        user: &SignedInUser,
        path_and_query: &str,
    ) -> Result<T, AppError> {
        let bytes = self
            .call(user, http::Method::GET, path_and_query, None)
            .await?;
        read(&bytes)
    }

    async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        user: &SignedInUser,
        path: &str,
        body: &Value,
    ) -> Result<T, AppError> {
        let bytes = self
            .call(
                user,
                http::Method::POST,
                path,
                Some(("application/json".into(), body.to_string().into_bytes())),
            )
            .await?;
        read(&bytes)
    }

    /// One page of the namespace's pipelines, or of the shared ones.
    pub async fn list_pipelines(
        &self,
        user: &SignedInUser,
        namespace: Option<&str>,
        page_token: Option<&str>,
    ) -> Result<PipelineList, AppError> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Page {
            pipelines: Vec<KfpPipeline>,
            total_size: u64,
            next_page_token: String,
        }
        let size = DEFAULT_PAGE_SIZE.to_string();
        let page: Page = self
            .get(
                user,
                &format!(
                    "pipelines?{}",
                    query(&[
                        ("namespace", namespace.unwrap_or_default()),
                        ("page_size", &size),
                        ("page_token", page_token.unwrap_or_default()),
                        ("sort_by", "created_at desc"),
                    ])
                ),
            )
            .await?;
        Ok(PipelineList {
            rows: page.pipelines.into_iter().map(PipelineRow::from).collect(),
            next_page_token: Some(page.next_page_token).filter(|t| !t.is_empty()),
            total: page.total_size,
        })
    }

    /// A pipeline with its newest versions (up to one page of them).
    pub async fn pipeline(
        &self,
        user: &SignedInUser,
        pipeline_id: &str,
    ) -> Result<PipelineDetails, AppError> {
        check_id("pipeline", pipeline_id)?;
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Page {
            pipeline_versions: Vec<KfpVersion>,
        }
        let pipeline: KfpPipeline = self.get(user, &format!("pipelines/{pipeline_id}")).await?;
        let size = MAX_PAGE_SIZE.to_string();
        let versions: Page = self
            .get(
                user,
                &format!(
                    "pipelines/{pipeline_id}/versions?{}",
                    query(&[("page_size", &size), ("sort_by", "created_at desc")])
                ),
            )
            .await?;
        Ok(PipelineDetails {
            pipeline: pipeline.into(),
            versions: versions
                .pipeline_versions
                .iter()
                .map(KfpVersion::row)
                .collect(),
        })
    }

    /// A version with the graph of its pipeline spec.
    pub async fn version_graph(
        &self,
        user: &SignedInUser,
        pipeline_id: &str,
        version_id: &str,
    ) -> Result<VersionGraph, AppError> {
        check_id("pipeline", pipeline_id)?;
        check_id("version", version_id)?;
        let version: KfpVersion = self
            .get(
                user,
                &format!("pipelines/{pipeline_id}/versions/{version_id}"),
            )
            .await?;
        let spec = version.pipeline_spec.as_ref().ok_or_else(|| {
            AppError::NotFound(format!("the pipeline spec of version {version_id}"))
        })?;
        let graph = spec_graph(&version.row().name, spec)?;
        Ok(VersionGraph {
            version: version.row(),
            graph,
        })
    }

    /// Uploads a new pipeline (`namespace` None: shared), after the caller parsed the file.
    pub async fn upload_pipeline(
        &self,
        user: &SignedInUser,
        namespace: Option<&str>,
        name: &str,
        description: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<Uploaded, AppError> {
        let (content_type, body) = multipart("uploadfile", file_name, bytes);
        let path = format!(
            "pipelines/upload?{}",
            query(&[
                ("name", name),
                ("display_name", name),
                ("description", description),
                ("namespace", namespace.unwrap_or_default()),
            ])
        );
        let bytes = self
            .call(user, http::Method::POST, &path, Some((content_type, body)))
            .await?;
        let pipeline: KfpPipeline = read(&bytes)?;
        Ok(Uploaded {
            pipeline_id: pipeline.pipeline_id,
            version_id: None,
        })
    }

    pub async fn upload_version(
        &self,
        user: &SignedInUser,
        pipeline_id: &str,
        name: &str,
        description: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<Uploaded, AppError> {
        check_id("pipeline", pipeline_id)?;
        let (content_type, body) = multipart("uploadfile", file_name, bytes);
        let path = format!(
            "pipelines/upload_version?{}",
            query(&[
                ("pipelineid", pipeline_id),
                ("name", name),
                ("display_name", name),
                ("description", description),
            ])
        );
        let bytes = self
            .call(user, http::Method::POST, &path, Some((content_type, body)))
            .await?;
        let version: KfpVersion = read(&bytes)?;
        Ok(Uploaded {
            pipeline_id: version.pipeline_id,
            version_id: Some(version.pipeline_version_id),
        })
    }

    pub async fn experiments(
        &self,
        user: &SignedInUser,
        namespace: &str,
    ) -> Result<Vec<ExperimentRow>, AppError> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Page {
            experiments: Vec<KfpExperiment>,
        }
        let size = MAX_PAGE_SIZE.to_string();
        let page: Page = self
            .get(
                user,
                &format!(
                    "experiments?{}",
                    query(&[
                        ("namespace", namespace),
                        ("page_size", &size),
                        ("sort_by", "created_at desc")
                    ])
                ),
            )
            .await?;
        Ok(page
            .experiments
            .into_iter()
            .map(ExperimentRow::from)
            .collect())
    }

    pub async fn create_experiment(
        &self,
        user: &SignedInUser,
        namespace: &str,
        name: &str,
    ) -> Result<ExperimentRow, AppError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 128 {
            return Err(AppError::invalid(
                "new_experiment",
                "give the experiment a name of 1 to 128 characters",
            ));
        }
        let experiment: KfpExperiment = self
            .post_json(
                user,
                "experiments",
                &json!({"display_name": name, "namespace": namespace}),
            )
            .await?;
        Ok(experiment.into())
    }

    /// One page of runs, filtered and sorted by KFP itself.
    pub async fn runs(&self, user: &SignedInUser, runs: &RunQuery) -> Result<RunList, AppError> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Page {
            runs: Vec<KfpRun>,
            total_size: u64,
            next_page_token: String,
        }
        if let Some(experiment) = &runs.experiment_id {
            check_id("experiment", experiment)?;
        }
        let mut predicates = vec![json!({
            "key": "storage_state",
            "operation": "EQUALS",
            "string_value": if runs.archived { "ARCHIVED" } else { "AVAILABLE" },
        })];
        if let Some(state) = runs.state {
            predicates.push(
                json!({"key": "state", "operation": "EQUALS", "string_value": state.as_kfp()}),
            );
        }
        if let Some(name) = runs
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if name.len() > 256 {
                return Err(AppError::invalid(
                    "name",
                    "search for at most 256 characters",
                ));
            }
            predicates.push(
                json!({"key": "display_name", "operation": "IS_SUBSTRING", "string_value": name}),
            );
        }
        let filter = json!({ "predicates": predicates }).to_string();
        let size = runs
            .page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE)
            .to_string();
        let page: Page = self
            .get(
                user,
                &format!(
                    "runs?{}",
                    query(&[
                        ("namespace", &runs.namespace),
                        (
                            "experiment_id",
                            runs.experiment_id.as_deref().unwrap_or_default()
                        ),
                        ("page_size", &size),
                        ("page_token", runs.page_token.as_deref().unwrap_or_default()),
                        ("sort_by", runs.sort.as_kfp()),
                        ("filter", &filter),
                    ])
                ),
            )
            .await?;
        Ok(RunList {
            rows: page.runs.iter().map(KfpRun::row).collect(),
            next_page_token: Some(page.next_page_token).filter(|t| !t.is_empty()),
            total: page.total_size,
        })
    }

    /// A run, and KFP's task details (the graph when the workflow can't be read).
    pub async fn run(
        &self,
        user: &SignedInUser,
        run_id: &str,
    ) -> Result<(RunRow, Option<Value>), AppError> {
        check_id("run", run_id)?;
        let run: KfpRun = self.get(user, &format!("runs/{run_id}")).await?;
        Ok((run.row(), run.run_details))
    }

    /// Starts a run with `parameters` already checked and typed.
    pub async fn create_run(
        &self,
        user: &SignedInUser,
        new: &NewRun,
        experiment_id: &str,
        parameters: &std::collections::BTreeMap<String, Value>,
    ) -> Result<RunRow, AppError> {
        check_id("pipeline", &new.pipeline_id)?;
        check_id("version", &new.version_id)?;
        check_id("experiment", experiment_id)?;
        let run: KfpRun = self
            .post_json(
                user,
                "runs",
                &json!({
                    "display_name": new.name.trim(),
                    "description": new.description,
                    "experiment_id": experiment_id,
                    "pipeline_version_reference": {
                        "pipeline_id": new.pipeline_id,
                        "pipeline_version_id": new.version_id,
                    },
                    "runtime_config": { "parameters": parameters },
                }),
            )
            .await?;
        Ok(run.row())
    }

    /// `terminate`, `retry`, `archive` or `unarchive`.
    pub async fn run_action(
        &self,
        user: &SignedInUser,
        run_id: &str,
        action: RunAction,
    ) -> Result<(), AppError> {
        check_id("run", run_id)?;
        self.call(
            user,
            http::Method::POST,
            &format!("runs/{run_id}:{}", action.as_kfp()),
            Some(("application/json".into(), b"{}".to_vec())),
        )
        .await
        .map(|_| ())
    }
}

fn read<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|error| {
        AppError::Internal(format!(
            "Kubeflow Pipelines answered something unexpected: {error}"
        ))
    })
}

/// The graph of a version's `pipeline_spec` as KFP returns it: the v2 IR as a JSON object (or
/// `{"pipeline_spec": …, "platform_spec": …}`), or a v1 workflow.
pub fn spec_graph(
    name: &str,
    spec: &Value,
) -> Result<crate::model::pipeline::PipelineGraph, AppError> {
    let spec = spec.get("pipeline_spec").unwrap_or(spec);
    let bytes = serde_json::to_vec(spec)
        .map_err(|error| AppError::Internal(format!("pipeline spec: {error}")))?;
    crate::domain::pipeline::parse_pipeline_file(&format!("{name}.json"), &bytes)
        .map_err(AppError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kfp_errors_become_app_errors_with_kfps_message() {
        let error = kfp_error(
            http::StatusCode::BAD_REQUEST,
            br#"{"error_message":"Invalid input error: bad yaml","code":3}"#,
        );
        assert_eq!(
            error,
            AppError::BadRequest("Invalid input error: bad yaml".into())
        );
        assert!(matches!(
            kfp_error(http::StatusCode::FORBIDDEN, br#"{"message":"no"}"#),
            AppError::Forbidden(_)
        ));
        assert!(matches!(
            kfp_error(http::StatusCode::SERVICE_UNAVAILABLE, b"upstream connect error"),
            AppError::Unavailable(m) if m.contains("upstream connect error")
        ));
    }

    #[test]
    fn ids_are_checked_before_they_reach_a_path() {
        assert!(check_id("run", "0b5f3c1e-1e2f-4c1a-9a57-3f1a2b3c4d5e").is_ok());
        for bad in [
            "",
            "../pipelines",
            "a/b",
            "a?x=1",
            "a:terminate",
            &"a".repeat(65),
        ] {
            assert!(check_id("run", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn multipart_bodies_hold_the_file_and_a_safe_name() {
        let (content_type, body) = multipart("uploadfile", "my \"pipe\".yaml\r\n", b"a: 1\n");
        let boundary = content_type.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains(r#"filename="my__pipe_.yaml__""#), "{text}");
        assert!(text.contains("\r\n\r\na: 1\n\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }

    #[test]
    fn the_boundary_never_occurs_in_the_file() {
        // 31 bytes that are exactly the first boundary tried for a 31-byte file.
        let sneaky = format!("kfdash-{:016x}{:08x}", 31, 31);
        assert_eq!(sneaky.len(), 31);
        let (content_type, _) = multipart("f", "a", sneaky.as_bytes());
        let boundary = content_type.split("boundary=").nth(1).unwrap();
        assert!(!sneaky.contains(boundary), "{boundary}");
    }

    #[test]
    fn runs_read_their_state_parameters_and_error() {
        let run: KfpRun = serde_json::from_value(json!({
            "run_id": "r1",
            "display_name": "nightly",
            "experiment_id": "e1",
            "pipeline_version_reference": {"pipeline_id": "p1", "pipeline_version_id": "v1"},
            "runtime_config": {"parameters": {"epochs": 3, "name": "x"}},
            "state": "FAILED",
            "created_at": "2026-11-22T10:00:00Z",
            "finished_at": "1970-01-01T00:00:00Z",
            "storage_state": "AVAILABLE",
            "error": {"code": 2, "message": "step train failed"},
        }))
        .unwrap();
        let row = run.row();
        assert_eq!(row.state, RunState::Failed);
        assert_eq!(row.finished_at, None);
        assert_eq!(row.error.as_deref(), Some("step train failed"));
        assert_eq!(
            row.parameters,
            vec![
                ("epochs".to_string(), "3".to_string()),
                ("name".into(), "x".into())
            ]
        );
        assert_eq!(row.version_id.as_deref(), Some("v1"));
    }
}
