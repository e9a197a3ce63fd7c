//! `onetrip staff set-pin`: the technician sets the staff screen's PIN; only its argon2 hash is
//! written into the configuration file.

use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum StaffCmd {
    /// Asks for the new PIN (4 to 8 digits) twice on standard input and writes its argon2 hash
    /// into the configuration file as staff.pin_hash (the PIN itself is never stored). Restart
    /// the kiosk to use it.
    SetPin,
}

/// Exit 0 set, 2 unreadable, the two entries differ, or the file could not be written.
pub fn command(config_path: &Path, cmd: StaffCmd) -> ExitCode {
    match cmd {
        StaffCmd::SetPin => set_pin(config_path),
    }
}

fn set_pin(config_path: &Path) -> ExitCode {
    let first = read_secret("new staff PIN (4 to 8 digits): ");
    let again = read_secret("the same PIN again: ");
    let (Ok(first), Ok(again)) = (first, again) else {
        eprintln!("onetrip: staff set-pin: cannot read the PIN from standard input");
        return ExitCode::from(2);
    };
    if first != again {
        eprintln!("onetrip: staff set-pin: the two PINs differ; nothing changed");
        return ExitCode::from(2);
    }
    match crate::config::staff_pin::set_in_file(config_path, &first) {
        Ok(()) => {
            println!(
                "staff PIN set in {} (as an argon2 hash); restart the kiosk: systemctl restart onetrip",
                config_path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("onetrip: staff set-pin: {e:#}; nothing changed");
            ExitCode::from(2)
        }
    }
}

/// Reads one line from standard input, without echo when it is a terminal.
fn read_secret(prompt: &str) -> std::io::Result<String> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    use std::io::{BufRead, IsTerminal, Write};
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    // The terminal's settings as they were, restored below.
    let saved = if tty { tcgetattr(&stdin).ok() } else { None };
    if let Some(saved) = &saved {
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        let _ = tcsetattr(&stdin, OptionalActions::Now, &quiet);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if tty {
        if let Some(saved) = &saved {
            let _ = tcsetattr(&stdin, OptionalActions::Now, saved);
        }
        eprintln!();
    }
    read?;
    Ok(line.trim().to_string())
}
