//! Flags and environment, checked once at startup: anything unknown, malformed or
//! contradictory stops kfdash with a message that says what to fix.

use app::model::ClusterKind;
use clap::{Parser, ValueEnum};
use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "kfdash",
    version,
    about = "A fast, secure central dashboard for Kubeflow"
)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, env = "KFDASH_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Serve the whole app, assets and server functions under this prefix (e.g. /kubeflow/).
    #[arg(long, env = "KFDASH_BASE_PATH", default_value = "/")]
    pub base_path: String,

    /// Which Kubernetes API to use: the built-in sandbox, a real cluster, or a real one if found.
    #[arg(long, env = "KFDASH_CLUSTER", value_enum, default_value_t = ClusterChoice::Auto)]
    pub cluster: ClusterChoice,

    /// How users are identified.
    #[arg(long, env = "KFDASH_AUTH", value_enum, default_value_t = AuthChoice::Dev)]
    pub auth: AuthChoice,

    /// `--auth iap`: audiences the IAP token must carry (/projects/N/global/backendServices/M);
    /// repeat the flag or separate with commas.
    #[arg(
        long = "iap-audience",
        env = "KFDASH_IAP_AUDIENCES",
        value_delimiter = ','
    )]
    pub iap_audiences: Vec<String>,

    /// `--auth iap`: where IAP's signing keys are published (a JWKS document).
    #[arg(long, env = "KFDASH_IAP_JWKS_URL", default_value = crate::identity::jwks::GOOGLE_IAP_JWKS)]
    pub iap_jwks_url: String,

    /// `--auth iap`: accept only these Google Workspace domains (the token's `hd`); any if none.
    #[arg(
        long = "iap-hosted-domain",
        env = "KFDASH_IAP_HOSTED_DOMAINS",
        value_delimiter = ','
    )]
    pub iap_hosted_domains: Vec<String>,

    /// `--auth header`: the header that names the user (upstream's USERID_HEADER).
    #[arg(long, env = "USERID_HEADER", default_value = "kubeflow-userid")]
    pub userid_header: String,

    /// `--auth header`: a prefix the user header must carry, removed (upstream's USERID_PREFIX).
    #[arg(long, env = "USERID_PREFIX", default_value = "")]
    pub userid_prefix: String,

    /// `--auth header`: the header with the user's groups, comma-separated.
    #[arg(long, env = "GROUPS_HEADER", default_value = "kubeflow-groups")]
    pub groups_header: String,

    /// Let new users create their own namespace on first visit (upstream's REGISTRATION_FLOW).
    #[arg(long, env = "REGISTRATION_FLOW", default_value_t = true, action = clap::ArgAction::Set)]
    pub registration_flow: bool,

    /// Home and menu links: the upstream dashboard's `links` JSON in a file, re-read when it changes.
    #[arg(long, env = "KFDASH_LINKS_CONFIG", conflicts_with = "links_configmap")]
    pub links_config: Option<PathBuf>,

    /// ...or in a ConfigMap, as NAMESPACE/NAME, key `links` (upstream's centraldashboard-config).
    #[arg(long, env = "KFDASH_LINKS_CONFIGMAP")]
    pub links_configmap: Option<String>,

    /// The notebook spawner's form: upstream Jupyter web app's `spawner_ui_config.yaml`, read as
    /// is from a file and re-read when it changes.
    #[arg(
        long,
        env = "KFDASH_SPAWNER_CONFIG",
        conflicts_with = "spawner_configmap"
    )]
    pub spawner_config: Option<PathBuf>,

    /// ...or from a ConfigMap, as NAMESPACE/NAME, key `spawner_ui_config.yaml` (upstream's
    /// jupyter-web-app-config).
    #[arg(long, env = "KFDASH_SPAWNER_CONFIGMAP")]
    pub spawner_configmap: Option<String>,

    /// The fixed user of `--auth dev`.
    #[arg(long, env = "KFDASH_DEV_USER", default_value = "user@example.com")]
    pub dev_user: String,

    /// Who may frame kfdash (CSP frame-ancestors sources), space-separated or repeated.
    #[arg(
        long,
        env = "KFDASH_FRAME_ANCESTORS",
        value_delimiter = ' ',
        default_value = "'self'"
    )]
    pub frame_ancestors: Vec<String>,

    /// Origins of host pages that may drive kfdash in a frame through postMessage (navigate,
    /// set the namespace and theme), space-separated or repeated. They must also be allowed by
    /// --frame-ancestors. None: kfdash neither posts to nor listens to any host.
    #[arg(long, env = "KFDASH_EMBED_ORIGINS", value_delimiter = ' ')]
    pub embed_origins: Vec<String>,

    /// Kubeflow Pipelines' API (ml-pipeline). Default: the sandbox's own with the sandbox, else
    /// the in-cluster service of a standard install, http://ml-pipeline.kubeflow.svc.cluster.local:8888.
    #[arg(long, env = "KFDASH_KFP_URL")]
    pub kfp_url: Option<String>,

    /// The header that tells KFP who calls (its KUBEFLOW_USERID_HEADER).
    #[arg(
        long,
        env = "KFDASH_KFP_USERID_HEADER",
        default_value = "kubeflow-userid"
    )]
    pub kfp_userid_header: String,

    /// A prefix KFP expects before the user's email (its KUBEFLOW_USERID_PREFIX).
    #[arg(long, env = "KFDASH_KFP_USERID_PREFIX", default_value = "")]
    pub kfp_userid_prefix: String,

    /// Katib's katib-db-manager gRPC service, for learning curves. Default: the sandbox's own
    /// with the sandbox, else the in-cluster service of a standard install,
    /// http://katib-db-manager.kubeflow.svc.cluster.local:6789.
    #[arg(long, env = "KFDASH_KATIB_DB_MANAGER")]
    pub katib_db_manager: Option<String>,

    /// Log lines as human-readable text or as JSON objects.
    #[arg(long, env = "KFDASH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Where the sandbox keeps its state (state.json) and its kubeconfig.
    #[arg(long, env = "KFDASH_DATA_DIR", default_value = ".kfdash")]
    pub data_dir: PathBuf,

    /// Start the sandbox afresh from demo data, discarding its saved state.
    #[arg(long, env = "KFDASH_SANDBOX_RESET")]
    pub sandbox_reset: bool,

    /// Loopback address where the sandbox serves kubectl (port 0 picks a free one).
    #[arg(long, env = "KFDASH_SANDBOX_ADDR", default_value = "127.0.0.1:0")]
    pub sandbox_addr: SocketAddr,

    /// GPUs of each kind (nvidia.com/gpu, amd.com/gpu, habana.ai/gaudi) the sandbox's one
    /// simulated node has: a notebook asking for more stays unschedulable.
    #[arg(long, env = "KFDASH_SANDBOX_GPUS", default_value_t = 1)]
    pub sandbox_gpus: u32,

    /// Where the built site (pkg/ and public assets) is; cargo-leptos sets LEPTOS_SITE_ROOT.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClusterChoice {
    Auto,
    Sandbox,
    Kube,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthChoice {
    Dev,
    Header,
    Iap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How users are identified, once validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// One fixed user; only with the sandbox.
    Dev { user: String },
    /// A header set by a proxy that already verified the user (oauth2-proxy, Istio).
    Header {
        user_header: String,
        prefix: String,
        groups_header: String,
    },
    /// Google Cloud IAP's signed JWT.
    Iap {
        audiences: Vec<String>,
        jwks_url: String,
        hosted_domains: Vec<String>,
    },
}

