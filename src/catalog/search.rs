//! Search from the on-screen letter keyboard. In Chinese, by pinyin initials: `wfz` finds
//! 无犯罪记录证明; each character of an item's Chinese name contributes the first letters of all
//! its readings (the `pinyin` crate's heteronyms), so 行驶证 is found as `xsz` and `hsz` alike. In
//! English, by the start of any word of the English name, typed on across the following words
//! without spaces (the keyboard has none): `pass` and `ordinarypass` both find "Ordinary passport".

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

/// The English name from each word's start to its end, spaces and punctuation taken out:
/// "Passport renewal" → `passportrenewal`, `renewal`.
fn word_tails(name: &str) -> Vec<String> {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    (0..words.len()).map(|i| words[i..].concat()).collect()
}

pub struct SearchIndex {
    /// Item code and the initials of its Chinese name, in catalog order.
    entries: Vec<(String, Vec<BTreeSet<char>>)>,
    /// Item code and its English name's word tails, in catalog order.
    english: Vec<(String, Vec<String>)>,
}

impl SearchIndex {
    pub fn new(catalog: &Catalog) -> SearchIndex {
        SearchIndex {
            entries: catalog
                .items
                .iter()
                .map(|i| (i.code.clone(), initials(&i.name.zh)))
                .collect(),
            english: catalog
                .items
                .iter()
                .map(|i| (i.code.clone(), word_tails(&i.name.en)))
                .collect(),
        }
    }

    /// Item codes matching `query` in the session's language (`english`: word starts of the
    /// English name; else pinyin initials).
    pub fn find_in(&self, query: &str, english: bool) -> Vec<String> {
        if english {
            self.find_english(query)
        } else {
            self.find(query)
        }
    }

    /// The letters that, typed next, still find something in the session's language.
    pub fn next_letters_in(&self, query: &str, english: bool) -> BTreeSet<char> {
        if english {
            self.next_letters_english(query)
        } else {
            self.next_letters(query)
        }
    }

    /// Names with a word starting with `query`: those whose first word does first, then the
    /// rest, each in catalog order.
    fn find_english(&self, query: &str) -> Vec<String> {
        let q: String = Self::normalise(query).into_iter().collect();
        if q.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(usize, usize, &str)> = self
            .english
            .iter()
            .enumerate()
            .filter_map(|(order, (code, tails))| {
                tails
                    .iter()
                    .position(|t| t.starts_with(&q))
                    .map(|pos| (usize::from(pos > 0), order, code.as_str()))
            })
            .collect();
        hits.sort();
        hits.into_iter().map(|(_, _, c)| c.to_string()).collect()
    }

    fn next_letters_english(&self, query: &str) -> BTreeSet<char> {
        let q: String = Self::normalise(query).into_iter().collect();
        self.english
            .iter()
            .flat_map(|(_, tails)| tails.iter())
            .filter(|t| t.starts_with(&q))
            .filter_map(|t| t[q.len()..].chars().next())
            .filter(char::is_ascii_lowercase)
            .collect()
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
    fn english_finds_the_start_of_any_word_typed_on_across_words() {
        let c = shipped();
        let index = SearchIndex::new(&c);
        let english = |q: &str| -> Vec<String> {
            index
                .find_in(q, true)
                .iter()
                .map(|code| c.item(code).unwrap().name.en.clone())
                .collect()
        };
        let crim = english("crim");
        assert!(
            crim.contains(&"No-criminal-record certificate (individual)".to_string()),
            "{crim:?}"
        );
        // Typed on across words, hyphens and spaces left out; names starting so come first.
        let typed_on = english("nocriminalre");
        assert_eq!(
            typed_on.first().map(String::as_str),
            Some("No-criminal-record certificate (individual)")
        );
        assert!(english("record")
            .iter()
            .any(|n| n.starts_with("No-criminal")));
        // Pinyin initials mean nothing in English, and English nothing in pinyin.
        assert!(index.find_in("wfz", true).is_empty());
        assert!(index.find_in("crim", false).is_empty());
        // The keyboard lights only letters that still find something.
        let next = index.next_letters_in("crimina", true);
        assert_eq!(next, BTreeSet::from(['l']));
        for letter in index.next_letters_in("p", true) {
            assert!(!index.find_in(&format!("p{letter}"), true).is_empty());
        }
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
