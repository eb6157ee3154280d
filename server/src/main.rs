//! `kfdash`: parse the configuration, then serve the router until asked to stop.

use app::model::ClusterKind;
use clap::Parser;
use server::sandbox::{Sandbox, SandboxOptions};
use server::{config::Cli, observability, router};
use std::process::ExitCode;

/// Stack of each runtime thread. Server rendering polls the page's view as one future; in a
/// debug build (no layout optimisation) the spawner form's outgrew Tokio's 2 MiB default.
const THREAD_STACK: usize = 8 * 1024 * 1024;

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK)
        .build()
    {
        Ok(runtime) => runtime.block_on(serve()),
        Err(error) => {
            eprintln!("kfdash: cannot start the async runtime: {error}");
            ExitCode::from(1)
        }
    }
}

async fn serve() -> ExitCode {
    let settings = match Cli::parse().into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("kfdash: {error}");
            return ExitCode::from(2);
        }
    };
    observability::init_logging(settings.log_format);

    // Bind first: a second kfdash on a busy port must fail before touching the sandbox's files.
    let listener = match tokio::net::TcpListener::bind(settings.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "kfdash: cannot listen on {}: {error} (is another kfdash running? choose another --addr)",
                settings.addr
            );
            return ExitCode::from(1);
        }
    };
    let (kube, sandbox) = match settings.cluster {
        ClusterKind::Sandbox => {
            // The seed's demo data belongs to the dev user; with a real sign-in it is just demo data.
            let user = match &settings.auth {
                server::config::Auth::Dev { user } => user.as_str(),
                _ => "user@example.com",
            };
            let mut options = SandboxOptions::new(&settings.data_dir, user);
            options.reset = settings.sandbox_reset;
            options.listen = Some(settings.sandbox_addr);
            options.node_gpus = settings.sandbox_gpus;
            match Sandbox::start(options).await {
                Ok(sandbox) => {
                    if let Some((addr, kubeconfig)) = &sandbox.listener {
                        let path = std::fs::canonicalize(kubeconfig)
                            .unwrap_or_else(|_| kubeconfig.clone());
                        tracing::info!(%addr, "sandbox cluster ready; use it with: export KUBECONFIG={}", path.display());
                    }
                    let sandbox = std::sync::Arc::new(sandbox);
                    let cluster: std::sync::Arc<dyn app::backend::Cluster> =
                        std::sync::Arc::new(server::cluster::SandboxCluster(sandbox.clone()));
                    (cluster, Some(sandbox))
                }
                Err(error) => {
                    eprintln!("kfdash: {error}");
                    return ExitCode::from(1);
                }
            }
        }
        ClusterKind::Kube => match server::cluster::KubeCluster::connect().await {
            Ok(cluster) => (
                std::sync::Arc::new(cluster) as std::sync::Arc<dyn app::backend::Cluster>,
                None,
            ),
            Err(error) => {
                eprintln!(
                    "kfdash: --cluster kube: no reachable cluster ({error}); set KUBECONFIG, run in a pod, or use --cluster sandbox"
                );
                return ExitCode::from(1);
            }
        },
    };
    let app = match router::build(&settings, kube) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("kfdash: {error}");
            return ExitCode::from(1);
        }
    };
    tracing::info!(
        cluster = ?settings.cluster,
        base_path = %settings.base_path,
        "kfdash is serving http://{}{}/",
        settings.addr,
        settings.base_path
    );
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // Whatever was written since the last periodic save goes to disk before we exit.
    if let Some(sandbox) = &sandbox
        && let Err(error) = sandbox.save_now()
    {
        tracing::error!(%error, "cannot save the sandbox state on shutdown");
    }
    if let Err(error) = served {
        tracing::error!(%error, "server stopped");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
