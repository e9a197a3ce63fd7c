//! The upstream client (reqwest + rustls). Every submission carries `Idempotency-Key` = its id, so a
//! retry after a lost response never creates a duplicate.

use std::time::Duration;

use crate::config::Upstream;
use crate::store::OutboxRow;

use super::replies::{self, CaseStep};
pub use super::replies::{Refusal, SendError};
use crate::vocab::upstream::{Acceptance, ProgressStep, QueryOutcome, Slot, SlotsOutcome};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("TLS setup: {0}")]
    Tls(String),
    #[error("HTTP client: {0}")]
    Http(reqwest::Error),
}

#[derive(Clone)]
pub struct UpstreamClient {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) token: String,
}

impl UpstreamClient {
    pub fn new(cfg: &Upstream) -> Result<UpstreamClient, ClientError> {
        let mut builder = reqwest::Client::builder()
            // A redirect is never followed: a 307/308 would send a citizen's application (and
            // the token) to wherever the answer points. It is a fault of the link, retried.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(cfg.connect_timeout_secs))
            .timeout(Duration::from_secs(cfg.request_timeout_secs))
            .user_agent(concat!("onetrip/", env!("CARGO_PKG_VERSION")))
            // Once on https, never anything else (the configuration allows http only to loopback).
            .https_only(cfg.base_url.starts_with("https://"));
        if let Some(tls) = &cfg.tls {
            let read = |p: &std::path::Path| {
                std::fs::read(p).map_err(|e| ClientError::Tls(format!("{}: {e}", p.display())))
            };
            if let Some(ca) = &tls.ca_file {
                let pem = read(ca)?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|e| ClientError::Tls(format!("{}: {e}", ca.display())))?;
                for cert in certs {
                    builder = builder.add_root_certificate(cert);
                }
            }
            if let (Some(cert), Some(key)) = (&tls.client_cert, &tls.client_key) {
                let mut pem = read(cert)?;
                pem.push(b'\n');
                pem.extend(read(key)?);
                let identity = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| ClientError::Tls(format!("{}: {e}", cert.display())))?;
                builder = builder.identity(identity);
            }
        }
        let http = builder.build().map_err(ClientError::Http)?;
        Ok(UpstreamClient {
            http,
            base: cfg.base_url.trim_end_matches('/').to_string(),
            token: cfg.token.clone(),
        })
    }

    /// Delivers one submission; returns upstream's reference.
    pub async fn send_submission(&self, row: &OutboxRow) -> Result<String, SendError> {
        let resp = self
            .http
            .post(format!("{}/v1/submissions", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", &row.id)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(row.payload.clone())
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        let body = read_capped(resp, JSON_CAP).await?;
        replies::submission(status.as_u16(), retry_after, &body)
            .map_err(|e| e.with_digest(&digest(&body)))
    }
}

/// The first 8 hex digits of the body's SHA-256: tells one answer from another (the circuit
/// breaker's "same reason", the platform's operators matching their logs) without keeping a word
/// of it. Empty for an empty body.
pub fn digest(body: &[u8]) -> String {
    use sha2::Digest;
    if body.is_empty() {
        return String::new();
    }
    sha2::Sha256::digest(body)[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The largest JSON answer read from upstream; the catalog has its own, larger cap.
pub const JSON_CAP: usize = 1 << 20;
/// The largest catalog document read from upstream.
pub const CATALOG_CAP: usize = 8 << 20;

/// Reads a response body chunk by chunk, refusing (as retryable) one larger than `cap` before
/// more than `cap` bytes are held.
pub(super) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, SendError> {
    let too_large = || SendError::Retryable {
        reason: format!("answer larger than {cap} bytes"),
        retry_after: None,
    };
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); a date in the past is no
/// wait. The caller bounds it.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = std::time::UNIX_EPOCH
        .checked_add(Duration::from_secs(u64::try_from(at.timestamp()).ok()?))?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

impl UpstreamClient {
    /// Reports the terminal's health; errors are only logged by the caller (the next one follows).
    pub async fn send_heartbeat(&self, heartbeat: &serde_json::Value) -> Result<(), SendError> {
        let resp = self
            .http
            .post(format!("{}/v1/heartbeat", self.base))
            .bearer_auth(&self.token)
            .json(heartbeat)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SendError::Permanent {
                status: status.as_u16(),
                reason: status.to_string(),
            })
        }
    }
}

impl UpstreamClient {
    /// A lookup for a party: a case's progress, a plate's violations… (found, or nothing for
    /// this party); an error when upstream cannot be reached or does not answer as the platform.
    /// Everything the citizen answered goes, as `answers`; a case number also as `case_number`.
    pub async fn query_case(
        &self,
        q: &crate::vocab::upstream::CaseQuery,
    ) -> Result<QueryOutcome, SendError> {
        let answers: serde_json::Map<String, serde_json::Value> = q
            .answers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect();
        let mut body = serde_json::json!({
            "item_code": q.item_code,
            "id_number": q.id_number,
            "answers": answers,
        });
        if let Some(n) = q.case_number() {
            body["case_number"] = n.into();
        }
        let resp = self
            .http
            .post(format!("{}/v1/cases/query", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let body = match status {
            200 => read_capped(resp, JSON_CAP).await?,
            _ => Vec::new(),
        };
        Ok(match replies::case_progress(status, &body)? {
            Some(steps) => QueryOutcome::Found(
                steps.into_iter().map(progress_step).collect(),
                replies::case_acceptance(&body).map(|a| Acceptance {
                    number: a.number,
                    when: a.at_ms.map(local_time).unwrap_or_default(),
                    authority_zh: a.authority_zh,
                    authority_en: a.authority_en,
                }),
            ),
            None => QueryOutcome::NotFound,
        })
    }
}

/// A start upstream wrote as numbers, if it is a real time (not 2 February 30th, not 25:00).
fn calendar_time(s: replies::LocalStart) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDate::from_ymd_opt(s.year, s.month, s.day)?.and_hms_opt(s.hour, s.minute, 0)
}

/// Upstream's time (ms since the epoch) in the terminal's local time, for screen and paper.
pub(super) fn local_time(at_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A step for the screen: upstream's time in the terminal's local time.
fn progress_step(s: CaseStep) -> ProgressStep {
    ProgressStep {
        when: s.at_ms.map(local_time).unwrap_or_default(),
        zh: s.zh,
        en: s.en,
    }
}

impl UpstreamClient {
    /// Free appointment times for an item.
    pub async fn appointment_slots(&self, item_code: &str) -> Result<SlotsOutcome, SendError> {
        let resp = self
            .http
            .get(format!("{}/v1/appointments/slots", self.base))
            .query(&[("item_code", item_code)])
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let body = match status {
            200 => read_capped(resp, JSON_CAP).await?,
            _ => Vec::new(),
        };
        let offered = replies::slots(status, &body)?;
        Ok(SlotsOutcome::Offered(
            offered
                .into_iter()
                .map(|s| match s.start.and_then(calendar_time) {
                    Some(start) => Slot::starting(s.id, start),
                    None => Slot {
                        id: s.id,
                        zh: s.zh,
                        en: s.en,
                    },
                })
                .collect(),
        ))
    }
}

/// Upstream could not be reached (or stopped answering): always worth another try — unless TLS
/// refused the server's certificate, which no retry mends.
pub(super) fn unreachable(e: reqwest::Error) -> SendError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        let text = err.to_string();
        if text.contains("certificate") || text.contains("Certificate") {
            return SendError::Refused {
                kind: Refusal::Certificate,
                reason: text,
            };
        }
        source = err.source();
    }
    SendError::Retryable {
        reason: if e.is_timeout() {
            "timeout".into()
        } else if e.is_connect() {
            "cannot connect".into()
        } else {
            "connection error".into()
        },
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_short_and_tells_answers_apart() {
        let a = digest(br#"{"message":"blocked"}"#);
        assert_eq!(a.len(), 8);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, digest(br#"{"message":"blocked"}"#));
        assert_ne!(a, digest(br#"{"message":"blocked!"}"#));
        assert_eq!(digest(b""), "");
    }

    #[test]
    fn retry_after_in_seconds_or_as_an_http_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_764_547_200); // 2025-12-01
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Mon, 01 Dec 2025 00:02:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 30 Nov 2025 00:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past is no wait"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
