//! Issue 30 point 3: HTTPS with `--tls-cert` and `--tls-key`, certificates the test makes
//! (its own CA), a client that verifies them, and a rotation served without a restart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use support::{Scratch, Service, eventually, policy_text};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A certificate authority of the test's own.
struct Ca(CertifiedIssuer<'static, KeyPair>);

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        Ca(CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap())
    }

    fn pem(&self) -> String {
        self.0.as_ref().pem()
    }

    /// A server certificate for `localhost` and 127.0.0.1: (certificate PEM, key PEM, DER).
    fn server(&self) -> (String, String, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &self.0).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }

    /// A client certificate: (certificate PEM, key PEM).
    fn client(&self, name: &str) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.0).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// A client that trusts `ca_pem` only.
fn connector(ca_pem: &str) -> TlsConnector {
    connector_as(ca_pem, None)
}

/// A client that trusts `ca_pem` only and, with `identity` (certificate PEM, key PEM), shows
/// that certificate.
fn connector_as(ca_pem: &str, identity: Option<(&str, &str)>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_slice_iter(cert.as_bytes())
                    .map(Result::unwrap)
                    .collect(),
                rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
    };
    TlsConnector::from(Arc::new(config))
}

/// `GET /health/live` over a new verified TLS connection: the answer and the certificate the
/// service showed.
async fn get_live(address: &str, ca_pem: &str) -> Result<(String, Vec<u8>), String> {
    get_live_as(address, connector(ca_pem)).await
}

async fn get_live_as(address: &str, connector: TlsConnector) -> Result<(String, Vec<u8>), String> {
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    let mut tls = tokio::time::timeout(
        Duration::from_secs(5),
        connector.connect(ServerName::try_from("localhost").unwrap(), tcp),
    )
    .await
    .map_err(|_| "handshake timed out".to_owned())?
    .map_err(|e| e.to_string())?;
    let shown = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    tls.write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut reply)).await;
    if reply.is_empty() {
        return Err(format!("no answer: {read:?}"));
    }
    Ok((String::from_utf8_lossy(&reply).into_owned(), shown))
}

fn start_tls(dir: &Scratch, cert: &str, key: &str, extra: &[&str]) -> Service {
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let cert = dir.write_atomic("server.crt", cert);
    let key = dir.write_atomic("server.key", key);
    let mut args = vec![
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Service::start(&policy, &args)
}

/// Issue 30 point 3: with `--tls-cert` and `--tls-key` the service speaks HTTPS only; a client
/// that trusts the test's CA verifies it and is answered, one that trusts another CA refuses
/// the certificate, and plain HTTP gets no answer.
#[tokio::test]
async fn issue30_3_tls_is_served_and_verified_by_a_client_that_trusts_the_ca() {
    let dir = Scratch::new("tls");
    let ca = Ca::new("um test CA");
    let (cert, key, der) = ca.server();
    let service = start_tls(&dir, &cert, &key, &[]);
    assert!(service.base.starts_with("https://"), "{}", service.base);
    let address = service.base.trim_start_matches("https://").to_owned();

    let (answer, shown) = get_live(&address, &ca.pem()).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(shown, der);

    // Another CA's client does not accept the service's certificate.
    let stranger = Ca::new("another CA");
    let refused = get_live(&address, &stranger.pem()).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("certificate") || e.contains("issuer")),
        "{refused:?}"
    );

    // Plain HTTP on the TLS port is not served.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .get(format!("http://{address}/health/live"))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
}

