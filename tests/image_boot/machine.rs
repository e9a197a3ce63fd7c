//! A terminal under QEMU (TCG: these machines cannot run KVM guests): UEFI (OVMF) → GRUB → a root
//! slot, its serial console in a file, QMP on a unix socket for the screen, touches and keys, the
//! host's device simulators on its USB-serial ports, the reference upstream and the fleet server
//! behind the user-mode network.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Where the guest reaches the reference upstream (QEMU's guestfwd, inside the guest only).
pub const GUEST_UPSTREAM: &str = "10.0.2.100:8700";
/// The upstream's address alone (its certificate names it).
pub const GUEST_HOST: &str = "10.0.2.100";
/// Where the guest reaches the fleet server (gooseBit on the host, its own TLS).
pub const GUEST_FLEET: &str = "10.0.2.100:8443";

pub struct Wiring {
    /// Host tty paths (the simulators' pty slaves) for the USB-serial adapters, by their USB
    /// serial string (IDCARD, PRINTER, SCANNER), which the image's udev rules name.
    pub usb_serial: Vec<(&'static str, PathBuf)>,
    /// The reference upstream (its TLS front) on the host's loopback.
    pub upstream: std::net::SocketAddr,
    /// The fleet server on the host's loopback.
    pub fleet: std::net::SocketAddr,
    /// USB sticks plugged in from power-on (e.g. a technician's update stick), read-only.
    pub sticks: Vec<PathBuf>,
}

pub struct Machine {
    child: Child,
    dir: PathBuf,
    disk: PathBuf,
    wiring: Wiring,
    /// Sticks plugged in while running (image, drive id, writable): still in after a reset.
    plugged: Vec<(PathBuf, String, bool)>,
    /// How many times QEMU has been started for this terminal (one per reset).
    pub starts: usize,
    /// When QEMU was last started (power-on, a reset or a power cut): boot times count from it.
    pub started: Instant,
    qmp: Qmp,
    pub width: u32,
    pub height: u32,
}

fn ovmf(name: &str) -> PathBuf {
    for dir in ["/usr/share/OVMF", "/usr/share/ovmf"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("OVMF firmware {name} not found: apt-get install ovmf");
}

impl Machine {
    /// Boots `disk` (a qcow2 overlay or raw image the test owns) with its files in `dir`.
    pub fn boot(dir: &Path, disk: &Path, wiring: Wiring) -> Machine {
        let (width, height) = (1920u32, 1080u32);
        let vars = dir.join("OVMF_VARS.fd");
        if !vars.exists() {
            std::fs::copy(ovmf("OVMF_VARS_4M.fd"), &vars).unwrap();
        }
        let _ = std::fs::remove_file(dir.join("serial.log"));
        let (child, qmp) = launch(dir, disk, &wiring, &[], width, height);
        Machine {
            child,
            dir: dir.to_path_buf(),
            disk: disk.to_path_buf(),
            wiring,
            plugged: Vec::new(),
            starts: 1,
            started: Instant::now(),
            qmp,
            width,
            height,
        }
    }

    /// A reset of the guest (its own reboot, or the chipset watchdog's) ends QEMU
    /// (`-no-reboot`); the machine is started again from power-on, with its disk, its UEFI
    /// variables and whatever is plugged in. Why not QEMU's own reset: under TCG the warm reset
    /// through OVMF sometimes hangs for good after "reboot: Restarting system" (seen three
    /// times, after different reboots of the update test; once the chipset watchdog did not end
    /// it in 8 minutes either). A cold start never hung; the terminal under test is the same.
    fn start_again(&mut self) {
        let (child, qmp) = launch(
            &self.dir,
            &self.disk,
            &self.wiring,
            &self.plugged,
            self.width,
            self.height,
        );
        self.child = child;
        self.qmp = qmp;
        self.starts += 1;
        self.started = Instant::now();
    }

    /// The power is cut: QEMU is killed (whatever the guest had not written is lost) and the
    /// terminal is powered on again, with its disk and whatever is plugged in.
    pub fn power_cut(&mut self) {
        self.cut_power();
        self.power_on();
    }

    /// The power is cut and stays off (the disk can be read meanwhile).
    pub fn cut_power(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Powered on again after `cut_power`, with whatever is plugged in.
    pub fn power_on(&mut self) {
        self.start_again();
    }

    pub fn disk(&self) -> &Path {
        &self.disk
    }

    /// The serial console so far, without terminal escapes and carriage returns.
    pub fn console(&self) -> String {
        let raw = std::fs::read(self.dir.join("serial.log")).unwrap_or_default();
        let text = String::from_utf8_lossy(&raw);
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\u{1b}' => {
                    // CSI … final byte
                    if chars.peek() == Some(&'[') {
                        chars.next();
                        for c in chars.by_ref() {
                            if ('@'..='~').contains(&c) {
                                break;
                            }
                        }
                    }
                }
                '\r' => {}
                c => out.push(c),
            }
        }
        out
    }

