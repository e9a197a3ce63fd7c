//! The power cut, tested by cutting the power: QEMU is killed (the guest loses everything not yet
//! on its disk) at moments that rotate through a boot, a citizen's session, just after Confirm,
//! the middle of a receipt, the delivery upstream and the download and keeping of a catalog update,
//! each at a random instant within it; then
//! the terminal is powered on again. After every cut, with the machine off, the store on its
//! disk is read as the next boot would (the data partition's journal replayed on a copy) and
//! must pass `PRAGMA integrity_check`, and a kept catalog update must be whole (the old one or the
//! new one, verifying); after every boot that is let finish, the terminal must be
//! back on the attract screen by itself, on the same slot. At the end the next citizen is
//! served, and every submission whose receipt came out (even half of it) must have reached the
//! upstream exactly once.
//!
//! Sessions are driven as a citizen drives them: touches recorded once on the twin (where each
//! button is, and what the screen shows after each touch), replayed on the guest, which must
//! show the same screens.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use onetrip::devtools::demo::Bench;
use onetrip::ui::ScreenKind;
use onetrip_drivers::printer::sim::Printed;

use crate::common::kiosk::{screen_is, wait_for};
use crate::machine::{Machine, Screen};
use crate::{partition, Twin};

/// The session every cut interrupts or follows: a certificate of no criminal record for work,
/// as the boot test's first citizen asks for it.
const SESSION: [&str; 5] = [
    "治安",
    "犯罪记录查询",
    "无犯罪记录证明（个人）",
    "开始办理",
    "就业",
];
const PHONE: &str = "13812345678";

/// One touch of the session: where, and what the screen shows after it (none where it differs
/// from terminal to terminal: the Done screen holds the submission's own number).
struct Step {
    label: String,
    at: (f32, f32),
    then: Option<Screen>,
}

/// The session as recorded on the twin.
pub struct Flow {
    attract: Screen,
    home: Screen,
    /// Up to and including 确认提交.
    steps: Vec<Step>,
    /// 完成 on the Done screen.
    done_at: (f32, f32),
}

/// Walks the twin once through the session (its own card, printer and upstream), keeping what a
/// replay on the guest needs; the twin ends on its attract screen.
pub fn record_flow(twin: &Twin, twin_bench: &Bench) -> Flow {
    // The last citizen's card is taken away, and the twin sees it go (its reader is polled
    // every 100 ms): a card left on the reader starts nothing.
    twin_bench.reader.remove();
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        twin.kiosk.borrow_mut().pump();
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_for(
        &twin.kiosk,
        "the twin's attract screen",
        screen_is(ScreenKind::Attract),
    );
    let attract = twin.screen();
    twin_bench.reader.tap(0);
    wait_for(&twin.kiosk, "the twin's home", screen_is(ScreenKind::Home));
    let home = twin.screen();
    let mut steps = Vec::new();
    let labels = SESSION
        .iter()
        .map(|s| s.to_string())
        .chain(PHONE.chars().map(|d| d.to_string()))
        .chain(["下一步".to_string()]);
    for label in labels {
        let at = crate::touch_twin(twin, &label);
        twin.kiosk.borrow_mut().pump();
        std::thread::sleep(Duration::from_millis(100));
        twin.kiosk.borrow_mut().pump();
        steps.push(Step {
            then: Some(twin.screen()),
            label,
            at,
        });
    }
    wait_for(
        &twin.kiosk,
        "the twin's confirm",
        screen_is(ScreenKind::Confirm),
    );
    let at = crate::touch_twin(twin, "确认提交");
    steps.push(Step {
        label: "确认提交".into(),
        at,
        then: None,
    });
    wait_for(&twin.kiosk, "the twin's done", screen_is(ScreenKind::Done));
    let done_at = crate::touch_twin(twin, "完成");
    twin_bench.reader.remove();
    wait_for(
        &twin.kiosk,
        "the twin's attract screen",
        screen_is(ScreenKind::Attract),
    );
    Flow {
        attract,
        home,
        steps,
        done_at,
    }
}

