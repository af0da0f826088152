//! The data meshsim ships (`data/`): every file listed in `data/SHA256SUMS` is present with its
//! recorded checksum, every data file is listed, and the tests resolve data inside the repository.

use std::collections::BTreeSet;
use std::path::Path;

use meshsim_tests::{data_dir, root};
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn listed() -> Vec<(String, String)> {
    let sums = std::fs::read_to_string(data_dir().join("SHA256SUMS")).expect("data/SHA256SUMS");
    sums.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (sum, file) = l.split_once("  ").expect("`<sha256>  <path>` lines");
            (sum.to_string(), file.to_string())
        })
        .collect()
}

#[test]
fn every_shipped_data_file_has_its_recorded_checksum() {
    let entries = listed();
    assert!(entries.len() >= 3, "SHA256SUMS lists {}", entries.len());
    for (sum, file) in &entries {
        let p = data_dir().join(file);
        let bytes = std::fs::read(&p)
            .unwrap_or_else(|e| panic!("data file {} cannot be read: {e}", p.display()));
        assert_eq!(&hex(&Sha256::digest(&bytes)), sum, "{file} changed");
    }
}

#[test]
fn every_data_file_is_listed_and_data_lives_in_the_repository() {
    let dir = data_dir();
    assert!(
        dir.starts_with(root()),
        "{} is outside the repository",
        dir.display()
    );
    let listed: BTreeSet<String> = listed().into_iter().map(|(_, f)| f).collect();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(&dir, &dir, &mut found);
    found.remove("README.md");
    found.remove("SHA256SUMS");
    assert_eq!(found, listed, "files in data/ and data/SHA256SUMS differ");
}
