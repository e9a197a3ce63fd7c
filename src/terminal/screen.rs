//! The terminal's screen under linuxkms: the kiosk draws straight to a DRM card, which the kernel
//! makes when the GPU's driver binds — a module udev's coldplug loads, and the kiosk does not wait
//! for udev to settle (that would put every device's rules on its path). Started before the card
//! is there, Slint's backend fails ("Could not create an egl display") and systemd restarts the
//! kiosk two seconds later; so the kiosk waits for the card first, which takes a few tens of
//! milliseconds on a terminal and has taken over a second of an emulated boot.

use std::path::Path;
use std::time::{Duration, Instant};

/// Where the kernel's DRM nodes are.
pub const DRI: &str = "/dev/dri";

/// How often the folder is looked at while the card is awaited.
const POLL: Duration = Duration::from_millis(20);

/// Whether `dir` holds a DRM card node (`card0`, `card1`, …): not the render nodes, nor udev's
/// `by-path` folder, which Slint cannot draw on.
pub fn has_card(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let numbered = name
            .strip_prefix("card")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        numbered && entry.file_type().is_ok_and(|t| !t.is_dir())
    })
}

/// Waits until `dir` holds a card, for at most `limit`: how long it waited (zero when the card was
/// there already), or `None` if no card came (the kiosk then starts anyway, and Slint says why it
/// cannot draw).
pub fn wait_for_card(dir: &Path, limit: Duration) -> Option<Duration> {
    if has_card(dir) {
        return Some(Duration::ZERO);
    }
    let start = Instant::now();
    loop {
        std::thread::sleep(POLL);
        if has_card(dir) {
            return Some(start.elapsed());
        }
        if start.elapsed() >= limit {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card that appears while the kiosk waits is found, and the wait lasted until it came;
    /// what is in /dev/dri before it (a render node, udev's folder, a card-like name) is not a card.
    #[test]
    fn waits_for_a_card_that_comes_late() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("by-path")).unwrap();
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        std::fs::write(dir.path().join("cardx"), b"").unwrap();
        std::fs::create_dir(dir.path().join("card9")).unwrap();
        assert!(!has_card(dir.path()));
        let card = dir.path().join("card1");
        let maker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            std::fs::write(card, b"").unwrap();
            Instant::now()
        });
        let waited = wait_for_card(dir.path(), Duration::from_secs(60));
        let returned = Instant::now();
        let made = maker.join().unwrap();
        // It waited, and came back only once the card was there.
        let waited = waited.expect("the card that appeared was not found");
        assert!(waited > Duration::ZERO);
        assert!(returned >= made, "returned before the card was made");
        // Already there: no wait at all.
        assert_eq!(
            wait_for_card(dir.path(), Duration::from_secs(60)),
            Some(Duration::ZERO)
        );
    }

    /// No card, or no folder at all (a terminal without a GPU driver): the wait ends at its limit.
    #[test]
    fn gives_up_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(wait_for_card(dir.path(), Duration::from_millis(60)), None);
        assert_eq!(
            wait_for_card(&dir.path().join("dri"), Duration::from_millis(60)),
            None
        );
    }
}
