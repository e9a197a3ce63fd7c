//! Technician diagnostics: `onetrip device <id-card|printer> …`, talking to one device directly
//! through the same drivers the kiosk uses. Exit codes: 0 ok, 3 timeout (no card), 4 device error.

pub mod id_card;
pub mod printer;
pub mod scanner;

/// A diagnostics outcome: the exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn device(message: impl Into<String>) -> Failure {
        Failure {
            code: 4,
            message: message.into(),
        }
    }

    pub fn timeout(message: impl Into<String>) -> Failure {
        Failure {
            code: 3,
            message: message.into(),
        }
    }
}
