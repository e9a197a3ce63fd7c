//! Pseudo-terminals for the simulators: the simulator holds the master end, the driver opens the
//! slave path exactly like a real `/dev/ttyUSB0`. A stable symlink stands in for the udev name, so a
//! "replug" is a new pty behind the same path.
//!
//! Every simulator's handle is one [`SimHandle`]: its device state, shared with the task serving the
//! pty, and its [`Cable`]. A simulator's replies go back through [`Replies`], which can make them
//! late or pace them at a slow line's speed ([`ReplyLine`]).

use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;
use rustix::termios::OptionalActions;
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

impl PtyMaster {
    /// Opens a new pty pair in raw mode (no echo, no CR/LF translation: bytes pass untouched).
    pub fn open() -> io::Result<PtyMaster> {
        let master =
            rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
        rustix::pty::grantpt(&master)?;
        rustix::pty::unlockpt(&master)?;
        let slave_path = PathBuf::from(
            rustix::pty::ptsname(&master, Vec::new())?
                .to_string_lossy()
                .into_owned(),
        );
        let slave = rustix::fs::open(
            &slave_path,
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut termios = rustix::termios::tcgetattr(&slave)?;
        termios.make_raw();
        rustix::termios::tcsetattr(&slave, OptionalActions::Now, &termios)?;
        let flags = rustix::fs::fcntl_getfl(&master)?;
        rustix::fs::fcntl_setfl(&master, flags | OFlags::NONBLOCK)?;
        // SAFETY: `master` is an open fd the AsyncFd owns for its whole life; an OwnedFd always
        // returns the same fd.
        let fd = unsafe { AsyncFd::register(master) }.map_err(io::Error::from)?;
        Ok(PtyMaster {
            fd,
            _slave: slave,
            slave_path,
            link: None,
        })
    }

    /// Opens a pty and points the symlink `link` at its slave, replacing an older link.
    pub fn open_at(link: &Path) -> io::Result<PtyMaster> {
        let mut pty = PtyMaster::open()?;
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(&pty.slave_path, link)?;
        pty.link = Some(link.to_path_buf());
        Ok(pty)
    }

    /// A second handle on the master end, for a thread that writes at a pace tokio's
    /// millisecond timer cannot keep (the simulators' line noise).
    pub fn clone_fd(&self) -> io::Result<OwnedFd> {
        self.fd.get_ref().try_clone()
    }

    /// Drops what the driver wrote and the device has not read yet: bytes a host that died
    /// never got onto the wire.
    pub fn discard_input(&self) -> io::Result<()> {
        rustix::termios::tcflush(self.fd.get_ref(), rustix::termios::QueueSelector::IFlush)?;
        Ok(())
    }

    /// The path a driver opens (the symlink when there is one).
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

impl AsyncRead for PtyMaster {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.fd.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let res = guard.try_io(|inner| Ok(rustix::io::read(inner.get_ref(), &mut *unfilled)?));
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
            let res = guard.try_io(|inner| Ok(rustix::io::write(inner.get_ref(), data)?));
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

/// What every simulator's handle can do with its cable: pull it, plug it back, tell which.
pub trait Plugged {
    fn cable(&self) -> &Cable;

    fn unplug(&self) {
        self.cable().unplug();
    }

    fn replug(&self) -> io::Result<()> {
        self.cable().replug()
    }

    fn is_plugged(&self) -> bool {
        self.cable().is_plugged()
    }
}

/// A [`Plug`] shared between a simulator's handles (the demo panel and tests pull and replug it).
#[derive(Clone)]
pub struct Cable(Shared<Plug>);

impl Cable {
    pub fn new(plug: Plug) -> Cable {
        Cable(Shared::new(plug))
    }

    fn plug(&self) -> MutexGuard<'_, Plug> {
        self.0.lock()
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

/// How a simulated device's replies travel back: the knobs the drivers' tests turn to play a busy
/// device or a slow line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplyLine {
    /// Every reply leaves this long after what it answers arrived (a busy device, a USB bridge
    /// that holds bytes, a host that reads late: past the driver's deadline if it is long enough).
    pub delay: Option<Duration>,
    /// The line's speed: each byte takes ten bits' time on the wire (`None`: at once).
    pub baud: Option<u32>,
}

impl ReplyLine {
    /// The time `bytes` take on the wire at this line's speed.
    pub fn wire(&self, bytes: usize) -> Duration {
        self.baud
            .map_or(Duration::ZERO, |b| crate::port::Line::new(b).wire(bytes))
    }
}

/// The device's side of the line for its replies: one task writes them in order, each after the
/// delay in force when it was sent, paced at the line's speed. Ends with the pty's serving task.
pub(crate) struct Replies {
    tx: tokio::sync::mpsc::UnboundedSender<(tokio::time::Instant, Vec<u8>)>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Replies {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Replies {
    /// Starts the writer on a second handle of `pty`'s master; `line()` is read for each reply.
    pub(crate) fn start(
        pty: &PtyMaster,
        line: impl Fn() -> ReplyLine + Send + 'static,
    ) -> io::Result<Replies> {
        let fd = pty.clone_fd()?;
        let (tx, mut rx) =
            tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
        let task = tokio::spawn(async move {
            while let Some((due, bytes)) = rx.recv().await {
                tokio::time::sleep_until(due).await;
                let knobs = line();
                // Small pieces at the line's pace (the fd does not block: a full buffer is
                // retried until the driver reads).
                for piece in bytes.chunks(if knobs.baud.is_some() { 16 } else { 4096 }) {
                    let mut rest = piece;
                    while !rest.is_empty() {
                        match rustix::io::write(&fd, rest) {
                            Ok(n) => rest = &rest[n..],
                            Err(rustix::io::Errno::AGAIN) => {
                                tokio::time::sleep(Duration::from_millis(2)).await
                            }
                            Err(_) => return,
                        }
                    }
                    let wire = knobs.wire(piece.len());
                    if !wire.is_zero() {
                        tokio::time::sleep(wire).await;
                    }
                }
            }
        });
        Ok(Replies { tx, task })
    }

    /// Sends `bytes` after `delay` (and after every reply sent before it).
    pub(crate) fn send(&self, bytes: Vec<u8>, delay: Option<Duration>) {
        if bytes.is_empty() {
            return;
        }
        let due = tokio::time::Instant::now() + delay.unwrap_or_default();
        let _ = self.tx.send((due, bytes));
    }
}

/// State shared between a simulator's handles and the task serving its pty. A panic on one side
/// does not lock the other out (a poisoned lock is taken as it is).
pub(crate) struct Shared<S>(Arc<Mutex<S>>);

impl<S> Shared<S> {
    pub(crate) fn new(state: S) -> Shared<S> {
        Shared(Arc::new(Mutex::new(state)))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<S> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

/// Handle to a running simulator (`IdCardSim`, `PrinterSim`, `ScannerSim` are this with their own
/// state `S`): cheap to clone, every clone sees the same device and the same cable.
pub struct SimHandle<S> {
    state: Shared<S>,
    cable: Cable,
}

impl<S: Send + 'static> SimHandle<S> {
    /// Plugs a simulator in at `link` with its first `state`: `serve` is spawned on every pty the
    /// cable is plugged into (the first one now, a new one at each replug). Needs a tokio runtime.
    pub(crate) fn plug_in<F>(
        link: &Path,
        state: S,
        serve: impl Fn(PtyMaster, Shared<S>) -> F + Send + Sync + 'static,
    ) -> io::Result<SimHandle<S>>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let state = Shared::new(state);
        let serve_state = state.clone();
        let plug = Plug::new(link, move |pty| {
            tokio::spawn(serve(pty, serve_state.clone()))
        })?;
        Ok(SimHandle {
            state,
            cable: Cable::new(plug),
        })
    }
}

impl<S> SimHandle<S> {
    /// The device's state, for the simulator's own methods.
    pub(crate) fn state(&self) -> MutexGuard<'_, S> {
        self.state.lock()
    }
}

impl<S> Clone for SimHandle<S> {
    fn clone(&self) -> Self {
        SimHandle {
            state: self.state.clone(),
            cable: self.cable.clone(),
        }
    }
}

impl<S> Plugged for SimHandle<S> {
    fn cable(&self) -> &Cable {
        &self.cable
    }
}
