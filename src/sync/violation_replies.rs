//! What upstream replies about a card holder's violations and the penalty decision it makes,
//! from the bytes on the wire to plain values — total and bounded like `replies.rs`, whose
//! helpers it uses, and like it std, serde and serde_json only (the fuzz target `upstream_answers`
//! compiles both files as they are). A decision is printed as the citizen's penalty decision:
//! only a well-formed one is believed, and nothing printed carries a control character.

use super::replies::{json, not_json, text, SendError, MAX_ITEMS};

/// The largest fine believed, in yuan (a kiosk's decisions are a traffic code's fines: the
/// highest in the Road Traffic Safety Law is 5,000 yuan; anything above is a broken answer).
pub const MAX_FINE_YUAN: u32 = 5_000;
/// The most points one violation can carry (a full scoring period).
pub const MAX_POINTS: u32 = 12;
/// The longest decision number believed.
pub const MAX_NUMBER_CHARS: usize = 40;

/// A violation as upstream offered it (the caller words the time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedViolation {
    pub id: String,
    pub at_ms: Option<i64>,
    pub place: String,
    pub act_zh: String,
    pub act_en: String,
    pub plate: String,
    pub fine_yuan: u32,
    pub points: u32,
    pub basis_zh: String,
    pub basis_en: String,
    pub here: bool,
}

/// A decision as upstream made it (the caller words the time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MadeDecision {
    pub number: String,
    pub at_ms: Option<i64>,
    pub authority_zh: String,
    pub authority_en: String,
    pub fine_yuan: u32,
    pub points: u32,
    pub basis_zh: String,
    pub basis_en: String,
    pub payment_zh: String,
    pub payment_en: String,
    pub remedy_zh: String,
    pub remedy_en: String,
}

/// A text for screen and paper: bounded, without control characters (a printer takes them as
/// commands).
fn plain(v: &serde_json::Value, key: &str) -> String {
    text(v, key).chars().filter(|c| !c.is_control()).collect()
}

/// A whole number in `0..=max`, or `None`.
fn count(v: &serde_json::Value, key: &str, max: u32) -> Option<u32> {
    let n = v.get(key)?.as_u64()?;
    u32::try_from(n).ok().filter(|n| *n <= max)
}

fn permanent(status: u16) -> SendError {
    SendError::Permanent {
        status,
        reason: format!("HTTP {status}"),
    }
}

/// The card holder's violations (an empty list: none to deal with). A violation without an id,
/// an act, or a believable fine and points is left out: the citizen would confirm facts nobody
/// gave.
pub fn violations(status: u16, body: &[u8]) -> Result<Vec<OfferedViolation>, SendError> {
    if status != 200 {
        return Err(permanent(status));
    }
    let body = json(body).ok_or_else(not_json)?;
    let Some(list) = body.get("violations").and_then(|v| v.as_array()) else {
        return Ok(Vec::new());
    };
    Ok(list
        .iter()
        .filter_map(|v| {
            let offered = OfferedViolation {
                id: plain(v, "id"),
                at_ms: v.get("at_ms").and_then(|t| t.as_i64()),
                place: plain(v, "place"),
                act_zh: plain(v, "act_zh"),
                act_en: plain(v, "act_en"),
                plate: plain(v, "plate"),
                fine_yuan: count(v, "fine_yuan", MAX_FINE_YUAN)?,
                points: count(v, "points", MAX_POINTS)?,
                basis_zh: plain(v, "basis_zh"),
                basis_en: plain(v, "basis_en"),
                // Only a plain `true` lets it be decided here.
                here: v.get("handle_here").and_then(|h| h.as_bool()) == Some(true),
            };
            (!offered.id.is_empty() && !offered.act_zh.is_empty()).then_some(offered)
        })
        .take(MAX_ITEMS)
        .collect())
}