/// Where in a terminal's day the power goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Moment {
    /// While the receipt is coming out: some of its lines on the paper, not yet cut.
    MidReceipt,
    /// Within 3 s after the receipt was cut: the delivery upstream is under way or just done.
    Delivery,
    /// Anywhere in the boot, before the kiosk's first frame.
    Boot,
    /// After a random number of the session's touches.
    Session,
    /// Within 2.5 s after 确认提交: the store's commit, the Done screen, the printer's first bytes.
    AfterConfirm,
    /// Within 1.2 s after upstream handed the terminal a newer signed catalog: its download, its
    /// check and its atomic replacement of the one kept.
    CatalogUpdate,
    /// Within 15 s after a technician's update stick began installing a newer firmware into the
    /// other slot (RAUC checking the bundle or writing the slot); the stick is pulled while the
    /// power is off.
    Install,
}

const MOMENTS: [Moment; 7] = [
    Moment::MidReceipt,
    Moment::Delivery,
    // The third: `image/test --power-cuts 3` is the shortest run that has it.
    Moment::CatalogUpdate,
    Moment::Boot,
    Moment::Session,
    Moment::AfterConfirm,
    Moment::Install,
];

/// splitmix64: the cuts' instants, reproducible from the seed printed with the results.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn millis(&mut self, max: Duration) -> Duration {
        Duration::from_millis(self.below(max.as_millis() as u64 + 1))
    }
}

/// What a run of cuts saw.
#[derive(Default)]
pub struct Record {
    cuts: BTreeMap<String, usize>,
    sessions_confirmed: usize,
    stores_checked: usize,
    boots_finished: usize,
    frame_after: Vec<Duration>,
    /// The newer firmware was installed before a cut came (then it runs, in the other slot).
    installed: bool,
    /// Cuts during a catalog update, and how many found the update already kept (whole).
    catalog_cuts: usize,
    catalog_kept_at_cut: usize,
}

/// Cuts the power `cuts` times (see the module's documentation) on a terminal that is up on
/// `slot` with `guest_bench`'s devices and upstream; then serves the next citizen and checks
/// that nothing printed was lost or delivered twice.
/// The catalog authority the guest was provisioned with, a key made for the run (the demo
/// authority's key is refused outside a demo): the cuts during a catalog update publish the
/// shipped catalog under ever newer versions, signed with it, to the guest's upstream.
pub struct Authority {
    key: ed25519_dalek::SigningKey,
    offered: Vec<String>,
}

impl Authority {
    pub fn new() -> Authority {
        let (private, _) = onetrip::catalog::signature::generate().unwrap();
        Authority {
            key: onetrip::catalog::signature::signing_key(&private).unwrap(),
            offered: Vec::new(),
        }
    }

    /// The public key, for the guest's `[catalog] public_key`.
    pub fn public(&self) -> String {
        onetrip::catalog::signature::public_of(&self.key)
    }

    /// Publishes the shipped catalog as `version` (the shipped version itself: what the guest
    /// runs, offered, nothing to install) to `bench`'s upstream.
    pub fn publish(&mut self, bench: &Bench, version: &str) {
        let shipped = onetrip::catalog::shipped().version;
        let doc = onetrip::catalog::bundle(&onetrip::catalog::shipped_files()).replacen(
            &format!("version = \"{shipped}\""),
            &format!("version = \"{version}\""),
            1,
        );
        let signature = onetrip::catalog::signature::sign(doc.as_bytes(), &self.key);
        let status = tokio::runtime::Handle::current().block_on(async {
            reqwest::Client::new()
                .put(format!("http://{}/v1/admin/catalog", bench.upstream))
                .bearer_auth(&bench.config.upstream.token)
                .header(onetrip::sync::catalog::SIGNATURE_HEADER, signature)
                .body(doc)
                .send()
                .await
                .unwrap()
                .status()
        });
        assert!(
            status.is_success(),
            "publishing catalog {version}: {status}"
        );
        if version != shipped {
            self.offered.push(version.to_string());
        }
    }

