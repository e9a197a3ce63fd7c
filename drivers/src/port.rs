//! Opening serial ports: exclusively, with errors that tell a missing port from a busy one.

use std::io;
use std::path::Path;

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
