//! An item's content digest: what the bureau signs off. It covers every field a citizen can see
//! or receive, in both languages (names, summary, mode, rules, conditions, materials, fees, time
//! limits, questions and their choices, next steps, kind) and nothing of the editors' (sources,
//! notes, the sign-off itself). `verified_digest` keeps the digest the reviewer saw; an edit of
//! any citizen-visible word changes it, and `catalog check` then refuses the old sign-off.

use sha2::{Digest as _, Sha256};

use super::schema::{Catalog, Item};

/// Fields that are the editors' or the sign-off's, not the citizen's.
const NOT_SEEN: [&str; 6] = [
    "verified",
    "verified_by",
    "verified_on",
    "verified_digest",
    "editors_note",
    "sources",
];

/// A value that says nothing (absent, no, empty): left out, so a field a later firmware adds with
/// such a default does not change the digest of items that do not use it.
fn says_nothing(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null | serde_json::Value::Bool(false) => true,
        serde_json::Value::String(s) => s.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.values().all(says_nothing),
        _ => false,
    }
}

/// Objects with their keys in order, whatever order serde_json keeps them in, and without the
/// keys that say nothing.
fn canonical(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().filter(|k| !says_nothing(&map[*k])).collect();
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

impl Catalog {
    /// Sign-offs whose digest is missing or is not the item's now are dropped (the item reads as
    /// not verified); their codes.
    pub fn void_stale_sign_offs(&mut self) -> Vec<String> {
        let mut stale = Vec::new();
        for item in &mut self.items {
            if item.verified && item.verified_digest.as_deref() != Some(&item.content_digest()) {
                stale.push(item.code.clone());
                item.verified = false;
                (item.verified_by, item.verified_on, item.verified_digest) = (None, None, None);
            }
        }
        stale
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
        // A field a later firmware adds, left at its default, changes no digest.
        let mut value = serde_json::to_value(&item).unwrap();
        value["a_later_field"] = serde_json::Value::Null;
        value["another"] = serde_json::json!([]);
        value["fields_flag"] = false.into();
        let mut plain = serde_json::to_value(&item).unwrap();
        for key in super::NOT_SEEN {
            plain.as_object_mut().unwrap().remove(key);
            value.as_object_mut().unwrap().remove(key);
        }
        assert_eq!(super::canonical(&value), super::canonical(&plain));
        let mut step = item;
        step.next_steps.push(crate::catalog::Text {
            zh: "新".into(),
            en: "New".into(),
        });
        assert_ne!(step.content_digest(), digest);
    }
}
