//! The citizen's answers in a session: each question's value by the item's key, in the order
//! given (a changed answer moves to the end), and the appointment time chosen. Personal data, so
//! no `Debug`. Upstream receives them as (key, value) pairs, the slot as `slot` and `slot_time`.

#[derive(Clone, Default)]
pub struct Answers {
    given: Vec<(String, String)>,
    slot: Option<ChosenSlot>,
}

/// An appointment time: upstream's id, and the time as shown to the citizen.
#[derive(Clone)]
pub struct ChosenSlot {
    pub id: String,
    pub shown: String,
}

impl Answers {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.given
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Answers `key` (again): the value replaces an earlier one and moves to the end.
    pub fn set(&mut self, key: &str, value: String) {
        self.given.retain(|(k, _)| k != key);
        self.given.push((key.to_string(), value));
    }

    /// Keeps only the answers whose key passes `keep`.
    pub fn keep(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.given.retain(|(k, _)| keep(k));
    }

    pub fn clear(&mut self) {
        self.given.clear();
        self.slot = None;
    }

    /// The answers to the item's questions, in order (what `Field::asked` looks at).
    pub fn given(&self) -> &[(String, String)] {
        &self.given
    }

    pub fn choose_slot(&mut self, slot: ChosenSlot) {
        self.slot = Some(slot);
    }

    pub fn slot(&self) -> Option<&ChosenSlot> {
        self.slot.as_ref()
    }

    /// A case notice's or a receipt's number, where the item asks for one: by the catalog's
    /// convention its key ends in `number` (`case_number`, `receipt_number`).
    pub fn case_number(&self) -> Option<&str> {
        self.given
            .iter()
            .find(|(k, _)| k.ends_with("number"))
            .map(|(_, v)| v.as_str())
    }

    /// What upstream receives: every answer, then the slot's id and time.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = self.given.clone();
        if let Some(slot) = &self.slot {
            pairs.push(("slot".into(), slot.id.clone()));
            pairs.push(("slot_time".into(), slot.shown.clone()));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_answer_moves_to_the_end_and_the_slot_goes_last_upstream() {
        let mut a = Answers::default();
        a.set("purpose", "就业".into());
        a.set("phone", "13800000000".into());
        a.set("purpose", "出国".into());
        assert_eq!(a.get("purpose"), Some("出国"));
        assert!(!a.has("slot"));
        a.choose_slot(ChosenSlot {
            id: "s-1".into(),
            shown: "12月3日 09:00".into(),
        });
        let pairs = a.to_pairs();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("phone", "13800000000"),
                ("purpose", "出国"),
                ("slot", "s-1"),
                ("slot_time", "12月3日 09:00"),
            ]
        );
        a.keep(|k| k != "phone");
        assert_eq!(a.given().len(), 1);
        a.clear();
        assert!(a.to_pairs().is_empty());
    }

    #[test]
    fn the_case_number_is_the_answer_whose_key_ends_in_number() {
        let mut a = Answers::default();
        a.set("plate", "豫AD12345".into());
        assert_eq!(a.case_number(), None);
        a.set("receipt_number", "ZZ-0001-000001".into());
        assert_eq!(a.case_number(), Some("ZZ-0001-000001"));
    }
}
