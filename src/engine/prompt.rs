//! What the terminal says aloud on each screen (and shows: the same words are on screen, for
//! citizens who cannot hear). One sentence, the action first.

use super::view::{DoneOutcome, Screen, View};
use super::Engine;
use crate::vocab::upstream::{QueryOutcome, SlotsOutcome};

impl Engine {
    pub(super) fn prompt(&self, view: &View) -> String {
        let en = self.front.english;
        let pick = |zh: &str, english: &str| {
            if en {
                english.to_string()
            } else {
                zh.to_string()
            }
        };
        if view.help_called {
            return pick(
                "已呼叫工作人员，请稍候。紧急情况请拨打110",
                "Staff have been called. Please wait; in an emergency, call 110",
            );
        }
        if view.countdown.is_some() {
            return pick(
                "您还在办理吗？如需继续，请按继续办理",
                "Are you still there? Press Continue to carry on",
            );
        }
        match self.phase.screen() {
            // A village room has no counter window: the numbers are on the screen.
            Screen::OutOfService => pick(
                "本机暂停服务。民警和派出所的电话在屏幕上，紧急情况请拨打110",
                "This terminal is out of service. The officer's and the station's phone numbers are on the screen; in an emergency, call 110",
            ),
            Screen::Notices => pick("辖区通报和反诈预警", "Notices and fraud alerts for the area"),
            Screen::Community => match view.community.as_ref().and_then(|p| p.officer()) {
                Some(o) => format!(
                    "{}{}，{}{}",
                    pick("您的社区民警是", "Your community officer is "),
                    o.name,
                    pick("电话", "phone "),
                    o.phone
                ),
                None => pick(
                    "紧急情况请拨打110，其他事项请拨打派出所值班电话",
                    "In an emergency, call 110; for anything else, call the station's duty phone",
                ),
            },
            Screen::Attract => pick("请将身份证放在读卡区", "Please place your ID card on the reader"),
            Screen::ReadingCard => pick("正在读取身份证，请不要移动", "Reading your card. Please do not move it"),
            Screen::Home => pick("请选择业务类别", "Choose a service"),
            Screen::Categories => pick("请选择类别", "Choose a category"),
            Screen::Items => pick("请选择要办理的事项", "Choose what you want to do"),
            Screen::Search => pick(
                "请输入事项名称的拼音首字母",
                "Type the start of a word of the service's name",
            ),
            Screen::ItemDetail => match &view.detail {
                // Waiting for the printer: why, not "press Start" (there is no Start).
                Some(d) if !d.paused.is_empty() => format!("{}。{}", d.name, d.paused),
                Some(d) if d.eligible => format!(
                    "{}。{}",
                    d.name,
                    pick("可以办理，请按开始办理", "You can apply: press Start")
                ),
                Some(d) => format!(
                    "{}。{}{}",
                    d.name,
                    pick("您不能在本机办理，因为", "You cannot apply here, because "),
                    d.reasons.join(if en { "; " } else { "；" })
                ),
                None => String::new(),
            },
            Screen::Form => match &view.form {
                Some(f) if !f.error.is_empty() => f.error.clone(),
                Some(f) => f.label.clone(),
                None => String::new(),
            },
            Screen::QueryResult => match &view.query_outcome {
                None => pick("正在查询，请稍候", "Looking it up"),
                Some(QueryOutcome::Found(steps, _)) => {
                    let last = steps
                        .last()
                        .map(|s| if en { s.en.clone() } else { s.zh.clone() })
                        .unwrap_or_default();
                    format!("{}{last}", pick("当前进度：", "Current step: "))
                }
                Some(QueryOutcome::NotFound) if view.query_own_records => pick(
                    "没有查到您本人的相关记录。如有疑问，请到窗口咨询",
                    "Nothing is on record for you. If you think that is wrong, ask at the counter",
                ),
                Some(QueryOutcome::NotFound) => pick(
                    "没有查到您的案件，请核对编号，或到窗口咨询",
                    "No case found for you. Check the number, or ask at the counter",
                ),
                Some(QueryOutcome::Offline) => pick(
                    "暂时无法连接公安业务系统，请稍后再试或到窗口查询",
                    "The police system cannot be reached just now. Try again later or ask at the counter",
                ),
            },
            Screen::Slots => match &view.slots {
                None => pick("正在查询可预约时间", "Looking for free times"),
                Some(SlotsOutcome::Offered(s)) if !s.is_empty() => pick("请选择预约时间", "Choose a time"),
                Some(_) => pick(
                    "暂时无法预约，可打印办事指南后到窗口办理",
                    "Booking is not possible now. Print the guide and go to the counter",
                ),
            },
            Screen::Violations => match &view.decision {
                Some(d) if d.offline => pick(
                    "暂时无法连接交管系统，可打印办事指南后到交管窗口处理",
                    "The traffic police system cannot be reached. Print the guide and go to the counter",
                ),
                Some(d) => match &d.tiles {
                    None => pick("正在查询您名下车辆的违法", "Looking up your vehicles' violations"),
                    Some(t) if !t.is_empty() => pick(
                        "请选择要处理的违法，核对违法事实",
                        "Choose the violation to deal with, and check its facts",
                    ),
                    Some(_) if d.counter_only > 0 => pick(
                        "您的违法须到交管窗口处理",
                        "Your violations can only be dealt with at the traffic-police counter",
                    ),
                    Some(_) => pick(
                        "没有查到需要处理的违法",
                        "There is no violation for you to deal with",
                    ),
                },
                None => String::new(),
            },
            Screen::Decision => match view.decision.as_ref().and_then(|d| d.outcome.as_ref()) {
                None => pick("正在提交至交管系统，请稍候", "Sending to the traffic police system, please wait"),
                Some(crate::vocab::violation::DecisionOutcome::Decided(_)) => {
                    match view.decision.as_ref().and_then(|d| d.printed) {
                        Some(false) => pick(
                            "处罚决定已作出，决定书未能打印。请记下决定书编号",
                            "The decision is made, but it could not be printed. Note its number",
                        ),
                        _ => pick(
                            "处罚决定已作出，请取走决定书，按决定书缴纳罚款",
                            "The decision is made. Take it, and pay the fine as it says",
                        ),
                    }
                }
                Some(crate::vocab::violation::DecisionOutcome::Refused) => pick(
                    "这条违法不能在本机处理，请到交管窗口处理",
                    "This violation cannot be dealt with here. Please go to the traffic-police counter",
                ),
                Some(crate::vocab::violation::DecisionOutcome::Offline) => pick(
                    "暂时无法连接交管系统，尚不清楚是否已处理，以交管12123或窗口为准。可以重试",
                    "The traffic police system cannot be reached. It is not known yet whether it was dealt with: 12123 or the counter will tell you. You can try again",
                ),
            },
            // Waiting for the applicant's card: say what to do (the same words as on screen).
            Screen::Confirm if !view.notice.is_empty() => view.notice.clone(),
            Screen::Confirm if view.decision.is_some() => pick(
                "请核对违法事实。无异议请按确认；有异议请不要确认，到交管窗口陈述申辩",
                "Check the facts. If they are right, confirm; if not, do not confirm: state your case at the traffic-police counter",
            ),
            Screen::Confirm => pick(
                "请核对信息，无误后请按确认提交",
                "Check the details, then press Submit",
            ),
            Screen::Submitting => pick("正在提交，请稍候", "Submitting, please wait"),
            Screen::Printing if view.decision.as_ref().is_some_and(|d| d.printing) => pick(
                "正在打印处罚决定书，请从下方出纸口取走",
                "Printing the penalty decision. Take it from the slot below",
            ),
            Screen::Printing if view.submission_number.is_empty() && !view.printing_acceptance => pick(
                "正在打印办事指南，请从下方出纸口取走",
                "Printing the guide. Take it from the slot below",
            ),
            Screen::Printing => pick(
                "正在打印回执，请从下方出纸口取走",
                "Printing your receipt. Take it from the slot below",
            ),
            Screen::Done if view.submission_number.is_empty() => match view.outcome {
                Some(DoneOutcome::Printed) => pick(
                    "办事指南已打印，请取走。请按指南准备材料，到窗口办理",
                    "The guide is printed: please take it, and bring what it lists to the counter",
                ),
                Some(DoneOutcome::PrintFailed) => pick(
                    "办事指南未能打印，请到窗口咨询",
                    "The guide could not be printed. Please ask at the counter",
                ),
                _ => pick(
                    "提交未成功，您的信息没有被保存。请到人工窗口办理",
                    "Not submitted. Nothing was saved. Please go to a counter",
                ),
            },
            // A tip's number is not read aloud in the room: it is on the screen and the paper.
            Screen::Done if !view.tip_pin.is_empty() => match view.outcome {
                Some(DoneOutcome::PrintFailed) => pick(
                    "线索已提交。回执未能打印，请记下屏幕上的线索编号和查询码",
                    "Your tip is in. The receipt did not print: note the tip number and PIN on the screen",
                ),
                _ => pick(
                    "线索已提交，请取走回执",
                    "Your tip is in. Please take your receipt",
                ),
            },
            Screen::Done => match view.outcome {
                Some(DoneOutcome::Printed) => pick(
                    "已提交，请取走回执和身份证",
                    "Submitted. Please take your receipt and your ID card",
                ),
                Some(DoneOutcome::PrintFailed) => format!(
                    "{}{}",
                    pick(
                        "已提交。回执未能打印，请记下提交编号，工作人员可以补打：",
                        "Submitted. The receipt did not print: note the number; staff can reprint it: ",
                    ),
                    view.submission_number
                ),
                Some(DoneOutcome::NotSaved) => pick(
                    "提交未成功，您的信息没有被保存。请到人工窗口办理",
                    "Not submitted. Nothing was saved. Please go to a counter",
                ),
                None => String::new(),
            },
            // The staff screens are silent.
            Screen::StaffPin | Screen::Staff => String::new(),
        }
    }
}
