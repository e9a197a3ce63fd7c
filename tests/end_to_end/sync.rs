//! The outbox against the reference upstream over real HTTP on loopback, with faults injected.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use onetrip::config::Upstream;
use onetrip::devtools::reference_upstream::{received, spawn_local, Faults};
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
        heartbeat_secs: 60,
        tls: None,
    }
}

fn fast() -> Backoff {
    Backoff {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
        floor: Duration::from_millis(1),
        max_retry_after: Duration::from_secs(2),
        refused_pause: Duration::from_millis(100),
    }
}

fn payload(i: usize) -> serde_json::Value {
    serde_json::json!({"applicant": {"name": format!("测试{i}"), "id_number": "330106198503121231"}})
}

fn spawn_worker(
    store: &Arc<Mutex<Store>>,
    cfg: &Upstream,
) -> (Arc<Notify>, tokio::task::JoinHandle<()>) {
    spawn_worker_with(store, cfg, fast(), Default::default())
}

/// As `spawn_worker`, with its backoff and the link status staff would read.
fn spawn_worker_with(
    store: &Arc<Mutex<Store>>,
    cfg: &Upstream,
    backoff: Backoff,
    link: onetrip::sync::LinkStatus,
) -> (Arc<Notify>, tokio::task::JoinHandle<()>) {
    let wake = Arc::new(Notify::new());
    // The worker gets its own connection to the same database, as in the kiosk (the store thread).
    let db = store
        .lock()
        .unwrap()
        .connection()
        .path()
        .unwrap()
        .to_string();
    let dir = std::path::Path::new(&db).parent().unwrap();
    let handle = onetrip::store::StoreHandle::spawn(Store::open(dir).unwrap());
    let task = tokio::spawn(
        SyncWorker {
            store: handle,
            clock: onetrip::sync::worker::system_clock(),
            client: UpstreamClient::new(cfg).unwrap(),
            wake: wake.clone(),
            backoff,
            batch: 16,
            link,
        }
        .run(),
    );
    (wake, task)
}

