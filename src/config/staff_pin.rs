//! The staff PIN, kept only as an argon2id hash (a PHC string in `staff.pin_hash`): the
//! configuration file, a log bundle or a copied SD card never gives the PIN away.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Shortest and longest PIN the pad takes.
pub const MIN_DIGITS: usize = 4;
pub const MAX_DIGITS: usize = 8;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits")]
    Shape,
    #[error("no random salt: {0}")]
    Random(String),
    #[error("cannot hash: {0}")]
    Hash(String),
}

/// Hashes a PIN with argon2id (default cost: 19 MiB, 2 passes) and a fresh random salt.
pub fn hash(pin: &str) -> Result<String, PinError> {
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinError::Shape);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PinError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PinError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `phc` is an argon2 hash this module can check.
pub fn is_hash(phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

/// Whether `pin` matches `phc` (constant time in the comparison of the hashes).
pub fn verify(phc: &str, pin: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .is_ok()
}

/// The configuration text with `staff.pin_hash` set to `hash` (any `pin`/`pin_hash` line of the
/// `[staff]` table replaced; the table added when missing). Comments and everything else stay.
pub fn with_pin_hash(config: &str, hash: &str) -> String {
    let line = format!("pin_hash = \"{hash}\"");
    let mut out = Vec::new();
    let mut in_staff = false;
    let mut written = false;
    for l in config.lines() {
        let t = l.trim_start();
        if t.starts_with('[') {
            if in_staff && !written {
                out.push(line.clone());
                written = true;
            }
            in_staff = t.starts_with("[staff]");
        }
        let key = t.split('=').next().unwrap_or_default().trim();
        if in_staff && (key == "pin" || key == "pin_hash") {
            if !written {
                out.push(line.clone());
                written = true;
            }
            continue;
        }
        out.push(l.to_string());
    }
    if in_staff && !written {
        out.push(line.clone());
        written = true;
    }
    if !written {
        out.push(String::new());
        out.push("[staff]".into());
        out.push(line);
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Sets the PIN in the configuration file at `path`: hashes it, checks the whole file still
/// validates, and replaces the file atomically, readable by its owner only.
pub fn set_in_file(path: &std::path::Path, pin: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let hash = hash(pin)?;
    let updated = with_pin_hash(&text, &hash);
    super::Config::parse(&updated, path)?;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    tmp.write_all(updated.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_never_hold_the_pin() {
        let h = hash("24681357").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("24681357"));
        assert!(is_hash(&h));
        assert!(verify(&h, "24681357"));
        assert!(!verify(&h, "24681358"));
        assert!(!verify(&h, ""));
        assert_ne!(hash("24681357").unwrap(), h, "salted");
        assert_eq!(hash("123"), Err(PinError::Shape));
        assert_eq!(hash("12a4"), Err(PinError::Shape));
        assert_eq!(hash("123456789"), Err(PinError::Shape));
        assert!(!is_hash("1234"));
        assert!(!verify("1234", "1234"), "a plain value is not a hash");
    }

    #[test]
    fn the_hash_replaces_a_plain_pin_and_keeps_the_rest() {
        let text = "[terminal]\nid = \"T\"\n\n[staff]\n# the PIN\npin = \"2580\"\n\n[ui]\nlanguage = \"zh\"\n";
        let out = with_pin_hash(text, "$argon2id$H");
        assert_eq!(
            out,
            "[terminal]\nid = \"T\"\n\n[staff]\n# the PIN\npin_hash = \"$argon2id$H\"\n\n[ui]\nlanguage = \"zh\"\n"
        );
        // Again: replaced, not added twice.
        assert_eq!(with_pin_hash(&out, "$argon2id$H"), out);
        // No [staff] table, or an empty one at the end.
        assert!(with_pin_hash("[ui]\n", "$x").ends_with("[staff]\npin_hash = \"$x\"\n"));
        assert!(with_pin_hash("[staff]\n# none\n", "$x").ends_with("# none\npin_hash = \"$x\"\n"));
    }
}
