//! What the fleet client keeps on the data partition (`{data}/fleet/state.json`), so that a
//! reboot, a power cut or a crash never loses an action: the bundle installed and waiting for its
//! slot to be confirmed good (reported only then), and the last action closed (its feedback sent
//! again if the server still offers it). Written atomically: a temporary file, fsync, rename.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Installed into the other slot; not reported closed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    pub action: String,
    pub version: String,
    /// The firmware it replaces, and the slot that firmware runs from.
    pub from_version: Option<String>,
    pub from_slot: Option<String>,
    /// The boot it was installed in: the same boot means the reboot is still to come.
    pub boot_id: Option<String>,
}

/// The last action closed, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reported {
    pub action: String,
    pub success: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(default)]
    pub installed: Option<Installed>,
    #[serde(default)]
    pub reported: Option<Reported>,
}

/// The fleet client's folder: `state.json`, `downloads/`, the lock.
#[derive(Debug, Clone)]
pub struct FleetDir(pub PathBuf);

impl FleetDir {
    pub fn downloads(&self) -> PathBuf {
        self.0.join("downloads")
    }

    fn state(&self) -> PathBuf {
        self.0.join("state.json")
    }

    /// The record, or an empty one (a record that does not parse is logged and ignored).
    pub fn load(&self) -> Record {
        match std::fs::read(self.state()) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::error!(error = %e, "fleet state unreadable; starting afresh");
                Record::default()
            }),
            Err(_) => Record::default(),
        }
    }

    pub fn save(&self, record: &Record) -> std::io::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(&self.0)?;
        let tmp = self.0.join("state.json.tmp");
        // A new file, never through a link planted in the folder.
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(record).unwrap_or_default())?;
        f.sync_all()?;
        std::fs::rename(&tmp, self.state())?;
        std::fs::File::open(&self.0)?.sync_all()
    }

    /// One poll at a time on this terminal (the kiosk's task, `onetrip fleet poll --once`): held
    /// until the returned guard is dropped.
    pub fn lock(&self) -> std::io::Result<PollLock> {
        std::fs::create_dir_all(&self.0)?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(self.0.join("lock"))?;
        rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(
            |_| {
                std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    "another fleet poll is running on this terminal",
                )
            },
        )?;
        Ok(PollLock(f))
    }

    /// Removes what a download interrupted by a power cut or a crash left (only a poll holding
    /// the lock downloads, so anything there now is left over).
    pub fn remove_leftovers(&self) {
        let Ok(entries) = std::fs::read_dir(self.downloads()) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match std::fs::remove_file(&path) {
                Ok(()) => tracing::warn!(file = %path.display(), "left-over download removed"),
                Err(e) => {
                    tracing::error!(file = %path.display(), error = %e, "left-over download not removed")
                }
            }
        }
    }
}

/// Free bytes for an unprivileged writer in the file system holding `dir` (or its parent).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    let probe = if dir.exists() { dir } else { dir.parent()? };
    let st = rustix::fs::statvfs(probe).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

/// The fleet's poll lock. Dropping it unlocks explicitly: a child process forked elsewhere in
/// the kiosk (a voice prompt, a print) holds a copy of the descriptor until it execs, and a
/// lock released only by closing would stay held through that copy, so the next poll would
/// find "another poll running".
pub struct PollLock(std::fs::File);

impl Drop for PollLock {
    fn drop(&mut self) {
        let _ = rustix::fs::flock(&self.0, rustix::fs::FlockOperation::Unlock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_lock_is_free_even_while_a_copy_of_its_descriptor_lives() {
        let dir = tempfile::tempdir().unwrap();
        let fleet = FleetDir(dir.path().join("fleet"));
        let held = fleet.lock().unwrap();
        let err = fleet.lock().err().expect("a second poll is refused");
        assert!(err.to_string().contains("another fleet poll"), "{err}");
        // What a child forked between open and exec holds: the same open file description.
        let forked_copy = held.0.try_clone().unwrap();
        drop(held);
        let again = fleet.lock();
        assert!(again.is_ok(), "{:?}", again.err());
        drop(forked_copy);
    }
}
