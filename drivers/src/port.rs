//! Opening serial ports: exclusively, with errors that tell a missing port from a busy one; and
//! a line's timing ([`Line`]), from which every driver's deadlines are derived.

use std::io;
use std::path::Path;
use std::time::Duration;

use tokio_serial::{SerialPortBuilderExt, SerialStream};

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("port {0} does not exist (cable unplugged or wrong path)")]
    Missing(String),
    #[error("port {0} is held by another process")]
    Busy(String),
    #[error("port {path}: {source}")]
    Io { path: String, source: io::Error },
}

impl PortError {
    pub fn device_state(&self) -> crate::device::DeviceState {
        match self {
            PortError::Busy(_) => crate::device::DeviceState::PortBusy,
            _ => crate::device::DeviceState::Offline,
        }
    }
}

/// When a driver opens its port again after a failure. A missing port (no device node: the cable
/// out, or at boot a port udev has not named yet) is looked for every [`Reopen::MISSING`]: a look
/// is one `stat`, and the device is back in service as soon as its node is there, instead of up
/// to a backoff's 3 s later. Any other failure to open (a port held by another program, an open
/// the device refuses) backs off from 200 ms to 3 s, so a broken device is not hammered. After a
/// session that broke off the next open comes 200 ms later (the session's open reset the backoff),
/// as before this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reopen {
    backoff: Duration,
}

impl Default for Reopen {
    fn default() -> Self {
        Reopen {
            backoff: Self::FIRST,
        }
    }
}

impl Reopen {
    /// The first wait after a failure other than a missing port.
    pub const FIRST: Duration = Duration::from_millis(200);
    /// The longest wait, once failures keep coming.
    pub const MAX: Duration = Duration::from_secs(3);
    /// How often a missing port is looked for.
    pub const MISSING: Duration = Duration::from_millis(250);

    /// The wait before the next open after this one failed with `err`.
    pub fn failed(&mut self, err: &PortError) -> Duration {
        if let PortError::Missing(_) = err {
            return Self::MISSING;
        }
        self.broke_off()
    }

    /// The wait before the next open after a session on the open port broke off.
    pub fn broke_off(&mut self) -> Duration {
        let wait = self.backoff;
        self.backoff = (self.backoff * 2).min(Self::MAX);
        wait
    }

    /// The port opened: the next failure starts from the first wait again.
    pub fn opened(&mut self) {
        self.backoff = Self::FIRST;
    }
}

/// Opens `path` at `baud`, 8N1, exclusively (TIOCEXCL), so two programs never talk to one device.
pub fn open(path: &Path, baud: u32) -> Result<SerialStream, PortError> {
    let name = path.display().to_string();
    if !path.exists() {
        return Err(PortError::Missing(name));
    }
    let builder = tokio_serial::new(name.clone(), baud)
        .data_bits(tokio_serial::DataBits::Eight)
        .parity(tokio_serial::Parity::None)
        .stop_bits(tokio_serial::StopBits::One)
        .flow_control(tokio_serial::FlowControl::None);
    // With `exclusive` (the default on Unix) serialport sets TIOCEXCL and takes an exclusive
    // flock, so a second OneTrip or a diagnostics run cannot share the port, even as root.
    match builder.open_native_async() {
        Ok(stream) => Ok(stream),
        // serialport reports a held lock (EBUSY or the flock) as NoDevice; the path exists (checked
        // above), so it is another process holding it, not a missing device.
        Err(e) if e.kind == tokio_serial::ErrorKind::NoDevice => Err(PortError::Busy(name)),
        Err(e) => {
            let io_err: io::Error = e.into();
            match io_err.kind() {
                io::ErrorKind::NotFound => Err(PortError::Missing(name)),
                _ => Err(PortError::Io {
                    path: name,
                    source: io_err,
                }),
            }
        }
    }
}

