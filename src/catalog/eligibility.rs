//! Who can apply: the rules an item states, checked against the card that was tapped. A failed rule
//! becomes a plain sentence: "you cannot apply here because …".

use onetrip_drivers::id_card::{CardType, Date, Identity, Validity};

use super::{CardKind, Item, Rule, Text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    Eligible,
    /// Every reason the card rules the citizen out, in both languages.
    NotEligible(Vec<Text>),
}

fn kind_of(card: CardType) -> CardKind {
    match card {
        CardType::Resident => CardKind::Resident,
        CardType::HmtResidence => CardKind::HmtResidence,
        CardType::ForeignPermanent | CardType::ForeignPermanent2023 => CardKind::ForeignPermanent,
    }
}

fn card_name(kind: CardKind) -> Text {
    let (zh, en) = match kind {
        CardKind::Resident => ("居民身份证", "the resident ID card"),
        CardKind::HmtResidence => ("港澳台居民居住证", "the HK/Macao/Taiwan residence permit"),
        CardKind::ForeignPermanent => (
            "外国人永久居留身份证",
            "the foreigner's permanent residence ID card",
        ),
    };
    Text {
        zh: zh.into(),
        en: en.into(),
    }
}

/// Full years from `birth` to `today`.
pub fn age(birth: Date, today: Date) -> u32 {
    let mut years = today.year.saturating_sub(birth.year) as u32;
    if (today.month, today.day) < (birth.month, birth.day) {
        years = years.saturating_sub(1);
    }
    years
}

/// `months` after `d`, on the same day of the month (or the month's last day).
fn add_months(d: Date, months: u32) -> Date {
    let m = d.month as u32 - 1 + months;
    let (year, month) = (d.year + (m / 12) as u16, (m % 12 + 1) as u8);
    let last = match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    Date {
        year,
        month,
        day: d.day.min(last),
    }
}

