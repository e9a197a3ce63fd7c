//! What kind of lookup a `query` item is, as its questions show: the card holder's own records,
//! an application made here followed by its submission number, or a case with an officer.

use super::schema::{Item, Mode};

impl Item {
    /// A lookup of the card holder's own records (points, vehicles, travel records, …), not of
    /// a case by its number: upstream answers what it holds for this person, and there is no
    /// case officer to rate.
    pub fn looks_up_own_records(&self) -> bool {
        self.mode == Mode::Query
            && !self.anonymous()
            && !self.fields.iter().any(|f| f.key.ends_with("number"))
    }

    /// The lookup of an application made on a terminal, by its submission number (the receipt's):
    /// the one lookup whose answer may carry the authority's acceptance and print a 受理回执.
    pub fn follows_an_application(&self) -> bool {
        self.mode == Mode::Query
            && !self.anonymous()
            && self.fields.iter().any(|f| f.key == "submission_number")
    }

    /// A lookup of a case (an incident, an accident) by its number, whose officer may be rated
    /// from its progress — not one's own records, nor an application made here (looked up by its
    /// submission number: no case officer handles it).
    pub fn has_a_case_officer(&self) -> bool {
        self.mode == Mode::Query
            && !self.anonymous()
            && self
                .fields
                .iter()
                .any(|f| f.key.ends_with("number") && f.key != "submission_number")
    }
}
