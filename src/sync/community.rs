//! Community feed updates: `GET /v1/community` with `If-None-Match`, the authority's ed25519
//! signature in `X-Community-Signature`, newer versions only; kept, then handed to the engine. A
//! refused feed is logged and reported in the heartbeat, and the feed in force stays.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use tokio::sync::watch;

use super::catalog::{CheckOutcome, NotTaken};
use crate::community::kept::{self, FeedError};
use crate::community::Feed;

pub const SIGNATURE_HEADER: &str = "x-community-signature";
/// A village's feed is a few kilobytes; photos are not sent.
const CAP: usize = 256 << 10;

/// The feed in force, for the heartbeat and the staff screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommunityStatus {
    /// `None`: no feed kept.
    pub version: Option<String>,
    /// The feed's issue date (its age is counted from it).
    pub issued: Option<String>,
    pub expires_at: Option<String>,
    pub last_rejection: Option<String>,
}

impl CommunityStatus {
    pub fn of(feed: Option<&Feed>, last_rejection: Option<String>) -> CommunityStatus {
        CommunityStatus {
            version: feed.map(|f| f.version.clone()),
            issued: feed.map(|f| f.issued.clone()),
            expires_at: feed.map(|f| f.expires_at.clone()),
            last_rejection,
        }
    }

    /// With the feed's age in days (by this terminal's calendar), so the fleet sees a village
    /// whose contact details have not been refreshed.
    pub fn to_json(&self) -> serde_json::Value {
        let age_days = self.issued.as_deref().and_then(|issued| {
            let issued = chrono::NaiveDate::parse_from_str(issued, "%Y-%m-%d").ok()?;
            Some((chrono::Local::now().date_naive() - issued).num_days())
        });
        serde_json::json!({
            "version": self.version,
            "issued": self.issued,
            "age_days": age_days,
            "expires_at": self.expires_at,
            "last_rejection": self.last_rejection,
        })
    }
}

#[derive(Clone)]
pub struct CommunityUpdater {
    pub client: super::UpstreamClient,
    pub data_dir: PathBuf,
    pub key: Option<VerifyingKey>,
    pub status: watch::Sender<CommunityStatus>,
    pub deliver: Arc<dyn Fn(Arc<Feed>) + Send + Sync>,
    /// The last feed refused for what it is (forged, unsigned, invalid, older, or the one in force
    /// offered again). Nothing in a feed's refusal turns into acceptance with time alone: its
    /// dates are applied when it is shown, not when it is taken.
    pub not_taken: NotTaken,
}

impl CommunityUpdater {
    pub async fn check(&self) -> CheckOutcome {
        // Only a feed that verified may be "not modified": a damaged kept file is fetched again.
        let etag = self.not_taken.etag().or_else(|| {
            self.status
                .borrow()
                .version
                .as_ref()
                .and_then(|_| kept::kept_etag(&self.data_dir))
        });
        let fetched = match self
            .client
            .fetch_signed("/v1/community", SIGNATURE_HEADER, etag.as_deref(), CAP)
            .await
        {
            Ok(None) => return CheckOutcome::NotModified,
            Ok(Some(f)) => f,
            Err(e) => {
                tracing::warn!(error = %e, "community feed check failed");
                return CheckOutcome::Failed(e.to_string());
            }
        };
        let dir = self.data_dir.clone();
        let key = self.key;
        let in_force = self.status.borrow().version.clone();
        let offered_etag = fetched.etag.clone();
        let installed = tokio::task::spawn_blocking(move || {
            kept::install(
                &dir,
                &fetched.bytes,
                &fetched.signature,
                &fetched.etag,
                key.as_ref(),
                in_force.as_deref(),
            )
        })
        .await;
        self.not_taken.remember(
            matches!(&installed, Ok(Err(e)) if !matches!(e, FeedError::Io(_))),
            offered_etag,
        );
        match installed {
            Ok(Ok(feed)) => {
                tracing::info!(version = %feed.version, people = feed.people.len(), "community feed installed");
                let version = feed.version.clone();
                self.status
                    .send_replace(CommunityStatus::of(Some(&feed), None));
                (self.deliver)(Arc::new(feed));
                CheckOutcome::Installed(version)
            }
            Ok(Err(FeedError::NotNewer { offered, in_force })) if offered == in_force => {
                CheckOutcome::NotModified
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "community feed refused; the feed in force stays");
                self.status
                    .send_modify(|s| s.last_rejection = Some(e.to_string()));
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
