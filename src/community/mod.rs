//! The village police room's community data (一村(格)一警): who serves this terminal's village or
//! grid, when they are in the room, how to reach them and the station, and where other matters go.
//! It comes from upstream as one JSON document signed by the authority that signs the catalog
//! (`kept.rs` keeps it), and it is read only through [`Feed::in_force`]: a person past their
//! `valid_until`, or everyone once the feed is past its `expires_at`, is never shown — a stale
//! phone number on a police terminal is itself a fraud risk. What is always left is the
//! station's duty phone and 110.

pub mod card;
pub mod kept;
pub mod panel;
pub mod photo;
pub mod tip;

pub use tip::{PlaceName, TipRecipient};

use onetrip_drivers::id_card::Date;
use serde::{Deserialize, Serialize};

use crate::catalog::Text;

/// National numbers, the same everywhere; never from the feed.
pub const EMERGENCY: &str = "110";
pub const COMPLAINTS: &str = "12389";
pub const ANTI_FRAUD: &str = "96110";
pub const CITIZEN_HOTLINE: &str = "12345";

/// At most this many people on one terminal's panel (a village has one officer and a few helpers).
const MAX_PEOPLE: usize = 6;

/// The signed document, as upstream sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feed {
    /// Newer versions only (`2026.12.01`, compared like the catalog's).
    pub version: String,
    /// When the authority issued it: 信息更新于.
    pub issued: String,
    /// Past this date nobody is shown, only the duty phone and 110.
    pub expires_at: String,
    pub area: Area,
    pub people: Vec<Person>,
    /// Matters the officer does not handle, and where they go.
    #[serde(default)]
    pub elsewhere: Vec<Referral>,
    /// The nearest working terminals or rooms, for when this one cannot serve.
    #[serde(default)]
    pub nearest: Vec<Place>,
    /// The area's monthly 警情通报, anti-fraud alerts, notices: rotating on the idle screen,
    /// read in full from the panel.
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// Where anonymous tips go: the receiving unit and its public key. Without it (or once the
    /// feed has expired) the terminal takes no anonymous tip.
    #[serde(default)]
    pub tips: Option<TipRecipient>,
    /// The area's villages and landmarks, offered by name where a tip asks "where?".
    #[serde(default)]
    pub places: Vec<PlaceName>,
}

/// At most this many notices at once (a month's 通报 and a few alerts).
const MAX_NOTICES: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: Text,
    pub body: Text,
    /// Who issued it (the station, the city's anti-fraud centre).
    pub publisher: Text,
    /// When it was issued.
    pub date: String,
    /// Shown from this day to `valid_until`, both included.
    pub valid_from: String,
    pub valid_until: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 警情通报: the area's incidents of the month, de-identified.
    PoliceReport,
    /// 反诈预警: a current fraud, and 96110.
    AntiFraud,
    /// 通知.
    Notice,
}

impl NoticeKind {
    pub fn words(self, english: bool) -> &'static str {
        match (self, english) {
            (NoticeKind::PoliceReport, false) => "警情通报",
            (NoticeKind::PoliceReport, true) => "Police report",
            (NoticeKind::AntiFraud, false) => "反诈预警",
            (NoticeKind::AntiFraud, true) => "Fraud alert",
            (NoticeKind::Notice, false) => "通知",
            (NoticeKind::Notice, true) => "Notice",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// The village or grid.
    pub name: Text,
    pub room: Place,
    pub station: Station,
}

/// A police room or a terminal elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub name: Text,
    pub address: Text,
    /// Opening hours, as the room posts them.
    #[serde(default)]
    pub hours: Option<Text>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// The police station (派出所) the village belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    pub name: Text,
    /// Answered day and night.
    pub duty_phone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 社区民警: the village's own officer.
    CommunityOfficer,
    /// 包村民警: an officer of another post who also serves the village.
    VillageOfficer,
    /// 驻村辅警: an auxiliary, not a police officer, and labelled so (no 警号).
    Auxiliary,
    /// 禁毒专干.
    AntiDrugWorker,
}

impl Role {
    /// Only police officers carry a 警号; anyone else shown with one would lend a fraudster the
    /// look of an officer.
    pub fn is_police(self) -> bool {
        matches!(self, Role::CommunityOfficer | Role::VillageOfficer)
    }

