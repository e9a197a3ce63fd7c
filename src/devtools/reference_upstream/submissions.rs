//! Submissions: stored once per `Idempotency-Key` (a replay gets the first answer back), with the
//! faults of `Faults` injected before or after the commit; and the admin listing of what arrived.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::{authorised, error, roll, App};

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

pub(super) async fn submit(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
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

pub(super) async fn list(State(app): State<App>, headers: HeaderMap) -> Response {
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
