//! The staff screen's words, in the terminal's language (the one it shows at idle, where staff
//! open the screen). The runtime reports facts as types — a device's kind and status, the catalog
//! in force, why upstream refuses the terminal, how a staff request ended — and only here do they
//! become text (the devices' and the store's own words are the out-of-service reason's, in
//! outage.rs).

use onetrip_drivers::device::{DeviceKind, PaperLevel};

use super::outage::{device_name, device_problem, pick, store_fault_words, STARTING};

use super::view::{DeviceWords, StaffView};
use crate::vocab::firmware::Firmware;
use crate::vocab::staff_report::{DeliveryPaused, DeviceLine, RequeueOutcome, StaffReport};

fn device_words(line: &DeviceLine, english: bool) -> DeviceWords {
    let base = device_name(line.kind, english);
    let name = match (line.required, english) {
        (true, _) => base.to_string(),
        (false, false) => format!("{base}（可选）"),
        (false, true) => format!("{base} (optional)"),
    };
    let Some(status) = &line.status else {
        return DeviceWords {
            name,
            state: pick(english, STARTING.0, "Starting").to_string(),
            ok: false,
        };
    };
    let mut state = match device_problem(status, english) {
        Some(p) => p.to_string(),
        None => pick(english, "正常", "OK").to_string(),
    };
    let paper_low = status.paper == Some(PaperLevel::Low);
    if paper_low {
        state.push_str(pick(english, "，纸将用完", ", paper running low"));
    }
    DeviceWords {
        name,
        ok: status.is_ready() && !paper_low,
        state,
    }
}

fn task_words(task: &str, english: bool) -> &str {
    match task {
        "sync" => pick(english, "申请上传", "delivery"),
        "catalog" => pick(english, "目录更新", "catalog updates"),
        "heartbeat" => pick(english, "状态上报", "heartbeat"),
        "retention" => pick(english, "到期清理", "retention"),
        "fleet" => pick(english, "固件更新", "firmware updates"),
        "id_card" => device_name(DeviceKind::IdCard, english),
        "printer" => device_name(DeviceKind::Printer, english),
        "scanner" => device_name(DeviceKind::Scanner, english),
        other => other,
    }
}

/// "申请上传 2 次" per task that was restarted, or nothing.
fn restarts_words(restarts: &[(String, u32)], english: bool) -> Option<String> {
    if restarts.is_empty() {
        return None;
    }
    let each: Vec<String> = restarts
        .iter()
        .map(|(task, n)| {
            let task = task_words(task, english);
            if english {
                format!("{task} {n}×")
            } else {
                format!("{task} {n} 次")
            }
        })
        .collect();
    Some(if english {
        format!(
            "restarted after a fault: {} (export the logs for a technician)",
            each.join(", ")
        )
    } else {
        format!(
            "后台任务异常后已自动重启：{}（请导出日志交技术人员）",
            each.join("，")
        )
    })
}

fn delivery_words(paused: &DeliveryPaused, english: bool) -> String {
    let words = paused.refusal.words(english);
    let detail = &paused.detail;
    if paused.refusal == crate::vocab::refusal::Refusal::RepeatedRejection {
        let n = crate::vocab::refusal::SAME_REJECTIONS;
        return if english {
            format!(
                "{words} ({n} in a row: {detail}): the rest are held, not rejected, and sending \
                 resumes by itself once upstream takes one. Ask the platform why; then put the \
                 rejected ones back with \"Send all again\""
            )
        } else {
            format!(
                "{words}（连续 {n} 次：{detail}）：其余申请暂停发送，不再标为被拒收；上游恢复受理后自动继续。\
                 请向上游平台核实原因，再用“全部重新发送”把被拒收的申请放回队列"
            )
        };
    }
    if english {
        format!(
            "{words} ({detail}): sending is paused and resumes by itself once the terminal's \
             credentials or address are mended"
        )
    } else {
        format!("{words}（{detail}）：待上传的申请暂停发送，本机凭证或地址修复后自动继续")
    }
}

