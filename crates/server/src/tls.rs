//! HTTPS on the public side: one certificate per site host, chosen by the name the browser asks
//! for (SNI), from the PEM files named in the site's tenants file (`[tls] cert, key`), and a
//! default certificate for every other name. The files are watched: a certificate replaced on
//! disk (a renewal) is served from the next handshake, without a restart. HTTP/2 and HTTP/1.1
//! are offered by ALPN.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use zhanqun_core::{Error, Result, Site};

use zhanqun_web::config::TlsConfig;

/// The certificates in memory (the handshake is synchronous, so nothing is loaded during it).
#[derive(Debug, Default)]
struct Loaded {
    by_host: HashMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
}

/// Picks the certificate of a handshake; shared by the acceptor and the reload loop.
#[derive(Debug, Default)]
pub struct Certs {
    loaded: RwLock<Arc<Loaded>>,
    /// What the last successful load read: file names, sizes and modification times.
    fingerprint: std::sync::Mutex<Vec<Stamp>>,
}

type Stamp = (String, PathBuf, u64, Option<SystemTime>);

impl ResolvesServerCert for Certs {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let loaded = self.loaded.read().map(|l| l.clone()).ok()?;
        hello
            .server_name()
            .and_then(|n| loaded.by_host.get(&n.to_ascii_lowercase()).cloned())
            .or_else(|| loaded.default.clone())
    }
}

fn resolve_path(dir: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

fn stamp(owner: &str, path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok();
    (
        owner.to_string(),
        path.to_path_buf(),
        meta.as_ref().map(|m| m.len()).unwrap_or(0),
        meta.and_then(|m| m.modified().ok()),
    )
}

/// Reads a certificate chain and its private key (PEM) and checks that they belong together.
pub fn load_pair(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| Error::invalid(format!("证书文件 {} 无法读取：{e}", cert.display())))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::invalid(format!("证书文件 {} 格式错误：{e}", cert.display())))?;
    if chain.is_empty() {
        return Err(Error::invalid(format!(
            "证书文件 {} 中没有证书（须为 PEM 格式）",
            cert.display()
        )));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Error::invalid(format!("私钥文件 {} 无法读取：{e}", key.display())))?;
    let provider = rustls::crypto::ring::default_provider();
    let ck = CertifiedKey::from_der(chain, key_der, &provider).map_err(|e| {
        Error::invalid(format!(
            "证书 {} 与私钥 {} 不匹配或不受支持：{e}",
            cert.display(),
            key.display()
        ))
    })?;
    Ok(Arc::new(ck))
}

impl Certs {
    /// Loads the default certificate and every site's; fails only when the default one can't
    /// be loaded (a site's bad files are logged, and its hosts get the default certificate).
    pub fn load(config: &TlsConfig, sites: &[Site]) -> Result<Arc<Certs>> {
        let certs = Arc::new(Certs::default());
        certs.reload(config, sites, true)?;
        Ok(certs)
    }

    /// The files the configuration names, with their sizes and times.
    fn fingerprint_of(config: &TlsConfig, sites: &[Site]) -> Vec<Stamp> {
        let mut out = vec![
            stamp("", &resolve_path(&config.dir, &config.default_cert)),
            stamp("", &resolve_path(&config.dir, &config.default_key)),
        ];
        for s in sites.iter().filter(|s| !s.tls.is_empty()) {
            let owner = format!("{}={}", s.code, s.hosts.join(","));
            out.push(stamp(&owner, &resolve_path(&config.dir, &s.tls.cert)));
            out.push(stamp(&owner, &resolve_path(&config.dir, &s.tls.key)));
        }
        out
    }

    /// Reloads when a file or a site's certificate settings changed since the last load.
    /// Returns whether anything was reloaded. A file that fails to load keeps the certificate
    /// served before, until the file changes again.
    pub fn reload(&self, config: &TlsConfig, sites: &[Site], first: bool) -> Result<bool> {
        let fp = Self::fingerprint_of(config, sites);
        if !first && *self.fingerprint.lock().unwrap_or_else(|e| e.into_inner()) == fp {
            return Ok(false);
        }
        let before = self.loaded.read().map(|l| l.clone()).unwrap_or_default();
        let mut failed = false;
        let default = match load_pair(
            &resolve_path(&config.dir, &config.default_cert),
            &resolve_path(&config.dir, &config.default_key),
        ) {
            Ok(k) => Some(k),
            Err(e) if first => {
                return Err(Error::invalid(format!("默认证书无法加载：{e}")));
            }
            Err(e) => {
                tracing::error!(error = %e, "default certificate not reloaded; the previous one stays");
                failed = true;
                before.default.clone()
            }
        };
        let mut by_host = HashMap::new();
        for s in sites.iter().filter(|s| !s.tls.is_empty()) {
            let cert = resolve_path(&config.dir, &s.tls.cert);
            let key = resolve_path(&config.dir, &s.tls.key);
            match load_pair(&cert, &key) {
                Ok(k) => {
                    for h in &s.hosts {
                        by_host.insert(h.to_ascii_lowercase(), k.clone());
                    }
                }
                Err(e) => {
                    failed = true;
                    tracing::error!(site = %s.code, error = %e, "site certificate not loaded; the previous one (or the default) stays");
                    for h in &s.hosts {
                        if let Some(k) = before.by_host.get(&h.to_ascii_lowercase()) {
                            by_host.insert(h.to_ascii_lowercase(), k.clone());
                        }
                    }
                }
            }
        }
        let hosts = by_host.len();
        if let Ok(mut l) = self.loaded.write() {
            *l = Arc::new(Loaded { by_host, default });
        }
        // Remembered even when a file failed: it is read again when it changes again (a renewal
        // tool's final write changes its time), not every few seconds with the same error.
        *self.fingerprint.lock().unwrap_or_else(|e| e.into_inner()) = fp;
        tracing::info!(hosts, complete = !failed, "certificates loaded");
        if failed {
            Err(Error::invalid("部分证书未能加载（见日志）"))
        } else {
            Ok(true)
        }
    }

    /// The rustls configuration serving these certificates: TLS 1.2 and 1.3, ALPN h2 then
    /// http/1.1.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::internal(format!("TLS: {e}")))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }
}
