//! Whether upstream currently refuses this terminal (credentials, address, a proxy, a certificate).
//! The sync worker sets it and pauses the queue; staff see it on their screen and the heartbeat
//! reports it; it clears by itself once a delivery gets the platform's answer again.

use std::sync::{Arc, Mutex};

use super::client::Refusal;

/// The refusal in force, if any.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub kind: Refusal,
    /// In Chinese words for the heartbeat ("上游拒绝本机凭证"); the staff screen words `kind`
    /// in its own language.
    pub words: &'static str,
    /// What upstream answered ("HTTP 401: unknown terminal token"): no personal data.
    pub detail: String,
    /// Wall-clock ms of the first refusal of this spell.
    pub since_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct LinkStatus(Arc<Mutex<Option<Refused>>>);

impl LinkStatus {
    pub fn refused(&self) -> Option<Refused> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(super) fn set_refused(&self, kind: Refusal, detail: String, now_ms: i64) {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let since_ms = match held.as_ref() {
            Some(r) if r.kind == kind => r.since_ms,
            _ => now_ms,
        };
        *held = Some(Refused {
            kind,
            words: kind.words(false),
            detail,
            since_ms,
        });
    }

    pub(super) fn clear(&self) -> Option<Refused> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
