//! The reference upstream: a small, faithful implementation of the terminal API (idempotent
//! submissions) with its own SQLite file and switches to inject faults. The demo and the end-to-end
//! tests run it on loopback; `onetrip-upstream` runs it standalone.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

/// Fault injection, all off by default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Share of submissions answered 503 before anything is stored.
    pub error_rate: f64,
    /// Share answered 429 with `Retry-After: 1`.
    pub throttle_rate: f64,
    /// Share stored and then answered 500, as if the response were lost on the way back.
    pub lose_response_rate: f64,
    /// Added to every request.
    pub latency: Duration,
}

#[derive(Clone)]
struct App {
    db: Arc<Mutex<Connection>>,
    token: Arc<str>,
    faults: Faults,
}

/// One submission as the upstream received it (for tests and the admin listing).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Received {
    pub key: String,
    pub number: String,
    pub item_code: String,
    pub terminal_id: String,
    pub reference: String,
    pub replays: i64,
}

pub fn open_db(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS received (
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
        );",
    )?;
    Ok(conn)
}

pub fn router(db: Connection, token: &str, faults: Faults) -> Router {
    let app = App {
        db: Arc::new(Mutex::new(db)),
        token: token.into(),
        faults,
    };
    Router::new()
        .route(
            "/v1/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route("/v1/submissions", post(submit))
        .route("/v1/admin/submissions", get(list))
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

async fn submit(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if !app.faults.latency.is_zero() {
        tokio::time::sleep(app.faults.latency).await;
    }
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key header is required",
        );
    };
    if roll(app.faults.error_rate) {
        return error(StatusCode::SERVICE_UNAVAILABLE, "injected fault");
    }
    if roll(app.faults.throttle_rate) {
        let mut r = error(StatusCode::TOO_MANY_REQUESTS, "slow down");
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
        return r;
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let parsed: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => return error(StatusCode::BAD_REQUEST, "body is not JSON"),
    };
    let field = |k: &str| {
        parsed
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let (number, item_code, terminal_id) =
        (field("number"), field("item_code"), field("terminal_id"));
    if number.is_empty() || item_code.is_empty() || terminal_id.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "number, item_code and terminal_id are required",
        );
    }
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let existing: Option<(String, i64, String)> = db
        .query_row(
            "SELECT body, status, response FROM received WHERE key = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .unwrap_or(None);
    if let Some((first_body, status, response)) = existing {
        if first_body != text {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key reused with a different payload",
            );
        }
        let _ = db.execute(
            "UPDATE received SET replays = replays + 1 WHERE key = ?1",
            [&key],
        );
        let mut r = (
            StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK),
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            response,
        )
            .into_response();
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        return r;
    }
    let reference = format!("UP-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let received_at = crate::store::now_ms();
    let response = json!({ "reference": reference, "received_at_ms": received_at }).to_string();
    if let Err(e) = db.execute(
        "INSERT INTO received (key, body, status, response, terminal_id, number, item_code, reference, received_at)
         VALUES (?1, ?2, 201, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![key, text, response, terminal_id, number, item_code, reference, received_at],
    ) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("store: {e}"));
    }
    drop(db);
    if roll(app.faults.lose_response_rate) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "injected: response lost after commit",
        );
    }
    (
        StatusCode::CREATED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        response,
    )
        .into_response()
}

async fn list(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    match received(&db) {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// Everything received, in arrival order.
pub fn received(db: &Connection) -> rusqlite::Result<Vec<Received>> {
    let mut stmt = db.prepare(
        "SELECT key, number, item_code, terminal_id, reference, replays FROM received ORDER BY received_at, rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Received {
            key: r.get(0)?,
            number: r.get(1)?,
            item_code: r.get(2)?,
            terminal_id: r.get(3)?,
            reference: r.get(4)?,
            replays: r.get(5)?,
        })
    })?;
    rows.collect()
}
