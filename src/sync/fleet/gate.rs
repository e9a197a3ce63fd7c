//! When an update may disturb the terminal: never while a citizen (or staff) is at the screen.
//! The kiosk tells the fleet client through a watch: `Some(since)` while the idle (attract or
//! out-of-service) screen has been up since then, `None` while someone uses it. Installing waits
//! for the idle screen (and, for DDI's `attempt`, for the quiet hours when some are configured);
//! the reboot waits until the idle screen has been up for `reboot_idle`, or the quiet hours have
//! come and the screen is idle.

use std::time::{Duration, Instant};

use tokio::sync::watch;

pub use crate::config::QuietHours;

/// `Some(since)`: the idle screen is up since then; `None`: someone is at the screen.
pub type ScreenIdle = watch::Receiver<Option<Instant>>;

/// The terminal's rules for disturbing its screen.
#[derive(Debug, Clone)]
pub struct Gate {
    /// The kiosk's screen; without one (`onetrip fleet poll --once`, a technician at the
    /// terminal), nobody else is taken to be at it, and nothing reboots by itself.
    pub screen: Option<ScreenIdle>,
    pub reboot_idle: Duration,
    pub quiet: Option<QuietHours>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            screen: None,
            reboot_idle: Duration::from_secs(300),
            quiet: None,
        }
    }
}

/// The local minute of the day now.
pub fn local_minute() -> u32 {
    use chrono::Timelike;
    let now = chrono::Local::now();
    now.hour() * 60 + now.minute()
}

impl Gate {
    fn idle_since(&self) -> Option<Option<Instant>> {
        self.screen.as_ref().map(|s| *s.borrow())
    }

    /// Why nothing may be installed now (`attempt`: the terminal chooses when), or `None`.
    pub fn install_waits(&self, attempt: bool, minute: u32) -> Option<String> {
        if self.idle_since() == Some(None) {
            return Some("a citizen or staff is at the screen; installed once it is idle".into());
        }
        match self.quiet {
            Some(q) if attempt && !q.contain(minute) => Some(format!(
                "the server leaves the time to the terminal (attempt): installed in the quiet hours {q}"
            )),
            _ => None,
        }
    }

    /// Whether the terminal may reboot now: the idle screen up for `reboot_idle`, or in the quiet
    /// hours with the idle screen up. Never without a screen to ask.
    pub fn may_reboot(&self, now: Instant, minute: u32) -> bool {
        match self.idle_since() {
            Some(Some(since)) => {
                now.saturating_duration_since(since) >= self.reboot_idle
                    || self.quiet.is_some_and(|q| q.contain(minute))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_citizen_at_the_screen_holds_the_install_and_the_reboot_back() {
        let t0 = Instant::now();
        let (tx, rx) = watch::channel(None);
        let gate = Gate {
            screen: Some(rx),
            reboot_idle: Duration::from_secs(300),
            quiet: QuietHours::parse("01:00-05:00"),
        };
        let (noon, night) = (12 * 60, 2 * 60);
        // A session is open: neither, even in the quiet hours.
        assert!(gate.install_waits(false, night).is_some());
        assert!(!gate.may_reboot(t0, night));
        // The attract screen is back: installing may start; the reboot waits for the idle time
        // (or the quiet hours).
        tx.send_replace(Some(t0));
        assert_eq!(gate.install_waits(false, noon), None);
        assert!(gate
            .install_waits(true, noon)
            .unwrap()
            .contains("quiet hours 01:00-05:00"));
        assert_eq!(gate.install_waits(true, night), None);
        assert!(!gate.may_reboot(t0 + Duration::from_secs(299), noon));
        assert!(gate.may_reboot(t0 + Duration::from_secs(300), noon));
        assert!(gate.may_reboot(t0, night));
        // No screen to ask (a technician's poll): it installs, and never reboots by itself.
        let by_hand = Gate::default();
        assert_eq!(by_hand.install_waits(true, noon), None);
        assert!(!by_hand.may_reboot(t0 + Duration::from_secs(86_400), night));
    }
}