    /// How many times `bench`'s upstream handed a catalog out whole.
    fn served(bench: &Bench) -> u64 {
        tokio::runtime::Handle::current().block_on(async {
            let v: serde_json::Value = reqwest::Client::new()
                .get(format!("http://{}/v1/admin/catalog", bench.upstream))
                .bearer_auth(&bench.config.upstream.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["served"].as_u64().unwrap()
        })
    }

    /// The catalog update kept in a store directory read from the disk after a cut: none, or
    /// one of those offered, whole (it verifies as at the next boot); its version.
    fn kept(&self, data_dir: &Path) -> Option<String> {
        let file = onetrip::catalog::active::path(data_dir);
        if !file.exists() {
            return None;
        }
        let key = self.key.verifying_key();
        let (catalog, status) = onetrip::catalog::active::load(
            data_dir,
            Some(&key),
            &onetrip::catalog::Capability::DEFAULT,
        );
        assert_eq!(
            status.last_rejection, None,
            "the kept catalog after a power cut is not whole"
        );
        assert!(
            self.offered.contains(&catalog.version),
            "kept {} of {:?}",
            catalog.version,
            self.offered
        );
        Some(catalog.version)
    }
}

/// What the cuts during an update offer: a newer firmware's bundle (an install from a stick),
/// newer catalogs from the guest's catalog authority.
pub struct Later<'a> {
    pub bundle: &'a Path,
    pub version: &'a str,
    pub catalogs: &'a mut Authority,
}

