//! Loading a catalog: the TOML files (a directory, one file, the copy compiled into the
//! firmware, or one bundled document as upstream sends it) parsed into a [`Catalog`], then checked.

use std::path::Path;

use serde::Deserialize;

use super::check::{self, Problem};
use super::schema::{Capability, Catalog, Category, Item, PoliceType, Source};

/// One file as written: every section optional, so a catalog can be split however a city likes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    version: Option<String>,
    issuer: Option<String>,
    #[serde(default)]
    sources: Vec<Source>,
    #[serde(default)]
    police_types: Vec<PoliceType>,
    #[serde(default)]
    categories: Vec<Category>,
    #[serde(default)]
    items: Vec<Item>,
    #[serde(default)]
    featured: Vec<String>,
}

/// Parses and validates a catalog from named TOML texts (file name, contents).
/// A sign-off whose digest does not match the words is read as none (never shown to a citizen as
/// verified); the authority's tools use [`parse_signed_off`], which refuses it.
pub fn parse(files: &[(String, String)]) -> Result<Catalog, Vec<Problem>> {
    let (mut catalog, mut problems) = read(files);
    problems.extend(check::check(&catalog));
    if problems.is_empty() {
        catalog.void_stale_sign_offs();
        Ok(catalog)
    } else {
        Err(problems)
    }
}

/// [`parse`] as the authority's tools read a catalog: a stale or missing sign-off digest is a
/// problem to fix, not something to drop.
pub fn parse_signed_off(files: &[(String, String)]) -> Result<Catalog, Vec<Problem>> {
    let (catalog, mut problems) = read(files);
    problems.extend(check::check(&catalog));
    problems.extend(check::sign_offs(&catalog));
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(problems)
    }
}

/// [`parse`] for a new review: an item edited since its sign-off is what a review is for, not a
/// problem — it is read as not verified (its stale sign-off dropped). The codes of those items
/// come back beside the catalog.
pub fn parse_for_review(
    files: &[(String, String)],
) -> Result<(Catalog, Vec<String>), Vec<Problem>> {
    let (mut catalog, mut problems) = read(files);
    let stale = catalog.void_stale_sign_offs();
    problems.extend(check::check(&catalog));
    if problems.is_empty() {
        Ok((catalog, stale))
    } else {
        Err(problems)
    }
}

/// The files' TOML as one catalog, unchecked, and what could not be read.
fn read(files: &[(String, String)]) -> (Catalog, Vec<Problem>) {
    let mut catalog = Catalog::default();
    let mut problems = Vec::new();
    for (name, text) in files {
        let de = toml::Deserializer::parse(text);
        let parsed: Result<CatalogFile, String> = match de {
            Ok(de) => serde_path_to_error::deserialize(de).map_err(|e| {
                let path = e.path().to_string();
                format!("at `{path}`: {}", e.into_inner().message())
            }),
            Err(e) => Err(e.message().to_string()),
        };
        let file = match parsed {
            Ok(f) => f,
            Err(message) => {
                problems.push(Problem {
                    file: name.clone(),
                    code: None,
                    message: format!("not a valid catalog file {message}"),
                });
                continue;
            }
        };
        for (slot, value, what) in [
            (&mut catalog.version, file.version, "version"),
            (&mut catalog.issuer, file.issuer, "issuer"),
        ] {
            if let Some(v) = value {
                if !slot.is_empty() {
                    problems.push(Problem {
                        file: name.clone(),
                        code: None,
                        message: format!("`{what}` is set in more than one file; keep one"),
                    });
                }
                *slot = v;
            }
        }
        catalog.sources.extend(file.sources);
        catalog.featured.extend(file.featured);
        catalog
            .police_types
            .extend(file.police_types.into_iter().map(|mut t| {
                t.file = name.clone();
                t
            }));
        catalog
            .categories
            .extend(file.categories.into_iter().map(|mut c| {
                c.file = name.clone();
                c
            }));
        catalog.items.extend(file.items.into_iter().map(|mut i| {
            i.file = name.clone();
            i
        }));
    }
    (catalog, problems)
}

