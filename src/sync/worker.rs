//! The outbox worker: delivers pending submissions oldest first, records outcomes in batched
//! transactions, backs off with full jitter, honours `Retry-After`, and resumes after a restart
//! (its state is the store).

use std::sync::Arc;
use std::time::Duration;

use onetrip_drivers::supervisor::Pulse;
use tokio::sync::Notify;

use super::breaker::{Breaker, Verdict, SAME_REJECTIONS};
use super::client::{Refusal, SendError, UpstreamClient};
use super::link::LinkStatus;
use crate::store::{now_ms, Delivery, StoreHandle};

/// Backoff bounds: sleep = random(0, min(cap, base·2^attempt)), at least `floor`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub floor: Duration,
    /// The longest wait upstream's `Retry-After` can impose: a platform that asks for days must
    /// not hold a citizen's application back beyond our own cap (the queue is strictly in order).
    pub max_retry_after: Duration,
    /// How long the whole queue waits after upstream refused the terminal (wrong token, wrong
    /// address): long enough not to hammer it, short enough that delivery resumes soon after the
    /// fault is mended.
    pub refused_pause: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(15 * 60),
            floor: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(15 * 60),
            refused_pause: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The default curve with every wait, `Retry-After` included, at most `cap`.
    pub fn capped(cap: Duration) -> Backoff {
        let d = Backoff::default();
        Backoff {
            base: d.base.min(cap),
            cap,
            floor: d.floor.min(cap),
            max_retry_after: cap,
            refused_pause: d.refused_pause.min(cap),
        }
    }

    pub fn delay(&self, attempts: i64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempts.clamp(0, 20) as u32)
            .min(self.cap);
        let jitter = Duration::from_millis(fastrand::u64(0..=exp.as_millis() as u64));
        jitter.max(self.floor)
    }
}

/// Wall-clock milliseconds; tests move it to simulate long outages.
pub type WallClock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> WallClock {
    Arc::new(now_ms)
}

#[derive(Clone)]
pub struct SyncWorker {
    pub store: StoreHandle,
    pub clock: WallClock,
    pub client: UpstreamClient,
    /// Notified when a new submission is committed.
    pub wake: Arc<Notify>,
    pub backoff: Backoff,
    pub batch: usize,
    /// Set while upstream refuses the terminal (the queue is paused then).
    pub link: LinkStatus,
}

impl SyncWorker {
    pub async fn run(self) {
        self.run_with(Pulse::default()).await
    }

