//! The community panel as it reads on one day, in one language: what the screen shows and the
//! contact card prints. Only what [`Feed::in_force`] lets through; without a feed, or past its
//! expiry, the people are gone and the station's duty phone (the feed's, or the terminal's
//! configured one) and 110 remain.

use onetrip_drivers::id_card::Date;

use super::{Feed, NoticeKind, Place, Presence, Role};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Panel {
    pub english: bool,
    /// The village or grid ("" without a feed).
    pub area: String,
    pub people: Vec<PanelPerson>,
    pub room: Option<PanelPlace>,
    pub station: String,
    /// The station's 24-hour phone: the feed's, else the terminal's configured one.
    pub duty_phone: Option<String>,
    /// 信息更新于 (the feed's issue date; "" without one).
    pub updated: String,
    /// Why no person is shown ("" when people are shown).
    pub why_nobody: String,
    /// (matter, where to, phone) for what the officer does not handle.
    pub elsewhere: Vec<(String, String, String)>,
    /// Where else to go when this terminal or room cannot help.
    pub nearest: Vec<PanelPlace>,
    /// The notices of the day.
    pub notices: Vec<PanelNotice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelNotice {
    pub kind: NoticeKind,
    /// 警情通报, 反诈预警, 通知.
    pub kind_words: String,
    pub title: String,
    pub body: String,
    pub publisher: String,
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelPerson {
    pub role: Role,
    pub role_words: String,
    pub name: String,
    /// "警号 000001" for officers; "" otherwise.
    pub badge: String,
    pub phone: String,
    /// The week's pattern in the room.
    pub in_room: String,
    /// Today, if the feed says: "下村走访，15:00 回警务室".
    pub today: String,
    pub today_status: Option<Presence>,
    pub duties: Vec<String>,
    /// The feed's portrait (PNG, base64; checked with the feed), if any.
    pub photo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelPlace {
    pub name: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
}

impl PanelPlace {
    fn of(p: &Place, english: bool) -> PanelPlace {
        PanelPlace {
            name: p.name.get(english).to_string(),
            address: p.address.get(english).to_string(),
            hours: p
                .hours
                .as_ref()
                .map(|h| h.get(english).to_string())
                .unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
        }
    }
}

impl Panel {
    /// The panel on `day`; today's whereabouts only with `whereabouts` (the wall clock's date is
    /// `day`: a clock behind the feed cannot say where anyone is today).
    pub fn new(
        feed: Option<&Feed>,
        day: Date,
        whereabouts: bool,
        english: bool,
        configured_duty_phone: Option<&str>,
    ) -> Panel {
        let words = |zh: &str, en: &str| {
            if english {
                en.to_string()
            } else {
                zh.to_string()
            }
        };
        let Some(feed) = feed else {
            return Panel {
                english,
                duty_phone: configured_duty_phone.map(str::to_string),
                why_nobody: words(
                    "本机暂无社区民警信息。紧急情况请拨打110。",
                    "This terminal has no community officer details yet. In an emergency, call 110.",
                ),
                ..Panel::default()
            };
        };
        let in_force = feed.in_force(day);
        let mut people: Vec<PanelPerson> = in_force
            .people
            .iter()
            .map(|p| {
                let on = p.on(day).filter(|_| whereabouts);
                let today = on
                    .map(|d| {
                        let status = d.status.words(english);
                        match (&d.back_at, d.status) {
                            (Some(t), Presence::Visiting | Presence::OnLeave) => words(
                                &format!("今日{status}，{t} 回警务室"),
                                &format!("Today: {status}; back in the room at {t}"),
                            ),
                            _ => words(&format!("今日{status}"), &format!("Today: {status}")),
                        }
                    })
                    .unwrap_or_default();
                PanelPerson {
                    role: p.role,
                    role_words: p.role.words(english).to_string(),
                    name: p.name.get(english).to_string(),
                    badge: match (&p.badge, p.role.is_police()) {
                        (Some(b), true) => words(&format!("警号 {b}"), &format!("Badge {b}")),
                        _ => String::new(),
                    },
                    phone: p.phone.clone(),
                    in_room: p.in_room.get(english).to_string(),
                    today,
                    today_status: on.map(|d| d.status),
                    duties: p
                        .duties
                        .iter()
                        .map(|d| d.get(english).to_string())
                        .collect(),
                    photo: p.photo.clone(),
                }
            })
            .collect();
        // Police officers first: the out-of-service screen and the call-back show the first.
        people.sort_by_key(|p| !p.role.is_police());
        let why_nobody = if in_force.expired {
            words(
                "社区民警信息已过期，正在等待更新。请拨打派出所值班电话，紧急情况请拨打110。",
                "The community officer details are out of date and awaiting an update. Please call the station's duty phone; in an emergency, call 110.",
            )
        } else if people.is_empty() {
            words(
                "本村民警信息正在更新。请拨打派出所值班电话，紧急情况请拨打110。",
                "The village officer details are being updated. Please call the station's duty phone; in an emergency, call 110.",
            )
        } else {
            String::new()
        };
        Panel {
            english,
            area: feed.area.name.get(english).to_string(),
            // The room's address and hours are the people's: gone with them.
            room: (!people.is_empty()).then(|| PanelPlace::of(&feed.area.room, english)),
            people,
            station: feed.area.station.name.get(english).to_string(),
            // Past the feed's expiry, the terminal's own configured number first.
            duty_phone: match (in_force.expired, configured_duty_phone) {
                (true, Some(configured)) => Some(configured.to_string()),
                _ => Some(feed.area.station.duty_phone.clone()),
            },
            updated: feed.issued.clone(),
            why_nobody,
            // Referrals carry phone numbers too: none from an expired feed.
            elsewhere: feed
                .elsewhere
                .iter()
                .filter(|_| !in_force.expired)
                .map(|r| {
                    (
                        r.matter.get(english).to_string(),
                        r.to.get(english).to_string(),
                        r.phone.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            nearest: if in_force.expired {
                Vec::new()
            } else {
                feed.nearest
                    .iter()
                    .map(|p| PanelPlace::of(p, english))
                    .collect()
            },
            notices: in_force
                .notices
                .iter()
                .map(|n| PanelNotice {
                    kind: n.kind,
                    kind_words: n.kind.words(english).to_string(),
                    title: n.title.get(english).to_string(),
                    body: n.body.get(english).to_string(),
                    publisher: n.publisher.get(english).to_string(),
                    date: n.date.clone(),
                })
                .collect(),
        }
    }

    /// The first police officer (the one a villager most needs to reach).
    pub fn officer(&self) -> Option<&PanelPerson> {
        self.people.iter().find(|p| p.role.is_police())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::parse_date;

    fn feed() -> Feed {
        Feed::parse(include_bytes!("../../assets/community/demo.json")).unwrap()
    }

    #[test]
    fn today_status_and_badges_read_as_a_villager_needs() {
        let f = feed();
        let p = Panel::new(
            Some(&f),
            parse_date("2026-12-07").unwrap(),
            true,
            false,
            None,
        );
        assert_eq!(p.area, "示例村（演示数据）");
        let officer = p.officer().unwrap();
        assert_eq!(officer.badge, "警号 000001");
        assert_eq!(officer.today, "今日下村走访，15:00 回警务室");
        let aux = p.people.iter().find(|x| x.role == Role::Auxiliary).unwrap();
        assert_eq!(
            (aux.badge.as_str(), aux.role_words.as_str()),
            ("", "辅警（非人民警察）")
        );
        assert_eq!(p.duty_phone.as_deref(), Some("0371-5550-0110"));
        assert!(p.why_nobody.is_empty() && p.room.is_some());
    }

    #[test]
    fn without_a_feed_or_past_its_expiry_only_the_duty_phone_and_110_remain() {
        let none = Panel::new(
            None,
            parse_date("2026-12-07").unwrap(),
            true,
            false,
            Some("0371-1234-5678"),
        );
        assert!(none.people.is_empty() && none.room.is_none());
        assert_eq!(none.duty_phone.as_deref(), Some("0371-1234-5678"));
        assert!(none.why_nobody.contains("110"));
        let f = feed();
        let expired = Panel::new(
            Some(&f),
            parse_date("2028-01-01").unwrap(),
            true,
            true,
            None,
        );
        assert!(expired.people.is_empty() && expired.room.is_none() && expired.nearest.is_empty());
        assert_eq!(expired.duty_phone.as_deref(), Some("0371-5550-0110"));
        assert!(
            expired.why_nobody.contains("out of date"),
            "{}",
            expired.why_nobody
        );
    }
}
