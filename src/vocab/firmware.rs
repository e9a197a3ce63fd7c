//! Which firmware runs: the heartbeat reports it upstream, the staff screen shows it.

/// Which firmware runs: this binary's version always, the image's version and the A/B slot it
/// booted from when there are any. Read once at start by whoever starts the terminal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Firmware {
    pub binary: String,
    pub image: Option<String>,
    pub slot: Option<String>,
    /// Signed with development keys (RAUC compatible `…-dev`): never a production image.
    pub dev_keys: bool,
}

impl Default for Firmware {
    /// This binary, outside an image (a developer's build).
    fn default() -> Self {
        Firmware {
            binary: env!("CARGO_PKG_VERSION").to_string(),
            image: None,
            slot: None,
            dev_keys: false,
        }
    }
}