/// The report, worded.
pub fn staff_view(report: &StaffReport, english: bool) -> StaffView {
    // A citizen's call for staff comes first: somebody may still be waiting at the screen.
    let mut devices: Vec<DeviceWords> = report
        .help_call
        .iter()
        .map(|(screen, at)| DeviceWords {
            name: pick(english, "群众呼叫工作人员", "A citizen called for staff").to_string(),
            state: help_call_words(screen, at, english),
            ok: false,
        })
        .collect();
    devices.extend(report.devices.iter().map(|d| device_words(d, english)));
    if let Some(until) = &report.recording_until {
        devices.push(DeviceWords {
            name: pick(english, "设备通信记录", "Device I/O recording").to_string(),
            state: if english {
                format!("recording (ID card contents excepted) until {until}, then stops by itself")
            } else {
                format!("正在记录（身份证内容不记录），至 {until} 自动停止")
            },
            ok: false,
        });
    }
    if let Some(state) = restarts_words(&report.restarts, english) {
        devices.push(DeviceWords {
            name: pick(english, "后台任务", "Background tasks").to_string(),
            state,
            ok: false,
        });
    }
    if let Some(step) = &report.clock_step {
        devices.push(DeviceWords {
            name: pick(english, "系统时钟", "System clock").to_string(),
            state: clock_step_words(step.step_ms, &report.clock_step_at, english),
            ok: false,
        });
    }
    let catalog = &report.catalog;
    StaffView {
        devices,
        store_problem: match (&report.store_problem, report.store_fault) {
            (Some(problem), _) => problem.clone(),
            (None, Some(fault)) => store_fault_words(fault, english).to_string(),
            (None, None) => String::new(),
        },
        pending: report.pending,
        rejected: report.rejected,
        accepted: report.accepted,
        expiring: report.expiring,
        rejected_list: report.rejected_list.clone(),
        unprinted: report.unprinted.clone(),
        receipts_printed: report.receipts_printed,
        paper_mm: report.paper_mm,
        catalog: match (catalog.updated, english) {
            (false, false) => format!("{}（出厂目录）", catalog.version),
            (true, false) => format!("{}（已更新）", catalog.version),
            (false, true) => format!("{} (as shipped)", catalog.version),
            (true, true) => format!("{} (updated)", catalog.version),
        },
        catalog_problem: report.catalog_problem.clone().unwrap_or_default(),
        delivery_problem: report
            .delivery_paused
            .as_ref()
            .map(|p| delivery_words(p, english))
            .unwrap_or_default(),
        firmware: firmware_words(&report.firmware, english),
        firmware_problem: if report.firmware.dev_keys {
            pick(
                english,
                "开发密钥签名的固件，不是正式终端：请联系技术人员安装正式固件",
                "Signed with DEVELOPMENT keys, not a production terminal: call a technician to install production firmware",
            )
            .to_string()
        } else {
            String::new()
        },
    }
}

/// Where and when a citizen pressed 呼叫工作人员.
fn help_call_words(screen: &str, at: &str, english: bool) -> String {
    let (zh, en) = match screen {
        "out_of_service" => ("本机暂停服务时", "while the terminal was out of service"),
        "done" => (
            "回执未打印或未保存时",
            "when a receipt did not print or an application was not saved",
        ),
        "query_result" => (
            "查询连不上平台时",
            "when a progress query could not reach the platform",
        ),
        "slots" => (
            "取不到预约时间时",
            "when the appointment times could not be fetched",
        ),
        "item_detail" => (
            "打印暂停、事项不能办理时",
            "when an item could not start because printing was paused",
        ),
        _ => ("办理中", "during a session"),
    };
    if english {
        format!("at {at}, {en}")
    } else {
        format!("{at}，{zh}")
    }
}

/// The firmware's version and slot; a developer's build runs from no image and has neither.
fn firmware_words(firmware: &Firmware, english: bool) -> String {
    match (&firmware.image, &firmware.slot, english) {
        (Some(v), Some(s), false) => format!("{v}（{s} 槽）"),
        (Some(v), Some(s), true) => format!("{v} (slot {s})"),
        (Some(v), None, _) => v.clone(),
        (None, _, false) => "开发者构建（不在终端镜像中运行）".to_string(),
        (None, _, true) => "developer build (not running from a terminal image)".to_string(),
    }
}

