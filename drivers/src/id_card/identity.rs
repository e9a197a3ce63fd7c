//! The 256-byte text block of a card, parsed into a typed identity.
//!
//! Fields are UCS-2LE, space padded. The card type marker at byte 248 tells the layouts apart:
//! spaces for the resident card, `J` for the HK/Macau/Taiwan residence permit, `I` for the old
//! foreigner's permanent residence card and `Y` for the 2023 one.

use serde::Serialize;

use super::codes::nation_name;

pub const TEXT_LEN: usize = 256;
pub const PHOTO_LEN: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardType {
    Resident,
    HmtResidence,
    ForeignPermanent,
    ForeignPermanent2023,
}

impl CardType {
    pub fn is_foreign(self) -> bool {
        matches!(
            self,
            CardType::ForeignPermanent | CardType::ForeignPermanent2023
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

/// A calendar date as printed on the card.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYYMMDD`.
    pub fn parse(s: &str) -> Option<Date> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year = s[0..4].parse().ok()?;
        let month = s[4..6].parse().ok()?;
        let day = s[6..8].parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date { year, month, day })
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::fmt::Debug for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Until(Date),
    /// 长期: valid for life.
    LongTerm,
}

impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validity::Until(d) => d.fmt(f),
            Validity::LongTerm => f.write_str("long_term"),
        }
    }
}

/// Who the card says the holder is. Personal data throughout: `Debug` prints only the card type,
/// so an identity can never leak into a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    pub card_type: CardType,
    /// Chinese name (or the English name when the card has no Chinese one).
    pub name: String,
    pub english_name: Option<String>,
    pub sex: Sex,
    /// Chinese name of the nation; `None` on cards without one or with an unknown code.
    pub nation: Option<String>,
    pub birth_date: Option<Date>,
    pub address: String,
    /// The 18-character ID number, or the permit number on foreigners' cards.
    pub id_number: String,
    pub id_number_valid: bool,
    pub issuer: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Validity>,
    /// GB/T 2659 three-letter code on foreigners' cards.
    pub nationality: Option<String>,
    /// The residence permit's own number ('J' cards).
    pub permit_number: Option<String>,
    /// WLT-compressed photo: opaque, dropped with the session, never stored.
    pub photo: Vec<u8>,
    /// The text block as read, for fields this parser does not yet know.
    pub raw_text: Vec<u8>,
}

/// Wiped when dropped: every copy of a citizen's card data (the session's, a form's prefill, a
/// submission's) is overwritten with zeros when it goes, not just given back to the allocator.
impl Drop for Identity {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Identity {
    /// Overwrites every personal field with zeros and empties it.
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        for s in [
            &mut self.name,
            &mut self.address,
            &mut self.id_number,
            &mut self.issuer,
        ] {
            s.zeroize();
        }
        for s in [
            &mut self.english_name,
            &mut self.nation,
            &mut self.nationality,
            &mut self.permit_number,
        ]
        .into_iter()
        .flatten()
        {
            s.zeroize();
        }
        self.photo.zeroize();
        self.raw_text.zeroize();
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("card_type", &self.card_type)
            .finish_non_exhaustive()
    }
}

/// Decodes a UCS-2LE field, dropping space and NUL padding. Unpaired surrogates become U+FFFD and
/// private-use characters are kept as they are: a worn card still reads.
pub fn ucs2(bytes: &[u8]) -> String {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    s.trim_matches(|c: char| c == ' ' || c == '\0').to_string()
}

/// Encodes a field into UCS-2LE, padded with spaces to `len` bytes (used by the simulator).
pub fn ucs2_field(text: &str, len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    out.truncate(len);
    while out.len() < len {
        out.extend_from_slice(&[0x20, 0x00]);
    }
    out
}

