//! Which firmware versions this terminal installs, from a USB stick or from the fleet server alike
//! (`onetrip fleet allows VERSION` is the stick's way in): never the running one, never one that
//! already failed here, never an older one. Versions are ordered as Debian orders them (dpkg's
//! algorithm, the one `sort -V` approximates): digits as numbers, `~` before anything, so
//! `1.2.0~rc1` < `1.2.0` < `1.2.0+5.gabc` < `1.2.1`.

use std::cmp::Ordering;

/// dpkg's `verrevcmp`: letters before other characters, `~` before the end, digit runs compared
/// as numbers.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn order(c: Option<u8>) -> i32 {
        match c {
            None => 0,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(c),
            Some(b'~') => -1,
            Some(c) => i32::from(c) + 256,
        }
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// Whether `candidate` may be installed over `running`, given the versions that failed here; the
/// refusal is a sentence for the console, the log and the fleet server.
pub fn may_install(
    candidate: &str,
    running: Option<&str>,
    failed: &[String],
) -> Result<(), String> {
    let Some(running) = running else {
        return Err(format!(
            "the running firmware has no version (not an A/B image); version {candidate} not installed"
        ));
    };
    if candidate == running {
        return Err(format!(
            "version {candidate} already running; nothing to install"
        ));
    }
    if failed.iter().any(|f| f == candidate) {
        return Err(format!(
            "version {candidate} failed on this terminal before; not installed again"
        ));
    }
    if compare_versions(candidate, running) != Ordering::Greater {
        return Err(format!(
            "version {candidate} is older than the running {running}; a downgrade is never installed"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_ordered_as_debian_orders_them() {
        let ascending = [
            "0.9.9",
            "1.0.0~rc1",
            "1.0.0",
            "1.0.0+12.gabc1234",
            "1.0.0+12.gabc1234-u2",
            "1.0.0+12.gabc1234-u3-never-ready",
            "1.0.0+13.g0000000",
            "1.0.1",
            "1.0.10",
            "1.1",
        ];
        for pair in ascending.windows(2) {
            assert_eq!(
                compare_versions(pair[0], pair[1]),
                Ordering::Less,
                "{pair:?}"
            );
            assert_eq!(
                compare_versions(pair[1], pair[0]),
                Ordering::Greater,
                "{pair:?}"
            );
        }
        assert_eq!(compare_versions("1.02", "1.2"), Ordering::Equal);
        // A digit run longer than any integer is still compared, without overflow.
        assert_eq!(
            compare_versions("1.99999999999999999999999", "1.99999999999999999999998"),
            Ordering::Greater
        );
    }

    #[test]
    fn never_older_never_the_running_one_never_one_that_failed_here() {
        let failed = vec!["2.1.0".to_string()];
        assert_eq!(may_install("2.0.1", Some("2.0.0"), &failed), Ok(()));
        let refused = |c: &str| may_install(c, Some("2.0.0"), &failed).unwrap_err();
        assert!(refused("1.9.9").contains("older than the running 2.0.0"));
        assert!(refused("2.0.0").contains("already running"));
        assert!(refused("2.1.0").contains("failed on this terminal before"));
        assert!(may_install("2.0.1", None, &failed).is_err());
    }
}
