//! A document the authority signed, kept as one file: the ETag line, the signature line, then the
//! exact signed bytes (the catalog's update, the community feed). Replaced by an atomic rename,
//! so a power cut leaves the old file or the new one, never half of each; whoever reads it
//! verifies it again.

use std::io::Write;
use std::path::Path;

/// How the file being written is named until it is renamed over the kept one.
const TEMPORARY: &str = ".incoming-";

/// The parts of a kept file, unverified.
pub struct Kept {
    pub etag: String,
    pub signature: String,
    pub body: Vec<u8>,
}

/// Writes `bytes` with their ETag and signature to `path`, durably.
pub fn write(path: &Path, etag: &str, signature_b64: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // A power cut in an earlier write left its temporary file behind (never renamed, never
    // read): each is the size of a catalog, and a village terminal's power goes often.
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(TEMPORARY) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMPORARY)
        .tempfile_in(dir)?;
    // One line each: neither an ETag nor base64 contains a newline.
    writeln!(tmp, "{}", etag.replace(['\n', '\r'], ""))?;
    writeln!(tmp, "{}", signature_b64.trim())?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename itself must survive a power cut too.
    std::fs::File::open(dir)?.sync_all()
}

/// The kept file's parts; `Ok(None)` when there is none, `InvalidData` when it has no body.
pub fn read(path: &Path) -> std::io::Result<Option<Kept>> {
    let raw = match std::fs::read(path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut parts = raw.splitn(3, |b| *b == b'\n');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(etag), Some(sig), Some(body)) => Ok(Some(Kept {
            etag: String::from_utf8_lossy(etag).to_string(),
            signature: String::from_utf8_lossy(sig).to_string(),
            body: body.to_vec(),
        })),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a kept signed document",
        )),
    }
}

/// The kept file's ETag, for `If-None-Match`.
pub fn etag(path: &Path) -> Option<String> {
    let raw = std::fs::read(path).ok()?;
    let line = raw.split(|b| *b == b'\n').next()?;
    Some(String::from_utf8_lossy(line).to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_and_clears_what_a_cut_write_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("current.signed");
        write(&path, "\"a\"", "sig-a", b"first").unwrap();
        // What a power cut in the middle of a write leaves: a temporary file, never renamed.
        let left = dir.path().join(format!("{TEMPORARY}cut"));
        std::fs::write(&left, b"half of a catal").unwrap();
        write(&path, "\"b\"", "sig-b", b"second").unwrap();
        let kept = read(&path).unwrap().unwrap();
        assert_eq!(
            (
                kept.etag.as_str(),
                kept.signature.as_str(),
                kept.body.as_slice()
            ),
            ("\"b\"", "sig-b", b"second".as_slice())
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["current.signed"]);
    }
}
