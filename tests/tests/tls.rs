//! HTTPS: two site hosts with two certificates on one port, each SNI name answered with its own
//! certificate (others with the default one); a certificate replaced on disk is served without
//! a restart; HTTP/2 by ALPN; HSTS on HTTPS answers; plain HTTP redirected, except ACME
//! challenges; a damaged certificate file keeps the one served before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use zhanqun_tests::{TestApp, parse};

const JIA: &str = "www.jiaxian.gov.cn";
const MIZHI: &str = "www.mizhi.gov.cn";

/// A self-signed certificate for `host`, written as `<name>.crt` / `<name>.key`; its DER.
fn make_cert(dir: &Path, name: &str, host: &str) -> CertificateDer<'static> {
    let c = rcgen::generate_simple_self_signed(vec![host.to_string()]).unwrap();
    std::fs::write(dir.join(format!("{name}.crt")), c.cert.pem()).unwrap();
    std::fs::write(
        dir.join(format!("{name}.key")),
        c.signing_key.serialize_pem(),
    )
    .unwrap();
    c.cert.der().clone()
}

/// Replaces a file the way a renewal tool does: write a new file, then rename it over.
fn replace(dir: &Path, from: &str, to: &str) {
    std::fs::rename(dir.join(from), dir.join(to)).unwrap();
}

