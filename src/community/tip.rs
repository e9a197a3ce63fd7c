//! Anonymous tips (匿名线索): the tipster's answers sealed to the receiving unit's public key
//! before they reach the store, and the PIN that lets whoever holds the receipt follow the tip.
//!
//! The seal is libsodium's sealed box (`crypto_box_seal`: an ephemeral X25519 key, XSalsa20-
//! Poly1305): the terminal can seal but never open, so a stolen terminal, a log bundle or the
//! store's free pages give nothing away; the unit opens it with its secret key (libsodium,
//! PyNaCl's `SealedBox`, or [`open`]). The PIN goes upstream only as an argon2id hash (the staff
//! PIN's scheme, `config::staff_pin`), beside the sealed answers, so the platform can check a
//! query without opening the tip.

use base64::Engine as _;
use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};

use serde::{Deserialize, Serialize};

use crate::catalog::Text;

/// The unit that receives anonymous tips, and the X25519 key they are sealed to (libsodium's
/// sealed box): the terminal can seal but never open them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TipRecipient {
    pub unit: Text,
    /// Names the key pair, so the unit knows which secret key opens a tip.
    pub key_id: String,
    /// 32 bytes, standard base64.
    pub public_key: String,
}

impl TipRecipient {
    /// The key's bytes; `None` unless it is exactly 32 bytes of base64.
    pub fn key_bytes(&self) -> Option<[u8; 32]> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.public_key)
            .ok()?
            .try_into()
            .ok()
    }
}

/// A place a tip may name: a village, a market, a landmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceName {
    /// What upstream receives: lower-case letters, digits and `_`.
    pub code: String,
    pub name: Text,
}

/// At most this many place names (with "somewhere else", four rows of choices on any screen).
const MAX_PLACES: usize = 7;

/// The feed's `tips` and `places`, checked.
pub(super) fn problems(tips: Option<&TipRecipient>, places: &[PlaceName], p: &mut Vec<String>) {
    let text = super::text_problems;
    if let Some(t) = tips {
        text(&t.unit, "tips.unit", 24, p);
        let id_ok = (1..=32).contains(&t.key_id.len())
            && t.key_id
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if !id_ok {
            p.push("tips.key_id: 1 to 32 letters, digits, - or _".into());
        }
        if t.key_bytes().is_none() {
            p.push("tips.public_key is not 32 bytes of base64".into());
        }
    }
    if places.len() > MAX_PLACES {
        p.push(format!("more than {MAX_PLACES} places"));
    }
    let mut codes = std::collections::HashSet::new();
    for (i, place) in places.iter().enumerate() {
        let at = format!("places[{i}]");
        text(&place.name, &format!("{at}.name"), 12, p);
        let code_ok = (1..=24).contains(&place.code.len())
            && place
                .code
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
        if !code_ok || !codes.insert(place.code.as_str()) {
            p.push(format!(
                "{at}.code: a new code of lower-case letters, digits, _"
            ));
        }
    }
}

/// Names the seal in the payload, so a unit knows how to open it.
pub const SEAL_ALGORITHM: &str = "x25519-xsalsa20poly1305-sealedbox";

/// What a tip's answers are padded to before sealing (a multiple of it).
const SEALED_SIZE: usize = 1024;

/// Digits of the PIN printed on the tip's receipt.
pub const PIN_DIGITS: usize = 6;

/// `plaintext` sealed to `recipient`: `{"alg", "key_id", "ciphertext"}` (base64).
pub fn seal(recipient: &TipRecipient, plaintext: &[u8]) -> Result<serde_json::Value, String> {
    let key = recipient
        .key_bytes()
        .ok_or("the receiving unit's key is not 32 bytes")?;
    let sealed = PublicKey::from(key)
        .seal(&mut OsRng, plaintext)
        .map_err(|e| format!("sealing failed: {e}"))?;
    Ok(serde_json::json!({
        "alg": SEAL_ALGORITHM,
        "key_id": recipient.key_id,
        "ciphertext": base64::engine::general_purpose::STANDARD.encode(sealed),
    }))
}

/// What the unit does with its secret key: the plaintext, or `None` for anything that is not
/// a sealed box to this key.
pub fn open(secret: &[u8; 32], sealed: &serde_json::Value) -> Option<Vec<u8>> {
    if sealed["alg"] != SEAL_ALGORITHM {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed["ciphertext"].as_str()?)
        .ok()?;
    SecretKey::from(*secret).unseal(&bytes).ok()
}

/// An anonymous tip as the engine hands it over: the item, the answers, the screen's language and
/// the unit to seal it to. No `Debug` that prints the answers: they are the tipster's.
#[derive(Clone)]
pub struct AnonymousTip {
    pub item_code: String,
    pub answers: Vec<(String, String)>,
    pub english: bool,
    pub recipient: TipRecipient,
}

impl std::fmt::Debug for AnonymousTip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnonymousTip")
            .field("item_code", &self.item_code)
            .finish_non_exhaustive()
    }
}

