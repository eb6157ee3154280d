//! The sandbox: an in-process Kubernetes API (a faithful subset, not a mock) that kfdash
//! reaches through an ordinary `kube::Client` when there is no real cluster.
//!
//! Clients made here call the API router in process, with no socket. The same router also
//! listens on a loopback port for kubectl, through the kubeconfig written at start.

pub mod apply;
pub mod controllers;
pub mod discovery;
pub mod katib_db;
pub mod kfp;
pub mod persist;
pub mod rbac;
pub mod registry;
pub mod rest;
pub mod seed;
pub mod selector;
pub mod status;
pub mod store;
pub mod table;
pub mod tls;

use http::{HeaderName, HeaderValue, header};
use rest::{ApiServer, Identity};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::Store;

/// The dashboard's own identity inside the sandbox, as Kubeflow would run it.
pub const DASHBOARD_SERVICE_ACCOUNT: &str = "system:serviceaccount:kubeflow:kfdash";
/// kubectl's identity through the written kubeconfig: a cluster admin.
pub const ADMIN_USER: &str = "sandbox-admin";

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Where state.json and kubeconfig live.
    pub data_dir: PathBuf,
    /// Start empty (then seed) even if saved state exists.
    pub reset: bool,
    /// Loopback address for kubectl; None serves in process only (tests).
    pub listen: Option<SocketAddr>,
    /// The user the seed data is made for (`--dev-user`).
    pub dev_user: String,
    pub pace: controllers::Pace,
    /// GPUs of each kind the simulated node has (`--sandbox-gpus`).
    pub node_gpus: u32,
    pub save_interval: std::time::Duration,
    /// How many change events watches can resume from (older is 410 Gone).
    pub log_capacity: usize,
    /// More bearer tokens and who they are (tests of authentication and impersonation).
    pub extra_tokens: Vec<(String, Identity)>,
}

