//! Voice guidance: each screen's prompt spoken aloud with espeak-ng (offline, Mandarin `cmn`, or
//! English), a new screen cutting the old sentence short. Tests record the sentences instead of
//! playing them.

use std::cell::RefCell;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;

/// The espeak-ng voice and speed for a language (speed in words a minute: a little slower than
/// the default 175, for the elderly).
fn voice_args(english: bool) -> [&'static str; 4] {
    if english {
        ["-v", "en", "-s", "150"]
    } else {
        ["-v", "cmn", "-s", "150"]
    }
}

pub enum Speaker {
    /// Plays through the default audio device.
    Espeak {
        current: Option<Child>,
    },
    /// Keeps what would have been said (tests, and terminals without audio).
    Record(Rc<RefCell<Vec<String>>>),
    Off,
}

impl Speaker {
    pub fn espeak() -> Speaker {
        Speaker::Espeak { current: None }
    }

    /// A recorder and the list it fills.
    pub fn recording() -> (Speaker, Rc<RefCell<Vec<String>>>) {
        let said = Rc::new(RefCell::new(Vec::new()));
        (Speaker::Record(said.clone()), said)
    }

    pub fn say(&mut self, text: &str, english: bool) {
        match self {
            Speaker::Off => {}
            Speaker::Record(said) => said.borrow_mut().push(text.to_string()),
            Speaker::Espeak { current } => {
                if let Some(mut old) = current.take() {
                    let _ = old.kill();
                    let _ = old.wait();
                }
                if text.is_empty() {
                    return;
                }
                match Command::new("espeak-ng")
                    .args(voice_args(english))
                    .arg("--")
                    .arg(text)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                {
                    Ok(child) => *current = Some(child),
                    // The prompt is on screen as well; a missing synthesiser is logged, not fatal.
                    Err(e) => {
                        tracing::warn!(error = %e, "espeak-ng not available: voice guidance off")
                    }
                }
            }
        }
    }

    /// Stops whatever is being said (a session wiped mid-sentence).
    pub fn hush(&mut self) {
        if let Speaker::Espeak { current } = self {
            if let Some(mut old) = current.take() {
                let _ = old.kill();
                let _ = old.wait();
            }
        }
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.hush();
    }
}

/// Writes `text` as spoken to a WAV file (technicians check the voice this way; so does a test).
pub fn synthesize_to_file(text: &str, english: bool, wav: &Path) -> std::io::Result<()> {
    let status = Command::new("espeak-ng")
        .args(voice_args(english))
        .arg("-w")
        .arg(wav)
        .arg("--")
        .arg(text)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "espeak-ng exited with {status}"
        )))
    }
}
