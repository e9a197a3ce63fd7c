//! The outbox against the reference upstream over real HTTP on loopback, with faults injected.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use onetrip::config::Upstream;
use onetrip::reference_upstream::{received, spawn_local, Faults};
use onetrip::store::{now_ms, Store};
use onetrip::sync::worker::Backoff;
use onetrip::sync::{SyncWorker, UpstreamClient};
use tokio::sync::Notify;

const TOKEN: &str = "t0ken";

fn upstream_cfg(addr: std::net::SocketAddr, token: &str) -> Upstream {
    Upstream {
        base_url: format!("http://{addr}"),
        token: token.into(),
        connect_timeout_secs: 2,
        request_timeout_secs: 5,
        tracking_url: "https://t.invalid/{number}".into(),
    }
}

fn fast() -> Backoff {
    Backoff {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
        floor: Duration::from_millis(1),
    }
}

fn payload(i: usize) -> serde_json::Value {
    serde_json::json!({"applicant": {"name": format!("测试{i}"), "id_number": "330106198503121231"}})
}

fn spawn_worker(
    store: &Arc<Mutex<Store>>,
    cfg: &Upstream,
) -> (Arc<Notify>, tokio::task::JoinHandle<()>) {
    let wake = Arc::new(Notify::new());
    let task = tokio::spawn(
        SyncWorker {
            store: store.clone(),
            client: UpstreamClient::new(cfg).unwrap(),
            wake: wake.clone(),
            backoff: fast(),
            batch: 16,
        }
        .run(),
    );
    (wake, task)
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_submission_arrives_exactly_once_through_errors_and_lost_responses() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults {
        error_rate: 0.3,
        throttle_rate: 0.0,
        lose_response_rate: 0.4,
        latency: Duration::ZERO,
    };
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, faults)
        .await
        .unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("data")).unwrap()));
    let mut ids = Vec::new();
    for i in 0..60 {
        let s = store
            .lock()
            .unwrap()
            .insert_submission("T1", "application", "ZA-WFZ-001", &payload(i))
            .unwrap();
        ids.push(s.id);
    }
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
    wait_until("all accepted", || {
        store.lock().unwrap().queue_counts().unwrap().accepted == 60
    })
    .await;
    worker.abort();

    let db = rusqlite::Connection::open(dir.path().join("up.sqlite3")).unwrap();
    let got = received(&db).unwrap();
    assert_eq!(got.len(), 60, "exactly once");
    let mut keys: Vec<String> = got.iter().map(|r| r.key.clone()).collect();
    keys.sort();
    ids.sort();
    assert_eq!(keys, ids);
    assert!(
        got.iter().any(|r| r.replays > 0),
        "some responses were lost and replayed"
    );
    // Oldest first: the upstream saw the numbers in order of first arrival.
    let numbers: Vec<&str> = got.iter().map(|r| r.number.as_str()).collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!(numbers, sorted);
    let leftover: i64 = store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM submissions WHERE payload IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leftover, 0, "personal data purged after acceptance");
    let integrity: String = store
        .lock()
        .unwrap()
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_is_a_rejection_for_staff_not_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("data")).unwrap()));
    let s = store
        .lock()
        .unwrap()
        .insert_submission("T1", "application", "X", &payload(0))
        .unwrap();
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, "wrong-token"));
    wait_until("rejected", || {
        store.lock().unwrap().queue_counts().unwrap().rejected == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    worker.abort();
    let (attempts, error): (i64, String) = store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT attempts, last_error FROM submissions WHERE id = ?1",
            [&s.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(attempts, 1, "never retried blindly");
    assert!(error.contains("401"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_and_an_outage_only_delays() {
    let dir = tempfile::tempdir().unwrap();
    let throttled = Faults {
        throttle_rate: 1.0,
        ..Faults::default()
    };
    let (addr, server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, throttled)
        .await
        .unwrap();
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("data")).unwrap()));
    let s = store
        .lock()
        .unwrap()
        .insert_submission("T1", "application", "X", &payload(0))
        .unwrap();
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
    let attempts = |store: &Arc<Mutex<Store>>| -> (i64, i64, i64) {
        store
            .lock()
            .unwrap()
            .connection()
            .query_row(
                "SELECT attempts, next_attempt_at, updated_at FROM submissions WHERE id = ?1",
                [&s.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    };
    wait_until("first throttled attempt", || attempts(&store).0 >= 1).await;
    let (_, next, updated) = attempts(&store);
    assert!(
        next - updated >= 900,
        "Retry-After: 1 means a second, got {} ms",
        next - updated
    );
    worker.abort();
    server.abort();

    // Upstream gone entirely (connection refused): the submission waits, pending.
    let down = upstream_cfg("127.0.0.1:9".parse().unwrap(), TOKEN);
    store
        .lock()
        .unwrap()
        .connection()
        .execute("UPDATE submissions SET next_attempt_at = 0", [])
        .unwrap();
    let (_wake, worker) = spawn_worker(&store, &down);
    wait_until("a failed attempt while down", || attempts(&store).0 >= 2).await;
    worker.abort();
    assert_eq!(store.lock().unwrap().queue_counts().unwrap().pending, 1);

    // Back up: delivered.
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    store
        .lock()
        .unwrap()
        .connection()
        .execute("UPDATE submissions SET next_attempt_at = ?1", [now_ms()])
        .unwrap();
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
    wait_until("delivered after the outage", || {
        store.lock().unwrap().queue_counts().unwrap().accepted == 1
    })
    .await;
    worker.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_idempotency_semantics() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/v1/submissions");
    let body = r#"{"number":"T1-000001","item_code":"X","terminal_id":"T1"}"#;
    let send = |key: Option<&str>, body: &'static str| {
        let mut r = http.post(&url).bearer_auth(TOKEN).body(body);
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        r.send()
    };
    let first = send(Some("k1"), body).await.unwrap();
    assert_eq!(first.status(), 201);
    let first_body = first.text().await.unwrap();
    let replay = send(Some("k1"), body).await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        replay.text().await.unwrap(),
        first_body,
        "replay returns the first response"
    );
    let other = r#"{"number":"T1-000002","item_code":"X","terminal_id":"T1"}"#;
    assert_eq!(send(Some("k1"), other).await.unwrap().status(), 422);
    assert_eq!(send(None, body).await.unwrap().status(), 400);
    assert_eq!(send(Some("k2"), "not json").await.unwrap().status(), 400);
    let unauth = http
        .post(&url)
        .header("Idempotency-Key", "k3")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
}
