//! `onetrip catalog check | keygen | sign`, as a technician or the issuing authority runs them.

use std::path::Path;
use std::process::Command;

fn onetrip(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onetrip"))
        .args(args)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn the_shipped_catalog_passes_and_a_broken_one_says_where() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
    let (code, out, _) = onetrip(&["catalog", "check", shipped.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("8 police types, 19 categories, 84 items"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("catalog");
    copy_dir(&shipped, &copy);
    let items = copy.join("items/zhi_an.toml");
    let text = std::fs::read_to_string(&items).unwrap();
    std::fs::write(
        &items,
        text.replacen("fee_yuan = 0", "fee_yuan = 500000", 1)
            .replacen("category = \"ZA-TZHY\"", "category = \"ZA-NOPE\"", 1),
    )
    .unwrap();
    let (code, _, err) = onetrip(&["catalog", "check", copy.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("items/zhi_an.toml: ZA-FZJL-01: fee_yuan = 500000 is not a sane fee"),
        "{err}"
    );
    assert!(
        err.contains("items/zhi_an.toml: ZA-TZHY-01: category `ZA-NOPE` does not exist"),
        "{err}"
    );
    assert!(err.contains("2 problem(s)"), "{err}");

    let (code, _, err) = onetrip(&["catalog", "check", "/nonexistent/catalog"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn keygen_sign_and_the_signature_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("authority.key");
    let (code, public, _) = onetrip(&["catalog", "keygen", "--key", key.to_str().unwrap()]);
    assert_eq!(code, 0);
    let public = public.trim().to_string();
    assert_eq!(public.len(), 44);
    // Never overwrites a key.
    let (code, _, _) = onetrip(&["catalog", "keygen", "--key", key.to_str().unwrap()]);
    assert_eq!(code, 2);

    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
    let out = dir.path().join("catalog.toml");
    let (code, sig, err) = onetrip(&[
        "catalog",
        "sign",
        shipped.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let doc = std::fs::read(&out).unwrap();
    let sig_file = std::fs::read_to_string(dir.path().join("catalog.toml.sig")).unwrap();
    assert_eq!(sig.trim(), sig_file.trim());
    let pk = onetrip::catalog::signature::public_key(&public).unwrap();
    onetrip::catalog::signature::verify(&doc, &sig_file, &pk).unwrap();
    // The signed document is itself a valid catalog.
    let (code, _, _) = onetrip(&["catalog", "check", out.to_str().unwrap()]);
    assert_eq!(code, 0);

    // An invalid catalog is never signed.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "version = \"x\"\n").unwrap();
    let (code, _, err) = onetrip(&[
        "catalog",
        "sign",
        bad.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--out",
        dir.path().join("bad-out.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not signed"), "{err}");
    assert!(!dir.path().join("bad-out.toml").exists());
}