/// Issue 30 point 3: the certificate is reloaded when its files change. A new certificate
/// written without its key yet (a mismatched pair) leaves the one in force served; once the
/// key follows, new connections get the new certificate, without a restart.
#[tokio::test]
async fn issue30_3_a_rotated_certificate_is_served_after_the_files_change() {
    let dir = Scratch::new("tls-rotate");
    let ca = Ca::new("um test CA");
    let (cert, key, der) = ca.server();
    let service = start_tls(&dir, &cert, &key, &[]);
    let address = service.base.trim_start_matches("https://").to_owned();
    let (answer, shown) = get_live(&address, &ca.pem()).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(shown, der);

    let (new_cert, new_key, new_der) = ca.server();
    assert_ne!(new_der, der);
    // Half a rotation: the certificate without its key.
    dir.write_atomic("server.crt", &new_cert);
    // The service has seen the half rotation once it says so; then the old one is served.
    eventually("the mismatched pair is refused in the log", || async {
        service
            .stderr_text()
            .contains("the certificate in force stays")
    })
    .await;
    let (answer, shown) = get_live(&address, &ca.pem()).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(shown, der, "a certificate without its key was served");

    // The key follows: the new certificate is served to new connections.
    dir.write_atomic("server.key", &new_key);
    eventually("the rotated certificate is served", || {
        let address = address.clone();
        let ca = ca.pem();
        let new_der = new_der.clone();
        async move {
            matches!(get_live(&address, &ca).await, Ok((a, shown)) if shown == new_der && a.starts_with("HTTP/1.1 200"))
        }
    })
    .await;
}

/// Issue 30 point 3 (optional part): with `--tls-client-ca`, only clients that show a
/// certificate of that CA are served; none, or one of another CA, gets no answer.
#[tokio::test]
async fn issue30_3_client_certificates_of_the_client_ca_only_are_served() {
    let dir = Scratch::new("mtls");
    let ca = Ca::new("um test CA");
    let clients = Ca::new("um clients CA");
    let stranger = Ca::new("another clients CA");
    let (cert, key, _) = ca.server();
    let client_ca = dir.write_atomic("clients.pem", &clients.pem());
    let service = start_tls(
        &dir,
        &cert,
        &key,
        &["--tls-client-ca", client_ca.to_str().unwrap()],
    );
    let address = service.base.trim_start_matches("https://").to_owned();

    let (known_cert, known_key) = clients.client("chatbot");
    let (answer, _) = get_live_as(
        &address,
        connector_as(&ca.pem(), Some((&known_cert, &known_key))),
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let anonymous = get_live(&address, &ca.pem()).await;
    assert!(
        anonymous
            .as_ref()
            .is_err_and(|e| e.contains("CertificateRequired")),
        "{anonymous:?}"
    );
    let (other_cert, other_key) = stranger.client("chatbot");
    let foreign = get_live_as(
        &address,
        connector_as(&ca.pem(), Some((&other_cert, &other_key))),
    )
    .await;
    assert!(
        foreign.as_ref().is_err_and(|e| e.contains("UnknownCA")),
        "{foreign:?}"
    );
}

/// Issue 30 point 3: TLS files that do not load stop the start with an error naming the file.
#[test]
fn issue30_3_tls_files_that_do_not_load_are_named_at_start() {
    let dir = Scratch::new("tls-bad");
    let policy = dir.write_atomic("policy.toml", &policy_text("r1", None));
    let ca = Ca::new("um test CA");
    let (cert, _, _) = ca.server();
    let (_, other_key, _) = ca.server();
    let cert = dir.write_atomic("server.crt", &cert);
    let other_key = dir.write_atomic("other.key", &other_key);
    let not_pem = dir.write_atomic("not.pem", "hello");
    let run = |cert: &std::path::Path, key: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_unified-message-server"))
            .arg(&policy)
            .args(["--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let missing = run(&dir.path("missing.crt"), &other_key);
    assert!(
        missing.contains("cannot read") && missing.contains("missing.crt"),
        "{missing}"
    );
    let empty = run(&not_pem, &other_key);
    assert!(
        empty.contains("not.pem") && empty.contains("no certificate"),
        "{empty}"
    );
    let mismatched = run(&cert, &other_key);
    assert!(
        mismatched.contains("are not a certificate and its key"),
        "{mismatched}"
    );
    // One without the other is refused by the command line.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unified-message-server"))
        .arg(&policy)
        .arg("--tls-cert")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--tls-key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