/// The validated configuration the server runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub addr: SocketAddr,
    /// "" or a prefix like "/kubeflow", without a trailing slash.
    pub base_path: String,
    pub cluster: ClusterKind,
    pub auth: Auth,
    pub frame_ancestors: Vec<String>,
    pub embed_origins: Vec<String>,
    /// Explicit `--kfp-url`; None: the cluster's own KFP (sandbox) or the in-cluster default.
    pub kfp_url: Option<String>,
    pub kfp_userid_header: String,
    pub kfp_userid_prefix: String,
    /// Explicit `--katib-db-manager`; None: the sandbox's, or the in-cluster default.
    pub katib_db_manager: Option<String>,
    pub log_format: LogFormat,
    pub site_root: PathBuf,
    pub data_dir: PathBuf,
    pub sandbox_reset: bool,
    pub sandbox_addr: SocketAddr,
    pub sandbox_gpus: u32,
    pub registration_flow: bool,
    pub links: app::backend::reloading::ConfigSource,
    pub spawner: app::backend::reloading::ConfigSource,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--base-path {0:?}: {1}")]
    BasePath(String, &'static str),
    #[error("--frame-ancestors {0:?}: {1}")]
    FrameAncestor(String, &'static str),
    #[error("--dev-user {0:?}: give an email address such as user@example.com")]
    DevUser(String),
    #[error("{0}")]
    Missing(&'static str),
    #[error("{0} {1}")]
    Invalid(&'static str, String),
    #[error("{0}")]
    Contradiction(&'static str),
}

impl Cli {
    pub fn into_settings(self) -> Result<Settings, ConfigError> {
        let cluster = match self.cluster {
            ClusterChoice::Sandbox => ClusterKind::Sandbox,
            ClusterChoice::Kube => ClusterKind::Kube,
            // --auth dev only ever runs on the sandbox, so auto means sandbox with it.
            ClusterChoice::Auto if self.auth == AuthChoice::Dev || !real_cluster_configured() => {
                ClusterKind::Sandbox
            }
            ClusterChoice::Auto => ClusterKind::Kube,
        };
        if cluster == ClusterKind::Sandbox && !self.sandbox_addr.ip().is_loopback() {
            return Err(ConfigError::Contradiction(
                "--sandbox-addr must be a loopback address (127.0.0.1 or ::1): the sandbox's kubeconfig holds an admin token",
            ));
        }
        let auth = match self.auth {
            AuthChoice::Dev if cluster != ClusterKind::Sandbox => {
                return Err(ConfigError::Contradiction(
                    "--auth dev signs everyone in as one user, so it is only allowed with the sandbox; \
                     use --auth iap or --auth header with a real cluster",
                ));
            }
            AuthChoice::Dev => Auth::Dev {
                user: dev_user(self.dev_user)?,
            },
            AuthChoice::Header => Auth::Header {
                user_header: header_name("--userid-header", &self.userid_header)?,
                prefix: self.userid_prefix.clone(),
                groups_header: header_name("--groups-header", &self.groups_header)?,
            },
            AuthChoice::Iap => {
                let audiences: Vec<String> = self
                    .iap_audiences
                    .iter()
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect();
                if audiences.is_empty() {
                    return Err(ConfigError::Missing(
                        "--auth iap needs --iap-audience: the audience of your IAP backend service, /projects/<number>/global/backendServices/<id>",
                    ));
                }
                if !(self.iap_jwks_url.starts_with("https://")
                    || self.iap_jwks_url.starts_with("http://"))
                {
                    return Err(ConfigError::Invalid(
                        "--iap-jwks-url",
                        "must be an http(s) URL".into(),
                    ));
                }
                Auth::Iap {
                    audiences,
                    jwks_url: self.iap_jwks_url.clone(),
                    hosted_domains: self.iap_hosted_domains.clone(),
                }
            }
        };
        Ok(Settings {
            addr: self.addr,
            base_path: normalize_base_path(&self.base_path)?,
            cluster,
            auth,
            frame_ancestors: frame_ancestors(self.frame_ancestors)?,
            embed_origins: embed_origins(self.embed_origins)?,
            kfp_url: self.kfp_url.filter(|url| !url.trim().is_empty()),
            kfp_userid_header: http::HeaderName::from_bytes(self.kfp_userid_header.as_bytes())
                .map_err(|_| {
                    ConfigError::Invalid(
                        "--kfp-userid-header",
                        format!("{:?} is not an HTTP header name", self.kfp_userid_header),
                    )
                })?
                .to_string(),
            kfp_userid_prefix: self.kfp_userid_prefix,
            katib_db_manager: match self.katib_db_manager.filter(|url| !url.trim().is_empty()) {
                Some(url) => Some(
                    crate::katib::check_url(&url)
                        .map_err(|problem| ConfigError::Invalid("--katib-db-manager", problem))?,
                ),
                None => None,
            },
            log_format: self.log_format,
            site_root: self.site_root,
            data_dir: self.data_dir,
            sandbox_reset: self.sandbox_reset,
            sandbox_addr: self.sandbox_addr,
            sandbox_gpus: self.sandbox_gpus,
            registration_flow: self.registration_flow,
            links: config_source(
                "--links-configmap",
                "kubeflow/centraldashboard-config",
                self.links_config,
                self.links_configmap,
            )?,
            spawner: config_source(
                "--spawner-configmap",
                "kubeflow/jupyter-web-app-config",
                self.spawner_config,
                self.spawner_configmap,
            )?,
        })
    }
}

/// The configuration reference in README's "Operators" section: every flag with its
/// environment variable, default and help, read from `Cli` itself so that the two cannot
/// drift (`server/tests/manifests.rs` fails when README differs).
pub fn reference_markdown() -> String {
    use clap::CommandFactory;
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let mut table = String::from(
        "| flag | environment variable | default | what it sets |\n|---|---|---|---|\n",
    );
    for arg in Cli::command().get_arguments() {
        let Some(long) = arg.get_long() else {
            continue;
        };
        let env = arg
            .get_env()
            .map(|name| format!("`{}`", name.to_string_lossy()))
            .unwrap_or_else(|| "none".into());
        let takes_value = arg.get_action().takes_values();
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|value| value.to_string_lossy().into_owned())
            .collect();
        let default = match defaults.as_slice() {
            _ if !takes_value => "off".to_string(),
            [] => "none".to_string(),
            [only] if only.is_empty() => "empty".to_string(),
            values => format!("`{}`", values.join(" ")),
        };
        let mut help = arg
            .get_long_help()
            .or_else(|| arg.get_help())
            .map(|help| help.to_string())
            .unwrap_or_default();
        // clap drops a doc comment's final period; the table reads as sentences.
        if !help.is_empty() && !help.ends_with('.') {
            help.push('.');
        }
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|value| !value.is_hide_set())
            .map(|value| format!("`{}`", value.get_name()))
            .collect();
        if takes_value && !choices.is_empty() {
            help.push_str(&format!(" One of {}.", choices.join(", ")));
        }
        if !takes_value {
            help.push_str(" A switch; its variable takes `true` or `false`.");
        }
        table.push_str(&format!(
            "| `--{long}` | {env} | {} | {} |\n",
            cell(&default),
            cell(&help)
        ));
    }
    table.push_str(
        "\nAlso read from the environment: `RUST_LOG` (log verbosity, `tracing` filter syntax; \
         default `info`) and, to find a real cluster, `KUBECONFIG`, `~/.kube/config` or the \
         pod's service account (`KUBERNETES_SERVICE_HOST`).\n",
    );
    table
}

fn config_source(
    flag: &'static str,
    example: &str,
    file: Option<PathBuf>,
    configmap: Option<String>,
) -> Result<app::backend::reloading::ConfigSource, ConfigError> {
    use app::backend::reloading::ConfigSource;
    match (file, configmap) {
        (Some(path), _) => Ok(ConfigSource::File(path)),
        (None, Some(reference)) => {
            let valid = |part: &str| {
                !part.is_empty()
                    && part.len() <= 253
                    && part.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                    })
            };
            match reference.split_once('/') {
                Some((namespace, name)) if valid(namespace) && valid(name) => {
                    Ok(ConfigSource::ConfigMap {
                        namespace: namespace.to_string(),
                        name: name.to_string(),
                    })
                }
                _ => Err(ConfigError::Invalid(
                    flag,
                    format!("{reference:?} must be NAMESPACE/NAME, e.g. {example}"),
                )),
            }
        }
        (None, None) => Ok(ConfigSource::Defaults),
    }
}