/// A store in `dir` holding `n` pending submissions; their ids in order.
fn pending(dir: &std::path::Path, n: usize) -> (Arc<Mutex<Store>>, Vec<String>) {
    let store = Arc::new(Mutex::new(Store::open(&dir.join("data")).unwrap()));
    let ids = (0..n)
        .map(|i| {
            store
                .lock()
                .unwrap()
                .insert_submission("T1", "application", "X", &payload(i))
                .unwrap()
                .id
        })
        .collect();
    (store, ids)
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
    common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults {
        error_rate: 0.3,
        throttle_rate: 0.0,
        lose_response_rate: 0.3,
        drop_after_commit_rate: 0.2,
        latency: Duration::ZERO,
        ..Faults::default()
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
    let text = common::logged();
    assert!(
        text.contains("submission accepted upstream"),
        "{}",
        &text[..text.len().min(3000)]
    );
    common::assert_not_logged(&["测试", "330106198503121231"]);
    let integrity: String = store
        .lock()
        .unwrap()
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

/// The platform's own answer about a submission (422, JSON) rejects it for staff, without a retry;
/// staff send it again and it is delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_422_rejects_the_submission_and_staff_can_send_it_again() {
    use axum::response::IntoResponse;
    let (refusing, hits) = odd_upstream(|_| {
        (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(serde_json::json!({"error": "item not offered at this hall"})),
        )
            .into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = one_pending(dir.path());
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(refusing, TOKEN));
    wait_until("rejected", || {
        store.lock().unwrap().queue_counts().unwrap().rejected == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    worker.abort();
    let (attempts, state, error) = submission_row(&store, &s.id);
    assert_eq!(
        (attempts, state.as_str()),
        (1, "rejected"),
        "never retried blindly"
    );
    assert!(error.unwrap().contains("422"));
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Staff send it again: back in the queue, audited with who asked.
    {
        let db = store.lock().unwrap();
        use onetrip::store::Requeued;
        assert_eq!(db.requeue(&s.number, "staff").unwrap(), Requeued::Queued);
        assert_eq!(
            db.requeue(&s.number, "staff").unwrap(),
            Requeued::NotRejected
        );
        assert_eq!(db.requeue("T1-999999", "staff").unwrap(), Requeued::Unknown);
        let (actor, detail): (String, String) = db
            .connection()
            .query_row(
                "SELECT actor, detail FROM audit WHERE event = 'submission_requeued'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(actor, "staff");
        assert!(detail.contains(&s.number));
    }
    let (attempts, state, _) = submission_row(&store, &s.id);
    assert_eq!((attempts, state.as_str()), (0, "pending"));

    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
    wait_until("accepted", || {
        store.lock().unwrap().queue_counts().unwrap().accepted == 1
    })
    .await;
    worker.abort();
    let up = rusqlite::Connection::open(dir.path().join("up.sqlite3")).unwrap();
    let got = received(&up).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].key, s.id);
}

/// A proxy's HTML "404" is the link's fault, not the submission's: nothing is rejected, the
/// queue waits, staff are told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_page_pauses_the_queue_and_rejects_nothing() {
    use axum::response::IntoResponse;
    let (proxy, hits) = odd_upstream(|_| {
        (
            axum::http::StatusCode::NOT_FOUND,
            [("content-type", "text/html")],
            "<html><body><h1>404 Not Found</h1>nginx</body></html>",
        )
            .into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = one_pending(dir.path());
    let link = onetrip::sync::LinkStatus::default();
    let (_wake, worker) =
        spawn_worker_with(&store, &upstream_cfg(proxy, TOKEN), fast(), link.clone());
    wait_until("three refusals", || {
        hits.load(std::sync::atomic::Ordering::SeqCst) >= 3
    })
    .await;
    worker.abort();
    let refused = link.refused().expect("staff are told");
    assert_eq!(refused.kind, onetrip::sync::Refusal::Address);
    assert!(refused.words.contains("上游地址不对"), "{}", refused.words);
    assert!(refused.detail.contains("404"));
    let (attempts, state, error) = submission_row(&store, &s.id);
    assert_eq!(state, "pending");
    assert_eq!(
        attempts, 0,
        "a refusal of the terminal is not an attempt of the submission"
    );
    assert!(error.unwrap().contains("404"));
}

/// Review H2: a wrong token with 100 submissions queued rejected all 100 for good. Now the queue
/// pauses (one request per pause, not one per submission), and once upstream accepts the token
/// all 100 arrive, each exactly once, by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_pauses_the_queue_and_the_right_one_delivers_all_100_once() {
    common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let (store, mut ids) = pending(dir.path(), 100);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let up_db = dir.path().join("up.sqlite3");
    // A separate process, so that restarting it with the terminal's token also closes every
    // connection the terminal holds to it.
    let upstream = |token: &str| {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_onetrip-upstream"))
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--token",
                token,
                "--db",
            ])
            .arg(&up_db)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "upstream did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    };
    let mut wrong = upstream("the-platform-expects-another-token");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let link = onetrip::sync::LinkStatus::default();
    let mut backoff = fast();
    backoff.refused_pause = Duration::from_millis(300);
    let (_wake, worker) =
        spawn_worker_with(&store, &upstream_cfg(addr, TOKEN), backoff, link.clone());
    wait_until("refused", || link.refused().is_some()).await;
    // A few pauses later: nothing rejected, nothing attempted, nothing received.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let refused = link.refused().unwrap();
    assert_eq!(refused.words, "上游拒绝本机凭证");
    assert!(refused.detail.contains("401"));
    let counts = store.lock().unwrap().queue_counts().unwrap();
    assert_eq!(
        (counts.pending, counts.rejected, counts.accepted),
        (100, 0, 0)
    );
    let attempts: i64 = store
        .lock()
        .unwrap()
        .connection()
        .query_row("SELECT MAX(attempts) FROM submissions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(attempts, 0);
    wrong.kill().unwrap();
    wrong.wait().unwrap();

    // The platform now takes the terminal's token.
    let mut right = upstream(TOKEN);
    wait_until("all 100 accepted", || {
        store.lock().unwrap().queue_counts().unwrap().accepted == 100
    })
    .await;
    assert!(link.refused().is_none(), "the refusal clears by itself");
    worker.abort();
    right.kill().unwrap();
    right.wait().unwrap();
    let up = rusqlite::Connection::open(&up_db).unwrap();
    let mut keys: Vec<String> = received(&up).unwrap().into_iter().map(|r| r.key).collect();
    keys.sort();
    ids.sort();
    assert_eq!(keys, ids, "each of the 100 exactly once");
    assert!(common::logged().contains("upstream refuses this terminal; the queue is paused"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_and_an_outage_only_delays() {
    common::capture_logs();
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
    common::capture_logs();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_long_outage_only_delays_delivery() {
    common::capture_logs();
    use std::sync::atomic::{AtomicI64, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let (store, ids) = pending(dir.path(), 3);

    // A wall clock the test moves forward; the worker's sleeps are woken by `wake`.
    let offset = Arc::new(AtomicI64::new(0));
    let clock: onetrip::sync::worker::WallClock = {
        let offset = offset.clone();
        Arc::new(move || now_ms() + offset.load(Ordering::SeqCst))
    };
    // The worker's own connection, as the kiosk's store thread has.
    let handle = onetrip::store::StoreHandle::spawn(Store::open(&dir.path().join("data")).unwrap());
    let spawn = |cfg: Upstream, wake: Arc<Notify>| {
        tokio::spawn(
            SyncWorker {
                store: handle.clone(),
                clock: clock.clone(),
                client: UpstreamClient::new(&cfg).unwrap(),
                wake,
                backoff: Backoff::default(), // the real one: 2 s base, 15 min cap
                batch: 16,
                link: Default::default(),
            }
            .run(),
        )
    };
    let attempts = || -> i64 {
        store
            .lock()
            .unwrap()
            .connection()
            .query_row("SELECT MAX(attempts) FROM submissions", [], |r| r.get(0))
            .unwrap()
    };

    // Upstream unreachable for a week, in 15-minute steps.
    let wake = Arc::new(Notify::new());
    let worker = spawn(
        upstream_cfg("127.0.0.1:9".parse().unwrap(), TOKEN),
        wake.clone(),
    );
    let week_ms = 7 * 24 * 3600 * 1000;
    let step_ms = 15 * 60 * 1000;
    while offset.load(Ordering::SeqCst) < week_ms {
        let before = attempts();
        offset.fetch_add(step_ms, Ordering::SeqCst);
        wake.notify_one();
        // Once the backoff has reached its cap, every 15-minute step is one more attempt.
        if before >= 12 {
            wait_until("an attempt in this step", || attempts() > before).await;
        } else {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    worker.abort();
    let a = attempts();
    assert!(a > 600, "kept trying all week ({a} attempts)");
    let counts = store.lock().unwrap().queue_counts().unwrap();
    assert_eq!(
        (counts.pending, counts.accepted, counts.rejected),
        (3, 0, 0)
    );
    let (next, payloads): (i64, i64) = store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT MIN(next_attempt_at), COUNT(payload) FROM submissions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(payloads, 3, "nothing purged within the retention limit");
    assert!(
        next - clock() <= 15 * 60 * 1000 + 1000,
        "backoff capped at 15 minutes"
    );

    // The link comes back: the next attempt delivers all three, oldest first.
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let wake = Arc::new(Notify::new());
    let worker = spawn(upstream_cfg(addr, TOKEN), wake.clone());
    offset.fetch_add(step_ms, Ordering::SeqCst);
    wake.notify_one();
    wait_until("delivered after the outage", || {
        store.lock().unwrap().queue_counts().unwrap().accepted == 3
    })
    .await;
    worker.abort();
    let db = rusqlite::Connection::open(dir.path().join("up.sqlite3")).unwrap();
    let got: Vec<String> = received(&db).unwrap().into_iter().map(|r| r.key).collect();
    assert_eq!(got, ids);

    // Past the retention limit, an undeliverable submission's personal data is purged and audited.
    let late = store
        .lock()
        .unwrap()
        .insert_submission("T1", "application", "X", &payload(9))
        .unwrap();
    // (Retention counts the terminal's running time: here a store whose clocks the test moves,
    // 30 days of running and the three days' warning.)
    let thirty_days = 30 * onetrip::store::DAY_MS;
    let running = Arc::new(onetrip::store::ShiftedClock::default());
    let aged = Store::open_with_clock(&dir.path().join("data"), running.clone()).unwrap();
    running.run_for(thirty_days + 1);
    assert_eq!(aged.purge_expired(thirty_days).unwrap(), 0, "told first");
    running.run_for(onetrip::store::EXPIRY_WARNING_MS);
    let purged = aged.purge_expired(thirty_days).unwrap();
    assert_eq!(purged, 1);
    let audited: i64 = store.lock().unwrap().connection()
        .query_row("SELECT COUNT(*) FROM audit WHERE event = 'submission_purged_undelivered' AND detail = ?1", [format!("{} {}", late.number, late.id)], |r| r.get(0))
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_catalog_etag_and_case_query() {
    common::capture_logs();
    use onetrip::devtools::reference_upstream::{etag, sample_catalog, sample_published};
    let dir = tempfile::tempdir().unwrap();
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let client = UpstreamClient::new(&upstream_cfg(addr, TOKEN)).unwrap();
    let beat = serde_json::json!({"terminal_id": "T1", "devices": {"printer": {"state": "online", "paper": "low"}}, "queue": {"pending": 2}});
    client.send_heartbeat(&beat).await.unwrap();
    client.send_heartbeat(&beat).await.unwrap();
    let http = reqwest::Client::new();
    let beats: serde_json::Value = http
        .get(format!("http://{addr}/v1/admin/heartbeats"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(beats[0]["terminal_id"], "T1");
    assert_eq!(beats[0]["devices"]["printer"]["paper"], "low");
    assert_eq!(beats[0]["count"], 2);

    // Catalog with ETag: a second fetch with If-None-Match is 304.
    let url = format!("http://{addr}/v1/catalog");
    let first = http.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(tag, etag(&sample_catalog(), &sample_published().signature));
    // The same bytes under another signature are another document.
    assert_ne!(tag, etag(&sample_catalog(), ""));
    assert_eq!(
        first.bytes().await.unwrap().as_ref(),
        sample_catalog().as_slice()
    );
    let again = http
        .get(&url)
        .bearer_auth(TOKEN)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Case progress: number and party must both match.
    let store = Arc::new(Mutex::new(Store::open(&dir.path().join("data")).unwrap()));
    let s = store
        .lock()
        .unwrap()
        .insert_submission("T1", "application", "ZA-WFZ-001", &payload(0))
        .unwrap();
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
    wait_until("delivered", || {
        store.lock().unwrap().queue_counts().unwrap().accepted == 1
    })
    .await;
    worker.abort();
    let query = |number: String, id: &'static str| {
        http.post(format!("http://{addr}/v1/cases/query"))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({"case_number": number, "id_number": id}))
            .send()
    };
    let ok = query(s.number.clone(), "330106198503121231").await.unwrap();
    assert_eq!(ok.status(), 200);
    let progress: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(progress["steps"][0]["status"], "received");
    assert_eq!(
        query(s.number.clone(), "110105194912310021")
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        query("T1-999999".into(), "330106198503121231")
            .await
            .unwrap()
            .status(),
        404
    );
}

/// A platform that asks for a 30-day pause (or an absurd number, or a date in 2100) does not hold
/// the queue back beyond the worker's own bound, and no value makes the worker spin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_retry_after_holds_the_queue_beyond_the_cap() {
    common::capture_logs();
    for asked in [
        "2592000",
        "18446744073709551615",
        "Fri, 31 Dec 2100 23:59:59 GMT",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let throttled = Faults {
            throttle_rate: 1.0,
            retry_after: asked,
            ..Faults::default()
        };
        let (addr, server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, throttled)
            .await
            .unwrap();
        let (store, s) = one_pending(dir.path());
        let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
        let row = || -> (i64, i64, i64) {
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
        wait_until("a throttled attempt", || row().0 >= 1).await;
        let (_, next, updated) = row();
        let waits = next - updated;
        assert!(
            (0..=2_000 + 500).contains(&waits),
            "Retry-After {asked:?}: waits {waits} ms; the bound is 2 s"
        );
        // Within the bound it is honoured: no second attempt before it.
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        assert_eq!(row().0, 1, "Retry-After {asked:?}: retried before the wait");
        worker.abort();
        server.abort();
    }
}

/// A server of our own for answers the reference upstream never gives: it counts the requests it
/// gets and answers each with `answer`.
async fn odd_upstream(
    answer: fn(&str) -> axum::response::Response,
) -> (std::net::SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            answer("")
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, hits)
}

/// A store in `dir` holding one pending submission.
fn one_pending(dir: &std::path::Path) -> (Arc<Mutex<Store>>, onetrip::engine::StoredSubmission) {
    let store = Arc::new(Mutex::new(Store::open(&dir.join("data")).unwrap()));
    let s = store
        .lock()
        .unwrap()
        .insert_submission("T1", "application", "X", &payload(0))
        .unwrap();
    (store, s)
}

fn submission_row(store: &Arc<Mutex<Store>>, id: &str) -> (i64, String, Option<String>) {
    store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT attempts, state, last_error FROM submissions WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

/// A 308 to another host: the terminal does not follow it, so neither the application nor the
/// token goes there; the submission stays pending for a retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_not_followed_and_the_application_not_resent() {
    use axum::response::IntoResponse;
    use std::sync::atomic::Ordering;
    common::capture_logs();
    let (elsewhere, elsewhere_hits) = odd_upstream(|_| "thanks".into_response()).await;
    static TARGET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TARGET.get_or_init(|| format!("http://{elsewhere}/v1/submissions"));
    let (redirecting, hits) = odd_upstream(|_| {
        (
            axum::http::StatusCode::PERMANENT_REDIRECT,
            [("location", TARGET.get().unwrap().as_str())],
        )
            .into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = one_pending(dir.path());
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(redirecting, TOKEN));
    wait_until("two attempts", || submission_row(&store, &s.id).0 >= 2).await;
    worker.abort();
    let (_, state, error) = submission_row(&store, &s.id);
    assert_eq!(state, "pending");
    assert!(error.unwrap_or_default().contains("308"));
    assert!(hits.load(Ordering::SeqCst) >= 2);
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "followed the redirect"
    );
}

/// A 50 MiB answer (a proxy's error page gone wrong, or worse) is refused once the cap is reached,
/// as a retry: the submission stays pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_answer_is_refused_as_a_retry() {
    use axum::response::IntoResponse;
    common::capture_logs();
    let (addr, _hits) = odd_upstream(|_| {
        let chunk = axum::body::Bytes::from(vec![b' '; 1 << 20]);
        let chunks = (0..50).map(move |_| Ok::<_, std::io::Error>(chunk.clone()));
        axum::body::Body::from_stream(futures_util::stream::iter(chunks)).into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (store, s) = one_pending(dir.path());
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
    wait_until("an attempt", || submission_row(&store, &s.id).0 >= 1).await;
    worker.abort();
    let (_, state, error) = submission_row(&store, &s.id);
    assert_eq!(state, "pending");
    let error = error.unwrap_or_default();
    assert!(error.contains("answer larger than"), "{error}");
}

/// Every first answer breaks off half-way after upstream has stored the submission: the terminal
/// retries with the same key, gets the first answer replayed, and the platform holds it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_after_commit_is_retried_and_replayed_once() {
    common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let faults = Faults {
        drop_after_commit_rate: 1.0,
        ..Faults::default()
    };
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, faults)
        .await
        .unwrap();
    let (store, s) = one_pending(dir.path());
    let (_wake, worker) = spawn_worker(&store, &upstream_cfg(addr, TOKEN));
    wait_until("accepted", || submission_row(&store, &s.id).1 == "accepted").await;
    worker.abort();
    let (attempts, _, _) = submission_row(&store, &s.id);
    assert!(attempts >= 2, "the broken answer was taken for an answer");
    let db = rusqlite::Connection::open(dir.path().join("up.sqlite3")).unwrap();
    let got = received(&db).unwrap();
    assert_eq!(got.len(), 1, "exactly once");
    assert!(got[0].replays >= 1, "the retry was not a replay");
}

/// The number of rows in the kept (masked) receipts.
fn receipts_kept(store: &Store) -> i64 {
    store
        .connection()
        .query_row("SELECT COUNT(*) FROM receipts", [], |r| r.get(0))
        .unwrap()
}

/// Undelivered submissions (pending or rejected) whose application is still in the store.
fn undelivered_kept(store: &Store) -> i64 {
    store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM submissions WHERE state != 'accepted' AND payload IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Issue 32 (review N4): retention purged every row older than 30 days by the wall clock, pending
/// ones included, so DHCP-supplied NTP, a dead RTC or a wrong BIOS date 31 days ahead erased the
/// undelivered applications (and the warning, on the same clock, never came). Now the wall clock
/// jumps a month ahead, then a year back: nothing is erased, no warning fires, both steps are
/// reported; retention follows the terminal's running time (delivered data goes after 30 days of
/// it, undelivered only after the warning), and a retry set before the clock went back a year is
/// not held for a year.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_step_erases_nothing_and_holds_nothing_back() {
    use onetrip::store::{Clock, Purged, ShiftedClock, DAY_MS, EXPIRY_WARNING_MS};
    common::capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clock = Arc::new(ShiftedClock::default());
    let store = Store::open_with_clock(&data, clock.clone()).unwrap();
    let thirty = 30 * DAY_MS;
    // Three delivered, five pending, one rejected; each with its masked receipt kept.
    let subs: Vec<_> = (0..9)
        .map(|i| {
            store
                .insert_submission("T1", "application", "X", &payload(i))
                .unwrap()
        })
        .collect();
    for s in &subs {
        let receipt = onetrip::engine::ReceiptRequest {
            kind: Default::default(),
            submission: s.clone(),
            item_code: "X".into(),
            item_name: "无犯罪记录证明申请".into(),
            next_steps: vec![],
            name_masked: "测*".into(),
            id_masked: "330106********1231".into(),
            english: false,
            acceptance: None,
            decision: None,
        };
        store.save_receipt(&receipt, true).unwrap();
    }
    let mut outcomes: Vec<(String, onetrip::store::Delivery)> = subs[..3]
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                onetrip::store::Delivery::Accepted {
                    reference: format!("UP-{}", s.number),
                },
            )
        })
        .collect();
    outcomes.push((
        subs[8].id.clone(),
        onetrip::store::Delivery::Rejected {
            error: "HTTP 422: the platform's error answer · body 1a2b3c4d".into(),
        },
    ));
    store.record_deliveries(&outcomes).unwrap();
    assert_eq!(undelivered_kept(&store), 6);

    // The wall clock steps 31 days ahead; the hourly round runs.
    clock.step_wall(31 * DAY_MS);
    assert_eq!(
        store.expiring(thirty, EXPIRY_WARNING_MS).unwrap(),
        0,
        "the jump fired the expiry warning"
    );
    assert_eq!(store.apply_retention(thirty).unwrap(), Purged::default());
    assert_eq!(
        undelivered_kept(&store),
        6,
        "undelivered applications erased"
    );
    assert_eq!(receipts_kept(&store), 9);
    let step = store.clock_step().expect("the step is reported");
    assert!(step.step_ms >= 31 * DAY_MS - 60_000, "{step:?}");

    // Then a year back (from the true time).
    clock.step_wall(-(31 + 365) * DAY_MS);
    assert_eq!(store.expiring(thirty, EXPIRY_WARNING_MS).unwrap(), 0);
    assert_eq!(store.apply_retention(thirty).unwrap(), Purged::default());
    assert_eq!(undelivered_kept(&store), 6);
    assert_eq!(receipts_kept(&store), 9);
    let step = store.clock_step().unwrap();
    assert!(step.step_ms <= -395 * DAY_MS && step.count == 2, "{step:?}");
    let audited: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE event = 'clock_step'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 2);
    assert!(common::logged().contains("the wall clock stepped by more than a day"));

    // 31 days of the terminal's own running time: the delivered ones' data (their kept receipts)
    // goes on that age; the undelivered ones are reported now and kept for the warning's time.
    clock.run_for(31 * DAY_MS);
    let purged = store.apply_retention(thirty).unwrap();
    assert_eq!(purged.receipts, 9);
    assert_eq!(purged.undelivered, 0, "purged before staff were told");
    assert_eq!(undelivered_kept(&store), 6);
    assert_eq!(store.expiring(thirty, EXPIRY_WARNING_MS).unwrap(), 6);

    // Delivery on the clock a year back: the pending ones were due before the step, and are now,
    // not in a year.
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let handle =
        onetrip::store::StoreHandle::spawn(Store::open_with_clock(&data, clock.clone()).unwrap());
    let wall = clock.clone();
    let worker = tokio::spawn(
        SyncWorker {
            store: handle,
            clock: Arc::new(move || wall.wall_ms()),
            client: UpstreamClient::new(&upstream_cfg(addr, TOKEN)).unwrap(),
            wake: Arc::new(Notify::new()),
            backoff: fast(),
            batch: 16,
            link: Default::default(),
        }
        .run(),
    );
    wait_until("the five pending delivered", || {
        store.queue_counts().unwrap().accepted == 8
    })
    .await;
    worker.abort();
    let up = rusqlite::Connection::open(dir.path().join("up.sqlite3")).unwrap();
    let mut got: Vec<String> = received(&up).unwrap().into_iter().map(|r| r.key).collect();
    got.sort();
    let mut sent: Vec<String> = subs[3..8].iter().map(|s| s.id.clone()).collect();
    sent.sort();
    assert_eq!(got, sent);
}

/// Issue 32 (review N6): any JSON body on 400/409/422 counted as the platform's verdict and a
/// round went on, so a gateway answering `400 {"message": "blocked"}` to everything marked the
/// whole backlog rejected. Now three rejections in a row with the same reason pause the queue
/// (staff and the heartbeat are told, as for a refusal of the terminal) and the rest are held,
/// not rejected; the three are put back at once, a restart does not reject three more, and once
/// upstream takes submissions again all ten arrive, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_rejecting_everything_rejects_three_and_holds_the_rest() {
    use axum::response::IntoResponse;
    use onetrip::sync::breaker::SAME_REJECTIONS;
    use std::sync::atomic::Ordering;
    common::capture_logs();
    let (gateway, hits) = odd_upstream(|_| {
        (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"message": "blocked"})),
        )
            .into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (store, mut ids) = pending(dir.path(), 10);
    let counts = || {
        let c = store.lock().unwrap().queue_counts().unwrap();
        (c.pending, c.rejected, c.accepted)
    };
    let link = onetrip::sync::LinkStatus::default();
    let (_wake, worker) =
        spawn_worker_with(&store, &upstream_cfg(gateway, TOKEN), fast(), link.clone());
    wait_until("the queue paused", || link.refused().is_some()).await;
    // Two pauses more: one try each, held.
    let tried = SAME_REJECTIONS as usize + 2;
    wait_until("two tries after the pause", || {
        hits.load(Ordering::SeqCst) >= tried
    })
    .await;
    worker.abort();
    assert_eq!(counts(), (7, 3, 0), "at most three rejected");
    let refused = link.refused().unwrap();
    assert_eq!(refused.kind, onetrip::sync::Refusal::RepeatedRejection);
    assert!(refused.words.contains("同一原因"), "{}", refused.words);
    assert!(
        refused
            .detail
            .starts_with("HTTP 400: a JSON answer without the platform's error field · body "),
        "{}",
        refused.detail
    );
    let held_attempts: i64 = store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT MAX(attempts) FROM submissions WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(held_attempts, 0, "a held submission was counted an attempt");
    assert!(common::logged().contains("the queue is paused and the rest are held, not rejected"));

    // Put back at once; a worker started again (a power cut) holds them, rejects none.
    let done = store
        .lock()
        .unwrap()
        .requeue_all_rejected("technician")
        .unwrap();
    assert_eq!(done.queued, 3);
    let before = hits.load(Ordering::SeqCst);
    let link = onetrip::sync::LinkStatus::default();
    let (_wake, worker) =
        spawn_worker_with(&store, &upstream_cfg(gateway, TOKEN), fast(), link.clone());
    wait_until("two more tries", || {
        hits.load(Ordering::SeqCst) >= before + 2
    })
    .await;
    worker.abort();
    assert_eq!(counts(), (10, 0, 0));
    assert_eq!(
        link.refused().map(|r| r.kind),
        Some(onetrip::sync::Refusal::RepeatedRejection)
    );

    // Upstream takes submissions again: all ten, once each, and the pause clears by itself.
    let (addr, _server) = spawn_local(&dir.path().join("up.sqlite3"), TOKEN, Faults::default())
        .await
        .unwrap();
    let (_wake, worker) =
        spawn_worker_with(&store, &upstream_cfg(addr, TOKEN), fast(), link.clone());
    wait_until("all ten accepted", || counts().2 == 10).await;
    worker.abort();
    assert!(link.refused().is_none(), "the pause clears by itself");
    let up = rusqlite::Connection::open(dir.path().join("up.sqlite3")).unwrap();
    let mut keys: Vec<String> = received(&up).unwrap().into_iter().map(|r| r.key).collect();
    keys.sort();
    ids.sort();
    assert_eq!(keys, ids);
}

/// An ID number upstream echoes in its error text (issue 31).
const ECHOED_ID: &str = "510104198807153318";

/// Issue 31: upstream's error text may echo a citizen's ID number, and it was stored
/// (`last_error`), logged, shown and bundled for a technician verbatim. Now a rejection, a retry
/// and a refusal of the terminal whose bodies hold an ID number leave no trace of it in the
/// store's files, the log or `onetrip logs --out`: only the typed reason and the body's digest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstreams_error_text_is_never_stored_logged_or_bundled() {
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    common::capture_logs();
    fn said(code: StatusCode) -> Response {
        (
            code,
            axum::Json(serde_json::json!({
                "error": format!("申请人身份证号 {ECHOED_ID} 与姓名不符")
            })),
        )
            .into_response()
    }
    let upstreams = [
        (
            odd_upstream(|_| said(StatusCode::UNPROCESSABLE_ENTITY))
                .await
                .0,
            "HTTP 422: the platform's error answer · body ",
        ),
        (
            odd_upstream(|_| said(StatusCode::SERVICE_UNAVAILABLE))
                .await
                .0,
            "HTTP 503: the platform's error answer · body ",
        ),
        (
            odd_upstream(|_| said(StatusCode::UNAUTHORIZED)).await.0,
            "HTTP 401: the platform's error answer · body ",
        ),
    ];
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/onetrip.example.toml"
    ))
    .unwrap();
    for (upstream, expected) in upstreams {
        let dir = tempfile::tempdir().unwrap();
        let (store, s) = one_pending(dir.path());
        let link = onetrip::sync::LinkStatus::default();
        let (_w, worker) =
            spawn_worker_with(&store, &upstream_cfg(upstream, TOKEN), fast(), link.clone());
        wait_until("an answer recorded", || {
            submission_row(&store, &s.id).2.is_some()
        })
        .await;
        worker.abort();
        // Nothing in the store's files (rows, WAL), or the technician's bundle.
        let data = dir.path().join("data");
        for f in ["onetrip.sqlite3", "onetrip.sqlite3-wal"] {
            let bytes = std::fs::read(data.join(f)).unwrap_or_default();
            assert!(
                !bytes
                    .windows(ECHOED_ID.len())
                    .any(|w| w == ECHOED_ID.as_bytes()),
                "{f} holds the echoed ID number ({expected})"
            );
        }
        let config = dir.path().join("onetrip.toml");
        std::fs::write(
            &config,
            example.replace(
                "dir = \"/var/lib/onetrip/store\"",
                &format!("dir = \"{}\"", data.display()),
            ),
        )
        .unwrap();
        let bundle = dir.path().join("bundle");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_onetrip"))
            .arg("--config")
            .arg(&config)
            .args(["logs", "--out"])
            .arg(&bundle)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let mut files = 0;
        for entry in std::fs::read_dir(&bundle).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read(&path).unwrap();
            assert!(
                !text
                    .windows(ECHOED_ID.len())
                    .any(|w| w == ECHOED_ID.as_bytes()),
                "{} holds the echoed ID number",
                path.display()
            );
            files += 1;
        }
        assert!(files >= 5, "{files} files in the bundle");

        // The store says what happened, in its own words, with the body's digest.
        let error = submission_row(&store, &s.id).2.unwrap();
        let digest = error
            .strip_prefix(expected)
            .unwrap_or_else(|| panic!("{error}"));
        assert!(
            digest.len() == 8 && digest.chars().all(|c| c.is_ascii_hexdigit()),
            "{error}"
        );
        if let Some(refused) = link.refused() {
            assert!(refused.detail.starts_with("HTTP 401"), "{}", refused.detail);
        }
    }
    // Nor the log, at debug level, of any of the three.
    common::assert_not_logged(&[ECHOED_ID, "与姓名不符"]);
}

