//! `kfdash`: parse the configuration, then serve the router until asked to stop.

use clap::Parser;
use server::{config::Cli, observability, router};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Cli::parse().into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("kfdash: {error}");
            return ExitCode::from(2);
        }
    };
    observability::init_logging(settings.log_format);

    let app = router::build(&settings);
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
    tracing::info!(
        cluster = ?settings.cluster,
        base_path = %settings.base_path,
        "kfdash is serving http://{}{}/",
        settings.addr,
        settings.base_path
    );
    if let Err(error) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
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
