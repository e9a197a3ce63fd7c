//! Fleet updates over hawkBit's DDI API, against a small DDI server on loopback that answers as
//! the DDI documentation shows — and as a hostile server or network would: a huge answer, a
//! trickling one, links to another origin or to plain HTTP. A deployment is downloaded, checked,
//! installed, and reported closed only once the new slot is confirmed good after the reboot (a
//! fall-back is a failure); a corrupt or failing one is reported as failed and nothing is
//! rebooted; a wrong token installs nothing. The terminal's firmware facts (version, slot, boot,
//! RAUC's records) are files in a temporary folder; `rauc install`, the reboot and the mark-good
//! check are small scripts that record what they were asked.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use onetrip::sync::fleet::local::Local;
use onetrip::sync::fleet::{FleetClient, Installer, Limits, PollOutcome};
use serde_json::{json, Value};
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "target-token-0117";

#[derive(Default)]
struct Ddi {
    addr: String,
    pending: bool,
    version: String,
    artifact: Vec<u8>,
    announced_sha256: String,
    /// The artifact's `_links` (default: `download` on this server).
    artifact_links: Option<Value>,
    /// The root's `deploymentBase` link (default: on this server).
    deployment_href: Option<String>,
    feedback: Vec<Value>,
    config_data: Vec<Value>,
    /// Answer 500 to this many `closed` feedbacks first (a lost report).
    lose_closed: usize,
    /// `deployment.update` (default "forced") and `deployment.maintenanceWindow` (default none).
    update: Option<&'static str>,
    window: Option<&'static str>,
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
    let d = ddi.lock().unwrap();
    let mut links = json!({});
    if d.pending {
        links["deploymentBase"] = json!({"href": d.deployment_href.clone().unwrap_or(format!(
            "http://{}/{tenant}/controller/v1/{controller}/deploymentBase/7?c=-2122565939", d.addr))});
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
    let links = d
        .artifact_links
        .clone()
        .unwrap_or(json!({"download": {"href": format!(
        "http://{}/{tenant}/controller/v1/{controller}/softwaremodules/3/artifacts/onetrip.raucb",
        d.addr)}}));
    let mut body = json!({
        "id": action,
        "deployment": {"download": "forced", "update": d.update.unwrap_or("forced"), "chunks": [{
            "part": "os", "name": "onetrip", "version": d.version,
            "artifacts": [{
                "filename": format!("onetrip-{}.raucb", d.version),
                "hashes": {"sha1": "-", "md5": "-", "sha256": d.announced_sha256},
                "size": d.artifact.len(),
                "_links": links,
            }]
        }]}
    });
    if let Some(w) = d.window {
        body["deployment"]["maintenanceWindow"] = w.into();
    }
    Json(body).into_response()
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
        if d.lose_closed > 0 {
            d.lose_closed -= 1;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        d.pending = false;
    }
    d.feedback.push(v);
    StatusCode::OK
}

async fn config_data(State(ddi): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    if !authorised(&headers) {
        return StatusCode::UNAUTHORIZED;
    }
    let v: Value = serde_json::from_slice(&body).unwrap();
    ddi.lock().unwrap().config_data.push(v);
    StatusCode::OK
}

async fn ddi_server(bundle_bytes: Vec<u8>, announced_sha256: String) -> (Shared, String) {
    let ddi: Shared = Arc::default();
    let app = Router::new()
        .route("/{tenant}/controller/v1/{controller}", get(root))
        .route(
            "/{tenant}/controller/v1/{controller}/configData",
            put(config_data),
        )
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
        d.version = "2.0.0".into();
        d.artifact = bundle_bytes;
        d.announced_sha256 = announced_sha256;
    }
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (ddi, addr)
}

/// Another origin on loopback that records every request's path and Authorization header (and
/// answers with the bundle, as a CDN would).
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

async fn recorder(bytes: Vec<u8>) -> (Seen, String) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let log = log.clone();
        let bytes = bytes.clone();
        async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            log.lock().unwrap().push((uri.to_string(), auth));
            bytes
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (seen, addr)
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A terminal's firmware facts and update commands, in a temporary folder: it runs `version`
/// from `slot`; `rauc install`, the reboot and "marked good on this boot" are scripts.
struct Terminal {
    dir: tempfile::TempDir,
}