    pub fn words(self, english: bool) -> &'static str {
        match (self, english) {
            (Role::CommunityOfficer, false) => "社区民警",
            (Role::CommunityOfficer, true) => "Community police officer",
            (Role::VillageOfficer, false) => "包村民警",
            (Role::VillageOfficer, true) => "Village liaison officer",
            (Role::Auxiliary, false) => "辅警（非人民警察）",
            (Role::Auxiliary, true) => "Auxiliary (not a police officer)",
            (Role::AntiDrugWorker, false) => "禁毒专干",
            (Role::AntiDrugWorker, true) => "Anti-drug worker",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub role: Role,
    pub name: Text,
    /// 警号, six digits; police officers only.
    #[serde(default)]
    pub badge: Option<String>,
    /// The official phone (never a private one).
    pub phone: String,
    /// A portrait, PNG in base64 (`photo.rs`: small, checked), shown on the panel.
    #[serde(default)]
    pub photo: Option<String>,
    /// Serving this village since.
    pub since: String,
    /// Not shown after this date.
    pub valid_until: String,
    /// What they handle here.
    #[serde(default)]
    pub duties: Vec<Text>,
    /// When they are in the room, as a week goes ("周二、周四 9:00–12:00").
    pub in_room: Text,
    /// Dated exceptions and today's whereabouts.
    #[serde(default)]
    pub days: Vec<Day>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Day {
    pub date: String,
    pub status: Presence,
    /// "15:00": back in the room at.
    #[serde(default)]
    pub back_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    InRoom,
    Visiting,
    OnLeave,
}

impl Presence {
    pub fn words(self, english: bool) -> &'static str {
        match (self, english) {
            (Presence::InRoom, false) => "在警务室",
            (Presence::InRoom, true) => "In the police room",
            (Presence::Visiting, false) => "下村走访",
            (Presence::Visiting, true) => "Out visiting the village",
            (Presence::OnLeave, false) => "休假",
            (Presence::OnLeave, true) => "On leave",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    pub matter: Text,
    pub to: Text,
    #[serde(default)]
    pub phone: Option<String>,
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Date::parse(&format!("{}{}{}", &s[0..4], &s[5..7], &s[8..10]))
}

/// A phone number as a citizen dials it: digits, with dashes between groups.
pub fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    // At most 16 characters: a large line of 58 mm paper, never split.
    (3..=15).contains(&digits)
        && s.len() <= 16
        && s.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && s[0..2].parse::<u8>().is_ok_and(|h| h < 24)
        && s[3..5].parse::<u8>().is_ok_and(|m| m < 60)
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
}

/// A text of the feed: both languages, and no longer than `max` characters (three times that
/// in English).
fn text_problems(t: &Text, what: &str, max: usize, p: &mut Vec<String>) {
    if t.zh.trim().is_empty() || t.en.trim().is_empty() {
        p.push(format!("{what}: both languages are needed"));
    }
    if t.zh.chars().count() > max || t.en.chars().count() > max * 3 {
        p.push(format!("{what}: longer than a screen line allows"));
    }
}

/// Why a feed is refused, one line per problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the community feed is invalid ({} problems; first: {})", .0.len(), .0.first().cloned().unwrap_or_default())]
pub struct Invalid(pub Vec<String>);

impl Feed {
    /// Parses and checks a document; every problem is named.
    pub fn parse(bytes: &[u8]) -> Result<Feed, Invalid> {
        let feed: Feed = serde_json::from_slice(bytes).map_err(|e| Invalid(vec![e.to_string()]))?;
        let problems = feed.problems();
        if problems.is_empty() {
            Ok(feed)
        } else {
            Err(Invalid(problems))
        }
    }

    fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let text = text_problems;
        if crate::catalog::version_order(&self.version).is_none() {
            p.push(format!(
                "version {:?} has no numbers to order by",
                self.version
            ));
        }
        let issued = parse_date(&self.issued);
        let expires = parse_date(&self.expires_at);
        match (issued, expires) {
            (Some(i), Some(e)) if e < i => p.push("expires_at is before issued".into()),
            (Some(_), Some(_)) => {}
            _ => p.push("issued and expires_at must be dates (YYYY-MM-DD)".into()),
        }
        text(&self.area.name, "area.name", 24, &mut p);
        self.place_problems(&self.area.room, "area.room", &mut p);
        text(&self.area.station.name, "area.station.name", 24, &mut p);
        if !is_phone(&self.area.station.duty_phone) {
            p.push("area.station.duty_phone is not a phone number".into());
        }
        if self.people.len() > MAX_PEOPLE {
            p.push(format!("more than {MAX_PEOPLE} people"));
        }
        for (i, person) in self.people.iter().enumerate() {
            let at = format!("people[{i}]");
            text(&person.name, &format!("{at}.name"), 8, &mut p);
            match (&person.badge, person.role.is_police()) {
                (Some(b), true) if b.len() == 6 && b.bytes().all(|c| c.is_ascii_digit()) => {}
                (_, true) => p.push(format!("{at}: a police officer's 警号 is six digits")),
                (Some(_), false) => p.push(format!("{at}: only a police officer carries a 警号")),
                (None, false) => {}
            }
            if !is_phone(&person.phone) {
                p.push(format!("{at}.phone is not a phone number"));
            }
            if let Some(Err(why)) = person.photo.as_deref().map(photo::decode) {
                p.push(format!("{at}.photo: {why}"));
            }
            if parse_date(&person.since).is_none() || parse_date(&person.valid_until).is_none() {
                p.push(format!("{at}: since and valid_until must be dates"));
            }
            text(&person.in_room, &format!("{at}.in_room"), 40, &mut p);
            for d in &person.duties {
                text(d, &format!("{at}.duties"), 24, &mut p);
            }
            for d in &person.days {
                if parse_date(&d.date).is_none()
                    || d.back_at.as_deref().is_some_and(|t| !is_time(t))
                {
                    p.push(format!(
                        "{at}.days: a date (YYYY-MM-DD) and back_at (HH:MM)"
                    ));
                }
            }
        }
        for r in &self.elsewhere {
            text(&r.matter, "elsewhere.matter", 24, &mut p);
            text(&r.to, "elsewhere.to", 24, &mut p);
            if r.phone.as_deref().is_some_and(|x| !is_phone(x)) {
                p.push("elsewhere.phone is not a phone number".into());
            }
        }
        for (i, place) in self.nearest.iter().enumerate() {
            self.place_problems(place, &format!("nearest[{i}]"), &mut p);
        }
        tip::problems(self.tips.as_ref(), &self.places, &mut p);
        if self.notices.len() > MAX_NOTICES {
            p.push(format!("more than {MAX_NOTICES} notices"));
        }
        for (i, n) in self.notices.iter().enumerate() {
            let at = format!("notices[{i}]");
            text(&n.title, &format!("{at}.title"), 30, &mut p);
            text(&n.body, &format!("{at}.body"), 300, &mut p);
            text(&n.publisher, &format!("{at}.publisher"), 24, &mut p);
            match (
                parse_date(&n.date),
                parse_date(&n.valid_from),
                parse_date(&n.valid_until),
            ) {
                (Some(_), Some(from), Some(until)) if from <= until => {}
                _ => p.push(format!(
                    "{at}: date, valid_from and valid_until must be dates, valid_from first"
                )),
            }
        }
        p
    }

    fn place_problems(&self, place: &Place, what: &str, p: &mut Vec<String>) {
        for (t, part) in [(&place.name, "name"), (&place.address, "address")]
            .into_iter()
            .chain(place.hours.as_ref().map(|h| (h, "hours")))
        {
            if t.zh.trim().is_empty() || t.en.trim().is_empty() {
                p.push(format!("{what}.{part}: both languages are needed"));
            }
            if t.zh.chars().count() > 40 {
                p.push(format!("{what}.{part}: longer than a screen line allows"));
            }
        }
        if place.phone.as_deref().is_some_and(|x| !is_phone(x)) {
            p.push(format!("{what}.phone is not a phone number"));
        }
    }

    /// What may be shown on `today`: the people still valid, none once the feed has expired.
    pub fn in_force(&self, today: Date) -> InForce<'_> {
        let expired = parse_date(&self.expires_at).is_none_or(|e| today > e);
        let people = if expired {
            Vec::new()
        } else {
            self.people
                .iter()
                .filter(|p| parse_date(&p.valid_until).is_some_and(|until| today <= until))
                .collect()
        };
        let notices = if expired {
            Vec::new()
        } else {
            self.notices
                .iter()
                .filter(|n| {
                    parse_date(&n.valid_from).is_some_and(|from| from <= today)
                        && parse_date(&n.valid_until).is_some_and(|until| today <= until)
                })
                .collect()
        };
        InForce {
            feed: self,
            expired,
            people,
            notices,
            tips: if expired { None } else { self.tips.as_ref() },
            places: if expired { &[] } else { &self.places },
        }
    }
}

