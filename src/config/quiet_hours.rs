//! `[fleet] quiet_hours`: daily quiet hours, local time, `"HH:MM-HH:MM"` (they may span
//! midnight), read straight into a typed value so a wrong one is refused with the configuration.

use serde::Deserialize;

/// Daily quiet hours, local time, `HH:MM-HH:MM` (may span midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct QuietHours {
    from: u32,
    to: u32,
}

impl QuietHours {
    pub fn parse(text: &str) -> Option<QuietHours> {
        let minutes = |t: &str| {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
            (h < 24 && m < 60 && t.trim().len() == 5).then_some(h * 60 + m)
        };
        let (from, to) = text.split_once('-')?;
        let (from, to) = (minutes(from)?, minutes(to)?);
        (from != to).then_some(QuietHours { from, to })
    }

    /// Whether the minute of the day `minute` (0..1440) falls in them.
    pub fn contain(&self, minute: u32) -> bool {
        if self.from < self.to {
            (self.from..self.to).contains(&minute)
        } else {
            minute >= self.from || minute < self.to
        }
    }
}

impl std::fmt::Display for QuietHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.from), hm(self.to))
    }
}

impl TryFrom<String> for QuietHours {
    type Error = String;
    fn try_from(text: String) -> Result<QuietHours, String> {
        QuietHours::parse(&text).ok_or_else(|| format!("{text:?} is not HH:MM-HH:MM"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_may_span_midnight() {
        let night = QuietHours::parse("23:30-05:00").unwrap();
        assert!(night.contain(23 * 60 + 30) && night.contain(2 * 60) && night.contain(4 * 60 + 59));
        assert!(!night.contain(5 * 60) && !night.contain(12 * 60));
        let lunch = QuietHours::parse("12:00-13:30").unwrap();
        assert!(lunch.contain(12 * 60 + 10) && !lunch.contain(13 * 60 + 30));
        assert_eq!(night.to_string(), "23:30-05:00");
        for bad in ["1:00-05:00", "25:00-05:00", "01:00", "01:00-01:00", "a-b"] {
            assert_eq!(QuietHours::parse(bad), None, "{bad}");
        }
    }
}