    /// Waits until the console shows `needle` `times` times; fails at once on a boot failure.
    pub fn wait_console(&mut self, needle: &str, times: usize, within: Duration) {
        const FATAL: [&str; 6] = [
            "Kernel panic",
            "emergency mode",
            "Give root password",
            "Failed to boot",
            "rauc install rc=1",
            "onetrip login:",
        ];
        let deadline = Instant::now() + within;
        loop {
            let console = self.console();
            if console.matches(needle).count() >= times {
                return;
            }
            if let Some(f) = FATAL.iter().find(|f| console.contains(*f)) {
                panic!(
                    "the terminal failed ({f:?}) waiting for {needle:?}:\n{}",
                    tail(&console)
                );
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                if status.success() && !powered_off(&console) {
                    self.start_again();
                    continue;
                }
                panic!(
                    "QEMU exited ({status}) waiting for {needle:?}:\n{}\n{}",
                    std::fs::read_to_string(self.dir.join("qemu.err")).unwrap_or_default(),
                    tail(&console)
                );
            }
            if Instant::now() > deadline {
                panic!("{needle:?} not seen within {within:?}:\n{}", tail(&console));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The guest's screen as RGB bytes (QMP screendump, PPM).
    pub fn screen(&mut self) -> Screen {
        let path = self.dir.join("screen.ppm");
        let _ = std::fs::remove_file(&path);
        self.qmp
            .execute("screendump", json!({"filename": path.to_str().unwrap()}));
        Screen::read_ppm(&std::fs::read(&path).unwrap())
    }

    /// A touch at (x, y) in screen pixels: the absolute pointer moves there, then presses and
    /// releases, as a finger does.
    pub fn tap(&mut self, x: f32, y: f32) {
        let ax = (x / (self.width - 1) as f32 * 32767.0).round() as i64;
        let ay = (y / (self.height - 1) as f32 * 32767.0).round() as i64;
        self.qmp.execute(
            "input-send-event",
            json!({"events": [
                {"type": "abs", "data": {"axis": "x", "value": ax}},
                {"type": "abs", "data": {"axis": "y", "value": ay}}]}),
        );
        self.qmp.execute(
            "input-send-event",
            json!({"events": [{"type": "btn", "data": {"down": true, "button": "left"}}]}),
        );
        std::thread::sleep(Duration::from_millis(80));
        self.qmp.execute(
            "input-send-event",
            json!({"events": [{"type": "btn", "data": {"down": false, "button": "left"}}]}),
        );
    }

    /// Presses a key combination on the guest's keyboards (QEMU key names: ctrl, alt, delete…).
    pub fn keys(&mut self, keys: &[&str]) {
        let keys: Vec<Value> = keys
            .iter()
            .map(|k| json!({"type": "qcode", "data": k}))
            .collect();
        self.qmp
            .execute("send-key", json!({"keys": keys, "hold-time": 200}));
    }

    /// Plugs a USB stick into the running terminal (it stays in across resets).
    pub fn plug_stick(&mut self, image: &Path, id: &str, writable: bool) {
        self.plugged
            .push((image.to_path_buf(), id.to_string(), writable));
        self.qmp.execute(
            "blockdev-add",
            json!({"driver": "raw", "node-name": id, "read-only": !writable,
                   "file": {"driver": "file", "filename": image.to_str().unwrap(), "read-only": !writable}}),
        );
        self.qmp.execute(
            "device_add",
            json!({"driver": "usb-storage", "bus": "xhci.0", "drive": id, "id": format!("{id}-dev"), "removable": true}),
        );
    }

    /// Pulls a stick out (it stays out across resets). USB hot-unplug needs nothing from the
    /// guest; the drive is let go once QEMU has dropped the device.
    pub fn unplug_stick(&mut self, id: &str) {
        self.plugged.retain(|(_, plugged, _)| plugged != id);
        self.qmp
            .execute("device_del", json!({"id": format!("{id}-dev")}));
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Err(e) = self
            .qmp
            .try_execute("blockdev-del", json!({"node-name": id}))
        {
            assert!(Instant::now() < deadline, "stick {id} still in use: {e}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until the guest shows `expected` (a few per cent of pixels may differ: the clock, a
    /// caret) and returns what it shows; keeps both pictures and the console when it does not.
    pub fn wait_screen(
        &mut self,
        expected: &Screen,
        what: &str,
        within: Duration,
        dir: &Path,
    ) -> Screen {
        let deadline = Instant::now() + within;
        loop {
            let guest = self.screen();
            let diff = guest.difference(expected);
            if diff < 0.02 {
                return guest;
            }
            if Instant::now() > deadline {
                let name = what.replace(' ', "_");
                guest.save_png(&dir.join(format!("{name}-guest.png")));
                expected.save_png(&dir.join(format!("{name}-twin.png")));
                self.save_console("serial-at-failure.log");
                panic!(
                    "the terminal does not show {what} ({:.1}% of pixels differ); pictures in {dir:?}\n{}",
                    diff * 100.0,
                    self.console()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// A stick pulled out while the power is off (QEMU is not running: nothing to tell it).
    pub fn forget_stick(&mut self, id: &str) {
        self.plugged.retain(|(_, plugged, _)| plugged != id);
    }

    pub fn save_console(&self, name: &str) {
        let _ = std::fs::write(self.dir.join(name), self.console());
    }
}

/// Starts QEMU for the terminal: the same machine every time, with what is plugged in now.
fn launch(
    dir: &Path,
    disk: &Path,
    wiring: &Wiring,
    plugged: &[(PathBuf, String, bool)],
    width: u32,
    height: u32,
) -> (Child, Qmp) {
    let serial_log = dir.join("serial.log");
    let qmp_path = dir.join("qmp.sock");
    let _ = std::fs::remove_file(&qmp_path);
    let accel = std::env::var("ACCEL").unwrap_or_else(|_| "tcg,thread=multi".into());
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args([
        "-accel", &accel, "-machine", "q35", "-cpu", "max", "-smp", "2", "-m", "1536",
    ])
    // Nothing QEMU adds by default (a DVD drive the firmware tries to boot first, a parallel port).
    .arg("-nodefaults")
    // A reset ends QEMU; `Machine::wait_console` starts it again (see `start_again`).
    .arg("-no-reboot")
    // The chipset's watchdog resets the machine when it expires, as a terminal's does (QEMU's
    // ICH9 straps "no reboot" by default).
    .args(["-global", "ICH9-LPC.noreboot=false"])
    .args([
        "-drive",
        &format!(
            "if=pflash,format=raw,unit=0,readonly=on,file={}",
            ovmf("OVMF_CODE_4M.fd").display()
        ),
    ])
    .args([
        "-drive",
        &format!(
            "if=pflash,format=raw,unit=1,file={}",
            dir.join("OVMF_VARS.fd").display()
        ),
    ])
    .args([
        "-drive",
        &format!(
            "if=virtio,format={},file={}",
            if disk.extension().is_some_and(|e| e == "qcow2") {
                "qcow2"
            } else {
                "raw"
            },
            disk.display()
        ),
    ])
    .args(["-display", "none", "-vga", "none"])
    // A 1920×1080 panel, as on the terminal: bochs-drm offers the EDID's preferred mode.
    .args([
        "-device",
        &format!("VGA,edid=on,xres={width},yres={height}"),
    ])
    // One console log across starts, as one terminal's serial line.
    .args([
        "-chardev",
        &format!("file,id=console,append=on,path={}", serial_log.display()),
    ])
    .args(["-serial", "chardev:console"])
    .args([
        "-qmp",
        &format!("unix:{},server=on,wait=off", qmp_path.display()),
    ])
    .args(["-device", "qemu-xhci,id=xhci"])
    // The touch panel: an absolute pointer libinput reads like a single-touch screen.
    .args(["-device", "usb-tablet,bus=xhci.0"])
    // A keyboard plugged in by a citizen (it must give no way out).
    .args(["-device", "usb-kbd,bus=xhci.0"])
    // The user-mode network, restricted: the guest reaches only the upstream's and the fleet
    // server's forwards.
    .args([
        "-netdev",
        &format!(
            "user,id=n0,restrict=on,guestfwd=tcp:{GUEST_UPSTREAM}-cmd:socat - TCP:{},guestfwd=tcp:{GUEST_FLEET}-cmd:socat - TCP:{}",
            wiring.upstream, wiring.fleet
        ),
    ])
    .args(["-device", "virtio-net-pci,netdev=n0"]);
    for (i, (serial, tty)) in wiring.usb_serial.iter().enumerate() {
        cmd.args([
            "-chardev",
            &format!(
                "serial,id=dev{i},path={}",
                std::fs::canonicalize(tty).unwrap().display()
            ),
        ])
        .args([
            "-device",
            &format!("usb-serial,bus=xhci.0,chardev=dev{i},serial={serial}"),
        ]);
    }
    let sticks = wiring
        .sticks
        .iter()
        .enumerate()
        .map(|(i, image)| (image.clone(), format!("stick{i}"), false))
        .chain(plugged.iter().cloned());
    for (image, id, writable) in sticks {
        cmd.args([
            "-drive",
            &format!(
                "if=none,id={id},format=raw,readonly={},file={}",
                if writable { "off" } else { "on" },
                image.display()
            ),
        ])
        .args([
            "-device",
            &format!("usb-storage,bus=xhci.0,drive={id},id={id}-dev,removable=on"),
        ]);
    }
    let log = |name: &str| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(name))
            .unwrap()
    };
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(log("qemu.out")))
        .stderr(Stdio::from(log("qemu.err")))
        .spawn()
        .expect("qemu-system-x86_64 (apt-get install qemu-system-x86)");
    let qmp = Qmp::connect(&qmp_path);
    (child, qmp)
}

/// Whether the guest's last words were a power-off, not a reset.
fn powered_off(console: &str) -> bool {
    console
        .lines()
        .rev()
        .find(|l| l.contains("reboot: "))
        .is_some_and(|l| l.contains("Power down"))
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tail(console: &str) -> String {
    let lines: Vec<&str> = console.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// An RGB picture of a whole screen.
#[derive(Clone)]
pub struct Screen {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Screen {
    pub fn read_ppm(bytes: &[u8]) -> Screen {
        // "P6\n<w> <h>\n255\n" then the pixels.
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let start = i;
            while !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..i]).to_string());
        }
        assert_eq!(fields[0], "P6", "screendump is not a binary PPM");
        let width: u32 = fields[1].parse().unwrap();
        let height: u32 = fields[2].parse().unwrap();
        let rgb = bytes[i + 1..].to_vec();
        assert_eq!(rgb.len(), (width * height * 3) as usize);
        Screen { width, height, rgb }
    }

    /// The share of pixels (0..1) that differ noticeably from `other` (same size required).
    pub fn difference(&self, other: &Screen) -> f64 {
        if (self.width, self.height) != (other.width, other.height) {
            return 1.0;
        }
        // A plain loop over slices: this test is built unoptimised, where an iterator step is a
        // function call per byte, and QEMU needs the CPU.
        let (a, b): (&[u8], &[u8]) = (&self.rgb, &other.rgb);
        let (mut i, mut differing) = (0, 0usize);
        while i + 2 < a.len() {
            if a[i].abs_diff(b[i]) > 48
                || a[i + 1].abs_diff(b[i + 1]) > 48
                || a[i + 2].abs_diff(b[i + 2]) > 48
            {
                differing += 1;
            }
            i += 3;
        }
        differing as f64 / (self.width * self.height) as f64
    }

    pub fn save_png(&self, path: &Path) {
        let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        let mut enc = png::Encoder::new(file, self.width, self.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()
            .unwrap()
            .write_image_data(&self.rgb)
            .unwrap();
    }
}

/// QEMU's machine protocol: JSON lines on a unix socket; events are skipped.
struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Qmp {
    fn connect(path: &Path) -> Qmp {
        let deadline = Instant::now() + Duration::from_secs(30);
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(s) => break s,
                Err(e) if Instant::now() > deadline => panic!("QMP socket {path:?}: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut qmp = Qmp {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        let greeting = qmp.read();
        assert!(
            greeting.get("QMP").is_some(),
            "not a QMP greeting: {greeting}"
        );
        qmp.execute("qmp_capabilities", json!({}));
        qmp
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("QMP read");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("QMP sent {line:?}: {e}"))
    }

    fn execute(&mut self, command: &str, arguments: Value) -> Value {
        self.try_execute(command, arguments)
            .unwrap_or_else(|e| panic!("QMP {command} failed: {e}"))
    }

    /// The command's return, or QMP's error (events in between are passed over).
    fn try_execute(&mut self, command: &str, arguments: Value) -> Result<Value, Value> {
        let msg = json!({"execute": command, "arguments": arguments});
        writeln!(self.writer, "{msg}").expect("QMP write");
        loop {
            let reply = self.read();
            if let Some(r) = reply.get("return") {
                return Ok(r.clone());
            }
            if let Some(e) = reply.get("error") {
                return Err(e.clone());
            }
        }
    }
}