fn header_name(flag: &'static str, value: &str) -> Result<String, ConfigError> {
    let name = value.trim().to_ascii_lowercase();
    http::HeaderName::from_bytes(name.as_bytes())
        .map(|_| name.clone())
        .map_err(|_| {
            ConfigError::Invalid(flag, format!("{value:?} is not a valid HTTP header name"))
        })
}

/// A kubeconfig or an in-cluster service account is there to connect with.
fn real_cluster_configured() -> bool {
    std::env::var_os("KUBECONFIG").is_some_and(|path| !path.is_empty())
        || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
        || std::env::var_os("HOME")
            .is_some_and(|home| PathBuf::from(home).join(".kube/config").exists())
}

/// "/", "" → ""; "/kubeflow/" → "/kubeflow". Only plain path segments are allowed, since the
/// prefix ends up in links, cookies and the router.
pub fn normalize_base_path(raw: &str) -> Result<String, ConfigError> {
    let fail = |why| Err(ConfigError::BasePath(raw.to_string(), why));
    let trimmed = raw.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if !trimmed.starts_with('/') {
        return fail("must start with '/', like /kubeflow/");
    }
    for segment in trimmed[1..].split('/') {
        if segment.is_empty() {
            return fail("has an empty segment ('//')");
        }
        if segment == "." || segment == ".." {
            return fail("may not contain '.' or '..' segments");
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
        {
            return fail("segments may only use letters, digits, '-', '_', '.' and '~'");
        }
    }
    Ok(trimmed.to_string())
}

/// Exact origins, as browsers write them in `MessageEvent.origin`: a pattern or a path would
/// never match, and a typo would silently cut the host off.
fn embed_origins(raw: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let mut origins: Vec<String> = Vec::new();
    for origin in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if let Some(why) = app::domain::embed::origin_problem(origin) {
            return Err(ConfigError::Invalid(
                "--embed-origins",
                format!("{origin:?} {why}"),
            ));
        }
        if !origins.iter().any(|known| known == origin) {
            origins.push(origin.to_string());
        }
    }
    Ok(origins)
}

