//! Search by pinyin initials, typed on the on-screen letter keyboard: `wfz` finds 无犯罪记录证明.
//! Each character of an item's Chinese name contributes the first letters of all its readings (the
//! `pinyin` crate's heteronyms), so 行驶证 is found as `xsz` and `hsz` alike.

use std::collections::BTreeSet;

use pinyin::ToPinyinMulti;

use super::Catalog;

/// For each searchable character of a name, the letters it may be typed as.
fn initials(name: &str) -> Vec<BTreeSet<char>> {
    name.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                return Some(BTreeSet::from([c.to_ascii_lowercase()]));
            }
            let readings = c.to_pinyin_multi()?;
            let set: BTreeSet<char> = readings
                .into_iter()
                .filter_map(|p| p.first_letter().chars().next())
                .collect();
            (!set.is_empty()).then_some(set)
        })
        .collect()
}

pub struct SearchIndex {
    /// Item code and the initials of its Chinese name, in catalog order.
    entries: Vec<(String, Vec<BTreeSet<char>>)>,
}

impl SearchIndex {
    pub fn new(catalog: &Catalog) -> SearchIndex {
        SearchIndex {
            entries: catalog
                .items
                .iter()
                .map(|i| (i.code.clone(), initials(&i.name.zh)))
                .collect(),
        }
    }

    /// Where `query` first matches in `sets`, if it does.
    fn position(query: &[char], sets: &[BTreeSet<char>]) -> Option<usize> {
        if query.is_empty() || query.len() > sets.len() {
            return None;
        }
        (0..=sets.len() - query.len())
            .find(|&start| query.iter().zip(&sets[start..]).all(|(q, s)| s.contains(q)))
    }

    fn normalise(query: &str) -> Vec<char> {
        query
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }

    /// Item codes matching `query`: names that start with it first, then the rest, each in
    /// catalog order.
    pub fn find(&self, query: &str) -> Vec<String> {
        let q = Self::normalise(query);
        let mut hits: Vec<(usize, usize, &str)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(order, (code, sets))| {
                Self::position(&q, sets).map(|pos| (usize::from(pos > 0), order, code.as_str()))
            })
            .collect();
        hits.sort();
        hits.into_iter().map(|(_, _, c)| c.to_string()).collect()
    }

    /// The letters that, typed next, still find something: the keyboard dims the others.
    pub fn next_letters(&self, query: &str) -> BTreeSet<char> {
        let q = Self::normalise(query);
        let mut out = BTreeSet::new();
        for (_, sets) in &self.entries {
            for start in 0..sets.len() {
                let end = start + q.len();
                if end < sets.len() && q.iter().zip(&sets[start..]).all(|(c, s)| s.contains(c)) {
                    out.extend(sets[end].iter().filter(|c| c.is_ascii_lowercase()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::shipped;

    #[test]
    fn initials_find_items() {
        let c = shipped();
        let index = SearchIndex::new(&c);
        let wfz = index.find("wfz");
        assert_eq!(wfz.first().map(String::as_str), Some("ZA-FZJL-01"));
        assert_eq!(c.item(&wfz[0]).unwrap().name.zh, "无犯罪记录证明（个人）");
        // Upper case and stray characters are ignored.
        assert_eq!(index.find("W F Z"), wfz);
        // Starts-with first, then contains: 护照 (hz) leads with 普通护照? no: names starting
        // with hz come first.
        let hz = index.find("hz");
        assert!(!hz.is_empty());
        let first = c.item(&hz[0]).unwrap();
        assert!(initials(&first.name.zh)[0].contains(&'h'));
        assert!(index.find("qqqq").is_empty());
        assert!(index.find("").is_empty());
    }

    #[test]
    fn polyphonic_characters_match_every_reading() {
        let sets = initials("行驶证");
        assert!(sets[0].contains(&'x') && sets[0].contains(&'h'));
        let c = shipped();
        let index = SearchIndex::new(&c);
        let xsz = index.find("xsz");
        assert!(xsz
            .iter()
            .any(|code| c.item(code).unwrap().name.zh.contains("行驶证")));
    }

    #[test]
    fn the_keyboard_knows_which_letters_lead_somewhere() {
        let c = shipped();
        let index = SearchIndex::new(&c);
        let next = index.next_letters("wf");
        assert!(next.contains(&'z'));
        for letter in next.iter().take(5) {
            assert!(!index.find(&format!("wf{letter}")).is_empty());
        }
        assert!(index.next_letters("").len() > 10);
    }
}
