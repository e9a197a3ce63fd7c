//! A city's fleet on one gooseBit: N terminals (default 1,000) — the terminal's own fleet client,
//! with `rauc install` and the reboot stood in — poll one gooseBit on PostgreSQL (Debian's
//! `postgresql`, as a bureau would run it). Three phases:
//! 1. steady polling, nothing to install: polls per second and the server's CPU per poll;
//! 2. a good release in three waves (1 %, 10 %, the rest) by `image/fleet-rollout`, 0.5 % of the
//!    terminals falling back: every wave done, its duration, the server's CPU and memory;
//! 3. a bad release (30 % fall back): the tool stops after the first wave, and no terminal
//!    outside it ever installs the release.
//!
//!   cargo bench --profile dev --bench fleet_scale [-- --terminals N --poll-secs S]
//!
//! Needs PostgreSQL's server (`apt-get install postgresql`; run as root, it runs PostgreSQL as the
//! `postgres` user) and gooseBit with its PostgreSQL driver in the venv the tests use
//! (`/opt/goosebit/bin/pip install 'goosebit[postgresql]==0.2.12'`). The bundles are the 4 KiB
//! fixtures gooseBit parses: this measures the fleet's control plane, not a bundle's bytes.

#[path = "../tests/common/goosebit.rs"]
mod goosebit;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use onetrip::sync::fleet::local::Local;
use onetrip::sync::fleet::{FleetClient, Installer, PollOutcome};

const GOOD: &str = "2.0.0";
const BAD: &str = "2.0.1";

struct Args {
    terminals: usize,
    poll_secs: u64,
    steady_secs: u64,
}

fn args() -> Args {
    let mut a = Args {
        terminals: 1000,
        poll_secs: 10,
        steady_secs: 60,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse::<u64>().ok());
        match arg.as_str() {
            "--terminals" => a.terminals = value().expect("--terminals N") as usize,
            "--poll-secs" => a.poll_secs = value().expect("--poll-secs S").max(10),
            "--steady-secs" => a.steady_secs = value().expect("--steady-secs S"),
            _ => {} // cargo's own --bench
        }
    }
    a
}

/// PostgreSQL in a folder of its own, on a loopback port, trusting local connections.
struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    fn start() -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.flatten().map(|e| e.path().join("bin")).max())
            .filter(|b| b.join("initdb").exists())
            .expect("PostgreSQL's server is not installed: apt-get install postgresql");
        let dir = tempfile::tempdir().unwrap();
        // PostgreSQL refuses to run as root: then it runs as its own user.
        let as_postgres = rustix::process::geteuid().is_root();
        if as_postgres {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = Postgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = pg.dir.path().join("data");
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "goosebit",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            pg.dir.path().display()
        );
        pg.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                pg.dir.path().join("log").to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        pg
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let path = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn uri(&self) -> String {
        format!(
            "postgres://goosebit:unused@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// The postmaster's process id.
    fn pid(&self) -> u32 {
        let text = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid")).unwrap();
        text.lines().next().unwrap().trim().parse().unwrap()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = std::panic::catch_unwind(|| {
            self.run(
                "pg_ctl",
                &["-D", data.to_str().unwrap(), "-m", "fast", "stop"],
            )
        });
    }
}

/// CPU seconds (own and reaped children's) and proportional memory of a process and its
/// children, from /proc.
fn usage(root: u32) -> (f64, u64) {
    let ticks = 100.0; // USER_HZ on Linux
    let mut cpu = 0.0;
    let mut pss = 0;
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return (0.0, 0);
    };
    for p in procs.flatten() {
        let Ok(pid) = p.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command's closing parenthesis: state ppid … utime(12) stime(13)
        // cutime(14) cstime(15) counted from state at 1.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ppid: u32 = f[1].parse().unwrap_or(0);
        if pid != root && ppid != root {
            continue;
        }
        let n = |i: usize| f[i].parse::<f64>().unwrap_or(0.0);
        cpu += (n(11) + n(12) + n(13) + n(14)) / ticks;
        pss += std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
            * 1024;
    }
    (cpu, pss)
}

