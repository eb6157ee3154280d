//! The IAP signing keys: fetched from a JWKS URL, cached, refreshed when old, refetched on an
//! unknown key id at most once per cooldown, and kept when a fetch fails. Fetches are bounded
//! in time and size so a slow or hostile endpoint cannot stall or bloat the server.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// Google's published IAP keys.
pub const GOOGLE_IAP_JWKS: &str = "https://www.gstatic.com/iap/verify/public_key-jwk";
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_JWKS_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysError {
    /// The key id is not in the set, even after a refetch.
    Unknown,
    /// No set could be fetched yet.
    Unavailable(String),
}

#[derive(Debug, Clone)]
pub struct KeyPolicy {
    /// Refresh a set older than this on the next use.
    pub max_age: Duration,
    /// At most one refetch for unknown key ids per this interval.
    pub cooldown: Duration,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(3600),
            cooldown: Duration::from_secs(30),
        }
    }
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
    last_attempt: Option<Instant>,
}

type HttpClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Empty<Bytes>,
>;

#[derive(Clone)]
pub struct KeySet {
    url: Arc<str>,
    policy: KeyPolicy,
    client: HttpClient,
    cached: Arc<RwLock<Cached>>,
    /// One fetch at a time: a burst of unknown kids must not become a burst of fetches.
    fetching: Arc<Mutex<()>>,
}

impl KeySet {
    pub fn new(url: &str, policy: KeyPolicy) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|error| format!("cannot load the system's root certificates: {error}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        Ok(Self {
            url: url.into(),
            policy,
            client,
            cached: Arc::default(),
            fetching: Arc::default(),
        })
    }

    /// How many keys are cached now (for tests and readiness).
    pub async fn key_count(&self) -> usize {
        self.cached.read().await.keys.len()
    }

    pub async fn key(&self, kid: &str) -> Result<DecodingKey, KeysError> {
        {
            let cached = self.cached.read().await;
            let fresh = cached
                .fetched
                .is_some_and(|at| at.elapsed() < self.policy.max_age);
            if let Some(key) = cached.keys.get(kid).filter(|_| fresh) {
                return Ok(key.clone());
            }
        }
        self.refresh(kid).await;
        let cached = self.cached.read().await;
        if let Some(key) = cached.keys.get(kid) {
            return Ok(key.clone());
        }
        if cached.fetched.is_none() {
            return Err(KeysError::Unavailable(format!(
                "no key set fetched from {}",
                self.url
            )));
        }
        Err(KeysError::Unknown)
    }

    /// Fetches a new set unless the key is known and fresh, or a fetch was tried within the
    /// cooldown; on failure the last good set stays.
    async fn refresh(&self, kid: &str) {
        let _one_at_a_time = self.fetching.lock().await;
        {
            let cached = self.cached.read().await;
            let stale = cached
                .fetched
                .is_none_or(|at| at.elapsed() >= self.policy.max_age);
            let known = cached.keys.contains_key(kid);
            // One attempt per cooldown whatever the reason, so a down endpoint is not hammered.
            let cooling = cached
                .last_attempt
                .is_some_and(|at| at.elapsed() < self.policy.cooldown);
            if (known && !stale) || cooling {
                return;
            }
        }
        let result = tokio::time::timeout(FETCH_TIMEOUT, self.fetch()).await;
        let mut cached = self.cached.write().await;
        cached.last_attempt = Some(Instant::now());
        match result {
            Ok(Ok(keys)) => {
                tracing::info!(url = %self.url, keys = keys.len(), "fetched the IAP signing keys");
                cached.keys = keys;
                cached.fetched = Some(Instant::now());
            }
            Ok(Err(error)) => {
                tracing::warn!(url = %self.url, %error, "cannot fetch the IAP signing keys; keeping the last good set")
            }
            Err(_) => {
                tracing::warn!(url = %self.url, "fetching the IAP signing keys timed out; keeping the last good set")
            }
        }
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let uri: http::Uri = self
            .url
            .parse()
            .map_err(|error| format!("bad JWKS URL: {error}"))?;
        let response = self
            .client
            .get(uri)
            .await
            .map_err(|error| error.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let body = Limited::new(response.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map_err(|error| {
                format!("the key set is unreadable or larger than {MAX_JWKS_BYTES} bytes: {error}")
            })?
            .to_bytes();
        parse_key_set(&body)
    }
}

/// The ES256 (P-256) keys of a JWKS document, by key id; other keys are ignored.
pub fn parse_key_set(body: &[u8]) -> Result<HashMap<String, DecodingKey>, String> {
    let set: JwkSet =
        serde_json::from_slice(body).map_err(|error| format!("not a JWKS document: {error}"))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        let AlgorithmParameters::EllipticCurve(params) = &jwk.algorithm else {
            continue;
        };
        if params.curve != EllipticCurve::P256 {
            continue;
        }
        if let Ok(key) = DecodingKey::from_jwk(jwk) {
            keys.insert(kid, key);
        }
    }
    if keys.is_empty() {
        return Err("the key set holds no ES256 keys".into());
    }
    Ok(keys)
}
