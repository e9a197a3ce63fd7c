//! USB sticks for the booted terminal: a technician's (FAT, labelled, a log stick armed with a
//! note signed under the image's update CA) and ones that are not (another filesystem with the
//! label, links and FIFOs where the bundle would go; a log stick nobody armed).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest;

use crate::machine::Machine;
use crate::run;

/// An empty FAT stick of `kib` KiB with this label.
pub fn fat(dir: &Path, name: &str, label: &str, kib: u64) -> PathBuf {
    let stick = dir.join(format!("{name}.img"));
    let _ = std::fs::remove_file(&stick);
    run(Command::new("mkfs.vfat")
        .args(["-n", label, "-C"])
        .arg(&stick)
        .arg(kib.to_string()));
    stick
}

/// Copies a file onto a FAT stick's top folder.
pub fn put(stick: &Path, file: &Path, name: &str) {
    run(Command::new("mcopy")
        .arg("-i")
        .arg(stick)
        .arg(file)
        .arg(format!("::/{name}")));
}

/// The names in a FAT stick's top folder.
pub fn top_names(stick: &Path) -> Vec<String> {
    let out = Command::new("mdir")
        .args(["-b", "-i"])
        .arg(stick)
        .arg("::/")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.trim_start_matches("::/")
                .trim_end_matches('/')
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// A technician's arming note for log sticks, valid for a day: "onetrip log stick", its end,
/// signed (CMS, S/MIME signing) by the technician's certificate that `image/build` made under
/// the development update CA (`pki/technician.*`), the CA the image trusts.
pub fn arming_note(dir: &Path, image_dir: &Path) -> PathBuf {
    let pki = image_dir.join("pki");
    assert!(
        pki.join("technician.key.pem").exists(),
        "no technician's key in {pki:?}: image/build (lib/dev-pki.sh) makes it"
    );
    let until = chrono::Utc::now() + chrono::Duration::days(1);
    let text = dir.join("arm.txt");
    std::fs::write(
        &text,
        format!(
            "onetrip log stick\nuntil {}\n",
            until.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    )
    .unwrap();
    let note = dir.join("onetrip-arm.p7");
    run(Command::new("openssl")
        .args(["cms", "-sign", "-binary", "-nodetach", "-outform", "PEM"])
        .arg("-signer")
        .arg(pki.join("technician.cert.pem"))
        .arg("-inkey")
        .arg(pki.join("technician.key.pem"))
        .arg("-in")
        .arg(&text)
        .arg("-out")
        .arg(&note));
    note
}

/// Not a technician's stick: ext4 labelled ONETRIP-LOG (and armed with a valid note), holding a
/// folder for every name the bundle could take in the next ten minutes, each with links where
/// the bundle's files would go — to the configuration, the store, GRUB's environment — and
/// FIFOs. Written through as root, it replaced those files and hung the service.
pub fn ext4_log_stick_with_links_and_fifos(dir: &Path, note: &Path) -> PathBuf {
    let tree = dir.join("ext4-stick-tree");
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::copy(note, tree.join("onetrip-arm.p7")).unwrap();
    let now = chrono::Utc::now();
    for s in 0..600 {
        let at = now + chrono::Duration::seconds(s);
        let d = tree.join(format!("onetrip-logs-{}", at.format("%Y%m%dT%H%M%SZ")));
        std::fs::create_dir(&d).unwrap();
        for (name, target) in [
            ("config.toml", "/var/lib/onetrip/config/onetrip.toml"),
            ("versions.txt", "/var/lib/onetrip/store/onetrip.sqlite3"),
            ("store.txt", "/boot/efi/EFI/onetrip/grubenv"),
        ] {
            std::os::unix::fs::symlink(target, d.join(name)).unwrap();
        }
        for fifo in ["journal.txt", "health.json"] {
            rustix::fs::mkfifoat(
                rustix::fs::CWD,
                d.join(fifo),
                rustix::fs::Mode::from_raw_mode(0o666),
            )
            .unwrap();
        }
    }
    let stick = dir.join("ext4-log-stick.img");
    let _ = std::fs::remove_file(&stick);
    run(Command::new("mkfs.ext4")
        .args(["-q", "-F", "-L", "ONETRIP-LOG", "-N", "8192", "-d"])
        .arg(&tree)
        .arg(&stick)
        .arg("32M"));
    stick
}

/// The SHA-256 of a stick image: a stick that was mounted read-write is not the same after.
pub fn digest(stick: &Path) -> String {
    let bytes = std::fs::read(stick).unwrap();
    format!("{:x}", sha2::Sha256::digest(&bytes))
}

/// Waits until the console shows `then` after the first `first` (a minute at most): the stick's
/// unmount after its bundle, whatever earlier sticks said.
pub fn wait_after(m: &Machine, first: &str, then: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let console = m.console();
        let start = console
            .find(first)
            .unwrap_or_else(|| panic!("{first:?} not on the console"));
        if console[start..].contains(then) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{then:?} not seen after {first:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
