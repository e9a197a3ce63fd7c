//! `onetrip catalog …`: the technician's and the issuing authority's tools — check a catalog,
//! make a key pair, sign a catalog for publishing.

use std::io::Write;
use std::path::Path;

use super::{bundle, read_path, signature, Capability};

/// Exit status for an invalid catalog or bad input (as for an invalid configuration).
pub const INVALID: u8 = 2;

/// Checks the catalog at `path` (a directory of TOML files or one bundle). Writes a summary to
/// `out` and every problem to `err`; returns the exit status.
pub fn check(
    path: &Path,
    capabilities: &[Capability],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let files = match read_path(path) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "{}: cannot read: {e}", path.display());
            return INVALID;
        }
    };
    // The authority's reading: a stale sign-off is a problem here (a terminal drops it).
    let checked = super::parse_signed_off(&files).and_then(|c| {
        let problems = super::check::for_terminal(&c, capabilities);
        if problems.is_empty() {
            Ok(c)
        } else {
            Err(problems)
        }
    });
    match checked {
        Ok(c) => {
            let _ = writeln!(
                out,
                "catalog {} is valid: {} police types, {} categories, {} items ({} verified by the issuing authority)",
                c.version,
                c.police_types.len(),
                c.categories.len(),
                c.items.len(),
                c.items.iter().filter(|i| i.verified).count()
            );
            0
        }
        Err(problems) => {
            for p in &problems {
                let _ = writeln!(err, "{p}");
            }
            let _ = writeln!(
                err,
                "{} problem(s); the catalog is not valid",
                problems.len()
            );
            INVALID
        }
    }
}

/// How the terminal shows each item (by code), made into `items/` of the sheet: its screens
/// and receipts (see `review::Shown`).
pub type ShowItems<'a> =
    &'a dyn Fn(
        &super::Catalog,
        &Path,
    ) -> Result<std::collections::HashMap<String, super::review::Shown>, String>;

/// Writes the review sheet of the catalog at `path` into `out_dir` (see `review`), each page with
/// what `show` made of its item.
pub fn review(
    path: &Path,
    out_dir: &Path,
    show: ShowItems,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let catalog = match read_path(path)
        .map_err(|e| e.to_string())
        .and_then(|files| {
            // Items edited since their sign-off are printed as not verified: to be reviewed.
            super::parse_for_review(&files)
                .map(|(c, _)| c)
                .map_err(|p| {
                    let list: Vec<String> = p.iter().map(|p| p.to_string()).collect();
                    format!("the catalog is not valid:\n{}", list.join("\n"))
                })
        }) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "{}: {e}", path.display());
            return INVALID;
        }
    };
    let items = out_dir.join("items");
    let shown = match std::fs::create_dir_all(&items)
        .map_err(|e| e.to_string())
        .and_then(|_| show(&catalog, &items))
    {
        Ok(shown) => shown,
        Err(e) => {
            let _ = writeln!(err, "{}: cannot show the items: {e}", out_dir.display());
            return 1;
        }
    };
    match super::review::write_with(&catalog, out_dir, &|item| shown.get(&item.code).cloned()) {
        Ok(w) => {
            let _ = writeln!(
                out,
                "review sheet of catalog {} in {}: {} items ({} verified), index.html, catalog.csv",
                catalog.version,
                out_dir.display(),
                w.items,
                w.verified
            );
            0
        }
        Err(e) => {
            let _ = writeln!(err, "{}: cannot write: {e}", out_dir.display());
            1
        }
    }
}

/// Imports the reviewer's decisions from `csv` into the catalog folder `path` (see `sign_off`);
/// exit 0 imported, 2 nothing written (every reason on `err`).
pub fn import_review(path: &Path, csv: &Path, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match super::sign_off::import(path, csv) {
        Ok(done) => {
            let list = |codes: &[String]| {
                if codes.is_empty() {
                    "none".to_string()
                } else {
                    codes.join(" ")
                }
            };
            let _ = writeln!(
                out,
                "imported {}: verified {}; not verified {}; comments kept in editors' notes {}; sign-off withdrawn (edited since) {}",
                csv.display(),
                list(&done.verified),
                list(&done.unverified),
                list(&done.commented),
                list(&done.withdrawn),
            );
            0
        }
        Err(problems) => {
            for p in &problems {
                let _ = writeln!(err, "{p}");
            }
            let _ = writeln!(
                err,
                "{} problem(s); nothing was written to {}",
                problems.len(),
                path.display()
            );
            INVALID
        }
    }
}

/// Makes a key pair: the private key goes to `key_file` (created, never overwritten, mode 0600);
/// the public key (for the terminals' `catalog.public_key`) is returned.
pub fn keygen(key_file: &Path) -> std::io::Result<String> {
    let (private, public) = signature::generate()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(key_file)?;
    writeln!(f, "{private}")?;
    f.sync_all()?;
    Ok(public)
}

/// Validates the catalog at `path`, writes it as one document to `out_file` and its signature to
/// `out_file.sig`; returns the signature. An invalid catalog is never signed.
pub fn sign(path: &Path, key_file: &Path, out_file: &Path) -> Result<String, String> {
    let files = read_path(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    if let Err(problems) = super::parse_signed_off(&files) {
        let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        return Err(format!(
            "not signed, the catalog is invalid:\n{}",
            lines.join("\n")
        ));
    }
    let doc = if files.len() == 1 {
        files[0].1.clone()
    } else {
        bundle(&files)
    };
    let key_text = std::fs::read_to_string(key_file)
        .map_err(|e| format!("{}: cannot read the key: {e}", key_file.display()))?;
    let key = signature::signing_key(&key_text).map_err(|e| e.to_string())?;
    let sig = signature::sign(doc.as_bytes(), &key);
    std::fs::write(out_file, doc.as_bytes()).map_err(|e| e.to_string())?;
    let mut sig_file = out_file.as_os_str().to_owned();
    sig_file.push(".sig");
    std::fs::write(&sig_file, format!("{sig}\n")).map_err(|e| e.to_string())?;
    Ok(sig)
}
