//! How the server reaches katib-db-manager for learning curves: its gRPC `GetObservationLog`,
//! through tonic. The channel connects lazily and reconnects by itself, so kfdash starts (and
//! every other page works) when Katib isn't installed; the curves then say why they're missing.

use crate::katib_grpc::{GetObservationLogRequest, db_manager_client::DbManagerClient};
use app::backend::katib::{ObservationLogSource, ReportedValue};
use futures::future::BoxFuture;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// The katib-db-manager service of a standard Kubeflow install.
pub const DEFAULT_URL: &str = "http://katib-db-manager.kubeflow.svc.cluster.local:6789";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read: a long trial's log of every metric.
const MAX_ANSWER: usize = 32 * 1024 * 1024;

/// Checks a `--katib-db-manager` value: an http(s) URL with a host.
pub fn check_url(url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/').to_string();
    let parsed: http::Uri = url.parse().map_err(|error| format!("{url:?}: {error}"))?;
    if !matches!(parsed.scheme_str(), Some("http" | "https")) || parsed.host().is_none() {
        return Err(format!(
            "{url:?}: give an http(s) URL such as {DEFAULT_URL}"
        ));
    }
    Ok(url)
}

/// katib-db-manager over gRPC.
pub struct GrpcObservationLogs {
    url: String,
    channel: Channel,
}

impl GrpcObservationLogs {
    pub fn new(url: &str) -> Result<Self, String> {
        let url = check_url(url)?;
        let endpoint = Endpoint::from_shared(url.clone())
            .map_err(|error| format!("{url:?}: {error}"))?
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT);
        Ok(Self {
            channel: endpoint.connect_lazy(),
            url,
        })
    }
}

impl ObservationLogSource for GrpcObservationLogs {
    fn observation_log(
        &self,
        trial: String,
        metric: String,
    ) -> BoxFuture<'static, Result<Vec<ReportedValue>, String>> {
        let mut client =
            DbManagerClient::new(self.channel.clone()).max_decoding_message_size(MAX_ANSWER);
        let url = self.url.clone();
        Box::pin(async move {
            let reply = client
                .get_observation_log(GetObservationLogRequest {
                    trial_name: trial.clone(),
                    metric_name: metric,
                    start_time: String::new(),
                    end_time: String::new(),
                })
                .await
                .map_err(|status| describe(&url, &trial, &status))?
                .into_inner();
            Ok(reply
                .observation_log
                .map(|log| log.metric_logs)
                .unwrap_or_default()
                .into_iter()
                .map(|log| {
                    let metric = log.metric.unwrap_or_default();
                    ReportedValue {
                        time: log.time_stamp,
                        metric: metric.name,
                        value: metric.value,
                    }
                })
                .collect())
        })
    }
}

/// What the page says when the curves can't be had.
fn describe(url: &str, trial: &str, status: &tonic::Status) -> String {
    match status.code() {
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Cancelled => {
            format!(
                "katib-db-manager at {url} can't be reached ({})",
                status.message()
            )
        }
        code => format!(
            "katib-db-manager refused the log of trial {trial}: {code:?}: {}",
            status.message()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host_are_accepted() {
        assert_eq!(check_url("http://db:6789/").unwrap(), "http://db:6789");
        assert!(check_url("db:6789").is_err());
        assert!(check_url("ftp://db:6789").is_err());
        assert!(check_url("http://").is_err());
    }

    #[tokio::test]
    async fn an_unreachable_manager_is_a_clear_error_not_a_hang() {
        // Port 9 on loopback refuses at once; the error must name the address.
        let logs = GrpcObservationLogs::new("http://127.0.0.1:9").unwrap();
        let error = logs
            .observation_log("t".into(), "loss".into())
            .await
            .unwrap_err();
        assert!(error.contains("can't be reached"), "{error}");
        assert!(error.contains("127.0.0.1:9"), "{error}");
    }
}