impl Terminal {
    fn new(version: &str, slot: &str) -> Terminal {
        let t = Terminal {
            dir: tempfile::tempdir().unwrap(),
        };
        t.boot_into(version, slot);
        t.confirm(true);
        t
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A (re)boot into `version` from `slot`, not yet confirmed good.
    fn boot_into(&self, version: &str, slot: &str) {
        let p = self.path();
        std::fs::write(p.join("onetrip-version"), format!("{version}\n")).unwrap();
        std::fs::write(p.join("cmdline"), format!("ro quiet rauc.slot={slot}\n")).unwrap();
        std::fs::write(p.join("boot_id"), uuid::Uuid::new_v4().to_string()).unwrap();
        self.confirm(false);
    }

    /// The mark-good service ran (or not) on this boot: it writes the boot's id.
    fn confirm(&self, good: bool) {
        let p = self.path();
        let marker = p.join("rauc/confirmed-boot");
        if good {
            std::fs::create_dir_all(p.join("rauc")).unwrap();
            std::fs::copy(p.join("boot_id"), marker).unwrap();
        } else {
            let _ = std::fs::remove_file(marker);
        }
    }

    fn local(&self) -> Local {
        Local::inside(self.path())
    }

    fn script(&self, name: &str, body: String) -> String {
        let p = self.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.display().to_string()
    }

    /// An installer and a reboot that only record what they were asked (as `rauc install` and
    /// `systemctl reboot` would be on a terminal).
    fn installer(&self, install_exit: i32) -> Installer {
        let p = self.path();
        Installer {
            install: vec![self.script(
                "install",
                format!(
                    "cp \"$1\" {}\necho 'bundle refused: signature' >&2\nexit {install_exit}",
                    p.join("installed.raucb").display()
                ),
            )],
            reboot: vec![self.script("reboot", format!("touch {}", p.join("rebooted").display()))],
        }
    }

    fn installed(&self) -> Option<Vec<u8>> {
        std::fs::read(self.path().join("installed.raucb")).ok()
    }

    fn failed_versions(&self) -> String {
        std::fs::read_to_string(self.path().join("rauc/failed-versions")).unwrap_or_default()
    }
}

fn fleet_config(server: String, token: &str) -> onetrip::config::Fleet {
    onetrip::config::Fleet {
        server,
        controller_id: None,
        token: token.into(),
        poll_secs: 60,
        ca_file: None,
        download_origins: vec![],
        reboot_idle_secs: 300,
        quiet_hours: None,
    }
}

fn client_with(cfg: &onetrip::config::Fleet, t: &Terminal, install_exit: i32) -> FleetClient {
    FleetClient::new(cfg, "HZXH-0001", &t.path().join("fleet"))
        .unwrap()
        .with_installer(t.installer(install_exit))
        .with_local(t.local())
}

fn client(addr: &str, token: &str, t: &Terminal, install_exit: i32) -> FleetClient {
    client_with(
        &fleet_config(format!("http://{addr}/DEFAULT"), token),
        t,
        install_exit,
    )
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

fn closed(ddi: &Shared) -> Vec<(String, String)> {
    stages(ddi)
        .into_iter()
        .filter(|s| s.0 == "closed")
        .map(|s| (s.1, s.2))
        .collect()
}

fn bundle() -> Vec<u8> {
    (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect()
}

fn downloads_left(t: &Terminal) -> Vec<PathBuf> {
    std::fs::read_dir(t.path().join("fleet/downloads"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn success_is_reported_only_once_the_new_slot_is_confirmed_good() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(&addr, TOKEN, &t, 0);

    let outcome = fleet.poll_once().await.unwrap();
    assert_eq!(
        outcome,
        PollOutcome::Installed {
            action: "7".into(),
            version: "2.0.0".into()
        }
    );
    assert_eq!(t.installed().unwrap(), bytes);
    assert!(
        closed(&ddi).is_empty(),
        "nothing is closed before the new slot is confirmed: {:?}",
        stages(&ddi)
    );
    assert_eq!(
        stages(&ddi)[..2],
        [
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
        ]
    );
    assert!(downloads_left(&t).is_empty(), "{:?}", downloads_left(&t));
    // Polled again before the reboot (the kiosk restarted): nothing is installed twice.
    std::fs::remove_file(t.path().join("installed.raucb")).unwrap();
    assert!(matches!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Installed { .. }
    ));
    assert!(t.installed().is_none());

    // The reboot, into slot B with 2.0.0; not confirmed good yet: still nothing reported.
    t.boot_into("2.0.0", "B");
    assert!(matches!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Waiting { .. }
    ));
    assert!(closed(&ddi).is_empty());
    // Marked good: reported on the first poll after.
    t.confirm(true);
    assert_eq!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Reported {
            action: "7".into(),
            success: true,
            detail: "version 2.0.0 confirmed good in slot B".into()
        }
    );
    assert_eq!(
        closed(&ddi),
        vec![(
            "success".into(),
            "version 2.0.0 confirmed good in slot B".into()
        )]
    );
    // Closed: the next poll finds nothing and keeps the server's pace.
    assert_eq!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Idle(Duration::from_secs(30))
    );
}

#[tokio::test]
async fn a_fall_back_is_reported_as_a_failure_and_never_installed_again() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(&addr, TOKEN, &t, 0);
    assert!(matches!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Installed { .. }
    ));
    // 2.0.0 never became READY: the boot deadline rebooted, GRUB fell back to slot A.
    t.boot_into("1.0.0", "A");
    t.confirm(true);
    match fleet.poll_once().await.unwrap() {
        PollOutcome::Reported {
            success: false,
            detail,
            ..
        } => assert!(
            detail.contains("fell back to version 1.0.0 in slot A"),
            "{detail}"
        ),
        other => panic!("{other:?}"),
    }
    let c = closed(&ddi);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].0, "failure");
    assert!(c[0].1.contains("2.0.0 was not confirmed good"), "{c:?}");
    assert_eq!(t.failed_versions(), "2.0.0\n");
    // Offered again (a new action for the same version): refused, with the reason.
    std::fs::remove_file(t.path().join("installed.raucb")).unwrap();
    {
        let mut d = ddi.lock().unwrap();
        d.pending = true;
        d.deployment_href = Some(format!(
            "http://{addr}/DEFAULT/controller/v1/HZXH-0001/deploymentBase/8"
        ));
    }
    match fleet.poll_once().await.unwrap() {
        PollOutcome::Failed { action, reason } => {
            assert_eq!(action, "8");
            assert!(
                reason.contains("failed on this terminal before"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(t.installed().is_none());
    assert!(closed(&ddi)[1].1.contains("failed on this terminal before"));
}

#[tokio::test]
async fn a_lost_report_is_sent_again_and_nothing_installed_again() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(&addr, TOKEN, &t, 0);
    fleet.poll_once().await.unwrap();
    std::fs::remove_file(t.path().join("installed.raucb")).unwrap();
    t.boot_into("2.0.0", "B");
    t.confirm(true);
    ddi.lock().unwrap().lose_closed = 1;
    assert!(matches!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Reported { success: true, .. }
    ));
    assert!(closed(&ddi).is_empty(), "the server lost it");
    // The next poll reports it again; nothing is downloaded or installed over the only good slot.
    assert!(matches!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Reported { success: true, .. }
    ));
    assert_eq!(closed(&ddi).len(), 1);
    assert!(t.installed().is_none());
}

