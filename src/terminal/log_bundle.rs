//! `onetrip logs --out DIR`: what a technician takes away on a USB stick to diagnose a terminal —
//! versions, the configuration with its secrets removed, the queue and counters, the audit log
//! (ids and codes only, by design), the kiosk's last device health and this boot's journal. No
//! submission payload is read, so no personal field can reach the bundle.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Keys whose values never leave the terminal.
fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("token")
        || k.contains("pin")
        || k.contains("password")
        || k.contains("secret")
        || (k.ends_with("key") && k != "public_key")
}

fn redact(value: &mut toml::Value) {
    if let toml::Value::Table(table) = value {
        for (key, v) in table.iter_mut() {
            if is_secret(key) && !v.is_table() {
                *v = toml::Value::String("(removed)".into());
            } else {
                redact(v);
            }
        }
    }
}

/// The configuration file as text with every secret replaced; a file that is not TOML is not
/// copied at all (it could hold anything).
pub fn redacted_config(text: &str) -> String {
    match text.parse::<toml::Table>() {
        Ok(table) => {
            let mut value = toml::Value::Table(table);
            redact(&mut value);
            toml::to_string_pretty(&value).unwrap_or_default()
        }
        Err(_) => "# the configuration is not valid TOML; not copied\n".into(),
    }
}

/// Writes the bundle into `out`, a directory this call creates (it must not exist: on a stick,
/// one prepared in advance could hold links or FIFOs named like the bundle's files); returns the
/// files written. Each file is created new inside the directory just made, never opened through
/// a link or onto something already there: a link, a FIFO or a device in the way is an error,
/// and nothing is written through it.
pub fn write_bundle(config_path: &Path, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = new_directory(out)?;
    let mut written = Vec::new();
    let mut put = |name: &str, text: String| -> anyhow::Result<()> {
        let path = out.join(name);
        let mut file = new_file(&dir, name)
            .with_context(|| format!("cannot create {} (nothing written)", path.display()))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
        Ok(())
    };

    put(
        "versions.txt",
        format!(
            "binary {}\nimage {}\nslot {}\nhardware {}\n",
            env!("CARGO_PKG_VERSION"),
            super::firmware::image_version().unwrap_or_else(|| "-".into()),
            super::firmware::running_slot().unwrap_or_else(|| "-".into()),
            super::hardware_id::hardware_id(),
        ),
    )?;

    let config_text = std::fs::read_to_string(config_path);
    put(
        "config.toml",
        match &config_text {
            Ok(text) => redacted_config(text),
            Err(e) => format!("# {}: {e}\n", config_path.display()),
        },
    )?;

    let config = crate::config::Config::load(config_path);
    let store = match &config {
        Ok(cfg) => crate::store::Store::open(&cfg.data.dir).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match store {
        Ok(store) => {
            let q = store.queue_counts()?;
            let mut text = format!(
                "schema {}\nqueue pending {} rejected {} accepted {}\n",
                store.schema_version()?,
                q.pending,
                q.rejected,
                q.accepted
            );
            use crate::store::Counter;
            for (name, counter) in [
                ("receipts_printed", Counter::ReceiptsPrinted),
                ("paper_mm", Counter::PaperMm),
                ("paper_lines", Counter::PaperLines),
            ] {
                text.push_str(&format!("counter {name} {}\n", store.count(&counter)?));
            }
            put("store.txt", text)?;
            let mut audit = String::from("seq\tat\tactor\tevent\tdetail\n");
            let mut stmt = store
                .connection()
                .prepare("SELECT seq, at, actor, event, detail FROM audit ORDER BY seq")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            for row in rows {
                let (seq, at, actor, event, detail) = row?;
                let at = chrono::DateTime::from_timestamp_millis(at)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                audit.push_str(&format!("{seq}\t{at}\t{actor}\t{event}\t{detail}\n"));
            }
            put("audit.tsv", audit)?;
        }
        Err(e) => put("store.txt", format!("store not readable: {e}\n"))?,
    }

    let health = std::env::var_os("ONETRIP_HEALTH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(HEALTH_FILE));
    put(
        "health.json",
        std::fs::read_to_string(&health)
            .unwrap_or_else(|_| "{\"note\": \"the kiosk is not running\"}\n".into()),
    )?;

    // The firmware, and every update decision of the stick and the fleet (refusals with reasons).
    put(
        "firmware.txt",
        crate::sync::fleet::local::Local::from_env().report(),
    )?;

    let journal = std::process::Command::new("journalctl")
        .args(["-b", "--no-pager", "-o", "short-iso", "-n", "20000"])
        .output();
    put(
        "journal.txt",
        match journal {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).to_string(),
            Ok(o) => format!(
                "journalctl failed: {}\n",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => format!("journalctl not available: {e}\n"),
        },
    )?;
    Ok(written)
}

/// Creates `out` (mode 0700, its parent must exist) and opens it without following a link: the
/// directory the files go into is the one made here.
fn new_directory(out: &Path) -> anyhow::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(out) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
            "{} already exists: the bundle goes into a new directory (nothing written)",
            out.display()
        ),
        r => r.with_context(|| format!("cannot create {}", out.display()))?,
    }
    let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC;
    rustix::fs::open(out, flags, Mode::empty())
        .with_context(|| format!("cannot open {} just made", out.display()))
}

/// A file created in `dir` (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600): fails on anything already
/// there — a file, a link, a FIFO — instead of writing through it or waiting on it.
fn new_file(dir: &std::os::fd::OwnedFd, name: &str) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, name, flags, Mode::from_raw_mode(0o600))?;
    Ok(std::fs::File::from(fd))
}

/// Where the running kiosk keeps its latest device health (systemd's RuntimeDirectory).
pub const HEALTH_FILE: &str = "/run/onetrip/health.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_removed_and_the_rest_kept() {
        let text = r#"
[terminal]
id = "ZZ-0117"
[upstream]
base_url = "https://api.example.invalid"
token = "s3cr3t-token"
[upstream.tls]
client_key = "/var/lib/onetrip/config/tls/terminal.key"
[catalog]
public_key = "PUBLIC"
[staff]
pin = "$argon2id$v=19$m=19456,t=2,p=1$abc$def"
"#;
        let out = redacted_config(text);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(!out.contains("argon2"), "{out}");
        assert!(!out.contains("terminal.key"), "{out}");
        assert!(out.contains("ZZ-0117") && out.contains("PUBLIC"), "{out}");
        assert!(out.contains("https://api.example.invalid"), "{out}");
        assert!(!redacted_config("token = \"x").contains("token"));
    }
}
