//! What serde cannot check in a configuration, one function per section, and the one error a
//! broken file gives: the key, the value found (never a secret's) and what is expected.

use std::fmt;
use std::path::{Path, PathBuf};

use super::schema::{
    CatalogSettings, Config, Data, Devices, Fleet, PrinterDevice, ScannerDevice, Staff, Terminal,
    Ui, Upstream, UpstreamTls,
};
use super::urls::{check_url, shown_url};

#[derive(Debug)]
pub enum ConfigError {
    NotFound(PathBuf),
    Unreadable(PathBuf, std::io::Error),
    Syntax {
        path: PathBuf,
        message: String,
    },
    Invalid {
        path: PathBuf,
        key: String,
        value: String,
        expected: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotFound(p) => {
                write!(
                    f,
                    "no configuration at {}.\n  Copy assets/onetrip.example.toml there (or pass --config PATH)",
                    p.display()
                )?;
                if cfg!(feature = "dev-tools") {
                    write!(
                        f,
                        ",\n  or try the terminal with simulated devices: onetrip demo"
                    )?;
                }
                Ok(())
            }
            ConfigError::Unreadable(p, e) => {
                write!(f, "cannot read configuration {}: {e}", p.display())
            }
            ConfigError::Syntax { path, message } => {
                write!(
                    f,
                    "configuration {} is not valid TOML: {message}",
                    path.display()
                )
            }
            ConfigError::Invalid {
                path,
                key,
                value,
                expected,
            } => write!(
                f,
                "configuration {}: key `{key}` has value {value}; expected {expected}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The first value that is wrong, as the error naming its key, the value found and what is
/// expected.
struct Refuse<'a>(&'a Path);

impl Refuse<'_> {
    fn bad(&self, key: &str, value: String, expected: &str) -> Checked {
        Err(ConfigError::Invalid {
            path: self.0.to_path_buf(),
            key: key.to_string(),
            value,
            expected: expected.to_string(),
        })
    }
}

type Checked = Result<(), ConfigError>;

impl Config {
    /// The checks serde cannot make, section by section; the first wrong value is the error.
    pub(super) fn validate(&self, path: &Path) -> Checked {
        let r = Refuse(path);
        terminal(&r, &self.terminal)?;
        device_bauds(&r, &self.devices)?;
        scanner(&r, self.devices.scanner.as_ref())?;
        recording(&r, &self.devices)?;
        printer(&r, &self.devices.printer)?;
        upstream(&r, &self.upstream)?;
        ui(&r, &self.ui)?;
        upstream_tls(&r, self.upstream.tls.as_ref())?;
        fleet(&r, self.fleet.as_ref())?;
        staff(&r, &self.staff)?;
        catalog(&r, &self.catalog, &self.terminal)?;
        data(&r, &self.data)
    }
}

fn terminal(r: &Refuse, t: &Terminal) -> Checked {
    if t.id.is_empty()
        || t.id.len() > 32
        || !t
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return r.bad(
            "terminal.id",
            format!("{:?}", t.id),
            "1 to 32 letters, digits, '-' or '_'",
        );
    }
    if t.hall.trim().is_empty() {
        return r.bad("terminal.hall", "\"\"".into(), "the service hall's name");
    }
    if let Some(phone) = t
        .duty_phone
        .as_deref()
        .filter(|p| !crate::community::is_phone(p))
    {
        return r.bad(
            "terminal.duty_phone",
            format!("{phone:?}"),
            "a phone number: digits, with dashes between groups (0371-12345678)",
        );
    }
    Ok(())
}

fn device_bauds(r: &Refuse, devices: &Devices) -> Checked {
    const BAUDS: [u32; 8] = [2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400];
    for (key, baud) in [
        ("devices.id_card.baud", Some(devices.id_card.baud)),
        ("devices.printer.baud", Some(devices.printer.baud)),
        (
            "devices.scanner.baud",
            devices.scanner.as_ref().map(|s| s.baud),
        ),
    ] {
        if let Some(b) = baud {
            if !BAUDS.contains(&b) {
                return r.bad(key, b.to_string(), "a standard baud rate (9600, 115200, …)");
            }
        }
    }
    Ok(())
}

fn scanner(r: &Refuse, scanner: Option<&ScannerDevice>) -> Checked {
    let Some(sc) = scanner else {
        return Ok(());
    };
    match sc.trigger.as_str() {
        "continuous" | "honeywell" => Ok(()),
        "raw" if !sc.trigger_on.is_empty() && !sc.trigger_off.is_empty() => Ok(()),
        "raw" => r.bad(
            "devices.scanner.trigger_on",
            format!("{:?}", sc.trigger_on),
            "the trigger-on and trigger-off bytes for trigger = \"raw\"",
        ),
        other => r.bad(
            "devices.scanner.trigger",
            format!("{other:?}"),
            "\"continuous\", \"honeywell\" or \"raw\"",
        ),
    }
}