/// The breaker must not stall a queue the platform rightly rejects a few of: four applications
/// in a row for an item the hall does not offer get the same answer. Three are rejected and trip
/// the breaker; the fourth is held, the next probe is the fifth — accepted, which closes the
/// breaker — and the queue goes on: six delivered, four rejected, nothing waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rightful_rejections_in_a_row_do_not_stall_the_queue() {
    use axum::response::IntoResponse;
    common::capture_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The first four submissions (T1-000001 … 000004) are for an item this hall does not offer.
    let app = axum::Router::new().fallback(|body: axum::body::Bytes| async move {
        let sub: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let number = sub["number"].as_str().unwrap_or_default().to_string();
        if ["T1-000001", "T1-000002", "T1-000003", "T1-000004"].contains(&number.as_str()) {
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(serde_json::json!({"error": "item not offered at this hall"})),
            )
                .into_response()
        } else {
            (
                axum::http::StatusCode::CREATED,
                axum::Json(serde_json::json!({"reference": format!("UP-{number}")})),
            )
                .into_response()
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let (store, _ids) = pending(dir.path(), 10);
    let link = onetrip::sync::LinkStatus::default();
    let (_wake, worker) =
        spawn_worker_with(&store, &upstream_cfg(addr, TOKEN), fast(), link.clone());
    wait_until("every submission answered", || {
        let c = store.lock().unwrap().queue_counts().unwrap();
        c.pending == 0
    })
    .await;
    worker.abort();
    let c = store.lock().unwrap().queue_counts().unwrap();
    assert_eq!((c.accepted, c.rejected), (6, 4));
    assert!(link.refused().is_none(), "the breaker closed by itself");
}