pub fn check(item: &Item, who: &Identity, today: Date) -> Eligibility {
    let mut reasons = Vec::new();
    for rule in &item.eligibility {
        let failed = match rule {
            Rule::MinAge { years } => match who.birth_date {
                Some(b) if age(b, today) >= *years => None,
                _ => Some(Text {
                    zh: format!("本事项须年满 {years} 周岁"),
                    en: format!("this item is for people aged {years} or over"),
                }),
            },
            Rule::MaxAge { years } => match who.birth_date {
                Some(b) if age(b, today) <= *years => None,
                _ => Some(Text {
                    zh: format!("本事项仅限 {years} 周岁以下"),
                    en: format!("this item is for people aged {years} or under"),
                }),
            },
            Rule::CardTypes { types } => {
                if types.contains(&kind_of(who.card_type)) {
                    None
                } else {
                    let names: Vec<Text> = types.iter().map(|k| card_name(*k)).collect();
                    let zh: Vec<&str> = names.iter().map(|t| t.zh.as_str()).collect();
                    let en: Vec<&str> = names.iter().map(|t| t.en.as_str()).collect();
                    Some(Text {
                        zh: format!("本事项须持{}办理", zh.join("或")),
                        en: format!("this item needs {}", en.join(" or ")),
                    })
                }
            }
            Rule::ExpiresWithin { months } => match who.valid_until {
                Some(Validity::Until(d)) if d <= add_months(today, *months) => None,
                _ => Some(Text {
                    zh: format!("证件有效期满前 {months} 个月内方可换领"),
                    en: format!("a card can be renewed from {months} months before it expires"),
                }),
            },
            Rule::CardNotExpired => match who.valid_until {
                Some(Validity::LongTerm) => None,
                Some(Validity::Until(d)) if d >= today => None,
                _ => Some(Text {
                    zh: "您的证件已过有效期，请先换领".into(),
                    en: "your card has expired; please renew it first".into(),
                }),
            },
        };
        reasons.extend(failed);
    }
    if reasons.is_empty() {
        Eligibility::Eligible
    } else {
        Eligibility::NotEligible(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::shipped;
    use onetrip_drivers::id_card::identity::parse;
    use onetrip_drivers::id_card::sim::SimCard;

    fn card(c: SimCard) -> Identity {
        parse(&c.text, c.photo)
    }

    const TODAY: Date = Date {
        year: 2026,
        month: 11,
        day: 29,
    };

    #[test]
    fn ages_count_birthdays() {
        let b = Date {
            year: 2010,
            month: 11,
            day: 30,
        };
        assert_eq!(age(b, TODAY), 15);
        assert_eq!(
            age(
                b,
                Date {
                    year: 2026,
                    month: 11,
                    day: 30
                }
            ),
            16
        );
    }

    #[test]
    fn shipped_rules_against_sample_cards() {
        let c = shipped();
        // Repeat HK/Macao endorsement: resident card holders only.
        let endorsement = c.item("CRJ-QZ-01").unwrap();
        assert_eq!(
            check(endorsement, &card(SimCard::resident_sample()), TODAY),
            Eligibility::Eligible
        );
        let Eligibility::NotEligible(why) =
            check(endorsement, &card(SimCard::foreign_old_sample()), TODAY)
        else {
            panic!("a foreigner cannot renew a mainland resident's endorsement")
        };
        assert_eq!(why[0].zh, "本事项须持居民身份证办理");

        // A driving licence is held from 18: a 14-year-old's card rules the renewal out.
        let renewal = c.item("JG-JSZ-01").unwrap();
        let mut minor = card(SimCard::resident_sample());
        minor.birth_date = Some(Date {
            year: 2012,
            month: 1,
            day: 1,
        });
        let Eligibility::NotEligible(why) = check(renewal, &minor, TODAY) else {
            panic!("a 14-year-old is ruled out")
        };
        assert_eq!(why[0].zh, "本事项须年满 18 周岁");
        assert_eq!(why[0].en, "this item is for people aged 18 or over");

        // The no-criminal-record certificate needs a valid card.
        let wfz = c.item("ZA-FZJL-01").unwrap();

        let mut expired = card(SimCard::resident_sample());
        expired.valid_until = Some(Validity::Until(Date {
            year: 2020,
            month: 1,
            day: 1,
        }));
        assert!(matches!(
            check(wfz, &expired, TODAY),
            Eligibility::NotEligible(_)
        ));
    }

    /// An ID card is renewed from 3 months before it expires (or once it has): not years early,
    /// and never a card valid for life.
    #[test]
    fn a_card_is_renewed_only_in_its_window() {
        let renew = shipped().item("HZ-SFZ-02").unwrap().clone();
        let until = |year, month, day| {
            let mut who = card(SimCard::resident_sample());
            who.valid_until = Some(Validity::Until(Date { year, month, day }));
            check(&renew, &who, TODAY)
        };
        assert_eq!(until(2027, 2, 28), Eligibility::Eligible);
        assert_eq!(until(2026, 1, 1), Eligibility::Eligible, "expired");
        let Eligibility::NotEligible(why) = until(2027, 3, 1) else {
            panic!("three months and a day before expiry is too early")
        };
        assert_eq!(why[0].zh, "证件有效期满前 3 个月内方可换领");
        // The sample card runs to 2035.
        assert!(matches!(
            check(&renew, &card(SimCard::resident_sample()), TODAY),
            Eligibility::NotEligible(_)
        ));
        assert!(matches!(
            check(&renew, &card(SimCard::elderly_long_term_sample()), TODAY),
            Eligibility::NotEligible(_)
        ));
        // Month ends and leap years.
        let d = |year, month, day| Date { year, month, day };
        assert_eq!(add_months(d(2026, 11, 30), 3), d(2027, 2, 28));
        assert_eq!(add_months(d(2027, 11, 30), 3), d(2028, 2, 29));
        assert_eq!(add_months(d(2026, 1, 31), 12), d(2027, 1, 31));
    }
}
