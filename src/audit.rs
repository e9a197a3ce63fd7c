//! What the audit log records: session and staff events, and each step of a citizen's session.
//! The engine emits them, the store writes them (`store/audit.rs` decides actor and columns);
//! never a personal value.

/// Session events for the audit log: never personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditEvent {
    /// `card_type` "none": browsing without a card.
    SessionStarted {
        card_type: String,
    },
    /// A citizen browsing without a card tapped one (to start an item that needs it).
    CardForBrowsing {
        card_type: String,
    },
    ItemChosen {
        item_code: String,
    },
    /// The citizen pressed the start button of an item (counts towards "most used here").
    ItemStarted {
        item_code: String,
    },
    CatalogSwapped {
        version: String,
    },
    StaffLogin {
        ok: bool,
    },
    /// Too many wrong PINs: the pad is locked for this many minutes.
    StaffLockedOut {
        minutes: u64,
    },
    /// Staff left their screen (`idle`: logged out for walking away).
    StaffLogout {
        idle: bool,
    },
    StaffReprint {
        number: String,
    },
    StaffRequeue {
        number: String,
    },
    StaffPaperReplaced,
    Submitted {
        submission_id: String,
    },
    ReceiptPrinted {
        submission_id: String,
    },
    ReceiptFailed {
        submission_id: String,
        reason: String,
    },
    SessionEnded {
        reason: &'static str,
    },
    /// One step of a citizen's session (no personal data).
    Journal(JournalStep),
}

/// One step of a session's journal: milliseconds since the session began, what happened (no
/// personal data), and the screen it led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalStep {
    pub at_ms: u64,
    pub what: String,
    pub screen: String,
}

impl JournalStep {
    /// The audit log's `detail`: `"<ms> <screen> <what>"`.
    pub fn to_detail(&self) -> String {
        format!("{} {} {}", self.at_ms, self.screen, self.what)
    }

    pub fn from_detail(detail: &str) -> Option<JournalStep> {
        let mut parts = detail.splitn(3, ' ');
        Some(JournalStep {
            at_ms: parts.next()?.parse().ok()?,
            screen: parts.next()?.to_string(),
            what: parts.next()?.to_string(),
        })
    }
}
