//! What upstream replies, from the bytes on the wire to typed outcomes: a submission's (accepted
//! with a reference, or why not), a case's progress, the appointment times offered. Total: any
//! bytes give an outcome, never a panic; and bounded: no text longer than [`MAX_TEXT_CHARS`], no
//! list longer than [`MAX_ITEMS`], so a broken or hostile platform cannot fill the staff screen,
//! the store or a citizen's screen. A failure's reason is in the terminal's own words — the
//! status and what kind of answer it was — never upstream's text, which may echo a citizen's ID
//! number and would then be stored, logged and bundled for a technician; the client adds a short
//! digest of the body ([`SendError::with_digest`]) so the platform can still find which answer
//! it was. Only std, serde and serde_json: the fuzz crate (`drivers/fuzz`, target
//! `upstream_answers`) compiles this file as it is.

use std::time::Duration;

/// The longest text taken from an answer (a reason, a reference, a label), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// The most progress steps or appointment times taken from one answer.
pub const MAX_ITEMS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// 408, 429, 5xx, timeouts, connection errors: try again later.
    #[error("retryable: {reason}")]
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// 400, 409, 422 from the platform itself: it will never take this submission as it is.
    #[error("rejected with {status}: {reason}")]
    Permanent { status: u16, reason: String },
    /// The link refuses the terminal, whatever it sends (a wrong token, a wrong address, a proxy,
    /// a certificate that does not verify): no submission is at fault, so none is rejected.
    #[error("refused ({kind:?}): {reason}")]
    Refused { kind: Refusal, reason: String },
}

pub use crate::vocab::refusal::Refusal;

impl SendError {
    /// The reason with the answer's digest after it (" · body 1a2b3c4d"), so that the same answer
    /// twice reads the same and the platform's operators can match it in their own logs.
    pub fn with_digest(mut self, digest: &str) -> SendError {
        if digest.is_empty() {
            return self;
        }
        let (SendError::Retryable { reason, .. }
        | SendError::Permanent { reason, .. }
        | SendError::Refused { reason, .. }) = &mut self;
        reason.push_str(" · body ");
        reason.push_str(digest);
        self
    }
}

/// One step of a case's progress as upstream gave it (the time is formatted for the screen by
/// the caller, in local time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStep {
    pub at_ms: Option<i64>,
    pub zh: String,
    pub en: String,
}

/// An appointment time upstream offers: its start (local time), when upstream gives one, from
/// which the terminal words it itself; else upstream's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedSlot {
    pub id: String,
    pub start: Option<LocalStart>,
    pub zh: String,
    pub en: String,
}

/// A start in local time as upstream wrote it, its fields only read as numbers here (the
/// caller makes a calendar time of it, and drops one that is none: 2 30 is no date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalStart {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

/// `2026-12-08T09:00` or `2026-12-08T09:00:00` (local time, as the hall keeps it). Std only:
/// the fuzz crate compiles this file without the terminal's other crates.
fn local_time(v: &serde_json::Value, key: &str) -> Option<LocalStart> {
    let s = v.get(key)?.as_str()?;
    let b = s.as_bytes();
    let shape_ok = matches!(b.len(), 16 | 19)
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse().ok();
    Some(LocalStart {
        year: n(0..4)? as i32,
        month: n(5..7)?,
        day: n(8..10)?,
        hour: n(11..13)?,
        minute: n(14..16)?,
    })
}

/// At most [`MAX_TEXT_CHARS`] characters of a JSON string field; empty when absent or not text.
pub(crate) fn text(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(|x| x.as_str())
        .map(|s| s.chars().take(MAX_TEXT_CHARS).collect())
        .unwrap_or_default()
}

pub(crate) fn json(body: &[u8]) -> Option<serde_json::Value> {
    serde_json::from_slice(body).ok()
}

/// What kind of answer a failure came with, in the terminal's words (never upstream's own).
fn answer_words(body: Option<&serde_json::Value>) -> &'static str {
    match body {
        Some(b) if b.get("error").is_some_and(|e| e.is_string()) => "the platform's error answer",
        Some(_) => "a JSON answer without the platform's error field",
        None => "an answer that is not JSON",
    }
}

