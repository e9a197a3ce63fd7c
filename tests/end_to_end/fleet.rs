//! Fleet updates over hawkBit's DDI API, against a DDI server on loopback that answers as the
//! DDI documentation shows (root resource with polling config and a deploymentBase link, the
//! deployment with chunks and artifacts, feedback per action): a deployment is downloaded,
//! checked, installed and reported; a corrupt or failing one is reported as failed and nothing
//! is rebooted; a wrong token installs nothing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use onetrip::sync::fleet::{FleetClient, Installer, PollOutcome};
use serde_json::{json, Value};
use sha2::Digest;

const TOKEN: &str = "target-token-0117";

#[derive(Default)]
struct Ddi {
    addr: String,
    pending: bool,
    artifact: Vec<u8>,
    announced_sha256: String,
    feedback: Vec<Value>,
    polls: usize,
}

type Shared = Arc<Mutex<Ddi>>;

fn authorised(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("TargetToken {TOKEN}"))
}

async fn root(
    State(ddi): State<Shared>,
    UrlPath((tenant, controller)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut d = ddi.lock().unwrap();
    d.polls += 1;
    let mut links = json!({});
    if d.pending {
        links["deploymentBase"] = json!({"href": format!(
            "http://{}/{tenant}/controller/v1/{controller}/deploymentBase/7?c=-2122565939", d.addr)});
    }
    Json(json!({"config": {"polling": {"sleep": "00:00:30"}}, "_links": links})).into_response()
}

async fn deployment(
    State(ddi): State<Shared>,
    UrlPath((tenant, controller, action)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let d = ddi.lock().unwrap();
    Json(json!({
        "id": action,
        "deployment": {"download": "forced", "update": "forced", "chunks": [{
            "part": "os", "name": "onetrip", "version": "2.0.0",
            "artifacts": [{
                "filename": "onetrip-2.0.0.raucb",
                "hashes": {"sha1": "-", "md5": "-", "sha256": d.announced_sha256},
                "size": d.artifact.len(),
                "_links": {"download-http": {"href": format!(
                    "http://{}/{tenant}/controller/v1/{controller}/softwaremodules/3/artifacts/onetrip-2.0.0.raucb",
                    d.addr)}}
            }]
        }]}
    }))
    .into_response()
}

async fn artifact(State(ddi): State<Shared>, headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ddi.lock().unwrap().artifact.clone().into_response()
}

async fn feedback(State(ddi): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED;
    }
    let v: Value = serde_json::from_slice(&body).unwrap();
    let mut d = ddi.lock().unwrap();
    if v["status"]["execution"] == "closed" {
        d.pending = false;
    }
    d.feedback.push(v);
    StatusCode::OK
}

async fn ddi_server(bundle_bytes: Vec<u8>, announced_sha256: String) -> (Shared, String) {
    let ddi: Shared = Arc::default();
    let app = Router::new()
        .route("/{tenant}/controller/v1/{controller}", get(root))
        .route(
            "/{tenant}/controller/v1/{controller}/deploymentBase/{action}",
            get(deployment),
        )
        .route(
            "/{tenant}/controller/v1/{controller}/deploymentBase/{action}/feedback",
            post(feedback),
        )
        .route(
            "/{tenant}/controller/v1/{controller}/softwaremodules/{module}/artifacts/{file}",
            get(artifact),
        )
        .with_state(ddi.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    {
        let mut d = ddi.lock().unwrap();
        d.addr = addr.clone();
        d.pending = true;
        d.artifact = bundle_bytes;
        d.announced_sha256 = announced_sha256;
    }
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (ddi, addr)
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An installer and a reboot that only record what they were asked (as `rauc install` and
/// `systemctl reboot` would be on a terminal).
fn recording_installer(dir: &Path, install_exit: i32) -> Installer {
    let script = |name: &str, body: String| -> String {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.display().to_string()
    };
    let installed = dir.join("installed.raucb");
    let rebooted = dir.join("rebooted");
    Installer {
        install: vec![script(
            "install",
            format!(
                "cp \"$1\" {}\necho 'bundle refused: signature' >&2\nexit {install_exit}",
                installed.display()
            ),
        )],
        reboot: vec![script("reboot", format!("touch {}", rebooted.display()))],
    }
}

fn client(addr: &str, token: &str, dir: &Path, installer: Installer) -> FleetClient {
    let cfg = onetrip::config::Fleet {
        server: format!("http://{addr}/DEFAULT"),
        controller_id: None,
        token: token.into(),
        poll_secs: 60,
    };
    FleetClient::new(&cfg, "HZXH-0001", &dir.join("downloads"), installer).unwrap()
}

fn stages(ddi: &Shared) -> Vec<(String, String, String)> {
    ddi.lock()
        .unwrap()
        .feedback
        .iter()
        .map(|f| {
            (
                f["status"]["execution"].as_str().unwrap_or("").to_string(),
                f["status"]["result"]["finished"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                f["status"]["details"][0].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn bundle() -> Vec<u8> {
    (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn a_deployment_is_downloaded_checked_installed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(&addr, TOKEN, dir.path(), recording_installer(dir.path(), 0));

    let outcome = fleet.poll_once().await.unwrap();
    assert_eq!(
        outcome,
        PollOutcome::Installed {
            action: "7".into(),
            version: "2.0.0".into()
        }
    );
    assert_eq!(
        std::fs::read(dir.path().join("installed.raucb")).unwrap(),
        bytes
    );
    assert!(
        dir.path().join("rebooted").exists(),
        "no reboot into the new slot"
    );
    assert_eq!(
        stages(&ddi),
        vec![
            (
                "proceeding".into(),
                "none".into(),
                "downloading onetrip-2.0.0.raucb".into()
            ),
            (
                "proceeding".into(),
                "none".into(),
                "installing 2.0.0".into()
            ),
            (
                "closed".into(),
                "success".into(),
                "installed 2.0.0; rebooting into it".into()
            ),
        ]
    );
    assert_eq!(ddi.lock().unwrap().feedback[0]["id"], "7");
    // The download does not stay on the data partition.
    let left: Vec<PathBuf> = std::fs::read_dir(dir.path().join("downloads"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Closed: the next poll finds nothing and keeps the server's pace.
    assert_eq!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Idle(std::time::Duration::from_secs(30))
    );
}

#[tokio::test]
async fn a_corrupt_download_is_reported_and_never_installed() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes, sha256(b"another bundle")).await;
    let fleet = client(&addr, TOKEN, dir.path(), recording_installer(dir.path(), 0));
    match fleet.poll_once().await.unwrap() {
        PollOutcome::Failed { reason, .. } => assert!(reason.contains("SHA-256"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(!dir.path().join("installed.raucb").exists());
    assert!(!dir.path().join("rebooted").exists());
    let last = stages(&ddi).pop().unwrap();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("closed", "failure"));
    assert!(last.2.contains("SHA-256"), "{last:?}");
}

#[tokio::test]
async fn a_refused_bundle_is_reported_with_the_installers_reason_and_no_reboot() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(&addr, TOKEN, dir.path(), recording_installer(dir.path(), 1));
    match fleet.poll_once().await.unwrap() {
        PollOutcome::Failed { reason, .. } => {
            assert!(reason.contains("bundle refused: signature"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!dir.path().join("rebooted").exists());
    let last = stages(&ddi).pop().unwrap();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("closed", "failure"));
}

#[tokio::test]
async fn a_wrong_token_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(
        &addr,
        "stolen",
        dir.path(),
        recording_installer(dir.path(), 0),
    );
    let e = fleet.poll_once().await.unwrap_err().to_string();
    assert!(e.contains("401"), "{e}");
    assert!(!dir.path().join("installed.raucb").exists());
    assert!(ddi.lock().unwrap().feedback.is_empty());
}
