//! The terminal's TOML configuration: its schema and defaults (`schema.rs`), its validation
//! (`validate.rs`), and the staff PIN kept in it ([`staff_pin`]).
//!
//! A broken file never half-starts the terminal: [`Config::load`] returns one error naming the key,
//! the value found and what is expected, and the binary exits with status 2.

mod quiet_hours;
mod schema;
pub mod staff_pin;
pub mod urls;
mod validate;

use std::path::Path;

pub use schema::{
    CatalogSettings, Config, Data, Devices, Fleet, Language, Orientation, PrinterDevice,
    QuietHours, ScannerDevice, SerialDevice, Staff, Terminal, Ui, Upstream, UpstreamTls,
};
pub use urls::{check_url, secure_or_loopback};
pub use validate::ConfigError;

pub const DEFAULT_PATH: &str = "/etc/onetrip/onetrip.toml";

impl Config {
    /// What an unprovisioned terminal runs with: fullscreen, nothing to reach, no data kept.
    pub fn not_configured() -> Config {
        const TEXT: &str = r#"
[terminal]
id = "UNCONFIGURED"
hall = "警务自助服务一体机"
[data]
dir = "/run/onetrip-not-configured"
[devices.id_card]
path = "/dev/onetrip/id-card"
[devices.printer]
path = "/dev/onetrip/printer"
[upstream]
base_url = "http://127.0.0.1:9"
token = "none"
tracking_url = "{number}"
[ui]
voice = false
"#;
        Config::parse(TEXT, Path::new("(built in)")).expect("the built-in configuration is valid")
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound(path.to_path_buf()))
            }
            Err(e) => return Err(ConfigError::Unreadable(path.to_path_buf(), e)),
        };
        Config::parse(&text, path)
    }

    /// Parses and validates; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let value: toml::Value = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: validate::syntax_message(text, &e),
        })?;
        let config: Config = serde_path_to_error::deserialize(value.clone()).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner().to_string();
            let inner = inner.lines().next().unwrap_or_default().to_string();
            let (key, value_text, expected) = validate::describe(&value, &key, &inner);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                key,
                value: value_text,
                expected,
            }
        })?;
        config.validate(path)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://api.example.invalid",
            "http://127.0.0.1:8700",
            "http://127.1.2.3",
            "http://localhost:8700/v1",
            "http://[::1]:8700",
        ] {
            assert!(secure_or_loopback(ok), "{ok}");
        }
        for refused in [
            "http://10.0.2.100:8700",
            "http://api.example.invalid",
            "http://127.0.0.1.example.invalid",
            "http://localhost.evil.invalid",
            "ftp://127.0.0.1",
            "127.0.0.1:8700",
            // A user name or password: the host is what follows the @, whatever precedes it.
            "http://127.0.0.1:1@upstream.example.invalid",
            "http://localhost@upstream.example.invalid",
            "http://[::1]:8700@upstream.example.invalid/v1",
            "https://user:secret@api.example.invalid",
            "http://127.0.0.1:1%40@upstream.example.invalid",
        ] {
            assert!(!secure_or_loopback(refused), "{refused}");
        }
        let example = include_str!("../../assets/onetrip.example.toml");
        let line = example
            .lines()
            .find(|l| l.starts_with("base_url = "))
            .unwrap();
        let e = Config::parse(
            &example.replace(line, "base_url = \"http://api.example.invalid\""),
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("upstream.base_url") && e.contains("https://"),
            "{e}"
        );
    }

    /// A configuration printed with `{:?}` (a panic, a debug log line) carries no secret: not the
    /// upstream's token, not the fleet's, not the PIN's hash; the rest is there to read.
    #[test]
    fn debug_output_hides_every_secret() {
        let hash = staff_pin::hash("480917").unwrap();
        let text = EXAMPLE
            .replace("replace-with-the-provisioned-token", "upstream-s3cr3t-77f1")
            .replace("# pin_hash = \"$argon2id$…\"", &format!("pin_hash = \"{hash}\""))
            + "\n[fleet]\nserver = \"https://fleet.example.invalid/DEFAULT\"\ntoken = \"fleet-s3cr3t-29ab\"\n";
        let c = parse(&text).unwrap();
        assert_eq!(c.upstream.token, "upstream-s3cr3t-77f1");
        assert!(c.staff.pin_hash.is_some() && c.fleet.is_some());
        for shown in [format!("{c:?}"), format!("{c:#?}")] {
            for secret in ["upstream-s3cr3t-77f1", "fleet-s3cr3t-29ab", "argon2", &hash] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
            assert!(shown.contains("fleet.example.invalid") && shown.contains("HZXH-0001"));
            assert!(shown.contains("(hidden)"), "{shown}");
        }
    }

    #[test]
    fn a_recording_needs_an_end() {
        let example = include_str!("../../assets/onetrip.example.toml");
        let with = |extra: &str| {
            example.replace("[devices.id_card]", &format!("{extra}\n[devices.id_card]"))
        };
        assert!(with("").contains("[devices.id_card]"));
        let e = Config::parse(
            &with("[devices]\nrecord_dir = \"/tmp/rec\""),
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("devices.record_until"), "{e}");
        let e = Config::parse(
            &with("[devices]\nrecord_dir = \"/tmp/rec\"\nrecord_until = \"tomorrow\""),
            Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("devices.record_until"), "{e}");
        let past = Config::parse(
            &with("[devices]\nrecord_dir = \"/tmp/rec\"\nrecord_until = \"2020-01-01T00:00:00+08:00\""),
            Path::new("t.toml"),
        )
        .unwrap();
        assert!(
            past.devices.recording_until().is_none(),
            "an end in the past records nothing"
        );
        let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
        let future = Config::parse(
            &with(&format!(
                "[devices]\nrecord_dir = \"/tmp/rec\"\nrecord_until = \"{tomorrow}\""
            )),
            Path::new("t.toml"),
        )
        .unwrap();
        assert!(future.devices.recording_until().is_some());
        // Issue 31: no recording left on for years — at most a week ahead, refused beyond.
        for far in [
            "2099-01-01T00:00:00+08:00".to_string(),
            (chrono::Utc::now() + chrono::TimeDelta::days(8)).to_rfc3339(),
        ] {
            let e = Config::parse(
                &with(&format!(
                    "[devices]\nrecord_dir = \"/tmp/rec\"\nrecord_until = \"{far}\""
                )),
                Path::new("t.toml"),
            )
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("devices.record_until") && e.contains("at most 7 days ahead"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_demo_catalog_key_is_refused_outside_a_demo() {
        let demo_key =
            crate::catalog::signature::public_of(&crate::catalog::signature::demo_signing_key());
        let example = include_str!("../../assets/onetrip.example.toml");
        let text = example.replace(
            "# public_key = \"…44 characters of base64…\"",
            &format!("public_key = \"{demo_key}\""),
        );
        assert_ne!(text, example);
        let e = Config::parse(&text, Path::new("t.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("catalog.public_key") && e.contains("demo"),
            "{e}"
        );
        let demo = text.replace("[terminal]\n", "[terminal]\ndemo = true\n");
        assert_ne!(demo, text);
        assert!(Config::parse(&demo, Path::new("t.toml")).is_ok());
    }

    #[test]
    fn the_unprovisioned_terminal_has_a_valid_configuration() {
        let c = Config::not_configured();
        assert_eq!(c.terminal.id, "UNCONFIGURED");
        assert!(!c.ui.voice);
        assert!(
            c.staff.pin.is_none(),
            "no staff screen without provisioning"
        );
    }

    pub(crate) const EXAMPLE: &str = include_str!("../../assets/onetrip.example.toml");

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let c = parse(EXAMPLE).unwrap();
        assert_eq!(c.devices.id_card.baud, 115_200);
        assert!(c.devices.printer.required);
        assert_eq!(c.ui.language, Language::Zh);
    }

    #[test]
    fn wrong_type_names_key_value_and_expectation() {
        let text = EXAMPLE.replace("baud = 115200", "baud = \"fast\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("`devices.id_card.baud`"), "{e}");
        assert!(e.contains("\"fast\""), "{e}");
        assert!(e.contains("u32"), "{e}");
    }

    #[test]
    fn missing_key_is_named_in_full() {
        let text = EXAMPLE.replace("hall = ", "# hall = ");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("`terminal.hall`"), "{e}");
        assert!(e.contains("missing"), "{e}");
    }

    #[test]
    fn unknown_key_is_refused() {
        let text = EXAMPLE.replace("[ui]", "[ui]\ncolour = \"red\"");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("`ui.colour`"), "{e}");
    }

    #[test]
    fn semantic_checks() {
        let e = parse(&EXAMPLE.replace("paper_width_mm = 80", "paper_width_mm = 76"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("devices.printer.paper_width_mm") && e.contains("58 or 80"),
            "{e}"
        );
        let e = parse(&EXAMPLE.replace("{number}", "x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("upstream.tracking_url"), "{e}");
    }

    #[test]
    fn catalog_staff_and_tls_sections() {
        let e = parse(&EXAMPLE.replace(
            "# public_key = \"…44 characters of base64…\"",
            "public_key = \"abc\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("catalog.public_key"), "{e}");
        // A PIN in clear is refused, with the way to hash it, and never echoed.
        let e = parse(&EXAMPLE.replace("# pin_hash = \"$argon2id$…\"", "pin = \"2580\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("staff.pin") && e.contains("set-pin"), "{e}");
        assert!(!e.contains("2580"), "the PIN is never echoed: {e}");
        let e = parse(&EXAMPLE.replace("# pin_hash = \"$argon2id$…\"", "pin_hash = \"2580\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("staff.pin_hash") && !e.contains("2580"), "{e}");
        let h = staff_pin::hash("2580").unwrap();
        let c = parse(&EXAMPLE.replace(
            "# pin_hash = \"$argon2id$…\"",
            &format!("pin_hash = \"{h}\""),
        ))
        .unwrap();
        assert_eq!(c.staff.pin_hash.as_deref(), Some(h.as_str()));
        let with_tls = |tls: &str| {
            EXAMPLE.replace(
                "heartbeat_secs = 60\n",
                &format!("heartbeat_secs = 60\n\n[upstream.tls]\n{tls}\n"),
            )
        };
        let e = parse(&with_tls("client_cert = \"/etc/hosts\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("client_cert and client_key together"), "{e}");
        let e = parse(&with_tls("ca_file = \"/nonexistent/ca.pem\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("upstream.tls.ca_file") && e.contains("readable PEM"),
            "{e}"
        );
        let c = parse(&with_tls("ca_file = \"/etc/hosts\"")).unwrap();
        assert!(c.upstream.tls.unwrap().ca_file.is_some());
    }

    #[test]
    fn scanner_section() {
        let with = |extra: &str| {
            parse(&format!(
                "{EXAMPLE}\n[devices.scanner]\npath = \"/dev/x\"\n{extra}"
            ))
        };
        let c = with("").unwrap();
        let s = c.devices.scanner.as_ref().unwrap();
        assert_eq!(
            (s.baud, s.required, s.trigger.as_str()),
            (9600, false, "continuous")
        );
        assert!(with("trigger = \"honeywell\"").is_ok());
        assert!(with("trigger = \"raw\"\ntrigger_on = [84]\ntrigger_off = [80]").is_ok());
        let e = with("trigger = \"raw\"").unwrap_err().to_string();
        assert!(e.contains("devices.scanner.trigger_on"), "{e}");
        let e = with("trigger = \"laser\"").unwrap_err().to_string();
        assert!(
            e.contains("devices.scanner.trigger") && e.contains("laser"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_is_reported() {
        let e = parse("[terminal\nid=").unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { .. }));
    }
}
