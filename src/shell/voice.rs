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

/// espeak-ng's amplitude for a volume step, around the terminal's calibrated amplitude at the
/// middle step (`[ui] voice_amplitude`); espeak-ng takes 0 to 200.
pub fn amplitude(step: u8, calibrated: u8) -> u8 {
    const FACTORS: [f32; 5] = [0.4, 0.7, 1.0, 1.4, 2.0];
    let factor = FACTORS[usize::from(step.clamp(1, 5)) - 1];
    (f32::from(calibrated) * factor).round().min(200.0) as u8
}

/// What a recording speaker was given to say, and at which amplitudes.
pub type Said = Rc<RefCell<Vec<String>>>;
pub type Loudness = Rc<RefCell<Vec<u8>>>;

pub enum Speaker {
    /// Plays through the default audio device.
    Espeak {
        current: Option<Child>,
    },
    /// Keeps what would have been said, and how loud (tests, and terminals without audio).
    Record {
        said: Rc<RefCell<Vec<String>>>,
        loudness: Rc<RefCell<Vec<u8>>>,
    },
    Off,
}

impl Speaker {
    pub fn espeak() -> Speaker {
        Speaker::Espeak { current: None }
    }

    /// A recorder and the list it fills.
    pub fn recording() -> (Speaker, Rc<RefCell<Vec<String>>>) {
        let (speaker, said, _) = Speaker::recording_loudness();
        (speaker, said)
    }

    /// A recorder, the sentences and the amplitude each was said at.
    pub fn recording_loudness() -> (Speaker, Said, Loudness) {
        let said = Rc::new(RefCell::new(Vec::new()));
        let loudness = Rc::new(RefCell::new(Vec::new()));
        let speaker = Speaker::Record {
            said: said.clone(),
            loudness: loudness.clone(),
        };
        (speaker, said, loudness)
    }

    pub fn say(&mut self, text: &str, english: bool, amplitude: u8) {
        match self {
            Speaker::Off => {}
            Speaker::Record { said, loudness } => {
                said.borrow_mut().push(text.to_string());
                loudness.borrow_mut().push(amplitude);
            }
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
                    .arg("-a")
                    .arg(amplitude.to_string())
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

#[cfg(test)]
mod tests {
    use super::amplitude;

    #[test]
    fn the_middle_step_is_the_calibrated_amplitude_and_none_exceeds_espeaks_range() {
        assert_eq!(amplitude(3, 100), 100);
        assert_eq!((amplitude(1, 100), amplitude(5, 100)), (40, 200));
        assert_eq!(amplitude(5, 150), 200, "espeak-ng takes at most 200");
        assert_eq!(amplitude(0, 100), 40, "below the steps is the lowest");
    }
}
