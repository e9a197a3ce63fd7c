//! An item's content digest: what the bureau signs off. It covers every field a citizen can see
//! or receive, in both languages (names, summary, mode, rules, conditions, materials, fees, time
//! limits, questions and their choices, next steps, kind) and nothing of the editors' (sources,
//! notes, the sign-off itself). `verified_digest` keeps the digest the reviewer saw; an edit of
//! any citizen-visible word changes it, and `catalog check` then refuses the old sign-off.

use sha2::{Digest as _, Sha256};

use super::schema::Item;

/// Fields that are the editors' or the sign-off's, not the citizen's.
const NOT_SEEN: [&str; 6] = [
    "verified",
    "verified_by",
    "verified_on",
    "verified_digest",
    "editors_note",
    "sources",
];

/// Objects with their keys in order, whatever order serde_json keeps them in.
fn canonical(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::from(k.as_str()),
                        canonical(&map[*k])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

impl Item {
    /// Sixteen hex digits of SHA-256 over the item's citizen-visible content, as printed on its
    /// review page (`1a2b3c4d5e6f7a8b`).
    pub fn content_digest(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            for key in NOT_SEEN {
                map.remove(key);
            }
        }
        let hash = Sha256::digest(canonical(&value).as_bytes());
        hash[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_word_seen_by_a_citizen_changes_the_digest_and_the_editors_words_do_not() {
        let c = crate::catalog::shipped();
        let item = c.items[0].clone();
        let digest = item.content_digest();
        assert_eq!(digest.len(), 16);
        let mut noted = item.clone();
        noted.editors_note = Some("a reviewer's remark".into());
        noted.sources.push("S-NEW".into());
        noted.verified = true;
        assert_eq!(noted.content_digest(), digest);
        let mut edited = item.clone();
        edited.summary.en.push('!');
        assert_ne!(edited.content_digest(), digest);
        let mut step = item;
        step.next_steps.push(crate::catalog::Text {
            zh: "新".into(),
            en: "New".into(),
        });
        assert_ne!(step.content_digest(), digest);
    }
}
