//! A document the authority signed, kept as one file: the ETag line, the signature line, then the
//! exact signed bytes (the catalog's update, the community feed). Replaced by an atomic rename,
//! so a power cut leaves the old file or the new one, never half of each; whoever reads it
//! verifies it again.

use std::io::Write;
use std::path::Path;

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
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
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