/// A step of the wall clock, for staff: how far, when; and that nothing was erased by it.
fn clock_step_words(step_ms: i64, at: &str, english: bool) -> String {
    let days = step_ms as f64 / 86_400_000.0;
    let days = format!("{days:+.1}");
    let days = days.strip_suffix(".0").unwrap_or(&days);
    if english {
        format!(
            "the time was set {days} days at {at}: retention and the PIN lockout keep to the \
             terminal's own running time (export the logs for a technician)"
        )
    } else {
        format!(
            "系统时间于 {at} 跳变 {days} 天：到期清理和密码锁定按本机实际运行时间计算，不受影响\
             （请导出日志交技术人员）"
        )
    }
}

/// The PIN pad while it is locked.
pub(super) fn locked(minutes: u64, english: bool) -> String {
    if english {
        format!("Too many wrong PINs: try again in {minutes} min")
    } else {
        format!("密码错误次数过多，请{minutes}分钟后再试")
    }
}

pub(super) fn wrong_pin(tries_left: u32, english: bool) -> String {
    if english {
        format!("Wrong PIN: {tries_left} more tries")
    } else {
        format!("密码错误，还可尝试 {tries_left} 次")
    }
}

pub(super) fn reprinting(number: &str, english: bool) -> String {
    if english {
        format!("Reprinting {number}...")
    } else {
        format!("正在补打 {number}…")
    }
}

pub(super) fn requeueing(number: &str, english: bool) -> String {
    if english {
        format!("Sending {number} again...")
    } else {
        format!("正在重新发送 {number}…")
    }
}

pub(super) fn requeueing_all(english: bool) -> String {
    pick(
        english,
        "正在重新发送全部被拒收的申请…",
        "Sending every rejected submission again...",
    )
    .to_string()
}

pub(super) fn paper_replaced(english: bool) -> String {
    pick(english, "已记录换纸", "New paper roll noted").to_string()
}

/// How a reprint ended (the printer's error is its own text).
pub(super) fn reprinted(number: &str, result: &Result<(), String>, english: bool) -> String {
    match (result, english) {
        (Ok(()), false) => format!("{number} 已补打"),
        (Ok(()), true) => format!("{number} reprinted"),
        (Err(e), false) => format!("{number} 补打失败：{e}"),
        (Err(e), true) => format!("{number} not reprinted: {e}"),
    }
}

