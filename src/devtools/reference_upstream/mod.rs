//! The reference upstream: a small, faithful implementation of the terminal API (idempotent
//! submissions) with its own SQLite file and switches to inject faults. The demo and the end-to-end
//! tests run it on loopback; `onetrip-upstream` runs it standalone.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::Connection;
use serde_json::json;

mod catalog;
mod community;
mod heartbeats;
pub mod lookups;
pub mod records;
mod submissions;
pub mod violations;

pub use catalog::{etag, sample_catalog, sample_published, PublishedCatalog};
pub use submissions::{received, Received};

/// Fault injection, all off by default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Share of submissions answered 503 before anything is stored.
    pub error_rate: f64,
    /// Share answered 429 with `Retry-After: retry_after` (1 when empty).
    pub throttle_rate: f64,
    /// The `Retry-After` value of a throttled answer (seconds or an HTTP-date).
    pub retry_after: &'static str,
    /// Share stored and then answered 500, as if the response were lost on the way back.
    pub lose_response_rate: f64,
    /// Share stored, then the connection is cut in the middle of the response.
    pub drop_after_commit_rate: f64,
    /// Added to every request.
    pub latency: Duration,
}

#[derive(Clone)]
struct App {
    db: Arc<Mutex<Connection>>,
    token: Arc<str>,
    faults: Faults,
    catalog: Arc<Mutex<PublishedCatalog>>,
    /// How many times the catalog was handed out whole (not 304): a test times a power cut
    /// into a terminal's download of an update by it.
    catalog_served: Arc<std::sync::atomic::AtomicU64>,
    /// The village feed every terminal of this server is given.
    community: Arc<Mutex<PublishedCatalog>>,
    /// Wrong PINs tried per anonymous tip's number (see `lookups::PIN_TRIES`).
    pin_failures: Arc<Mutex<std::collections::HashMap<String, u32>>>,
}

pub fn open_db(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS heartbeats (
            terminal_id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            at INTEGER NOT NULL,
            count INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE IF NOT EXISTS received (
            key TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            status INTEGER NOT NULL,
            response TEXT NOT NULL,
            terminal_id TEXT NOT NULL,
            number TEXT NOT NULL,
            item_code TEXT NOT NULL,
            reference TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            replays INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS accepted (
            number TEXT PRIMARY KEY,
            acceptance_number TEXT NOT NULL,
            accepted_at INTEGER NOT NULL,
            authority_zh TEXT NOT NULL,
            authority_en TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS decisions (
            violation_id TEXT PRIMARY KEY,
            number TEXT NOT NULL,
            decided_at INTEGER NOT NULL,
            replays INTEGER NOT NULL DEFAULT 0
        );",
    )?;
    Ok(conn)
}

pub fn router(db: Connection, token: &str, faults: Faults) -> Router {
    let app = App {
        db: Arc::new(Mutex::new(db)),
        token: token.into(),
        faults,
        catalog: Arc::new(Mutex::new(sample_published())),
        catalog_served: Arc::default(),
        community: Arc::new(Mutex::new(community::sample_published())),
        pin_failures: Arc::default(),
    };
    Router::new()
        .route(
            "/v1/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route("/v1/submissions", post(submissions::submit))
        .route("/v1/heartbeat", post(heartbeats::heartbeat))
        .route("/v1/catalog", get(catalog::catalog_get))
        .route("/v1/community", get(community::community_get))
        .route(
            "/v1/admin/community",
            axum::routing::put(community::community_publish),
        )
        .route("/v1/cases/query", post(lookups::case_query))
        .route("/v1/appointments/slots", get(lookups::appointment_slots))
        .route("/v1/violations/lookup", post(violations::lookup))
        .route("/v1/violations/{id}/decision", post(violations::decide))
        .route("/v1/admin/decisions", get(violations::list))
        .route("/v1/admin/submissions", get(submissions::list))
        .route(
            "/v1/admin/submissions/{number}/accept",
            post(lookups::accept),
        )
        .route("/v1/admin/heartbeats", get(heartbeats::heartbeats))
        .route(
            "/v1/admin/catalog",
            axum::routing::put(catalog::catalog_publish).get(catalog::catalog_status),
        )
        .with_state(app)
}

/// Serves on an already bound listener until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}

/// Starts a reference upstream on 127.0.0.1 (an ephemeral port) in the current runtime.
pub async fn spawn_local(
    db_path: &Path,
    token: &str,
    faults: Faults,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let db = open_db(db_path).map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = router(db, token, faults);
    let task = tokio::spawn(async move {
        if let Err(e) = serve(listener, router).await {
            tracing::error!(error = %e, "reference upstream stopped");
        }
    });
    Ok((addr, task))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn authorised(app: &App, headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == &*app.token)
}

fn roll(rate: f64) -> bool {
    rate > 0.0 && fastrand::f64() < rate
}
