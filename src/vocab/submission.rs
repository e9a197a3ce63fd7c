//! What the engine asks the store to keep and the printer to print, and what the store answers:
//! the vocabulary both sides share, so the store needs nothing of the engine.

use onetrip_drivers::id_card::Identity;

/// A submission the store committed: its row id and the number printed for the citizen.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredSubmission {
    pub id: String,
    pub number: String,
    /// A call-back's code the officer says first (`visit_request` only; see
    /// [`new_verification_code`]).
    #[serde(default)]
    pub verification_code: Option<String>,
    /// An anonymous tip's PIN, for its receipt and Done screen only: never serialised, so it
    /// can reach no kept receipt, log or journal (upstream holds only its hash).
    #[serde(skip)]
    pub pin: Option<String>,
}

/// Without the codes: the call-back's code and the tip's PIN are for paper and screen only.
impl std::fmt::Debug for StoredSubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSubmission")
            .field("id", &self.id)
            .field("number", &self.number)
            .finish_non_exhaustive()
    }
}

/// The four-digit code the officer says first when calling back (防冒充): drawn from the
/// operating system's random source with each call-back request, kept in its payload for the
/// officer's work queue and printed on the citizen's receipt — never derived from the
/// submission's id, which is logged and sent as the idempotency key.
pub fn new_verification_code() -> String {
    // A UUID v4 of its own: 122 bits from the same source as the submission's id, but not it.
    let random = uuid::Uuid::new_v4().as_u128();
    format!("{:04}", random % 10_000)
}

/// What the paper may call itself. The terminal stores and forwards an application: 申请回执
/// with a 提交编号. An item the bureau runs here as pre-acceptance says so: 预受理回执, and that
/// identity is checked at the counter. Acceptance (受理) is the authority's act: the terminal
/// never claims it by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    #[default]
    Application,
    PreAcceptance,
    /// 匿名线索回执: the tip's number and PIN, nothing of a person; never kept for a reprint.
    AnonymousTip,
    /// 受理回执: printed only from upstream's report of the authority's own acceptance, with
    /// the authority's number (`ReceiptRequest::acceptance`).
    Acceptance,
    /// 处罚决定: the penalty decision upstream made when the citizen confirmed its facts; the
    /// number is the decision's, the lines its content (`ReceiptRequest::decision`). Never
    /// kept for a reprint: asked again, upstream answers the same decision.
    Decision,
}

/// What the receipt needs; masked already, so it may be kept for staff reprints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceiptRequest {
    pub submission: StoredSubmission,
    /// Receipts kept before the kind existed are applications.
    #[serde(default)]
    pub kind: ReceiptKind,
    pub item_code: String,
    pub item_name: String,
    pub next_steps: Vec<String>,
    pub name_masked: String,
    pub id_masked: String,
    pub english: bool,
    /// The authority's acceptance, for a 受理回执 (`ReceiptKind::Acceptance`) only.
    #[serde(default)]
    pub acceptance: Option<crate::vocab::upstream::Acceptance>,
    /// Who made a penalty decision and when (`ReceiptKind::Decision` only).
    #[serde(default)]
    pub decision: Option<DecisionHeader>,
}

/// The head of a penalty decision's paper: the authority, and when, in the receipt's language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecisionHeader {
    pub authority: String,
    pub when: String,
}

/// A submission to commit: carries personal data, so it has no `Debug` that prints it.
#[derive(Clone)]
pub struct NewSubmission {
    pub item_code: String,
    /// "application" or "evaluation".
    pub kind: &'static str,
    pub identity: Identity,
    /// The form's answers (key, value), card fields included.
    pub answers: Vec<(String, String)>,
    pub english: bool,
}

impl std::fmt::Debug for NewSubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSubmission")
            .field("item_code", &self.item_code)
            .finish_non_exhaustive()
    }
}

/// Why the store stopped taking writes (the terminal goes out of service until it takes them
/// again); the engine words it for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFault {
    Full,
    ReadOnly,
    /// An I/O error under the database.
    Io,
    Corrupt,
    /// Anything else that refused a write.
    Unwritable,
}