#[tokio::test]
async fn a_corrupt_download_is_reported_and_never_installed() {
    let t = Terminal::new("1.0.0", "A");
    let (ddi, addr) = ddi_server(bundle(), sha256(b"another bundle")).await;
    let fleet = client(&addr, TOKEN, &t, 0);
    match fleet.poll_once().await.unwrap() {
        PollOutcome::Failed { reason, .. } => assert!(reason.contains("SHA-256"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(t.installed().is_none());
    assert!(!t.path().join("rebooted").exists());
    let last = stages(&ddi).pop().unwrap();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("closed", "failure"));
    assert!(last.2.contains("SHA-256"), "{last:?}");
    assert!(downloads_left(&t).is_empty(), "{:?}", downloads_left(&t));
}

#[tokio::test]
async fn a_refused_bundle_is_reported_with_the_installers_reason_and_no_reboot() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(&addr, TOKEN, &t, 1);
    match fleet.poll_once().await.unwrap() {
        PollOutcome::Failed { reason, .. } => {
            assert!(reason.contains("bundle refused: signature"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!t.path().join("rebooted").exists());
    let last = stages(&ddi).pop().unwrap();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("closed", "failure"));
}

#[tokio::test]
async fn a_wrong_token_installs_nothing() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let fleet = client(&addr, "stolen", &t, 0);
    let e = fleet.poll_once().await.unwrap_err().to_string();
    assert!(e.contains("401"), "{e}");
    assert!(t.installed().is_none());
    assert!(ddi.lock().unwrap().feedback.is_empty());
}

/// A server on loopback that answers every request with these headers and then `body` chunks
/// (until the client goes away); the bytes it managed to send are counted.
async fn raw_server(
    headers: &'static str,
    chunk: Vec<u8>,
    chunks: usize,
    pause: Duration,
) -> (String, Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sent = Arc::new(AtomicU64::new(0));
    let count = sent.clone();
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        if socket.write_all(headers.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..chunks {
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
            count.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
    });
    (addr, sent, task)
}

#[tokio::test]
async fn a_huge_answer_is_given_up_at_the_cap_without_reading_it() {
    // 64 MiB of '[' without a Content-Length, the connection closing at its end.
    let (addr, sent, server) = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        vec![b'['; 64 << 10],
        1024,
        Duration::ZERO,
    )
    .await;
    let t = Terminal::new("1.0.0", "A");
    let fleet = client(&addr, TOKEN, &t, 0);
    let e = fleet.poll_once().await.unwrap_err().to_string();
    assert!(e.contains("larger than 1048576 bytes"), "{e}");
    drop(fleet);
    // The server stops when the client has gone: what it sent is the cap plus what the socket
    // buffers held, not the 64 MiB.
    tokio::time::timeout(Duration::from_secs(120), server)
        .await
        .expect("the client hung up")
        .unwrap();
    let sent = sent.load(Ordering::SeqCst);
    assert!(sent < 16 << 20, "{sent} bytes were sent to the client");
}

#[tokio::test]
async fn a_trickling_answer_ends_at_the_deadline() {
    // One byte every 100 ms, for ever as far as the client can tell (each read makes progress).
    let (addr, _sent, server) = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        b" ".to_vec(),
        100_000,
        Duration::from_millis(100),
    )
    .await;
    let t = Terminal::new("1.0.0", "A");
    let fleet = client(&addr, TOKEN, &t, 0).with_limits(Limits {
        json_deadline: Duration::from_secs(2),
        ..Limits::default()
    });
    let e = fleet.poll_once().await.unwrap_err().to_string();
    assert!(e.contains("no complete answer within 2 s"), "{e}");
    server.abort();
}

