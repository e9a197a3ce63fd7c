//! Catalog updates over real HTTP on loopback: signed by the authority, fetched with ETag, kept on
//! disk, handed to the engine; a tampered, foreign-signed or invalid catalog is refused, reported in
//! the heartbeat, and the catalog in force stays.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use onetrip::catalog::active::{self, CatalogStatus, Origin};
use onetrip::catalog::{bundle, shipped_files, signature, Capability, Catalog};
use onetrip::config::Upstream;
use onetrip::devtools::reference_upstream::{spawn_local, Faults};
use onetrip::sync::catalog::{CatalogUpdater, CheckOutcome, SIGNATURE_HEADER};
use onetrip::sync::UpstreamClient;

const TOKEN: &str = "t0ken";

fn upstream_cfg(addr: std::net::SocketAddr) -> Upstream {
    Upstream {
        base_url: format!("http://{addr}"),
        token: TOKEN.into(),
        connect_timeout_secs: 2,
        request_timeout_secs: 5,
        tracking_url: "https://t.invalid/{number}".into(),
        heartbeat_secs: 60,
        tls: None,
    }
}

async fn publish(addr: std::net::SocketAddr, doc: &str, sig: &str) {
    let r = reqwest::Client::new()
        .put(format!("http://{addr}/v1/admin/catalog"))
        .bearer_auth(TOKEN)
        .header(SIGNATURE_HEADER, sig)
        .body(doc.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

fn crate_version(doc: &str) -> String {
    onetrip::catalog::parse(&[("t".into(), doc.to_string())])
        .unwrap()
        .version
}

fn version(doc: &str, v: &str) -> String {
    doc.replacen(
        &format!("version = \"{}\"", onetrip::catalog::shipped().version),
        &format!("version = \"{v}\""),
        1,
    )
}

/// A terminal on its shipped catalog.
fn shipped_status() -> tokio::sync::watch::Sender<CatalogStatus> {
    tokio::sync::watch::Sender::new(CatalogStatus {
        version: onetrip::catalog::shipped().version,
        origin: Origin::Shipped,
        last_rejection: None,
    })
}

/// An updater against the reference upstream at `addr`, trusting the authority `public`.
fn updater_at(
    addr: std::net::SocketAddr,
    data: &std::path::Path,
    public: &str,
    status: tokio::sync::watch::Sender<CatalogStatus>,
    deliver: Arc<dyn Fn(Arc<Catalog>) + Send + Sync>,
) -> CatalogUpdater {
    CatalogUpdater {
        client: UpstreamClient::new(&upstream_cfg(addr)).unwrap(),
        data_dir: data.to_path_buf(),
        key: Some(signature::public_key(public).unwrap()),
        capabilities: Capability::DEFAULT.to_vec(),
        status,
        deliver,
        not_taken: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_updates_install_and_bad_ones_leave_the_old_catalog() {
    let logs = common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let (private, public) = signature::generate().unwrap();
    let key = signature::signing_key(&private).unwrap();
    let delivered: Arc<Mutex<Vec<Arc<Catalog>>>> = Arc::default();
    let status = shipped_status();
    let data = dir.path().join("data");
    let updater = updater_at(addr, &data, &public, status.clone(), {
        let d = delivered.clone();
        Arc::new(move |c| d.lock().unwrap().push(c))
    });

    // Upstream starts with the demo authority's catalog: not our authority, refused.
    let out = updater.check().await;
    assert!(
        matches!(&out, CheckOutcome::Refused(why) if why.contains("signature")),
        "{out:?}"
    );
    assert!(delivered.lock().unwrap().is_empty());
    assert!(!active::path(&data).exists());
    assert!(status.borrow().last_rejection.is_some());

    // Properly signed: installed, kept, delivered.
    let good = version(&bundle(&shipped_files()), "2026.12.09-1");
    publish(addr, &good, &signature::sign(good.as_bytes(), &key)).await;
    assert_eq!(
        updater.check().await,
        CheckOutcome::Installed("2026.12.09-1".into())
    );
    assert_eq!(delivered.lock().unwrap()[0].version, "2026.12.09-1");
    assert_eq!(status.borrow().last_rejection, None);
    assert!(matches!(status.borrow().origin, Origin::Update { .. }));

    // Unchanged: a 304 by ETag, nothing downloaded twice.
    assert_eq!(updater.check().await, CheckOutcome::NotModified);

    // Tampered after signing (one character of an item name).
    let tampered = good.replacen("无犯罪记录证明（个人）", "无犯罪记录证明（他人）", 1);
    publish(addr, &tampered, &signature::sign(good.as_bytes(), &key)).await;
    let out = updater.check().await;
    assert!(
        matches!(&out, CheckOutcome::Refused(why) if why.contains("signature")),
        "{out:?}"
    );
    // The same refused bytes are not downloaded and verified again on the next check: a 304 by
    // their ETag.
    assert_eq!(updater.check().await, CheckOutcome::NotModified);

    // Signed, but broken: an item points at a category that does not exist.
    let broken = version(&good, "2026.12.10-1").replacen(
        "category = \"ZA-FZJL\"",
        "category = \"ZA-GONE\"",
        1,
    );
    publish(addr, &broken, &signature::sign(broken.as_bytes(), &key)).await;
    let out = updater.check().await;
    assert!(
        matches!(&out, CheckOutcome::Refused(why) if why.contains("ZA-GONE")),
        "{out:?}"
    );

    // Signed and well formed, but an item takes payment, which this terminal cannot: refused.
    let pays = version(&good, "2026.12.11-1").replacen(
        "\nverified = false\n",
        "\nverified = false\nneeds = [\"payment\"]\n",
        1,
    );
    publish(addr, &pays, &signature::sign(pays.as_bytes(), &key)).await;
    let out = updater.check().await;
    assert!(
        matches!(&out, CheckOutcome::Refused(why) if why.contains("needs `payment`")),
        "{out:?}"
    );

    // Replayed: the authority's own older catalog (perhaps withdrawn since), properly signed.
    let older = version(&bundle(&shipped_files()), "2026.12.05-1");
    publish(addr, &older, &signature::sign(older.as_bytes(), &key)).await;
    let out = updater.check().await;
    assert!(
        matches!(&out, CheckOutcome::Refused(why) if why.contains("not newer")),
        "{out:?}"
    );
    // The catalog in force offered again under a new ETag: nothing to do, nothing to report.
    let again = format!("{good}\n");
    assert_eq!(crate_version(&again), "2026.12.09-1");
    publish(addr, &again, &signature::sign(again.as_bytes(), &key)).await;
    status.send_modify(|s| s.last_rejection = None);
    assert_eq!(updater.check().await, CheckOutcome::NotModified);
    assert_eq!(status.borrow().last_rejection, None);

    // Not a catalog at all.
    let garbage = "\u{0}\u{1}not toml";
    publish(addr, garbage, &signature::sign(garbage.as_bytes(), &key)).await;
    assert!(matches!(updater.check().await, CheckOutcome::Refused(_)));

    // Through all of it, the good update stayed in force, on disk and after a restart.
    assert_eq!(delivered.lock().unwrap().len(), 1);
    let (loaded, st) = active::load(&data, updater.key.as_ref(), &updater.capabilities);
    assert_eq!(loaded.version, "2026.12.09-1");
    assert!(matches!(st.origin, Origin::Update { .. }));
    assert!(status.borrow().last_rejection.is_some());

    // Upstream unreachable: a failure to retry, not a refusal.
    let gone = updater_at(
        "127.0.0.1:9".parse().unwrap(),
        &data,
        &public,
        status.clone(),
        Arc::new(|_| {}),
    );
    assert!(matches!(gone.check().await, CheckOutcome::Failed(_)));

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    assert!(
        text.contains("catalog update refused"),
        "refusals are logged"
    );
}

/// A catalog that could not be kept for want of disk is the terminal's fault, not the
/// document's: the next check fetches it again (a 304 by its ETag would leave the terminal on
/// the old catalog until upstream published another).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_not_kept_for_want_of_disk_is_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let (private, public) = signature::generate().unwrap();
    let key = signature::signing_key(&private).unwrap();
    let good = version(&bundle(&shipped_files()), "2026.12.09-1");
    publish(addr, &good, &signature::sign(good.as_bytes(), &key)).await;
    // The data directory cannot take the catalog: a file stands where its directory goes (as
    // root, as CI runs, a permission would not stop the write).
    let data = dir.path().join("data");
    std::fs::write(&data, b"not a directory").unwrap();
    let updater = updater_at(addr, &data, &public, shipped_status(), Arc::new(|_| {}));
    let out = updater.check().await;
    assert!(
        matches!(&out, CheckOutcome::Refused(why) if why.contains("cannot keep")),
        "{out:?}"
    );
    std::fs::remove_file(&data).unwrap();
    assert_eq!(
        updater.check().await,
        CheckOutcome::Installed("2026.12.09-1".into())
    );
}

/// The full runtime against the reference upstream: a tampered catalog at start is refused and
/// the heartbeat says so; the terminal keeps the shipped catalog.
#[test]
fn the_heartbeat_reports_a_refused_catalog() {
    let (rt, bench) = common::boot();
    let _guard = rt.enter();
    let addr = bench.upstream;
    // Signed by the demo authority (whose key the bench terminal trusts), then changed.
    let good = bundle(&shipped_files());
    let sig = signature::sign(good.as_bytes(), &signature::demo_signing_key());
    let tampered = good.replacen("免费", "收费", 1);
    rt.block_on(async {
        let r = reqwest::Client::new()
            .put(format!("http://{addr}/v1/admin/catalog"))
            .bearer_auth(onetrip::devtools::demo::DEMO_TOKEN)
            .header(SIGNATURE_HEADER, sig)
            .body(tampered)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    });
    let mut options = onetrip::shell::RuntimeOptions::new(bench.config.clone());
    options.heartbeat = Duration::from_millis(300);
    let (tx, _rx) = std::sync::mpsc::channel();
    let sink: onetrip::shell::UiSink = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    let _runtime = onetrip::shell::Runtime::start(options, rt.handle(), sink);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let beat = loop {
        let beats: serde_json::Value = rt.block_on(async {
            reqwest::Client::new()
                .get(format!("http://{addr}/v1/admin/heartbeats"))
                .bearer_auth(onetrip::devtools::demo::DEMO_TOKEN)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        if beats[0]["catalog"]["last_rejection"].is_string() {
            break beats[0].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no heartbeat with the rejection: {beats}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(beat["catalog"]["source"], "shipped");
    let why = beat["catalog"]["last_rejection"].as_str().unwrap();
    assert!(why.contains("signature"), "{why}");
}