/// One simulated terminal: its firmware facts in a folder (as `Local::inside` reads them).
struct Terminal {
    dir: tempfile::TempDir,
    /// Falls back from the good release / the bad release.
    fails_good: bool,
    fails_bad: bool,
}

impl Terminal {
    fn new(fails_good: bool, fails_bad: bool) -> Terminal {
        let t = Terminal {
            dir: tempfile::tempdir().unwrap(),
            fails_good,
            fails_bad,
        };
        std::fs::write(
            t.dir.path().join("system.conf"),
            "[system]\ncompatible=onetrip-x86_64-dev\nbootloader=grub\n",
        )
        .unwrap();
        t.boot_into("1.0.0", "A");
        t
    }

    /// A boot into `version` from `slot`, confirmed good (the mark-good service's record).
    fn boot_into(&self, version: &str, slot: &str) {
        let p = self.dir.path();
        let boot = uuid::Uuid::new_v4().to_string();
        std::fs::write(p.join("onetrip-version"), version).unwrap();
        std::fs::write(p.join("cmdline"), format!("quiet rauc.slot={slot}")).unwrap();
        std::fs::write(p.join("boot_id"), &boot).unwrap();
        std::fs::create_dir_all(p.join("rauc")).unwrap();
        std::fs::write(p.join("rauc/confirmed-boot"), &boot).unwrap();
    }

    fn version(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("onetrip-version")).unwrap()
    }

    fn slot(&self) -> String {
        let cmdline = std::fs::read_to_string(self.dir.path().join("cmdline")).unwrap();
        onetrip::sync::fleet::local::slot_from_cmdline(&cmdline).unwrap()
    }
}

#[derive(Default)]
struct Counters {
    polls: AtomicU64,
    installs_good: AtomicU64,
    installs_bad: AtomicU64,
    /// Installs of the bad release outside the first wave (must stay 0).
    bad_outside_first_wave: AtomicU64,
    reported_ok: AtomicU64,
    reported_failed: AtomicU64,
    refused: AtomicU64,
    errors: AtomicU64,
    /// The first few failed polls' errors, as the terminal logs them.
    error_samples: std::sync::Mutex<Vec<String>>,
}

