//! Which firmware is running: the image's version and the A/B slot it booted from (GRUB puts
//! `rauc.slot=A|B` on the kernel command line). Reported in the heartbeat, so the platform sees
//! an update take effect, or fall back.

use std::path::Path;

use crate::sync::heartbeat::Firmware;

/// The image's version (`/etc/onetrip-version`), or `None` outside an image (a developer's build).
pub fn image_version() -> Option<String> {
    read_trimmed(Path::new("/etc/onetrip-version"))
}

/// The slot this terminal booted from, or `None` outside an A/B image.
pub fn running_slot() -> Option<String> {
    slot_from_cmdline(&std::fs::read_to_string("/proc/cmdline").ok()?)
}

fn read_trimmed(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn slot_from_cmdline(cmdline: &str) -> Option<String> {
    cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rauc.slot="))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// For the heartbeat: the binary's version always, the image's and the slot when there are any.
pub fn running() -> Firmware {
    Firmware {
        binary: env!("CARGO_PKG_VERSION").to_string(),
        image: image_version(),
        slot: running_slot(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_comes_from_the_kernel_command_line() {
        let line = "root=PARTLABEL=root-b ro rootwait quiet rauc.slot=B\n";
        assert_eq!(slot_from_cmdline(line).as_deref(), Some("B"));
        assert_eq!(slot_from_cmdline("ro quiet"), None);
        assert_eq!(slot_from_cmdline("rauc.slot= ro"), None);
    }
}
