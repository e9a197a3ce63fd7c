//! A citizen's answer to one question of an item's form: checked, normalised, or told what is
//! wrong in both languages; and whether a question is asked at all.

use super::schema::{DateRange, Field, FieldKind, Text};

impl Field {
    /// Checks a typed or chosen answer; the normalised answer, or what is wrong in both languages.
    pub fn check(
        &self,
        value: &str,
        today: onetrip_drivers::id_card::Date,
    ) -> Result<String, Text> {
        let t = |zh: &str, en: &str| Text {
            zh: zh.to_string(),
            en: en.to_string(),
        };
        let v = value.trim();
        if v.is_empty() {
            return if self.required {
                Err(t("请填写此项", "Please fill this in"))
            } else {
                Ok(String::new())
            };
        }
        let len = v.chars().count() as u32;
        let (min, max) = (self.min_len.unwrap_or(1), self.max_len.unwrap_or(40));
        match self.kind {
            FieldKind::Choice => self
                .options
                .iter()
                .any(|o| o.code == v)
                .then(|| v.to_string())
                .ok_or_else(|| t("请选择一项", "Please choose one")),
            FieldKind::Digits if !v.bytes().all(|b| b.is_ascii_digit()) => {
                Err(t("只能输入数字", "Digits only"))
            }
            FieldKind::Letters
                if !v
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-') =>
            {
                Err(t("只能输入字母和数字", "Letters and digits only"))
            }
            FieldKind::Digits | FieldKind::Letters if len < min || len > max => {
                Err(if min == max {
                    Text {
                        zh: format!("应为 {min} 位"),
                        en: format!("Must be {min} characters"),
                    }
                } else {
                    Text {
                        zh: format!("应为 {min} 至 {max} 位"),
                        en: format!("Must be {min} to {max} characters"),
                    }
                })
            }
            FieldKind::Digits | FieldKind::Letters => Ok(v.to_string()),
            FieldKind::Phone => {
                let ok = v.len() == 11
                    && v.starts_with('1')
                    && v.bytes().all(|b| b.is_ascii_digit())
                    && (b'3'..=b'9').contains(&v.as_bytes()[1]);
                ok.then(|| v.to_string()).ok_or_else(|| {
                    t(
                        "请输入11位手机号码，如 13812345678",
                        "Please enter an 11-digit mobile number, e.g. 13812345678",
                    )
                })
            }
            FieldKind::Date => {
                let d = onetrip_drivers::id_card::Date::parse(v).ok_or_else(|| {
                    t(
                        "请按 年月日 输入8位数字，如 20261129",
                        "Enter 8 digits: year, month, day",
                    )
                })?;
                match self.range {
                    Some(DateRange::Past) if d > today => {
                        Err(t("日期不能晚于今天", "The date cannot be after today"))
                    }
                    Some(DateRange::Future) if d < today => {
                        Err(t("日期不能早于今天", "The date cannot be before today"))
                    }
                    _ => Ok(v.to_string()),
                }
            }
            // A first-generation (15-digit, 1984–2004) number has no check character: a relative
            // who died with one has no other.
            FieldKind::IdNumber if v.len() == 15 && v.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(v.to_string())
            }
            FieldKind::IdNumber => {
                let well_formed = v.len() == 18
                    && v.as_bytes()[..17].iter().all(u8::is_ascii_digit)
                    && matches!(v.as_bytes()[17], b'0'..=b'9' | b'X');
                if !well_formed {
                    return Err(t(
                        "请输入18位身份证号码（最后一位可能是X），或15位旧号码",
                        "Enter the 18-character ID number (the last may be X), or an old 15-digit one",
                    ));
                }
                // The check digit catches a mistyped or swapped digit before it goes anywhere.
                (onetrip_drivers::id_card::identity::check_char(&v[..17]) == v.chars().last())
                    .then(|| v.to_string())
                    .ok_or_else(|| {
                        t(
                            "身份证号码有误，请逐位核对",
                            "This ID number is not valid: please check each digit",
                        )
                    })
            }
            FieldKind::Prefill => Ok(v.to_string()),
        }
    }

    /// A question a scanned notice or receipt number can answer (checked as if typed).
    pub fn takes_a_scan(&self) -> bool {
        matches!(self.kind, FieldKind::Letters | FieldKind::Digits)
    }

    /// Whether this field may yet be asked: asked now, or hanging on a question not answered yet
    /// that may itself be asked (`fields`: the item's, to follow the condition).
    pub fn may_be_asked(&self, fields: &[Field], answers: &[(String, String)]) -> bool {
        self.may_be_asked_within(fields, answers, fields.len())
    }

    fn may_be_asked_within(
        &self,
        fields: &[Field],
        answers: &[(String, String)],
        depth: usize,
    ) -> bool {
        if self.asked(answers) {
            return true;
        }
        let Some(cond) = &self.ask_if else {
            return false;
        };
        if self.kind == FieldKind::Prefill || answers.iter().any(|(k, _)| *k == cond.field) {
            return false;
        }
        // A condition on a question that is still to come (not a loop: the depth bounds it).
        depth > 0
            && fields
                .iter()
                .find(|f| f.key == cond.field)
                .is_some_and(|f| f.may_be_asked_within(fields, answers, depth - 1))
    }

    /// Whether to ask this field, given the answers so far.
    pub fn asked(&self, answers: &[(String, String)]) -> bool {
        if self.kind == FieldKind::Prefill {
            return false;
        }
        match &self.ask_if {
            None => true,
            Some(cond) => answers
                .iter()
                .any(|(k, v)| *k == cond.field && *v == cond.equals),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another person's ID number: 18 characters with the right check character (X only
    /// there), or a first-generation 15-digit number; nothing else.
    #[test]
    fn an_id_number_is_checked_before_it_goes_anywhere() {
        let field: Field = toml::from_str(
            "key = \"other_id_number\"\nlabel = { zh = \"号码\", en = \"Number\" }\nkind = \"id_number\"",
        )
        .unwrap();
        let today = onetrip_drivers::id_card::Date::parse("20261207").unwrap();
        let ok = |v: &str| field.check(v, today).is_ok();
        assert!(ok("410105195001011235"));
        assert!(ok("11010519491231002X"));
        assert!(ok("410105500101123"), "a first-generation number");
        assert!(!ok("410105195001011236"), "a wrong check digit");
        assert!(!ok("1101051949123100X2"), "X only last");
        assert!(!ok("4101051950010112"), "16 digits");
        assert!(!ok("41010519500101123X5"));
        let wrong = field.check("410105195001011236", today).unwrap_err();
        assert_eq!(wrong.zh, "身份证号码有误，请逐位核对");
    }
}