/// [`parse`], then the catalog against a terminal's capabilities ([`check::for_terminal`]).
pub fn parse_for(
    files: &[(String, String)],
    capabilities: &[Capability],
) -> Result<Catalog, Vec<Problem>> {
    let catalog = parse(files)?;
    let problems = check::for_terminal(&catalog, capabilities);
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(problems)
    }
}

/// The files of a catalog directory (every `*.toml` below it, in name order) or a single file.
pub fn read_path(path: &Path) -> std::io::Result<Vec<(String, String)>> {
    if path.is_file() {
        let name = path.display().to_string();
        return Ok(vec![(name, std::fs::read_to_string(path)?)]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&p)?;
                let name = p.strip_prefix(path).unwrap_or(&p).display().to_string();
                files.push((name, text));
            }
        }
    }
    if files.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no .toml files in {}", path.display()),
        ));
    }
    // catalog.toml first: it carries the version, then the rest in name order.
    files.sort_by(|a, b| (a.0 != "catalog.toml", &a.0).cmp(&(b.0 != "catalog.toml", &b.0)));
    Ok(files)
}

/// The catalog shipped in the firmware (`assets/catalog/`), compiled in so a terminal always has one.
pub fn shipped_files() -> Vec<(String, String)> {
    macro_rules! file {
        ($name:literal) => {
            (
                $name.to_string(),
                include_str!(concat!("../../assets/catalog/", $name)).to_string(),
            )
        };
    }
    vec![
        file!("catalog.toml"),
        file!("items/chu_ru_jing.toml"),
        file!("items/fa_zhi.toml"),
        file!("items/hu_zheng.toml"),
        file!("items/jiao_guan.toml"),
        file!("items/jin_du.toml"),
        file!("items/wang_an.toml"),
        file!("items/xiao_fang.toml"),
        file!("items/zhi_an.toml"),
    ]
}

/// The shipped files as one TOML document, the form an upstream update takes.
pub fn bundle(files: &[(String, String)]) -> String {
    let mut out = String::new();
    for (name, text) in files {
        out.push_str(&format!("# ---- {name}\n"));
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The shipped catalog. It is checked by a test and by CI, so a failure here is a build defect.
pub fn shipped() -> Catalog {
    parse(&shipped_files()).unwrap_or_else(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        panic!("the shipped catalog is invalid:\n{}", list.join("\n"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Mode;

    #[test]
    fn the_shipped_catalog_is_valid_and_holds_the_research() {
        let c = shipped();
        assert!(c.items.len() >= 75, "{} items", c.items.len());
        assert_eq!(c.police_types.len(), 8);
        for mode in Mode::ALL {
            assert!(
                c.items.iter().any(|i| i.mode == mode),
                "no item of mode {mode:?}"
            );
        }
        let wfz = c.item("ZA-FZJL-01").unwrap();
        assert_eq!(wfz.name.zh, "无犯罪记录证明（个人）");
        assert_eq!(wfz.fee_text(false), "免费");
    }

    #[test]
    fn shipped_file_list_matches_the_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/catalog");
        let on_disk: Vec<String> = read_path(&dir).unwrap().into_iter().map(|f| f.0).collect();
        let compiled: Vec<String> = shipped_files().into_iter().map(|f| f.0).collect();
        assert_eq!(on_disk, compiled);
    }

    #[test]
    fn a_bundle_parses_to_the_same_catalog() {
        let files = shipped_files();
        let one = vec![("bundle.toml".to_string(), bundle(&files))];
        let a = parse(&files).unwrap();
        let b = parse(&one).unwrap();
        assert_eq!(a.items.len(), b.items.len());
        assert_eq!(
            a.item("ZA-FZJL-01").unwrap().name,
            b.item("ZA-FZJL-01").unwrap().name
        );
    }
}