/// Each source must be a CSP keyword or a host/scheme source: anything else could inject
/// directives into the policy header.
fn frame_ancestors(raw: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let sources: Vec<String> = raw
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if sources.is_empty() {
        return Err(ConfigError::FrameAncestor(
            String::new(),
            "give at least one source, e.g. 'self'",
        ));
    }
    for source in &sources {
        check_frame_ancestor(source)
            .map_err(|why| ConfigError::FrameAncestor(source.clone(), why))?;
    }
    if sources.len() > 1 && sources.iter().any(|s| s == "'none'") {
        return Err(ConfigError::FrameAncestor(
            "'none'".into(),
            "cannot be combined with other sources",
        ));
    }
    Ok(sources)
}

fn check_frame_ancestor(source: &str) -> Result<(), &'static str> {
    match source {
        "'self'" | "'none'" => return Ok(()),
        "*" => return Err("'*' lets any site frame kfdash; list the portal origins instead"),
        _ => {}
    }
    if source.starts_with('\'') {
        return Err("the only keywords allowed are 'self' and 'none'");
    }
    let (scheme, rest) = match source.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, source),
    };
    if let Some(scheme) = scheme {
        if !matches!(scheme, "http" | "https") {
            return Err("only http:// and https:// origins can frame a page");
        }
    } else if let Some(scheme) = source.strip_suffix(':') {
        // A scheme source such as `https:`.
        return if scheme == "https" {
            Ok(())
        } else {
            Err("the only scheme source allowed is https:")
        };
    }
    let host_port = rest.split('/').next().unwrap_or_default();
    if rest.len() != host_port.len() && !rest[host_port.len()..].chars().all(is_path_char) {
        return Err("the path part has characters a CSP source cannot hold");
    }
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    };
    if let Some(port) = port
        && port != "*"
        && port.parse::<u16>().is_err()
    {
        return Err("the port must be a number or '*'");
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    let labels_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if labels_ok {
        Ok(())
    } else {
        Err("expected an origin like https://portal.example.com")
    }
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '~')
}

