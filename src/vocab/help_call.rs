//! A citizen's call for staff (呼叫工作人员): from which screen, when, and whether staff have
//! opened their screen since. No personal data: a screen's name and times.

/// The last call, as the heartbeat and the staff screen carry it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HelpCall {
    /// The screen it was pressed on (`out_of_service`, `done`, `query_result`, `slots`,
    /// `item_detail`: an item waiting for the printer).
    pub screen: &'static str,
    pub at_ms: i64,
    /// When staff next opened their screen (which showed it): answered.
    pub seen_at_ms: Option<i64>,
}
