//! What a citizen asks the platform on the spot: free appointment times and a case's progress
//! (or a plate's violations).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::{authorised, error, App};

/// Free appointment times: the next three working days, 09:00 to 11:30 and 14:00 to 16:30 in
/// half hours (the reference server books nothing; a real platform would hold the slot).
pub(super) async fn appointment_slots(State(app): State<App>, headers: HeaderMap) -> Response {
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
            // The start for the terminal to word; the labels for clients that do not.
            slots.push(json!({
                "id": format!("{}T{:02}{:02}", day.format("%Y%m%d"), h, m),
                "start": format!("{}T{:02}:{:02}", day.format("%Y-%m-%d"), h, m),
                "label_zh": format!("{}月{}日 周{} {:02}:{:02}", day.month(), day.day(), weekday_zh, h, m),
                "label_en": format!("{} {:02}:{:02}", day.format("%a %-d %b"), h, m),
            }));
        }
    }
    Json(json!({ "slots": slots })).into_response()
}

/// A station's officer accepts (受理) an application the platform received: the authority's
/// act, with its own acceptance number, which the case query then reports (and the terminal
/// may print as a 受理回执). Body: `{"authority_zh": …, "authority_en": …}`. Accepting again
/// answers the same number.
pub(super) async fn accept(
    State(app): State<App>,
    headers: HeaderMap,
    axum::extract::Path(number): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let who = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
    let text = |k: &str| who[k].as_str().unwrap_or_default().to_string();
    let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
    let received: Option<i64> = db
        .query_row(
            "SELECT rowid FROM received WHERE number = ?1",
            [&number],
            |r| r.get(0),
        )
        .optional()
        .unwrap_or(None);
    let Some(row) = received else {
        return error(StatusCode::NOT_FOUND, "no such submission");
    };
    let now = chrono::Utc::now().timestamp_millis();
    let acceptance_number = format!("SL{}-{row:06}", chrono::Local::now().format("%Y%m%d"));
    let stored = db.execute(
        "INSERT OR IGNORE INTO accepted (number, acceptance_number, accepted_at, authority_zh, authority_en)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![number, acceptance_number, now, text("authority_zh"), text("authority_en")],
    );
    if let Err(e) = stored {
        return error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    match acceptance_of(&db, &number) {
        Some(a) => Json(a).into_response(),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "acceptance not kept"),
    }
}

/// The acceptance recorded for a submission number, as the case query reports it.
fn acceptance_of(db: &rusqlite::Connection, number: &str) -> Option<serde_json::Value> {
    db.query_row(
        "SELECT acceptance_number, accepted_at, authority_zh, authority_en FROM accepted WHERE number = ?1",
        [number],
        |r| {
            Ok(json!({
                "number": r.get::<_, String>(0)?,
                "accepted_at_ms": r.get::<_, i64>(1)?,
                "authority_zh": r.get::<_, String>(2)?,
                "authority_en": r.get::<_, String>(3)?,
            }))
        },
    )
    .optional()
    .unwrap_or(None)
}

/// A case's first step: a case the station filed itself is the authority's, accepted (受理);
/// what a terminal sent is only received until the police accept it.
fn first_step(at_ms: i64, terminal_id: &str) -> serde_json::Value {
    if terminal_id == "STATION" {
        json!({"at_ms": at_ms, "status": "accepted", "text_zh": "已受理", "text_en": "Accepted"})
    } else {
        json!({"at_ms": at_ms, "status": "received", "text_zh": "已收到申请", "text_en": "Application received"})
    }
}

/// Wrong PINs an anonymous tip's number takes before it answers nothing more.
pub const PIN_TRIES: u32 = 5;

