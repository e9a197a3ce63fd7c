//! The terminal image, booted: `image/build` makes it, `image/test` runs this (QEMU, as root).
//!
//! The booted kiosk is checked against a headless twin: the same firmware code on the host,
//! with the same configuration and the same sample cards, rendered by the same software renderer.
//! Each touch goes to the twin's button and to the same pixel on the guest's screen; after each,
//! the guest's screen (QMP screendump) must match the twin's. The guest's devices are the
//! project's simulators on host pseudo-terminals, wired to its USB-serial ports; its upstream is
//! the reference server on the host's loopback.

#[path = "../common/mod.rs"]
mod common;
mod machine;
mod sticks;
mod tls_front;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::kiosk::{button, screen_is, wait_for, KioskRef};
use machine::{Machine, Screen, Wiring, GUEST_HOST, GUEST_UPSTREAM};
use onetrip::devtools::demo::Bench;
use onetrip::ui::{AppWindow, ScreenKind};
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, PointerEventButton, WindowAdapter};
use slint::ComponentHandle;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What `image/build` made (ONETRIP_IMAGE_DIR, default image/out).
fn image_dir() -> PathBuf {
    let dir = std::env::var_os("ONETRIP_IMAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("image/out"));
    assert!(
        dir.join("onetrip.img").exists(),
        "no image in {dir:?}: run image/build first (image/test does)"
    );
    dir
}

/// Where this run keeps its disks, console logs and screens (kept for a human after a failure).
fn work_dir(name: &str) -> PathBuf {
    let dir = std::env::var_os("ONETRIP_IMAGE_WORK")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/image-test"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The guest's configuration: the bench's, pointed at the terminal's own device names and at
/// the upstream forward over HTTPS (its CA provisioned beside it), as a technician would
/// provision it.
fn guest_config(bench: &Bench, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(bench.dir.path().join("onetrip.toml")).unwrap();
    let dev = bench.dir.path().join("dev");
    let mut text = text
        .replace(
            &bench.config.data.dir.display().to_string(),
            "/var/lib/onetrip/store",
        )
        .replace(
            &format!("{}/id-card", dev.display()),
            "/dev/onetrip/id-card",
        )
        .replace(
            &format!("{}/printer", dev.display()),
            "/dev/onetrip/printer",
        )
        .replace(
            &format!("{}/scanner", dev.display()),
            "/dev/onetrip/scanner",
        )
        .replace(
            &format!("http://{}", bench.upstream),
            &format!("https://{GUEST_UPSTREAM}"),
        )
        .replace("fullscreen = false", "fullscreen = true\nvoice = false");
    // The demo authority's catalog key is for the demo only; the platform's CA is provisioned.
    if let Some(start) = text.find("[catalog]") {
        let end = text[start..].find("[staff]").map(|e| start + e).unwrap();
        text.replace_range(
            start..end,
            "[upstream.tls]\nca_file = \"/var/lib/onetrip/config/ca.pem\"\n\n",
        );
    }
    assert!(
        !text.contains(&bench.dir.path().display().to_string()),
        "{text}"
    );
    let path = dir.join("terminal.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A provisioned copy of the image with the journal on the serial console (through grubenv's
/// EXTRA_CMDLINE, so the image itself is the one that ships), grown to a 4 GiB disk.
fn prepare_disk(dir: &Path, config: &Path, ca_file: &Path) -> PathBuf {
    let raw = dir.join("disk.img");
    run(Command::new("cp")
        .arg("--sparse=always")
        .arg(image_dir().join("onetrip.img"))
        .arg(&raw));
    run(Command::new(repo().join("image/provision"))
        .arg("--image")
        .arg(&raw)
        .arg("--config")
        .arg(config)
        .arg("--file")
        .arg(format!("{}=ca.pem", ca_file.display())));
    let esp = format!("{}@@1M", raw.display());
    let env = dir.join("grubenv");
    run(Command::new("mcopy")
        .args(["-o", "-i", &esp, "::/EFI/onetrip/grubenv"])
        .arg(&env));
    run(Command::new("grub-editenv").arg(&env).args([
        "set",
        "EXTRA_CMDLINE=systemd.journald.forward_to_console=1 systemd.journald.max_level_console=info onetrip.boot_report",
    ]));
    run(Command::new("mcopy")
        .args(["-o", "-i", &esp])
        .arg(&env)
        .arg("::/EFI/onetrip/grubenv"));
    let disk = dir.join("disk.qcow2");
    run(Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-F", "raw", "-b"])
        .arg(&raw)
        .arg(&disk)
        .arg("4G"));
    disk
}

/// The twin draws with the same software renderer as the terminal, into memory.
struct Headless(Rc<MinimalSoftwareWindow>);

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

struct Twin {
    window: Rc<MinimalSoftwareWindow>,
    ui: AppWindow,
    kiosk: KioskRef,
}

impl Twin {
    fn screen(&self) -> Screen {
        let (w, h) = (1920u32, 1080u32);
        self.kiosk.borrow_mut().pump();
        // As the screenshots draw: the renderer's own snapshot, rendered in its optimised
        // crate, not in this unoptimised test, whose CPU the emulated terminal beside it needs.
        Screen {
            width: w,
            height: h,
            rgb: onetrip::devtools::screenshots::draw(&self.window, w, h).unwrap(),
        }
    }
}

/// Waits until the guest shows what the twin shows (a few per cent of pixels may differ: the
/// clock, a caret). Keeps both pictures when it fails.
fn same_screen(m: &mut Machine, twin: &Twin, what: &str, within: Duration, dir: &Path) -> Screen {
    let reference = twin.screen();
    let deadline = Instant::now() + within;
    loop {
        let guest = m.screen();
        let diff = guest.difference(&reference);
        if diff < 0.02 {
            return guest;
        }
        if Instant::now() > deadline {
            let name = what.replace(' ', "_");
            guest.save_png(&dir.join(format!("{name}-guest.png")));
            reference.save_png(&dir.join(format!("{name}-twin.png")));
            m.save_console("serial-at-failure.log");
            panic!(
                "the terminal does not show {what} ({:.1}% of pixels differ); pictures in {dir:?}\n{}",
                diff * 100.0,
                m.console()
            );
        }
        std::thread::sleep(Duration::from_millis(700));
    }
}

/// Touches the labelled button's centre on the twin and the same spot on the terminal: the same
/// press and release at the same pixel, on the platform's own clock.
fn touch(m: &mut Machine, twin: &Twin, label: &str) {
    use slint::platform::WindowEvent;
    let b = button(&twin.ui, label);
    let (p, s) = (b.absolute_position(), b.size());
    let position = slint::LogicalPosition::new(p.x + s.width / 2.0, p.y + s.height / 2.0);
    let window = twin.ui.window();
    window.dispatch_event(WindowEvent::PointerMoved { position });
    let button = PointerEventButton::Left;
    window.dispatch_event(WindowEvent::PointerPressed { position, button });
    window.dispatch_event(WindowEvent::PointerReleased { position, button });
    window.dispatch_event(WindowEvent::PointerExited);
    m.tap(position.x, position.y);
}

fn pid_of_ready_kiosk(console: &str) -> Vec<String> {
    console
        .lines()
        .filter(|l| l.contains("kiosk ready"))
        .filter_map(|l| {
            let start = l.find("onetrip[")? + "onetrip[".len();
            let end = l[start..].find(']')? + start;
            Some(l[start..end].to_string())
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}

/// A technician's update stick: FAT, labelled ONETRIP-UPD, one signed bundle on it.
fn update_stick(dir: &Path, bundle: &Path, name: &str) -> PathBuf {
    let kib = std::fs::metadata(bundle).unwrap().len() / 1024 + 64 * 1024;
    let stick = sticks::fat(dir, name, "ONETRIP-UPD", kib);
    sticks::put(
        &stick,
        bundle,
        bundle.file_name().unwrap().to_str().unwrap(),
    );
    stick
}

fn bundle(env: &str) -> (PathBuf, String) {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{env} names no bundle: image/test builds them"));
    let version = std::fs::read_to_string(path.with_extension("version"))
        .unwrap_or_else(|_| panic!("{path:?}.version missing"))
        .trim()
        .to_string();
    (path, version)
}

/// How long a reboot may take to reach GRUB: seconds when the reset comes (QEMU is started
/// again, see `Machine::start_again`); the window also covers a reboot that never reaches the
/// reset, which the hardware watchdog systemd arms for every reboot (RebootWatchdogSec=2min)
/// ends after two expiries of the ICH9 TCO, about 4 minutes — the terminal's own way out.
const AFTER_A_REBOOT: Duration = Duration::from_secs(300);

/// One terminal's life in one power-on (every boot under TCG is most of a minute, so the citizen,
/// the technician's log stick and the field update share it): it boots locked down to the
/// attract screen, serves a citizen from card to printed receipt to the upstream, writes a log
/// stick, takes the firmware on an update stick into the other slot, and falls back by itself
/// from a firmware whose kiosk never becomes READY.
#[test]
fn a_terminal_serves_a_citizen_writes_a_log_stick_and_is_updated_in_the_field() {
    let v1 = std::fs::read_to_string(image_dir().join("VERSION"))
        .unwrap()
        .trim()
        .to_string();
    let (good, v2) = bundle("ONETRIP_BUNDLE_GOOD");
    let (bad, v3) = bundle("ONETRIP_BUNDLE_BAD");
    let dir = work_dir("terminal");
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless(window.clone()))).unwrap();
    let rt = common::kiosk::runtime();
    let _guard = rt.enter();
    let guest_bench = rt.block_on(Bench::start()).unwrap();
    let twin_bench = rt.block_on(Bench::start()).unwrap();

    let mut twin_config = twin_bench.config.clone();
    twin_config.ui.voice = false;
    let (ui, kiosk) = common::kiosk::launch(twin_config, &rt, (1920, 1080));
    let twin = Twin { window, ui, kiosk };
    wait_for(
        &twin.kiosk,
        "the twin's attract screen",
        screen_is(ScreenKind::Attract),
    );

    let front = rt.block_on(tls_front::start(&dir, GUEST_HOST, guest_bench.upstream));
    let disk = prepare_disk(&dir, &guest_config(&guest_bench, &dir), &front.ca_file);
    let dev = guest_bench.dir.path().join("dev");
    let mut m = Machine::boot(
        &dir,
        &disk,
        Wiring {
            usb_serial: vec![
                ("IDCARD", dev.join("id-card")),
                ("PRINTER", dev.join("printer")),
                ("SCANNER", dev.join("scanner")),
            ],
            upstream: front.addr,
            sticks: vec![],
        },
    );
    let powered_on = Instant::now();
    let kiosk_pid = boots_locked_down_to_the_attract_screen(&mut m, &twin, &dir, &v1);
    serves_a_citizen(&mut m, &twin, &guest_bench, &twin_bench, &dir);
    the_keys_gave_no_way_out(&m, &kiosk_pid);
    writes_a_log_stick(&mut m, &dir);
    // Still once, after all the time the log stick took.
    assert_eq!(guest_bench.upstream_count(), 1, "delivered exactly once");
    m.unplug_stick("logstick");
    is_updated_from_a_stick_and_falls_back(&mut m, &dir, powered_on, (&good, &v2), (&bad, &v3));
    m.save_console("serial.log.txt");
}

/// READY and the attract screen; keys pressed on a keyboard (their effect is checked later, by
/// `the_keys_gave_no_way_out`). Returns the kiosk's process id.
fn boots_locked_down_to_the_attract_screen(
    m: &mut Machine,
    twin: &Twin,
    dir: &Path,
    v1: &str,
) -> Vec<String> {
    let booted = Instant::now();
    m.wait_console("kiosk ready", 1, Duration::from_secs(600));
    let ready_after = booted.elapsed();
    // The first steady frame: the guest's screen is the twin's attract screen.
    let attract = same_screen(m, twin, "the attract screen", Duration::from_secs(120), dir);
    let frame_after = booted.elapsed();
    attract.save_png(&dir.join("attract-qemu.png"));
    m.wait_console(
        &format!("ONETRIP: slot marked good, version {v1}"),
        1,
        Duration::from_secs(120),
    );
    println!(
        "READY {:.0} s, first frame {:.0} s after QEMU started (TCG)",
        ready_after.as_secs_f64(),
        frame_after.as_secs_f64()
    );
    // Where the boot's time went: systemd-analyze in the guest (onetrip-boot-report.service).
    m.wait_console("ONETRIP-BOOT: end", 1, Duration::from_secs(120));
    let console = m.console();
    for figure in ["kiosk ready", "Startup finished in"] {
        println!(
            "{}",
            console.lines().find(|l| l.contains(figure)).unwrap_or("")
        );
    }
    let report: Vec<&str> = console
        .lines()
        .skip_while(|l| !l.starts_with("ONETRIP-BOOT: critical chain"))
        .take_while(|l| !l.starts_with("ONETRIP-BOOT: end"))
        .filter(|l| !l.starts_with('['))
        .collect();
    assert!(
        report.iter().any(|l| l.contains("onetrip.service")),
        "no critical chain to the kiosk: {report:?}"
    );
    println!("{}", report.join("\n"));

    // Lock-down: a keyboard plugged in gives no way out — the kiosk keeps running (same process),
    // the terminal does not reboot, no console login appears.
    let pids = pid_of_ready_kiosk(&m.console());
    assert_eq!(pids.len(), 1, "one kiosk start: {pids:?}");
    for keys in [
        &["ctrl", "alt", "backspace"][..],
        &["ctrl", "alt", "delete"],
        &["ctrl", "alt", "f2"],
        &["alt", "f2"],
        &["alt", "sysrq", "b"],
        &["alt", "sysrq", "c"],
    ] {
        m.keys(keys);
        std::thread::sleep(Duration::from_millis(500));
    }
    same_screen(
        m,
        twin,
        "the attract screen after the keys",
        Duration::from_secs(60),
        dir,
    );
    pids
}

/// After the keys and a whole citizen session (far longer than a restart or a reboot takes to
/// show): still the same kiosk process, the same boot, no SysRq answered.
fn the_keys_gave_no_way_out(m: &Machine, pids: &[String]) {
    let console = m.console();
    assert_eq!(
        pid_of_ready_kiosk(&console),
        pids,
        "the kiosk was restarted"
    );
    assert_eq!(
        console.matches("OneTrip: booting slot").count(),
        1,
        "rebooted"
    );
    assert!(!console.contains("sysrq: "), "SysRq answered");
    assert!(
        !console.contains("event loop ended"),
        "the kiosk's loop ended"
    );
}

/// One citizen: the resident card on the reader, then by touch to a printed receipt, delivered
/// upstream once, with nothing personal on the console.
fn serves_a_citizen(
    m: &mut Machine,
    twin: &Twin,
    guest_bench: &Bench,
    twin_bench: &Bench,
    dir: &Path,
) {
    // One citizen: the resident card on the reader, then by touch to a printed receipt.
    guest_bench.reader.tap(0);
    twin_bench.reader.tap(0);
    wait_for(&twin.kiosk, "the twin's home", screen_is(ScreenKind::Home));
    same_screen(m, twin, "the service home", Duration::from_secs(60), dir);
    for (label, then) in [
        ("治安", ScreenKind::Categories),
        ("犯罪记录查询", ScreenKind::Items),
        ("无犯罪记录证明（个人）", ScreenKind::ItemDetail),
        ("开始办理", ScreenKind::Form),
        ("就业", ScreenKind::Form),
    ] {
        touch(m, twin, label);
        wait_for(&twin.kiosk, label, screen_is(then));
        same_screen(
            m,
            twin,
            &format!("the screen after {label}"),
            Duration::from_secs(60),
            dir,
        );
    }
    for d in "13812345678".chars() {
        touch(m, twin, &d.to_string());
        twin.kiosk.borrow_mut().pump();
        // Each digit is a frame: the guest must have taken it before the next touch.
        same_screen(
            m,
            twin,
            &format!("the phone number after {d}"),
            Duration::from_secs(30),
            dir,
        );
    }
    touch(m, twin, "下一步");
    wait_for(&twin.kiosk, "confirm", screen_is(ScreenKind::Confirm));
    same_screen(m, twin, "the confirm screen", Duration::from_secs(60), dir);
    touch(m, twin, "确认提交");
    wait_for(&twin.kiosk, "done", screen_is(ScreenKind::Done));
    let done = same_screen(m, twin, "the done screen", Duration::from_secs(90), dir);
    done.save_png(&dir.join("done-qemu.png"));

    // The receipt came out of the guest's printer (the host's simulator decoded its ESC/POS).
    let deadline = Instant::now() + Duration::from_secs(60);
    let receipt = loop {
        let lines = onetrip::devtools::demo::last_receipt(&guest_bench.printer.printed());
        if lines.iter().any(|l| l.contains("DEMO-0001-000001")) {
            break lines;
        }
        assert!(Instant::now() < deadline, "no receipt printed: {lines:?}");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        receipt
            .iter()
            .any(|l| l == "[二维码 QR] https://track.example.invalid/s/DEMO-0001-000001"),
        "{receipt:?}"
    );
    assert!(receipt.iter().any(|l| l.contains("张*明")), "{receipt:?}");
    assert!(
        !receipt.iter().any(|l| l.contains("张晓明")),
        "unmasked name: {receipt:?}"
    );

    // The submission reached the upstream, once.
    let deadline = Instant::now() + Duration::from_secs(120);
    while guest_bench.upstream_count() < 1 {
        assert!(Instant::now() < deadline, "nothing reached the upstream");
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(guest_bench.upstream_count(), 1, "delivered exactly once");
    // Nothing personal on the console (the journal is forwarded there for this test).
    let console = m.console();
    for personal in ["张晓明", "330106198503121231", "13812345678"] {
        assert!(!console.contains(personal), "{personal} logged");
    }
}

/// A technician's log stick: the bundle lands on it, with this session's audit and without the
/// citizen's data or the terminal's token — and only on a stick a technician armed, only FAT.
/// Before it, two that are not: an ext4 stick with the label (links to the configuration, the
/// store and GRUB's environment where the bundle would go, FIFOs) is refused without being
/// mounted, at once; a FAT stick nobody armed gets nothing. What they pointed at is untouched:
/// the bundle holds the configuration as provisioned, and the terminal goes on to boot its
/// update with its store open.
fn writes_a_log_stick(m: &mut Machine, dir: &Path) {
    let note = sticks::arming_note(dir, &image_dir());

    let ext4 = sticks::ext4_log_stick_with_links_and_fifos(dir, &note);
    let before = sticks::digest(&ext4);
    m.plug_stick(&ext4, "ext4stick", true);
    m.wait_console("ONETRIP-LOG: not FAT", 1, Duration::from_secs(120));
    m.unplug_stick("ext4stick");
    assert_eq!(
        sticks::digest(&ext4),
        before,
        "the ext4 log stick was mounted or written"
    );

    let unarmed = sticks::fat(dir, "logs-unarmed", "ONETRIP-LOG", 65536);
    m.plug_stick(&unarmed, "unarmed", true);
    m.wait_console("ONETRIP-LOG: not armed", 1, Duration::from_secs(120));
    sticks::wait_after(m, "ONETRIP-LOG: not armed", "ONETRIP-LOG: unmounted");
    m.unplug_stick("unarmed");
    assert!(
        sticks::top_names(&unarmed).is_empty(),
        "written to a stick nobody armed: {:?}",
        sticks::top_names(&unarmed)
    );

    let stick = sticks::fat(dir, "logs-stick", "ONETRIP-LOG", 65536);
    sticks::put(&stick, &note, "onetrip-arm.p7");
    m.plug_stick(&stick, "logstick", true);
    m.wait_console("ONETRIP-LOG: bundle written", 1, Duration::from_secs(120));
    sticks::wait_after(m, "ONETRIP-LOG: bundle written", "ONETRIP-LOG: unmounted");
    let bundle = dir.join("logs-from-stick");
    run(Command::new("mcopy")
        .args(["-s", "-i"])
        .arg(&stick)
        .arg("::")
        .arg(&bundle));
    let mut texts = String::new();
    for entry in walk(&bundle) {
        texts.push_str(&String::from_utf8_lossy(&std::fs::read(entry).unwrap()));
    }
    assert!(texts.contains("submitted\t"), "no audit in the bundle");
    assert!(texts.contains("queue pending"), "no queue in the bundle");
    assert!(texts.contains("kiosk ready"), "no journal in the bundle");
    // The configuration as provisioned (its redacted copy), not whatever a link pointed at.
    assert!(
        texts.contains("/dev/onetrip/id-card") && texts.contains("token = \"(removed)\""),
        "no configuration in the bundle"
    );
    for secret_or_personal in [
        "张晓明",
        "330106198503121231",
        "13812345678",
        onetrip::devtools::demo::DEMO_TOKEN,
    ] {
        assert!(
            !texts.contains(secret_or_personal),
            "{secret_or_personal} in the log bundle"
        );
    }
}

/// v1 on slot A is confirmed, the stick's v2 goes into slot B and the terminal reboots into it;
/// then a firmware whose kiosk never becomes READY goes into slot A, is booted once, and the
/// terminal goes back to slot B by itself. Sticks left in install nothing again.
fn is_updated_from_a_stick_and_falls_back(
    m: &mut Machine,
    dir: &Path,
    powered_on: Instant,
    (good, v2): (&Path, &str),
    (bad, v3): (&Path, &str),
) {
    // v1 on slot A is confirmed (at boot); the stick's v2 goes into slot B and the terminal
    // reboots into it.
    m.plug_stick(&update_stick(dir, good, "stick-good"), "stickgood", false);
    let v2_installed = format!("rauc install rc=0: version {v2} installed");
    m.wait_console(&v2_installed, 1, Duration::from_secs(900));
    let installed = powered_on.elapsed();
    m.wait_console("OneTrip: booting slot B", 1, AFTER_A_REBOOT);
    let v2_good = format!("ONETRIP: slot marked good, version {v2}");
    m.wait_console(&v2_good, 1, Duration::from_secs(600));
    println!(
        "update: bundle installed {:.0} s after power-on (a citizen served before it), slot B marked good at {:.0} s (TCG)",
        installed.as_secs_f64(),
        powered_on.elapsed().as_secs_f64()
    );
    // The stick left in the terminal installs nothing again.
    m.wait_console(
        &format!("version {v2} already running"),
        1,
        Duration::from_secs(120),
    );

    // A firmware whose kiosk never becomes READY: installed into slot A, booted once, and the
    // terminal goes back to slot B by itself.
    m.plug_stick(&update_stick(dir, bad, "stick-bad"), "stickbad", false);
    m.wait_console(
        &format!("rauc install rc=0: version {v3} installed"),
        1,
        Duration::from_secs(900),
    );
    m.wait_console("OneTrip: booting slot A", 2, AFTER_A_REBOOT);
    m.wait_console(
        "kiosk not READY in time on new firmware",
        1,
        Duration::from_secs(600),
    );
    m.wait_console("OneTrip: booting slot B", 2, AFTER_A_REBOOT);
    // The power fails while the confirmed firmware boots (GRUB has counted the boot, the kiosk
    // is not READY yet): a cut is not a bad firmware, the terminal stays on slot B.
    m.power_cut();
    m.wait_console("OneTrip: booting slot B", 3, AFTER_A_REBOOT);
    assert_eq!(
        m.console().matches("OneTrip: booting slot A").count(),
        2,
        "a power cut during a boot of confirmed firmware switched slots"
    );
    m.wait_console(
        &format!("ONETRIP: slot marked good, version {v2}"),
        2,
        Duration::from_secs(600),
    );
    println!(
        "fall-back: back on slot B at {:.0} s (TCG)",
        powered_on.elapsed().as_secs_f64()
    );
    // The bad stick is still in: back on the good firmware, it is not installed again.
    let not_again = format!("version {v3} failed on this terminal before");
    m.wait_console(&not_again, 1, Duration::from_secs(300));
    // Power-on, then exactly three reboots (into v2, into the never-ready v3, back to v2) and
    // the power cut.
    assert_eq!(
        m.starts, 5,
        "QEMU starts: the terminal rebooted more or less often than the update needs"
    );
    let console = m.console();
    assert_eq!(
        // The script's own console line (its journal copy is forwarded to the console too).
        console
            .matches(&format!("ONETRIP-UPDATE: installing {v2} from"))
            .count(),
        1,
        "the firmware that never became READY installed over the good slot"
    );
    assert!(
        !console.contains(&format!("slot marked good, version {v3}")),
        "the bad firmware was marked good"
    );
}
