//! Why the terminal cannot serve citizens now — the facts the runtime reports — and their words
//! in the screen's language: the out-of-service screen's reason. The staff screen words devices
//! and the store with the same phrases.

use onetrip_drivers::device::{DeviceKind, DeviceState, DeviceStatus};

use crate::vocab::submission::StoreFault;

/// One reason the terminal is out of service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outage {
    /// Just started: the devices have not reported yet.
    Starting,
    /// A required device is not ready (`status` `None`: not heard from yet).
    Device {
        kind: DeviceKind,
        status: Option<DeviceStatus>,
    },
    /// The store could not be opened.
    StoreUnusable,
    /// The store stopped taking writes.
    Store(StoreFault),
    /// No usable configuration (`found`: there is a file, but it is wrong), with the hardware id
    /// the technician needs to provision the terminal.
    NotConfigured { found: bool, hardware_id: String },
}

pub(super) fn pick(english: bool, zh: &'static str, en: &'static str) -> &'static str {
    if english {
        en
    } else {
        zh
    }
}

/// The device's plain name.
pub fn device_name(kind: DeviceKind, english: bool) -> &'static str {
    match kind {
        DeviceKind::IdCard => pick(english, "身份证阅读器", "ID card reader"),
        DeviceKind::Printer => pick(english, "回执打印机", "Receipt printer"),
        DeviceKind::Scanner => pick(english, "扫码器", "Code scanner"),
    }
}

/// Why the device is not ready; `None` when it is.
pub(super) fn device_problem(status: &DeviceStatus, english: bool) -> Option<&'static str> {
    if status.is_ready() {
        return None;
    }
    Some(match status.state {
        DeviceState::Offline => pick(english, "未连接或无响应", "not connected or not answering"),
        DeviceState::PortBusy => pick(
            english,
            "串口被其他程序占用",
            "its serial port is held by another program",
        ),
        DeviceState::HardwareError => pick(english, "硬件故障", "hardware fault"),
        DeviceState::NoDevice => pick(english, "未配置", "not configured"),
        DeviceState::Online | DeviceState::Busy if status.cover_open => {
            pick(english, "机盖打开", "cover open")
        }
        DeviceState::Online | DeviceState::Busy => pick(english, "缺纸", "out of paper"),
    })
}

pub(super) const STARTING: (&str, &str) = ("正在启动", "starting");

/// What keeps a required device from serving citizens (`status` `None`: not heard from yet), as
/// one phrase of the out-of-service reason; `None` when it is ready.
pub fn device_outage(
    kind: DeviceKind,
    status: Option<&DeviceStatus>,
    english: bool,
) -> Option<String> {
    let problem = match status {
        None => pick(english, STARTING.0, STARTING.1),
        Some(s) => device_problem(s, english)?,
    };
    let name = device_name(kind, english);
    Some(if english {
        format!("{name}: {problem}")
    } else {
        format!("{name}{problem}")
    })
}

/// Why the store refuses writes.
pub(super) fn store_fault_words(fault: StoreFault, english: bool) -> &'static str {
    match fault {
        StoreFault::Full => pick(english, "本地存储空间已满", "The local store is full"),
        StoreFault::ReadOnly => pick(
            english,
            "本地存储变为只读",
            "The local store became read-only",
        ),
        StoreFault::Io => pick(
            english,
            "本地存储读写出错",
            "The local store fails to read or write",
        ),
        StoreFault::Corrupt => pick(english, "本地存储已损坏", "The local store is damaged"),
        StoreFault::Unwritable => pick(
            english,
            "本地存储无法写入",
            "The local store cannot be written",
        ),
    }
}

fn outage_words(outage: &Outage, english: bool) -> String {
    match outage {
        Outage::Starting => pick(english, "正在启动设备…", "Starting the devices...").to_string(),
        Outage::Device { kind, status } => {
            device_outage(*kind, status.as_ref(), english).unwrap_or_default()
        }
        Outage::StoreUnusable => pick(
            english,
            "本地存储无法使用，请联系工作人员",
            "The local store cannot be used: please call staff",
        )
        .to_string(),
        Outage::Store(fault) => {
            let words = store_fault_words(*fault, english);
            if english {
                format!("{words}: please call staff")
            } else {
                format!("{words}，请联系工作人员")
            }
        }
        Outage::NotConfigured { found, hardware_id } => match (found, english) {
            // Said to the citizen first (what it means for them); the id is for the technician who
            // provisions it, and says so.
            (false, false) => format!("本机尚未开通，暂不能办理。技术人员：硬件编号 {hardware_id}"),
            (true, false) => format!("本机设置有误，暂不能办理。技术人员：硬件编号 {hardware_id}"),
            (false, true) => format!(
                "This terminal is not set up yet and cannot serve. For the technician: hardware \
                 id {hardware_id}"
            ),
            (true, true) => format!(
                "This terminal's settings are wrong and it cannot serve. For the technician: \
                 hardware id {hardware_id}"
            ),
        },
    }
}

/// The out-of-service reason: every outage, in one line.
pub fn reason(outages: &[Outage], english: bool) -> String {
    let each: Vec<String> = outages.iter().map(|o| outage_words(o, english)).collect();
    each.join(if english { "; " } else { "；" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use onetrip_drivers::device::PaperLevel;

    #[test]
    fn an_outage_names_the_device_and_its_problem() {
        let no_paper = DeviceStatus {
            paper: Some(PaperLevel::Out),
            ..DeviceStatus::new(DeviceState::Online)
        };
        assert_eq!(
            device_outage(DeviceKind::Printer, Some(&no_paper), false).as_deref(),
            Some("回执打印机缺纸")
        );
        assert_eq!(
            device_outage(DeviceKind::Printer, Some(&no_paper), true).as_deref(),
            Some("Receipt printer: out of paper")
        );
        assert_eq!(
            device_outage(DeviceKind::IdCard, None, false).as_deref(),
            Some("身份证阅读器正在启动")
        );
        let ready = DeviceStatus::new(DeviceState::Online);
        assert_eq!(device_outage(DeviceKind::IdCard, Some(&ready), false), None);
    }

    #[test]
    fn the_reason_lists_every_outage_in_the_screens_language() {
        let outages = [
            Outage::Store(StoreFault::Full),
            Outage::Device {
                kind: DeviceKind::IdCard,
                status: None,
            },
        ];
        assert_eq!(
            reason(&outages, false),
            "本地存储空间已满，请联系工作人员；身份证阅读器正在启动"
        );
        assert_eq!(
            reason(&outages, true),
            "The local store is full: please call staff; ID card reader: starting"
        );
        let unconfigured = [Outage::NotConfigured {
            found: false,
            hardware_id: "52:54:00:12:34:56".into(),
        }];
        assert_eq!(
            reason(&unconfigured, false),
            "本机尚未开通，暂不能办理。技术人员：硬件编号 52:54:00:12:34:56"
        );
    }
}
