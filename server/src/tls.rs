//! `--tls-cert` and `--tls-key` (issue 30 point 3): HTTPS with rustls, the certificate reloaded
//! as the policy is. The files are watched (and re-read on SIGHUP); a new pair that loads is
//! served to new connections, the ones open keep theirs; a pair that does not load (a key that
//! is not the certificate's, a half-written file) leaves the one in force and says why.

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
    cert: PathBuf,
    key: PathBuf,
    current: ArcSwap<ServerConfig>,
    /// The bytes of the pair in force (a change of the files that leaves them equal does not
    /// reload).
    loaded: Mutex<(Vec<u8>, Vec<u8>)>,
}

impl Tls {
    /// Loads the certificate chain at `cert` and its key at `key`.
    ///
    /// # Errors
    ///
    /// When a file cannot be read, holds no PEM certificate or key, or the key is not the
    /// certificate's; the message names the file.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Tls>, String> {
        let cert_pem = read(cert)?;
        let key_pem = read(key)?;
        let config = server_config(&cert_pem, &key_pem, cert, key)?;
        Ok(Arc::new(Tls {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: ArcSwap::from_pointee(config),
            loaded: Mutex::new((cert_pem, key_pem)),
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
        let cert_pem = read(&self.cert)?;
        let key_pem = read(&self.key)?;
        let Ok(mut loaded) = self.loaded.lock() else {
            return Err("the TLS state is poisoned".to_owned());
        };
        if loaded.0 == cert_pem && loaded.1 == key_pem {
            return Ok(false);
        }
        let config = server_config(&cert_pem, &key_pem, &self.cert, &self.key)?;
        self.current.store(Arc::new(config));
        *loaded = (cert_pem, key_pem);
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
        let names: Vec<_> = [&self.cert, &self.key]
            .iter()
            .filter_map(|p| p.file_name().map(ToOwned::to_owned))
            .collect();
        let mut dirs: Vec<PathBuf> = Vec::new();
        for path in [&self.cert, &self.key] {
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

/// The rustls configuration of a PEM certificate chain and key (HTTP/1.1 only, TLS 1.2 and
/// 1.3, the `ring` provider's safe defaults).
fn server_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert: &Path,
    key: &Path,
) -> Result<ServerConfig, String> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("`{}`: not a PEM certificate chain: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "`{}` holds no certificate (a PEM `BEGIN CERTIFICATE` block); give --tls-cert the \
             server's certificate chain",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
        format!(
            "`{}` holds no private key (PEM `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE \
             KEY`): {e}",
            key.display()
        )
    })?;
    // The `ring` provider: classical key exchange (X25519, P-256, P-384), built without
    // aws-lc's C toolchain. rustls 0.23.48 marks it deprecated for want of post-quantum key
    // exchange only; moving to aws-lc-rs is this line and the crate features.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| {
            format!(
                "`{}` and `{}` are not a certificate and its key: {e}",
                cert.display(),
                key.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
