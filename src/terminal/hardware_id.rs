//! The terminal's hardware identity, shown on the "未配置" screen so that a technician can tell
//! the platform which machine to provision: the board's serial or UUID from the firmware tables,
//! else the first network adapter's MAC address.

use std::path::Path;

/// A stable id of this machine, or "unknown".
pub fn hardware_id() -> String {
    from_sysfs(Path::new("/sys")).unwrap_or_else(|| "unknown".into())
}

fn from_sysfs(sys: &Path) -> Option<String> {
    let dmi = sys.join("class/dmi/id");
    for name in ["product_serial", "board_serial", "product_uuid"] {
        if let Ok(v) = std::fs::read_to_string(dmi.join(name)) {
            let v = v.trim();
            if meaningful(v) {
                return Some(v.to_string());
            }
        }
    }
    let mut macs: Vec<(String, String)> = std::fs::read_dir(sys.join("class/net"))
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let mac = std::fs::read_to_string(e.path().join("address")).ok()?;
            let mac = mac.trim().to_string();
            (name != "lo" && meaningful(&mac.replace(':', ""))).then_some((name, mac))
        })
        .collect();
    macs.sort();
    macs.into_iter().next().map(|(_, mac)| mac.to_uppercase())
}

/// Firmware tables often carry placeholders instead of a serial.
fn meaningful(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    !v.is_empty()
        && v.chars().any(|c| c.is_ascii_alphanumeric() && c != '0')
        && !lower.contains("to be filled")
        && !lower.contains("default string")
        && !lower.contains("not specified")
        && lower != "none"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn the_board_serial_first_then_the_mac() {
        let sys = tempfile::tempdir().unwrap();
        write(sys.path(), "class/net/lo/address", "00:00:00:00:00:00\n");
        write(
            sys.path(),
            "class/net/enp0s3/address",
            "52:54:00:12:34:56\n",
        );
        write(
            sys.path(),
            "class/dmi/id/product_serial",
            "To Be Filled By O.E.M.\n",
        );
        write(
            sys.path(),
            "class/dmi/id/product_uuid",
            "00000000-0000-0000-0000-000000000000\n",
        );
        assert_eq!(from_sysfs(sys.path()).as_deref(), Some("52:54:00:12:34:56"));
        write(sys.path(), "class/dmi/id/board_serial", "ZZ2026A0117\n");
        assert_eq!(from_sysfs(sys.path()).as_deref(), Some("ZZ2026A0117"));
    }
}