/// Accepts whatever certificate the server sends (the test compares it byte for byte with the
/// one it expects), still checking the handshake signatures.
#[derive(Debug)]
struct AnyCert(rustls::crypto::WebPkiSupportedAlgorithms);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// A TLS handshake with SNI `name`: the certificate the server sent and the protocol ALPN chose.
async fn handshake(
    addr: SocketAddr,
    name: &str,
    _roots: &[CertificateDer<'static>],
) -> (CertificateDer<'static>, Option<Vec<u8>>) {
    let provider = rustls::crypto::ring::default_provider();
    let verifier = Arc::new(AnyCert(provider.signature_verification_algorithms));
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = connector
        .connect(ServerName::try_from(name.to_string()).unwrap(), tcp)
        .await
        .unwrap_or_else(|e| panic!("handshake for {name}: {e}"));
    let (_, conn) = tls.get_ref();
    (
        conn.peer_certificates().unwrap()[0].clone(),
        conn.alpn_protocol().map(<[u8]>::to_vec),
    )
}

/// Waits (bounded) until a handshake for `name` is answered with `want`.
async fn until_served(
    addr: SocketAddr,
    name: &str,
    roots: &[CertificateDer<'static>],
    want: &CertificateDer<'static>,
) {
    let t0 = Instant::now();
    loop {
        if &handshake(addr, name, roots).await.0 == want {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{name} not served with the expected certificate"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn tenants(with_tls: bool) -> Vec<zhanqun_store::SiteInput> {
    let tls = |c: &str| {
        if with_tls {
            format!("\n[tls]\ncert = \"{c}.crt\"\nkey = \"{c}.key\"\n")
        } else {
            String::new()
        }
    };
    let jia = format!(
        "code = \"6108280001\"\nname = \"佳县人民政府\"\nkind = \"county\"\nregion = \"610828\"\ntemplate = \"portal\"\nhosts = [\"{JIA}\"]\n\n[footer]\norganiser = \"佳县人民政府办公室\"\n{}",
        tls("jiaxian")
    );
    let mizhi = format!(
        "code = \"6108270001\"\nname = \"米脂县人民政府\"\nkind = \"county\"\nregion = \"610827\"\ntemplate = \"portal\"\nhosts = [\"{MIZHI}\"]\n\n[footer]\norganiser = \"米脂县人民政府办公室\"\n{}",
        tls("mizhi")
    );
    parse(&[("6108280001.toml", &jia), ("6108270001.toml", &mizhi)]).unwrap()
}

#[tokio::test]
async fn each_site_host_gets_its_certificate_and_renewals_need_no_restart() {
    let certs = tempfile::tempdir().unwrap();
    let dir = certs.path().to_path_buf();
    let default = make_cert(&dir, "default", "zhanqun.invalid");
    let jia = make_cert(&dir, "jiaxian", JIA);
    let mizhi = make_cert(&dir, "mizhi", MIZHI);
    let https_port = zhanqun_tests::process::free_addr().port();
    let t = TestApp::spawn_with(|c| {
        c.tls.enabled = true;
        c.tls.https_addr = SocketAddr::from(([127, 0, 0, 1], https_port));
        c.tls.public_port = https_port;
        c.tls.dir = dir.clone();
        c.tls.reload_seconds = 1;
    })
    .await;
    let addr = t.https.unwrap();
    let mut roots = vec![default.clone(), jia.clone(), mizhi.clone()];

    // Before any site has its own certificate: the default one for every name.
    assert_eq!(handshake(addr, JIA, &roots).await.0, default);
    zhanqun_sites::apply(&t.store, &tenants(true))
        .await
        .unwrap();

    // Two hosts, two certificates, one port; HTTP/2 by ALPN; an unknown name gets the default.
    until_served(addr, JIA, &roots, &jia).await;
    until_served(addr, MIZHI, &roots, &mizhi).await;
    let (_, alpn) = handshake(addr, MIZHI, &roots).await;
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(handshake(addr, "other.example", &roots).await.0, default);

    // A page over HTTPS: HTTP/2, HSTS, the site's own content.
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_der(jia.as_ref()).unwrap())
        .resolve(JIA, addr)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(format!("https://{JIA}:{https_port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert!(res.text().await.unwrap().contains("佳县人民政府"));

    // Plain HTTP redirects to HTTPS (path and query kept), except the ACME challenge; a host
    // no site has is not redirected anywhere.
    let res = t.get(JIA, "/xwzx/?page=2").await;
    assert_eq!(res.status().as_u16(), 308);
    assert_eq!(
        res.headers()["location"],
        format!("https://{JIA}:{https_port}/xwzx/?page=2").as_str()
    );
    assert!(!res.headers().contains_key("strict-transport-security"));
    let res = t.get(JIA, "/.well-known/acme-challenge/token").await;
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(t.get("evil.example", "/").await.status().as_u16(), 404);

    // Renewal: a new certificate for 佳县 written over the old files is served from the next
    // handshakes, by the same process.
    let renewed = make_cert(&dir, "jiaxian-new", JIA);
    roots.push(renewed.clone());
    replace(&dir, "jiaxian-new.key", "jiaxian.key");
    replace(&dir, "jiaxian-new.crt", "jiaxian.crt");
    until_served(addr, JIA, &roots, &renewed).await;
    assert_eq!(handshake(addr, MIZHI, &roots).await.0, mizhi);

    // A damaged file: the certificate served before stays, and the failure is counted.
    std::fs::write(
        dir.join("mizhi.crt"),
        "-----BEGIN CERTIFICATE-----\nnot base64\n",
    )
    .unwrap();
    let t0 = Instant::now();
    while t
        .metric(r#"zhanqun_tls_reloads_total{outcome="error"}"#)
        .await
        < 1.0
    {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "damaged file not noticed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(handshake(addr, MIZHI, &roots).await.0, mizhi);
    assert_eq!(handshake(addr, JIA, &roots).await.0, renewed);
}

#[tokio::test]
async fn bad_certificate_settings_are_refused_with_a_clear_message() {
    // A tenants file with half a [tls] table.
    let half = "code = \"6108280001\"\nname = \"佳县人民政府\"\nkind = \"county\"\nregion = \"610828\"\ntemplate = \"portal\"\n\n[footer]\norganiser = \"佳县人民政府办公室\"\n\n[tls]\ncert = \"a.crt\"\nkey = \"\"\n";
    let errors = parse(&[("6108280001.toml", half)]).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("tls") && e.to_string().contains("私钥")),
        "{errors:?}"
    );
    // No default certificate: the server does not start, and says which file.
    let certs = tempfile::tempdir().unwrap();
    let db = zhanqun_tests::fresh_store().await;
    let mut config = zhanqun_web::Config {
        public_addr: "127.0.0.1:0".parse().unwrap(),
        manage_addr: "127.0.0.1:0".parse().unwrap(),
        database_url: db.url.clone(),
        data_dir: certs.path().to_path_buf(),
        demo_on_empty: false,
        allow_nondurable_database: true,
        ..zhanqun_web::Config::default()
    };
    config.tls.enabled = true;
    config.tls.https_addr = "127.0.0.1:0".parse().unwrap();
    config.tls.dir = certs.path().to_path_buf();
    let listeners = zhanqun_server::Listeners::bind_for(&config).await.unwrap();
    let app = zhanqun_web::App::new(config, db.store.clone())
        .await
        .unwrap();
    let err = zhanqun_server::serve(app, listeners, async {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("默认证书") && err.to_string().contains("default.crt"),
        "{err}"
    );
}
