//! The sandbox's katib-db-manager: `api.v1.beta1.DBManager/GetObservationLog` over gRPC, on a
//! loopback port, answering from the simulated trials, so kfdash reads learning curves from the
//! sandbox exactly as it reads them from Katib.
//!
//! Like Katib's, it knows trials by name only, and an unknown trial has an empty log rather than
//! an error. The values are computed from the trials (see `controllers::katib::model`), so they
//! agree with each trial's `status.observation` and grow while it runs.

use super::controllers::katib;
use super::store::Store;
use crate::katib_grpc::db_manager_server::{DbManager, DbManagerServer};
use crate::katib_grpc::{
    GetObservationLogReply, GetObservationLogRequest, Metric, MetricLog, ObservationLog,
};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// Observation logs of the sandbox's trials.
pub struct ObservationLogs {
    store: Arc<Store>,
}

impl ObservationLogs {
    pub fn new(store: Arc<Store>) -> Self {
        Self { store }
    }
}

/// A time bound of the request: empty for none, else RFC 3339.
fn bound(field: &str, text: &str) -> Result<Option<jiff::Timestamp>, Status> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<jiff::Timestamp>().map(Some).map_err(|error| {
        Status::invalid_argument(format!(
            "{field} {text:?} is not an RFC 3339 time (like 2026-01-02T15:04:05Z): {error}"
        ))
    })
}

/// The log of one trial, as the request narrows it (one metric, a time range).
pub fn answer(store: &Store, request: &GetObservationLogRequest) -> Result<ObservationLog, Status> {
    if request.trial_name.is_empty() {
        return Err(Status::invalid_argument(
            "trial_name is empty: name the trial whose observation log to read",
        ));
    }
    let start = bound("start_time", &request.start_time)?;
    let end = bound("end_time", &request.end_time)?;
    let points = katib::observation_log(store, &request.trial_name).unwrap_or_default();
    let metric_logs = points
        .into_iter()
        .filter(|point| request.metric_name.is_empty() || point.metric == request.metric_name)
        .filter(|point| {
            let Ok(at) = point.time.parse::<jiff::Timestamp>() else {
                return false;
            };
            start.is_none_or(|start| at >= start) && end.is_none_or(|end| at <= end)
        })
        .map(|point| MetricLog {
            time_stamp: point.time,
            metric: Some(Metric {
                name: point.metric,
                value: point.value,
            }),
        })
        .collect();
    Ok(ObservationLog { metric_logs })
}

#[tonic::async_trait]
impl DbManager for ObservationLogs {
    async fn get_observation_log(
        &self,
        request: Request<GetObservationLogRequest>,
    ) -> Result<Response<GetObservationLogReply>, Status> {
        let log = answer(&self.store, request.get_ref())?;
        Ok(Response::new(GetObservationLogReply {
            observation_log: Some(log),
        }))
    }
}

/// Serves the observation logs on a free loopback port until `stopped` turns true (or its
/// sender goes); returns the address.
pub async fn serve(
    store: Arc<Store>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let incoming = futures::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(stream, _)| stream);
        Some((accepted, listener))
    });
    let shutdown = async move {
        let _ = stopped.wait_for(|stopped| *stopped).await;
    };
    tokio::spawn(async move {
        let served = tonic::transport::Server::builder()
            .add_service(DbManagerServer::new(ObservationLogs::new(store)))
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "the sandbox's katib-db-manager stopped");
        }
    });
    Ok(addr)
}
