//! Whether upstream currently refuses this terminal (credentials, address, a proxy, a certificate),
//! or rejects submission after submission the same way (the breaker, breaker.rs).
//! The sync worker sets it and pauses the queue; staff see it on their screen and the heartbeat
//! reports it; it clears by itself once a delivery gets the platform's answer again.

use tokio::sync::watch;

use crate::vocab::refusal::Refusal;

/// The refusal in force, if any.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub kind: Refusal,
    /// In Chinese words for the heartbeat ("上游拒绝本机凭证"); the staff screen words `kind`
    /// in its own language.
    pub words: &'static str,
    /// What upstream answered, in the terminal's words with the body's digest
    /// ("HTTP 401: the platform's error answer · body 1a2b3c4d"): never upstream's text.
    pub detail: String,
    /// Wall-clock ms of the first refusal of this spell.
    pub since_ms: i64,
}

/// The refusal in force, on a watch channel: the sync worker writes it, staff and the heartbeat
/// read it.
#[derive(Debug, Clone)]
pub struct LinkStatus(watch::Sender<Option<Refused>>);

impl Default for LinkStatus {
    fn default() -> Self {
        LinkStatus(watch::Sender::new(None))
    }
}

impl LinkStatus {
    pub fn refused(&self) -> Option<Refused> {
        self.0.borrow().clone()
    }

    pub(super) fn set_refused(&self, kind: Refusal, detail: String, now_ms: i64) {
        self.0.send_modify(|held| {
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
        });
    }

    pub(super) fn clear(&self) -> Option<Refused> {
        let mut was = None;
        self.0.send_if_modified(|held| {
            was = held.take();
            was.is_some()
        });
        was
    }
}
