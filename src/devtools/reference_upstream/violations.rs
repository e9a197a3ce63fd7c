//! A card holder's camera-recorded violations and the penalty decisions the platform makes when
//! a terminal's citizen confirms one (JG-WF-01). The sample resident has two on their car: one
//! the platform lets a terminal deal with, one only the counter can (a licence may be
//! suspended). A violation is decided once: asking again — the same terminal's retry after a
//! lost answer, or another terminal later — answers the same decision; anyone else learns
//! nothing (404, as for a violation that does not exist).
//!
//! The figures are the reference server's sample data, not a city's tariff.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::OptionalExtension;
use serde_json::{json, Value};

use super::records::{SAMPLE_PLATE, SAMPLE_RESIDENT, VIOLATION_AT_MS};
use super::{authorised, error, App};

/// The violation a terminal may deal with, and the one only the counter can.
pub const SAMPLE_VIOLATION: &str = "WF-4101-2026-0001";
pub const SAMPLE_COUNTER_VIOLATION: &str = "WF-4101-2026-0002";

fn sample_violations() -> Vec<Value> {
    let basis_zh = "《中华人民共和国道路交通安全法》第九十条；《道路交通安全违法行为记分管理办法》";
    let basis_en = "Road Traffic Safety Law, Art. 90; Measures on Scoring Traffic Violations";
    vec![
        json!({
            "id": SAMPLE_VIOLATION,
            "at_ms": VIOLATION_AT_MS,
            "place": "郑州市金水路与经三路交叉口",
            "act_zh": "机动车违反禁令标志指示",
            "act_en": "Disregarded a prohibition sign",
            "plate": SAMPLE_PLATE,
            "fine_yuan": 100,
            "points": 1,
            "basis_zh": basis_zh,
            "basis_en": basis_en,
            "handle_here": true,
        }),
        json!({
            "id": SAMPLE_COUNTER_VIOLATION,
            "at_ms": VIOLATION_AT_MS + 86_400_000,
            "place": "连霍高速郑州段",
            "act_zh": "驾驶机动车超过规定时速50%以上",
            "act_en": "Drove more than 50% over the speed limit",
            "plate": SAMPLE_PLATE,
            "fine_yuan": 1000,
            "points": 12,
            "basis_zh": "《中华人民共和国道路交通安全法》第九十九条",
            "basis_en": "Road Traffic Safety Law, Art. 99",
            "handle_here": false,
        }),
    ]
}

/// The holder's violation with this id, if it is theirs.
fn holders(id_number: &str, violation_id: &str) -> Option<Value> {
    if id_number != SAMPLE_RESIDENT {
        return None;
    }
    sample_violations()
        .into_iter()
        .find(|v| v["id"] == violation_id)
}

/// The decision made on a violation, as answered (again).
fn decision_json(violation: &Value, number: &str, decided_at_ms: i64) -> Value {
    json!({"decision": {
        "number": number,
        "decided_at_ms": decided_at_ms,
        "authority_zh": "郑州市公安局交通警察支队",
        "authority_en": "Zhengzhou Municipal Public Security Bureau, Traffic Police Detachment",
        "fine_yuan": violation["fine_yuan"],
        "points": violation["points"],
        "basis_zh": violation["basis_zh"],
        "basis_en": violation["basis_en"],
        "payment_zh": "自收到本决定书之日起15日内，通过交管12123或代收银行缴纳罚款；逾期不缴纳的，每日按罚款数额的3%加处罚款",
        "payment_en": "Pay within 15 days of receiving this decision, through 12123 or a collecting bank; after that, 3% of the fine is added each day",
        "remedy_zh": "不服本决定的，可以自收到本决定书之日起60日内向郑州市人民政府申请行政复议，或者6个月内向人民法院提起行政诉讼",
        "remedy_en": "If you disagree, you may apply to the Zhengzhou Municipal People's Government for reconsideration within 60 days of receiving this decision, or sue in a people's court within 6 months",
    }})
}

/// The card holder's violations not yet decided (none for anyone else: an empty list).
pub(super) async fn lookup(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let Ok(q) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    if q["id_number"] != SAMPLE_RESIDENT {
        return Json(json!({ "violations": [] })).into_response();
    }
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let open: Vec<Value> = sample_violations()
        .into_iter()
        .filter(|v| {
            db.query_row(
                "SELECT 1 FROM decisions WHERE violation_id = ?1",
                [v["id"].as_str().unwrap_or_default()],
                |_| Ok(()),
            )
            .optional()
            .ok()
            .flatten()
            .is_none()
        })
        .collect();
    Json(json!({ "violations": open })).into_response()
}

/// Decide the holder's violation: the decision (the same one again if it was made), 404 when it
/// is not theirs, 409 when only the counter can deal with it.
pub(super) async fn decide(
    State(app): State<App>,
    headers: HeaderMap,
    Path(violation_id): Path<String>,
    body: Bytes,
) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    if headers.get("idempotency-key").is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key header is required",
        );
    }
    let Ok(q) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    let id_number = q["id_number"].as_str().unwrap_or_default();
    let Some(violation) = holders(id_number, &violation_id) else {
        return error(StatusCode::NOT_FOUND, "no such violation for this party");
    };
    if violation["handle_here"] != true {
        return error(StatusCode::CONFLICT, "only at the traffic-police counter");
    }
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let made: Option<(String, i64)> = db
        .query_row(
            "SELECT number, decided_at FROM decisions WHERE violation_id = ?1",
            [&violation_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .unwrap_or(None);
    if let Some((number, at)) = made {
        let _ = db.execute(
            "UPDATE decisions SET replays = replays + 1 WHERE violation_id = ?1",
            [&violation_id],
        );
        return Json(decision_json(&violation, &number, at)).into_response();
    }
    let now = chrono::Utc::now().timestamp_millis();
    let count: i64 = db
        .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))
        .unwrap_or(0);
    let number = format!(
        "JD-4101-{}-{:06}",
        chrono::Local::now().format("%Y%m%d"),
        count + 1
    );
    if let Err(e) = db.execute(
        "INSERT INTO decisions (violation_id, number, decided_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![violation_id, number, now],
    ) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    (
        StatusCode::CREATED,
        Json(decision_json(&violation, &number, now)),
    )
        .into_response()
}

/// The decisions made, with how often each was asked again (for tests and operators).
pub(super) async fn list(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let rows: Vec<Value> = db
        .prepare("SELECT violation_id, number, replays FROM decisions ORDER BY rowid")
        .and_then(|mut st| {
            st.query_map([], |r| {
                Ok(json!({
                    "violation_id": r.get::<_, String>(0)?,
                    "number": r.get::<_, String>(1)?,
                    "replays": r.get::<_, i64>(2)?,
                }))
            })?
            .collect()
        })
        .unwrap_or_default();
    Json(json!({ "decisions": rows })).into_response()
}