/// The feed as it may be shown on one day.
#[derive(Debug, Clone)]
pub struct InForce<'a> {
    pub feed: &'a Feed,
    /// Past `expires_at`: only the duty phone and 110.
    pub expired: bool,
    pub people: Vec<&'a Person>,
    /// The notices of the day (none once the feed has expired).
    pub notices: Vec<&'a Notice>,
    /// Where anonymous tips go (none once the feed has expired: a key nobody vouches for now).
    pub tips: Option<&'a TipRecipient>,
    /// Place names for a tip (none once expired).
    pub places: &'a [PlaceName],
}

impl Person {
    /// Where they are on `today`, if the feed says.
    pub fn on(&self, today: Date) -> Option<&Day> {
        self.days
            .iter()
            .find(|d| parse_date(&d.date) == Some(today))
    }
}

/// The demo's feed: a Zhengzhou village, its people and numbers plainly fictional.
#[cfg(feature = "dev-tools")]
pub fn demo_feed() -> &'static str {
    include_str!("../../assets/community/demo.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn sample() -> Feed {
        Feed::parse(include_bytes!("../../assets/community/demo.json")).unwrap()
    }

    #[test]
    fn the_demo_feed_is_valid_and_names_its_people_fictional() {
        let feed = sample();
        assert!(feed.people.len() >= 2);
        assert!(feed
            .people
            .iter()
            .any(|p| p.role == Role::Auxiliary && p.badge.is_none()));
        assert!(feed.area.name.zh.contains("示例"), "{}", feed.area.name.zh);
    }

    #[test]
    fn a_person_past_valid_until_and_everyone_past_expiry_are_not_shown() {
        let feed = sample();
        let issued = date(&feed.issued);
        let all = feed.in_force(issued);
        assert!(!all.expired);
        assert_eq!(all.people.len(), feed.people.len());
        // The auxiliary's assignment ends first.
        let first_end = feed
            .people
            .iter()
            .map(|p| date(&p.valid_until))
            .min()
            .unwrap();
        let after = Date {
            day: first_end.day + 1,
            ..first_end
        };
        assert_eq!(feed.in_force(first_end).people.len(), feed.people.len());
        assert_eq!(feed.in_force(after).people.len(), feed.people.len() - 1);
        let past = Date {
            year: date(&feed.expires_at).year + 1,
            ..date(&feed.expires_at)
        };
        let expired = feed.in_force(past);
        assert!(expired.expired && expired.people.is_empty());
    }

    #[test]
    fn a_badge_on_an_auxiliary_a_short_badge_and_a_bad_phone_are_refused() {
        let mut feed = sample();
        let aux = feed
            .people
            .iter()
            .position(|p| p.role == Role::Auxiliary)
            .unwrap();
        feed.people[aux].badge = Some("123456".into());
        feed.people[0].phone = "0371-6666-XXXX".into();
        let bytes = serde_json::to_vec(&feed).unwrap();
        let Invalid(problems) = Feed::parse(&bytes).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("only a police officer")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.contains("phone")), "{problems:?}");
        let mut feed = sample();
        feed.people[0].badge = Some("12345".into());
        let Invalid(problems) = Feed::parse(&serde_json::to_vec(&feed).unwrap()).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("six digits")),
            "{problems:?}"
        );
    }

    #[test]
    fn notices_show_within_their_days_and_not_past_the_feeds_expiry() {
        let feed = sample();
        let titles = |d: &str| -> Vec<String> {
            feed.in_force(date(d))
                .notices
                .iter()
                .map(|n| n.title.zh.clone())
                .collect()
        };
        assert_eq!(titles("2026-12-01").len(), 2);
        // The anti-fraud alert runs to the end of January; the month's report to the end of the month.
        assert_eq!(titles("2027-01-15").len(), 1);
        assert!(titles("2028-01-01").is_empty());
        let mut broken = sample();
        broken.notices[0].valid_until = "2026-01-01".into();
        let Invalid(problems) = Feed::parse(&serde_json::to_vec(&broken).unwrap()).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("valid_from first")),
            "{problems:?}"
        );
    }

    #[test]
    fn phones_are_digits_with_dashes() {
        for ok in ["110", "0371-12345678", "13800000000"] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in [
            "",
            "12",
            "0371 1234",
            "+86-371",
            "-110",
            "110-",
            "0371--1",
            "1".repeat(16).as_str(),
        ] {
            assert!(!is_phone(bad), "{bad}");
        }
    }
}
