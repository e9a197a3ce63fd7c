//! What the engine asks the shell to do: commit, print, audit, ask upstream, wipe the UI.

use crate::community::panel::Panel;
use crate::community::tip::AnonymousTip;
use crate::vocab::audit::AuditEvent;
use crate::vocab::staff_report::StaffRequest;
use crate::vocab::submission::{NewSubmission, ReceiptRequest};
use crate::vocab::upstream::CaseQuery;
use crate::vocab::violation::ViolationRequest;

#[derive(Debug, Clone)]
pub enum Effect {
    Submit(NewSubmission),
    /// Seal, then commit: an anonymous tip (no person, answers sealed to the unit's key).
    SubmitAnonymousTip(AnonymousTip),
    Print(ReceiptRequest),
    Audit(AuditEvent),
    /// Drop every UI model that held personal data.
    WipeSession,
    Staff(StaffRequest),
    /// Ask upstream (online only).
    Query(CaseQuery),
    /// The community panel as shown, printed as the contact card.
    PrintContactCard(Box<Panel>),
    /// Ask upstream for the card holder's violations, or to decide one (online only).
    Violations(ViolationRequest),
    /// Ask upstream which appointment times are free.
    FetchSlots {
        item_code: String,
    },
    /// Ring the staff: a citizen pressed 呼叫工作人员 on this screen.
    CallStaff {
        screen: &'static str,
    },
}
