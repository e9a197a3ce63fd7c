//! A faulty serial line that sends by itself — electrical noise, a floating RX line, the wrong
//! device on the port — as the simulators play it, so the drivers can be shown never to hang on it.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::pty::PtyMaster;

/// `burst` junk bytes (0x00: no status byte, no frame start) every `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noise {
    pub every: Duration,
    pub burst: usize,
}

impl Noise {
    /// A line that sends faster than the host reads, for ever: the host's input buffer is kept
    /// full (each burst is cut to the room left). Not a byte every few microseconds from a
    /// thread: a thread paced that finely leaves millisecond gaps whenever the machine is
    /// busy, and a line with gaps is not a flood.
    pub const FLOOD: Noise = Noise {
        every: Duration::from_micros(50),
        burst: 4096,
    };
    /// A byte every 10 ms, for ever: never quiet long enough to look like the end of a reply.
    pub const CHATTER: Noise = Noise {
        every: Duration::from_millis(10),
        burst: 1,
    };
}

/// Stops the noise thread of one simulated port when dropped (the port's serving task ended).
pub(crate) struct NoiseThread {
    stop: Arc<AtomicBool>,
}

impl Drop for NoiseThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts a thread that writes `noise()` onto the master end of `pty` while it is `Some`. A
/// plain thread: tokio's timer cannot pace a byte every 50 µs.
pub(crate) fn start(
    pty: &PtyMaster,
    noise: impl Fn() -> Option<Noise> + Send + 'static,
) -> std::io::Result<NoiseThread> {
    let fd: OwnedFd = pty.clone_fd()?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("sim-noise".into())
        .spawn(move || {
            // One buffer of junk for the thread's life, not an allocation every 50 µs.
            let mut junk = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                match noise() {
                    Some(n) => {
                        junk.resize(n.burst, 0u8);
                        // The fd is non-blocking: the buffer takes what fits of the burst, a full
                        // one (a host that does not read) none of it.
                        let _ = rustix::io::write(&fd, &junk);
                        std::thread::sleep(n.every);
                    }
                    None => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })?;
    Ok(NoiseThread { stop })
}
