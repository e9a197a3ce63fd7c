//! `fullscreen = true` fills the screen on X11 without a window manager (a bare terminal's X
//! server, Xvfb), where nobody honours a fullscreen request: the demo, started fullscreen on an
//! Xvfb screen of 1280×720, has its kiosk window at 0,0 and 1280×720, as `xwininfo` reads it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The kiosk window's "WIDTHxHEIGHT+X+Y" from `xwininfo -root -tree`.
fn kiosk_geometry(display: &str) -> Option<String> {
    let out = Command::new("xwininfo")
        .args(["-root", "-tree", "-display", display])
        .output()
        .expect("xwininfo (apt-get install x11-utils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.contains("\"OneTrip\""))
        .and_then(|l| {
            l.split_whitespace()
                .find(|w| w.contains('x') && w.contains('+'))
        })
        .map(str::to_string)
}

#[test]
fn fullscreen_fills_an_x_screen_without_a_window_manager() {
    // A free display number, chosen by the server itself (written to its standard output).
    let mut x = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x720x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (apt-get install xvfb)");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(x.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _x = Killed(x);
    let display = format!(":{}", line.trim());
    assert_ne!(display, ":", "Xvfb did not start");
    let display = display.as_str();
    let _demo = Killed(
        Command::new(env!("CARGO_BIN_EXE_onetrip"))
            .args(["demo", "--fullscreen"])
            .env("DISPLAY", display)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    loop {
        last = kiosk_geometry(display).or(last);
        if last.as_deref() == Some("1280x720+0+0") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the kiosk window is {last:?}, not the whole 1280x720 screen"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
