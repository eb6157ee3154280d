//! Identity: the IAP JWT matrix with locally generated ES256 keys and a local JWKS server
//! (only the valid token passes), the key cache's refetch rules, and the router refusing
//! every request without a verified identity except probes and assets.

use axum::{Router, body::Body, routing::get};
use base64::Engine as _;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use server::identity::iap::{IapVerifier, Rejection};
use server::identity::jwks::{KeyPolicy, KeySet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tower::ServiceExt;

mod common;

const AUDIENCE: &str = "/projects/123/global/backendServices/456";
const ISSUER: &str = "https://cloud.google.com/iap";
const EMAIL: &str = "ada@example.com";

struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
    public_raw: Vec<u8>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn signing_key(kid: &str) -> SigningKey {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let raw = pair.public_key_raw().to_vec(); // 0x04 || X || Y
    SigningKey {
        kid: kid.to_string(),
        encoding: EncodingKey::from_ec_der(&pair.serialize_der()),
        jwk: json!({ "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid, "x": b64(&raw[1..33]), "y": b64(&raw[33..65]) }),
        public_raw: raw,
    }
}

/// A local JWKS endpoint whose keys and health tests can change, counting fetches.
#[derive(Clone, Default)]
struct JwksServer {
    keys: Arc<std::sync::Mutex<Vec<Value>>>,
    failing: Arc<std::sync::atomic::AtomicBool>,
    oversized: Arc<std::sync::atomic::AtomicBool>,
    fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(self) -> String {
        let state = self.clone();
        let app = Router::new().route(
            "/jwks",
            get(move || {
                let state = state.clone();
                async move {
                    state.fetches.fetch_add(1, Ordering::SeqCst);
                    if state.failing.load(Ordering::SeqCst) {
                        return (StatusCode::INTERNAL_SERVER_ERROR, String::new());
                    }
                    if state.oversized.load(Ordering::SeqCst) {
                        return (
                            StatusCode::OK,
                            format!("{{\"keys\": [], \"pad\": \"{}\"}}", "x".repeat(100_000)),
                        );
                    }
                    (
                        StatusCode::OK,
                        json!({ "keys": *state.keys.lock().unwrap() }).to_string(),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/jwks")
    }
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims() -> Value {
    let now = now();
    json!({ "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600, "sub": "accounts.google.com:1234", "email": EMAIL, "hd": "example.com" })
}

fn mint(key: &SigningKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

async fn verifier(url: &str, policy: KeyPolicy, domains: &[&str]) -> IapVerifier {
    IapVerifier::new(
        vec![AUDIENCE.to_string()],
        domains.iter().map(|d| d.to_string()).collect(),
        KeySet::new(url, policy).unwrap(),
    )
}

#[tokio::test]
async fn only_the_valid_token_passes() {
    let key = signing_key("key-1");
    let jwks = JwksServer::default();
    jwks.keys.lock().unwrap().push(key.jwk.clone());
    let url = jwks.clone().start().await;
    let verifier = verifier(&url, KeyPolicy::default(), &[]).await;
    let valid = mint(&key, &claims());
    let user = verifier
        .verify(Some(&valid), Some(&format!("accounts.google.com:{EMAIL}")))
        .await
        .unwrap();
    assert_eq!(user.email, EMAIL);

    let with = |change: &dyn Fn(&mut Value)| {
        let mut changed = claims();
        change(&mut changed);
        mint(&key, &changed)
    };
    let now = now();
    let segments: Vec<&str> = valid.split('.').collect();
    let other_key = signing_key("key-1");
    let mut tampered_payload = claims();
    tampered_payload["email"] = json!("mallory@example.com");
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_secret(&key.public_raw),
        )
        .unwrap()
    };
    let es384 = {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
        let mut header = Header::new(Algorithm::ES384);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_ec_der(&pair.serialize_der()),
        )
        .unwrap()
    };
    let cases: Vec<(&str, Option<String>, Option<String>, Rejection)> = vec![
        ("missing token", None, None, Rejection::Missing),
        (
            "expired",
            Some(with(&|c| {
                c["iat"] = json!(now - 900);
                c["exp"] = json!(now - 300);
            })),
            None,
            Rejection::Expired,
        ),
        (
            "not yet valid",
            Some(with(&|c| {
                c["iat"] = json!(now + 300);
                c["exp"] = json!(now + 900);
            })),
            None,
            Rejection::NotYetValid,
        ),
        (
            "wrong issuer",
            Some(with(&|c| c["iss"] = json!("https://accounts.google.com"))),
            None,
            Rejection::Issuer,
        ),
        (
            "wrong audience",
            Some(with(&|c| {
                c["aud"] = json!("/projects/999/global/backendServices/1")
            })),
            None,
            Rejection::Audience,
        ),
        (
            "lifetime too long",
            Some(with(&|c| c["exp"] = json!(now + 7200))),
            None,
            Rejection::Lifetime,
        ),
        (
            "no email",
            Some(with(&|c| c["email"] = json!(null))),
            None,
            Rejection::NoEmail,
        ),
        (
            "alg none",
            Some(format!(
                "{}.{}.",
                b64(br#"{"alg":"none","kid":"key-1"}"#),
                segments[1]
            )),
            None,
            Rejection::Algorithm("none".into()),
        ),
        (
            "HS256 with the public key as secret",
            Some(hs256),
            None,
            Rejection::Algorithm("HS256".into()),
        ),
        (
            "ES384",
            Some(es384),
            None,
            Rejection::Algorithm("ES384".into()),
        ),
        (
            "RS256",
            Some(format!(
                "{}.{}.{}",
                b64(br#"{"alg":"RS256","kid":"key-1"}"#),
                segments[1],
                segments[2]
            )),
            None,
            Rejection::Algorithm("RS256".into()),
        ),
        (
            "no key id",
            Some(format!(
                "{}.{}.{}",
                b64(br#"{"alg":"ES256"}"#),
                segments[1],
                segments[2]
            )),
            None,
            Rejection::NoKeyId,
        ),
        (
            "unknown kid",
            Some({
                let mut k = signing_key("key-9");
                k.kid = "key-9".into();
                mint(&k, &claims())
            }),
            None,
            Rejection::UnknownKey("key-9".into()),
        ),
        (
            "tampered payload",
            Some(format!(
                "{}.{}.{}",
                segments[0],
                b64(tampered_payload.to_string().as_bytes()),
                segments[2]
            )),
            None,
            Rejection::Signature,
        ),
        (
            "tampered signature",
            Some(format!(
                "{}.{}.{}",
                segments[0],
                segments[1],
                b64(&[7u8; 64])
            )),
            None,
            Rejection::Signature,
        ),
        (
            "signed by another key with the same kid",
            Some(mint(&other_key, &claims())),
            None,
            Rejection::Signature,
        ),
        (
            "email header mismatch",
            Some(valid.clone()),
            Some("accounts.google.com:mallory@example.com".into()),
            Rejection::EmailMismatch,
        ),
        (
            "garbage",
            Some("not.a.jwt".into()),
            None,
            Rejection::Malformed(String::new()),
        ),
    ];
    for (name, token, email_header, expected) in cases {
        let result = verifier
            .verify(token.as_deref(), email_header.as_deref())
            .await;
        match (&result, &expected) {
            (Err(Rejection::Algorithm(got)), Rejection::Algorithm(want)) => {
                assert!(got.contains(want.as_str()), "{name}: {got}")
            }
            // jsonwebtoken will not even parse a header with alg none: refused before any key.
            (Err(Rejection::Malformed(why)), Rejection::Algorithm(want)) if want == "none" => {
                assert!(why.contains("none"), "{name}: {why}")
            }
            (Err(Rejection::Malformed(_)), Rejection::Malformed(_)) => {}
            (Err(Rejection::Signature | Rejection::Malformed(_)), Rejection::Signature)
                if name == "tampered payload" => {}
            (Err(got), want) => assert_eq!(got, want, "{name}"),
            (Ok(user), _) => panic!("{name}: accepted as {}", user.email),
        }
    }
}

#[tokio::test]
async fn hosted_domain_allow_list() {
    let key = signing_key("key-1");
    let jwks = JwksServer::default();
    jwks.keys.lock().unwrap().push(key.jwk.clone());
    let url = jwks.clone().start().await;
    let verifier = verifier(&url, KeyPolicy::default(), &["corp.example"]).await;
    assert_eq!(
        verifier
            .verify(Some(&mint(&key, &claims())), None)
            .await
            .unwrap_err(),
        Rejection::Domain
    );
    let mut corp = claims();
    corp["hd"] = json!("corp.example");
    assert!(
        verifier
            .verify(Some(&mint(&key, &corp)), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn keys_are_cached_refetched_once_per_cooldown_and_kept_on_failure() {
    let first = signing_key("first");
    let jwks = JwksServer::default();
    jwks.keys.lock().unwrap().push(first.jwk.clone());
    let url = jwks.clone().start().await;
    let policy = KeyPolicy {
        max_age: Duration::from_secs(3600),
        cooldown: Duration::from_millis(400),
    };
    let verifier = verifier(&url, policy, &[]).await;
    for _ in 0..5 {
        verifier
            .verify(Some(&mint(&first, &claims())), None)
            .await
            .unwrap();
    }
    assert_eq!(
        jwks.fetches.load(Ordering::SeqCst),
        1,
        "cached after the first fetch"
    );

    // A burst of unknown key ids causes at most one refetch per cooldown.
    tokio::time::sleep(Duration::from_millis(450)).await;
    let stranger = signing_key("stranger");
    for _ in 0..5 {
        assert!(matches!(
            verifier
                .verify(Some(&mint(&stranger, &claims())), None)
                .await,
            Err(Rejection::UnknownKey(_))
        ));
    }
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 2);

    // Key rotation: after the cooldown, a token with the new key id fetches the new set.
    let rotated = signing_key("rotated");
    jwks.keys.lock().unwrap().push(rotated.jwk.clone());
    tokio::time::sleep(Duration::from_millis(450)).await;
    verifier
        .verify(Some(&mint(&rotated, &claims())), None)
        .await
        .unwrap();
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 3);

    // A failing endpoint does not lose the keys already known.
    jwks.failing.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(
        verifier
            .verify(Some(&mint(&signing_key("unknown"), &claims())), None)
            .await
            .is_err()
    );
    verifier
        .verify(Some(&mint(&first, &claims())), None)
        .await
        .unwrap();
    assert_eq!(verifier.keys().key_count().await, 2);
}

#[tokio::test]
async fn an_oversized_or_unreachable_key_set_is_refused() {
    let key = signing_key("key-1");
    let jwks = JwksServer::default();
    jwks.oversized.store(true, Ordering::SeqCst);
    let url = jwks.clone().start().await;
    let verifier = verifier(&url, KeyPolicy::default(), &[]).await;
    assert!(matches!(
        verifier.verify(Some(&mint(&key, &claims())), None).await,
        Err(Rejection::KeysUnavailable(_))
    ));
    let nowhere = verifier_for_closed_port().await;
    assert!(matches!(
        nowhere.verify(Some(&mint(&key, &claims())), None).await,
        Err(Rejection::KeysUnavailable(_))
    ));
}

async fn verifier_for_closed_port() -> IapVerifier {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    verifier(&format!("http://{addr}/jwks"), KeyPolicy::default(), &[]).await
}

async fn router(
    args: &[&str],
) -> (
    Router,
    tempfile::TempDir,
    std::sync::Arc<server::sandbox::Sandbox>,
    common::Turn,
) {
    let turn = common::turn().await;
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().to_string_lossy().to_string();
    let data = dir.path().join("data").to_string_lossy().to_string();
    let mut argv = vec!["kfdash", "--site-root", &site, "--data-dir", &data];
    argv.extend_from_slice(args);
    let settings = <server::config::Cli as clap::Parser>::try_parse_from(argv)
        .unwrap()
        .into_settings()
        .unwrap();
    let sandbox = std::sync::Arc::new(
        server::sandbox::Sandbox::start(server::sandbox::SandboxOptions::new(
            dir.path().join("data"),
            "user@example.com",
        ))
        .await
        .unwrap(),
    );
    let app = server::router::build(
        &settings,
        std::sync::Arc::new(server::cluster::SandboxCluster(sandbox.clone())),
    )
    .unwrap();
    (app, dir, sandbox, turn)
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn session_request(extra: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn the_router_refuses_requests_without_a_verified_identity() {
    let key = signing_key("key-1");
    let jwks = JwksServer::default();
    jwks.keys.lock().unwrap().push(key.jwk.clone());
    let url = jwks.clone().start().await;
    let (app, _dir, _sandbox, _turn) = router(&[
        "--auth",
        "iap",
        "--iap-audience",
        AUDIENCE,
        "--iap-jwks-url",
        &url,
    ])
    .await;

    let (status, headers, body) = send(&app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
    assert!(body.contains("Sign-in required"), "{body}");

    let (status, _, body) = send(&app, session_request(&[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("unauthenticated"), "{body}");

    for open in ["/healthz", "/readyz", "/metrics"] {
        let (status, _, _) = send(&app, Request::get(open).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{open}");
    }

    let token = mint(&key, &claims());
    let (status, _, body) = send(
        &app,
        session_request(&[("x-goog-iap-jwt-assertion", &token)]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(EMAIL), "{body}");
    let (status, _, _) = send(
        &app,
        session_request(&[
            ("x-goog-iap-jwt-assertion", &token),
            (
                "x-goog-authenticated-user-email",
                "accounts.google.com:eve@example.com",
            ),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The identity a header claims without a token is never trusted.
    let (status, _, _) = send(
        &app,
        session_request(&[
            (
                "x-goog-authenticated-user-email",
                "accounts.google.com:ada@example.com",
            ),
            ("kubeflow-userid", EMAIL),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn header_mode_reads_the_configured_header_and_prefix() {
    let (app, _dir, _sandbox, _turn) = router(&[
        "--auth",
        "header",
        "--userid-prefix",
        "accounts.google.com:",
    ])
    .await;
    let (status, _, body) = send(
        &app,
        session_request(&[
            ("kubeflow-userid", "accounts.google.com:bob@example.com"),
            ("kubeflow-groups", "ml-team,admins"),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("bob@example.com"), "{body}");
    let (status, _, _) = send(
        &app,
        session_request(&[("kubeflow-userid", "bob@example.com")]),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the prefix is required when configured"
    );
    let (status, _, _) = send(&app, session_request(&[])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = send(
        &app,
        session_request(&[("kubeflow-userid", "accounts.google.com:")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an empty user is no user");
}

#[tokio::test]
async fn header_mode_refuses_the_clusters_reserved_identities() {
    let (app, _dir, _sandbox, _turn) = router(&["--auth", "header"]).await;
    for user in [
        "system:admin",
        "system:serviceaccount:kubeflow:kfdash",
        "SYSTEM:admin",
    ] {
        let (status, _, _) = send(&app, session_request(&[("kubeflow-userid", user)])).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{user} was accepted");
    }
    // A group named like the cluster's own is dropped: the user is no cluster admin.
    let workspaces = |groups: &'static str| {
        let mut request = session_request(&[
            ("kubeflow-userid", "bob@example.com"),
            ("kubeflow-groups", groups),
        ]);
        *request.uri_mut() = "/api/workspaces".parse().unwrap();
        request
    };
    let (status, _, body) = send(&app, workspaces("ml-team,system:masters")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""cluster_admin":false"#), "{body}");
}

#[tokio::test]
async fn mutating_server_functions_refuse_cross_site_requests() {
    let (app, _dir, _sandbox, _turn) = router(&[]).await;
    let (status, _, body) = send(&app, session_request(&[])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cross_site = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, cross_site).await.0, StatusCode::FORBIDDEN);
    let no_custom_header = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, no_custom_header).await.0,
        StatusCode::FORBIDDEN,
        "a plain form post cannot add the header"
    );
    let get = Request::get("/api/session")
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, get).await.0,
        StatusCode::FORBIDDEN,
        "server functions are POST"
    );
    let foreign_origin = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "dash.example")
        .header("origin", "https://evil.example")
        .header("x-kfdash-csrf", "1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, foreign_origin).await.0, StatusCode::FORBIDDEN);
    let same_origin_without_fetch_metadata = Request::post("/api/session")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "dash.example")
        .header("origin", "https://dash.example")
        .header("x-kfdash-csrf", "1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, same_origin_without_fetch_metadata).await.0,
        StatusCode::OK
    );
}