/// GB 11643-1999 check digit (ISO 7064 MOD 11-2) of an 18-character ID number.
pub fn id_number_valid(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    check_char(&id[..17]).is_some_and(|c| b[17].to_ascii_uppercase() == c as u8)
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

fn sex(code: &str) -> Sex {
    match code {
        "1" => Sex::Male,
        "2" => Sex::Female,
        _ => Sex::Unknown,
    }
}

fn validity(field: &[u8]) -> Option<Validity> {
    let s = ucs2(field);
    if s.starts_with("长期") {
        Some(Validity::LongTerm)
    } else {
        Date::parse(&s).map(Validity::Until)
    }
}

fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Where a foreign permanent-residence card keeps each field: byte ranges of its UCS-2 text.
/// The two generations differ only in these offsets (validity sits at 188..220 in both).
struct ForeignLayout {
    chinese_name: (usize, usize),
    english_name: (usize, usize),
    sex: (usize, usize),
    birth_date: (usize, usize),
    id_number: (usize, usize),
    nationality: (usize, usize),
    /// The 2023 layout's issuer field is not settled by the sources: kept in `raw_text` only.
    issuer: Option<(usize, usize)>,
}

const FOREIGN_OLD: ForeignLayout = ForeignLayout {
    chinese_name: (158, 188),
    english_name: (0, 120),
    sex: (120, 122),
    birth_date: (220, 236),
    id_number: (122, 152),
    nationality: (152, 158),
    issuer: Some((240, 248)),
};

const FOREIGN_2023: ForeignLayout = ForeignLayout {
    chinese_name: (0, 30),
    english_name: (52, 122),
    sex: (30, 32),
    birth_date: (36, 52),
    id_number: (122, 158),
    nationality: (242, 248),
    issuer: None,
};

/// The card type from the marker at byte 248.
pub fn card_type(text: &[u8]) -> CardType {
    match text.get(248) {
        Some(b'J') => CardType::HmtResidence,
        Some(b'I') => CardType::ForeignPermanent,
        Some(b'Y') => CardType::ForeignPermanent2023,
        _ => CardType::Resident,
    }
}

/// Parses a text block; a block shorter than 256 bytes is padded, so parsing never fails or panics.
pub fn parse(text: &[u8], photo: Vec<u8>) -> Identity {
    let mut t = [0x20u8; TEXT_LEN];
    let n = text.len().min(TEXT_LEN);
    t[..n].copy_from_slice(&text[..n]);
    let f = |a: usize, b: usize| ucs2(&t[a..b]);
    let kind = card_type(&t);
    let mut id = match kind {
        CardType::Resident | CardType::HmtResidence => Identity {
            card_type: kind,
            name: f(0, 30),
            english_name: None,
            sex: sex(&f(30, 32)),
            nation: nation_name(&f(32, 36)).map(str::to_string),
            birth_date: Date::parse(&f(36, 52)),
            address: f(52, 122),
            id_number: f(122, 158),
            id_number_valid: false,
            issuer: f(158, 188),
            valid_from: Date::parse(&f(188, 204)),
            valid_until: validity(&t[204..220]),
            nationality: None,
            permit_number: (kind == CardType::HmtResidence)
                .then(|| f(220, 238))
                .and_then(opt),
            photo,
            raw_text: t.to_vec(),
        },
        CardType::ForeignPermanent | CardType::ForeignPermanent2023 => {
            let l = if kind == CardType::ForeignPermanent {
                &FOREIGN_OLD
            } else {
                &FOREIGN_2023
            };
            let field = |(a, b): (usize, usize)| f(a, b);
            let english = field(l.english_name);
            let chinese = field(l.chinese_name);
            Identity {
                card_type: kind,
                name: if chinese.is_empty() {
                    english.clone()
                } else {
                    chinese
                },
                english_name: opt(english),
                sex: sex(&field(l.sex)),
                nation: None,
                birth_date: Date::parse(&field(l.birth_date)),
                address: String::new(),
                id_number: field(l.id_number),
                id_number_valid: false,
                issuer: l.issuer.map(field).unwrap_or_default(),
                valid_from: Date::parse(&f(188, 204)),
                valid_until: validity(&t[204..220]),
                nationality: opt(field(l.nationality)),
                permit_number: None,
                photo,
                raw_text: t.to_vec(),
            }
        }
    };
    id.id_number_valid = id_number_valid(&id.id_number);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiping_leaves_no_personal_field() {
        let card = crate::id_card::sim::SimCard::resident_sample();
        let mut id = parse(&card.text, card.photo.clone());
        assert!(!id.name.is_empty() && !id.photo.is_empty());
        id.wipe();
        assert!(id.name.is_empty() && id.address.is_empty() && id.id_number.is_empty());
        assert!(id.photo.is_empty() && id.raw_text.is_empty() && id.issuer.is_empty());
    }
    use crate::id_card::sim::SimCard;

    #[test]
    fn check_digit_vectors() {
        assert!(id_number_valid("11010519491231002X"));
        assert!(id_number_valid("11010519491231002x"));
        assert!(id_number_valid("440524188001010014"));
        assert!(!id_number_valid("110105194912310021"));
        assert!(!id_number_valid("1101051949123100"));
        assert!(!id_number_valid("11010519491231002Y"));
        assert!(!id_number_valid("A1010519491231002X"));
        assert_eq!(check_char("11010519491231002"), Some('X'));
    }

    #[test]
    fn resident_card_parses_every_field() {
        let card = SimCard::resident_sample();
        let id = parse(&card.text, card.photo.clone());
        assert_eq!(id.card_type, CardType::Resident);
        assert_eq!(id.name, "张晓明");
        assert_eq!(id.sex, Sex::Male);
        assert_eq!(id.nation.as_deref(), Some("汉"));
        assert_eq!(id.birth_date.unwrap().to_string(), "1985-03-12");
        assert_eq!(id.address, "浙江省杭州市西湖区文三路100号");
        assert_eq!(id.id_number, "330106198503121231");
        assert!(id.id_number_valid);
        assert_eq!(id.issuer, "杭州市公安局西湖分局");
        assert_eq!(id.valid_from.unwrap().to_string(), "2015-06-01");
        assert_eq!(id.valid_until.unwrap().to_string(), "2035-06-01");
        assert_eq!(id.photo.len(), PHOTO_LEN);
    }

    #[test]
    fn long_term_validity_and_minority_nation() {
        let card = SimCard::elderly_long_term_sample();
        let id = parse(&card.text, Vec::new());
        assert_eq!(id.valid_until, Some(Validity::LongTerm));
        assert_eq!(id.valid_until.unwrap().to_string(), "long_term");
        assert_eq!(id.nation.as_deref(), Some("维吾尔"));
        assert_eq!(id.sex, Sex::Female);
    }

    #[test]
    fn hmt_permit_has_its_own_number() {
        let card = SimCard::hmt_sample();
        let id = parse(&card.text, Vec::new());
        assert_eq!(id.card_type, CardType::HmtResidence);
        assert_eq!(id.nation, None);
        assert_eq!(id.permit_number.as_deref(), Some("H60123456"));
        assert!(id.id_number_valid);
    }

    #[test]
    fn foreign_permanent_cards_of_both_generations() {
        let old = parse(&SimCard::foreign_old_sample().text, Vec::new());
        assert_eq!(old.card_type, CardType::ForeignPermanent);
        assert_eq!(old.english_name.as_deref(), Some("SMITH, JOHN"));
        assert_eq!(old.name, "史密斯");
        assert_eq!(old.nationality.as_deref(), Some("GBR"));
        assert_eq!(old.id_number, "GBR310075060711");
        assert!(!old.id_number_valid);
        assert_eq!(old.birth_date.unwrap().to_string(), "1975-06-07");

        let new = parse(&SimCard::foreign_2023_sample().text, Vec::new());
        assert_eq!(new.card_type, CardType::ForeignPermanent2023);
        assert_eq!(new.english_name.as_deref(), Some("MUELLER, ANNA"));
        assert_eq!(new.nationality.as_deref(), Some("DEU"));
        assert!(new.card_type.is_foreign());
    }

    #[test]
    fn rare_and_private_use_characters_survive() {
        let card = SimCard::rare_character_sample();
        let id = parse(&card.text, Vec::new());
        assert_eq!(id.name, "王\u{E000}䶮");
    }

    #[test]
    fn garbage_text_never_panics() {
        let mut t = vec![0xFFu8; 256];
        t[10] = 0xD8; // lone surrogate
        let id = parse(&t, Vec::new());
        assert!(!id.id_number_valid);
        let short = parse(&[1, 2, 3], Vec::new());
        assert_eq!(short.card_type, CardType::Resident);
    }

    #[test]
    fn debug_never_prints_personal_fields() {
        let card = SimCard::resident_sample();
        let id = parse(&card.text, Vec::new());
        let shown = format!("{id:?}");
        assert!(!shown.contains("张晓明"));
        assert!(!shown.contains("330106"));
    }
}
