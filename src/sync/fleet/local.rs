//! What the terminal itself knows about its firmware, read where the image keeps it: the running
//! version (`/etc/onetrip-version`), the A/B slot GRUB booted (`rauc.slot=` on the kernel command
//! line), this boot's id, and RAUC's records on the data partition (`confirmed-boot`, written by the mark-good service;
//! `failed-versions`, appended by
//! the boot deadline when a new firmware never became READY; `updates.log`, one line per update
//! decision, for the technician's log bundle). Tests point every path into a temporary folder.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// RAUC's state folder on the data partition (`data-directory` in the image's system.conf).
pub const RAUC_DIR: &str = "/var/lib/onetrip/rauc";

/// Where the firmware facts are read.
#[derive(Debug, Clone)]
pub struct Local {
    pub version_file: PathBuf,
    pub cmdline: PathBuf,
    pub boot_id: PathBuf,
    /// RAUC's folder on the data partition: `failed-versions`, `updates.log`.
    pub rauc_dir: PathBuf,
    /// RAUC's system.conf: the image's `compatible` string.
    pub system_conf: PathBuf,
}

impl Local {
    /// The terminal image's own places.
    pub fn image() -> Local {
        Local {
            version_file: "/etc/onetrip-version".into(),
            cmdline: "/proc/cmdline".into(),
            boot_id: "/proc/sys/kernel/random/boot_id".into(),
            rauc_dir: RAUC_DIR.into(),
            system_conf: "/etc/rauc/system.conf".into(),
        }
    }

    /// The image's places, or, when `ONETRIP_FIRMWARE_DIR` names a folder (tests, a developer's
    /// machine), the same names inside it: `onetrip-version`, `cmdline`, `boot_id`, `rauc/`,
    /// `system.conf`.
    pub fn from_env() -> Local {
        match std::env::var_os("ONETRIP_FIRMWARE_DIR") {
            Some(dir) => Local::inside(Path::new(&dir)),
            None => Local::image(),
        }
    }

    /// Every fact as a file in `dir`.
    pub fn inside(dir: &Path) -> Local {
        Local {
            version_file: dir.join("onetrip-version"),
            cmdline: dir.join("cmdline"),
            boot_id: dir.join("boot_id"),
            rauc_dir: dir.join("rauc"),
            system_conf: dir.join("system.conf"),
        }
    }

    /// The image's RAUC `compatible` string (a bundle must name the same one).
    pub fn compatible(&self) -> Option<String> {
        std::fs::read_to_string(&self.system_conf)
            .ok()?
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("compatible=")
                    .map(|c| c.trim().to_string())
            })
            .filter(|c| !c.is_empty())
    }

    /// The image's version, or `None` outside an image (a developer's build).
    pub fn running_version(&self) -> Option<String> {
        read_trimmed(&self.version_file)
    }

    /// The slot this terminal booted from, or `None` outside an A/B image.
    pub fn running_slot(&self) -> Option<String> {
        slot_from_cmdline(&std::fs::read_to_string(&self.cmdline).ok()?)
    }

    /// This boot's id: a record written before a reboot is told from one written after it.
    pub fn boot_id(&self) -> Option<String> {
        read_trimmed(&self.boot_id)
    }

    /// Whether the running slot was marked good on this boot (the mark-good service writes this
    /// boot's id to `confirmed-boot` once the kiosk is READY with its store open).
    pub fn confirmed_this_boot(&self) -> bool {
        let boot = self.boot_id();
        boot.is_some() && read_trimmed(&self.rauc_dir.join("confirmed-boot")) == boot
    }

    /// The versions that never became READY on this terminal (never installed again).
    pub fn failed_versions(&self) -> Vec<String> {
        std::fs::read_to_string(self.rauc_dir.join("failed-versions"))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Adds a version to `failed-versions` (once).
    pub fn record_failed(&self, version: &str) -> std::io::Result<()> {
        if self.failed_versions().iter().any(|v| v == version) {
            return Ok(());
        }
        self.append("failed-versions", version)
    }

    /// One line in `updates.log` (the stick's and the fleet's decisions), with the time.
    pub fn log_update(&self, line: &str) {
        let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        if let Err(e) = self.append("updates.log", &format!("{at} fleet: {line}")) {
            tracing::warn!(error = %e, "updates.log not written");
        }
    }

    /// The last lines of `updates.log`, for the log bundle and `onetrip fleet status`.
    pub fn update_log_tail(&self, lines: usize) -> Vec<String> {
        let text = std::fs::read_to_string(self.rauc_dir.join("updates.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..]
            .iter()
            .map(|l| l.to_string())
            .collect()
    }

    /// Whether the image was built with development keys (`image/build --dev-keys`: RAUC
    /// compatible `onetrip-x86_64-dev`).
    pub fn dev_keys(&self) -> bool {
        self.compatible().is_some_and(|c| c.ends_with("-dev"))
    }

    /// The firmware facts and the last update decisions, for the technician's log bundle.
    pub fn report(&self) -> String {
        let mut text = String::new();
        if self.dev_keys() {
            text.push_str(
                "DEVELOPMENT KEYS: this image is signed with a development PKI; never ship it\n",
            );
        }
        text.push_str(&format!(
            "version {}\nslot {}\nconfirmed on this boot {}\ncompatible {}\nfailed here {}\n\nupdates.log (last 50 lines):\n",
            self.running_version().as_deref().unwrap_or("-"),
            self.running_slot().as_deref().unwrap_or("-"),
            if self.confirmed_this_boot() { "yes" } else { "no" },
            self.compatible().as_deref().unwrap_or("-"),
            self.failed_versions().join(", "),
        ));
        for line in self.update_log_tail(50) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    fn append(&self, name: &str, line: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.rauc_dir)?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(self.rauc_dir.join(name))?;
        writeln!(f, "{line}")?;
        f.sync_all()
    }
}

fn read_trimmed(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// `rauc.slot=A|B` from a kernel command line.
pub fn slot_from_cmdline(cmdline: &str) -> Option<String> {
    cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rauc.slot="))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
