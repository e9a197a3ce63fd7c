//! The community feed kept on the data partition, like the catalog's update: one file,
//! `community/current.signed` — the ETag line, the signature line, the exact signed bytes —
//! replaced by an atomic rename and verified again at every start. Newer versions only, so a
//! replayed old feed (an officer since moved away) cannot come back.
//!
//! The day the feed is read against never goes back: the latest of the wall clock's date, the
//! feed's issue date and the latest day this terminal has seen (kept beside the feed). A clock
//! set back — a dead RTC battery, a forged NTP answer — cannot bring back a person whose
//! `valid_until` has passed.

use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use onetrip_drivers::id_card::Date;

use super::{parse_date, Feed, Invalid};
use crate::catalog::active::is_newer;
use crate::catalog::signature::{self, SignatureError};
use crate::catalog::signed_file;

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("no authority key is configured, so the community feed cannot be trusted")]
    NoKey,
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("version {offered} is not newer than {in_force}, the feed in force")]
    NotNewer { offered: String, in_force: String },
    #[error("cannot keep the community feed: {0}")]
    Io(#[from] std::io::Error),
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("community")
}

pub fn path(data_dir: &Path) -> PathBuf {
    dir(data_dir).join("current.signed")
}

/// Verifies the authority's signature over the exact bytes, then the document.
pub fn verify(
    bytes: &[u8],
    signature_b64: &str,
    key: Option<&VerifyingKey>,
) -> Result<Feed, FeedError> {
    let key = key.ok_or(FeedError::NoKey)?;
    signature::verify(bytes, signature_b64, key)?;
    Ok(Feed::parse(bytes)?)
}

/// Verifies and keeps a feed newer than `in_force` (`None`: none kept yet).
pub fn install(
    data_dir: &Path,
    bytes: &[u8],
    signature_b64: &str,
    etag: &str,
    key: Option<&VerifyingKey>,
    in_force: Option<&str>,
) -> Result<Feed, FeedError> {
    let feed = verify(bytes, signature_b64, key)?;
    // Newer than the feed in force and than any feed ever kept here: a lost or damaged file
    // does not reopen the door to an old feed (an officer since moved away).
    let highest = highest_version(data_dir);
    for floor in [in_force, highest.as_deref()].into_iter().flatten() {
        if !is_newer(&feed.version, floor) {
            return Err(FeedError::NotNewer {
                offered: feed.version,
                in_force: floor.to_string(),
            });
        }
    }
    signed_file::write(&path(data_dir), etag, signature_b64, bytes)?;
    keep_highest_version(data_dir, &feed.version)?;
    Ok(feed)
}

/// The kept feed if it still verifies; otherwise why not (`Ok(None)`: none kept).
pub fn load(data_dir: &Path, key: Option<&VerifyingKey>) -> Result<Option<Feed>, FeedError> {
    match signed_file::read(&path(data_dir))? {
        None => Ok(None),
        Some(kept) => verify(&kept.body, &kept.signature, key).map(Some),
    }
}

/// The ETag of the kept feed, for `If-None-Match`.
pub fn kept_etag(data_dir: &Path) -> Option<String> {
    signed_file::etag(&path(data_dir))
}

fn highest_version_path(data_dir: &Path) -> PathBuf {
    dir(data_dir).join("highest_version")
}

/// The newest version ever installed here (kept apart from the feed's own file).
pub fn highest_version(data_dir: &Path) -> Option<String> {
    std::fs::read_to_string(highest_version_path(data_dir))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn keep_highest_version(data_dir: &Path, version: &str) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir(data_dir))?;
    writeln!(tmp, "{version}")?;
    tmp.as_file().sync_all()?;
    tmp.persist(highest_version_path(data_dir))
        .map_err(|e| e.error)?;
    std::fs::File::open(dir(data_dir))?.sync_all()
}

fn latest_day_path(data_dir: &Path) -> PathBuf {
    dir(data_dir).join("latest_day")
}

/// The day to read `feed` against, never before a day this terminal has seen: the latest of
/// the wall clock's date, the latest day kept and the feed's issue date (see the module's note).
/// The wall clock's date is kept only up to the day after the feed expires — a clock that once
/// jumped to 2099 makes this feed expire (the safe side) but cannot also expire every later feed —
/// and only while there is a feed to protect.
pub fn reading_day(data_dir: &Path, wall: Date, feed: Option<&Feed>) -> Date {
    let kept = std::fs::read_to_string(latest_day_path(data_dir))
        .ok()
        .and_then(|s| parse_date(s.trim()));
    let issued = feed.and_then(|f| parse_date(&f.issued));
    let keep_up_to = feed.and_then(|f| parse_date(&f.expires_at)).map(day_after);
    let to_keep = keep_up_to
        .map(|cap| wall.min(cap))
        .filter(|d| kept < Some(*d));
    if let Some(day) = to_keep {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir(data_dir))?;
            let mut tmp = tempfile::NamedTempFile::new_in(dir(data_dir))?;
            writeln!(tmp, "{day}")?;
            tmp.as_file().sync_all()?;
            tmp.persist(latest_day_path(data_dir))
                .map_err(|e| e.error)?;
            Ok(())
        };
        if let Err(e) = write() {
            tracing::warn!(error = %e, "latest day not kept");
        }
    }
    [Some(wall), kept, to_keep, issued]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(wall)
}

