//! Heartbeats: the latest one of each terminal kept, with a count, and listed for the admin.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::params;

use super::{authorised, error, App};

pub(super) async fn heartbeat(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
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

pub(super) async fn heartbeats(State(app): State<App>, headers: HeaderMap) -> Response {
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
