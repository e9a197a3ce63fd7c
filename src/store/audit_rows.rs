//! How an audit event becomes a row: who did it, the event's name, and a detail of ids and codes
//! only. Starting an item also counts towards "most used here".

use super::{Counter, Store, StoreError};
use crate::vocab::audit::AuditEvent;

impl Store {
    /// Writes the event's audit row (and counts an item start).
    pub fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let (name, detail) = row(event);
        self.audit(actor(event), name, &detail)?;
        if let AuditEvent::ItemStarted { item_code } = event {
            self.bump(&Counter::ItemStarted(item_code.clone()), 1)?;
        }
        Ok(())
    }
}

/// Who did it: station staff at their screen, the terminal itself, or the citizen.
fn actor(e: &AuditEvent) -> &'static str {
    match e {
        AuditEvent::StaffLogin { .. }
        | AuditEvent::StaffLockedOut { .. }
        | AuditEvent::StaffLogout { .. }
        | AuditEvent::StaffReprint { .. }
        | AuditEvent::StaffRequeue { .. }
        | AuditEvent::StaffPaperReplaced => "staff",
        AuditEvent::CatalogSwapped { .. } => "terminal",
        _ => "citizen",
    }
}

/// (event name, detail): ids and codes only.
fn row(e: &AuditEvent) -> (&'static str, String) {
    match e {
        AuditEvent::SessionStarted { card_type } => ("session_started", card_type.clone()),
        AuditEvent::CardForBrowsing { card_type } => ("card_for_browsing", card_type.clone()),
        AuditEvent::ItemChosen { item_code } => ("item_chosen", item_code.clone()),
        AuditEvent::ItemStarted { item_code } => ("item_started", item_code.clone()),
        AuditEvent::CatalogSwapped { version } => ("catalog_swapped", version.clone()),
        AuditEvent::StaffLogin { ok } => (
            if *ok {
                "staff_login"
            } else {
                "staff_login_failed"
            },
            String::new(),
        ),
        AuditEvent::StaffLockedOut { minutes } => ("staff_locked_out", format!("{minutes} min")),
        AuditEvent::StaffLogout { idle } => (
            if *idle {
                "staff_idle_logout"
            } else {
                "staff_logout"
            },
            String::new(),
        ),
        AuditEvent::StaffReprint { number } => ("staff_reprint", number.clone()),
        AuditEvent::StaffRequeue { number } => ("staff_requeue", number.clone()),
        AuditEvent::StaffPaperReplaced => ("staff_paper_replaced", String::new()),
        AuditEvent::StaffCalled { screen } => ("staff_called", screen.to_string()),
        AuditEvent::DecisionAnswered { item_code, outcome } => {
            ("decision_answered", format!("{item_code} {outcome}"))
        }
        AuditEvent::Journal(step) => ("journal", step.to_record()),
        AuditEvent::Submitted { submission_id } => ("submitted", submission_id.clone()),
        AuditEvent::ReceiptPrinted { submission_id } => ("receipt_printed", submission_id.clone()),
        AuditEvent::ReceiptFailed {
            submission_id,
            reason,
        } => ("receipt_failed", format!("{submission_id} {reason}")),
        AuditEvent::SessionEnded { reason } => ("session_ended", reason.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_rows_of_ids_and_codes_and_item_starts_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.record(&AuditEvent::ItemStarted {
            item_code: "ZA-FZJL-01".into(),
        })
        .unwrap();
        s.record(&AuditEvent::StaffLogin { ok: false }).unwrap();
        s.record(&AuditEvent::ReceiptFailed {
            submission_id: "7".into(),
            reason: "paper_out".into(),
        })
        .unwrap();
        let rows: Vec<(String, String, String)> = s
            .connection()
            .prepare("SELECT actor, event, detail FROM audit ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let rows: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|(a, e, d)| (a.as_str(), e.as_str(), d.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("citizen", "item_started", "ZA-FZJL-01"),
                ("staff", "staff_login_failed", ""),
                ("citizen", "receipt_failed", "7 paper_out"),
            ]
        );
        assert_eq!(s.item_starts().unwrap().get("ZA-FZJL-01"), Some(&1));
    }
}