fn day_after(d: Date) -> Date {
    chrono::NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        .and_then(|n| n.succ_opt())
        .map(|n| {
            use chrono::Datelike;
            Date {
                year: n.year() as u16,
                month: n.month() as u8,
                day: n.day() as u8,
            }
        })
        .unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::signature::{generate, public_key, sign, signing_key};

    fn keys() -> (ed25519_dalek::SigningKey, VerifyingKey) {
        let (sk, pk) = generate().unwrap();
        (signing_key(&sk).unwrap(), public_key(&pk).unwrap())
    }

    fn demo() -> Vec<u8> {
        include_bytes!("../../assets/community/demo.json").to_vec()
    }

    fn with_version(version: &str) -> Vec<u8> {
        let mut feed = Feed::parse(&demo()).unwrap();
        feed.version = version.into();
        serde_json::to_vec(&feed).unwrap()
    }

    #[test]
    fn a_signed_feed_is_kept_and_verified_again_at_start() {
        let d = tempfile::tempdir().unwrap();
        let (sk, pk) = keys();
        let bytes = demo();
        install(
            d.path(),
            &bytes,
            &sign(&bytes, &sk),
            "\"e1\"",
            Some(&pk),
            None,
        )
        .unwrap();
        assert_eq!(kept_etag(d.path()).as_deref(), Some("\"e1\""));
        let feed = load(d.path(), Some(&pk)).unwrap().unwrap();
        assert_eq!(feed.version, "2026.12.01");
        // One byte changed on disk: refused at the next start.
        let p = path(d.path());
        let mut raw = std::fs::read(&p).unwrap();
        let at = raw.iter().rposition(|b| *b == b'3').unwrap();
        raw[at] = b'4';
        std::fs::write(&p, raw).unwrap();
        assert!(matches!(
            load(d.path(), Some(&pk)),
            Err(FeedError::Signature(SignatureError::Mismatch))
        ));
    }

    #[test]
    fn a_forged_an_older_and_an_unsigned_feed_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let (sk, pk) = keys();
        let (other, _) = keys();
        let bytes = demo();
        let forged = install(d.path(), &bytes, &sign(&bytes, &other), "", Some(&pk), None);
        assert!(matches!(
            forged,
            Err(FeedError::Signature(SignatureError::Mismatch))
        ));
        assert!(matches!(
            install(d.path(), &bytes, "", "", Some(&pk), None),
            Err(FeedError::Signature(SignatureError::Malformed))
        ));
        assert!(matches!(
            install(d.path(), &bytes, &sign(&bytes, &sk), "", None, None),
            Err(FeedError::NoKey)
        ));
        let older = with_version("2026.11.01");
        let replay = install(
            d.path(),
            &older,
            &sign(&older, &sk),
            "",
            Some(&pk),
            Some("2026.12.01"),
        );
        assert!(
            matches!(replay, Err(FeedError::NotNewer { .. })),
            "{replay:?}"
        );
        assert!(
            load(d.path(), Some(&pk)).unwrap().is_none(),
            "nothing was kept"
        );
        // Kept, then the file lost (a damaged partition): an older feed is still refused.
        let current = demo();
        install(
            d.path(),
            &current,
            &sign(&current, &sk),
            "",
            Some(&pk),
            None,
        )
        .unwrap();
        std::fs::remove_file(path(d.path())).unwrap();
        let replay = install(d.path(), &older, &sign(&older, &sk), "", Some(&pk), None);
        assert!(
            matches!(replay, Err(FeedError::NotNewer { .. })),
            "{replay:?}"
        );
    }

    #[test]
    fn the_reading_day_never_goes_back() {
        let d = tempfile::tempdir().unwrap();
        let feed = Feed::parse(&demo()).unwrap();
        let day = |s: &str| parse_date(s).unwrap();
        // A clock before the feed was issued reads it as of its issue date.
        assert_eq!(
            reading_day(d.path(), day("2020-01-01"), Some(&feed)),
            day("2026-12-01")
        );
        assert_eq!(
            reading_day(d.path(), day("2027-03-01"), Some(&feed)),
            day("2027-03-01")
        );
        // Set back by a year afterwards: still the latest day seen.
        assert_eq!(
            reading_day(d.path(), day("2026-03-01"), Some(&feed)),
            day("2027-03-01")
        );
        assert_eq!(
            reading_day(d.path(), day("2026-03-01"), None),
            day("2027-03-01")
        );
    }
}