/// The answer to "decide this violation": `Ok(Some(decision))` when made (again: deciding is
/// idempotent, so a retry gets the same one), `Ok(None)` when the platform itself refuses it
/// here (404, 409, 422 with its error answer), an error when it could not be asked or the
/// answer is no decision (a gateway's page, a broken body): then nobody knows, and asking again
/// is safe.
pub fn decision(status: u16, body: &[u8]) -> Result<Option<MadeDecision>, SendError> {
    let parsed = json(body);
    match status {
        200 | 201 => {}
        404 | 409 | 422
            if parsed
                .as_ref()
                .is_some_and(|b| b.get("error").is_some_and(|e| e.is_string())) =>
        {
            return Ok(None)
        }
        code => return Err(permanent(code)),
    }
    let body = parsed.ok_or_else(not_json)?;
    let d = body.get("decision").ok_or_else(|| SendError::Retryable {
        reason: "success without a decision".into(),
        retry_after: None,
    })?;
    let number = text(d, "number");
    let well_formed = !number.is_empty()
        && number.chars().count() <= MAX_NUMBER_CHARS
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let malformed = || SendError::Retryable {
        reason: "a decision that is not well formed".into(),
        retry_after: None,
    };
    if !well_formed {
        return Err(malformed());
    }
    let made = MadeDecision {
        number,
        at_ms: d.get("decided_at_ms").and_then(|t| t.as_i64()),
        authority_zh: plain(d, "authority_zh"),
        authority_en: plain(d, "authority_en"),
        fine_yuan: count(d, "fine_yuan", MAX_FINE_YUAN).ok_or_else(malformed)?,
        points: count(d, "points", MAX_POINTS).ok_or_else(malformed)?,
        basis_zh: plain(d, "basis_zh"),
        basis_en: plain(d, "basis_en"),
        payment_zh: plain(d, "payment_zh"),
        payment_en: plain(d, "payment_en"),
        remedy_zh: plain(d, "remedy_zh"),
        remedy_en: plain(d, "remedy_en"),
    };
    // A decision that does not say who made it, on what basis, or how to appeal is not one the
    // citizen can hold (行政处罚法 Art. 52, 59): not printed as one.
    if made.authority_zh.is_empty() || made.basis_zh.is_empty() || made.remedy_zh.is_empty() {
        return Err(malformed());
    }
    Ok(Some(made))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn j(v: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    fn violation() -> serde_json::Value {
        json!({"id": "V1", "at_ms": 1, "place": "金水路", "act_zh": "违反禁令标志指示",
               "act_en": "Disregarded a sign", "plate": "豫AD12345", "fine_yuan": 100,
               "points": 3, "basis_zh": "《道路交通安全法》第九十条", "handle_here": true})
    }

    fn decision_body() -> serde_json::Value {
        json!({"decision": {"number": "4101-2026-000001", "decided_at_ms": 5,
               "authority_zh": "郑州市公安局交通警察支队", "authority_en": "Zhengzhou traffic police",
               "fine_yuan": 100, "points": 3, "basis_zh": "《道路交通安全法》第九十条",
               "payment_zh": "15日内缴纳", "remedy_zh": "60日内申请行政复议"}})
    }

    #[test]
    fn violations_with_believable_facts_only() {
        let mut no_act = violation();
        no_act["act_zh"] = json!("");
        let mut too_dear = violation();
        too_dear["fine_yuan"] = json!(50_000);
        let mut negative = violation();
        negative["points"] = json!(-3);
        let mut unsure = violation();
        unsure["handle_here"] = json!("yes");
        unsure["place"] = json!("金水路\u{1b}@");
        let got = violations(
            200,
            &j(json!({"violations": [violation(), no_act, too_dear, negative, unsure]})),
        )
        .unwrap();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].here && got[0].fine_yuan == 100 && got[0].points == 3);
        assert!(!got[1].here, "only a plain true lets it be decided here");
        assert_eq!(
            got[1].place, "金水路@",
            "no control character reaches paper"
        );
        assert_eq!(violations(200, b"{}"), Ok(vec![]));
        assert!(matches!(
            violations(200, b"<html>"),
            Err(SendError::Retryable { .. })
        ));
        assert!(matches!(
            violations(503, b""),
            Err(SendError::Permanent { status: 503, .. })
        ));
    }

    #[test]
    fn a_decision_is_believed_only_when_whole() {
        let made = decision(200, &j(decision_body())).unwrap().unwrap();
        assert_eq!(made.number, "4101-2026-000001");
        assert_eq!((made.fine_yuan, made.points), (100, 3));
        for (key, bad) in [
            ("number", json!("4101 2026\n")),
            ("number", json!("")),
            ("fine_yuan", json!(1e9)),
            ("points", json!(13)),
            ("remedy_zh", json!("")),
            ("authority_zh", json!(null)),
        ] {
            let mut b = decision_body();
            b["decision"][key] = bad;
            assert!(
                matches!(decision(200, &j(b)), Err(SendError::Retryable { .. })),
                "{key}"
            );
        }
        assert!(decision(200, b"{}").is_err());
    }

    #[test]
    fn only_the_platform_s_own_answer_refuses() {
        let refusal = j(json!({"error": "only at the counter"}));
        for status in [404, 409, 422] {
            assert_eq!(decision(status, &refusal), Ok(None));
        }
        // A gateway's page or a bare status is nobody's verdict: not known, ask again.
        assert!(decision(409, b"<html>blocked</html>").is_err());
        assert!(decision(422, &j(json!({"message": "blocked"}))).is_err());
        assert!(decision(400, &refusal).is_err());
        assert!(decision(502, &refusal).is_err());
    }
}
