//! The card holder's violations and the penalty decision, asked of upstream on the spot
//! (JG-WF-01): online only, never queued — a decision is the authority's act at the moment the
//! citizen confirms, and its paper is printed from upstream's answer. Deciding carries an
//! `Idempotency-Key` (the violation's id): a retry after a lost answer gets the same decision,
//! never a second one.

use super::client::{local_time, read_capped, unreachable, UpstreamClient, JSON_CAP};
use super::violation_replies::{self, MadeDecision, OfferedViolation};
use super::SendError;
use crate::vocab::violation::{Decision, Violation, ViolationRequest};

impl UpstreamClient {
    /// The card holder's violations not yet dealt with.
    pub async fn violations(&self, q: &ViolationRequest) -> Result<Vec<Violation>, SendError> {
        let resp = self
            .http
            .post(format!("{}/v1/violations/lookup", self.base))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({
                "item_code": q.item_code,
                "id_number": q.id_number,
            }))
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let body = match status {
            200 => read_capped(resp, JSON_CAP).await?,
            _ => Vec::new(),
        };
        Ok(violation_replies::violations(status, &body)?
            .into_iter()
            .map(violation)
            .collect())
    }

    /// Decide one of the card holder's violations: the decision, or `None` when the platform
    /// refuses it here.
    pub async fn decide(
        &self,
        q: &ViolationRequest,
        violation_id: &str,
    ) -> Result<Option<Decision>, SendError> {
        let mut url =
            reqwest::Url::parse(&format!("{}/v1/violations/", self.base)).map_err(|e| {
                SendError::Retryable {
                    reason: format!("upstream address: {e}"),
                    retry_after: None,
                }
            })?;
        // The id as one path segment, escaped: an id of "../x" stays an id.
        url.path_segments_mut()
            .map_err(|_| SendError::Retryable {
                reason: "upstream address cannot take a path".into(),
                retry_after: None,
            })?
            .pop_if_empty()
            .extend([violation_id, "decision"]);
        let resp = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .header("Idempotency-Key", format!("decide-{violation_id}"))
            .json(&serde_json::json!({
                "item_code": q.item_code,
                "id_number": q.id_number,
            }))
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let body = read_capped(resp, JSON_CAP).await?;
        Ok(violation_replies::decision(status, &body)?.map(decision))
    }
}

fn violation(v: OfferedViolation) -> Violation {
    Violation {
        id: v.id,
        when: v.at_ms.map(local_time).unwrap_or_default(),
        place: v.place,
        act_zh: v.act_zh,
        act_en: v.act_en,
        plate: v.plate,
        fine_yuan: v.fine_yuan,
        points: v.points,
        basis_zh: v.basis_zh,
        basis_en: v.basis_en,
        here: v.here,
    }
}

fn decision(d: MadeDecision) -> Decision {
    Decision {
        number: d.number,
        when: d.at_ms.map(local_time).unwrap_or_default(),
        authority_zh: d.authority_zh,
        authority_en: d.authority_en,
        fine_yuan: d.fine_yuan,
        points: d.points,
        basis_zh: d.basis_zh,
        basis_en: d.basis_en,
        payment_zh: d.payment_zh,
        payment_en: d.payment_en,
        remedy_zh: d.remedy_zh,
        remedy_en: d.remedy_en,
    }
}
