//! A camera-recorded traffic violation the card holder may deal with here, and the penalty
//! decision upstream makes when they confirm it (JG-WF-01): what the engine, the sync client and
//! the receipt all see. Places, plates and decision numbers are a person's: no `Debug` prints them.

/// The card holder's own violation, as upstream offers it.
#[derive(Clone, PartialEq, Eq)]
pub struct Violation {
    /// Upstream's id, sent back to decide it.
    pub id: String,
    /// When, worded for screen and paper in local time ("" when upstream did not say).
    pub when: String,
    pub place: String,
    pub act_zh: String,
    pub act_en: String,
    pub plate: String,
    /// The fine the decision would set, in whole yuan, and the points.
    pub fine_yuan: u32,
    pub points: u32,
    /// The articles it rests on, as upstream cites them.
    pub basis_zh: String,
    pub basis_en: String,
    /// Upstream lets it be dealt with at a terminal (`false`: only at the counter — a licence
    /// to suspend, a detention, anything a kiosk cannot do).
    pub here: bool,
}

/// The largest fine a decision may be made on the spot for, in yuan: the simplified procedure
/// (行政处罚法 Art. 51: a citizen fined up to 200 yuan; 道路交通安全法 Art. 107: a warning or a fine
/// up to 200 yuan). Anything more is the ordinary procedure — the counter — whatever upstream says.
pub const ON_THE_SPOT_MAX_FINE_YUAN: u32 = 200;

impl Violation {
    /// It may be decided at a terminal: upstream says so, and the law allows it on the spot.
    pub fn decided_here(&self) -> bool {
        self.here && self.fine_yuan <= ON_THE_SPOT_MAX_FINE_YUAN
    }

    pub fn act(&self, english: bool) -> &str {
        pick(english, &self.act_zh, &self.act_en)
    }

    pub fn basis(&self, english: bool) -> &str {
        pick(english, &self.basis_zh, &self.basis_en)
    }
}

impl std::fmt::Debug for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Violation")
            .field("id", &self.id)
            .field("here", &self.here)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViolationsOutcome {
    /// The card holder's violations not yet dealt with (none: nothing to deal with).
    Offered(Vec<Violation>),
    /// Upstream could not be reached: the guide instead.
    Offline,
}

/// The authority's penalty decision, as upstream made it: what the citizen's paper prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Decision {
    /// The decision's number (letters, digits and '-').
    pub number: String,
    /// When it was made, worded in local time ("" when upstream did not say).
    pub when: String,
    pub authority_zh: String,
    pub authority_en: String,
    pub fine_yuan: u32,
    pub points: u32,
    pub basis_zh: String,
    pub basis_en: String,
    /// How and by when to pay.
    pub payment_zh: String,
    pub payment_en: String,
    /// Reconsideration and litigation: where, and within how long.
    pub remedy_zh: String,
    pub remedy_en: String,
}

impl Decision {
    pub fn authority(&self, english: bool) -> &str {
        pick(english, &self.authority_zh, &self.authority_en)
    }

    pub fn basis(&self, english: bool) -> &str {
        pick(english, &self.basis_zh, &self.basis_en)
    }

    pub fn payment(&self, english: bool) -> &str {
        pick(english, &self.payment_zh, &self.payment_en)
    }

    pub fn remedy(&self, english: bool) -> &str {
        pick(english, &self.remedy_zh, &self.remedy_en)
    }
}

fn pick<'a>(english: bool, zh: &'a str, en: &'a str) -> &'a str {
    if english {
        en
    } else {
        zh
    }
}

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decision").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionOutcome {
    Decided(Box<Decision>),
    /// The platform will not decide it here (not the card holder's, only at the counter,
    /// already dealt with elsewhere): the counter, with the guide.
    Refused,
    /// Upstream could not be reached, or its answer was lost: whether a decision was made is
    /// not known here. Asking again is safe — deciding is idempotent upstream.
    Offline,
}

/// A question about violations upstream: the card holder's ID number, and which one it is (an
/// answer comes back with its ticket, so a late one — another citizen's — is dropped).
#[derive(Clone)]
pub struct ViolationRequest {
    pub ticket: u64,
    pub item_code: String,
    pub id_number: String,
    /// `None`: the card holder's violations; `Some(id)`: decide this one.
    pub decide: Option<String>,
}

impl std::fmt::Debug for ViolationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViolationRequest")
            .field("ticket", &self.ticket)
            .field("item_code", &self.item_code)
            .field("decide", &self.decide)
            .finish_non_exhaustive()
    }
}
