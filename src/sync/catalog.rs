//! Catalog updates: fetched with `If-None-Match`, verified (ed25519 over the exact bytes) and
//! validated, kept on disk, then handed to the engine, which swaps it in between sessions. A refused
//! update is logged, reported in the heartbeat, and the catalog in force stays.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use tokio::sync::watch;

use super::client::{SendError, UpstreamClient};
use crate::catalog::active::{self, CatalogStatus, Origin};
use crate::catalog::Catalog;

/// The response header carrying the base64 signature of the body.
pub const SIGNATURE_HEADER: &str = "x-catalog-signature";

/// A catalog as upstream sent it.
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub signature: String,
    pub etag: String,
}

impl UpstreamClient {
    /// `Ok(None)`: not modified since `etag`.
    pub async fn fetch_catalog(&self, etag: Option<&str>) -> Result<Option<Fetched>, SendError> {
        self.fetch_signed(
            "/v1/catalog",
            SIGNATURE_HEADER,
            etag,
            super::client::CATALOG_CAP,
        )
        .await
    }

    /// A document the authority signed (the catalog, the community feed): its bytes, the
    /// signature from `signature_header` and the ETag; `Ok(None)` when not modified since `etag`.
    pub(super) async fn fetch_signed(
        &self,
        path: &str,
        signature_header: &str,
        etag: Option<&str>,
        cap: usize,
    ) -> Result<Option<Fetched>, SendError> {
        let mut req = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(tag) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let retryable = |reason: String| SendError::Retryable {
            reason,
            retry_after: None,
        };
        let resp = req.send().await.map_err(super::client::unreachable)?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                retryable(format!("HTTP {}", status.as_u16()))
            } else {
                SendError::Permanent {
                    status: status.as_u16(),
                    reason: status.to_string(),
                }
            });
        }
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let signature = header(signature_header);
        let etag = header("etag");
        let bytes = super::client::read_capped(resp, cap).await?;
        Ok(Some(Fetched {
            bytes,
            signature,
            etag,
        }))
    }
}

/// What one check did.
#[derive(Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    NotModified,
    Installed(String),
    /// Refused (tampered, invalid, no key): the reason.
    Refused(String),
    /// Upstream unreachable or erroring; try again later.
    Failed(String),
}

#[derive(Clone)]
pub struct CatalogUpdater {
    pub client: UpstreamClient,
    pub data_dir: PathBuf,
    pub key: Option<VerifyingKey>,
    /// The terminal's devices: an update needing more is refused.
    pub capabilities: Vec<crate::catalog::Capability>,
    /// The catalog in force: the updater is its one writer (the heartbeat and the staff screen
    /// watch it).
    pub status: watch::Sender<CatalogStatus>,
    /// Where an installed catalog goes (the engine, via the UI thread).
    pub deliver: Arc<dyn Fn(Arc<Catalog>) + Send + Sync>,
    /// The last document refused for what it is (the one in force offered again, a bad
    /// signature, an invalid or older catalog): a terminal on its shipped catalog fetched it whole
    /// every 15 minutes, 4,300 terminals a city.
    pub not_taken: NotTaken,
}

/// The ETag of the last signed document (catalog or community feed) fetched and refused for what
/// it is, asked with `If-None-Match` so the same bytes are not downloaded and verified again at
/// every check. Only the document's own fault is remembered: one not kept for want of disk (or a
/// check that never finished) is fetched again. The upstream's ETag changes with the signature as
/// well as the body (docs/upstream-api.yaml), so a document signed again is fetched again.
#[derive(Clone, Debug, Default)]
pub struct NotTaken(Arc<std::sync::Mutex<Option<String>>>);

impl NotTaken {
    pub fn etag(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// After a check: `offered` is remembered if the document was refused for what it is, and
    /// forgotten otherwise.
    pub fn remember(&self, refused_for_what_it_is: bool, offered: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) =
            (refused_for_what_it_is && !offered.is_empty()).then_some(offered);
    }
}

impl CatalogUpdater {
    /// One round: fetch, verify, keep, deliver.
    pub async fn check(&self) -> CheckOutcome {
        let etag = self
            .not_taken
            .etag()
            .or_else(|| active::kept_etag(&self.data_dir));
        let fetched = match self.client.fetch_catalog(etag.as_deref()).await {
            Ok(None) => return CheckOutcome::NotModified,
            Ok(Some(f)) => f,
            Err(e) => {
                tracing::warn!(error = %e, "catalog check failed");
                return CheckOutcome::Failed(e.to_string());
            }
        };
        let dir = self.data_dir.clone();
        let key = self.key;
        let capabilities = self.capabilities.clone();
        let etag = fetched.etag.clone();
        let in_force = self.status.borrow().version.clone();
        let offered_etag = fetched.etag.clone();
        let installed = tokio::task::spawn_blocking(move || {
            active::install(
                &dir,
                &fetched.bytes,
                &fetched.signature,
                &fetched.etag,
                key.as_ref(),
                &capabilities,
                &in_force,
            )
        })
        .await;
        self.not_taken.remember(
            matches!(&installed, Ok(Err(e)) if !matches!(e, active::UpdateError::Io(_))),
            offered_etag,
        );
        match installed {
            Ok(Ok(catalog)) => {
                tracing::info!(version = %catalog.version, items = catalog.items.len(), "catalog update installed");
                let version = catalog.version.clone();
                self.status.send_replace(CatalogStatus {
                    version: version.clone(),
                    origin: Origin::Update { etag },
                    last_rejection: None,
                });
                (self.deliver)(Arc::new(catalog));
                CheckOutcome::Installed(version)
            }
            Ok(Err(active::UpdateError::NotNewer { offered, in_force })) if offered == in_force => {
                // The catalog in force, offered again (a new ETag for the same document).
                tracing::debug!(version = %offered, "catalog offered is the one in force");
                CheckOutcome::NotModified
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "catalog update refused; the current catalog stays");
                self.status
                    .send_modify(|status| status.last_rejection = Some(e.to_string()));
                CheckOutcome::Refused(e.to_string())
            }
            Err(e) => CheckOutcome::Failed(e.to_string()),
        }
    }

    pub async fn run(self, every: Duration) {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            self.check().await;
        }
    }
}
