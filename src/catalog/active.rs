//! The catalog in force on this terminal: the shipped one, or the last good update from upstream.
//! An update is kept as one file, `catalog/current.signed` in the data directory: the ETag line,
//! the signature line, then the exact signed bytes. It is replaced by an atomic rename, so a power
//! cut leaves either the old update or the new one, never half of each; and it is verified again
//! at every start, so a file changed on disk is refused like a tampered download.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;

use super::signature::{self, SignatureError};
use super::{parse_for, shipped, Capability, Catalog, Problem};

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("no catalog public key is configured, so updates cannot be trusted")]
    NoKey,
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    #[error("the catalog is not UTF-8 text")]
    NotText,
    #[error("the catalog is invalid ({} problems; first: {})", .0.len(), .0.first().map(|p| p.to_string()).unwrap_or_default())]
    Invalid(Vec<Problem>),
    #[error("cannot keep the catalog: {0}")]
    Io(#[from] std::io::Error),
    /// Signed by the authority, but not newer than the catalog in force: a replay of an old
    /// (perhaps withdrawn) catalog, or the same one again.
    #[error("version {offered} is not newer than {in_force}, the catalog in force")]
    NotNewer { offered: String, in_force: String },
}

/// Whether `offered` is strictly newer than `in_force` (a version without numbers never is).
pub fn is_newer(offered: &str, in_force: &str) -> bool {
    match (
        super::version_order(offered),
        super::version_order(in_force),
    ) {
        (Some(o), Some(i)) => o > i,
        (Some(_), None) => true,
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Shipped,
    Update { etag: String },
}

/// What the terminal is running, for the heartbeat and the staff screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogStatus {
    pub version: String,
    pub origin: Origin,
    /// Why the last update (or the kept one, at start) was refused.
    pub last_rejection: Option<String>,
}

impl CatalogStatus {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": self.version,
            "source": match &self.origin { Origin::Shipped => "shipped", Origin::Update { .. } => "update" },
            "etag": match &self.origin { Origin::Shipped => None, Origin::Update { etag } => Some(etag) },
            "last_rejection": self.last_rejection,
        })
    }
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("catalog").join("current.signed")
}

/// Verifies and validates a downloaded catalog, for a terminal with `capabilities`: the catalog,
/// or why not.
pub fn verify(
    bytes: &[u8],
    signature_b64: &str,
    key: Option<&VerifyingKey>,
    capabilities: &[Capability],
) -> Result<Catalog, UpdateError> {
    let key = key.ok_or(UpdateError::NoKey)?;
    signature::verify(bytes, signature_b64, key)?;
    let text = std::str::from_utf8(bytes).map_err(|_| UpdateError::NotText)?;
    parse_for(
        &[("upstream catalog".to_string(), text.to_string())],
        capabilities,
    )
    .map_err(UpdateError::Invalid)
}

/// Verifies, validates and keeps an update newer than `in_force` (the version running now); the
/// old file stays until the new one is safe on disk.
pub fn install(
    data_dir: &Path,
    bytes: &[u8],
    signature_b64: &str,
    etag: &str,
    key: Option<&VerifyingKey>,
    capabilities: &[Capability],
    in_force: &str,
) -> Result<Catalog, UpdateError> {
    let catalog = verify(bytes, signature_b64, key, capabilities)?;
    if !is_newer(&catalog.version, in_force) {
        return Err(UpdateError::NotNewer {
            offered: catalog.version,
            in_force: in_force.to_string(),
        });
    }
    super::signed_file::write(&path(data_dir), etag, signature_b64, bytes)?;
    Ok(catalog)
}