fn recording(r: &Refuse, devices: &Devices) -> Checked {
    let week = chrono::Utc::now() + chrono::TimeDelta::days(7); // (the drivers stop there too)
    let allowed = |t: &str| chrono::DateTime::parse_from_rfc3339(t).is_ok_and(|u| u <= week);
    match (&devices.record_dir, &devices.record_until) {
        (Some(_), None) => r.bad(
            "devices.record_until",
            "(missing)".into(),
            "when recording stops (RFC 3339, e.g. \"2026-12-02T18:00:00+08:00\"): a recording of device I/O is never left on",
        ),
        (_, Some(t)) if !allowed(t) => r.bad(
            "devices.record_until",
            format!("{t:?}"),
            "a time with its offset at most 7 days ahead, e.g. \"2026-12-02T18:00:00+08:00\": a recording of device I/O is for one field problem, never left on",
        ),
        _ => Ok(()),
    }
}

fn printer(r: &Refuse, printer: &PrinterDevice) -> Checked {
    if !matches!(printer.paper_width_mm, 58 | 80) {
        return r.bad(
            "devices.printer.paper_width_mm",
            printer.paper_width_mm.to_string(),
            "58 or 80",
        );
    }
    Ok(())
}

fn upstream(r: &Refuse, u: &Upstream) -> Checked {
    if let Err(problem) = check_url(&u.base_url) {
        return r.bad(
            "upstream.base_url",
            shown_url(&u.base_url),
            &format!("{problem}; expected a URL starting with https:// (plain http:// only to this machine's own loopback): the token, citizens' applications and ID numbers go there"),
        );
    }
    if u.token.trim().is_empty() {
        return r.bad(
            "upstream.token",
            "\"\"".into(),
            "this terminal's bearer token",
        );
    }
    if !u.tracking_url.contains("{number}") {
        return r.bad(
            "upstream.tracking_url",
            format!("{:?}", u.tracking_url),
            "a URL containing {number}",
        );
    }
    if u.connect_timeout_secs == 0 || u.connect_timeout_secs > 120 {
        return r.bad(
            "upstream.connect_timeout_secs",
            u.connect_timeout_secs.to_string(),
            "1 to 120 seconds",
        );
    }
    if u.request_timeout_secs == 0 || u.request_timeout_secs > 600 {
        return r.bad(
            "upstream.request_timeout_secs",
            u.request_timeout_secs.to_string(),
            "1 to 600 seconds",
        );
    }
    if !(5..=3600).contains(&u.heartbeat_secs) {
        return r.bad(
            "upstream.heartbeat_secs",
            u.heartbeat_secs.to_string(),
            "5 to 3600 seconds",
        );
    }
    Ok(())
}

fn ui(r: &Refuse, ui: &Ui) -> Checked {
    if !(15..=600).contains(&ui.inactivity_timeout_secs) {
        return r.bad(
            "ui.inactivity_timeout_secs",
            ui.inactivity_timeout_secs.to_string(),
            "15 to 600 seconds",
        );
    }
    if !(10..=200).contains(&ui.voice_amplitude) {
        return r.bad(
            "ui.voice_amplitude",
            ui.voice_amplitude.to_string(),
            "espeak-ng's amplitude, 10 to 200 (calibrated: 60-70 dB SPL at the screen)",
        );
    }
    Ok(())
}

fn upstream_tls(r: &Refuse, tls: Option<&UpstreamTls>) -> Checked {
    let Some(tls) = tls else {
        return Ok(());
    };
    if tls.client_cert.is_some() != tls.client_key.is_some() {
        return r.bad(
            "upstream.tls.client_key",
            "(one of the pair)".into(),
            "client_cert and client_key together, or neither",
        );
    }
    for (key, file) in [
        ("upstream.tls.ca_file", &tls.ca_file),
        ("upstream.tls.client_cert", &tls.client_cert),
        ("upstream.tls.client_key", &tls.client_key),
    ] {
        if let Some(f) = file {
            if std::fs::metadata(f).is_err() {
                return r.bad(
                    key,
                    format!("{:?}", f.display().to_string()),
                    "a readable PEM file",
                );
            }
        }
    }
    Ok(())
}

fn fleet(r: &Refuse, fleet: Option<&Fleet>) -> Checked {
    let Some(fleet) = fleet else {
        return Ok(());
    };
    if let Err(problem) = check_url(&fleet.server) {
        return r.bad(
            "fleet.server",
            shown_url(&fleet.server),
            &format!("{problem}; expected the DDI root with its tenant, https://…/TENANT (plain http:// only to loopback)"),
        );
    }
    if fleet.token.trim().is_empty() {
        return r.bad(
            "fleet.token",
            "(hidden)".into(),
            "the target token the server issued",
        );
    }
    if !(10..=86_400).contains(&fleet.poll_secs) {
        return r.bad(
            "fleet.poll_secs",
            fleet.poll_secs.to_string(),
            "10 to 86400 seconds",
        );
    }
    let not_origin =
        |o: &&String| !check_url(o).is_ok_and(|u| u.path() == "/" && u.query().is_none());
    match fleet.download_origins.iter().find(not_origin) {
        Some(o) => r.bad(
            "fleet.download_origins",
            format!("{o:?}"),
            "https://host[:port]",
        ),
        None => Ok(()),
    }
}

