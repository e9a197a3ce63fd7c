//! Pseudo-terminals for the simulators: the simulator holds the master end, the driver opens the
//! slave path exactly like a real `/dev/ttyUSB0`. A stable symlink stands in for the udev name, so a
//! "replug" is a new pty behind the same path.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The master end of a pseudo-terminal, readable and writable from tokio.
pub struct PtyMaster {
    fd: AsyncFd<OwnedFd>,
    /// Held open so the master never sees a hang-up while no driver has the port open.
    _slave: OwnedFd,
    slave_path: PathBuf,
    link: Option<PathBuf>,
}

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

impl PtyMaster {
    /// Opens a new pty pair in raw mode (no echo, no CR/LF translation: bytes pass untouched).
    pub fn open() -> io::Result<PtyMaster> {
        // SAFETY: plain libc calls on fds we own; every return value is checked.
        unsafe {
            let master = check(libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY))?;
            let master = OwnedFd::from_raw_fd(master);
            check(libc::grantpt(master.as_raw_fd()))?;
            check(libc::unlockpt(master.as_raw_fd()))?;
            let mut name = [0 as libc::c_char; 128];
            if libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) != 0 {
                return Err(io::Error::last_os_error());
            }
            let slave_path = PathBuf::from(
                std::ffi::CStr::from_ptr(name.as_ptr())
                    .to_string_lossy()
                    .into_owned(),
            );
            let cpath = std::ffi::CString::new(slave_path.to_string_lossy().as_bytes())
                .map_err(io::Error::other)?;
            let slave = check(libc::open(
                cpath.as_ptr(),
                libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
            ))?;
            let slave = OwnedFd::from_raw_fd(slave);
            make_raw(slave.as_raw_fd())?;
            let flags = check(libc::fcntl(master.as_raw_fd(), libc::F_GETFL))?;
            check(libc::fcntl(
                master.as_raw_fd(),
                libc::F_SETFL,
                flags | libc::O_NONBLOCK,
            ))?;
            check(libc::fcntl(
                master.as_raw_fd(),
                libc::F_SETFD,
                libc::FD_CLOEXEC,
            ))?;
            Ok(PtyMaster {
                // SAFETY: `master` is an open fd owned by the AsyncFd for its whole life.
                fd: AsyncFd::register(master).map_err(io::Error::from)?,
                _slave: slave,
                slave_path,
                link: None,
            })
        }
    }

    /// Opens a pty and points the symlink `link` at its slave, replacing an older link.
    pub fn open_at(link: &Path) -> io::Result<PtyMaster> {
        let mut pty = PtyMaster::open()?;
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(&pty.slave_path, link)?;
        pty.link = Some(link.to_path_buf());
        Ok(pty)
    }

    /// The path a driver opens (the symlink when there is one).
    /// A second handle on the master end, for a thread that writes at a pace tokio's
    /// millisecond timer cannot keep (the simulators' line noise).
    pub fn clone_fd(&self) -> io::Result<OwnedFd> {
        self.fd.get_ref().try_clone()
    }

    pub fn path(&self) -> &Path {
        self.link.as_deref().unwrap_or(&self.slave_path)
    }
}

impl Drop for PtyMaster {
    fn drop(&mut self) {
        // An unplugged device disappears from /dev as well.
        // Only our own link: a replug may already have pointed it at a newer pty.
        if let Some(link) = &self.link {
            if std::fs::read_link(link).ok().as_deref() == Some(self.slave_path.as_path()) {
                let _ = std::fs::remove_file(link);
            }
        }
    }
}

fn make_raw(fd: RawFd) -> io::Result<()> {
    // SAFETY: termios is plain data; tcgetattr fills it before use.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        check(libc::tcgetattr(fd, &mut t))?;
        libc::cfmakeraw(&mut t);
        check(libc::tcsetattr(fd, libc::TCSANOW, &t))?;
    }
    Ok(())
}

impl AsyncRead for PtyMaster {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.fd.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let res = guard.try_io(|inner| {
                // SAFETY: reading into an initialised buffer of the given length.
                let n = unsafe {
                    libc::read(
                        inner.as_raw_fd(),
                        unfilled.as_mut_ptr().cast(),
                        unfilled.len(),
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match res {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

impl AsyncWrite for PtyMaster {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            let mut guard = ready!(self.fd.poll_write_ready(cx))?;
            let res = guard.try_io(|inner| {
                // SAFETY: writing from a valid slice.
                let n = unsafe { libc::write(inner.as_raw_fd(), data.as_ptr().cast(), data.len()) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match res {
                Ok(r) => return Poll::Ready(r),
                Err(_would_block) => continue,
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A simulated device's cable: a task serving the master end of a pty behind a stable symlink.
/// `unplug` ends the task and removes the pty (the driver sees a hang-up and the path vanishes);
/// `replug` opens a new pty at the same path, as a USB-serial adapter re-enumerating would.
pub struct Plug {
    link: PathBuf,
    start: Box<dyn Fn(PtyMaster) -> tokio::task::JoinHandle<()> + Send + Sync>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Plug {
    /// Plugs the device in at `link`; `start` spawns the task that serves one pty.
    pub fn new(
        link: &Path,
        start: impl Fn(PtyMaster) -> tokio::task::JoinHandle<()> + Send + Sync + 'static,
    ) -> io::Result<Plug> {
        let mut plug = Plug {
            link: link.to_path_buf(),
            start: Box::new(start),
            task: None,
        };
        plug.replug()?;
        Ok(plug)
    }

    pub fn path(&self) -> &Path {
        &self.link
    }

    pub fn is_plugged(&self) -> bool {
        self.task.is_some()
    }

    pub fn unplug(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let _ = std::fs::remove_file(&self.link);
    }

    pub fn replug(&mut self) -> io::Result<()> {
        self.unplug();
        let pty = PtyMaster::open_at(&self.link)?;
        self.task = Some((self.start)(pty));
        Ok(())
    }
}

impl Drop for Plug {
    fn drop(&mut self) {
        self.unplug();
    }
}

/// A [`Plug`] shared between a simulator's handles (the demo panel and tests pull and replug it).
#[derive(Clone)]
pub struct Cable(std::sync::Arc<std::sync::Mutex<Plug>>);

impl Cable {
    pub fn new(plug: Plug) -> Cable {
        Cable(std::sync::Arc::new(std::sync::Mutex::new(plug)))
    }

    fn plug(&self) -> std::sync::MutexGuard<'_, Plug> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn unplug(&self) {
        self.plug().unplug();
    }

    pub fn replug(&self) -> io::Result<()> {
        self.plug().replug()
    }

    pub fn is_plugged(&self) -> bool {
        self.plug().is_plugged()
    }
}