/// The catalog to run at start: the kept update if it still verifies, else the shipped one.
pub fn load(
    data_dir: &Path,
    key: Option<&VerifyingKey>,
    capabilities: &[Capability],
) -> (Catalog, CatalogStatus) {
    let shipped_status = |catalog: &Catalog, why: Option<String>| CatalogStatus {
        version: catalog.version.clone(),
        origin: Origin::Shipped,
        last_rejection: why,
    };
    let file = path(data_dir);
    let kept = match super::signed_file::read(&file) {
        Ok(Some(kept)) => kept,
        Ok(None) => {
            let c = shipped();
            let s = shipped_status(&c, None);
            return (c, s);
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            let c = shipped();
            tracing::error!(file = %file.display(), "kept catalog refused; using the shipped one");
            let s = shipped_status(
                &c,
                Some(format!("kept catalog refused: {}", UpdateError::NotText)),
            );
            return (c, s);
        }
        Err(e) => {
            let c = shipped();
            let why = format!("kept catalog unreadable: {e}");
            tracing::error!(file = %file.display(), error = %e, "kept catalog unreadable; using the shipped one");
            let s = shipped_status(&c, Some(why));
            return (c, s);
        }
    };
    let result = verify(&kept.body, &kept.signature, key, capabilities).map(|c| (c, kept.etag));
    let shipped_version = shipped().version;
    match result {
        Ok((catalog, _)) if !is_newer(&catalog.version, &shipped_version) => {
            // This firmware brought a catalog at least as new as the kept update.
            tracing::info!(kept = %catalog.version, shipped = %shipped_version, "the shipped catalog is newer than the kept update");
            let c = shipped();
            let s = shipped_status(&c, None);
            (c, s)
        }
        Ok((catalog, etag)) => {
            let status = CatalogStatus {
                version: catalog.version.clone(),
                origin: Origin::Update { etag },
                last_rejection: None,
            };
            (catalog, status)
        }
        Err(e) => {
            tracing::error!(file = %file.display(), error = %e, "kept catalog refused; using the shipped one");
            let c = shipped();
            let s = shipped_status(&c, Some(format!("kept catalog refused: {e}")));
            (c, s)
        }
    }
}