pub(crate) fn not_json() -> SendError {
    SendError::Retryable {
        reason: "answer is not JSON".into(),
        retry_after: None,
    }
}

/// What an answer to a submission means: upstream's reference when accepted.
pub fn submission(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<String, SendError> {
    let body = json(body);
    let reason = answer_words(body.as_ref());
    if (200..300).contains(&status) {
        return body
            .as_ref()
            .map(|b| text(b, "reference"))
            .filter(|r| !r.is_empty())
            .ok_or(SendError::Retryable {
                reason: "success without a reference".into(),
                retry_after: None,
            });
    }
    if (300..400).contains(&status) {
        return Err(SendError::Retryable {
            reason: format!("HTTP {status}: upstream redirected the terminal; not followed"),
            retry_after: None,
        });
    }
    if status == 408 || status == 429 || !(200..500).contains(&status) {
        return Err(SendError::Retryable {
            reason: format!("HTTP {status}: {reason}"),
            retry_after,
        });
    }
    let refused = |kind| SendError::Refused {
        kind,
        reason: format!("HTTP {status}: {reason}"),
    };
    match status {
        // Only the platform's own word about this submission rejects it.
        400 | 409 | 422 if body.is_some() => Err(SendError::Permanent {
            status,
            reason: format!("HTTP {status}: {reason}"),
        }),
        400 | 409 | 422 => Err(refused(Refusal::NotThePlatform)),
        401 | 403 => Err(refused(Refusal::Credentials)),
        _ => Err(refused(Refusal::Address)),
    }
}

/// The authority's acceptance in a case's progress, as upstream gave it (the caller words the
/// time). Believed only when well formed: a number of letters, digits and '-' (at most
/// [`MAX_ACCEPTANCE_CHARS`]), since it is printed as the 受理编号 on a citizen's paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAcceptance {
    pub number: String,
    pub at_ms: Option<i64>,
    pub authority_zh: String,
    pub authority_en: String,
}

/// The longest acceptance number believed.
pub const MAX_ACCEPTANCE_CHARS: usize = 40;

/// A case query's 200 answer's `acceptance`, if there is a well-formed one.
pub fn case_acceptance(body: &[u8]) -> Option<CaseAcceptance> {
    let body = json(body)?;
    let a = body.get("acceptance")?;
    let number = a.get("number")?.as_str()?;
    let well_formed = !number.is_empty()
        && number.chars().count() <= MAX_ACCEPTANCE_CHARS
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    // A name on paper: no control characters (a printer takes them as commands).
    let plain = |key: &str| text(a, key).chars().filter(|c| !c.is_control()).collect();
    well_formed.then(|| CaseAcceptance {
        number: number.to_string(),
        at_ms: a.get("accepted_at_ms").and_then(|t| t.as_i64()),
        authority_zh: plain("authority_zh"),
        authority_en: plain("authority_en"),
    })
}

