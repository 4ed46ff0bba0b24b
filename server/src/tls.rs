//! `--tls-cert` and `--tls-key` (issue 30 point 3): HTTPS with rustls, the certificate reloaded
//! as the policy is. The files are watched (and re-read on SIGHUP); a new pair that loads is
//! served to new connections, the ones open keep theirs; a pair that does not load (a key that
//! is not the certificate's, a half-written file) leaves the one in force and says why.
//!
//! With `--tls-client-ca`, a client is served only when it shows a certificate issued by that
//! CA (mutual TLS): authentication of the connection itself, below any token.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The largest certificate or key file read.
const MAX_PEM_BYTES: u64 = 1 << 20;

/// The TLS configuration in force and where it comes from.
#[derive(Debug)]
pub struct Tls {
    paths: Paths,
    current: ArcSwap<ServerConfig>,
    /// The bytes of the files in force (a change of the files that leaves them equal does not
    /// reload).
    loaded: Mutex<Files>,
}

/// Where the certificate, the key and the client CA are.
#[derive(Debug)]
struct Paths {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
}

/// The bytes of the certificate, the key and the client CA.
#[derive(Debug, PartialEq)]
struct Files {
    cert: Vec<u8>,
    key: Vec<u8>,
    client_ca: Option<Vec<u8>>,
}

impl Tls {
    /// Loads the certificate chain at `cert` and its key at `key`; with `client_ca`, clients
    /// must show a certificate issued by one of the CA certificates in that file.
    ///
    /// # Errors
    ///
    /// When a file cannot be read, holds no PEM certificate or key, or the key is not the
    /// certificate's; the message names the file.
    pub fn load(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<Arc<Tls>, String> {
        let paths = Paths {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            client_ca: client_ca.map(Path::to_path_buf),
        };
        let files = paths.read()?;
        let config = paths.server_config(&files)?;
        Ok(Arc::new(Tls {
            paths,
            current: ArcSwap::from_pointee(config),
            loaded: Mutex::new(files),
        }))
    }

    /// The acceptor of a new connection, with the configuration in force.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.current.load_full())
    }

    /// Reads the files again; when they changed and load, their pair is served to new
    /// connections. `Ok(true)` when it changed.
    ///
    /// # Errors
    ///
    /// As [`Tls::load`]; the pair in force stays.
    pub fn reload(&self) -> Result<bool, String> {
        let files = self.paths.read()?;
        let Ok(mut loaded) = self.loaded.lock() else {
            return Err("the TLS state is poisoned".to_owned());
        };
        if *loaded == files {
            return Ok(false);
        }
        let config = self.paths.server_config(&files)?;
        self.current.store(Arc::new(config));
        *loaded = files;
        Ok(true)
    }

