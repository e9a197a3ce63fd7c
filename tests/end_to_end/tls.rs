//! The upstream over HTTPS with rustls: a private CA (as a police network has), a server that
//! requires a client certificate (mutual TLS), and the terminal's bearer token on top. A terminal
//! without its certificate, or one that does not trust the CA, delivers nothing — and keeps the
//! submission for later.

use crate::common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use onetrip::config::{Upstream, UpstreamTls};
use onetrip::devtools::reference_upstream::{open_db, received, router, Faults};
use onetrip::store::Store;
use onetrip::sync::{Refusal, SendError, UpstreamClient};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore};

const TOKEN: &str = "t0ken";

struct Pki {
    ca_pem: String,
    ca_der: rustls::pki_types::CertificateDer<'static>,
    server_der: rustls::pki_types::CertificateDer<'static>,
    server_key_der: Vec<u8>,
    client_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "OneTrip test police network CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
    client.distinguished_name.push(DnType::CommonName, "T1");
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client.signed_by(&client_key, &ca_cert, &ca_key).unwrap();

    Pki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        server_der: server_cert.der().clone(),
        server_key_der: server_key.serialize_der(),
        client_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// The reference upstream behind rustls, requiring a client certificate from the CA.
async fn https_upstream(pki: &Pki, db: &Path) -> std::net::SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![pki.server_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let app = router(open_db(db).unwrap(), TOKEN, Faults::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                // A handshake without a valid client certificate ends here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    addr
}

fn cfg(addr: std::net::SocketAddr, tls: Option<UpstreamTls>) -> Upstream {
    Upstream {
        base_url: format!("https://localhost:{}", addr.port()),
        token: TOKEN.into(),
        connect_timeout_secs: 2,
        request_timeout_secs: 5,
        tracking_url: "https://t.invalid/{number}".into(),
        heartbeat_secs: 60,
        tls,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_with_a_private_ca() {
    common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki();
    let files = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let ca_file = files("ca.pem", &pki.ca_pem);
    let client_cert = files("terminal.pem", &pki.client_pem);
    let client_key = files("terminal.key", &pki.client_key_pem);
    let up_db = dir.path().join("up.sqlite3");
    let addr = https_upstream(&pki, &up_db).await;

    let store = Store::open(&dir.path().join("data")).unwrap();
    let payload = serde_json::json!({"applicant": {"name": "测试"}});
    store
        .insert_submission("T1", "application", "ZA-FZJL-01", &payload)
        .unwrap();
    let row = store.due(i64::MAX, 1).unwrap().remove(0);

    // Without a client certificate: the server ends the connection; nothing arrives and the
    // submission stays in the outbox. In TLS 1.3 the client's handshake is already complete when
    // the server refuses its (missing) certificate, so the client sees either the server's alert
    // (a certificate refusal: the queue pauses) or only the connection closing (a retry), as the
    // two packets race; either way nothing is rejected and nothing is sent.
    let no_cert = UpstreamClient::new(&cfg(
        addr,
        Some(UpstreamTls {
            ca_file: Some(ca_file.clone()),
            client_cert: None,
            client_key: None,
        }),
    ))
    .unwrap();
    let refused = no_cert.send_submission(&row).await;
    assert!(
        matches!(
            refused,
            Err(SendError::Refused {
                kind: Refusal::Certificate,
                ..
            }) | Err(SendError::Retryable { .. })
        ),
        "{refused:?}"
    );
    // Not trusting the private CA: the server certificate is refused by the terminal.
    let untrusted = UpstreamClient::new(&cfg(
        addr,
        Some(UpstreamTls {
            ca_file: None,
            client_cert: Some(client_cert.clone()),
            client_key: Some(client_key.clone()),
        }),
    ))
    .unwrap();
    let refused = untrusted.send_submission(&row).await;
    assert!(
        matches!(
            refused,
            Err(SendError::Refused {
                kind: Refusal::Certificate,
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(received(&open_db(&up_db).unwrap()).unwrap().is_empty());

    // The provisioned terminal: CA, certificate and token.
    let terminal = UpstreamClient::new(&cfg(
        addr,
        Some(UpstreamTls {
            ca_file: Some(ca_file),
            client_cert: Some(client_cert),
            client_key: Some(client_key),
        }),
    ))
    .unwrap();
    let reference = tokio::time::timeout(Duration::from_secs(10), terminal.send_submission(&row))
        .await
        .unwrap()
        .unwrap();
    let got = received(&open_db(&up_db).unwrap()).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].key, row.id);
    assert_eq!(got[0].reference, reference);
    // A retry over TLS is still exactly once.
    terminal.send_submission(&row).await.unwrap();
    assert_eq!(received(&open_db(&up_db).unwrap()).unwrap()[0].replays, 1);

    // A broken PEM is a clear setup error, not a silent plain connection.
    let broken = dir.path().join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nnot base64\n").unwrap();
    let err = UpstreamClient::new(&cfg(
        addr,
        Some(UpstreamTls {
            ca_file: Some(broken),
            client_cert: None,
            client_key: None,
        }),
    ))
    .err()
    .expect("a broken CA file is refused");
    assert!(err.to_string().contains("broken.pem"), "{err}");
}