/// A case query's answer: its steps, `None` when there is no such case for this party (404).
pub fn case_progress(status: u16, body: &[u8]) -> Result<Option<Vec<CaseStep>>, SendError> {
    match status {
        200 => {
            let body = json(body).ok_or_else(not_json)?;
            let steps = body
                .get("steps")
                .and_then(|s| s.as_array())
                .map(|steps| {
                    steps
                        .iter()
                        .take(MAX_ITEMS)
                        .map(|s| CaseStep {
                            at_ms: s.get("at_ms").and_then(|t| t.as_i64()),
                            zh: text(s, "text_zh"),
                            en: text(s, "text_en"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(Some(steps))
        }
        404 => Ok(None),
        code => Err(SendError::Permanent {
            status: code,
            reason: format!("HTTP {code}"),
        }),
    }
}

/// The appointment times offered; a time without an id cannot be chosen and is left out.
pub fn slots(status: u16, body: &[u8]) -> Result<Vec<OfferedSlot>, SendError> {
    if status != 200 {
        return Err(SendError::Permanent {
            status,
            reason: format!("HTTP {status}"),
        });
    }
    let body = json(body).ok_or_else(not_json)?;
    Ok(body
        .get("slots")
        .and_then(|s| s.as_array())
        .map(|a| {
            a.iter()
                .map(|x| OfferedSlot {
                    id: text(x, "id"),
                    start: local_time(x, "start"),
                    zh: text(x, "label_zh"),
                    en: text(x, "label_en"),
                })
                .filter(|x| !x.id.is_empty())
                .take(MAX_ITEMS)
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(v: serde_json::Value) -> Vec<u8> {
        v.to_string().into_bytes()
    }

    #[test]
    fn submission_answers() {
        use serde_json::json;
        let ok = submission(201, None, &j(json!({"reference": "R1"})));
        assert_eq!(ok, Ok("R1".into()));
        for code in [408u16, 429, 500, 502, 503, 504] {
            let r = submission(code, None, &j(json!({})));
            assert!(matches!(r, Err(SendError::Retryable { .. })), "{code}");
        }
        // Only the platform's answer about the submission itself rejects it.
        for code in [400u16, 409, 422] {
            let r = submission(code, None, &j(json!({"error": "x"})));
            assert!(
                matches!(r, Err(SendError::Permanent { status, .. }) if status == code),
                "{code}"
            );
        }
        // Anything else is the link refusing the terminal: no submission is at fault.
        for (code, body, kind) in [
            (401u16, j(json!({"error": "x"})), Refusal::Credentials),
            (403, vec![], Refusal::Credentials),
            (404, j(json!({})), Refusal::Address),
            (405, vec![], Refusal::Address),
            (410, vec![], Refusal::Address),
            (400, b"<html>".to_vec(), Refusal::NotThePlatform),
            (422, vec![], Refusal::NotThePlatform),
        ] {
            let r = submission(code, None, &body);
            assert!(
                matches!(&r, Err(SendError::Refused { kind: k, reason }) if *k == kind && reason.contains(&code.to_string())),
                "{code}: {r:?}"
            );
        }
        let r = submission(429, Some(Duration::from_secs(7)), &j(json!({})));
        assert!(
            matches!(r, Err(SendError::Retryable { retry_after: Some(d), .. }) if d == Duration::from_secs(7))
        );
        // A success without a usable reference is not taken as delivered.
        for body in [
            j(json!({"reference": 5})),
            j(json!({"reference": ""})),
            b"ok".to_vec(),
        ] {
            assert!(matches!(
                submission(200, None, &body),
                Err(SendError::Retryable { .. })
            ));
        }
    }

    /// Issue 31: upstream's error text may echo the citizen's ID number; a reason never holds
    /// it, only the status, the kind of answer and (added by the client) the body's digest.
    #[test]
    fn a_reason_never_holds_upstreams_words() {
        use serde_json::json;
        let id = "330106198503121231";
        let said = format!("身份证号 {id} 与姓名不符");
        for (code, body) in [
            (422u16, j(json!({"error": said}))),
            (400, j(json!({"message": said}))),
            (503, j(json!({"error": said}))),
            (401, j(json!({"error": said}))),
            (404, format!("<html>{said}</html>").into_bytes()),
        ] {
            let e = submission(code, None, &body).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(id) && !shown.contains("姓名"), "{shown}");
            assert!(shown.contains(&format!("HTTP {code}")), "{shown}");
        }
        let e = submission(422, None, &j(json!({"error": said}))).unwrap_err();
        assert_eq!(
            e.with_digest("1a2b3c4d"),
            SendError::Permanent {
                status: 422,
                reason: "HTTP 422: the platform's error answer · body 1a2b3c4d".into()
            }
        );
    }

    #[test]
    fn nothing_grows_past_the_bounds() {
        use serde_json::json;
        let long = "长".repeat(10_000);
        let r = submission(422, None, &j(json!({"error": long})));
        let Err(SendError::Permanent { reason, .. }) = r else {
            panic!("{r:?}")
        };
        assert!(reason.chars().count() < MAX_TEXT_CHARS, "{reason}");
        let steps: Vec<_> = (0..1000)
            .map(|i| json!({"at_ms": i, "text_zh": long, "text_en": 7}))
            .collect();
        let got = case_progress(200, &j(json!({ "steps": steps })))
            .unwrap()
            .unwrap();
        assert_eq!(got.len(), MAX_ITEMS);
        assert_eq!(got[3].at_ms, Some(3));
        assert_eq!(got[3].zh.chars().count(), MAX_TEXT_CHARS);
        assert_eq!(got[3].en, "");
        let offered: Vec<_> = (0..1000)
            .map(|i| json!({"id": if i % 2 == 0 { json!(format!("s{i}")) } else { json!(null) }, "label_zh": "上午"}))
            .collect();
        let got = slots(200, &j(json!({ "slots": offered }))).unwrap();
        assert_eq!(got.len(), MAX_ITEMS);
        assert!(got.iter().all(|s| s.id.starts_with('s') && s.zh == "上午"));
    }

    /// A slot with its start is worded by the terminal, weekday and all; a start that is no
    /// time leaves upstream's words.
    #[test]
    fn a_slot_with_its_start_is_worded_with_its_weekday() {
        use serde_json::json;
        let got = slots(
            200,
            &j(json!({"slots": [
                {"id": "a", "start": "2026-12-08T09:00", "label_zh": "明天上午"},
                {"id": "b", "start": "2026-12-09T14:30:00"},
                {"id": "c", "start": "not a time", "label_zh": "下午"},
            ]})),
        )
        .unwrap();
        let worded = |i: usize| {
            let s = got[i].start.unwrap();
            let start = chrono::NaiveDate::from_ymd_opt(s.year, s.month, s.day)
                .and_then(|d| d.and_hms_opt(s.hour, s.minute, 0))
                .unwrap();
            crate::vocab::upstream::Slot::starting(got[i].id.clone(), start)
        };
        assert_eq!(
            (worded(0).zh.as_str(), worded(0).en.as_str()),
            ("12月8日 周二 09:00", "Tue 8 Dec 09:00")
        );
        assert_eq!(worded(1).zh, "12月9日 周三 14:30");
        assert_eq!(got[2].start, None);
        assert_eq!(got[2].zh, "下午");
    }

    #[test]
    fn queries_and_slots_by_status() {
        assert_eq!(case_progress(404, b""), Ok(None));
        assert!(matches!(
            case_progress(200, b"<html>"),
            Err(SendError::Retryable { .. })
        ));
        assert!(matches!(
            case_progress(500, b"{}"),
            Err(SendError::Permanent { status: 500, .. })
        ));
        assert_eq!(case_progress(200, b"{}"), Ok(Some(vec![])));
        assert_eq!(slots(200, b"{\"slots\": 3}"), Ok(vec![]));
        assert!(matches!(
            slots(503, b"{}"),
            Err(SendError::Permanent { status: 503, .. })
        ));
    }

    #[test]
    fn an_acceptance_is_believed_only_well_formed() {
        use serde_json::json;
        let a = case_acceptance(&j(json!({"steps": [], "acceptance": {
            "number": "SL20261207-000001", "accepted_at_ms": 5,
            "authority_zh": "示例\u{1b}派出所", "authority_en": "Station"}})))
        .unwrap();
        assert_eq!(a.number, "SL20261207-000001");
        assert_eq!(a.at_ms, Some(5));
        // A control character would be a printer command on paper.
        assert_eq!(a.authority_zh, "示例派出所");
        for bad in [
            json!({"acceptance": {"number": ""}}),
            json!({"acceptance": {"number": "SL 1"}}),
            json!({"acceptance": {"number": "\u{1b}@"}}),
            json!({"acceptance": {"number": "A".repeat(MAX_ACCEPTANCE_CHARS + 1)}}),
            json!({"acceptance": {"number": 7}}),
            json!({"acceptance": "yes"}),
            json!({"steps": []}),
        ] {
            assert_eq!(case_acceptance(&j(bad.clone())), None, "{bad}");
        }
        assert_eq!(case_acceptance(b"<html>"), None);
    }
}