fn dev_user(user: String) -> Result<String, ConfigError> {
    let user = user.trim().to_string();
    let valid = user.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !user.chars().any(|c| c.is_whitespace() || c.is_control())
    });
    if valid {
        Ok(user)
    } else {
        Err(ConfigError::DevUser(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str]) -> Result<Settings, ConfigError> {
        let mut argv = vec!["kfdash"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)
            .expect("flags parse")
            .into_settings()
    }

    #[test]
    fn defaults_run_the_sandbox_as_the_dev_user_on_loopback() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(settings.base_path, "");
        assert_eq!(settings.cluster, ClusterKind::Sandbox);
        assert_eq!(
            settings.auth,
            Auth::Dev {
                user: "user@example.com".into()
            }
        );
        assert_eq!(settings.frame_ancestors, vec!["'self'"]);
        assert_eq!(settings.log_format, LogFormat::Text);
    }

    #[test]
    fn base_path_is_normalised_with_or_without_trailing_slash() {
        for (raw, expected) in [
            ("/", ""),
            ("", ""),
            ("/kubeflow", "/kubeflow"),
            ("/kubeflow/", "/kubeflow"),
            ("/a/b-c/", "/a/b-c"),
        ] {
            assert_eq!(normalize_base_path(raw).as_deref(), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn base_path_rejects_what_could_escape_or_confuse_the_router() {
        for raw in [
            "kubeflow",
            "/a//b",
            "/../etc",
            "/a/./b",
            "/a b",
            "/a?x=1",
            "/a#b",
            "/<script>",
        ] {
            let error = normalize_base_path(raw).unwrap_err();
            assert!(matches!(error, ConfigError::BasePath(..)), "{raw}: {error}");
            assert!(error.to_string().starts_with("--base-path"), "{error}");
        }
    }

    #[test]
    fn frame_ancestors_accept_keywords_and_origins() {
        let settings = settings(&[
            "--frame-ancestors",
            "'self' https://portal.example.com",
            "--frame-ancestors",
            "https://*.corp.example:8443",
        ])
        .unwrap();
        assert_eq!(
            settings.frame_ancestors,
            vec![
                "'self'",
                "https://portal.example.com",
                "https://*.corp.example:8443"
            ]
        );
        assert_eq!(
            settings_ok(&["--frame-ancestors", "'none'"]),
            vec!["'none'"]
        );
        assert_eq!(
            settings_ok(&["--frame-ancestors", "http://127.0.0.1:4000"]),
            vec!["http://127.0.0.1:4000"]
        );
    }

    fn settings_ok(args: &[&str]) -> Vec<String> {
        settings(args).unwrap().frame_ancestors
    }

    #[test]
    fn embed_origins_are_exact_origins() {
        let parsed = settings(&[
            "--embed-origins",
            "https://portal.example.com http://127.0.0.1:4000",
            "--embed-origins",
            "https://portal.example.com",
        ])
        .unwrap();
        assert_eq!(
            parsed.embed_origins,
            vec!["https://portal.example.com", "http://127.0.0.1:4000"]
        );
        assert!(settings_ok_origins(&[]).is_empty());
        for bad in [
            "*",
            "https://*.example.com",
            "https://portal.example.com/",
            "portal.example.com",
            "https://portal.example.com:443",
            "javascript:alert(1)",
        ] {
            let error = settings(&["--embed-origins", bad]).unwrap_err();
            assert!(
                error.to_string().starts_with("--embed-origins"),
                "{bad}: {error}"
            );
        }
    }

    fn settings_ok_origins(args: &[&str]) -> Vec<String> {
        settings(args).unwrap().embed_origins
    }

    #[test]
    fn frame_ancestors_refuse_injection_and_wildcards() {
        for bad in [
            "https://a.example;script-src *",
            "*",
            "'unsafe-inline'",
            "javascript:",
            "data:",
            "https://a.example,https://b.example",
            "ftp://files.example",
            "https://-bad.example",
            "https://host:99999",
            "https://",
        ] {
            let error = settings(&["--frame-ancestors", bad]).unwrap_err();
            assert!(
                matches!(error, ConfigError::FrameAncestor(..)),
                "{bad}: {error}"
            );
        }
        let error = settings(&["--frame-ancestors", "'none' 'self'"]).unwrap_err();
        assert!(error.to_string().contains("cannot be combined"), "{error}");
    }

    #[test]
    fn dev_auth_is_refused_on_a_real_cluster() {
        let error = settings(&["--cluster", "kube"]).unwrap_err();
        assert!(matches!(error, ConfigError::Contradiction(_)), "{error}");
        assert!(error.to_string().contains("--auth dev"), "{error}");
    }

    #[test]
    fn iap_needs_an_audience_and_a_jwks_url() {
        let error = settings(&["--auth", "iap"]).unwrap_err();
        assert!(error.to_string().contains("--iap-audience"), "{error}");
        let iap = settings(&[
            "--auth",
            "iap",
            "--iap-audience",
            "/projects/1/global/backendServices/2,/projects/1/global/backendServices/3",
        ])
        .unwrap();
        let Auth::Iap {
            audiences,
            jwks_url,
            ..
        } = iap.auth
        else {
            panic!()
        };
        assert_eq!(audiences.len(), 2);
        assert_eq!(
            jwks_url,
            "https://www.gstatic.com/iap/verify/public_key-jwk"
        );
        let error = settings(&[
            "--auth",
            "iap",
            "--iap-audience",
            "a",
            "--iap-jwks-url",
            "file:///etc/keys",
        ])
        .unwrap_err();
        assert!(error.to_string().contains("--iap-jwks-url"), "{error}");
    }

    #[test]
    fn header_auth_takes_upstream_defaults_and_valid_names() {
        let header = settings(&[
            "--auth",
            "header",
            "--userid-prefix",
            "accounts.google.com:",
        ])
        .unwrap();
        assert_eq!(
            header.auth,
            Auth::Header {
                user_header: "kubeflow-userid".into(),
                prefix: "accounts.google.com:".into(),
                groups_header: "kubeflow-groups".into(),
            }
        );
        assert!(settings(&["--auth", "header", "--userid-header", "bad header"]).is_err());
    }

    #[test]
    fn dev_user_must_be_an_email() {
        assert!(matches!(
            settings(&["--dev-user", "nobody"]),
            Err(ConfigError::DevUser(_))
        ));
        assert!(matches!(
            settings(&["--dev-user", "a b@example.com"]),
            Err(ConfigError::DevUser(_))
        ));
        assert_eq!(
            settings(&["--dev-user", "ada@lovelace.dev"]).unwrap().auth,
            Auth::Dev {
                user: "ada@lovelace.dev".into()
            }
        );
    }

    #[test]
    fn unknown_flags_and_values_stop_startup() {
        assert!(Cli::try_parse_from(["kfdash", "--clutser", "sandbox"]).is_err());
        assert!(Cli::try_parse_from(["kfdash", "--cluster", "minikube"]).is_err());
        assert!(Cli::try_parse_from(["kfdash", "--log-format", "xml"]).is_err());
        assert!(Cli::try_parse_from(["kfdash", "--addr", "localhost"]).is_err());
    }

    #[test]
    fn sandbox_listens_only_on_loopback() {
        assert_eq!(
            settings(&[]).unwrap().sandbox_addr.to_string(),
            "127.0.0.1:0"
        );
        assert!(settings(&["--sandbox-addr", "[::1]:7000"]).is_ok());
        let error = settings(&["--sandbox-addr", "0.0.0.0:7000"]).unwrap_err();
        assert!(error.to_string().contains("loopback"), "{error}");
    }

    #[test]
    fn the_sandbox_node_has_one_gpu_unless_told() {
        assert_eq!(settings(&[]).unwrap().sandbox_gpus, 1);
        assert_eq!(settings(&["--sandbox-gpus", "4"]).unwrap().sandbox_gpus, 4);
        assert!(Cli::try_parse_from(["kfdash", "--sandbox-gpus", "-1"]).is_err());
    }

    #[test]
    fn auto_with_dev_auth_is_the_sandbox() {
        assert_eq!(
            settings(&["--cluster", "auto"]).unwrap().cluster,
            ClusterKind::Sandbox
        );
    }

    #[test]
    fn registration_can_be_turned_off() {
        assert!(settings(&[]).unwrap().registration_flow);
        assert!(
            !settings(&["--registration-flow", "false"])
                .unwrap()
                .registration_flow
        );
    }

    #[test]
    fn links_come_from_a_file_or_a_configmap_not_both() {
        use app::backend::reloading::ConfigSource;
        assert_eq!(settings(&[]).unwrap().links, ConfigSource::Defaults);
        assert_eq!(
            settings(&["--links-configmap", "kubeflow/centraldashboard-config"])
                .unwrap()
                .links,
            ConfigSource::ConfigMap {
                namespace: "kubeflow".into(),
                name: "centraldashboard-config".into()
            }
        );
        assert!(settings(&["--links-configmap", "no-slash"]).is_err());
        assert!(
            Cli::try_parse_from([
                "kfdash",
                "--links-config",
                "a.json",
                "--links-configmap",
                "a/b"
            ])
            .is_err()
        );
    }

    #[test]
    fn log_format_json_is_accepted() {
        assert_eq!(
            settings(&["--log-format", "json"]).unwrap().log_format,
            LogFormat::Json
        );
    }
}
