//! The devices' health as the terminal reports it (the heartbeat, the technician's health file):
//! for every configured device, whether it is required and what it said last. No personal data.

use std::collections::BTreeMap;

use onetrip_drivers::device::{DeviceKind, DeviceState, DeviceStatus, PaperLevel};

/// Every configured device's condition, by name (`id_card`, `printer`, `scanner`); serialized as
/// a JSON object of those names.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct DeviceHealth(BTreeMap<&'static str, DeviceCondition>);

/// One device's condition; every field but `required` is `None` until the device is heard from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceCondition {
    pub required: bool,
    pub state: Option<DeviceState>,
    pub paper: Option<PaperLevel>,
    pub cover_open: Option<bool>,
    pub detail: Option<String>,
}

impl DeviceCondition {
    /// A device's condition from its last status (`None`: not heard from yet).
    pub fn of(required: bool, status: Option<&DeviceStatus>) -> DeviceCondition {
        DeviceCondition {
            required,
            state: status.map(|s| s.state),
            paper: status.and_then(|s| s.paper),
            cover_open: status.map(|s| s.cover_open),
            detail: status.and_then(|s| s.detail.clone()),
        }
    }
}

/// A device's name in reports.
pub fn device_name(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::IdCard => "id_card",
        DeviceKind::Printer => "printer",
        DeviceKind::Scanner => "scanner",
    }
}

impl DeviceHealth {
    pub fn insert(&mut self, kind: DeviceKind, condition: DeviceCondition) {
        self.0.insert(device_name(kind), condition);
    }

    pub fn get(&self, kind: DeviceKind) -> Option<&DeviceCondition> {
        self.0.get(device_name(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_serializes_as_the_heartbeat_reports_it() {
        let mut h = DeviceHealth::default();
        assert_eq!(serde_json::to_value(&h).unwrap(), serde_json::json!({}));
        h.insert(DeviceKind::Printer, DeviceCondition::of(true, None));
        let printer = DeviceStatus {
            paper: Some(PaperLevel::Low),
            ..DeviceStatus::with_detail(DeviceState::Online, "near end")
        };
        h.insert(
            DeviceKind::Printer,
            DeviceCondition::of(true, Some(&printer)),
        );
        h.insert(DeviceKind::Scanner, DeviceCondition::of(false, None));
        assert_eq!(
            serde_json::to_value(&h).unwrap(),
            serde_json::json!({
                "printer": {"required": true, "state": "online", "paper": "low",
                            "cover_open": false, "detail": "near end"},
                "scanner": {"required": false, "state": null, "paper": null,
                            "cover_open": null, "detail": null},
            })
        );
        assert_eq!(h.get(DeviceKind::Scanner).map(|c| c.required), Some(false));
    }
}
