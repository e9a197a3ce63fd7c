//! The circuit breaker for systematic rejections. A rejection (400, 409, 422 with a JSON body)
//! is taken as the platform's verdict on one submission — but a gateway or WAF that answers
//! `400 {"message": …}` to everything, or a schema change on the platform, would otherwise mark
//! the whole backlog rejected, 64 a round. So: [`SAME_REJECTIONS`] rejections in a row with the
//! same reason — the same status and kind of answer; not the body's digest, which a gateway that
//! puts a request id in every answer would make differ — trip the breaker. While it is open, the
//! same reason holds the submission instead of rejecting it (it keeps its place and
//! its attempts), the queue pauses like a refusal of the terminal (`RepeatedRejection`: staff and
//! the heartbeat are told) and one submission is tried per pause — each time the next one of the
//! due, not always the oldest: a platform that rightly rejects a few alike (three applications for
//! an item the hall does not offer) takes the one after them, which closes the breaker, and the
//! queue goes on instead of waiting behind them for ever. Any acceptance, or a different
//! rejection, closes it. It is kept in the store, so a power cut does not reject three more.

use crate::store::Store;
pub use crate::vocab::refusal::SAME_REJECTIONS;

/// The store setting the breaker is kept under.
const SETTING: &str = "delivery_breaker";

/// The latest rejections in a row and whether they tripped the breaker.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Breaker {
    /// The reason of the latest rejection in the row (typed words and the body's digest).
    reason: String,
    /// How many in a row gave that reason (held ones included).
    in_a_row: u32,
    /// Tripped: the same reason holds submissions instead of rejecting them.
    open: bool,
    /// Submissions held since it tripped: the next probe is the one after them.
    #[serde(default)]
    held: u32,
}

/// Two reasons alike: the same status and kind of answer, whatever the bodies' digests.
fn same(a: &str, b: &str) -> bool {
    let typed = |r: &str| r.split(" · body ").next().unwrap_or_default().to_string();
    !a.is_empty() && typed(a) == typed(b)
}

/// What to do with a submission upstream rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Rejected, as the platform's word on it.
    Reject,
    /// Rejected, and that was the last of [`SAME_REJECTIONS`] alike: the queue pauses.
    RejectAndPause,
    /// The breaker is open and this is the same reason again: the submission stays pending and
    /// the queue pauses.
    Hold,
}

impl Breaker {
    /// A rejection with `reason`.
    pub fn rejected(&mut self, reason: &str) -> Verdict {
        if same(&self.reason, reason) {
            self.in_a_row = self.in_a_row.saturating_add(1);
            self.reason = reason.to_string();
        } else {
            *self = Breaker {
                reason: reason.to_string(),
                in_a_row: 1,
                ..Breaker::default()
            };
        }
        if self.open {
            self.held = self.held.saturating_add(1);
            Verdict::Hold
        } else if self.in_a_row >= SAME_REJECTIONS {
            self.open = true;
            Verdict::RejectAndPause
        } else {
            Verdict::Reject
        }
    }

    /// A submission was accepted: no run of rejections any more.
    pub fn accepted(&mut self) {
        *self = Breaker::default();
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Where in `due` (oldest first) this round starts: the oldest while closed; while open, the
    /// one after those held so far, round and round.
    pub fn first_probe(&self, due: usize) -> usize {
        if self.open && due > 0 {
            self.held as usize % due
        } else {
            0
        }
    }

    /// The reason that tripped it.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// As kept in `store` (a closed one when none is kept or it is unreadable).
    pub fn kept(store: &Store) -> Breaker {
        store
            .setting(SETTING)
            .ok()
            .flatten()
            .and_then(|kept| serde_json::from_str(&kept).ok())
            .unwrap_or_default()
    }

    pub fn keep(&self, store: &Store) {
        let kept = serde_json::to_string(self).unwrap_or_default();
        if let Err(e) = store.set_setting(SETTING, &kept) {
            tracing::error!(error = %e, "delivery breaker not kept");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_rejection_three_times_holds_the_rest_until_one_gets_through() {
        let mut b = Breaker::default();
        let blocked = "HTTP 400: a JSON answer without the platform's error field · body 1a2b3c4d";
        assert_eq!(b.rejected(blocked), Verdict::Reject);
        // A gateway with a request id in every answer: another digest, the same reason.
        let blocked_again =
            "HTTP 400: a JSON answer without the platform's error field · body 99aa00bb";
        assert_eq!(b.rejected(blocked_again), Verdict::Reject);
        assert_eq!(b.rejected(blocked), Verdict::RejectAndPause);
        assert!(b.is_open());
        assert_eq!(b.first_probe(7), 0);
        assert_eq!(b.rejected(blocked), Verdict::Hold);
        assert_eq!(b.first_probe(7), 1, "the next probe is the next submission");
        assert_eq!(b.rejected(blocked), Verdict::Hold);
        assert_eq!((b.first_probe(7), b.first_probe(2)), (2, 0));
        // The platform's own, different verdict on one submission: rejected, breaker closed.
        let other = "HTTP 422: the platform's error answer · body 99999999";
        assert_eq!(b.rejected(other), Verdict::Reject);
        assert!(!b.is_open());
        assert_eq!(b.first_probe(7), 0);
        // Rejections apart are not in a row.
        assert_eq!(b.rejected(blocked), Verdict::Reject);
        assert_eq!(b.rejected(blocked), Verdict::Reject);
        b.accepted();
        assert_eq!(b.rejected(blocked), Verdict::Reject);
        assert!(!b.is_open());
    }

    #[test]
    fn it_is_kept_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(Breaker::kept(&s), Breaker::default());
        let mut b = Breaker::default();
        for _ in 0..SAME_REJECTIONS {
            b.rejected("HTTP 400: x");
        }
        b.keep(&s);
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        let mut kept = Breaker::kept(&s);
        assert!(kept.is_open());
        assert_eq!(kept.rejected("HTTP 400: x"), Verdict::Hold);
    }
}
