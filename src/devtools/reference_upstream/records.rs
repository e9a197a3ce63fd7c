//! What the reference platform holds about a card holder, for the lookups a card reader makes
//! possible: one's own driving licence and points, one's own vehicles' violations, one's own
//! exit-entry records and travel documents, an accident one is a party to. Only the resident
//! sample card (the simulator's, `drivers/src/id_card/sim.rs`) has records; anyone else has none
//! — and nobody learns anything about another person: every answer is the card holder's.

use serde_json::{json, Value};

/// The ID number of the simulator's resident sample card (张晓明, 1985).
pub const SAMPLE_RESIDENT: &str = "330106198503121231";

/// The sample resident's car, whose violations JG-WF-03 and JG-WF-04 answer.
pub const SAMPLE_PLATE: &str = "豫AD12345";

/// The accident the sample resident is a party to (JG-SG-01).
pub const SAMPLE_ACCIDENT: &str = "4101052026000123";

/// 2026-11-20 08:12, 2025-10-01 09:30, 2025-10-06 18:20 and 2026-11-02 10:00, China Standard Time.
pub const VIOLATION_AT_MS: i64 = 1_795_133_520_000;
const LEFT_AT_MS: i64 = 1_759_282_200_000;
const BACK_AT_MS: i64 = 1_759_746_000_000;
const ACCIDENT_AT_MS: i64 = 1_793_584_800_000;

fn step(at_ms: Option<i64>, status: &str, zh: &str, en: &str) -> Value {
    json!({"at_ms": at_ms, "status": status, "text_zh": zh, "text_en": en})
}

/// The card holder's records for a lookup by card (`None`: nothing on record for this person,
/// which the endpoint answers as 404). `answers` are the citizen's, for the lookups that ask
/// something (a plate, an accident number).
pub fn by_card(item_code: &str, id_number: &str, answers: &Value) -> Option<Vec<Value>> {
    if id_number != SAMPLE_RESIDENT {
        return None;
    }
    let answer = |key: &str| answers[key].as_str().unwrap_or_default().to_string();
    let violation = || {
        step(
            Some(VIOLATION_AT_MS),
            "open",
            "郑州市金水路与经三路交叉口：机动车违反禁令标志指示，未处理",
            "Jinshui Rd at Jingsan Rd, Zhengzhou: disregarded a prohibition sign; not dealt with yet",
        )
    };
    let how = || {
        step(
            None,
            "advice",
            "请通过交管12123或到交管窗口处理；罚款和记分以处罚决定书为准",
            "Deal with it through the 12123 traffic app or at the traffic-police counter; the fine and points are those of the penalty decision",
        )
    };
    match item_code {
        // 驾驶证记分和状态.
        "JG-JSZ-06" => Some(vec![
            step(
                None,
                "licence",
                "驾驶证状态：正常；准驾车型：C1",
                "Driving licence: valid; class C1",
            ),
            step(
                None,
                "points",
                "本记分周期累积记分：3分（满分为12分）",
                "Points this scoring period: 3 (the limit is 12)",
            ),
            step(
                None,
                "period",
                "本记分周期：2026年3月12日至2027年3月11日",
                "Scoring period: 12 Mar 2026 to 11 Mar 2027",
            ),
        ]),
        // 本人名下机动车的违法.
        "JG-WF-04" => Some(vec![
            step(
                None,
                "vehicle",
                &format!("{SAMPLE_PLATE}（小型新能源汽车）：1条未处理的交通违法"),
                &format!("{SAMPLE_PLATE} (small new-energy car): 1 violation not dealt with yet"),
            ),
            violation(),
            how(),
        ]),
        // A plate's violations: only the card holder's own plate is answered.
        "JG-WF-03" => {
            let plate = format!("{}{}", answer("province"), answer("plate"));
            (plate == SAMPLE_PLATE).then(|| vec![violation(), how()])
        }
        // 本人出入境记录.
        "CRJ-JF-04" => Some(vec![
            step(
                Some(LEFT_AT_MS),
                "exit",
                "出境：深圳湾口岸，往来港澳通行证",
                "Left the mainland: Shenzhen Bay port, HK/Macao permit",
            ),
            step(
                Some(BACK_AT_MS),
                "entry",
                "入境：深圳湾口岸，往来港澳通行证",
                "Came back: Shenzhen Bay port, HK/Macao permit",
            ),
        ]),
        // 出入境证件办理进度.
        "CRJ-JF-02" => Some(vec![step(
            None,
            "ready",
            "往来港澳通行证：已制证，可到自助发证机或出入境窗口领取",
            "HK/Macao permit: made; collect it at the issuing machine or the exit-entry counter",
        )]),
        // An accident the card holder is a party to, by its number.
        "JG-SG-01" if answer("accident_number") == SAMPLE_ACCIDENT => Some(vec![
            step(
                Some(ACCIDENT_AT_MS),
                "received",
                "事故已登记，正在调查",
                "Accident registered; under investigation",
            ),
            step(
                None,
                "examination",
                "车辆检验进行中，结论出具后制作事故认定书",
                "Vehicle examination under way; the accident report follows its result",
            ),
        ]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_sample_times_are_the_times_the_comments_say() {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let at = |ms: i64| {
            cst.timestamp_millis_opt(ms)
                .unwrap()
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        assert_eq!(at(VIOLATION_AT_MS), "2026-11-20 08:12");
        assert_eq!(at(LEFT_AT_MS), "2025-10-01 09:30");
        assert_eq!(at(BACK_AT_MS), "2025-10-06 18:20");
        assert_eq!(at(ACCIDENT_AT_MS), "2026-11-02 10:00");
    }

    #[test]
    fn nobody_but_the_card_holder_is_answered() {
        let none = json!({});
        assert!(by_card("JG-JSZ-06", SAMPLE_RESIDENT, &none).is_some());
        assert!(by_card("JG-JSZ-06", "650102194807050020", &none).is_none());
        // Another person's plate is not looked up, even for a card with records.
        let other = json!({"province": "豫", "plate": "A99999"});
        assert!(by_card("JG-WF-03", SAMPLE_RESIDENT, &other).is_none());
        let own = json!({"province": "豫", "plate": "AD12345"});
        assert!(by_card("JG-WF-03", SAMPLE_RESIDENT, &own).is_some());
        let wrong = json!({"accident_number": "4101052026000999"});
        assert!(by_card("JG-SG-01", SAMPLE_RESIDENT, &wrong).is_none());
    }
}