impl AnonymousTip {
    /// What the outbox keeps and upstream receives: `anonymous`, the sealed answers (with the
    /// language: an English tip in a village names its tipster as surely as a name) and the
    /// PIN's hash. Nothing else of the tip is readable on the terminal.
    pub fn payload(&self, pin_verifier: &str) -> Result<serde_json::Value, String> {
        let answers: serde_json::Map<String, serde_json::Value> = self
            .answers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let mut inner = serde_json::json!({
            "language": if self.english { "en" } else { "zh" },
            "answers": answers,
            "pad": "",
        });
        // A sealed box is its plaintext and 48 bytes: padded to whole kilobytes, its length
        // tells nothing of which answers were chosen ("drugs" is shorter than "gambling").
        let len = inner.to_string().len();
        inner["pad"] = " "
            .repeat(len.div_ceil(SEALED_SIZE) * SEALED_SIZE - len)
            .into();
        Ok(serde_json::json!({
            "anonymous": true,
            "sealed": seal(&self.recipient, inner.to_string().as_bytes())?,
            "pin_verifier": pin_verifier,
        }))
    }
}

/// A fresh PIN from the operating system's random source.
pub fn new_pin() -> String {
    let random = uuid::Uuid::new_v4().as_u128();
    format!(
        "{:0width$}",
        random % 10u128.pow(PIN_DIGITS as u32),
        width = PIN_DIGITS
    )
}

/// The demo's receiving unit (示例镇派出所, fictional). Its secret key is public — derived from
/// this phrase — so the reference upstream can open the demo's tips; a real feed names a real
/// unit's key, whose secret never leaves the unit.
const DEMO_PHRASE: &[u8] = b"OneTrip demo tip unit: a public secret, never for real tips";

pub fn demo_secret_key() -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(DEMO_PHRASE).into()
}

/// The demo unit's public key, as the demo feed carries it.
pub fn demo_public_key() -> String {
    let public = SecretKey::from(demo_secret_key()).public_key();
    base64::engine::general_purpose::STANDARD.encode(public.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> TipRecipient {
        TipRecipient {
            unit: Text {
                zh: "示例镇派出所".into(),
                en: "Sample Town police station".into(),
            },
            key_id: "demo-2026".into(),
            public_key: demo_public_key(),
        }
    }

    #[test]
    fn only_the_units_secret_key_opens_a_sealed_tip() {
        let sealed = seal(&demo(), b"{\"category\":\"drugs\"}").unwrap();
        let text = sealed.to_string();
        assert!(!text.contains("drugs"), "{text}");
        assert_eq!(
            open(&demo_secret_key(), &sealed).as_deref(),
            Some(&b"{\"category\":\"drugs\"}"[..])
        );
        assert_eq!(open(&[7u8; 32], &sealed), None);
        // Sealed twice, the same words look different (a fresh ephemeral key each time).
        assert_ne!(seal(&demo(), b"x").unwrap(), seal(&demo(), b"x").unwrap());
    }

    #[test]
    fn a_bad_key_or_place_is_refused_by_name() {
        let mut feed: serde_json::Value =
            serde_json::from_str(crate::community::demo_feed()).unwrap();
        feed["tips"]["public_key"] = "c2hvcnQ=".into();
        feed["places"][1]["code"] = "sample_village".into();
        let why = crate::community::Feed::parse(feed.to_string().as_bytes())
            .unwrap_err()
            .0;
        assert_eq!(
            why,
            [
                "tips.public_key is not 32 bytes of base64",
                "places[1].code: a new code of lower-case letters, digits, _"
            ]
        );
    }

    #[test]
    fn the_demo_feed_carries_the_demo_units_key() {
        let feed = crate::community::Feed::parse(crate::community::demo_feed().as_bytes()).unwrap();
        assert_eq!(feed.tips.unwrap().public_key, demo_public_key());
    }

    #[test]
    fn the_sealed_length_does_not_tell_the_answers() {
        let tip = |category: &str, when: &str| AnonymousTip {
            item_code: "ZA-SQJW-04".into(),
            answers: vec![
                ("category".into(), category.into()),
                ("when".into(), when.into()),
            ],
            english: false,
            recipient: demo(),
        };
        let a = tip("drugs", "today").payload("v").unwrap();
        let b = tip("gambling", "this_week").payload("v").unwrap();
        let len = |p: &serde_json::Value| p["sealed"]["ciphertext"].as_str().unwrap().len();
        assert_eq!(len(&a), len(&b));
        let opened = open(&demo_secret_key(), &a["sealed"]).unwrap();
        assert_eq!(opened.len(), SEALED_SIZE);
        let v: serde_json::Value = serde_json::from_slice(&opened).unwrap();
        assert_eq!(v["answers"]["category"], "drugs");
    }

    #[test]
    fn a_pin_is_six_random_digits() {
        let pins: std::collections::HashSet<String> = (0..50).map(|_| new_pin()).collect();
        assert!(pins
            .iter()
            .all(|p| p.len() == PIN_DIGITS && p.bytes().all(|b| b.is_ascii_digit())));
        assert!(pins.len() > 45, "{pins:?}");
    }
}