    /// As `run`, beating `pulse` on every step (its supervisor restarts it when that stops).
    pub async fn run_with(self, pulse: Pulse) {
        // Rejections in a row, as kept: a restart does not reject another few of a backlog.
        let mut breaker = self.store.call(Breaker::kept).await.unwrap_or_default();
        if breaker.is_open() {
            let reason = breaker.reason().to_string();
            self.link
                .set_refused(Refusal::RepeatedRejection, reason, (self.clock)());
        }
        loop {
            pulse.beat();
            let batch = self.batch;
            let now = (self.clock)();
            let due = self
                .store
                .call(move |s| s.due(now, batch))
                .await
                .unwrap_or_else(|e| {
                    Err(crate::store::StoreError::Corrupt {
                        path: String::new(),
                        detail: e.to_string(),
                    })
                });
            let mut due = match due {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "outbox unreadable");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            if due.is_empty() {
                let next = self
                    .store
                    .call(|s| s.next_due_at())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .flatten();
                let wait = next
                    .map(|at| Duration::from_millis((at - (self.clock)()).max(0) as u64))
                    .unwrap_or(Duration::from_secs(30))
                    .min(Duration::from_secs(30));
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                }
                continue;
            }
            // While the breaker holds the queue, each pause probes the next submission (an
            // acceptance anywhere closes it), not the oldest again and again.
            let first = breaker.first_probe(due.len());
            due.rotate_left(first);
            let mut outcomes = Vec::with_capacity(due.len());
            let mut refused: Option<(Refusal, String)> = None;
            let was = breaker.clone();
            for row in &due {
                pulse.beat();
                // Reasons are the terminal's own words and the body's digest (replies.rs), never
                // upstream's text: they are logged, stored and shown to staff.
                let outcome = match self.client.send_submission(row).await {
                    Ok(reference) => {
                        tracing::info!(submission = %row.id, "submission accepted upstream");
                        breaker.accepted();
                        Delivery::Accepted { reference }
                    }
                    Err(SendError::Retryable {
                        reason,
                        retry_after,
                    }) => {
                        let delay = match retry_after {
                            Some(asked) => asked.min(self.backoff.max_retry_after),
                            None => self.backoff.delay(row.attempts),
                        };
                        tracing::warn!(submission = %row.id, attempts = row.attempts + 1, %reason, retry_in_ms = delay.as_millis() as u64, "delivery failed, will retry");
                        Delivery::Retry {
                            error: reason,
                            next_attempt_at: (self.clock)().saturating_add(
                                i64::try_from(delay.as_millis()).unwrap_or(i64::MAX),
                            ),
                        }
                    }
                    Err(SendError::Permanent { status, reason }) => {
                        match breaker.rejected(&reason) {
                            Verdict::Reject => {
                                tracing::error!(submission = %row.id, status, %reason, "submission rejected upstream");
                                Delivery::Rejected { error: reason }
                            }
                            Verdict::RejectAndPause => {
                                tracing::error!(submission = %row.id, status, %reason, in_a_row = SAME_REJECTIONS, "submission rejected upstream, the same way as the ones before it: the rest of the queue is held");
                                refused = Some((Refusal::RepeatedRejection, reason.clone()));
                                Delivery::Rejected { error: reason }
                            }
                            Verdict::Hold => {
                                // Not this submission's fault: it keeps its place and attempts.
                                refused = Some((Refusal::RepeatedRejection, reason.clone()));
                                Delivery::Paused { error: reason }
                            }
                        }
                    }
                    Err(SendError::Refused { kind, reason }) => {
                        // Not this submission's fault: it keeps its place and its attempts.
                        refused = Some((kind, reason.clone()));
                        Delivery::Paused { error: reason }
                    }
                };
                // Upstream answered as the platform: a refusal in force is over — unless the
                // breaker is open and this answer (a retry) says nothing about it.
                let says_nothing = breaker.is_open() && matches!(outcome, Delivery::Retry { .. });
                if refused.is_none() && !says_nothing {
                    if let Some(was) = self.link.clear() {
                        tracing::warn!(refusal = ?was.kind, "upstream takes the terminal again; delivery resumes");
                    }
                }
                let stop = refused.is_some()
                    || matches!(outcome, Delivery::Retry { .. } | Delivery::Paused { .. });
                outcomes.push((row.id.clone(), outcome));
                // Upstream is struggling or refusing: stop this round, leave the rest for later.
                if stop {
                    break;
                }
            }
            let keep = (breaker != was).then(|| breaker.clone());
            let saved = self
                .store
                .call(move |s| {
                    let saved = s.record_deliveries(&outcomes);
                    if let Some(breaker) = keep {
                        breaker.keep(s);
                    }
                    saved
                })
                .await;
            if !matches!(saved, Ok(Ok(()))) {
                tracing::error!(
                    "could not record delivery outcomes; they will be retried (idempotent)"
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            if let Some((kind, reason)) = refused {
                let pause = self.backoff.refused_pause;
                if kind == Refusal::RepeatedRejection {
                    tracing::error!(%reason, in_a_row = SAME_REJECTIONS, pause_s = pause.as_secs(), "upstream rejects submission after submission the same way; the queue is paused and the rest are held, not rejected");
                } else {
                    tracing::error!(refusal = ?kind, %reason, pause_s = pause.as_secs(), "upstream refuses this terminal; the queue is paused");
                }
                self.link.set_refused(kind, reason, (self.clock)());
                // The whole queue waits, new submissions included: every one would be refused alike.
                tokio::time::sleep(pause).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let b = Backoff::default();
        for attempts in 0..40 {
            let d = b.delay(attempts);
            assert!(d >= b.floor && d <= b.cap, "{attempts}: {d:?}");
        }
        let small = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(4),
            floor: Duration::ZERO,
            max_retry_after: Duration::from_secs(4),
            refused_pause: Duration::from_secs(4),
        };
        assert!((0..200).all(|_| small.delay(1) <= Duration::from_secs(2)));
        assert!((0..200).all(|_| small.delay(10) <= Duration::from_secs(4)));
    }
}
