//! What the store keeps of a submission for upstream: the answers and the applicant as read
//! from the card (the outbox row; purged at the retention limit).

use crate::vocab::submission::NewSubmission;

/// The JSON the outbox keeps and the sync worker sends. `test`: a technician's burn-in, never a
/// citizen's application (upstream discards it).
pub fn applicant_payload(s: &NewSubmission, test: bool) -> serde_json::Value {
    let id = &s.identity;
    let answers: serde_json::Map<String, serde_json::Value> = s
        .answers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let mut payload = serde_json::json!({
        "language": if s.english { "en" } else { "zh" },
        "answers": answers,
        "applicant": {
            "card_type": id.card_type,
            "name": id.name,
            "english_name": id.english_name,
            "sex": id.sex,
            "nation": id.nation,
            "birth_date": id.birth_date.map(|d| d.to_string()),
            "address": id.address,
            "id_number": id.id_number,
            "id_number_valid": id.id_number_valid,
            "nationality": id.nationality,
        }
    });
    if test {
        payload["test"] = serde_json::Value::Bool(true);
    }
    payload
}