/// The terminal's life: polls at the server's pace; an installed release is "rebooted" into
/// after 5 s — the new version from slot B, or, on a terminal that fails it, back to the old
/// one in slot A — and reported on the next poll, as on a terminal.
async fn terminal_life(
    t: Terminal,
    client: impl Fn(&Terminal) -> FleetClient,
    first_wave: bool,
    start_after: Duration,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) {
    tokio::time::sleep(start_after).await;
    let mut fleet = client(&t);
    while !stop.load(Ordering::Relaxed) {
        counters.polls.fetch_add(1, Ordering::Relaxed);
        let wait = match fleet.poll_once().await {
            Ok(PollOutcome::Idle(sleep)) => sleep,
            Ok(PollOutcome::Installed { version, .. }) => {
                let bad = version == BAD;
                if bad {
                    counters.installs_bad.fetch_add(1, Ordering::Relaxed);
                    if !first_wave {
                        counters
                            .bad_outside_first_wave
                            .fetch_add(1, Ordering::Relaxed);
                    }
                } else {
                    counters.installs_good.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
                // RAUC installed into the other slot; a fall-back boots the running one again.
                let falls_back = if bad { t.fails_bad } else { t.fails_good };
                let (old, slot) = (t.version(), t.slot());
                if falls_back {
                    t.boot_into(&old, &slot);
                } else {
                    t.boot_into(&version, if slot == "A" { "B" } else { "A" });
                }
                // A new process after the reboot: no connection kept from before it.
                fleet = client(&t);
                Duration::ZERO
            }
            Ok(PollOutcome::Reported { success, .. }) => {
                let c = if success {
                    &counters.reported_ok
                } else {
                    &counters.reported_failed
                };
                c.fetch_add(1, Ordering::Relaxed);
                Duration::from_secs(10)
            }
            Ok(PollOutcome::Failed { .. }) => {
                counters.refused.fetch_add(1, Ordering::Relaxed);
                Duration::from_secs(10)
            }
            Ok(PollOutcome::Waiting { .. }) => Duration::from_secs(10),
            Err(e) => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                let mut samples = counters.error_samples.lock().unwrap();
                if samples.len() < 3 {
                    samples.push(e.to_string());
                }
                Duration::from_secs(10)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

fn fixture(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/fleet/onetrip-{version}.raucb"))
}

/// Runs `image/fleet-rollout` for one release over the three wave feeds; its exit code and how
/// long it took.
fn roll_out(gb: &goosebit::GooseBit, software: i64, name: &str) -> (i32, Duration) {
    let started = Instant::now();
    let status = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/fleet-rollout"))
        .args(["--server", &gb.url, "--software", &software.to_string()])
        .args([
            "--waves",
            "wave-1,wave-2,wave-3",
            "--max-failure-rate",
            "0.05",
        ])
        .args(["--wave-timeout", "600", "--interval", "5", "--name", name])
        .env("GOOSEBIT_USER", goosebit::ADMIN_USER)
        .env("GOOSEBIT_PASSWORD", goosebit::ADMIN_PASSWORD)
        .status()
        .unwrap();
    (status.code().unwrap_or(-1), started.elapsed())
}

fn main() {
    let a = args();
    assert!(
        a.terminals >= 20,
        "--terminals: at least 20, for three waves of 1 %, 10 % and the rest"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pg = Postgres::start();
    let gb = rt.block_on(goosebit::GooseBit::start_with(goosebit::Options {
        db_uri: Some(pg.uri()),
        poll_time: Some(format!(
            "{:02}:{:02}:{:02}",
            a.poll_secs / 3600,
            a.poll_secs / 60 % 60,
            a.poll_secs % 60
        )),
        ..Default::default()
    }));
    let n = a.terminals;
    let ids: Vec<String> = (0..n).map(|i| format!("ZZXC-{i:05}")).collect();
    let first = (n / 100).max(1);
    let second = first + (n / 10).max(1);
    rt.block_on(async {
        for id in &ids {
            gb.add_device(id, &format!("token-{id}")).await;
        }
        gb.set_feed(&ids[..first], "wave-1").await;
        gb.set_feed(&ids[first..second], "wave-2").await;
        gb.set_feed(&ids[second..], "wave-3").await;
    });
    let good_sw = rt.block_on(gb.upload(&fixture(GOOD)));
    let bad_sw = rt.block_on(gb.upload(&fixture(BAD)));

    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    for (i, id) in ids.iter().enumerate() {
        // 0.5 % fall back from the good release (none in the first two waves), 30 % from the bad.
        let t = Terminal::new(i % 200 == 199, i % 10 < 3);
        let cfg = onetrip::config::Fleet {
            server: gb.ddi_root(),
            controller_id: Some(id.clone()),
            token: format!("token-{id}"),
            poll_secs: a.poll_secs,
            ca_file: None,
            download_origins: vec![],
            reboot_idle_secs: 0,
            quiet_hours: None,
        };
        let id = id.clone();
        let client = move |t: &Terminal| {
            FleetClient::new(&cfg, &id, &t.dir.path().join("fleet"))
                .unwrap()
                .with_installer(Installer {
                    install: vec!["true".into()],
                    reboot: vec!["true".into()],
                })
                .with_local(Local::inside(t.dir.path()))
        };
        // Spread over one poll interval, as terminals switched on through a morning are.
        let after = Duration::from_millis(a.poll_secs * 1000 * i as u64 / n as u64);
        rt.spawn(terminal_life(
            t,
            client,
            i < first,
            after,
            counters.clone(),
            stop.clone(),
        ));
    }

    let sample = |what: &str, since: Instant, polls0: u64, cpu0: (f64, f64)| {
        let secs = since.elapsed().as_secs_f64();
        let polls = counters.polls.load(Ordering::Relaxed) - polls0;
        let (gb_cpu, gb_mem) = usage(gb.pid());
        let (pg_cpu, pg_mem) = usage(pg.pid());
        println!(
            "| {what} | {secs:.0} s | {:.1} polls/s | gooseBit {:.0} % of a core, {} MiB | PostgreSQL {:.0} % of a core, {} MiB |",
            polls as f64 / secs,
            100.0 * (gb_cpu - cpu0.0) / secs,
            gb_mem >> 20,
            100.0 * (pg_cpu - cpu0.1) / secs,
            pg_mem >> 20,
        );
    };
    let cpu_now = || (usage(gb.pid()).0, usage(pg.pid()).0);

    // 1. Registration (each terminal's first poll) and steady polling.
    std::thread::sleep(Duration::from_secs(2 * a.poll_secs + 5));
    let (t0, p0, c0) = (
        Instant::now(),
        counters.polls.load(Ordering::Relaxed),
        cpu_now(),
    );
    std::thread::sleep(Duration::from_secs(a.steady_secs));
    println!("{n} terminals polling every {} s\n", a.poll_secs);
    println!("| phase | duration | polls | server CPU, memory (PSS) | database |");
    println!("|---|---|---|---|---|");
    sample("steady polling, nothing offered", t0, p0, c0);

    // 2. The good release in waves.
    let (t1, p1, c1) = (
        Instant::now(),
        counters.polls.load(Ordering::Relaxed),
        cpu_now(),
    );
    let (good_exit, good_took) = roll_out(&gb, good_sw, "good release");
    sample("good release, three waves", t1, p1, c1);
    let good_reports = (
        counters.reported_ok.load(Ordering::Relaxed),
        counters.reported_failed.load(Ordering::Relaxed),
    );

    // 3. The bad release: stopped after the first wave.
    let (t2, p2, c2) = (
        Instant::now(),
        counters.polls.load(Ordering::Relaxed),
        cpu_now(),
    );
    let (bad_exit, bad_took) = roll_out(&gb, bad_sw, "bad release");
    // Two more poll intervals: nothing reaches the later waves after the stop.
    std::thread::sleep(Duration::from_secs(2 * a.poll_secs + 10));
    sample("bad release, stopped", t2, p2, c2);
    stop.store(true, Ordering::Relaxed);

    let c = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let (ok, failed) = (c(&counters.reported_ok), c(&counters.reported_failed));
    println!(
        "\ngood release: exit {good_exit}, {:.0} s; {} installed, {} confirmed and reported, {} fell back and reported",
        good_took.as_secs_f64(),
        c(&counters.installs_good),
        good_reports.0,
        good_reports.1
    );
    println!(
        "bad release: exit {bad_exit} (1 = stopped), {:.0} s; {} installed (outside the first wave {}), {} confirmed, {} fell back; refusals reported {}; failed polls {}",
        bad_took.as_secs_f64(),
        c(&counters.installs_bad),
        c(&counters.bad_outside_first_wave),
        ok - good_reports.0,
        failed - good_reports.1,
        c(&counters.refused),
        c(&counters.errors)
    );
    for e in counters.error_samples.lock().unwrap().iter() {
        println!("  a failed poll: {e}");
    }
    let rollouts = rt.block_on(gb.rollouts());
    for r in &rollouts {
        println!(
            "  gooseBit: rollout {}: paused {}, {} succeeded, {} failed",
            r["name"].as_str().unwrap_or("-"),
            r["paused"],
            r["success_count"],
            r["failure_count"]
        );
    }
    assert_eq!(good_exit, 0, "the good release did not go through");
    assert_eq!(bad_exit, 1, "the bad release was not stopped");
    assert_eq!(
        c(&counters.bad_outside_first_wave),
        0,
        "the bad release reached a later wave"
    );
}
