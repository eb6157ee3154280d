//! Google Cloud IAP's signed header, verified: ES256 only, keys from a cached JWKS, exact
//! issuer, a configured audience, a bounded lifetime, an optional hosted domain, and IAP's
//! email header (when present) cross-checked against the token.

use super::jwks::{KeySet, KeysError};
use app::backend::SignedInUser;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

pub const ISSUER: &str = "https://cloud.google.com/iap";
pub const JWT_HEADER: &str = "x-goog-iap-jwt-assertion";
pub const EMAIL_HEADER: &str = "x-goog-authenticated-user-email";
/// Clock skew tolerated on exp and iat.
const SKEW_SECONDS: u64 = 30;
/// IAP issues 10-minute tokens; anything valid for over an hour was not made by IAP.
const MAX_LIFETIME_SECONDS: u64 = 3600;

/// Why a request's identity was refused; logged, never shown in detail to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no {JWT_HEADER} header")]
    Missing,
    #[error("the token is malformed: {0}")]
    Malformed(String),
    #[error("algorithm {0} is not accepted (ES256 only)")]
    Algorithm(String),
    #[error("the token names no key id")]
    NoKeyId,
    #[error("no signing key {0} in the JWKS")]
    UnknownKey(String),
    #[error("the signing keys could not be fetched: {0}")]
    KeysUnavailable(String),
    #[error("the signature does not verify")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the issuer is not {ISSUER}")]
    Issuer,
    #[error("the audience is not one of the configured audiences")]
    Audience,
    #[error("the token is valid for longer than IAP issues tokens")]
    Lifetime,
    #[error("the hosted domain is not allowed")]
    Domain,
    #[error("the token carries no email")]
    NoEmail,
    #[error("{EMAIL_HEADER} does not match the token's email")]
    EmailMismatch,
    #[error("the {0} header is missing or not a valid user")]
    Header(String),
}

#[derive(Debug, Deserialize)]
struct Claims {
    iat: u64,
    exp: u64,
    email: Option<String>,
    hd: Option<String>,
    /// Checked by jsonwebtoken against the configured audiences; kept to be logged.
    #[serde(default)]
    aud: serde_json::Value,
}

pub struct IapVerifier {
    audiences: Vec<String>,
    hosted_domains: Vec<String>,
    keys: KeySet,
}

impl IapVerifier {
    pub fn new(audiences: Vec<String>, hosted_domains: Vec<String>, keys: KeySet) -> Self {
        Self {
            audiences,
            hosted_domains,
            keys,
        }
    }

    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The user the token stands for, or why it does not stand for anyone.
    pub async fn verify(
        &self,
        token: Option<&str>,
        email_header: Option<&str>,
    ) -> Result<SignedInUser, Rejection> {
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Rejection::Missing)?;
        // Bounded before any parsing: IAP tokens are about 1 KB.
        if token.len() > 8 * 1024 {
            return Err(Rejection::Malformed("longer than 8 KiB".into()));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|error| Rejection::Malformed(error.to_string()))?;
        if header.alg != Algorithm::ES256 {
            return Err(Rejection::Algorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(Rejection::NoKeyId)?;
        let key = self.keys.key(&kid).await.map_err(|error| match error {
            KeysError::Unknown => Rejection::UnknownKey(kid.clone()),
            KeysError::Unavailable(why) => Rejection::KeysUnavailable(why),
        })?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&self.audiences);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
        validation.leeway = SKEW_SECONDS;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|error| {
                use jsonwebtoken::errors::ErrorKind;
                match error.kind() {
                    ErrorKind::ExpiredSignature => Rejection::Expired,
                    ErrorKind::ImmatureSignature => Rejection::NotYetValid,
                    ErrorKind::InvalidIssuer => Rejection::Issuer,
                    ErrorKind::InvalidAudience => Rejection::Audience,
                    ErrorKind::InvalidSignature => Rejection::Signature,
                    ErrorKind::InvalidAlgorithm => Rejection::Algorithm("mismatch".into()),
                    _ => Rejection::Malformed(error.to_string()),
                }
            })?
            .claims;
        let now = jsonwebtoken::get_current_timestamp();
        if claims.iat > now + SKEW_SECONDS {
            return Err(Rejection::NotYetValid);
        }
        if claims.exp.saturating_sub(claims.iat) > MAX_LIFETIME_SECONDS {
            return Err(Rejection::Lifetime);
        }
        if !self.hosted_domains.is_empty()
            && !claims
                .hd
                .as_ref()
                .is_some_and(|hd| self.hosted_domains.contains(hd))
        {
            return Err(Rejection::Domain);
        }
        let email = claims
            .email
            .filter(|email| !email.is_empty())
            .ok_or(Rejection::NoEmail)?;
        if let Some(header) = email_header {
            let claimed = header
                .strip_prefix("accounts.google.com:")
                .unwrap_or(header);
            if !claimed.eq_ignore_ascii_case(&email) {
                return Err(Rejection::EmailMismatch);
            }
        }
        // Which IAP backend the request came through, in the request's log line.
        let audience = match &claims.aud {
            serde_json::Value::String(one) => one.clone(),
            other => other.to_string(),
        };
        tracing::Span::current().record("audience", audience.as_str());
        Ok(SignedInUser {
            email,
            groups: Vec::new(),
        })
    }
}
