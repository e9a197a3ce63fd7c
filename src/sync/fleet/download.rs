//! A bundle's download to the data partition: refused when it would eat into the free space the
//! store keeps for citizens' applications; streamed to `NAME.part` within the download deadline,
//! at most the announced size (and never more than a slot holds), its SHA-256 checked when the
//! server gives one, then renamed. RAUC checks the bundle's signature at install time.

use std::path::PathBuf;

use onetrip_drivers::supervisor::Pulse;
use sha2::Digest;

use super::ddi::Artifact;
use super::http::Http;

/// The largest bundle accepted (a root slot is 1 GiB).
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;

/// The server names the file: only its last component, and only safe characters, are used.
fn safe_name(filename: &str) -> String {
    let name: String = filename
        .rsplit('/')
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.trim_matches('.').is_empty() {
        "bundle.raucb".into()
    } else {
        name
    }
}

/// Downloads `artifact` from `url` into `dir`; the path of the complete file, or why not.
pub async fn fetch(
    http: &Http,
    artifact: &Artifact,
    url: &str,
    dir: PathBuf,
    free_floor: u64,
    pulse: &Pulse,
) -> Result<PathBuf, String> {
    use tokio::io::AsyncWriteExt;
    if artifact.size > MAX_BUNDLE_BYTES {
        return Err(format!(
            "the bundle is {} bytes; a slot holds at most {MAX_BUNDLE_BYTES}",
            artifact.size
        ));
    }
    let limit = if artifact.size > 0 {
        artifact.size
    } else {
        MAX_BUNDLE_BYTES
    };
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    // The store needs its floor for citizens' applications: a bundle never takes it.
    let free = super::state::free_bytes(&dir).unwrap_or(0);
    if free < limit.saturating_add(free_floor) {
        return Err(format!(
            "not enough free space on the data partition: {free} bytes free, the bundle needs {limit} and the store keeps {free_floor}"
        ));
    }
    let path = dir.join(format!("{}.part", safe_name(&artifact.filename)));
    let deadline = http.limits.download_deadline;
    let work = async {
        let mut resp = http.get_artifact(url).await?;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(format!("download: more than the {limit} bytes announced"));
        }
        // A new file, never through a link planted in the folder (leftovers were removed).
        let _ = tokio::fs::remove_file(&path).await;
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&path)
            .await
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut hash = sha2::Sha256::new();
        let mut got: u64 = 0;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("download: {}", e.without_url()))?
        {
            pulse.beat();
            got += chunk.len() as u64;
            if got > limit {
                return Err(format!("download: more than the {limit} bytes announced"));
            }
            hash.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| format!("download: {e}"))?;
        }
        file.sync_all()
            .await
            .map_err(|e| format!("download: {e}"))?;
        if artifact.size > 0 && got != artifact.size {
            return Err(format!(
                "download: {got} bytes, {} announced",
                artifact.size
            ));
        }
        let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        match &artifact.sha256 {
            Some(expected) if *expected != digest => Err(format!(
                "download: SHA-256 {digest} is not the announced {expected}"
            )),
            _ => Ok(()),
        }
    };
    let result = match tokio::time::timeout(deadline, work).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "download: not complete within {} s",
            deadline.as_secs()
        )),
    };
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    let done = path.with_extension("");
    tokio::fs::rename(&path, &done)
        .await
        .map_err(|e| format!("{}: {e}", done.display()))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_file_name_stays_in_the_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("a b;c.raucb"), "a_b_c.raucb");
        assert_eq!(safe_name(".."), "bundle.raucb");
        assert_eq!(safe_name(""), "bundle.raucb");
    }
}
