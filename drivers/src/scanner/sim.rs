//! A serial scanner on a pseudo-terminal: presents codes with a chosen suffix and AIM prefix, in
//! continuous or host-triggered mode (Honeywell `SYN T CR` / `SYN U CR`), and can spew noise.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::task::{HONEYWELL_OFF, HONEYWELL_ON};
use crate::pty::{PtyMaster, Shared, SimHandle};

/// The simulated scanner: its mode, the codes waiting to be read and the triggers it heard.
#[derive(Default)]
pub struct SimScanner {
    /// Host-triggered: codes wait until the host sends the trigger.
    triggered_mode: bool,
    armed: bool,
    presented: VecDeque<Vec<u8>>,
    outgoing: VecDeque<Vec<u8>>,
    triggers: Vec<bool>,
    wake: Arc<tokio::sync::Notify>,
}

/// Handle to a running scanner simulator.
pub type ScannerSim = SimHandle<SimScanner>;

/// The bytes a scanner sends for one code.
pub fn frame(payload: &[u8], aim: Option<&str>, suffix: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(aim) = aim {
        out.extend_from_slice(aim.as_bytes());
    }
    out.extend_from_slice(payload);
    out.extend_from_slice(suffix);
    out
}

impl ScannerSim {
    pub fn start(link: &Path, triggered_mode: bool) -> std::io::Result<ScannerSim> {
        let scanner = SimScanner {
            triggered_mode,
            ..SimScanner::default()
        };
        SimHandle::plug_in(link, scanner, serve)
    }

    /// Presents a code (already framed, see [`frame`]). In triggered mode it is read at the next
    /// trigger; otherwise at once.
    pub fn present(&self, bytes: Vec<u8>) {
        let mut s = self.state();
        if s.triggered_mode && !s.armed {
            s.presented.push_back(bytes);
        } else {
            s.armed = false; // one read per trigger
            s.outgoing.push_back(bytes);
            s.wake.notify_one();
        }
    }

    /// Sends raw bytes as they are (noise, a flood).
    pub fn send_raw(&self, bytes: Vec<u8>) {
        let mut s = self.state();
        s.outgoing.push_back(bytes);
        s.wake.notify_one();
    }

    /// Trigger commands received from the host (true = on).
    pub fn triggers(&self) -> Vec<bool> {
        self.state().triggers.clone()
    }
}

fn on_host_bytes(state: &Shared<SimScanner>, pending: &mut Vec<u8>, bytes: &[u8]) {
    pending.extend_from_slice(bytes);
    let mut s = state.lock();
    loop {
        if let Some(i) = pending
            .windows(3)
            .position(|w| w == HONEYWELL_ON || w == HONEYWELL_OFF)
        {
            let on = pending[i..i + 3] == HONEYWELL_ON;
            pending.drain(..i + 3);
            s.triggers.push(on);
            s.armed = on;
            if on {
                if let Some(code) = s.presented.pop_front() {
                    s.outgoing.push_back(code);
                    s.armed = false; // one read per trigger
                }
            }
        } else {
            let keep = pending.len().min(2);
            pending.drain(..pending.len() - keep);
            break;
        }
    }
}

async fn serve(mut pty: PtyMaster, state: Shared<SimScanner>) {
    let mut buf = [0u8; 256];
    let mut pending = Vec::new();
    loop {
        let (wake, out) = {
            let mut s = state.lock();
            (s.wake.clone(), s.outgoing.pop_front())
        };
        if let Some(out) = out {
            if pty.write_all(&out).await.is_err() {
                return;
            }
            continue;
        }
        tokio::select! {
            read = pty.read(&mut buf) => match read {
                Ok(n) if n > 0 => on_host_bytes(&state, &mut pending, &buf[..n]),
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            _ = wake.notified() => {}
        }
    }
}
