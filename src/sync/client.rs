//! The upstream client (reqwest + rustls). Every submission carries `Idempotency-Key` = its id, so a
//! retry after a lost response never creates a duplicate.

use std::time::Duration;

use reqwest::StatusCode;

use crate::config::Upstream;
use crate::store::OutboxRow;

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

/// Why upstream refuses this terminal: each is something staff or a technician fixes, not the
/// citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// 401, 403: the token or client certificate is not accepted.
    Credentials,
    /// 404, 405, 410 and other 4xx: the base URL does not lead to the platform's interface.
    Address,
    /// An answer that is not the platform's JSON (a proxy's or gateway's HTML page).
    NotThePlatform,
    /// TLS: the server's certificate does not verify against the configured CA.
    Certificate,
}

impl Refusal {
    /// For the staff screen and the heartbeat.
    pub fn words(self) -> &'static str {
        match self {
            Refusal::Credentials => "上游拒绝本机凭证",
            Refusal::Address => "上游地址不对（找不到接收接口）",
            Refusal::NotThePlatform => "上游应答不是平台的应答（可能是代理或网关）",
            Refusal::Certificate => "上游证书校验失败",
        }
    }
}

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
        let body: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        classify(status, retry_after, body.as_ref())
    }
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

fn json_capped(bytes: &[u8]) -> Result<serde_json::Value, SendError> {
    serde_json::from_slice(bytes).map_err(|e| SendError::Retryable {
        reason: format!("not JSON: {e}"),
        retry_after: None,
    })
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
    /// A party's case progress: `Ok(Some(steps))`, `Ok(None)` when there is no such case for this
    /// party, an error when upstream cannot be reached.
    pub async fn query_case(
        &self,
        case_number: &str,
        id_number: &str,
    ) -> Result<Option<serde_json::Value>, SendError> {
        let resp = self
            .http
            .post(format!("{}/v1/cases/query", self.base))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({"case_number": case_number, "id_number": id_number}))
            .send()
            .await
            .map_err(unreachable)?;
        match resp.status().as_u16() {
            200 => json_capped(&read_capped(resp, JSON_CAP).await?).map(Some),
            404 => Ok(None),
            code => Err(SendError::Permanent {
                status: code,
                reason: format!("HTTP {code}"),
            }),
        }
    }
}

impl UpstreamClient {
    /// Free appointment times for an item.
    pub async fn appointment_slots(&self, item_code: &str) -> Result<serde_json::Value, SendError> {
        let resp = self
            .http
            .get(format!("{}/v1/appointments/slots", self.base))
            .query(&[("item_code", item_code)])
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(SendError::Permanent {
                status,
                reason: format!("HTTP {status}"),
            });
        }
        json_capped(&read_capped(resp, JSON_CAP).await?)
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

/// What an answer to a submission means. `body` is `None` when it was not JSON.
fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Option<&serde_json::Value>,
) -> Result<String, SendError> {
    let reason = body
        .and_then(|b| b.get("error"))
        .and_then(|e| e.as_str())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("unknown"))
        .to_string();
    if status.is_success() {
        return body
            .and_then(|b| b.get("reference"))
            .and_then(|r| r.as_str())
            .map(str::to_string)
            .ok_or(SendError::Retryable {
                reason: "success without a reference".into(),
                retry_after: None,
            });
    }
    let code = status.as_u16();
    if status.is_redirection() {
        return Err(SendError::Retryable {
            reason: format!("HTTP {code}: upstream redirected the terminal; not followed"),
            retry_after: None,
        });
    }
    if code == 408 || code == 429 || status.is_server_error() {
        return Err(SendError::Retryable {
            reason: format!("HTTP {code}: {reason}"),
            retry_after,
        });
    }
    let refused = |kind| SendError::Refused {
        kind,
        reason: format!("HTTP {code}: {reason}"),
    };
    match code {
        // Only the platform's own word about this submission rejects it.
        400 | 409 | 422 if body.is_some() => Err(SendError::Permanent {
            status: code,
            reason,
        }),
        400 | 409 | 422 => Err(refused(Refusal::NotThePlatform)),
        401 | 403 => Err(refused(Refusal::Credentials)),
        _ => Err(refused(Refusal::Address)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    use serde_json::json;

    #[test]
    fn error_classes() {
        let ok = classify(StatusCode::CREATED, None, Some(&json!({"reference": "R1"})));
        assert_eq!(ok, Ok("R1".into()));
        for code in [408u16, 429, 500, 502, 503, 504] {
            let r = classify(StatusCode::from_u16(code).unwrap(), None, Some(&json!({})));
            assert!(matches!(r, Err(SendError::Retryable { .. })), "{code}");
        }
        // Only the platform's answer about the submission itself rejects it.
        for code in [400u16, 409, 422] {
            let r = classify(
                StatusCode::from_u16(code).unwrap(),
                None,
                Some(&json!({"error": "x"})),
            );
            assert!(
                matches!(r, Err(SendError::Permanent { status, .. }) if status == code),
                "{code}"
            );
        }
        // Anything else is the link refusing the terminal: no submission is at fault.
        for (code, body, kind) in [
            (401u16, Some(json!({"error": "x"})), Refusal::Credentials),
            (403, None, Refusal::Credentials),
            (404, Some(json!({})), Refusal::Address),
            (405, None, Refusal::Address),
            (410, None, Refusal::Address),
            (400, None, Refusal::NotThePlatform),
            (422, None, Refusal::NotThePlatform),
        ] {
            let r = classify(StatusCode::from_u16(code).unwrap(), None, body.as_ref());
            assert!(
                matches!(&r, Err(SendError::Refused { kind: k, reason }) if *k == kind && reason.contains(&code.to_string())),
                "{code}: {r:?}"
            );
        }
        let r = classify(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(7)),
            Some(&json!({})),
        );
        assert!(
            matches!(r, Err(SendError::Retryable { retry_after: Some(d), .. }) if d == Duration::from_secs(7))
        );
    }
}