/// How sending a rejected submission again ended.
pub(super) fn requeued(number: &str, outcome: &RequeueOutcome, english: bool) -> String {
    match (outcome, english) {
        (RequeueOutcome::Queued, false) => format!("{number} 已重新排队发送"),
        (RequeueOutcome::Queued, true) => format!("{number} is queued to be sent again"),
        (RequeueOutcome::All { queued, purged }, false) => {
            let mut text = format!("已将 {queued} 份被拒收的申请重新排队发送");
            if *purged > 0 {
                text.push_str(&format!(
                    "；{purged} 份的内容已按保存期限清除，无法重新发送"
                ));
            }
            text
        }
        (RequeueOutcome::All { queued, purged }, true) => {
            let mut text = format!("{queued} rejected submissions are queued to be sent again");
            if *purged > 0 {
                text.push_str(&format!(
                    "; {purged} cannot be: their content was purged at the retention limit"
                ));
            }
            text
        }
        (RequeueOutcome::Purged, false) => {
            format!("{number} 的申请内容已按保存期限清除，无法重新发送")
        }
        (RequeueOutcome::Purged, true) => {
            format!("{number} cannot be sent again: its content was purged at the retention limit")
        }
        (RequeueOutcome::NotRejected, false) => format!("{number} 不在被拒收之列"),
        (RequeueOutcome::NotRejected, true) => format!("{number} is not a rejected submission"),
        (RequeueOutcome::Unknown, false) => format!("没有编号为 {number} 的申请"),
        (RequeueOutcome::Unknown, true) => format!("No submission is numbered {number}"),
        (RequeueOutcome::Failed(None), false) => "本地存储不可用，无法重新发送".to_string(),
        (RequeueOutcome::Failed(None), true) => {
            "The local store cannot be used: nothing can be sent again".to_string()
        }
        // (No number when all were asked for at once.)
        (RequeueOutcome::Failed(Some(e)), false) => format!("{number} 重新发送失败：{e}")
            .trim_start()
            .to_string(),
        (RequeueOutcome::Failed(Some(e)), true) => format!("{number} not sent again: {e}")
            .trim_start()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onetrip_drivers::device::{DeviceState, DeviceStatus};

    fn line(kind: DeviceKind, required: bool, status: Option<DeviceStatus>) -> DeviceLine {
        DeviceLine {
            kind,
            required,
            status,
        }
    }

    /// A citizen's call for staff comes first, where and when, in either language.
    #[test]
    fn a_call_for_staff_is_the_first_line() {
        let report = StaffReport {
            devices: vec![line(
                DeviceKind::IdCard,
                true,
                Some(DeviceStatus::new(DeviceState::Online)),
            )],
            help_call: Some(("out_of_service", "14:05".into())),
            ..StaffReport::default()
        };
        let zh = staff_view(&report, false);
        assert_eq!(zh.devices[0].name, "群众呼叫工作人员");
        assert_eq!(zh.devices[0].state, "14:05，本机暂停服务时");
        assert!(!zh.devices[0].ok);
        let en = staff_view(&report, true);
        assert_eq!(
            en.devices[0].state,
            "at 14:05, while the terminal was out of service"
        );
        assert_eq!(en.devices.len(), 2);
    }

    /// Moved from the runtime's availability test: the words staff read for each device.
    #[test]
    fn every_device_is_worded_for_staff_in_either_language() {
        let low_paper = DeviceStatus {
            paper: Some(PaperLevel::Low),
            ..DeviceStatus::new(DeviceState::Online)
        };
        let report = StaffReport {
            devices: vec![
                line(
                    DeviceKind::IdCard,
                    true,
                    Some(DeviceStatus::new(DeviceState::Online)),
                ),
                line(DeviceKind::Printer, true, Some(low_paper)),
                line(DeviceKind::Scanner, false, None),
            ],
            recording_until: Some("18:30".into()),
            ..StaffReport::default()
        };
        let zh: Vec<(String, String)> = staff_view(&report, false)
            .devices
            .into_iter()
            .map(|d| (d.name, d.state))
            .collect();
        assert!(
            zh.contains(&("扫码器（可选）".into(), "正在启动".into())),
            "{zh:?}"
        );
        assert!(
            zh.contains(&("回执打印机".into(), "正常，纸将用完".into())),
            "{zh:?}"
        );
        let en = staff_view(&report, true).devices;
        let shown: Vec<(&str, &str, bool)> = en
            .iter()
            .map(|d| (d.name.as_str(), d.state.as_str(), d.ok))
            .collect();
        assert_eq!(
            shown,
            [
                ("ID card reader", "OK", true),
                ("Receipt printer", "OK, paper running low", false),
                ("Code scanner (optional)", "Starting", false),
                (
                    "Device I/O recording",
                    "recording (ID card contents excepted) until 18:30, then stops by itself",
                    false
                ),
            ]
        );
        // No Chinese left on an English staff screen.
        for d in &en {
            assert!(
                !d.name
                    .chars()
                    .chain(d.state.chars())
                    .any(|c| c > '\u{2e80}'),
                "{d:?}"
            );
        }
    }

    #[test]
    fn the_firmware_and_its_development_keys_read_in_either_language() {
        let mut report = StaffReport {
            firmware: Firmware {
                image: Some("2026.12.1".into()),
                slot: Some("B".into()),
                ..Firmware::default()
            },
            ..StaffReport::default()
        };
        let zh = staff_view(&report, false);
        assert_eq!(zh.firmware, "2026.12.1（B 槽）");
        assert_eq!(zh.firmware_problem, "");
        report.firmware.dev_keys = true;
        assert_eq!(
            staff_view(&report, false).firmware_problem,
            "开发密钥签名的固件，不是正式终端：请联系技术人员安装正式固件"
        );
        let en = staff_view(&report, true);
        assert_eq!(en.firmware, "2026.12.1 (slot B)");
        assert!(
            en.firmware_problem
                .starts_with("Signed with DEVELOPMENT keys, not a production terminal"),
            "{}",
            en.firmware_problem
        );
        assert_eq!(
            staff_view(&StaffReport::default(), true).firmware,
            "developer build (not running from a terminal image)"
        );
    }

    #[test]
    fn a_paused_queue_and_the_catalog_read_in_either_language() {
        let report = StaffReport {
            catalog: crate::vocab::staff_report::CatalogInForce {
                version: "2026.12.03-1".into(),
                updated: false,
            },
            delivery_paused: Some(DeliveryPaused {
                refusal: crate::sync::Refusal::Credentials,
                detail: "HTTP 401: unknown terminal token".into(),
            }),
            ..StaffReport::default()
        };
        let zh = staff_view(&report, false);
        assert_eq!(zh.catalog, "2026.12.03-1（出厂目录）");
        assert_eq!(
            zh.delivery_problem,
            "上游拒绝本机凭证（HTTP 401: unknown terminal token）：待上传的申请暂停发送，本机凭证或地址修复后自动继续"
        );
        let en = staff_view(&report, true);
        assert_eq!(en.catalog, "2026.12.03-1 (as shipped)");
        assert!(
            en.delivery_problem
                .starts_with("Upstream refuses this terminal's credentials (HTTP 401"),
            "{}",
            en.delivery_problem
        );
    }

    /// Issue 32: the breaker's pause and a step of the wall clock, in either language; and the
    /// answer to "send all again".
    #[test]
    fn a_held_queue_and_a_clock_step_read_in_either_language() {
        let report = StaffReport {
            delivery_paused: Some(DeliveryPaused {
                refusal: crate::sync::Refusal::RepeatedRejection,
                detail:
                    "HTTP 400: a JSON answer without the platform's error field · body 1a2b3c4d"
                        .into(),
            }),
            clock_step: Some(crate::vocab::staff_report::ClockStep {
                step_ms: 31 * 24 * 3600 * 1000,
                wall_ms: 0,
                age_ms: 0,
                count: 1,
            }),
            clock_step_at: "2027-01-06 10:00".into(),
            ..StaffReport::default()
        };
        let zh = staff_view(&report, false);
        assert!(
            zh.delivery_problem
                .starts_with("上游连续以同一原因拒收申请")
                && zh.delivery_problem.contains("连续 3 次")
                && zh.delivery_problem.contains("全部重新发送"),
            "{}",
            zh.delivery_problem
        );
        let clock = zh.devices.iter().find(|d| d.name == "系统时钟").unwrap();
        assert!(!clock.ok);
        assert!(
            clock
                .state
                .starts_with("系统时间于 2027-01-06 10:00 跳变 +31 天"),
            "{}",
            clock.state
        );
        let en = staff_view(&report, true);
        let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        assert!(!han(&en.delivery_problem), "{}", en.delivery_problem);
        assert!(
            en.delivery_problem.contains("3 in a row"),
            "{}",
            en.delivery_problem
        );
        let clock = en
            .devices
            .iter()
            .find(|d| d.name == "System clock")
            .unwrap();
        assert!(clock.state.contains("+31 days"), "{}", clock.state);
        assert!(!han(&clock.state));
        let back = crate::vocab::refusal::Refusal::RepeatedRejection;
        assert_eq!(
            back.words(false),
            "上游连续以同一原因拒收申请（可能是网关拦截或平台变更）"
        );
        let all = RequeueOutcome::All {
            queued: 61,
            purged: 3,
        };
        assert_eq!(
            requeued("", &all, false),
            "已将 61 份被拒收的申请重新排队发送；3 份的内容已按保存期限清除，无法重新发送"
        );
        assert_eq!(
            requeued(
                "",
                &RequeueOutcome::All {
                    queued: 2,
                    purged: 0
                },
                true
            ),
            "2 rejected submissions are queued to be sent again"
        );
        assert_eq!(
            requeued(
                "",
                &RequeueOutcome::Failed(Some("disk I/O error".into())),
                false
            ),
            "重新发送失败：disk I/O error"
        );
    }

    /// Moved from the supervisor's test: restarted tasks are counted for staff.
    #[test]
    fn restarted_tasks_are_told_to_staff() {
        assert_eq!(
            restarts_words(&[("sync".into(), 2)], false).as_deref(),
            Some("后台任务异常后已自动重启：申请上传 2 次（请导出日志交技术人员）")
        );
        assert_eq!(restarts_words(&[], false), None);
        assert_eq!(
            restarts_words(&[("sync".into(), 2), ("printer".into(), 1)], true).as_deref(),
            Some(
                "restarted after a fault: delivery 2×, Receipt printer 1× (export the logs for \
                 a technician)"
            )
        );
    }
}