fn staff(r: &Refuse, staff: &Staff) -> Checked {
    if staff.pin.is_some() {
        return r.bad(
            "staff.pin",
            "(hidden)".into(),
            "no PIN in clear: run `onetrip --config FILE staff set-pin` (it asks for the PIN and writes its argon2 hash as staff.pin_hash)",
        );
    }
    if let Some(h) = &staff.pin_hash {
        if !super::staff_pin::is_hash(h) {
            return r.bad(
                "staff.pin_hash",
                "(hidden)".into(),
                "an argon2 hash written by `onetrip staff set-pin` ($argon2id$…)",
            );
        }
    }
    Ok(())
}

fn catalog(r: &Refuse, catalog: &CatalogSettings, terminal: &Terminal) -> Checked {
    if let Some(k) = &catalog.public_key {
        // The terminal's build has no demo: there the demo key is refused whatever the file says.
        let demo_allowed = terminal.demo && cfg!(feature = "dev-tools");
        if k.trim() == crate::catalog::signature::DEMO_PUBLIC_KEY && !demo_allowed {
            return r.bad(
                "catalog.public_key",
                "(the demo authority's key)".into(),
                "the city's own catalog key: anyone can sign with the demo key, whose private half is published",
            );
        }
        if crate::catalog::signature::public_key(k).is_err() {
            return r.bad(
                "catalog.public_key",
                format!("{k:?}"),
                "the authority's ed25519 public key: 32 bytes in base64 (44 characters)",
            );
        }
    }
    if !(60..=86_400).contains(&catalog.check_secs) {
        return r.bad(
            "catalog.check_secs",
            catalog.check_secs.to_string(),
            "60 to 86400 seconds",
        );
    }
    Ok(())
}

fn data(r: &Refuse, data: &Data) -> Checked {
    if data.max_store_mb == 0 {
        return r.bad("data.max_store_mb", "0".into(), "at least 1 (MiB)");
    }
    if data.retention_days == 0 {
        return r.bad("data.retention_days", "0".into(), "at least 1 day");
    }
    Ok(())
}

/// Keys whose values never appear in a message (the journal and a technician's screen are not
/// places for a token or a PIN).
const SECRET_KEYS: &[&str] = &["token", "pin", "pin_hash"];

fn is_secret(key: &str) -> bool {
    key.rsplit('.')
        .next()
        .is_some_and(|last| SECRET_KEYS.contains(&last))
}

/// A TOML syntax error as "line N, column C: what is wrong", without the quoted source line that
/// the parser's own message carries — that line may hold a secret.
pub(super) fn syntax_message(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return what;
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or_default();
    let key = line_text.split('=').next().unwrap_or_default().trim();
    if is_secret(key) {
        // Even the parser's description may quote what it found.
        return format!("line {line}, column {column} (`{key}`, value hidden): not a valid value");
    }
    format!("line {line}, column {column}: {what}")
}

/// Turns a serde error at `key` into (key, value found, what is expected).
pub(super) fn describe(root: &toml::Value, key: &str, message: &str) -> (String, String, String) {
    let (key, value, expected) = describe_any(root, key, message);
    if is_secret(&key) {
        // "invalid type: integer `123`, expected a string": keep only what is expected.
        let expected = expected.split('`').next().unwrap_or_default().to_string();
        return (key, "(hidden)".into(), expected);
    }
    (key, value, expected)
}

fn describe_any(root: &toml::Value, key: &str, message: &str) -> (String, String, String) {
    // "missing field `x`": the key is the parent path plus x.
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let full = if key.is_empty() || key == "." {
            field.to_string()
        } else {
            format!("{key}.{field}")
        };
        return (full, "(missing)".into(), "this key to be set".into());
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        // The path already ends at the unknown key.
        let full = if key.is_empty() || key == "." {
            field.to_string()
        } else {
            key.to_string()
        };
        let expected = message
            .split_once("expected ")
            .map(|(_, e)| e.to_string())
            .unwrap_or_else(|| "a known key".into());
        return (full, "(unknown key)".into(), expected);
    }
    let mut value = root;
    for part in key.split('.') {
        match value.get(part) {
            Some(v) => value = v,
            None => break,
        }
    }
    let expected = message
        .split_once("expected ")
        .map(|(_, e)| e.to_string())
        .unwrap_or_else(|| message.to_string());
    (key.to_string(), value.to_string(), expected)
}