impl SandboxOptions {
    /// The defaults `kfdash` runs with, for a data directory and dev user.
    pub fn new(data_dir: impl Into<PathBuf>, dev_user: &str) -> Self {
        Self {
            data_dir: data_dir.into(),
            reset: false,
            listen: None,
            dev_user: dev_user.to_string(),
            pace: controllers::Pace::default(),
            node_gpus: 1,
            save_interval: std::time::Duration::from_millis(500),
            log_capacity: store::DEFAULT_LOG_CAPACITY,
            extra_tokens: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot use the sandbox data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error(transparent)]
    State(#[from] persist::LoadError),
    #[error("cannot listen on {0} for kubectl: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("cannot make the sandbox's TLS certificates: {0}")]
    Certificates(rcgen::Error),
    #[error("cannot listen on a loopback port for the sandbox's katib-db-manager: {0}")]
    KatibDb(std::io::Error),
}

pub struct Sandbox {
    api: Arc<ApiServer>,
    router: axum::Router,
    dashboard_token: String,
    admin_token: String,
    /// Where kubectl can reach the sandbox, and the kubeconfig that says so.
    pub listener: Option<(SocketAddr, PathBuf)>,
    saver: persist::Saver,
    /// Where the sandbox's katib-db-manager (gRPC) listens.
    katib_db: SocketAddr,
    /// Tells the background tasks (controllers, saver, listeners) to stop when dropped.
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl Sandbox {
    pub async fn start(options: SandboxOptions) -> Result<Self, SandboxError> {
        std::fs::create_dir_all(&options.data_dir)
            .map_err(|error| SandboxError::DataDir(options.data_dir.clone(), error))?;
        let state_path = options.data_dir.join("state.json");
        let store = Arc::new(Store::new(options.log_capacity));
        let restored = if options.reset {
            None
        } else {
            persist::load(&state_path)?
        };
        match restored {
            Some(snapshot) => {
                let count = store
                    .restore(&snapshot)
                    .map_err(|why| persist::LoadError::Corrupt(state_path.clone(), why))?;
                tracing::info!(objects = count, path = %state_path.display(), "sandbox state restored");
            }
            None => {
                seed::seed(&store, &options.dev_user);
                tracing::info!(path = %state_path.display(), "sandbox seeded with demo data");
            }
        }
        let dashboard_token = random_token();
        let admin_token = random_token();
        let mut tokens = HashMap::from([
            (
                dashboard_token.clone(),
                Identity {
                    user: DASHBOARD_SERVICE_ACCOUNT.into(),
                    groups: vec![
                        "system:serviceaccounts".into(),
                        "system:serviceaccounts:kubeflow".into(),
                        "system:authenticated".into(),
                    ],
                },
            ),
            (
                admin_token.clone(),
                Identity {
                    user: ADMIN_USER.into(),
                    groups: vec!["system:masters".into(), "system:authenticated".into()],
                },
            ),
        ]);
        tokens.extend(options.extra_tokens.iter().cloned());
        let api = Arc::new(ApiServer::new(store.clone(), tokens));
        let router = rest::router(api.clone());
        let (shutdown, stopped) = tokio::sync::watch::channel(false);
        controllers::spawn(
            store.clone(),
            options.pace,
            options.node_gpus,
            stopped.clone(),
        );
        let katib_db = katib_db::serve(store.clone(), stopped.clone())
            .await
            .map_err(SandboxError::KatibDb)?;
        let saver =
            persist::Saver::spawn(store, state_path, options.save_interval, stopped.clone());
        let listener = match options.listen {
            Some(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|error| SandboxError::Listen(addr, error))?;
                let bound = listener
                    .local_addr()
                    .map_err(|error| SandboxError::Listen(addr, error))?;
                let certificates =
                    tls::certificates(bound.ip()).map_err(SandboxError::Certificates)?;
                tls::serve(listener, router.clone(), &certificates, bound, stopped);
                let kubeconfig = options.data_dir.join("kubeconfig");
                write_kubeconfig(&kubeconfig, bound, &admin_token, &certificates.ca_pem)
                    .map_err(|error| SandboxError::DataDir(kubeconfig.clone(), error))?;
                Some((bound, kubeconfig))
            }
            None => None,
        };
        Ok(Self {
            api,
            router,
            dashboard_token,
            admin_token,
            listener,
            saver,
            katib_db,
            shutdown,
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        self.api.store()
    }

    /// Where the sandbox's katib-db-manager answers `GetObservationLog`
    /// (`http://127.0.0.1:PORT`).
    pub fn katib_db_url(&self) -> String {
        format!("http://{}", self.katib_db)
    }

    /// The emulated KFP REST API (v2beta1) over the sandbox's objects, for `--kfp-url`.
    pub fn kfp_router(&self) -> axum::Router {
        kfp::router(self.store().clone())
    }

    /// A client with the dashboard's own identity.
    pub fn dashboard_client(&self) -> kube::Client {
        self.client(&self.dashboard_token, None)
    }

    /// A client that acts as `user` (and `groups`): the dashboard impersonating them.
    pub fn client_as(&self, user: &str, groups: &[&str]) -> kube::Client {
        self.client(&self.dashboard_token, Some((user, groups)))
    }

    /// A cluster-admin client, as kubectl through the kubeconfig.
    pub fn admin_client(&self) -> kube::Client {
        self.client(&self.admin_token, None)
    }

    /// A client with any bearer token, optionally asking to impersonate (tests of
    /// authentication and of who may impersonate).
    pub fn client(&self, token: &str, impersonate: Option<(&str, &[&str])>) -> kube::Client {
        let mut headers: Vec<(HeaderName, HeaderValue)> = vec![(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).expect("tokens are header-safe"),
        )];
        if let Some((user, groups)) = impersonate {
            if let Ok(value) = HeaderValue::from_str(user) {
                headers.push((HeaderName::from_static("impersonate-user"), value));
            }
            for group in groups {
                if let Ok(value) = HeaderValue::from_str(group) {
                    headers.push((HeaderName::from_static("impersonate-group"), value));
                }
            }
        }
        let service = tower::ServiceBuilder::new()
            .map_request(move |mut request: http::Request<kube::client::Body>| {
                for (name, value) in &headers {
                    request.headers_mut().append(name.clone(), value.clone());
                }
                request
            })
            .service(self.router.clone());
        kube::Client::new(service, "default")
    }

    /// Writes the state now; called on shutdown so nothing since the last save is lost.
    pub fn save_now(&self) -> std::io::Result<()> {
        self.saver.save_now()
    }
}

/// The kubeconfig for the loopback listener: its CA and the admin token. Readable by the owner
/// only, since the token is a credential.
fn write_kubeconfig(
    path: &Path,
    addr: SocketAddr,
    token: &str,
    ca_pem: &str,
) -> std::io::Result<()> {
    use base64::Engine as _;
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let config = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kfdash-sandbox\n  cluster:\n    server: https://{addr}\n    certificate-authority-data: {ca}\n\
         users:\n- name: {ADMIN_USER}\n  user:\n    token: {token}\n\
         contexts:\n- name: kfdash-sandbox\n  context:\n    cluster: kfdash-sandbox\n    user: {ADMIN_USER}\n    namespace: default\n\
         current-context: kfdash-sandbox\n"
    );
    persist::write_atomically(path, config.as_bytes(), true)
}