/// How long bytes take on a serial line, and how long a reply may take beyond that: every deadline
/// a driver waits for is derived from the line's speed and the length of what goes out and comes
/// back (bytes × 10 bits / baud, 8N1), plus the device's own work and a latency margin — not one
/// fixed timeout, which is either too short for a slow line or needlessly long for a fast one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Bits per second; each byte is ten bits on the wire (start, eight data, stop).
    pub baud: u32,
    /// What a reply may take beyond its bytes' time on the wire and the device's own work: a
    /// USB-serial adapter holds bytes until its latency timer fires (16 ms on FTDI chips), and a
    /// busy terminal (a slow CPU, an emulator) reads its port late.
    pub latency: Duration,
}

impl Line {
    /// The latency margin unless a driver is told otherwise: a judgement, not a measurement — a
    /// USB-serial adapter adds tens of milliseconds, a busy or emulated terminal (the image under
    /// QEMU without KVM) reads its port late by more; a longer wait costs only when a device is
    /// silent, and a reply later still is waited out, not believed for another command.
    pub const DEFAULT_LATENCY: Duration = Duration::from_millis(1000);

    pub fn new(baud: u32) -> Line {
        Line {
            baud,
            latency: Line::DEFAULT_LATENCY,
        }
    }

    pub fn with_latency(self, latency: Duration) -> Line {
        Line { latency, ..self }
    }

    /// The time `bytes` take on the wire.
    pub fn wire(&self, bytes: usize) -> Duration {
        let micros = (bytes as u64).saturating_mul(10_000_000) / u64::from(self.baud.max(1));
        Duration::from_micros(micros)
    }

    /// How long to wait for a reply of at most `reply` bytes to `sent` bytes (all of them still
    /// on the wire, in the worst case) that the device needs `work` to answer.
    pub fn deadline(&self, sent: usize, reply: usize, work: Duration) -> Duration {
        self.wire(sent.saturating_add(reply))
            .saturating_add(work)
            .saturating_add(self.latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port whose node is missing is looked for again at a steady, short interval however long
    /// it has been missing (a stat each time); a port that is there but fails backs off to 3 s;
    /// an open resets the backoff. And `open` calls a nonexistent path missing.
    #[test]
    fn a_missing_port_is_looked_for_often_a_failing_one_backs_off() {
        let missing = open(Path::new("/dev/onetrip-no-such-port"), 9600).unwrap_err();
        assert!(matches!(missing, PortError::Missing(_)), "{missing:?}");
        let refused = PortError::Io {
            path: "/dev/ttyUSB0".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        let mut reopen = Reopen::default();
        for _ in 0..20 {
            assert_eq!(reopen.failed(&missing), Reopen::MISSING);
        }
        let waits: Vec<u64> = (0..6)
            .map(|_| reopen.failed(&refused).as_millis() as u64)
            .collect();
        assert_eq!(waits, [200, 400, 800, 1600, 3000, 3000]);
        assert_eq!(reopen.failed(&missing), Reopen::MISSING);
        reopen.opened();
        assert_eq!(reopen.broke_off(), Reopen::FIRST);
        assert_eq!(
            reopen.failed(&PortError::Busy("x".into())),
            Reopen::FIRST * 2
        );
    }

    #[test]
    fn deadlines_grow_with_the_bytes_and_shrink_with_the_speed() {
        let slow = Line::new(9600).with_latency(Duration::from_millis(100));
        // 1295 bytes of a card read at 9600 baud: 1.349 s on the wire.
        assert_eq!(slow.wire(1295), Duration::from_micros(1_348_958));
        let fast = Line {
            baud: 115_200,
            ..slow
        };
        assert_eq!(fast.wire(1295), Duration::from_micros(112_413));
        assert_eq!(
            slow.deadline(10, 1295, Duration::from_secs(2)),
            slow.wire(1305) + Duration::from_millis(2100)
        );
        assert!(fast.deadline(3, 1, Duration::ZERO) < slow.deadline(3, 1, Duration::ZERO));
        // A nonsense speed is no division by zero, and no overflow for any length.
        assert!(Line::new(0).wire(usize::MAX) > Duration::ZERO);
    }
}
