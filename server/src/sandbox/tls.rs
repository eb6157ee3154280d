//! TLS for the kubectl listener: client-go never sends a bearer token over plain HTTP, so the
//! sandbox serves HTTPS with a certificate from its own CA, which the kubeconfig embeds.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;

/// A CA and a serving certificate for the loopback address, made fresh at every start.
pub struct Certificates {
    pub ca_pem: String,
    server: rustls::ServerConfig,
}

pub fn certificates(addr: IpAddr) -> Result<Certificates, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "kfdash sandbox CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate()?;
    let mut server = CertificateParams::new(vec!["localhost".to_string()])?;
    server
        .distinguished_name
        .push(DnType::CommonName, "kfdash sandbox");
    server.subject_alt_names.push(SanType::IpAddress(addr));
    let server_cert = server.signed_by(&server_key, &issuer)?;

    let chain = vec![server_cert.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der())
        .map_err(|_| rcgen::Error::CouldNotParseKeyPair)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| rcgen::Error::CouldNotParseCertificate)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|_| rcgen::Error::CouldNotParseCertificate)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Certificates {
        ca_pem: ca_cert.pem(),
        server: config,
    })
}

/// Serves `router` over TLS on `listener` until the runtime stops.
pub fn serve(
    listener: TcpListener,
    router: axum::Router,
    certificates: &Certificates,
    addr: SocketAddr,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(certificates.server.clone()));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stopped.changed() => return,
            };
            let (stream, _) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, %addr, "the sandbox listener could not accept a connection");
                    continue;
                }
            };
            let (acceptor, router) = (acceptor.clone(), router.clone());
            tokio::spawn(async move {
                // A client that fails the handshake (a browser, curl without the CA) is dropped.
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(router);
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(stream), service)
                .await;
            });
        }
    });
}