/// A lookup for a party. A case's progress: the case number and the party's ID number must both
/// match; any mismatch is the same 404, so the endpoint is no oracle for case numbers. A lookup
/// by card (records.rs): the card holder's own records. Anything else: nothing on record.
pub(super) async fn case_query(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let Ok(q) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    // A lookup by card (one's points, vehicles, travel records, an accident by its number):
    // the card holder's own records, or nothing.
    let id_number = q["id_number"].as_str().unwrap_or_default();
    let item_code = q["item_code"].as_str().unwrap_or_default();
    if let Some(steps) = super::records::by_card(item_code, id_number, &q["answers"]) {
        return Json(json!({ "item_code": item_code, "steps": steps })).into_response();
    }
    if q.get("case_number").is_none() || item_code == "JG-SG-01" {
        return error(StatusCode::NOT_FOUND, "nothing on record for this party");
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
    let (found, acceptance): (Option<(String, String, i64, String)>, _) = {
        let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
        let found = db
            .query_row(
                "SELECT body, item_code, received_at, terminal_id FROM received WHERE number = ?1",
                [number],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .unwrap_or(None);
        (found, acceptance_of(&db, number))
    };
    // Six digits are a bar, not a wall: a tip's number takes so many wrong PINs, then answers
    // nothing, right PIN or not (the same 404: no oracle). Argon2 runs outside the database lock.
    let failures = |number: &str| {
        let tries = app.pin_failures.lock().unwrap_or_else(|e| e.into_inner());
        tries.get(number).copied().unwrap_or(0)
    };
    if failures(number) >= PIN_TRIES {
        return error(StatusCode::NOT_FOUND, "no such case for this party");
    }
    // The party: the card's ID number; for an anonymous tip, nobody's number but the PIN on its
    // receipt, checked against the hash the tip carried (the platform never sees the PIN).
    let pin = q["answers"]["pin"].as_str().unwrap_or_default();
    let party_matches = |body: &str| {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
            return false;
        };
        if v["anonymous"] == true {
            let right = !pin.is_empty()
                && v["pin_verifier"]
                    .as_str()
                    .is_some_and(|h| crate::config::staff_pin::verify(h, pin));
            if !right {
                let mut tries = app.pin_failures.lock().unwrap_or_else(|e| e.into_inner());
                *tries.entry(number.to_string()).or_default() += 1;
            }
            return right;
        }
        !id_number.is_empty() && v["applicant"]["id_number"].as_str() == Some(id_number)
    };
    // What happens next, with the promise the platform makes for each kind of request.
    let next = |body: &str| {
        let v = serde_json::from_str::<serde_json::Value>(body).unwrap_or_default();
        let kind = v["kind"].as_str().unwrap_or_default();
        let anonymous = v["anonymous"] == true;
        match kind {
            "tip" if anonymous => json!({"at_ms": null, "status": "checking",
                "text_zh": "匿名线索已转民警核实（匿名线索不回电）", "text_en": "Passed to the police to check (no call-back for an anonymous tip)"}),
            "visit_request" => json!({"at_ms": null, "status": "scheduled",
                "text_zh": "已派社区民警，将按约定时间回电或上门", "text_en": "Passed to the community officer, who calls or visits at the time booked"}),
            "tip" => json!({"at_ms": null, "status": "checking",
                "text_zh": "线索已转民警核实，核实后电话反馈", "text_en": "Passed to the police to check; they will call you back"}),
            "mediation" => json!({"at_ms": null, "status": "mediation",
                "text_zh": "已转调解：一般纠纷3日内联系您", "text_en": "Passed to mediation: you will be called within 3 days"}),
            _ => {
                json!({"at_ms": null, "status": "review", "text_zh": "审核中", "text_en": "Under review"})
            }
        }
    };
    match found {
        Some((body, item_code, at, terminal)) if party_matches(&body) => {
            let mut steps = vec![first_step(at, &terminal)];
            match &acceptance {
                // Accepted by a station: the authority's step, and its number for the paper.
                Some(a) => steps.push(json!({"at_ms": a["accepted_at_ms"], "status": "accepted",
                    "text_zh": "已受理", "text_en": "Accepted"})),
                None => steps.push(next(&body)),
            }
            let mut answer = json!({
                "case_number": number,
                "item_code": item_code,
                "steps": steps,
            });
            if let Some(a) = acceptance {
                answer["acceptance"] = a;
            }
            Json(answer).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "no such case for this party"),
    }
}