    /// Watches the directories of the two files and reloads on a change (and on SIGHUP). The
    /// watch lasts as long as the value returned.
    ///
    /// # Errors
    ///
    /// When a directory cannot be watched.
    pub fn watch(self: &Arc<Self>) -> Result<Vec<notify::RecommendedWatcher>, String> {
        use notify::{EventKind, RecursiveMode, Watcher};
        let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
        let paths = &self.paths;
        let files: Vec<&PathBuf> = [
            Some(&paths.cert),
            Some(&paths.key),
            paths.client_ca.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let names: Vec<_> = files
            .iter()
            .filter_map(|p| p.file_name().map(ToOwned::to_owned))
            .collect();
        let mut dirs: Vec<PathBuf> = Vec::new();
        for path in files {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        let mut watchers = Vec::new();
        for dir in dirs {
            let tx = tx.clone();
            let names = names.clone();
            let mut watcher =
                notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                    let Ok(event) = event else { return };
                    if matches!(event.kind, EventKind::Access(_)) {
                        return;
                    }
                    // The files themselves, or the `..data` link that Kubernetes swaps when
                    // it updates a mounted secret.
                    let ours = event.paths.iter().any(|p| {
                        p.file_name().is_some_and(|n| {
                            names.iter().any(|ours| ours == n)
                                || n.to_string_lossy().starts_with("..")
                        })
                    });
                    if ours {
                        let _ = tx.try_send(());
                    }
                })
                .map_err(|e| format!("cannot watch the TLS files: {e}"))?;
            watcher
                .watch(&dir, RecursiveMode::NonRecursive)
                .map_err(|e| format!("cannot watch `{}`: {e}", dir.display()))?;
            watchers.push(watcher);
        }
        #[cfg(unix)]
        {
            let tx = tx.clone();
            tokio::spawn(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let Ok(mut hangup) = signal(SignalKind::hangup()) else {
                    return;
                };
                while hangup.recv().await.is_some() {
                    let _ = tx.try_send(());
                }
            });
        }
        drop(tx);
        let tls = self.clone();
        tokio::spawn(async move {
            while rx.recv().await.is_some() {
                // Let the writes of one rotation (certificate, then key) settle.
                loop {
                    match tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
                        Ok(Some(())) => continue,
                        Ok(None) => return,
                        Err(_) => break,
                    }
                }
                let tls = tls.clone();
                match tokio::task::spawn_blocking(move || tls.reload()).await {
                    Ok(Ok(true)) => tracing::info!("TLS: the new certificate is served"),
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!("TLS: {e}; the certificate in force stays");
                    }
                    Err(e) => tracing::warn!("TLS: the reload failed: {e}"),
                }
            }
        });
        Ok(watchers)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_PEM_BYTES {
        return Err(format!(
            "`{}` is larger than {MAX_PEM_BYTES} bytes: not a PEM certificate or key",
            path.display()
        ));
    }
    Ok(bytes)
}

impl Paths {
    fn read(&self) -> Result<Files, String> {
        Ok(Files {
            cert: read(&self.cert)?,
            key: read(&self.key)?,
            client_ca: self.client_ca.as_deref().map(read).transpose()?,
        })
    }

    /// The rustls configuration of the files (HTTP/1.1 only, TLS 1.2 and 1.3, the `ring`
    /// provider's safe defaults).
    fn server_config(&self, files: &Files) -> Result<ServerConfig, String> {
        let (cert, key) = (&self.cert, &self.key);
        let chain = certificates(
            &files.cert,
            cert,
            "--tls-cert the server's certificate chain",
        )?;
        let private = PrivateKeyDer::from_pem_slice(&files.key).map_err(|e| {
            format!(
                "`{}` holds no private key (PEM `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC \
                 PRIVATE KEY`): {e}",
                key.display()
            )
        })?;
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let builder = match (&self.client_ca, &files.client_ca) {
            (Some(path), Some(pem)) => {
                let mut roots = rustls::RootCertStore::empty();
                for ca in certificates(pem, path, "--tls-client-ca the clients' CA certificates")? {
                    roots
                        .add(ca)
                        .map_err(|e| format!("`{}`: not a CA certificate: {e}", path.display()))?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider(),
                )
                .build()
                .map_err(|e| format!("`{}`: {e}", path.display()))?;
                builder.with_client_cert_verifier(verifier)
            }
            _ => builder.with_no_client_auth(),
        };
        let mut config = builder.with_single_cert(chain, private).map_err(|e| {
            format!(
                "`{}` and `{}` are not a certificate and its key: {e}",
                cert.display(),
                key.display()
            )
        })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// The certificates of a PEM file; at least one.
fn certificates(
    pem: &[u8],
    path: &Path,
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let chain = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("`{}`: not PEM certificates: {e}", path.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "`{}` holds no certificate (a PEM `BEGIN CERTIFICATE` block); give {what}",
            path.display()
        ));
    }
    Ok(chain)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    // The `ring` provider: classical key exchange (X25519, P-256, P-384), built without
    // aws-lc's C toolchain. rustls 0.23.48 marks it deprecated for want of post-quantum key
    // exchange only; moving to aws-lc-rs is this line and the crate features.
    #[allow(deprecated)]
    Arc::new(rustls::crypto::ring::default_provider())
}
