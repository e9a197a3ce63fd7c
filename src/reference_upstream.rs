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
}

/// The catalog document upstream hands out, with its signature and ETag.
#[derive(Debug, Clone)]
pub struct PublishedCatalog {
    pub bytes: Vec<u8>,
    pub signature: String,
    pub etag: String,
}

impl PublishedCatalog {
    pub fn new(bytes: Vec<u8>, signature: String) -> PublishedCatalog {
        let etag = etag(&bytes);
        PublishedCatalog {
            bytes,
            signature,
            etag,
        }
    }
}

/// What the reference server hands out until a catalog is published to it: the shipped catalog as
/// one document, signed with the demo authority's key.
pub fn sample_catalog() -> Vec<u8> {
    crate::catalog::bundle(&crate::catalog::shipped_files()).into_bytes()
}

pub fn sample_published() -> PublishedCatalog {
    let bytes = sample_catalog();
    let sig =
        crate::catalog::signature::sign(&bytes, &crate::catalog::signature::demo_signing_key());
    PublishedCatalog::new(bytes, sig)
}

/// A strong ETag: FNV-1a 64 of the exact bytes.
pub fn etag(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("\"{h:016x}\"")
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
    };
    Router::new()
        .route(
            "/v1/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route("/v1/submissions", post(submit))
        .route("/v1/heartbeat", post(heartbeat))
        .route("/v1/catalog", get(catalog_get))
        .route("/v1/cases/query", post(case_query))
        .route("/v1/appointments/slots", get(appointment_slots))
        .route("/v1/admin/submissions", get(list))
        .route("/v1/admin/heartbeats", get(heartbeats))
        .route("/v1/admin/catalog", axum::routing::put(catalog_publish))
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
        let value = if app.faults.retry_after.is_empty() {
            "1"
        } else {
            app.faults.retry_after
        };
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static(value));
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
    if roll(app.faults.drop_after_commit_rate) {
        // Stored, then the connection breaks half-way through the answer: the terminal sees a
        // broken response and must retry with the same key (and get the first answer replayed).
        let half = response.as_bytes()[..response.len() / 2].to_vec();
        let parts: Vec<Result<Vec<u8>, std::io::Error>> = vec![
            Ok(half),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "injected: connection dropped after commit",
            )),
        ];
        return (
            StatusCode::CREATED,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            axum::body::Body::from_stream(futures_util::stream::iter(parts)),
        )
            .into_response();
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

async fn heartbeat(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    let Some(terminal) = v.get("terminal_id").and_then(|t| t.as_str()) else {
        return error(StatusCode::BAD_REQUEST, "terminal_id is required");
    };
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let r = db.execute(
        "INSERT INTO heartbeats (terminal_id, body, at) VALUES (?1, ?2, ?3)
         ON CONFLICT(terminal_id) DO UPDATE SET body = excluded.body, at = excluded.at, count = count + 1",
        params![terminal, v.to_string(), crate::store::now_ms()],
    );
    match r {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn heartbeats(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let rows: rusqlite::Result<Vec<serde_json::Value>> = db
        .prepare("SELECT body, count FROM heartbeats ORDER BY terminal_id")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| {
                let body: String = r.get(0)?;
                let count: i64 = r.get(1)?;
                let mut v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                v["count"] = count.into();
                Ok(v)
            })?
            .collect()
        });
    match rows {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// Free appointment times: the next three working days, 09:00 to 11:30 and 14:00 to 16:30 in
/// half hours (the reference server books nothing; a real platform would hold the slot).
async fn appointment_slots(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    use chrono::{Datelike, Duration as Days, Weekday};
    let mut day = chrono::Local::now().date_naive();
    let mut slots = Vec::new();
    let mut days = 0;
    while days < 3 {
        day += Days::days(1);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        days += 1;
        let weekday_zh = ["一", "二", "三", "四", "五", "六", "日"]
            [day.weekday().num_days_from_monday() as usize];
        for (h, m) in [(9, 0), (10, 0), (14, 0), (15, 30)] {
            slots.push(json!({
                "id": format!("{}T{:02}{:02}", day.format("%Y%m%d"), h, m),
                "label_zh": format!("{}月{}日 周{} {:02}:{:02}", day.month(), day.day(), weekday_zh, h, m),
                "label_en": format!("{} {:02}:{:02}", day.format("%a %-d %b"), h, m),
            }));
        }
    }
    Json(json!({ "slots": slots })).into_response()
}

/// Publishes a catalog document as the authority signed it (the server does not check it: the
/// terminals do, which is the point).
async fn catalog_publish(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let signature = headers
        .get(crate::sync::catalog::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let published = PublishedCatalog::new(body.to_vec(), signature);
    let tag = published.etag.clone();
    *app.catalog.lock().unwrap_or_else(|e| e.into_inner()) = published;
    Json(json!({ "etag": tag })).into_response()
}

async fn catalog_get(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let published = app
        .catalog
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let (bytes, tag) = (&published.bytes, &published.etag);
    let matches = headers
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut r = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/toml; charset=utf-8",
                ),
                (
                    axum::http::header::HeaderName::from_static(
                        crate::sync::catalog::SIGNATURE_HEADER,
                    ),
                    published.signature.as_str(),
                ),
            ],
            bytes.clone(),
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(tag) {
        r.headers_mut().insert("etag", v);
    }
    r
}

/// A lookup for a party. A case's progress: the case number and the party's ID number must both
/// match; any mismatch is the same 404, so the endpoint is no oracle for case numbers. A plate's
/// violations (JG-WF-03): this reference platform has none on record, and says so for the plate
/// it was sent. Anything else: nothing on record.
async fn case_query(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let Ok(q) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    if q.get("case_number").is_none() {
        let answer = |key: &str| q["answers"][key].as_str().unwrap_or_default().to_string();
        let plate = format!("{}{}", answer("province"), answer("plate"));
        return match q["item_code"].as_str() {
            Some("JG-WF-03") if !answer("plate").is_empty() => Json(json!({
                "case_number": plate,
                "item_code": "JG-WF-03",
                "steps": [{
                    "at_ms": null,
                    "status": "none",
                    "text_zh": format!("{plate}：无未处理的交通违法记录"),
                    "text_en": format!("{plate}: no unprocessed violations"),
                }],
            }))
            .into_response(),
            _ => error(StatusCode::NOT_FOUND, "nothing on record for this party"),
        };
    }
    let (Some(number), Some(id_number)) = (
        q.get("case_number").and_then(|v| v.as_str()),
        q.get("id_number").and_then(|v| v.as_str()),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "case_number and id_number are required",
        );
    };
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let found: Option<(String, String, i64)> = db
        .query_row(
            "SELECT body, item_code, received_at FROM received WHERE number = ?1",
            [number],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .unwrap_or(None);
    let party_matches = |body: &str| {
        serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["applicant"]["id_number"].as_str().map(|s| s == id_number))
            .unwrap_or(false)
    };
    match found {
        Some((body, item_code, at)) if party_matches(&body) => Json(json!({
            "case_number": number,
            "item_code": item_code,
            "steps": [
                {"at_ms": at, "status": "received", "text_zh": "已受理", "text_en": "Received"},
                {"at_ms": null, "status": "review", "text_zh": "审核中", "text_en": "Under review"},
            ],
        }))
        .into_response(),
        _ => error(StatusCode::NOT_FOUND, "no such case for this party"),
    }
}