pub fn run(
    m: &mut Machine,
    flow: &Flow,
    guest_bench: &Bench,
    slot: &str,
    later: Later,
    cuts: usize,
    dir: &Path,
) {
    let seed = std::env::var("ONETRIP_POWER_CUT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        });
    println!("power cuts: {cuts}, seed {seed} (ONETRIP_POWER_CUT_SEED)");
    let authority = later.catalogs;
    let mut random = Random(seed);
    let mut record = Record::default();
    let mut booting = format!("OneTrip: booting slot {slot}");
    let other = if slot == "A" { "B" } else { "A" };
    let mut stick = None;
    let boots_before = m.console().matches("OneTrip: booting slot").count();
    let started = Instant::now();
    // The terminal is up on the attract screen: the first cut's moment comes without a boot.
    let mut up = true;
    for i in 0..cuts {
        let moment = match MOMENTS[i % MOMENTS.len()] {
            // The newer firmware already runs (an install finished before its cut): a stick
            // would bring nothing. The cut just after Confirm instead.
            Moment::Install if record.installed => Moment::AfterConfirm,
            m => m,
        };
        if !up && moment != Moment::Boot {
            back_in_service(m, flow, &booting, &mut record, dir);
        }
        match moment {
            Moment::Boot => {
                // Boot follows a cut in MOMENTS: the terminal was just powered on again.
                assert!(!up, "a boot to cut");
                let m_started = m.started;
                let frame = record
                    .frame_after
                    .iter()
                    .max()
                    .copied()
                    .unwrap_or(Duration::from_secs(40));
                std::thread::sleep(random.millis(frame).saturating_sub(m_started.elapsed()));
            }
            Moment::Session => {
                let touches = random.below(flow.steps.len() as u64 - 1) as usize;
                session(m, flow, guest_bench, touches, dir);
                std::thread::sleep(random.millis(Duration::from_millis(1500)));
            }
            Moment::AfterConfirm => {
                session(m, flow, guest_bench, flow.steps.len(), dir);
                record.sessions_confirmed += 1;
                std::thread::sleep(random.millis(Duration::from_millis(2500)));
            }
            Moment::MidReceipt => {
                let paper = Paper::read(guest_bench);
                session(m, flow, guest_bench, flow.steps.len(), dir);
                record.sessions_confirmed += 1;
                wait_until("the receipt's first lines", Duration::from_secs(90), || {
                    Paper::read(guest_bench).lines > paper.lines
                });
            }
            Moment::CatalogUpdate => {
                let served = Authority::served(guest_bench);
                let version = format!(
                    "{}.{}",
                    onetrip::catalog::shipped().version,
                    authority.offered.len() + 1
                );
                authority.publish(guest_bench, &version);
                // The guest asks every minute (its provisioning in the boot test).
                wait_until(
                    "the guest to fetch the update",
                    Duration::from_secs(150),
                    || Authority::served(guest_bench) > served,
                );
                // Under TCG the download, the check and the write take about a second (the
                // console's "catalog update installed" came 0.5 s after the community check of
                // the same tick): a 3 s window found the update already kept three times in
                // three.
                std::thread::sleep(random.millis(Duration::from_millis(1200)));
            }
            Moment::Install => {
                let stick = stick
                    .get_or_insert_with(|| crate::update_stick(dir, later.bundle, "stick-later"));
                const STARTED: &str = "ONETRIP-UPDATE: installing";
                const DONE: &str = "rauc install rc=0";
                let (started, done) = {
                    let c = m.console();
                    (c.matches(STARTED).count(), c.matches(DONE).count())
                };
                m.plug_stick(stick, "sticklater", false);
                m.wait_console(STARTED, started + 1, Duration::from_secs(300));
                let cut_at = Instant::now() + random.millis(Duration::from_secs(15));
                while Instant::now() < cut_at && m.console().matches(DONE).count() == done {
                    std::thread::sleep(Duration::from_millis(100));
                }
                if m.console().matches(DONE).count() > done {
                    // Installed before the cut: the next boot is the new firmware's, in the
                    // other slot, as the update meant (not a switch by the cut).
                    println!("the install of {} finished before its cut", later.version);
                    record.installed = true;
                    booting = format!("OneTrip: booting slot {other}");
                }
            }
            Moment::Delivery => {
                let paper = Paper::read(guest_bench);
                session(m, flow, guest_bench, flow.steps.len(), dir);
                record.sessions_confirmed += 1;
                wait_until("the receipt", Duration::from_secs(90), || {
                    Paper::read(guest_bench).cut > paper.cut
                });
                std::thread::sleep(random.millis(Duration::from_secs(3)));
            }
        }
        // The power goes; whoever stood there leaves with their card.
        let paper = Paper::read(guest_bench);
        let delivered = guest_bench.upstream_count();
        m.cut_power();
        guest_bench.reader.remove();
        if moment == Moment::Install {
            m.forget_stick("sticklater");
        }
        let label = match moment {
            Moment::MidReceipt if paper.torn_at_end => "mid-receipt",
            Moment::MidReceipt => "as the receipt was cut",
            Moment::Delivery => "during delivery",
            Moment::Boot => "during a boot",
            Moment::Session => "during a session",
            Moment::AfterConfirm => "just after Confirm",
            Moment::Install => "during an install",
            Moment::CatalogUpdate => "during a catalog update",
        };
        *record.cuts.entry(label.to_string()).or_default() += 1;
        println!(
            "cut {}: {label} ({} receipts on paper, {delivered} delivered, {:.0} s in)",
            i + 1,
            paper.numbers.len(),
            started.elapsed().as_secs_f64()
        );
        let store = store_passes_integrity_check(m.disk(), dir);
        record.stores_checked += 1;
        let kept = authority.kept(&store);
        if moment == Moment::CatalogUpdate {
            record.catalog_cuts += 1;
            let newest = authority.offered.last();
            if kept.as_ref() == newest {
                record.catalog_kept_at_cut += 1;
            }
            println!(
                "  the catalog kept: {}",
                kept.as_deref().unwrap_or("none (the shipped one runs)")
            );
        }
        let _ = std::fs::remove_dir_all(&store);
        if i == 0 {
            no_boot_report(m.disk(), dir);
        }
        m.power_on();
        up = false;
    }

    // The next citizen's receipt prints.
    back_in_service(m, flow, &booting, &mut record, dir);
    let paper = Paper::read(guest_bench);
    session(m, flow, guest_bench, flow.steps.len(), dir);
    record.sessions_confirmed += 1;
    wait_until(
        "the next citizen's receipt",
        Duration::from_secs(120),
        || Paper::read(guest_bench).cut > paper.cut,
    );
    m.tap(flow.done_at.0, flow.done_at.1);
    guest_bench.reader.remove();

    // Everything on paper reaches the upstream, once.
    let paper = Paper::read(guest_bench);
    let received = |bench: &Bench| {
        let db = rusqlite::Connection::open(bench.dir.path().join("upstream.sqlite3")).unwrap();
        onetrip::devtools::reference_upstream::received(&db).unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let numbers: BTreeSet<String> = received(guest_bench)
            .into_iter()
            .map(|r| r.number)
            .collect();
        if paper.numbers.is_subset(&numbers) {
            break;
        }
        if Instant::now() > deadline {
            let lost: Vec<_> = paper.numbers.difference(&numbers).collect();
            panic!("printed but never delivered: {lost:?}\n{}", m.console());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let rows = received(guest_bench);
    let mut per_number: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *per_number.entry(&r.number).or_default() += 1;
    }
    let twice: Vec<_> = per_number.iter().filter(|(_, n)| **n > 1).collect();
    let replays: i64 = rows.iter().map(|r| r.replays).sum();
    let console = m.console();
    let boots: Vec<&str> = console
        .lines()
        .filter(|l| l.contains("OneTrip: booting slot"))
        .skip(boots_before)
        .collect();
    // Every boot on the slot the terminal was on (each finished boot was checked as it came);
    // after an install that finished before its cut, the new firmware's slot from then on.
    let first = format!("OneTrip: booting slot {slot}");
    let switches = boots
        .iter()
        .filter(|l| !(l.contains(&first) || record.installed && l.contains(&booting)))
        .count();
    let mut frames = record.frame_after.clone();
    frames.sort();
    println!(
        "power cuts: {cuts} ({}) · sessions confirmed {} · submissions on paper {} · \
         delivered {} · lost 0 · duplicated {} (resent and recognised: {replays}) · store intact \
         {}/{} · boots {} ({} to the attract screen; first frame median {:.0} s) · slot switches {switches}{} · \
         catalog updates cut {} (kept whole at the cut {}) · {:.0} min",
        record
            .cuts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        record.sessions_confirmed,
        paper.numbers.len(),
        per_number.len(),
        twice.len(),
        record.stores_checked,
        cuts,
        boots.len(),
        record.boots_finished,
        frames
            .get(frames.len() / 2)
            .map_or(0.0, |d| d.as_secs_f64()),
        if record.installed {
            format!(" (an install finished before its cut: {} runs)", later.version)
        } else {
            String::new()
        },
        record.catalog_cuts,
        record.catalog_kept_at_cut,
        started.elapsed().as_secs_f64() / 60.0
    );
    assert!(twice.is_empty(), "delivered twice: {twice:?}");
    assert_eq!(switches, 0, "a power cut switched slots: {boots:?}");
    if let Some(newest) = authority.offered.last() {
        // Whether or not a cut caught it kept, the newest update is in force in the end.
        let beat = crate::common::kiosk::heartbeat_within(
            &tokio::runtime::Handle::current(),
            guest_bench,
            "the newest catalog",
            Duration::from_secs(180),
            |b| b["catalog"]["version"] == newest.as_str(),
        );
        assert!(
            beat["catalog"]["last_rejection"].is_null(),
            "{}",
            beat["catalog"]
        );
    }
}

/// After a power-on: READY, the attract screen by itself, on the same slot.
fn back_in_service(m: &mut Machine, flow: &Flow, booting: &str, record: &mut Record, dir: &Path) {
    let ready = m.console().matches("kiosk ready").count();
    m.wait_console("kiosk ready", ready + 1, Duration::from_secs(600));
    m.wait_screen(
        &flow.attract,
        "the attract screen after a power cut",
        Duration::from_secs(120),
        dir,
    );
    record.frame_after.push(m.started.elapsed());
    record.boots_finished += 1;
    let console = m.console();
    let last = console
        .lines()
        .rev()
        .find(|l| l.contains("OneTrip: booting slot"))
        .unwrap_or_default();
    assert!(
        last.contains(booting),
        "booted another slot after a cut: {last}"
    );
}

/// A citizen's card on the reader and the first `touches` of the session, each screen checked.
fn session(m: &mut Machine, flow: &Flow, bench: &Bench, touches: usize, dir: &Path) {
    // A card left on the reader starts nothing: the last citizen's is taken away first (the
    // reader is polled a few times a second).
    if bench.reader.card_on_reader().is_some() {
        bench.reader.remove();
        std::thread::sleep(Duration::from_secs(2));
    }
    bench.reader.tap(0);
    m.wait_screen(&flow.home, "the service home", Duration::from_secs(60), dir);
    for step in flow.steps.iter().take(touches) {
        m.tap(step.at.0, step.at.1);
        if let Some(then) = &step.then {
            let what = format!("the screen after {}", step.label);
            m.wait_screen(then, &what, Duration::from_secs(60), dir);
        }
    }
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "never saw {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What the guest's printer has put on paper: its lines and cuts, and every submission number
/// on it (in a line or a QR code), whether or not its receipt was finished.
struct Paper {
    lines: usize,
    cut: usize,
    numbers: BTreeSet<String>,
    /// Whether the paper ends in a receipt begun and not cut.
    torn_at_end: bool,
}

impl Paper {
    fn read(bench: &Bench) -> Paper {
        let printed = bench.printer.printed();
        let mut paper = Paper {
            lines: 0,
            cut: 0,
            numbers: BTreeSet::new(),
            torn_at_end: false,
        };
        for p in &printed {
            match p {
                Printed::Line { text, .. } => {
                    paper.lines += 1;
                    paper.numbers.extend(numbers_in(text));
                }
                Printed::Qr(data) => paper.numbers.extend(numbers_in(data)),
                Printed::Cut { .. } => paper.cut += 1,
            }
        }
        paper.torn_at_end = printed
            .iter()
            .rposition(|p| matches!(p, Printed::Cut { .. }))
            .map_or(!printed.is_empty(), |c| c + 1 < printed.len());
        paper
    }
}

/// Submission numbers in a printed text: `XXXX-XXXX-NNNNNN` (terminal id, serial).
fn numbers_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("DEMO-") {
        let start = i + at;
        let end = (start..bytes.len())
            .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-'))
            .unwrap_or(bytes.len());
        let candidate = &text[start..end];
        if candidate.len() >= "DEMO-0001-000001".len() {
            out.push(candidate.to_string());
        }
        i = end.max(start + 1);
    }
    out
}

/// The boot report (systemd-analyze after every boot, ~15 s of the emulated CPU) was read once,
/// in the terminal's day: the boots after cuts go without it, as a technician's grubenv edit
/// would have it. The journal stays on the console.
fn no_boot_report(disk: &Path, dir: &Path) {
    let esp = format!("{}@@1M", disk.display());
    let env = dir.join("grubenv-cuts");
    crate::run(
        Command::new("mcopy")
            .args(["-o", "-i", &esp, "::/EFI/onetrip/grubenv"])
            .arg(&env),
    );
    crate::run(Command::new("grub-editenv").arg(&env).args([
        "set",
        "EXTRA_CMDLINE=systemd.journald.forward_to_console=1 systemd.journald.max_level_console=info",
    ]));
    crate::run(
        Command::new("mcopy")
            .args(["-o", "-i", &esp])
            .arg(&env)
            .arg("::/EFI/onetrip/grubenv"),
    );
}

/// Reads the store on the terminal's disk as its next boot will: the data partition copied, its
/// ext4 journal replayed (what the boot's fsck does), the store's files taken out, and opened
/// with their WAL, which SQLite replays; `PRAGMA integrity_check` must say ok.
fn store_passes_integrity_check(disk: &Path, dir: &Path) -> PathBuf {
    let (start, size) = partition(disk, "onetrip-data");
    let copy = dir.join("data-after-cut.img");
    let _ = std::fs::remove_file(&copy);
    crate::run(
        Command::new("dd")
            .arg(format!("if={}", disk.display()))
            .arg(format!("of={}", copy.display()))
            .args([
                "bs=4M",
                "iflag=skip_bytes,count_bytes",
                "conv=sparse",
                "status=none",
            ])
            .arg(format!("skip={start}"))
            .arg(format!("count={size}")),
    );
    // -p: what an unattended boot may repair; exit codes 0–1 (clean, or fixed) are fine.
    let fsck = Command::new("e2fsck")
        .arg("-p")
        .arg(&copy)
        .output()
        .unwrap();
    assert!(
        fsck.status.code().is_some_and(|c| c <= 1),
        "the data partition needs more than the boot's fsck after a power cut: {}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
    let out = dir.join("store-after-cut");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    crate::run(
        Command::new("debugfs")
            .arg("-R")
            .arg(format!("rdump /store {}", out.display()))
            .arg(&copy),
    );
    let db = out.join("store/onetrip.sqlite3");
    assert!(
        db.exists(),
        "no store on the data partition after a power cut"
    );
    // The dead kiosk's shared-memory index: SQLite rebuilds it from the WAL, as at the boot.
    let _ = std::fs::remove_file(out.join("store/onetrip.sqlite3-shm"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "the store after a power cut");
    drop(conn);
    let _ = std::fs::remove_file(&copy);
    out.join("store")
}