#[tokio::test]
async fn the_token_never_leaves_the_servers_origin() {
    let bytes = bundle();
    let (seen, other) = recorder(bytes.clone()).await;

    // A deploymentBase link to another origin is not followed at all.
    let t = Terminal::new("1.0.0", "A");
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    ddi.lock().unwrap().deployment_href = Some(format!(
        "http://{other}/DEFAULT/controller/v1/HZXH-0001/deploymentBase/7"
    ));
    let e = client(&addr, TOKEN, &t, 0)
        .poll_once()
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("not the fleet server"), "{e}");

    // The plain-HTTP link (download-http) is never used, even when it is the only other one.
    let t = Terminal::new("1.0.0", "A");
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    ddi.lock().unwrap().artifact_links = Some(json!({
        "download": {"href": format!("http://{addr}/DEFAULT/controller/v1/HZXH-0001/softwaremodules/3/artifacts/onetrip.raucb")},
        "download-http": {"href": format!("http://{other}/DEFAULT/softwaremodules/3/artifacts/onetrip.raucb")},
    }));
    let outcome = client(&addr, TOKEN, &t, 0).poll_once().await.unwrap();
    assert!(
        matches!(outcome, PollOutcome::Installed { .. }),
        "{outcome:?}"
    );
    assert_eq!(t.installed().unwrap(), bytes);

    let t = Terminal::new("1.0.0", "A");
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    ddi.lock().unwrap().artifact_links = Some(json!({
        "download-http": {"href": format!("http://{addr}/DEFAULT/controller/v1/HZXH-0001/softwaremodules/3/artifacts/onetrip.raucb")},
    }));
    match client(&addr, TOKEN, &t, 0).poll_once().await.unwrap() {
        PollOutcome::Failed { reason, .. } => {
            assert!(reason.contains("no HTTPS download link"), "{reason}")
        }
        other => panic!("{other:?}"),
    }

    // An artifact on another origin the configuration does not list: refused, reported.
    let t = Terminal::new("1.0.0", "A");
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    ddi.lock().unwrap().artifact_links = Some(json!({
        "download": {"href": format!("http://{other}/cdn/onetrip.raucb")},
    }));
    match client(&addr, TOKEN, &t, 0).poll_once().await.unwrap() {
        PollOutcome::Failed { reason, .. } => {
            assert!(reason.contains("neither the fleet server"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(t.installed().is_none());
    assert_eq!(closed(&ddi)[0].0, "failure");
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );

    // Listed as a download origin (a CDN): the bundle comes from there, without the token.
    let t = Terminal::new("1.0.0", "A");
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    ddi.lock().unwrap().artifact_links = Some(json!({
        "download": {"href": format!("http://{other}/cdn/onetrip.raucb")},
    }));
    let mut cfg = fleet_config(format!("http://{addr}/DEFAULT"), TOKEN);
    cfg.download_origins = vec![format!("http://{other}")];
    let outcome = client_with(&cfg, &t, 0).poll_once().await.unwrap();
    assert!(
        matches!(outcome, PollOutcome::Installed { .. }),
        "{outcome:?}"
    );
    assert_eq!(t.installed().unwrap(), bytes);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![("/cdn/onetrip.raucb".to_string(), None)]
    );
}

/// A terminal's configuration (the example's, its data in `dir`), with a `[fleet]` section for
/// `server` when there is one.
fn config_file(dir: &Path, server: Option<&str>) -> PathBuf {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    let mut text = example.replace(
        "dir = \"/var/lib/onetrip/store\"",
        &format!("dir = \"{}\"", dir.join("data").display()),
    );
    if let Some(server) = server {
        text.push_str(&format!(
            "\n[fleet]\nserver = \"{server}\"\ntoken = \"{TOKEN}\"\ncontroller_id = \"HZXH-0001\"\n"
        ));
    }
    let path = dir.join("onetrip.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `onetrip fleet …` as a technician runs it on the terminal `t` (its firmware facts there).
async fn fleet_cli(config: &Path, t: &Terminal, args: &[&str]) -> (i32, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_onetrip"));
    cmd.arg("--config")
        .arg(config)
        .arg("fleet")
        .args(args)
        .env("RUST_LOG", "off")
        .env("ONETRIP_FIRMWARE_DIR", t.path());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[tokio::test]
async fn a_technician_sees_what_the_server_offers_and_what_the_terminal_would_do() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let config = config_file(t.path(), Some(&format!("http://{addr}/DEFAULT")));

    let (code, out) = fleet_cli(&config, &t, &["status"]).await;
    assert_eq!(code, 5, "{out}");
    assert!(out.contains("firmware      1.0.0 in slot A"), "{out}");
    assert!(
        out.contains("offered       action 7: version 2.0.0"),
        "{out}"
    );
    assert!(
        out.contains("would         install 2.0.0 (action 7) now"),
        "{out}"
    );
    assert!(
        ddi.lock().unwrap().feedback.is_empty(),
        "status sends nothing"
    );

    t.confirm(false);
    let (code, out) = fleet_cli(&config, &t, &["status"]).await;
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not confirmed good on this boot"), "{out}");
    t.confirm(true);

    ddi.lock().unwrap().version = "0.9.0".into();
    let (code, out) = fleet_cli(&config, &t, &["status"]).await;
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("older than the running 1.0.0"), "{out}");
    // By hand: the refusal is reported to the server, with its reason.
    let (code, out) = fleet_cli(&config, &t, &["poll", "--once"]).await;
    assert_eq!(code, 4, "{out}");
    let c = closed(&ddi);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].0, "failure");
    assert!(c[0].1.contains("a downgrade is never installed"), "{c:?}");
    // Closed: nothing more to do.
    let (code, out) = fleet_cli(&config, &t, &["poll", "--once"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no deployment"), "{out}");

    // The server unreachable: 1; no [fleet]: 2.
    drop(ddi);
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_port = gone.local_addr().unwrap();
    drop(gone);
    let config = config_file(t.path(), Some(&format!("http://{closed_port}/DEFAULT")));
    assert_eq!(fleet_cli(&config, &t, &["status"]).await.0, 1);
    let config = config_file(t.path(), None);
    assert_eq!(fleet_cli(&config, &t, &["status"]).await.0, 2);
}

#[tokio::test]
async fn the_update_stick_asks_the_same_version_policy() {
    let t = Terminal::new("1.0.0+12.gabc1234", "A");
    std::fs::write(t.path().join("rauc/failed-versions"), "1.2.0\n").unwrap();
    let config = t.path().join("no-config.toml");
    for (version, code, says) in [
        ("1.0.0+12.gabc1234-u2", 0, "may be installed"),
        ("1.0.0+12.gabc1234", 1, "already running"),
        ("1.2.0", 1, "failed on this terminal before"),
        ("0.9.9", 1, "older than the running 1.0.0+12.gabc1234"),
        ("1.0.0+11.gfff0000", 1, "a downgrade is never installed"),
    ] {
        let (got, out) = fleet_cli(&config, &t, &["allows", version]).await;
        assert_eq!(got, code, "{version}: {out}");
        assert!(out.contains(says), "{version}: {out}");
    }
}

#[tokio::test]
async fn a_stick_refusal_is_in_the_technicians_log_bundle() {
    let t = Terminal::new("1.0.0", "A");
    // What update-from-stick appends when the policy refuses an older bundle.
    let (code, refusal) = fleet_cli(&t.path().join("none.toml"), &t, &["allows", "0.9.0"]).await;
    assert_eq!(code, 1);
    std::fs::write(
        t.path().join("rauc/updates.log"),
        format!("2027-01-05T10:00:00Z stick: {refusal}"),
    )
    .unwrap();
    let config = config_file(t.path(), None);
    let out = t.path().join("bundle");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .arg("--config")
        .arg(&config)
        .args(["logs", "--out"])
        .arg(&out)
        .env("RUST_LOG", "off")
        .env("ONETRIP_FIRMWARE_DIR", t.path())
        .status()
        .unwrap();
    assert!(status.success());
    let firmware = std::fs::read_to_string(out.join("firmware.txt")).unwrap();
    assert!(firmware.contains("version 1.0.0\nslot A\n"), "{firmware}");
    assert!(
        firmware.contains("stick: version 0.9.0 is older than the running 1.0.0"),
        "{firmware}"
    );
}

#[tokio::test]
async fn a_left_over_download_is_removed_and_the_stores_floor_never_taken() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    // A power cut in the middle of a download left this.
    let downloads = t.path().join("fleet/downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    std::fs::write(downloads.join("onetrip-2.0.0.raucb.part"), vec![0u8; 4096]).unwrap();
    ddi.lock().unwrap().pending = false;
    let fleet = client(&addr, TOKEN, &t, 0);
    assert!(matches!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Idle(_)
    ));
    assert!(downloads_left(&t).is_empty(), "{:?}", downloads_left(&t));

    // A data partition whose free space is all the store's floor: the bundle is refused.
    ddi.lock().unwrap().pending = true;
    let fleet = fleet.with_free_floor(u64::MAX / 4);
    match fleet.poll_once().await.unwrap() {
        PollOutcome::Failed { reason, .. } => {
            assert!(reason.contains("not enough free space"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(t.installed().is_none());
    assert_eq!(closed(&ddi)[0].0, "failure");
    assert!(downloads_left(&t).is_empty());
}

#[tokio::test]
async fn an_update_waits_for_the_maintenance_window_and_the_idle_screen() {
    let t = Terminal::new("1.0.0", "A");
    let bytes = bundle();
    let (ddi, addr) = ddi_server(bytes.clone(), sha256(&bytes)).await;
    let (screen, seen) = tokio::sync::watch::channel(None);
    let fleet = client(&addr, TOKEN, &t, 0).with_screen(seen);
    let waits = |outcome: PollOutcome, why: &str| match outcome {
        PollOutcome::Waiting { reason, .. } => assert!(reason.contains(why), "{reason}"),
        other => panic!("{other:?}"),
    };
    // The server's maintenance window is closed; then it says skip.
    ddi.lock().unwrap().window = Some("unavailable");
    waits(
        fleet.poll_once().await.unwrap(),
        "outside the maintenance window",
    );
    ddi.lock().unwrap().window = Some("available");
    ddi.lock().unwrap().update = Some("skip");
    waits(fleet.poll_once().await.unwrap(), "skip");
    ddi.lock().unwrap().update = None;
    // A citizen is at the screen: nothing is downloaded or installed.
    waits(fleet.poll_once().await.unwrap(), "at the screen");
    assert!(ddi.lock().unwrap().feedback.is_empty());
    assert!(t.installed().is_none());

    // The attract screen is back: installed, and the reboot waits for it to stay idle a while.
    screen.send_replace(Some(std::time::Instant::now()));
    assert!(matches!(
        fleet.poll_once().await.unwrap(),
        PollOutcome::Installed { .. }
    ));
    assert!(!fleet.may_reboot());
    // A citizen comes: still no reboot, however long the terminal was idle before.
    screen.send_replace(None);
    assert!(!fleet.may_reboot());
    // Idle for long enough: the kiosk's task reboots into the update.
    let long_ago = std::time::Instant::now()
        .checked_sub(Duration::from_secs(3600))
        .unwrap();
    screen.send_replace(Some(long_ago));
    assert!(fleet.may_reboot());
    let task = tokio::spawn(fleet.clone().run());
    let rebooted = t.path().join("rebooted");
    for _ in 0..600 {
        if rebooted.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    assert!(rebooted.exists(), "no reboot on the idle screen");
}

/// A bundle gooseBit parses (a squashfs holding RAUC's manifest: compatible
/// `onetrip-x86_64-dev`, version 2.0.0), made with
/// `mksquashfs DIR onetrip-2.0.0.raucb -all-root -mkfs-time 0 -all-time 0`.
fn fixture_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleet/onetrip-2.0.0.raucb")
}

/// A terminal on the development image (its RAUC compatible string, as gooseBit matches it).
fn dev_terminal(id_version: &str) -> Terminal {
    let t = Terminal::new(id_version, "A");
    std::fs::write(
        t.path().join("system.conf"),
        "[system]\ncompatible=onetrip-x86_64-dev\nbootloader=grub\n",
    )
    .unwrap();
    t
}

/// Polls until the outcome is no longer gooseBit's registration round (at most a few polls).
async fn poll_past_registration(fleet: &FleetClient) -> PollOutcome {
    for _ in 0..5 {
        match fleet.poll_once().await.unwrap() {
            PollOutcome::Idle(_) => continue,
            other => return other,
        }
    }
    panic!("gooseBit never offered the rollout");
}

#[tokio::test]
async fn a_rollout_on_goosebit_is_installed_confirmed_and_shown_finished_or_failed() {
    let gb = crate::common::goosebit::GooseBit::start().await;
    let (good, bad) = ("HZXH-0001", "HZXH-0002");
    gb.add_device(good, "token-good-0001").await;
    gb.add_device(bad, "token-bad-0002").await;
    let software = gb.upload(&fixture_bundle()).await;
    let rollout = gb.rollout("wave 1", "default", software).await;

    let terminal = |t: &Terminal, id: &str, token: &str| {
        let mut cfg = fleet_config(gb.ddi_root(), token);
        cfg.controller_id = Some(id.into());
        FleetClient::new(&cfg, id, &t.path().join("fleet"))
            .unwrap()
            .with_installer(t.installer(0))
            .with_local(t.local())
    };
    let (t_good, t_bad) = (dev_terminal("1.0.0"), dev_terminal("1.0.0"));
    let f_good = terminal(&t_good, good, "token-good-0001");
    let f_bad = terminal(&t_bad, bad, "token-bad-0002");

    // Registered on its first poll, with the attributes gooseBit matches bundles by.
    assert!(matches!(
        f_good.poll_once().await.unwrap(),
        PollOutcome::Idle(_)
    ));
    let d = gb.device(good).await;
    assert_eq!(d["last_state"], "Registered", "{d}");
    assert_eq!(d["sw_version"], "1.0.0", "{d}");
    assert_eq!(d["hardware"]["model"], "onetrip-x86_64-dev", "{d}");

    // Both get the rollout: downloaded from gooseBit, installed (by the stand-in), not yet closed.
    for (f, t) in [(&f_good, &t_good), (&f_bad, &t_bad)] {
        match poll_past_registration(f).await {
            PollOutcome::Installed { version, .. } => assert_eq!(version, "2.0.0"),
            other => panic!("{other:?}\n{}", gb.log()),
        }
        assert_eq!(
            t.installed().unwrap(),
            std::fs::read(fixture_bundle()).unwrap()
        );
    }
    assert_eq!(gb.device(good).await["last_state"], "Running");

    // One comes back on 2.0.0 from slot B and is confirmed good; the other falls back.
    t_good.boot_into("2.0.0", "B");
    t_good.confirm(true);
    t_bad.boot_into("1.0.0", "A");
    t_bad.confirm(true);
    assert!(matches!(
        f_good.poll_once().await.unwrap(),
        PollOutcome::Reported { success: true, .. }
    ));
    assert!(matches!(
        f_bad.poll_once().await.unwrap(),
        PollOutcome::Reported { success: false, .. }
    ));

    // What gooseBit itself shows afterwards.
    let d = gb.device(good).await;
    assert_eq!(d["last_state"], "Finished", "{d}");
    assert_eq!(d["sw_version"], "2.0.0", "{d}");
    assert!(gb
        .device_log(good)
        .await
        .contains("version 2.0.0 confirmed good in slot B"));
    let d = gb.device(bad).await;
    assert_eq!(d["last_state"], "Error", "{d}");
    assert_eq!(d["sw_version"], "1.0.0", "{d}");
    let log = gb.device_log(bad).await;
    assert!(
        log.contains("fell back to version 1.0.0 in slot A: version 2.0.0 was not confirmed good"),
        "{log}"
    );
    let r = gb
        .rollouts()
        .await
        .into_iter()
        .find(|r| r["id"] == rollout)
        .unwrap();
    assert_eq!(
        (r["success_count"].as_i64(), r["failure_count"].as_i64()),
        (Some(1), Some(1)),
        "{r}"
    );
    // Done: gooseBit offers neither terminal anything more.
    assert!(matches!(
        f_good.poll_once().await.unwrap(),
        PollOutcome::Idle(_)
    ));
    assert!(matches!(
        f_bad.poll_once().await.unwrap(),
        PollOutcome::Idle(_)
    ));
}

#[tokio::test]
async fn an_image_with_development_keys_says_so() {
    let t = dev_terminal("1.0.0");
    // The heartbeat's firmware.
    let firmware = onetrip::terminal::firmware::running_from(&t.local());
    assert!(firmware.dev_keys);
    assert_eq!(serde_json::to_value(&firmware).unwrap()["dev_keys"], true);
    let production = Terminal::new("1.0.0", "A");
    std::fs::write(
        production.path().join("system.conf"),
        "[system]\ncompatible=onetrip-x86_64\n",
    )
    .unwrap();
    assert!(!onetrip::terminal::firmware::running_from(&production.local()).dev_keys);
    // `onetrip logs`.
    let config = config_file(t.path(), None);
    let out = t.path().join("bundle");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .arg("--config")
        .arg(&config)
        .args(["logs", "--out"])
        .arg(&out)
        .env("RUST_LOG", "off")
        .env("ONETRIP_FIRMWARE_DIR", t.path())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(out.join("firmware.txt")).unwrap();
    assert!(text.starts_with("DEVELOPMENT KEYS"), "{text}");
    assert!(text.contains("compatible onetrip-x86_64-dev"), "{text}");
}

#[test]
fn the_image_is_never_built_with_development_keys_unasked() {
    let out = tempfile::tempdir().unwrap();
    let run = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/image/build"))
        .arg("--out")
        .arg(out.path())
        .env_remove("UPDATE_CERT")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no update key") && err.contains("--dev-keys"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}
