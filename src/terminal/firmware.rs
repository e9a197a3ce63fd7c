//! Which firmware is running: the image's version and the A/B slot it booted from (GRUB puts
//! `rauc.slot=A|B` on the kernel command line). Reported in the heartbeat, so the platform sees
//! an update take effect, or fall back. The facts are read where the fleet client reads them
//! (`sync::fleet::local`), so the terminal and its updates never disagree about them.

use crate::sync::fleet::local::Local;
use crate::vocab::firmware::Firmware;

/// The image's version (`/etc/onetrip-version`), or `None` outside an image (a developer's build).
pub fn image_version() -> Option<String> {
    Local::from_env().running_version()
}

/// The slot this terminal booted from, or `None` outside an A/B image.
pub fn running_slot() -> Option<String> {
    Local::from_env().running_slot()
}

/// For the heartbeat: the binary's version always, the image's and the slot when there are any,
/// and whether the image carries development keys.
pub fn running() -> Firmware {
    running_from(&Local::from_env())
}

/// As `running`, from the facts in `local`.
pub fn running_from(local: &Local) -> Firmware {
    let dev_keys = local.dev_keys();
    if dev_keys {
        tracing::warn!("this image is signed with DEVELOPMENT keys: never a production terminal");
    }
    Firmware {
        binary: env!("CARGO_PKG_VERSION").to_string(),
        image: local.running_version(),
        slot: local.running_slot(),
        dev_keys,
    }
}

#[cfg(test)]
mod tests {
    use crate::sync::fleet::local::slot_from_cmdline;

    #[test]
    fn the_slot_comes_from_the_kernel_command_line() {
        let line = "root=PARTLABEL=root-b ro rootwait quiet rauc.slot=B\n";
        assert_eq!(slot_from_cmdline(line).as_deref(), Some("B"));
        assert_eq!(slot_from_cmdline("ro quiet"), None);
        assert_eq!(slot_from_cmdline("rauc.slot= ro"), None);
    }
}
