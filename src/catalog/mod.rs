//! The service catalog. For now the three sample items of the walking skeleton; the full, signed
//! catalog data (issue 7) replaces `sample_items` behind the same `Item` type.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable code, sent upstream.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Printed on the receipt under "next steps".
    pub next_steps_zh: &'static [&'static str],
    pub next_steps_en: &'static [&'static str],
}

impl Item {
    pub fn name(&self, english: bool) -> &'static str {
        if english {
            self.name_en
        } else {
            self.name_zh
        }
    }

    pub fn next_steps(&self, english: bool) -> &'static [&'static str] {
        if english {
            self.next_steps_en
        } else {
            self.next_steps_zh
        }
    }
}

pub fn sample_items() -> Vec<Item> {
    vec![
        Item {
            code: "HJ-ZM-001",
            name_zh: "户籍证明开具",
            name_en: "Household registration certificate",
            next_steps_zh: &["民警审核后出具证明", "凭回执到窗口领取，或扫码查询进度"],
            next_steps_en: &[
                "An officer reviews the application",
                "Collect at the counter with this receipt, or scan to track",
            ],
        },
        Item {
            code: "ZA-WFZ-001",
            name_zh: "无犯罪记录证明申请",
            name_en: "Certificate of no criminal record",
            next_steps_zh: &["7个工作日内办结", "办结后短信通知，凭回执领取"],
            next_steps_en: &[
                "Completed within 7 working days",
                "You will be notified; collect with this receipt",
            ],
        },
        Item {
            code: "CRJ-YY-001",
            name_zh: "出入境证件办理预约",
            name_en: "Exit-entry document appointment",
            next_steps_zh: &["请按预约时间携带身份证到出入境窗口"],
            next_steps_en: &["Bring your ID card to the exit-entry counter at your appointment"],
        },
    ]
}
