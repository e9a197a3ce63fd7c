//! Draining a backlog of submissions to the reference upstream on loopback, against a bare loop of
//! the same HTTP requests: what the outbox (SQLite reads, batched acknowledgements) costs on top of
//! the network. `cargo bench --bench outbox_drain` (ONETRIP_BENCH_N to change the backlog size).

use std::time::{Duration, Instant};

use onetrip::config::Upstream;
use onetrip::devtools::reference_upstream::{spawn_local, Faults};
use onetrip::store::Store;
use onetrip::sync::worker::Backoff;
use onetrip::sync::{SyncWorker, UpstreamClient};

const TOKEN: &str = "bench";

fn main() {
    let n: usize = std::env::var("ONETRIP_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The backlog: n committed submissions (built without fsync to keep the setup short).
    let store = Store::open(&dir.path().join("data")).unwrap();
    store
        .connection()
        .execute_batch("PRAGMA synchronous = OFF")
        .unwrap();
    let payload =
        serde_json::json!({"applicant": {"name": "测试", "id_number": "330106198503121231"}});
    for _ in 0..n {
        store
            .insert_submission("BENCH", "application", "ZA-WFZ-001", &payload)
            .unwrap();
    }
    store
        .connection()
        .execute_batch("PRAGMA synchronous = FULL")
        .unwrap();
    let bodies: Vec<(String, String)> = store
        .due(i64::MAX, n)
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.payload))
        .collect();
    let store = onetrip::store::StoreHandle::spawn(store);

    let outbox = rt.block_on(async {
        let (addr, _server) =
            spawn_local(&dir.path().join("up1.sqlite3"), TOKEN, Faults::default())
                .await
                .unwrap();
        let cfg = Upstream {
            base_url: format!("http://{addr}"),
            token: TOKEN.into(),
            connect_timeout_secs: 5,
            request_timeout_secs: 30,
            tracking_url: "x{number}".into(),
            heartbeat_secs: 60,
            tls: None,
        };
        let start = Instant::now();
        let worker = tokio::spawn(
            SyncWorker {
                store: store.clone(),
                clock: onetrip::sync::worker::system_clock(),
                client: UpstreamClient::new(&cfg).unwrap(),
                wake: Default::default(),
                backoff: Backoff::default(),
                batch: 64,
                link: Default::default(),
            }
            .run(),
        );
        loop {
            let accepted = {
                store
                    .call(|s| s.queue_counts().unwrap().accepted)
                    .await
                    .unwrap()
            };
            if accepted as usize == n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        worker.abort();
        start.elapsed()
    });

    let bare = rt.block_on(async {
        let (addr, _server) =
            spawn_local(&dir.path().join("up2.sqlite3"), TOKEN, Faults::default())
                .await
                .unwrap();
        let http = reqwest::Client::new();
        let url = format!("http://{addr}/v1/submissions");
        let start = Instant::now();
        for (id, body) in &bodies {
            let r = http
                .post(&url)
                .bearer_auth(TOKEN)
                .header("Idempotency-Key", id)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            let _ = r.bytes().await;
        }
        start.elapsed()
    });

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "outbox_drain/{n}: outbox worker {:.2} s ({:.0}/s)",
        outbox.as_secs_f64(),
        rate(outbox)
    );
    println!(
        "outbox_drain/{n}: bare HTTP loop {:.2} s ({:.0}/s)",
        bare.as_secs_f64(),
        rate(bare)
    );
    println!(
        "outbox_drain/{n}: outbox overhead {:+.1}%",
        (outbox.as_secs_f64() / bare.as_secs_f64() - 1.0) * 100.0
    );
}