/// The ETag of the kept update, for `If-None-Match`.
pub fn kept_etag(data_dir: &Path) -> Option<String> {
    super::signed_file::etag(&path(data_dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{bundle, shipped_files};

    fn keys() -> (ed25519_dalek::SigningKey, VerifyingKey) {
        let (sk, pk) = signature::generate().unwrap();
        (
            signature::signing_key(&sk).unwrap(),
            signature::public_key(&pk).unwrap(),
        )
    }

    fn with_version(v: &str) -> String {
        let doc = bundle(&shipped_files());
        let current = format!("version = \"{}\"", shipped().version);
        assert!(doc.contains(&current));
        doc.replacen(&current, &format!("version = \"{v}\""), 1)
    }

    fn updated_bundle() -> String {
        with_version("2099.01.01-1")
    }

    fn in_force() -> String {
        shipped().version
    }

    /// Review M7: any catalog the authority ever signed could be installed again, a withdrawn one
    /// included. Now only a newer version is taken; the shipped catalog of a newer firmware wins
    /// over an older kept update.
    #[test]
    fn an_older_or_equal_signed_catalog_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (sk, pk) = keys();
        let newer = with_version("2099.01.01-2");
        let sig = signature::sign(newer.as_bytes(), &sk);
        install(
            dir.path(),
            newer.as_bytes(),
            &sig,
            "\"n\"",
            Some(&pk),
            &Capability::DEFAULT,
            &in_force(),
        )
        .unwrap();
        for old in ["2099.01.01-1", "2099.01.01-2", "2026.01.01-9"] {
            let doc = with_version(old);
            let e = install(
                dir.path(),
                doc.as_bytes(),
                &signature::sign(doc.as_bytes(), &sk),
                "\"o\"",
                Some(&pk),
                &Capability::DEFAULT,
                "2099.01.01-2",
            )
            .unwrap_err();
            assert!(matches!(e, UpdateError::NotNewer { .. }), "{old}: {e}");
        }
        assert_eq!(
            load(dir.path(), Some(&pk), &Capability::DEFAULT).0.version,
            "2099.01.01-2"
        );
        // The same order for the versions as a bureau writes them.
        assert!(is_newer("2026.12.01-1", "2026.11.29-1"));
        assert!(is_newer("2026.11.29-10", "2026.11.29-9"));
        assert!(!is_newer("2026.11.29-1", "2026.11.29-1"));
        assert!(!is_newer("draft", "2026.11.29-1"));

        // A kept update older than this firmware's shipped catalog: the shipped one runs.
        let dir = tempfile::tempdir().unwrap();
        let old = with_version("2020.01.01-1");
        let raw = format!("\"k\"\n{}\n{old}", signature::sign(old.as_bytes(), &sk));
        std::fs::create_dir_all(path(dir.path()).parent().unwrap()).unwrap();
        std::fs::write(path(dir.path()), raw).unwrap();
        let (c, status) = load(dir.path(), Some(&pk), &Capability::DEFAULT);
        assert_eq!(c.version, in_force());
        assert_eq!(status.origin, Origin::Shipped);
    }

    #[test]
    fn a_signed_update_is_kept_and_loaded_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let (sk, pk) = keys();
        let doc = updated_bundle();
        let sig = signature::sign(doc.as_bytes(), &sk);
        let c = install(
            dir.path(),
            doc.as_bytes(),
            &sig,
            "\"e1\"",
            Some(&pk),
            &Capability::DEFAULT,
            &in_force(),
        )
        .unwrap();
        assert_eq!(c.version, "2099.01.01-1");
        let (loaded, status) = load(dir.path(), Some(&pk), &Capability::DEFAULT);
        assert_eq!(loaded.version, c.version);
        assert_eq!(
            status.origin,
            Origin::Update {
                etag: "\"e1\"".into()
            }
        );
        assert_eq!(kept_etag(dir.path()).as_deref(), Some("\"e1\""));
    }

    #[test]
    fn tampered_or_invalid_updates_leave_the_old_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let (sk, pk) = keys();
        let doc = updated_bundle();
        let sig = signature::sign(doc.as_bytes(), &sk);
        install(
            dir.path(),
            doc.as_bytes(),
            &sig,
            "\"good\"",
            Some(&pk),
            &Capability::DEFAULT,
            &in_force(),
        )
        .unwrap();
        let before = std::fs::read(path(dir.path())).unwrap();

        // One byte changed after signing.
        let tampered = doc.replacen("无犯罪记录证明", "无犯罪记录证朋", 1);
        let e = install(
            dir.path(),
            tampered.as_bytes(),
            &sig,
            "\"bad\"",
            Some(&pk),
            &Capability::DEFAULT,
            &in_force(),
        )
        .unwrap_err();
        assert!(
            matches!(e, UpdateError::Signature(SignatureError::Mismatch)),
            "{e}"
        );
        // Signed by someone else.
        let (other, _) = keys();
        let e = install(
            dir.path(),
            doc.as_bytes(),
            &signature::sign(doc.as_bytes(), &other),
            "\"x\"",
            Some(&pk),
            &Capability::DEFAULT,
            &in_force(),
        )
        .unwrap_err();
        assert!(matches!(e, UpdateError::Signature(_)));
        // Properly signed but invalid.
        let broken = doc.replacen("category = \"ZA-FZJL\"", "category = \"ZA-NONE\"", 1);
        let e = install(
            dir.path(),
            broken.as_bytes(),
            &signature::sign(broken.as_bytes(), &sk),
            "\"y\"",
            Some(&pk),
            &Capability::DEFAULT,
            &in_force(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("ZA-NONE"), "{e}");
        // No key configured: nothing is trusted.
        assert!(matches!(
            install(
                dir.path(),
                doc.as_bytes(),
                &sig,
                "\"z\"",
                None,
                &Capability::DEFAULT,
                &in_force()
            ),
            Err(UpdateError::NoKey)
        ));
        assert_eq!(std::fs::read(path(dir.path())).unwrap(), before);
        assert_eq!(
            load(dir.path(), Some(&pk), &Capability::DEFAULT).1.origin,
            Origin::Update {
                etag: "\"good\"".into()
            }
        );
    }

    #[test]
    fn a_kept_file_changed_on_disk_falls_back_to_the_shipped_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let (sk, pk) = keys();
        let doc = updated_bundle();
        let sig = signature::sign(doc.as_bytes(), &sk);
        install(
            dir.path(),
            doc.as_bytes(),
            &sig,
            "\"e\"",
            Some(&pk),
            &Capability::DEFAULT,
            &in_force(),
        )
        .unwrap();
        let mut raw = std::fs::read(path(dir.path())).unwrap();
        let n = raw.len();
        raw[n - 2] ^= 0x01;
        std::fs::write(path(dir.path()), raw).unwrap();
        let (c, status) = load(dir.path(), Some(&pk), &Capability::DEFAULT);
        assert_eq!(c, shipped());
        assert_eq!(status.origin, Origin::Shipped);
        assert!(status.last_rejection.unwrap().contains("signature"));
    }
}
